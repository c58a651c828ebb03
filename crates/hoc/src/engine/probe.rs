//! Probes as LFPy sees a cell: segment geometry from the 3-D points (LFPy's
//! conventions), and the `LFPProbe` HOC class, which follows a run and
//! leaves each output's signal in a Vector; `MatrixProbe`, a matrix given
//! whole (the Python package's `record`), followed the same way.

use std::cell::RefCell;
use std::rc::Rc;

use cable::Model;
use field::{CellGeometry, Probe};

use crate::builtins::string;
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Value};

/// Segment ends and diameters as LFPy computes them from the 3-D points:
/// each segment a straight line between the positions at arc fractions
/// round(x ∓ 1/(2 nseg), 6); segments ordered by section creation, then x.
/// Also each segment's node.
pub fn segment_geometry(m: &Model) -> (CellGeometry, Vec<u32>) {
    let mut g = CellGeometry::default();
    let mut nodes = Vec::new();
    for s in (0..m.sections.len()).filter(|&s| m.exists(s)) {
        let sec = m.sec(s);
        let l = sec.length();
        let arc: Vec<f64> = sec.arc.iter().map(|a| a / l).collect();
        let coords: [Vec<f64>; 3] = [
            sec.pt3d.iter().map(|p| p.x as f64).collect(),
            sec.pt3d.iter().map(|p| p.y as f64).collect(),
            sec.pt3d.iter().map(|p| p.z as f64).collect(),
        ];
        let half = 1.0 / (2.0 * sec.nseg as f64);
        for x in sec.centers() {
            let (a, b) = (round6(x - half), round6(x + half));
            g.start.push([0, 1, 2].map(|k| interp(a, &arc, &coords[k])));
            g.end.push([0, 1, 2].map(|k| interp(b, &arc, &coords[k])));
            g.diam.push(sec.diam[sec.seg_index(x)]);
            g.length.push(l / sec.nseg as f64);
            nodes.push(m.node_at(s, x));
        }
    }
    (g, nodes)
}

/// Segments of sections whose name contains "soma" (LFPy's somaidx).
pub fn soma_segments(m: &Model) -> Vec<usize> {
    let mut out = Vec::new();
    let mut k = 0;
    for s in (0..m.sections.len()).filter(|&s| m.exists(s)) {
        let sec = m.sec(s);
        for _ in 0..sec.nseg {
            if sec.name.contains("soma") {
                out.push(k);
            }
            k += 1;
        }
    }
    out
}

/// Places the geometry as LFPy does: its Cell moves the soma midpoint to the
/// origin, then `set_pos` moves it to `target` (the model's own soma midpoint
/// when None). Both moves happen in double, so results carry LFPy's round-off.
pub fn lfpy_frame(m: &Model, geom: CellGeometry, target: Option<[f64; 3]>) -> CellGeometry {
    lfpy_placed(m, geom, target, None).0
}

/// [`lfpy_frame`] with a rotation about the soma between the two moves, as
/// LFPy's `set_rotation(x, y, z)` turns a cell whose soma is at the origin.
/// Also returns the model's own soma midpoint (the mean of the soma
/// segments' midpoints; the first segment's when no section is a soma).
pub fn lfpy_placed(m: &Model, geom: CellGeometry, target: Option<[f64; 3]>, rotation: Option<[Option<f64>; 3]>) -> (CellGeometry, [f64; 3]) {
    if geom.len() == 0 {
        return (geom, [0.0; 3]);
    }
    let soma = soma_segments(m);
    let soma = if soma.is_empty() { vec![0] } else { soma };
    let mut s = [0.0; 3];
    for k in 0..3 {
        let mids: Vec<f64> = soma.iter().map(|&i| (geom.start[i][k] + geom.end[i][k]) / 2.0).collect();
        s[k] = mids.iter().sum::<f64>() / mids.len() as f64;
    }
    let to = target.unwrap_or(s);
    let mut g = geom.translated([0.0 - s[0], 0.0 - s[1], 0.0 - s[2]]);
    if let Some(r) = rotation {
        g = g.rotated(r, [0.0; 3]);
    }
    (g.translated([to[0] - 0.0, to[1] - 0.0, to[2] - 0.0]), s)
}

/// numpy's round(v, 6): half to even on v·1e6.
fn round6(v: f64) -> f64 {
    (v * 1e6).round_ties_even() / 1e6
}

/// numpy.interp: linear interpolation, clamped at the ends.
fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if n == 0 {
        return 0.0;
    }
    if x >= xp[n - 1] {
        return fp[n - 1];
    }
    if x < xp[0] {
        return fp[0];
    }
    let j = xp.partition_point(|&v| v <= x) - 1;
    if xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    slope * (x - xp[j]) + fp[j]
}

/// State of one `LFPProbe`: its forward model and the signals so far.
pub struct LfpProbe {
    probe: Box<dyn Probe>,
    nodes: Vec<u32>,
    m: Vec<f64>,
    outputs: usize,
    /// One Vector per output, filled during the run.
    vectors: Vec<ObjRef>,
    error: Option<String>,
}

/// The HOC object: a shared handle (the engine's observer holds the other).
pub struct LfpProbeObj(pub Rc<RefCell<LfpProbe>>);

struct Follow(Rc<RefCell<LfpProbe>>);

impl super::StepObserver for Follow {
    fn before_init(&mut self, model: &mut Model) {
        model.fast_imem = true;
        model.define_shape();
    }
    fn on_init(&mut self, model: &Model, _tstop: f64) {
        let mut p = self.0.borrow_mut();
        let (geom, nodes) = segment_geometry(model);
        let geom = lfpy_frame(model, geom, None);
        match p.probe.matrix(&geom) {
            Ok(m) => {
                p.outputs = m.nrows();
                p.m = m.iter().copied().collect();
                p.nodes = nodes;
                p.error = None;
            }
            Err(e) => {
                p.error = Some(e.0);
                p.nodes.clear();
            }
        }
        for v in &p.vectors {
            if let ObjData::Vector(v) = &mut *v.data.borrow_mut() {
                v.data.clear();
            }
        }
        drop(p);
        self.on_step(model);
    }
    fn on_step(&mut self, model: &Model) {
        let p = self.0.borrow();
        if p.nodes.is_empty() {
            return;
        }
        let n = p.nodes.len();
        for (o, vec) in p.vectors.iter().enumerate().take(p.outputs) {
            let row = &p.m[o * n..(o + 1) * n];
            let y: f64 = row.iter().zip(&p.nodes).map(|(w, &nd)| w * model.tree.imem[nd as usize]).sum();
            if let ObjData::Vector(v) = &mut *vec.data.borrow_mut() {
                v.data.push(y);
            }
        }
    }
}

/// `new LFPProbe("{json}")` or `new LFPProbe("Type", x, y, z [, sigma])` with
/// numbers or Vectors for the contact coordinates.
pub fn construct(it: &mut Interp, args: &[Value]) -> HResult<Box<dyn std::any::Any>> {
    let first = string(args, 0)?;
    let json: serde_json::Value = if first.trim_start().starts_with('{') {
        serde_json::from_str(&first).map_err(|e| hoc_err!("LFPProbe: bad JSON: {e}"))?
    } else {
        let mut o = serde_json::Map::new();
        o.insert("name".into(), "hoc".into());
        o.insert("type".into(), first.clone().into());
        // Each coordinate is a number or a Vector; numbers repeat for every contact.
        let coord = |it: &Interp, k: usize| -> HResult<Vec<f64>> {
            match args.get(k) {
                Some(Value::Obj(Some(v))) => crate::builtins::vector::with_vec(v, |v| v.data.clone()),
                Some(_) => Ok(vec![crate::builtins::num(it, args, k)?]),
                None => Err(hoc_err!("LFPProbe({first:?}, x, y, z [, sigma]): contact coordinates missing")),
            }
        };
        if args.len() > 1 {
            let xyz = [coord(it, 1)?, coord(it, 2)?, coord(it, 3)?];
            let n = xyz.iter().map(|c| c.len()).max().unwrap_or(1);
            for (name, c) in ["x", "y", "z"].iter().zip(xyz) {
                let c = if c.len() == 1 { vec![c[0]; n] } else { c };
                o.insert((*name).into(), c.into());
            }
        }
        if let Some(s) = args.get(4) {
            o.insert("sigma".into(), crate::builtins::num(it, &[s.clone()], 0)?.into());
        }
        serde_json::Value::Object(o)
    };
    let json = match json {
        serde_json::Value::Object(mut o) => {
            o.entry("name").or_insert("hoc".into());
            serde_json::Value::Object(o)
        }
        _ => return Err(hoc_err!("LFPProbe: expected a JSON object")),
    };
    let (_, probe) = field::probe_from_json(&json).map_err(|e| hoc_err!("LFPProbe: {}", e.0))?;
    let n: usize = probe.output_dims().iter().product();
    let vectors = (0..n).map(|_| crate::builtins::vector::new_vector(it, Vec::new())).collect();
    let state = Rc::new(RefCell::new(LfpProbe { probe, nodes: Vec::new(), m: Vec::new(), outputs: n, vectors, error: None }));
    it.eng.observers.push(Box::new(Follow(state.clone())));
    Ok(Box::new(LfpProbeObj(state)))
}

/// `p.size()`, `p.data(i)` (the Vector of output i), `p.error()`.
pub fn method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let state = crate::builtins::with_native::<LfpProbeObj, _>(o, |p| p.0.clone())?;
    let p = state.borrow();
    Ok(Some(match name {
        "size" => Value::Num(p.vectors.len() as f64),
        "data" => {
            let i = crate::builtins::num(it, a, 0)? as usize;
            Value::Obj(Some(p.vectors.get(i).cloned().ok_or_else(|| hoc_err!("LFPProbe.data({i}): there are {} outputs", p.vectors.len()))?))
        }
        "units" => Value::Str(p.probe.units().into()),
        "error" => Value::Str(p.error.clone().unwrap_or_default().into()),
        _ => return Ok(None),
    }))
}

/// A forward model given as its matrix: M (outputs × segments), the
/// segments in [`segment_geometry`]'s order. Each sample (at finitialize,
/// then after each step) appends M · i_membrane_ to `data`.
pub struct MatrixProbe {
    m: Vec<f64>,
    outputs: usize,
    segments: usize,
    nodes: Vec<u32>,
    /// Samples one after another, `outputs` values each.
    pub data: Vec<f64>,
    /// Why the last run recorded nothing (the model's segments changed).
    pub error: Option<String>,
}

impl MatrixProbe {
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    fn sample(&mut self, model: &Model) {
        let n = self.nodes.len();
        for o in 0..self.outputs {
            let row = &self.m[o * n..(o + 1) * n];
            let y: f64 = row.iter().zip(&self.nodes).map(|(w, &nd)| w * model.tree.imem[nd as usize]).sum();
            self.data.push(y);
        }
    }
}

/// Follows the run for a [`MatrixProbe`] for as long as its owner keeps it.
struct FollowMatrix(std::rc::Weak<RefCell<MatrixProbe>>);

impl super::StepObserver for FollowMatrix {
    fn before_init(&mut self, model: &mut Model) {
        if self.0.strong_count() > 0 {
            model.fast_imem = true;
        }
    }
    fn on_init(&mut self, model: &Model, tstop: f64) {
        let Some(p) = self.0.upgrade() else { return };
        let mut p = p.borrow_mut();
        let (_, nodes) = segment_geometry(model);
        p.data.clear();
        if nodes.len() != p.segments {
            p.error = Some(format!("the matrix has {} columns but the model now has {} segments", p.segments, nodes.len()));
            p.nodes.clear();
            return;
        }
        p.error = None;
        p.nodes = nodes;
        // Room for the run to tstop, so that the steps do not allocate.
        let steps = ((tstop - model.t) / model.dt).ceil();
        if steps.is_finite() && steps > 0.0 && steps < 1e9 {
            let room = (steps as usize + 2) * p.outputs;
            p.data.reserve(room);
        }
        p.sample(model);
    }
    fn orphaned(&self) -> bool {
        self.0.strong_count() == 0
    }
    fn on_step(&mut self, model: &Model) {
        let Some(p) = self.0.upgrade() else { return };
        let mut p = p.borrow_mut();
        if p.nodes.len() == p.segments && p.segments > 0 {
            p.sample(model);
        }
    }
}

/// Number of segments [`segment_geometry`] lists for the model.
pub fn segment_count(m: &Model) -> usize {
    (0..m.sections.len()).filter(|&s| m.exists(s)).map(|s| m.sec(s).nseg).sum()
}

/// Attaches M (outputs × segments, row-major) to the run; the probe is
/// followed until the returned handle is dropped.
pub fn attach_matrix(it: &mut Interp, m: Vec<f64>, outputs: usize) -> HResult<Rc<RefCell<MatrixProbe>>> {
    let segments = segment_count(&it.eng.model);
    if outputs == 0 || m.len() != outputs * segments {
        return Err(hoc_err!("a matrix of {} values is not {outputs} outputs × {segments} segments (the model's)", m.len()));
    }
    let state = Rc::new(RefCell::new(MatrixProbe { m, outputs, segments, nodes: Vec::new(), data: Vec::new(), error: None }));
    it.eng.observers.retain(|o| !o.orphaned());
    it.eng.observers.push(Box::new(FollowMatrix(Rc::downgrade(&state))));
    Ok(state)
}
