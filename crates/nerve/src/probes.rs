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

use crate::stream::{NpyStream, Sampler};
use field::{CellGeometry, PointCurrentSource, Probe};

/// Time steps gathered before each matrix product.
const BLOCK: usize = 256;

/// What a probe records.
pub enum Output {
    /// A forward model of field: its matrix applied to the membrane currents.
    Field(Box<dyn Probe>),
    /// `LinearModel`: the user's matrix (outputs × segments) from a .npy file.
    Linear { matrix: ndarray::Array2<f64>, units: String },
    /// Every segment's membrane current (nA), LFPy's `cell.imem`.
    Imem,
    /// Every segment's membrane potential (mV), LFPy's `cell.vmem`.
    Vmem,
    /// The segments' placed geometry, written once per run.
    Geometry,
}

impl Output {
    fn units(&self) -> String {
        match self {
            Output::Field(p) => p.units().into(),
            Output::Linear { units, .. } => units.clone(),
            Output::Imem => "nA".into(),
            Output::Vmem => "mV".into(),
            Output::Geometry => "um".into(),
        }
    }

    /// True for outputs with one row per segment (gathered, not summed, over ranks).
    fn per_segment(&self) -> bool {
        matches!(self, Output::Imem | Output::Vmem)
    }
}

pub struct ProbeSpec {
    pub name: String,
    pub output: Output,
    pub json: serde_json::Value,
    /// The probe's own sampling interval (ms), as Vector.record(&x, Dt).
    pub record_dt: Option<f64>,
}

/// A stimulating electrode of probes.json.
pub struct StimulusSpec {
    pub name: String,
    pub source: PointCurrentSource,
    pub json: serde_json::Value,
}

/// Where the cell sits for the probes: LFPy's `set_pos` and `set_rotation`.
#[derive(Clone, Copy, Default)]
pub struct Placement {
    /// Soma midpoint (µm); None keeps the model's own coordinates.
    pub position: Option<[f64; 3]>,
    /// Angles about x, y, z (radians), applied in that order about the soma.
    pub rotation: Option<[Option<f64>; 3]>,
}

/// What probes.json holds.
pub struct ProbesFile {
    pub probes: Vec<ProbeSpec>,
    pub placement: Placement,
    pub stimuli: Vec<StimulusSpec>,
}

/// Fields probes.json may have at its top level.
const TOP_FIELDS: [&str; 5] = ["probes", "stimuli", "soma_position", "cell_position", "rotation"];

/// Parses probes.json; every error names the probe and field.
pub fn load(path: &Path) -> Result<ProbesFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
    let list = v.get("probes").and_then(|p| p.as_array()).ok_or_else(|| format!("{}: field 'probes' must be a list", path.display()))?;
    if let Some(key) = v.as_object().and_then(|o| o.keys().find(|k| !TOP_FIELDS.contains(&k.as_str()))) {
        return Err(format!("{}: unknown top-level field '{key}' (expected {})", path.display(), TOP_FIELDS.join(", ")));
    }
    let point = |key: &str| -> Result<Option<[f64; 3]>, String> {
        match v.get(key) {
            None => Ok(None),
            Some(p) => {
                let a = p.as_array().filter(|a| a.len() == 3 && a.iter().all(|x| x.as_f64().is_some_and(f64::is_finite)));
                let a = a.ok_or_else(|| format!("{}: field '{key}' must be [x, y, z]", path.display()))?;
                Ok(Some([a[0].as_f64().unwrap(), a[1].as_f64().unwrap(), a[2].as_f64().unwrap()]))
            }
        }
    };
    let position = match (point("soma_position")?, point("cell_position")?) {
        (Some(_), Some(_)) => return Err(format!("{}: give either 'cell_position' or 'soma_position' (they mean the same)", path.display())),
        (a, b) => a.or(b),
    };
    let rotation = match v.get("rotation") {
        None => None,
        Some(serde_json::Value::Object(o)) => {
            let mut r = [None; 3];
            for (key, val) in o {
                let axis = ["x", "y", "z"].iter().position(|a| a == key).ok_or_else(|| format!("{}: field 'rotation' has unknown axis '{key}' (expected x, y, z)", path.display()))?;
                let a = val.as_f64().filter(|a| a.is_finite()).ok_or_else(|| format!("{}: field 'rotation': '{key}' must be an angle in radians", path.display()))?;
                r[axis] = Some(a);
            }
            Some(r)
        }
        Some(_) => return Err(format!("{}: field 'rotation' must be {{\"x\": angle, \"y\": angle, \"z\": angle}} (radians)", path.display())),
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let mut specs = Vec::new();
    for p in list {
        let mut bare = p.clone();
        let record_dt = match bare.as_object_mut().and_then(|o| o.remove("record_dt")) {
            None => None,
            Some(v) => Some(v.as_f64().filter(|x| x.is_finite() && *x > 0.0).ok_or_else(|| {
                format!("{}: probe '{}': field 'record_dt' must be a positive number (ms)", path.display(), p.get("name").and_then(|n| n.as_str()).unwrap_or(""))
            })?),
        };
        let (name, output) = output_from_json(&bare, base).map_err(|e| format!("{}: {e}", path.display()))?;
        if name.is_empty() || name.contains(['/', '\\']) || name == "t" || name == "meta" || name.starts_with("run-") {
            return Err(format!("{}: probe name '{name}' is not usable as a file name", path.display()));
        }
        if specs.iter().any(|s: &ProbeSpec| s.name == name) {
            return Err(format!("{}: two probes are named '{name}'", path.display()));
        }
        specs.push(ProbeSpec { name, output, json: p.clone(), record_dt });
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
    Ok(ProbesFile { probes: specs, placement: Placement { position, rotation }, stimuli })
}

/// One probe of probes.json: the cell's own outputs here, forward models in field.
fn output_from_json(p: &serde_json::Value, base: &Path) -> Result<(String, Output), String> {
    let ty = p.get("type").and_then(|t| t.as_str());
    let own = matches!(ty, Some("imem" | "vmem" | "geometry" | "LinearModel"));
    if !own {
        return field::probe_from_json(p).map(|(n, probe)| (n, Output::Field(probe))).map_err(|e| e.0);
    }
    let name = match p.get("name") {
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => return Err("probe: field 'name' must be a string".into()),
    };
    let allowed: &[&str] = if ty == Some("LinearModel") { &["name", "type", "file", "units"] } else { &["name", "type"] };
    if let Some(key) = p.as_object().and_then(|o| o.keys().find(|k| !allowed.contains(&k.as_str()))) {
        let expected: Vec<&str> = allowed[2..].to_vec();
        return Err(format!("probe '{name}': unknown field '{key}' (expected {})", if expected.is_empty() { "none".into() } else { expected.join(", ") }));
    }
    let output = match ty.unwrap() {
        "imem" => Output::Imem,
        "vmem" => Output::Vmem,
        "geometry" => Output::Geometry,
        _ => {
            let file = p.get("file").and_then(|f| f.as_str()).ok_or_else(|| format!("probe '{name}': field 'file' (a .npy matrix, outputs × segments) is required"))?;
            let units = match p.get("units") {
                None => String::new(),
                Some(u) => u.as_str().ok_or_else(|| format!("probe '{name}': field 'units' must be a string"))?.to_string(),
            };
            let path = base.join(file);
            let matrix: ndarray::Array2<f64> = ndarray_npy::read_npy(&path).map_err(|e| format!("probe '{name}': {}: {e} (expected a 2-D float64 array, outputs × segments)", path.display()))?;
            if matrix.iter().any(|x| !x.is_finite()) {
                return Err(format!("probe '{name}': {} holds values that are not finite", path.display()));
            }
            Output::Linear { matrix, units }
        }
    };
    Ok((name, output))
}

/// What one finitialize…run cycle recorded.
#[derive(Default)]
struct Recorded {
    /// Per probe: samples, time-major (each sample's outputs contiguous).
    out: Vec<Vec<f64>>,
    t: Vec<f64>,
    /// Membrane potential at the soma node per sample (mV), written as soma_v.npy.
    soma_v: Vec<f64>,
    /// Each stimulus's current per sample (nA).
    stim_i: Vec<Vec<f64>>,
    /// The placed segments of this cycle.
    geometry: CellGeometry,
    /// The model's own soma midpoint (µm).
    model_soma: [f64; 3],
    /// The time step of the cycle (ms).
    dt: f64,
    has_soma: bool,
    /// The interval the samples were taken at under the variable step
    /// (they are then already the record_dt samples).
    sampled_every: Option<f64>,
    /// Samples taken in the cycle (streamed ones included).
    samples: usize,
}

/// The probes' state during a run.
pub struct ProbeRun {
    specs: Vec<ProbeSpec>,
    placement: Placement,
    /// Node of each segment, in LFPy's order (sections as created, segments by x).
    nodes: Vec<u32>,
    /// Whether a finitialize has set the probes up.
    ready: bool,
    /// Per probe: its matrix, for those applied to the membrane currents.
    matrices: Vec<Option<Mat<f64>>>,
    block: Mat<f64>,
    filled: usize,
    /// The cycle under way.
    cur: Recorded,
    /// Cycles finished earlier in the script.
    done: Vec<Recorded>,
    /// Node of the first segment of the first section named like "soma".
    soma_node: Option<u32>,
    stimuli: Vec<StimulusSpec>,
    /// Whether the stimuli's plays are in place.
    stimulating: bool,
    /// Whether every rank's geometry goes to rank 0 (the HDF5 file has it).
    gather_geometry: bool,
    /// `--record-dt`: the sampling interval of every output without its own (ms).
    pub record_dt: Option<f64>,
    /// `--format sonata`: bmtk's extracellular report of the one probe.
    pub sonata: bool,
    /// `--out DIR`: each cycle's results go to disk as the run goes.
    stream: Option<Stream>,
    /// The ranks whose signals are summed (one process: `Serial`).
    comm: Rc<dyn Comm>,
}

/// The cycles streamed into `--out DIR`.
struct Stream {
    dir: PathBuf,
    /// Each kept cycle's folder and the names of its files.
    kept: Vec<(PathBuf, Vec<String>)>,
    cur: Option<Cycle>,
}

/// The files of the cycle under way (rank 0 only holds files).
struct Cycle {
    folder: PathBuf,
    names: Vec<String>,
    /// Per probe: its time series (None for a geometry probe, and on other ranks).
    probes: Vec<Option<NpyStream>>,
    /// Per probe: its timeline (0: every output's; k: the probe's own record_dt).
    timeline: Vec<usize>,
    samplers: Vec<Sampler>,
    /// Per timeline: the file of its times (t.npy, NAME_t.npy).
    times: Vec<Option<NpyStream>>,
    soma_v: Option<NpyStream>,
    stimuli: Vec<NpyStream>,
    /// Segments over all ranks.
    segments: usize,
    /// The geometry over all ranks, when a geometry probe asks for it.
    geometry: Option<CellGeometry>,
    /// Per timeline: how often each sample of a block is kept, and the
    /// times kept (buffers kept from block to block).
    keep: Vec<Vec<usize>>,
    kept_times: Vec<Vec<f64>>,
    /// Every rank's per-segment samples of a block, and their counts.
    gathered: Vec<f64>,
    counts: Vec<usize>,
}

impl ProbeRun {
    /// `hdf5`: the results go to one HDF5 file, which holds the geometry.
    pub fn new(file: ProbesFile, hdf5: bool) -> Self {
        ProbeRun {
            specs: file.probes,
            placement: file.placement,
            nodes: Vec::new(),
            ready: false,
            matrices: Vec::new(),
            block: Mat::zeros(0, 0),
            filled: 0,
            cur: Recorded::default(),
            done: Vec::new(),
            soma_node: None,
            stimuli: file.stimuli,
            stimulating: false,
            gather_geometry: hdf5,
            record_dt: None,
            sonata: false,
            stream: None,
            comm: Rc::new(cable::comm::Serial),
        }
    }

    /// Results go to the folder `dir` as the run goes, summed over `comm`'s ranks.
    pub fn stream_to(&mut self, dir: &Path, comm: Rc<dyn Comm>) {
        self.comm = comm;
        self.stream = Some(Stream { dir: dir.to_path_buf(), kept: Vec::new(), cur: None });
    }

    fn placed(&self, m: &Model) -> (CellGeometry, Vec<u32>, [f64; 3]) {
        let (geom, nodes) = segment_geometry(m);
        let (geom, soma) = lfpy_placed(m, geom, self.placement.position, self.placement.rotation);
        (geom, nodes, soma)
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
        let (geom, _, _) = self.placed(m);
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

    /// Sets the probes up for a new cycle; the previous one is kept when it
    /// advanced at least one step.
    fn rebuild(&mut self, m: &Model) -> Result<(), String> {
        self.flush_block()?;
        self.ready = false;
        let prev = std::mem::take(&mut self.cur);
        if self.stream.is_some() {
            self.end_cycle(&prev, prev.samples > 1)?;
        } else if prev.samples > 1 {
            self.done.push(prev);
        }
        // Under the variable step the samples are taken at the interval
        // itself, from the interpolated solution, as Vector.record(&x, Dt)
        // takes them there.
        let mut sampled_every = None;
        if m.cvode.active {
            let wanted: Vec<Option<f64>> = self.specs.iter().map(|s| s.record_dt.or(self.record_dt)).collect();
            if let Some(first) = wanted.first().copied().unwrap_or(self.record_dt) {
                if let Some(other) = wanted.iter().find(|&&e| e != Some(first)) {
                    return Err(format!(
                        "under the variable step (cvode.active(1)) every output is sampled at one interval: record_dt {first} ms and {} differ",
                        other.map_or("none (every step)".to_string(), |e| format!("{e} ms"))
                    ));
                }
                sampled_every = Some(first);
            }
        }
        let (geom, nodes, model_soma) = self.placed(m);

        self.matrices.clear();
        for s in &self.specs {
            let mat = match &s.output {
                Output::Field(p) => {
                    let m = p.matrix(&geom).map_err(|e| format!("probe '{}': {}", s.name, e.0))?;
                    Some(Mat::from_fn(m.nrows(), m.ncols(), |i, j| m[[i, j]]))
                }
                Output::Linear { matrix, .. } => {
                    if matrix.ncols() != geom.len() {
                        return Err(format!("probe '{}': the matrix has {} columns; the model has {} segments (one column per segment, in LFPy's order)", s.name, matrix.ncols(), geom.len()));
                    }
                    Some(Mat::from_fn(matrix.nrows(), matrix.ncols(), |i, j| matrix[[i, j]]))
                }
                _ => None,
            };
            self.matrices.push(mat);
        }
        self.block = Mat::zeros(nodes.len(), BLOCK);
        self.nodes = nodes;
        self.soma_node = soma_node(m);
        self.cur = Recorded {
            out: vec![Vec::new(); self.specs.len()],
            stim_i: vec![Vec::new(); self.stimuli.len()],
            geometry: geom,
            model_soma,
            dt: m.dt,
            has_soma: self.soma_node.is_some(),
            sampled_every,
            ..Default::default()
        };
        self.filled = 0;
        if self.stream.is_some() {
            self.begin_cycle()?;
        }
        self.ready = true;
        Ok(())
    }

    fn sample(&mut self, m: &Model) -> Result<(), String> {
        let col = self.filled;
        for (k, &nd) in self.nodes.iter().enumerate() {
            self.block[(k, col)] = m.tree.imem[nd as usize];
        }
        for (spec, out) in self.specs.iter().zip(self.cur.out.iter_mut()) {
            let v = match spec.output {
                Output::Imem => &m.tree.imem,
                Output::Vmem => &m.tree.v,
                _ => continue,
            };
            out.extend(self.nodes.iter().map(|&nd| v[nd as usize]));
        }
        self.cur.t.push(m.t);
        if let Some(nd) = self.soma_node {
            self.cur.soma_v.push(m.tree.v[nd as usize]);
        }
        for (s, out) in self.stimuli.iter().zip(self.cur.stim_i.iter_mut()) {
            out.push(s.source.current_at(m.t));
        }
        self.cur.samples += 1;
        self.filled += 1;
        if self.filled == BLOCK {
            self.flush_block()?;
        }
        Ok(())
    }

    /// Applies every probe's matrix to the gathered columns; streamed, the
    /// block then goes to disk.
    fn flush_block(&mut self) -> Result<(), String> {
        let n = self.filled;
        if n == 0 {
            return Ok(());
        }
        let cur = self.block.as_ref().subcols(0, n);
        for (p, mat) in self.matrices.iter().enumerate() {
            let Some(mat) = mat else { continue };
            let y = mat * cur;
            let out = &mut self.cur.out[p];
            out.reserve(y.nrows() * n);
            for j in 0..n {
                for i in 0..y.nrows() {
                    out.push(y[(i, j)]);
                }
            }
        }
        self.filled = 0;
        if self.stream.is_some() {
            return crate::signals::holding(|| self.stream_block());
        }
        Ok(())
    }

    /// Writes DIR/<name>.npy, DIR/t.npy, DIR/soma_v.npy (when the model has
    /// a soma) and DIR/meta.json: all of them or, on an error, none (each
    /// is written under a temporary name and all are renamed at the end).
    /// A script that ran several finitialize…run cycles gets one folder per
    /// cycle, DIR/run-1, DIR/run-2, …, and DIR/meta.json lists them.
    /// Under MPI every rank's signals are summed into rank 0, which writes;
    /// per-segment outputs are gathered, rank after rank.
    pub fn write(&mut self, dir: &Path, comm: &dyn Comm) -> Result<(), String> {
        self.flush_block()?;
        if self.stream.as_ref().is_some_and(|s| s.cur.is_some() || !s.kept.is_empty()) {
            return self.end_stream();
        }
        let mut runs = std::mem::take(&mut self.done);
        let last = std::mem::take(&mut self.cur);
        if last.samples > 1 || runs.is_empty() {
            runs.push(last);
        }
        // No finitialize at all: empty outputs of the right number.
        if runs.len() == 1 && runs[0].t.is_empty() {
            runs[0].out = vec![Vec::new(); self.specs.len()];
            runs[0].stim_i = vec![Vec::new(); self.stimuli.len()];
        }
        let mut gathered = Vec::with_capacity(runs.len());
        for run in runs.iter_mut() {
            gathered.push(self.reduce(run, comm));
        }
        if comm.rank() != 0 {
            return Ok(());
        }
        let results: Vec<(Vec<Array>, serde_json::Value)> = runs.iter().zip(&gathered).map(|(r, g)| self.results(r, g)).collect();
        let names: Vec<String> = (1..=runs.len()).map(|k| format!("run-{k}")).collect();
        let mut top = serde_json::Map::new();
        top.insert("runs".into(), names.clone().into());
        self.placement_meta(&mut top, &runs[runs.len() - 1]);
        top.insert("probes".into(), self.specs.iter().map(|s| s.json.clone()).collect::<Vec<_>>().into());
        let top = serde_json::Value::Object(top);
        if self.sonata {
            let step = self.specs[0].record_dt.or(self.record_dt);
            let files: Vec<(PathBuf, Vec<u8>)> = results
                .iter()
                .zip(&runs)
                .enumerate()
                .map(|(k, ((arrays, _), run))| {
                    let path = if results.len() == 1 { dir.to_path_buf() } else { run_file(dir, k + 1) };
                    let a = arrays.iter().find(|a| a.probe == Some(0) && a.shape.len() == 2).expect("the probe's array");
                    crate::hdf5_out::sonata(a, step.unwrap_or(run.dt)).map(|b| (path, b))
                })
                .collect::<Result<_, _>>()?;
            let mut staged = Staging::default();
            for (path, bytes) in &files {
                staged.file(path, |f| f.write_all(bytes))?;
            }
            return staged.commit();
        }
        if crate::hdf5_out::names_hdf5(dir) {
            let geometries: Vec<&CellGeometry> = runs.iter().zip(&gathered).map(|(r, g)| g.geometry.as_ref().unwrap_or(&r.geometry)).collect();
            let bytes = crate::hdf5_out::file(&results, &geometries, &names, &top)?;
            return write_atomic(dir, &bytes);
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut files = Staging::default();
        if results.len() == 1 {
            stage_run(&mut files, dir, &results[0])?;
        } else {
            for (name, res) in names.iter().zip(&results) {
                let sub = dir.join(name);
                std::fs::create_dir_all(&sub).map_err(|e| format!("{}: {e}", sub.display()))?;
                stage_run(&mut files, &sub, res)?;
            }
            files.json(&dir.join("meta.json"), &top)?;
        }
        files.commit()
    }

    /// Opens the files of a new cycle: in DIR for the first; once there is
    /// a second, the first moves to DIR/run-1 and each goes to DIR/run-K.
    /// Geometry arrays are written whole; every time series starts empty.
    fn begin_cycle(&mut self) -> Result<(), String> {
        let mut st = self.stream.take().expect("streaming");
        let r = self.begin_cycle_in(&mut st);
        self.stream = Some(st);
        r
    }

    fn begin_cycle_in(&mut self, st: &mut Stream) -> Result<(), String> {
        let comm = self.comm.clone();
        let mut nseg = [self.cur.geometry.len() as f64];
        comm.reduce_sum(&mut nseg, 0);
        let geometry = if self.specs.iter().any(|s| matches!(s.output, Output::Geometry)) && comm.size() > 1 {
            Some(gather_geometry(&self.cur.geometry, comm.as_ref()))
        } else {
            None
        };
        // Timeline 0 is every output's; each probe with its own record_dt has one.
        let dt = self.cur.dt;
        let every = |e: Option<f64>| if self.cur.sampled_every.is_some() { None } else { e };
        let mut samplers = vec![Sampler::new(every(self.record_dt), dt)];
        let mut timeline = Vec::with_capacity(self.specs.len());
        for s in &self.specs {
            match self.own_record_dt(s) {
                Some(e) => {
                    samplers.push(Sampler::new(every(Some(e)), dt));
                    timeline.push(samplers.len() - 1);
                }
                None => timeline.push(0),
            }
        }
        let mut cycle = Cycle {
            folder: st.dir.clone(),
            names: Vec::new(),
            probes: Vec::new(),
            timeline,
            samplers,
            times: Vec::new(),
            soma_v: None,
            stimuli: Vec::new(),
            segments: nseg[0] as usize,
            geometry,
            keep: Vec::new(),
            kept_times: Vec::new(),
            gathered: Vec::new(),
            counts: Vec::new(),
        };
        cycle.keep.resize(cycle.samplers.len(), Vec::new());
        cycle.kept_times.resize(cycle.samplers.len(), Vec::new());
        if comm.rank() != 0 {
            st.cur = Some(cycle);
            return Ok(());
        }
        if st.kept.len() == 1 && st.kept[0].0 == st.dir {
            let first = st.dir.join("run-1");
            std::fs::create_dir_all(&first).map_err(|e| format!("{}: {e}", first.display()))?;
            for name in &st.kept[0].1 {
                std::fs::rename(st.dir.join(name), first.join(name)).map_err(|e| format!("{}: {e}", first.join(name).display()))?;
            }
            st.kept[0].0 = first;
        }
        if !st.kept.is_empty() {
            cycle.folder = st.dir.join(format!("run-{}", st.kept.len() + 1));
            std::fs::create_dir_all(&cycle.folder).map_err(|e| format!("{}: {e}", cycle.folder.display()))?;
        }
        let folder = cycle.folder.clone();
        let open = |names: &mut Vec<String>, name: String, dims: &[usize]| -> Result<NpyStream, String> {
            let f = NpyStream::create(&folder.join(&name), dims)?;
            names.push(name);
            Ok(f)
        };
        let geometry = cycle.geometry.as_ref().unwrap_or(&self.cur.geometry);
        for (p, spec) in self.specs.iter().enumerate() {
            let dims = match &spec.output {
                Output::Geometry => {
                    let mut staged = Staging::default();
                    for a in geometry_arrays(&spec.name, p, geometry) {
                        let name = format!("{}.npy", a.name);
                        staged.npy(&folder.join(&name), &a.shape, &a.data)?;
                        cycle.names.push(name);
                    }
                    staged.commit()?;
                    cycle.probes.push(None);
                    continue;
                }
                Output::Field(probe) => probe.output_dims(),
                Output::Linear { matrix, .. } => vec![matrix.nrows()],
                _ => vec![cycle.segments],
            };
            cycle.probes.push(Some(open(&mut cycle.names, format!("{}.npy", spec.name), &dims)?));
        }
        cycle.times.push(Some(open(&mut cycle.names, "t.npy".into(), &[])?));
        for (spec, &tl) in self.specs.iter().zip(&cycle.timeline) {
            if tl != 0 {
                cycle.times.push(Some(open(&mut cycle.names, format!("{}_t.npy", spec.name), &[])?));
            }
        }
        if self.cur.has_soma {
            cycle.soma_v = Some(open(&mut cycle.names, "soma_v.npy".into(), &[])?);
        }
        for s in &self.stimuli {
            cycle.stimuli.push(open(&mut cycle.names, format!("stimulus_{}.npy", s.name), &[])?);
        }
        let shapes: Vec<Vec<usize>> = cycle.probes.iter().map(|f| f.as_ref().map_or_else(|| vec![geometry.len()], |f| f.shape())).collect();
        let meta = self.cycle_meta(&self.cur, cycle.segments, 0, &shapes, false);
        write_atomic(&folder.join("meta.json"), serde_json::to_string_pretty(&meta).unwrap().as_bytes())?;
        cycle.names.push("meta.json".into());
        for f in cycle.probes.iter_mut().flatten().chain(cycle.times.iter_mut().flatten()).chain(cycle.soma_v.iter_mut()).chain(cycle.stimuli.iter_mut()) {
            f.sync()?;
        }
        st.cur = Some(cycle);
        Ok(())
    }

    /// Sends the block's samples to disk (summed over the ranks into rank
    /// 0's files), each as many times as its timeline keeps it, and empties
    /// the block.
    fn stream_block(&mut self) -> Result<(), String> {
        let comm = self.comm.clone();
        let n = self.cur.t.len();
        let Some(cycle) = self.stream.as_mut().and_then(|s| s.cur.as_mut()) else { return Ok(()) };
        for (p, out) in self.cur.out.iter_mut().enumerate() {
            if comm.size() == 1 || n == 0 {
                break;
            }
            if self.specs[p].output.per_segment() {
                // Each rank's rows of a sample follow the previous rank's.
                comm.allgatherv_into(out, &mut cycle.gathered, &mut cycle.counts);
                out.clear();
                for j in 0..n {
                    let mut start = 0;
                    for &c in &cycle.counts {
                        let r = c / n;
                        out.extend_from_slice(&cycle.gathered[start + j * r..start + (j + 1) * r]);
                        start += c;
                    }
                }
            } else if !matches!(self.specs[p].output, Output::Geometry) {
                comm.reduce_sum(out, 0);
            }
        }
        if comm.rank() == 0 {
            // How often each timeline keeps each sample, and at which times.
            let (keep, times) = (&mut cycle.keep, &mut cycle.kept_times);
            for (tl, sampler) in cycle.samplers.iter_mut().enumerate() {
                keep[tl].clear();
                times[tl].clear();
                for &t in &self.cur.t {
                    keep[tl].push(sampler.take(t, &mut times[tl]));
                }
            }
            for (p, file) in cycle.probes.iter_mut().enumerate() {
                let Some(file) = file else { continue };
                let data = &self.cur.out[p];
                let count = if n == 0 { 0 } else { data.len() / n };
                for (j, &k) in keep[cycle.timeline[p]].iter().enumerate() {
                    for _ in 0..k {
                        file.push(&data[j * count..(j + 1) * count])?;
                    }
                }
                file.sync()?;
            }
            for (file, times) in cycle.times.iter_mut().zip(times.iter()) {
                let Some(file) = file else { continue };
                for &t in times {
                    file.push(&[t])?;
                }
                file.sync()?;
            }
            let series = cycle.soma_v.iter_mut().zip(std::iter::once(&self.cur.soma_v)).chain(cycle.stimuli.iter_mut().zip(&self.cur.stim_i));
            for (file, values) in series {
                for (j, &k) in keep[0].iter().enumerate() {
                    for _ in 0..k {
                        file.push(&values[j..j + 1])?;
                    }
                }
                file.sync()?;
            }
        }
        for out in self.cur.out.iter_mut() {
            out.clear();
        }
        self.cur.t.clear();
        self.cur.soma_v.clear();
        for i in self.cur.stim_i.iter_mut() {
            i.clear();
        }
        Ok(())
    }

    /// Closes the cycle under way: its last sample's provisional records
    /// dropped and its meta.json complete when `keep`, its files removed
    /// otherwise.
    fn end_cycle(&mut self, run: &Recorded, keep: bool) -> Result<(), String> {
        let Some(mut st) = self.stream.take() else { return Ok(()) };
        let r = self.end_cycle_in(&mut st, run, keep);
        self.stream = Some(st);
        r
    }

    fn end_cycle_in(&self, st: &mut Stream, run: &Recorded, keep: bool) -> Result<(), String> {
        let Some(mut cycle) = st.cur.take() else { return Ok(()) };
        if self.comm.rank() != 0 {
            return Ok(());
        }
        if !keep {
            for name in &cycle.names {
                let _ = std::fs::remove_file(cycle.folder.join(name));
            }
            if cycle.folder != st.dir {
                let _ = std::fs::remove_dir(&cycle.folder);
            }
            return Ok(());
        }
        for (tl, sampler) in cycle.samplers.iter().enumerate() {
            let drop = sampler.provisional();
            if drop == 0 {
                continue;
            }
            let mut files: Vec<&mut NpyStream> = cycle.probes.iter_mut().zip(&cycle.timeline).filter(|(_, &t)| t == tl).filter_map(|(f, _)| f.as_mut()).collect();
            files.extend(cycle.times[tl].as_mut());
            if tl == 0 {
                files.extend(cycle.soma_v.iter_mut().chain(cycle.stimuli.iter_mut()));
            }
            for f in files {
                f.drop_last(drop)?;
            }
        }
        let nt = cycle.times[0].as_ref().map_or(0, |f| f.rows());
        let geometry_len = cycle.geometry.as_ref().unwrap_or(&run.geometry).len();
        let shapes: Vec<Vec<usize>> = cycle.probes.iter().map(|f| f.as_ref().map_or_else(|| vec![geometry_len], |f| f.shape())).collect();
        // The finished arrays in C order, then meta.json saying they are complete.
        let streams = cycle.probes.into_iter().flatten().chain(cycle.times.into_iter().flatten()).chain(cycle.soma_v).chain(cycle.stimuli);
        for f in streams {
            f.finish()?;
        }
        let meta = self.cycle_meta(run, cycle.segments, nt, &shapes, true);
        write_atomic(&cycle.folder.join("meta.json"), serde_json::to_string_pretty(&meta).unwrap().as_bytes())?;
        st.kept.push((cycle.folder, cycle.names));
        Ok(())
    }

    /// The end of a streamed script: the last cycle closed (kept when it
    /// advanced, or when it is the only one) and, with several, DIR/meta.json.
    fn end_stream(&mut self) -> Result<(), String> {
        let last = std::mem::take(&mut self.cur);
        let only = self.stream.as_ref().is_some_and(|s| s.kept.is_empty());
        self.end_cycle(&last, last.samples > 1 || only)?;
        let st = self.stream.as_ref().expect("streaming");
        if self.comm.rank() != 0 || st.kept.len() < 2 {
            return Ok(());
        }
        let mut top = serde_json::Map::new();
        top.insert("runs".into(), (1..=st.kept.len()).map(|k| format!("run-{k}")).collect::<Vec<_>>().into());
        self.placement_meta(&mut top, &last);
        top.insert("probes".into(), self.specs.iter().map(|s| s.json.clone()).collect::<Vec<_>>().into());
        write_atomic(&st.dir.join("meta.json"), serde_json::to_string_pretty(&serde_json::Value::Object(top)).unwrap().as_bytes())
    }

    /// Sums the signals of every rank into rank 0 and gathers the
    /// per-segment outputs and geometry there; the number of segments.
    fn reduce(&self, run: &mut Recorded, comm: &dyn Comm) -> Gathered {
        let local = run.geometry.len();
        let mut g = Gathered { segments: local, per_segment: vec![None; self.specs.len()], geometry: None };
        if comm.size() == 1 {
            return g;
        }
        for (p, out) in run.out.iter_mut().enumerate() {
            if self.specs[p].output.per_segment() {
                // Time-major per rank: rank 0 puts each rank's rows after the previous one's.
                let parts = comm.allgatherv(out);
                g.per_segment[p] = Some(parts);
            } else if !matches!(self.specs[p].output, Output::Geometry) {
                comm.reduce_sum(out, 0);
            }
        }
        if self.gather_geometry || self.specs.iter().any(|s| matches!(s.output, Output::Geometry)) {
            g.geometry = Some(gather_geometry(&run.geometry, comm));
        }
        let mut nseg = [local as f64];
        comm.reduce_sum(&mut nseg, 0);
        g.segments = nseg[0] as usize;
        g
    }

    /// meta.json's account of the coordinates the probes saw.
    fn placement_meta(&self, meta: &mut serde_json::Map<String, serde_json::Value>, run: &Recorded) {
        let p = self.placement;
        let moved = p.position.is_some();
        let rotated = p.rotation.is_some();
        let coords = match (moved, rotated) {
            (false, false) => "model",
            (true, false) => "moved",
            (false, true) => "rotated",
            (true, true) => "moved and rotated",
        };
        meta.insert("coordinates".into(), coords.into());
        meta.insert("model_soma_position".into(), run.model_soma.to_vec().into());
        if let Some(pos) = p.position {
            meta.insert("soma_position".into(), pos.to_vec().into());
        }
        if let Some(r) = p.rotation {
            let mut o = serde_json::Map::new();
            for (k, a) in ["x", "y", "z"].iter().zip(r) {
                if let Some(a) = a {
                    o.insert(k.to_string(), a.into());
                }
            }
            meta.insert("rotation".into(), o.into());
        }
    }

    /// Stages one cycle's files in `dir`; its meta.json's contents.
    fn results(&self, run: &Recorded, g: &Gathered) -> (Vec<Array>, serde_json::Value) {
        let mut arrays = Vec::new();
        let mut put = |name: String, shape: &[usize], data: Vec<f64>, units: &str, probe: Option<usize>| {
            arrays.push(Array { name, shape: shape.to_vec(), data, units: units.to_string(), probe });
        };
        let full_nt = run.t.len();
        let samples = |every: Option<f64>| match every {
            Some(e) if run.sampled_every.is_none() => recorded_samples(&run.t, run.dt, e),
            _ => ((0..full_nt).collect(), run.t.clone()),
        };
        let (cols, times) = samples(self.record_dt);
        let nt = cols.len();
        let pick = |x: &[f64]| -> Vec<f64> { cols.iter().map(|&j| x[j]).collect() };
        let nseg = g.segments;
        let mut shapes = Vec::with_capacity(self.specs.len());
        let geometry = g.geometry.as_ref().unwrap_or(&run.geometry);
        for (p, s) in self.specs.iter().enumerate() {
            let mut shape;
            match &s.output {
                Output::Geometry => {
                    for a in geometry_arrays(&s.name, p, geometry) {
                        put(a.name, &a.shape, a.data, &a.units, a.probe);
                    }
                    shape = vec![geometry.len()];
                }
                out => {
                    let outputs = match out {
                        Output::Field(probe) => probe.output_dims(),
                        Output::Linear { matrix, .. } => vec![matrix.nrows()],
                        _ => vec![nseg],
                    };
                    let count: usize = outputs.iter().product();
                    let nt = full_nt;
                    let mut arr = vec![0.0; count * nt];
                    match &g.per_segment[p] {
                        // Each rank's samples are time-major over its own segments.
                        Some(parts) => {
                            let mut row0 = 0;
                            for part in parts {
                                let rows = if nt == 0 { 0 } else { part.len() / nt };
                                for j in 0..nt {
                                    for i in 0..rows {
                                        arr[(row0 + i) * nt + j] = part[j * rows + i];
                                    }
                                }
                                row0 += rows;
                            }
                        }
                        None => {
                            // time-major samples → (outputs..., time), C order
                            let data = &run.out[p];
                            for j in 0..nt {
                                for i in 0..count {
                                    arr[i * nt + j] = data[j * count + i];
                                }
                            }
                        }
                    }
                    // Samples as Vector.record(&x, Dt) takes them, when an interval is set.
                    let own = self.own_record_dt(s);
                    let (pcols, ptimes) = if own.is_some() { samples(own) } else { (cols.clone(), times.clone()) };
                    if pcols.len() != nt || pcols.iter().enumerate().any(|(k, &j)| k != j) {
                        let mut picked = Vec::with_capacity(count * pcols.len());
                        for i in 0..count {
                            picked.extend(pcols.iter().map(|&j| arr[i * nt + j]));
                        }
                        arr = picked;
                    }
                    shape = outputs;
                    shape.push(pcols.len());
                    put(s.name.clone(), &shape, arr, &s.output.units(), Some(p));
                    if own.is_some() {
                        put(format!("{}_t", s.name), &[ptimes.len()], ptimes, "ms", Some(p));
                    }
                }
            }
            shapes.push(shape);
        }
        put("t".into(), &[nt], times, "ms", None);
        if run.has_soma && run.soma_v.len() == full_nt {
            put("soma_v".into(), &[nt], pick(&run.soma_v), "mV", None);
        }
        for (s, i) in self.stimuli.iter().zip(&run.stim_i) {
            if i.len() == full_nt {
                put(format!("stimulus_{}", s.name), &[nt], pick(i), "nA", None);
            }
        }
        let meta = self.cycle_meta(run, nseg, nt, &shapes, true);
        (arrays, meta)
    }

    /// A cycle's meta.json: `shapes` per probe, `nt` samples of t.
    fn cycle_meta(&self, run: &Recorded, nseg: usize, nt: usize, shapes: &[Vec<usize>], complete: bool) -> serde_json::Value {
        let mut meta = serde_json::Map::new();
        let mut probes_meta = Vec::new();
        for (s, shape) in self.specs.iter().zip(shapes) {
            let mut pm = s.json.clone();
            if let Some(o) = pm.as_object_mut() {
                if matches!(s.output, Output::Geometry) {
                    o.insert("files".into(), ["x", "y", "z", "mid", "d", "length"].iter().map(|f| format!("{}_{f}.npy", s.name)).collect::<Vec<_>>().into());
                } else if self.own_record_dt(s).is_some() {
                    o.insert("t".into(), format!("{}_t.npy", s.name).into());
                }
                o.insert("units".into(), s.output.units().into());
                o.insert("shape".into(), shape.clone().into());
            }
            probes_meta.push(pm);
        }
        let mut stim_meta = Vec::new();
        for s in &self.stimuli {
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
        if let Some(e) = self.record_dt {
            meta.insert("record_dt".into(), e.into());
        }
        let mut units = serde_json::json!({"t": "ms", "geometry": "um", "current": "nA"});
        if run.has_soma {
            units["soma_v"] = "mV".into();
        }
        meta.insert("units".into(), units);
        self.placement_meta(&mut meta, run);
        meta.insert("probes".into(), probes_meta.into());
        meta.insert("complete".into(), complete.into());
        serde_json::Value::Object(meta)
    }

    /// A probe's own sampling interval, when it differs from every output's.
    fn own_record_dt(&self, s: &ProbeSpec) -> Option<f64> {
        s.record_dt.filter(|&e| Some(e) != self.record_dt)
    }
}

/// Every rank's segments, rank after rank.
fn gather_geometry(geo: &CellGeometry, comm: &dyn Comm) -> CellGeometry {
    let flat: Vec<f64> = (0..geo.len()).flat_map(|k| [geo.start[k][0], geo.start[k][1], geo.start[k][2], geo.end[k][0], geo.end[k][1], geo.end[k][2], geo.diam[k], geo.length(k)]).collect();
    let mut all = CellGeometry::default();
    for part in comm.allgatherv(&flat) {
        for c in part.chunks_exact(8) {
            all.start.push([c[0], c[1], c[2]]);
            all.end.push([c[3], c[4], c[5]]);
            all.diam.push(c[6]);
            all.length.push(c[7]);
        }
    }
    all
}

/// A geometry probe's arrays: segment ends per axis, midpoints, diameters
/// and lengths (LFPy's cell.x, y, z, d, length).
fn geometry_arrays(name: &str, probe: usize, geometry: &CellGeometry) -> Vec<Array> {
    let n = geometry.len();
    let array = |suffix: &str, shape: Vec<usize>, data: Vec<f64>| Array { name: format!("{name}_{suffix}"), shape, data, units: "um".into(), probe: Some(probe) };
    let pair = |d: usize| -> Vec<f64> { (0..n).flat_map(|k| [geometry.start[k][d], geometry.end[k][d]]).collect() };
    let mut out: Vec<Array> = ["x", "y", "z"].iter().enumerate().map(|(d, axis)| array(axis, vec![n, 2], pair(d))).collect();
    out.push(array("mid", vec![n, 3], (0..n).flat_map(|k| geometry.mid(k)).collect()));
    out.push(array("d", vec![n], geometry.diam.clone()));
    out.push(array("length", vec![n], (0..n).map(|k| geometry.length(k)).collect()));
    out
}

/// The samples NEURON's `Vector.record(&x, Dt)` takes from a fixed-step run
/// sampled at `t` (t[0] the finitialize): the column of each and its time.
/// Its record event is due at t0, then every Dt after the last (the sum
/// accumulates as NEURON's does); an event is delivered at the end of the
/// step that reaches it or, when it falls within half a step after, at the
/// start of the next step, both with the state at that step's end; after
/// the last step nothing more is delivered. Dt < dt repeats a sample.
pub(crate) fn recorded_samples(t: &[f64], dt: f64, every: f64) -> (Vec<usize>, Vec<f64>) {
    let (mut cols, mut times) = (Vec::new(), Vec::new());
    let Some(&t0) = t.first() else { return (cols, times) };
    let mut due = t0;
    for (n, &tn) in t.iter().enumerate() {
        let until = if n + 1 < t.len() { tn + 0.5 * dt } else { tn };
        while due <= until {
            cols.push(n);
            times.push(due);
            due += every;
        }
    }
    (cols, times)
}

/// One array of a run's results: NAME.npy, or the dataset NAME in HDF5.
pub(crate) struct Array {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
    pub units: String,
    /// The probe it belongs to (its index in meta.json's list).
    pub probe: Option<usize>,
}

/// Stages a run's arrays as DIR/NAME.npy and its DIR/meta.json.
fn stage_run(files: &mut Staging, dir: &Path, (arrays, meta): &(Vec<Array>, serde_json::Value)) -> Result<(), String> {
    for a in arrays {
        files.npy(&dir.join(format!("{}.npy", a.name)), &a.shape, &a.data)?;
    }
    files.json(&dir.join("meta.json"), meta)
}

/// A cycle's outputs as rank 0 writes them.
struct Gathered {
    /// Segments over all ranks.
    segments: usize,
    /// Per probe with one row per segment: each rank's samples.
    per_segment: Vec<Option<Vec<Vec<f64>>>>,
    /// Every rank's segments, when a geometry probe asks for them.
    geometry: Option<CellGeometry>,
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

    fn json(&mut self, path: &Path, v: &serde_json::Value) -> Result<(), String> {
        let text = serde_json::to_string_pretty(v).unwrap();
        self.file(path, |f| f.write_all(text.as_bytes()))
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

/// Makes sure results can be written to `out` before anything runs: an
/// HDF5 file in a folder that exists, whose names the probes leave free, or
/// a folder.
pub fn check_out(out: &Path, file: &ProbesFile, sonata: bool) -> Result<(), String> {
    if !crate::hdf5_out::names_hdf5(out) {
        return check_out_dir(out);
    }
    if sonata {
        let contacts = |s: &ProbeSpec| matches!(&s.output, Output::Field(p) if p.output_dims().len() == 1 && p.units() == "mV");
        if file.probes.len() != 1 || !contacts(&file.probes[0]) {
            let names: Vec<&str> = file.probes.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "--format sonata writes one extracellular report: probes.json must list exactly one probe of potentials at contacts (mV), such as RecExtElectrode; it lists {}",
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            ));
        }
    }
    if let Some(s) = file.probes.iter().find(|s| crate::hdf5_out::RESERVED.contains(&s.name.as_str())) {
        return Err(format!("probe name '{}' is taken in an HDF5 file ({}); rename the probe", s.name, crate::hdf5_out::RESERVED.join(", ")));
    }
    if out.is_dir() {
        return Err(format!("--out {}: is a folder", out.display()));
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(format!("--out {}: no folder {}", out.display(), parent.display()));
    }
    let probe = parent.join(format!(".nerve-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| format!("--out {}: cannot write there: {e}", out.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// `FILE.run-K.h5` beside `FILE.h5`: run K of several in one file each.
fn run_file(path: &Path, k: usize) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!("{stem}.run-{k}.{ext}"))
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

use hoc::engine::probe::{lfpy_placed, segment_geometry};

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
        if let Err(e) = r.sample(model) {
            *self.1.borrow_mut() = Some(e);
        }
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
        if r.ready {
            if let Err(e) = r.sample(model) {
                *self.1.borrow_mut() = Some(e);
                r.ready = false;
            }
        }
    }
    fn halt(&mut self) -> Option<String> {
        self.1.borrow().clone()
    }
    fn sample_interval(&self) -> Option<f64> {
        self.0.borrow().cur.sampled_every
    }
}

