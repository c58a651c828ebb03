//! `define_shape()`: 3-D points for sections that have none, and sections
//! with points moved onto their parent's connection point (treeset.cpp,
//! nrn_define_shape). Float arithmetic where NEURON uses floats.

use crate::model::Model;
use crate::section::{Pt3d, SecId};

impl Model {
    pub fn define_shape(&mut self) {
        self.ensure_lowered();
        let dz = 100.0f32;
        let order = self.order.clone();
        for (i, &s) in order.iter().enumerate() {
            let sec = self.sec(s);
            let parent = sec.parent;
            let (x, y, z): (f32, f32, f32);
            let (mut x1, mut y1): (f32, f32);
            let arc = parent.map(|p| p.1).unwrap_or(0.0);
            match parent {
                None => {
                    x = 0.0;
                    y = 0.0;
                    z = i as f32 * dz;
                    x1 = 1.0;
                    y1 = 0.0;
                }
                Some((p, _)) => {
                    let ps = self.sec(p);
                    let (first, last) = (ps.pt3d[0], ps.pt3d[ps.pt3d.len() - 1]);
                    let mut arc1 = arc;
                    x1 = last.x - first.x;
                    y1 = last.y - first.y;
                    if ps.orientation != 0.0 {
                        arc1 = 1.0 - arc;
                    }
                    if arc1 < 0.5 {
                        x1 = -x1;
                        y1 = -y1;
                    }
                    x = (last.x as f64 * arc1 + first.x as f64 * (1.0 - arc1)) as f32;
                    y = (last.y as f64 * arc1 + first.y as f64 * (1.0 - arc1)) as f32;
                    z = (last.z as f64 * arc1 + first.z as f64 * (1.0 - arc1)) as f32;
                }
            }
            if !self.sec(s).pt3d.is_empty() {
                if parent.is_some() {
                    self.translate_shape(s, x, y, z);
                }
                continue;
            }
            let mut angle: f32 = if y1.abs() < 1e-6 && x1.abs() < 1e-6 { 0.0 } else { y1.atan2(x1) };
            if arc > 0.0 && arc < 1.0 {
                angle = (angle as f64 + std::f64::consts::PI / 2.0) as f32;
            }
            if let Some((p, _)) = parent {
                // Children at one position fan out over ±0.4 rad.
                let mut nch = 0.0f32;
                let mut ich = 0.0f32;
                for c in self.children_of(p) {
                    if c == s {
                        ich = nch;
                    }
                    if self.sec(c).parent.unwrap().1 == arc {
                        nch += 1.0;
                    }
                }
                if nch > 1.0 {
                    angle = (angle as f64 + ich as f64 / (nch as f64 - 1.0) * 0.8 - 0.4) as f32;
                }
            }
            let sec = self.sec(s);
            let len = sec.length();
            let nseg = sec.nseg;
            let diam = sec.diam.clone();
            x1 = (x as f64 + len * angle.cos() as f64) as f32;
            y1 = (y as f64 + len * angle.sin() as f64) as f32;
            let sec = self.sec_mut(s);
            sec.pt3d.push(Pt3d { x, y, z, d: diam[0] as f32 });
            for (j, d) in diam.iter().enumerate().take(nseg) {
                let frac = (j as f64 + 0.5) / nseg as f64;
                let px = (x as f64 * (1.0 - frac) + x1 as f64 * frac) as f32;
                let py = (y as f64 * (1.0 - frac) + y1 as f64 * frac) as f32;
                sec.pt3d.push(Pt3d { x: px, y: py, z, d: *d as f32 });
            }
            sec.pt3d.push(Pt3d { x: x1, y: y1, z, d: diam[nseg - 1] as f32 });
            sec.recompute_arc();
            // Round-off must not change the length.
            let n = sec.arc.len();
            sec.arc[n - 1] = len;
            sec.l = len;
        }
    }

    /// Moves a section's points so its first point (or its pt3dstyle anchor) is at (x, y, z).
    fn translate_shape(&mut self, s: SecId, x: f32, y: f32, z: f32) {
        // pt3dconst(1): the 3-D points stay as given
        if self.pt3dconst {
            return;
        }
        let sec = self.sec_mut(s);
        let (dx, dy, dz) = match sec.logical_connection.as_mut() {
            Some(p) => {
                let d = (x - p[0], y - p[1], z - p[2]);
                *p = [x, y, z];
                d
            }
            None => (x - sec.pt3d[0].x, y - sec.pt3d[0].y, z - sec.pt3d[0].z),
        };
        for p in sec.pt3d.iter_mut() {
            p.x += dx;
            p.y += dy;
            p.z += dz;
        }
    }

    /// Children of a section in NEURON's sibling order (by position; newest first at one position).
    pub fn children_of(&self, s: SecId) -> Vec<SecId> {
        let mut ch: Vec<SecId> = (0..self.sections.len()).filter(|&c| self.exists(c) && self.sec(c).parent.is_some_and(|(p, _)| p == s)).collect();
        ch.sort_by(|&a, &b| {
            let (sa, sb) = (self.sec(a), self.sec(b));
            sa.parent.unwrap().1.partial_cmp(&sb.parent.unwrap().1).unwrap_or(std::cmp::Ordering::Equal).then(sb.serial.cmp(&sa.serial))
        });
        ch
    }
}
