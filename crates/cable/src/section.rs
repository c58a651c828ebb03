//! A Section: an unbranched cable as the user describes it (length, segments,
//! 3-D points, per-segment diameter and capacitance, parent connection).

/// A 3-D point as NEURON stores it: 32-bit floats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pt3d {
    pub x: f32,
    pub y: f32,
    pub z: f32,
    pub d: f32,
}

pub type SecId = usize;

/// An entry of a node's property list in NEURON (what `psection` lists, in
/// the list's order, which its history decides).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PropTag {
    Morphology,
    Capacitance,
    Mech(usize),
    Ion(usize),
    /// A point process instance (mechanism, instance) at the node.
    Point(usize, u32),
}

#[derive(Clone, Debug)]
pub struct Section {
    pub name: String,
    pub nseg: usize,
    /// Length (µm); with 3-D points, the arc length of the last point.
    pub l: f64,
    pub ra: f64,
    /// Diameter (µm) and capacitance (µF/cm²) per segment.
    pub diam: Vec<f64>,
    pub cm: Vec<f64>,
    pub pt3d: Vec<Pt3d>,
    /// Cumulative arc length at each 3-D point (double over float differences).
    pub arc: Vec<f64>,
    /// `pt3dstyle(1, x, y, z)`: the point where a "wire" section attaches.
    pub logical_connection: Option<[f32; 3]>,
    /// Parent section and the position on it.
    pub parent: Option<(SecId, f64)>,
    /// Which end of this section attaches to the parent (0 or 1).
    pub orientation: f64,
    /// Creation serial: orders siblings that attach at the same position.
    pub serial: u64,
    pub rallbranch: f64,
    /// Owning HOC object (opaque to the engine), for names and forsec scoping.
    pub owner: Option<u64>,
    /// Each segment node's property list, head first: NEURON adds at the
    /// head and rebuilds (reversing) the nodes it clones when nseg grows.
    pub props: Vec<Vec<PropTag>>,
}

impl Section {
    pub fn new(name: String, serial: u64) -> Self {
        Section {
            name,
            nseg: 1,
            l: 100.0,
            ra: 35.4,
            diam: vec![500.0],
            cm: vec![1.0],
            pt3d: Vec::new(),
            arc: Vec::new(),
            logical_connection: None,
            parent: None,
            orientation: 0.0,
            serial,
            rallbranch: 1.0,
            owner: None,
            props: vec![vec![PropTag::Capacitance, PropTag::Morphology]],
        }
    }

    /// `x` measured from the end attached to the parent (a section connected
    /// by its 1 end runs backwards).
    pub fn node_x(&self, x: f64) -> f64 {
        if self.orientation == 1.0 {
            1.0 - x
        } else {
            x
        }
    }

    /// Index of the segment containing `x`.
    pub fn seg_index(&self, x: f64) -> usize {
        ((self.nseg as f64 * self.node_x(x)) as usize).min(self.nseg - 1)
    }

    /// Segment centres as NEURON computes them (dx/2, then += dx).
    pub fn centers(&self) -> Vec<f64> {
        let dx = 1.0 / self.nseg as f64;
        let mut x = dx / 2.0;
        let mut out = Vec::with_capacity(self.nseg);
        for _ in 0..self.nseg {
            out.push(x);
            x += dx;
        }
        out
    }

    /// Length used by the geometry: the 3-D arc when there are points.
    pub fn length(&self) -> f64 {
        if self.pt3d.len() > 1 {
            *self.arc.last().unwrap()
        } else {
            self.l
        }
    }

    /// Recomputes the arc lengths of the 3-D points.
    pub fn recompute_arc(&mut self) {
        self.arc.clear();
        let mut s = 0.0f64;
        for (i, p) in self.pt3d.iter().enumerate() {
            if i > 0 {
                let q = &self.pt3d[i - 1];
                let (dx, dy, dz) = ((p.x - q.x) as f64, (p.y - q.y) as f64, (p.z - q.z) as f64);
                s += (dx * dx + dy * dy + dz * dz).sqrt();
            }
            self.arc.push(s);
        }
        if self.pt3d.len() > 1 {
            self.l = s;
        }
    }

    /// Changes nseg, each new segment taking the values of the old segment
    /// that contains its centre. Returns that old-segment map.
    pub fn set_nseg(&mut self, n: usize) -> Vec<usize> {
        let old = self.nseg;
        let map: Vec<usize> = (0..n)
            .map(|j| {
                let x = (j as f64 + 0.5) / n as f64;
                ((old as f64 * x) as usize).min(old - 1)
            })
            .collect();
        self.diam = map.iter().map(|&k| self.diam[k]).collect();
        self.cm = map.iter().map(|&k| self.cm[k]).collect();
        self.nseg = n;
        map
    }
}
