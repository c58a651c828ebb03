//! Probes in the run: `--probes probes.json --out DIR`. The membrane
//! currents of every segment are gathered in blocks of time steps and turned
//! into probe signals with each probe's matrix (Y = M · I, faer), so memory
//! grows with the outputs, not with segments × steps. Results are written as
//! .npy files, each atomically, at the end of the run.
//!
//! probes.json may also list `stimuli`: point current sources in the medium
//! (field::stimulus). Before the first finitialize every section gets
//! `extracellular`, and each segment's e_extracellular is played, as LFPy's
//! `enable_extracellular_stimulation` plays it, with the potential the
//! sources impose at its midpoint; each source's current is written beside
//! the probes as `stimulus_<name>.npy`.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use cable::comm::Comm;
use cable::Model;
use cable::model::Var;
use faer::Mat;
use field::{CellGeometry, PointCurrentSource, Probe};

/// Time steps gathered before each matrix product.
const BLOCK: usize = 256;

pub struct ProbeSpec {
    pub name: String,
    pub probe: Box<dyn Probe>,
    pub json: serde_json::Value,
}

/// A stimulating electrode of probes.json.
pub struct StimulusSpec {
    pub name: String,
    pub source: PointCurrentSource,
    pub json: serde_json::Value,
}

/// What probes.json holds.
pub struct ProbesFile {
    pub probes: Vec<ProbeSpec>,
    pub soma_position: Option<[f64; 3]>,
    pub stimuli: Vec<StimulusSpec>,
}

/// Parses probes.json; every error names the probe and field.
pub fn load(path: &Path) -> Result<ProbesFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
    let list = v.get("probes").and_then(|p| p.as_array()).ok_or_else(|| format!("{}: field 'probes' must be a list", path.display()))?;
    let soma_position = match v.get("soma_position") {
        None => None,
        Some(p) => {
            let a = p.as_array().filter(|a| a.len() == 3 && a.iter().all(|x| x.is_number()));
            let a = a.ok_or_else(|| format!("{}: field 'soma_position' must be [x, y, z]", path.display()))?;
            Some([a[0].as_f64().unwrap(), a[1].as_f64().unwrap(), a[2].as_f64().unwrap()])
        }
    };
    let mut specs = Vec::new();
    for p in list {
        let (name, probe) = field::probe_from_json(p).map_err(|e| format!("{}: {}", path.display(), e.0))?;
        if name.is_empty() || name.contains(['/', '\\']) || name == "t" || name == "meta" {
            return Err(format!("{}: probe name '{name}' is not usable as a file name", path.display()));
        }
        if specs.iter().any(|s: &ProbeSpec| s.name == name) {
            return Err(format!("{}: two probes are named '{name}'", path.display()));
        }
        specs.push(ProbeSpec { name, probe, json: p.clone() });
    }
    let mut stimuli: Vec<StimulusSpec> = Vec::new();
    match v.get("stimuli") {
        None => {}
        Some(serde_json::Value::Array(list)) => {
            for s in list {
                let (name, source) = field::stimulus_from_json(s).map_err(|e| format!("{}: {}", path.display(), e.0))?;
                if name.is_empty() || name.contains(['/', '\\']) {
                    return Err(format!("{}: stimulus name '{name}' is not usable in a file name", path.display()));
                }
                if stimuli.iter().any(|x| x.name == name) {
                    return Err(format!("{}: two stimuli are named '{name}'", path.display()));
                }
                stimuli.push(StimulusSpec { name, source, json: s.clone() });
            }
        }
        Some(_) => return Err(format!("{}: field 'stimuli' must be a list", path.display())),
    }
    Ok(ProbesFile { probes: specs, soma_position, stimuli })
}

/// The probes' state during a run.
pub struct ProbeRun {
    specs: Vec<ProbeSpec>,
    soma_position: Option<[f64; 3]>,
    /// Node of each segment, in LFPy's order (sections as created, segments by x).
    nodes: Vec<u32>,
    geometry: Option<CellGeometry>,
    matrices: Vec<Mat<f64>>,
    block: Mat<f64>,
    filled: usize,
    /// Per probe: samples, time-major (each sample's outputs contiguous).
    out: Vec<Vec<f64>>,
    t: Vec<f64>,
    /// Node of the first segment of the first section named like "soma".
    soma_node: Option<u32>,
    /// Membrane potential at `soma_node` per sample (mV), written as soma_v.npy.
    soma_v: Vec<f64>,
    stimuli: Vec<StimulusSpec>,
    /// Whether the stimuli's plays are in place.
    stimulating: bool,
    /// Each stimulus's current per sample (nA).
    stim_i: Vec<Vec<f64>>,
    /// Segments of every rank, when several ran the model.
    total_segments: Option<usize>,
}

impl ProbeRun {
    pub fn new(file: ProbesFile) -> Self {
        let n = file.probes.len();
        let ns = file.stimuli.len();
        ProbeRun {
            specs: file.probes,
            soma_position: file.soma_position,
            nodes: Vec::new(),
            geometry: None,
            matrices: Vec::new(),
            block: Mat::zeros(0, 0),
            filled: 0,
            out: vec![Vec::new(); n],
            t: Vec::new(),
            soma_node: None,
            soma_v: Vec::new(),
            stimuli: file.stimuli,
            stimulating: false,
            stim_i: vec![Vec::new(); ns],
            total_segments: None,
        }
    }

    /// `extracellular` in every section and, per segment, e_extracellular
    /// played with the stimuli's potential at its midpoint (LFPy's frame).
    fn stimulus_plays(&mut self, m: &mut Model) -> Result<Vec<(Var, Vec<f64>, Vec<f64>)>, String> {
        let ext = m.ext_mech.ok_or("stimuli need the extracellular mechanism")?;
        let secs: Vec<usize> = (0..m.sections.len()).filter(|&s| m.exists(s)).collect();
        for &s in &secs {
            m.insert(s, ext);
        }
        m.define_shape();
        let (geom, _) = segment_geometry(m);
        let geom = lfpy_frame(m, geom, self.soma_position);
        let mids: Vec<[f64; 3]> = (0..geom.len()).map(|k| [0, 1, 2].map(|d| (geom.start[k][d] + geom.end[k][d]) / 2.0)).collect();
        let sources: Vec<PointCurrentSource> = self.stimuli.iter().map(|s| s.source.clone()).collect();
        let (times, v) = field::stimulus_potentials(&sources, &mids);
        let e = cable::extracellular::e_ext(m.ext.nlayer);
        let mut plays = Vec::with_capacity(v.len());
        let mut k = 0;
        for &s in &secs {
            for x in m.sec(s).centers() {
                plays.push((Var::Range { mech: ext, var: e, sec: s, x }, v[k].clone(), times.clone()));
                k += 1;
            }
        }
        Ok(plays)
    }

    fn rebuild(&mut self, m: &Model) -> Result<(), String> {
        let (geom, nodes) = segment_geometry(m);
        let geom = lfpy_frame(m, geom, self.soma_position);

        self.matrices.clear();
        for s in &self.specs {
            let m = s.probe.matrix(&geom).map_err(|e| format!("probe '{}': {}", s.name, e.0))?;
            self.matrices.push(Mat::from_fn(m.nrows(), m.ncols(), |i, j| m[[i, j]]));
        }
        self.block = Mat::zeros(nodes.len(), BLOCK);
        self.nodes = nodes;
        self.soma_node = soma_node(m);
        self.geometry = Some(geom);
        Ok(())
    }

    fn sample(&mut self, m: &Model) {
        let col = self.filled;
        for (k, &nd) in self.nodes.iter().enumerate() {
            self.block[(k, col)] = m.tree.imem[nd as usize];
        }
        self.t.push(m.t);
        if let Some(nd) = self.soma_node {
            self.soma_v.push(m.tree.v[nd as usize]);
        }
        for (s, out) in self.stimuli.iter().zip(self.stim_i.iter_mut()) {
            out.push(s.source.current_at(m.t));
        }
        self.filled += 1;
        if self.filled == BLOCK {
            self.flush_block();
        }
    }

    /// Applies every probe's matrix to the gathered columns.
    fn flush_block(&mut self) {
        let n = self.filled;
        if n == 0 {
            return;
        }
        let cur = self.block.as_ref().subcols(0, n);
        for (p, mat) in self.matrices.iter().enumerate() {
            let y = mat * cur;
            let out = &mut self.out[p];
            out.reserve(y.nrows() * n);
            for j in 0..n {
                for i in 0..y.nrows() {
                    out.push(y[(i, j)]);
                }
            }
        }
        self.filled = 0;
    }

    /// Writes DIR/<name>.npy, DIR/t.npy, DIR/soma_v.npy (when the model has
    /// a soma) and DIR/meta.json: all of them or, on an error, none (each
    /// is written under a temporary name and all are renamed at the end).
    /// Under MPI every rank's signals are summed into rank 0, which writes.
    pub fn write(&mut self, dir: &Path, comm: &dyn Comm) -> Result<(), String> {
        self.flush_block();
        if comm.size() > 1 {
            for out in self.out.iter_mut() {
                comm.reduce_sum(out, 0);
            }
            let mut nseg = [self.nodes.len() as f64];
            comm.reduce_sum(&mut nseg, 0);
            if comm.rank() != 0 {
                return Ok(());
            }
            self.total_segments = Some(nseg[0] as usize);
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut files = Staging::default();
        let nt = self.t.len();
        let nseg = self.total_segments.unwrap_or(self.nodes.len());
        let mut meta = serde_json::Map::new();
        let mut probes_meta = Vec::new();
        for (p, s) in self.specs.iter().enumerate() {
            let dims = s.probe.output_dims();
            let outputs: usize = dims.iter().product();
            // time-major samples → (outputs..., time), C order
            let data = &self.out[p];
            let mut arr = vec![0.0; outputs * nt];
            for j in 0..nt {
                for i in 0..outputs {
                    arr[i * nt + j] = data[j * outputs + i];
                }
            }
            let mut shape = dims.clone();
            shape.push(nt);
            files.npy(&dir.join(format!("{}.npy", s.name)), &shape, &arr)?;
            let mut pm = s.json.clone();
            if let Some(o) = pm.as_object_mut() {
                o.insert("units".into(), s.probe.units().into());
                o.insert("shape".into(), shape.into());
            }
            probes_meta.push(pm);
        }
        files.npy(&dir.join("t.npy"), &[nt], &self.t)?;
        if self.soma_node.is_some() && self.soma_v.len() == nt {
            files.npy(&dir.join("soma_v.npy"), &[nt], &self.soma_v)?;
        }
        let mut stim_meta = Vec::new();
        for (s, i) in self.stimuli.iter().zip(&self.stim_i) {
            if i.len() == nt {
                files.npy(&dir.join(format!("stimulus_{}.npy", s.name)), &[nt], i)?;
            }
            let mut sm = s.json.clone();
            if let Some(o) = sm.as_object_mut() {
                o.insert("units".into(), "nA".into());
            }
            stim_meta.push(sm);
        }
        if !stim_meta.is_empty() {
            meta.insert("stimuli".into(), stim_meta.into());
        }
        meta.insert("segments".into(), nseg.into());
        meta.insert("time_steps".into(), nt.into());
        let mut units = serde_json::json!({"t": "ms", "geometry": "um", "current": "nA"});
        if self.soma_node.is_some() {
            units["soma_v"] = "mV".into();
        }
        meta.insert("units".into(), units);
        if let Some(p) = self.soma_position {
            meta.insert("soma_position".into(), p.to_vec().into());
        }
        meta.insert("probes".into(), probes_meta.into());
        let text = serde_json::to_string_pretty(&serde_json::Value::Object(meta)).unwrap();
        files.file(&dir.join("meta.json"), |f| f.write_all(text.as_bytes()))?;
        files.commit()
    }
}

/// Files written under temporary names (`.NAME.partial` beside each), put
/// in place together by `commit`; dropped without it, it removes them.
#[derive(Default)]
struct Staging {
    /// (temporary, final) paths, in the order written.
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staging {
    fn file(&mut self, path: &Path, write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>) -> Result<(), String> {
        let tmp = partial_name(path)?;
        self.files.push((tmp.clone(), path.to_path_buf()));
        let done = std::fs::File::create(&tmp).and_then(|f| {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            write(&mut w)?;
            w.into_inner().map_err(|e| e.into_error())?.sync_all()
        });
        done.map_err(|e| format!("{}: {e}", path.display()))
    }

    fn npy(&mut self, path: &Path, shape: &[usize], data: &[f64]) -> Result<(), String> {
        let arr = ndarray::ArrayViewD::from_shape(ndarray::IxDyn(shape), data).map_err(|e| e.to_string())?;
        self.file(path, |w| {
            ndarray_npy::WriteNpyExt::write_npy(&arr, w).map_err(|e| match e {
                ndarray_npy::WriteNpyError::Io(e) => e,
                e => std::io::Error::other(e),
            })
        })
    }

    /// Renames every file into place, the last written last.
    fn commit(mut self) -> Result<(), String> {
        let files = std::mem::take(&mut self.files);
        for (k, (tmp, path)) in files.iter().enumerate() {
            if let Err(e) = std::fs::rename(tmp, path) {
                for (t, _) in &files[k..] {
                    let _ = std::fs::remove_file(t);
                }
                return Err(format!("{}: {e}", path.display()));
            }
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

fn partial_name(path: &Path) -> Result<PathBuf, String> {
    let name = path.file_name().ok_or_else(|| format!("{}: not a file name", path.display()))?;
    Ok(path.with_file_name(format!(".{}.partial", name.to_string_lossy())))
}

/// Makes sure results can be written to `dir` before anything runs: it is
/// a folder (made if missing) where a file can be created.
pub fn check_out_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!("--out {}: exists and is not a folder", dir.display()));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("--out {}: {e}", dir.display()))?;
    let probe = dir.join(format!(".nerve-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| format!("--out {}: cannot write there: {e}", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Writes a file under a temporary name and renames it into place.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut files = Staging::default();
    files.file(path, |f| f.write_all(bytes))?;
    files.commit()
}

use hoc::engine::probe::{lfpy_frame, segment_geometry};

/// The node of the first segment of the first section named like "soma".
fn soma_node(m: &Model) -> Option<u32> {
    let s = (0..m.sections.len()).find(|&s| m.exists(s) && m.sec(s).name.contains("soma"))?;
    let x = m.sec(s).centers()[0];
    Some(m.node_at(s, x))
}

/// Lets the interpreter drive a shared ProbeRun.
pub struct Observer(pub Rc<RefCell<ProbeRun>>, pub Rc<RefCell<Option<String>>>);

impl hoc::engine::StepObserver for Observer {
    fn before_init(&mut self, model: &mut Model) {
        model.fast_imem = true;
        model.define_shape();
    }
    fn on_init(&mut self, model: &Model, _tstop: f64) {
        let mut r = self.0.borrow_mut();
        if let Err(e) = r.rebuild(model) {
            *self.1.borrow_mut() = Some(e);
            return;
        }
        let n = r.specs.len();
        r.out = vec![Vec::new(); n];
        r.t.clear();
        r.soma_v.clear();
        let ns = r.stimuli.len();
        r.stim_i = vec![Vec::new(); ns];
        r.filled = 0;
        r.sample(model);
    }
    fn plays(&mut self, model: &mut Model) -> Vec<(Var, Vec<f64>, Vec<f64>)> {
        let mut r = self.0.borrow_mut();
        if r.stimuli.is_empty() || r.stimulating {
            return Vec::new();
        }
        r.stimulating = true;
        match r.stimulus_plays(model) {
            Ok(p) => p,
            Err(e) => {
                *self.1.borrow_mut() = Some(e);
                Vec::new()
            }
        }
    }
    fn on_step(&mut self, model: &Model) {
        let mut r = self.0.borrow_mut();
        if r.geometry.is_some() {
            r.sample(model);
        }
    }
}
