//! Segment areas and axial resistances, from diameters or by integrating over
//! the 3-D points as NEURON does (treeset.cpp: nrn_area_ri, diam_from_list).

use crate::section::Section;
use std::f64::consts::PI;

/// Area (µm²) and 1/(axial resistance) (µS) of each node of a section:
/// `nseg` segment centres, then the x = 1 node (area 100).
pub struct NodeGeometry {
    pub area: Vec<f64>,
    pub rinv: Vec<f64>,
    /// A segment had diam <= 0 (now 1e-6): NEURON's error at this update.
    pub zero_diam: bool,
}

/// Computes node geometry; with 3-D points this also sets the mean diameters.
pub fn section_geometry(sec: &mut Section) -> NodeGeometry {
    let n = sec.nseg;
    let mut area = Vec::with_capacity(n + 1);
    let mut rinv = Vec::with_capacity(n + 1);
    let ra = sec.ra;
    let mut rright = 0.0;
    let mut zero_diam = false;
    if sec.pt3d.len() > 1 {
        let mut integ = Integrator::new(sec);
        for j in 0..n {
            let (a, rl, rr, diam) = integ.segment(sec, j);
            rinv.push(1.0 / (rright + rl));
            if (diam - sec.diam[j]).abs() > 1e-9 || diam < 1e-5 {
                sec.diam[j] = diam;
            }
            area.push(a);
            rright = rr;
        }
    } else {
        let dx = sec.length() / n as f64;
        for j in 0..n {
            let mut diam = sec.diam[j];
            if diam <= 0.0 {
                diam = 1e-6;
                sec.diam[j] = diam;
                zero_diam = true;
            }
            area.push(PI * diam * dx);
            let rleft = 1e-2 * ra * (dx / 2.0) / (PI * diam * diam / 4.0);
            rinv.push(1.0 / (rleft + rright));
            rright = rleft;
        }
    }
    area.push(1.0e2);
    rinv.push(1.0 / rright);
    NodeGeometry { area, rinv, zero_diam }
}

/// Trapezoidal integration along the 3-D points, one segment at a time.
struct Integrator {
    j: usize,
    x1: f64,
    y1: f64,
    ds: f64,
}

impl Integrator {
    fn new(sec: &Section) -> Self {
        let n = sec.pt3d.len();
        Integrator { j: 0, x1: sec.arc[0], y1: (sec.pt3d[0].d as f64).abs(), ds: sec.arc[n - 1] / sec.nseg as f64 }
    }

    /// (area, left-half resistance, right-half resistance, mean diameter) of segment `inode`.
    fn segment(&mut self, sec: &Section, inode: usize) -> (f64, f64, f64, f64) {
        let npt = sec.pt3d.len();
        let ra = sec.ra;
        let ds = self.ds;
        let mut si = inode as f64 * ds;
        let (mut diam, mut area) = (0.0, 0.0);
        let mut rleft = 0.0;
        let mut rright = 0.0;
        for ihalf in 0..2 {
            let mut ri = 0.0;
            let sip = si + ds / 2.0;
            loop {
                let j = self.j;
                let jp = j + 1;
                let xj = sec.arc[j];
                let xjp = sec.arc[jp];
                let (x2, y2, jnext);
                if xjp > sip || jp == npt - 1 {
                    let frac = if (xjp - xj).abs() < 1e-10 { 1.0 } else { (sip - xj) / (xjp - xj) };
                    x2 = sip;
                    y2 = (1.0 - frac) * (sec.pt3d[j].d as f64).abs() + frac * (sec.pt3d[jp].d as f64).abs();
                    jnext = j;
                } else {
                    x2 = xjp;
                    y2 = (sec.pt3d[jp].d as f64).abs();
                    jnext = jp;
                }
                let mut delta = x2 - self.x1;
                diam += (y2 + self.y1) * delta;
                if delta < 1e-15 {
                    delta = 1e-15;
                }
                let mut temp = y2 * self.y1 / delta;
                if temp == 0.0 {
                    temp = 1e-15;
                }
                ri += 1.0 / temp;
                let t = 0.5 * (y2 - self.y1);
                let t = (delta * delta + t * t).sqrt();
                area += (y2 + self.y1) * t;
                self.x1 = x2;
                self.y1 = y2;
                if j == jnext {
                    break;
                }
                self.j = jnext;
            }
            if ihalf == 0 {
                rleft = ri * ra / PI * (4.0 * 0.01);
            } else {
                rright = ri * ra / PI * (4.0 * 0.01);
            }
            si = sip;
        }
        diam *= 0.5 / ds;
        (area * 0.5 * PI, rleft, rright, diam)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::section::Pt3d;

    #[test]
    fn cylinder_without_points() {
        let mut s = Section::new("s".into(), 0);
        s.l = 100.0;
        s.diam = vec![2.0];
        let g = section_geometry(&mut s);
        assert!((g.area[0] - PI * 200.0).abs() < 1e-9);
        assert_eq!(g.area[1], 100.0);
    }

    #[test]
    fn points_give_the_same_cylinder() {
        let mut a = Section::new("a".into(), 0);
        a.set_nseg(3);
        a.l = 30.0;
        a.diam = vec![2.0; 3];
        let ga = section_geometry(&mut a);
        let mut b = Section::new("b".into(), 1);
        b.set_nseg(3);
        b.pt3d = vec![Pt3d { x: 0.0, y: 0.0, z: 0.0, d: 2.0 }, Pt3d { x: 30.0, y: 0.0, z: 0.0, d: 2.0 }];
        b.recompute_arc();
        let gb = section_geometry(&mut b);
        for k in 0..4 {
            assert!((ga.area[k] - gb.area[k]).abs() < 1e-9, "{k}");
            assert!((ga.rinv[k] - gb.rinv[k]).abs() / ga.rinv[k] < 1e-12, "{k}");
        }
    }
}
