//! HOC's view of the cable engine: section names and the section stack,
//! range and section variables, point-process and NetCon objects, and the
//! functions that drive a simulation (finitialize, fadvance, …).

pub mod chost;
pub mod classes;
pub mod funcs;
pub mod impedance;
pub mod import3d;
pub mod linmod;
pub mod mechmenu;
pub mod netconlist;
pub mod oldstim;
pub mod parallel;
pub mod play;
pub mod probe;
pub mod range;
pub mod rvp;
pub mod savestate;
pub mod sections;

use std::cell::RefCell;
use std::rc::Rc;

use cable::model::Var;
use cable::{Model, SecId};

use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::symbol::Kind;
use crate::value::{ObjRef, Value};

/// A name the engine gives meaning to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Host {
    /// A property of the whole section.
    SecVar(SecVar),
    /// A variable with a value per segment.
    Range(RangeVar),
    /// A GLOBAL of a mechanism (`usetable_hh`): one value, no section needed.
    Global(usize, usize),
    /// A GLOBAL array `name[i]`: (mechanism, index of element 0, length);
    /// element i is `Global(mechanism, index + i)`. Unsubscripted, element 0.
    GlobalArray(usize, usize, usize),
    /// A FUNCTION or PROCEDURE of a density mechanism, `name_suffix(args)`.
    Func(usize, usize),
    /// `setdata_suffix(x)`: the instance (current section at x) the
    /// mechanism's FUNCTIONs use.
    SetData(usize),
    /// `table_NAME_suffix(value)` or `table_NAME_suffix(yvec, xvec)`: the
    /// contents of FUNCTION_TABLE k.
    FTable(usize, usize),
    /// An ion type's default inside (true) or outside concentration:
    /// `nai0_na_ion`, `nao0_na_ion`.
    IonConc0(usize, bool),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SecVar {
    L,
    Nseg,
    Ra,
    Rallbranch,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RangeVar {
    V,
    Diam,
    Cm,
    Imem,
    /// The capacitive current of the last step (`i_cap`).
    ICap,
    Mech(usize, usize),
    /// POINTER k of a density mechanism: the variable it points to.
    Ptr(usize, usize),
    /// A field of an ion species (`ena`, `cai`, `ik`).
    Ion(usize, cable::ion::IonField),
    /// An extracellular layer's potential, `vext[layer]`.
    Vext(usize),
    /// A range array `name[i]`: (mechanism, column of element 0, length);
    /// element i is `Mech(mechanism, column + i)`. Unsubscripted, element 0.
    MechArray(usize, usize, usize),
    /// `vext` with its number of layers.
    VextArray(usize),
}

/// Something that follows the run (the extracellular probes): told after
/// each finitialize and after each time step, with the model at that moment.
pub trait StepObserver {
    /// Called before finitialize lowers the model (e.g. to place 3-D points).
    fn before_init(&mut self, _model: &mut Model) {}
    /// Variables the observer drives (stimulus electrodes), asked right
    /// after `before_init`: each (variable, values, times) becomes a step
    /// play, as `values.play(&variable, times)`; kept for later runs.
    fn plays(&mut self, _model: &mut Model) -> Vec<(Var, Vec<f64>, Vec<f64>)> {
        Vec::new()
    }
    /// After finitialize; `tstop` is HOC's tstop at that moment.
    fn on_init(&mut self, model: &Model, tstop: f64);
    fn on_step(&mut self, model: &Model);
    /// Why the run must stop now (asked after `on_init` and each `on_step`):
    /// the run ends with this as its error.
    fn halt(&mut self) -> Option<String> {
        None
    }
    /// Whether the observer reads the model's state at regular times: under
    /// the variable step it is then shown the interpolated solution every
    /// `observe_dt`; otherwise (it follows only t) once per step.
    fn samples_state(&self) -> bool {
        true
    }
    /// Under the variable step, the interval the observer wants its samples
    /// at (None: the plotting interval, 1/steps_per_ms). Asked after `on_init`.
    fn sample_interval(&self) -> Option<f64> {
        None
    }
    /// True once nothing can read what the observer records any more: it is
    /// then dropped.
    fn orphaned(&self) -> bool {
        false
    }
}

/// What `Vector.record` samples into a vector.
pub struct Recording {
    pub var: Var,
    pub vec: ObjRef,
    /// Sampling interval (None: every step) and the next sample time.
    pub every: Option<f64>,
    pub next: f64,
    /// Sample times given as a Vector (`record(&x, tvec)`).
    pub times: Option<Vec<f64>>,
    pub next_index: usize,
    /// `cvode.record(&x, yvec, tvec)`: t goes to tvec with each sample
    /// (once per sample however many recordings share it).
    pub tvec: Option<ObjRef>,
}

/// The engine and HOC's state around it.
pub struct Engine {
    pub model: Model,
    pub hosts: Vec<Host>,
    pub sec_stack: Vec<SecId>,
    pub accessed: Option<SecId>,
    pub records: Vec<Recording>,
    /// Records made during finitialize, waiting for the next one.
    pub pending_records: Vec<Recording>,
    /// finitialize is running its handlers (past the type-3 ones).
    pub finitializing: bool,
    /// Point processes and NetCons whose HOC objects were dropped: freed
    /// before the next use of the model.
    pub dropped: Rc<RefCell<Vec<Dropped>>>,
    /// HOC object owning each section (by object identity), for forsec scoping.
    pub owners: Vec<Option<std::rc::Weak<crate::object::Object>>>,
    /// The symbol each section was created under, and its index in the array.
    pub sec_sym: Vec<Option<(crate::ast::NameRef, usize)>>,
    /// `distance()` origin: section and position.
    pub distance_origin: Option<(SecId, f64)>,
    pub clock: Clock,
    /// NetCon.record targets, at most one per source, sorted by NetCon index.
    pub netcon_records: Vec<SpikeRecord>,
    /// Point processes tied to a Vector: `VecStim.play(v)` reads it at
    /// finitialize, `APCount.record(v)` receives the spike times.
    pub point_vectors: Vec<PointVector>,
    /// Vector.play sources.
    pub plays: Vec<play::Play>,
    /// Import3d_Section objects NEURON would have made so far (names in its messages).
    pub import3d_sections: usize,
    /// What follows the run: probes, a progress display.
    pub observers: Vec<Box<dyn StepObserver>>,
    /// Ion types whose names are bound so far.
    pub ions_named: usize,
    /// .mod files loaded so far (canonical paths): each loads once.
    pub loaded_mod_files: std::collections::HashSet<std::path::PathBuf>,
    /// `setdata_suffix(x)` choices: mechanism → (section, x).
    pub setdata: std::collections::HashMap<usize, (SecId, f64)>,
    /// FInitializeHandlers: (type, what runs, the handler itself — gone
    /// with its last reference).
    pub init_handlers: Vec<(i32, crate::foreign::Action, std::rc::Weak<crate::object::Object>)>,
    /// Statements of `cvode.event(t, "stmt")`, by the id their event carries.
    pub statement_events: Vec<crate::foreign::Action>,
    /// Under the variable step, observers sample every `observe_dt` (dt at
    /// finitialize): the k-th sample is due at k·observe_dt.
    pub observe_dt: f64,
    pub observe_k: u64,
    /// The variables `batch_run` writes (`batch_save(&x, ...)`).
    pub batch_vars: Vec<crate::value::Place>,
    /// What the mechanisms' VERBATIM C shares with HOC (call arguments,
    /// objects, installed Vector methods).
    pub c_host: Rc<RefCell<chost::CShared>>,
    /// ParallelContext: gids, the exchange interval, threads, the bulletin board.
    pub parallel: parallel::Parallel,
    /// LinearMechanisms and the HOC objects they read and write.
    pub linmods: Vec<linmod::LinmodLink>,
    /// `fstim` pulses and `fsyn` synapses.
    pub fstims: oldstim::Pulses,
    pub fsyns: oldstim::Pulses,
    /// HOC variables POINTERs point to: `model.ptr_cells[k]` mirrors the
    /// k-th, with the value it was last given from HOC.
    pub ptr_cells: Vec<(crate::value::Place, f64)>,
}

/// Symbols of the HOC globals the model mirrors (interned at install).
#[derive(Clone, Copy, Default)]
pub struct Clock {
    pub t: u32,
    pub dt: u32,
    pub celsius: u32,
    pub secondorder: u32,
}

/// A model object whose last HOC reference went away.
pub enum Dropped {
    Point { mech: usize, inst: u32 },
    NetCon(usize),
    LinMod(usize),
    /// The sections of a template instance that went.
    Sections(Vec<SecId>),
}

/// `nc.record(tvec[, idvec[, id]])`: where a source's spike times (and its
/// id) go; `nc.record("stmt")` or `nc.record(callable)`: what runs at each
/// spike, with t the spike time.
pub struct SpikeRecord {
    pub nc: usize,
    pub sink: SpikeSink,
}

pub enum SpikeSink {
    Vectors { times: ObjRef, ids: Option<(ObjRef, f64)> },
    Action(crate::foreign::Action),
}

pub struct PointVector {
    pub mech: usize,
    pub inst: u32,
    pub vec: ObjRef,
    /// True for play (vector → mechanism), false for record (mechanism → vector).
    pub play: bool,
    /// Record: how many of the mechanism's values the vector has received.
    pub flushed: usize,
}

impl Engine {
    pub fn new() -> Self {
        Engine {
            model: Model::new(builtin_mechanisms()),
            hosts: Vec::new(),
            sec_stack: Vec::new(),
            accessed: None,
            records: Vec::new(),
            pending_records: Vec::new(),
            finitializing: false,
            dropped: Rc::new(RefCell::new(Vec::new())),
            owners: Vec::new(),
            sec_sym: Vec::new(),
            distance_origin: None,
            clock: Clock::default(),
            netcon_records: Vec::new(),
            point_vectors: Vec::new(),
            plays: Vec::new(),
            import3d_sections: 0,
            observers: Vec::new(),
            ions_named: 0,
            loaded_mod_files: std::collections::HashSet::new(),
            setdata: std::collections::HashMap::new(),
            init_handlers: Vec::new(),
            statement_events: Vec::new(),
            observe_dt: 0.025,
            observe_k: 1,
            batch_vars: Vec::new(),
            c_host: Rc::new(RefCell::new(chost::CShared::default())),
            parallel: parallel::Parallel::default(),
            linmods: Vec::new(),
            fstims: oldstim::Pulses::default(),
            fsyns: oldstim::Pulses::default(),
            ptr_cells: Vec::new(),
        }
    }
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// The built-in catalogue in NEURON's order: the mechanisms of `mod-files/`
/// compiled, and the native ones whose NEURON versions need C (APCount,
/// NetStim and VecStim use VERBATIM). `pas`
/// stays native: it is in every segment of passive models, where the compiled
/// form costs twice the time; a test holds mod-files/pas.mod to the native
/// numbers bit for bit.
fn builtin_mechanisms() -> Vec<Box<dyn cable::mechanism::Mechanism>> {
    let mut v = cable::mechs::builtin();
    let compiled = nmodl::builtin::mechanisms().into_iter().filter(|m| m.c.name != "pas");
    for (k, m) in compiled.enumerate() {
        v.insert(1 + k, Box::new(m));
    }
    v
}

/// Binds the engine's names (range variables, point-process classes, functions).
pub fn install(it: &mut Interp) {
    let names: Vec<(String, Host)> = vec![
        ("L".into(), Host::SecVar(SecVar::L)),
        ("nseg".into(), Host::SecVar(SecVar::Nseg)),
        ("Ra".into(), Host::SecVar(SecVar::Ra)),
        ("rallbranch".into(), Host::SecVar(SecVar::Rallbranch)),
        ("v".into(), Host::Range(RangeVar::V)),
        ("diam".into(), Host::Range(RangeVar::Diam)),
        ("cm".into(), Host::Range(RangeVar::Cm)),
        ("i_membrane_".into(), Host::Range(RangeVar::Imem)),
        ("i_cap".into(), Host::Range(RangeVar::ICap)),
    ];
    bind_hosts(it, names);
    for m in 0..it.eng.model.mechs.len() {
        bind_mechanism(it, m);
    }
    for (name, nc) in [
        ("NetCon", crate::builtins::NativeClass::NetCon),
        ("SectionRef", crate::builtins::NativeClass::SectionRef),
        ("SectionList", crate::builtins::NativeClass::SectionList),
        ("CVode", crate::builtins::NativeClass::CVode),
        ("FInitializeHandler", crate::builtins::NativeClass::FInitializeHandler),
        ("NMODLRandom", crate::builtins::NativeClass::NmodlRandom),
        ("LFPProbe", crate::builtins::NativeClass::LFPProbe),
        ("ParallelContext", crate::builtins::NativeClass::ParallelContext),
        ("LinearMechanism", crate::builtins::NativeClass::LinearMechanism),
        ("MechanismStandard", crate::builtins::NativeClass::MechanismStandard),
        ("MechanismType", crate::builtins::NativeClass::MechanismType),
        ("RangeVarPlot", crate::builtins::NativeClass::RangeVarPlot),
        ("SaveState", crate::builtins::NativeClass::SaveState),
        ("Impedance", crate::builtins::NativeClass::Impedance),
    ] {
        it.add_native_class(name, nc);
    }
    funcs::install(it);
    oldstim::install(it);
}

fn bind_hosts(it: &mut Interp, names: Vec<(String, Host)>) {
    for (name, h) in names {
        let idx = it.eng.hosts.len() as u32;
        it.eng.hosts.push(h);
        let i = it.globals.intern(&name);
        it.globals.syms[i as usize].kind = Kind::Host(idx);
    }
}

/// Binds the HOC names of mechanism `m`: `var_suffix` range variables of a
/// density mechanism, `name_suffix` GLOBALs, the class of a point process,
/// and the fields of ions not yet named.
pub fn bind_mechanism(it: &mut Interp, m: usize) {
    let model = &it.eng.model;
    let mech = &model.mechs[m];
    let mut names = Vec::new();
    let density = mech.kind() == cable::mechanism::MechKind::Density;
    if density {
        let hoc_name = |base: &str| if mech.suffixed() { format!("{base}_{}", mech.name()) } else { base.to_string() };
        for (k, var) in mech.vars().iter().enumerate().filter(|(_, v)| !v.hidden) {
            match var.name.split_once('[') {
                None => names.push((hoc_name(&var.name), Host::Range(RangeVar::Mech(m, k)))),
                // An array binds once, at its element 0.
                Some((base, "0]")) => {
                    let len = mech.vars()[k..].iter().take_while(|v| v.name.split_once('[').is_some_and(|(b, _)| b == base)).count();
                    names.push((hoc_name(base), Host::Range(RangeVar::MechArray(m, k, len))));
                }
                Some(_) => {}
            }
        }
        if Some(m) == model.ext_mech {
            names.push(("vext".into(), Host::Range(RangeVar::VextArray(model.ext.nlayer))));
        }
    }
    let global_name = |base: &str| if mech.name() == "nothing" { base.to_string() } else { format!("{base}_{}", mech.name()) };
    for (g, var) in mech.globals().iter().enumerate().filter(|(_, v)| !v.hidden) {
        match var.name.split_once('[') {
            None => names.push((global_name(&var.name), Host::Global(m, g))),
            Some((base, "0]")) => {
                let len = mech.globals()[g..].iter().take_while(|v| v.name.split_once('[').is_some_and(|(b, _)| b == base)).count();
                names.push((global_name(base), Host::GlobalArray(m, g, len)));
            }
            Some(_) => {}
        }
    }
    for (k, f) in mech.function_tables().iter().enumerate() {
        names.push((format!("table_{f}_{}", mech.name()), Host::FTable(m, k)));
    }
    if density && mech.name() == "nothing" {
        // `SUFFIX nothing`: a library of functions, named without a suffix.
        for (k, f) in mech.functions().iter().enumerate() {
            names.push((f.clone(), Host::Func(m, k)));
        }
    } else if density {
        for (k, f) in mech.functions().iter().enumerate() {
            names.push((format!("{f}_{}", mech.name()), Host::Func(m, k)));
        }
        if !mech.functions().is_empty() {
            names.push((format!("setdata_{}", mech.name()), Host::SetData(m)));
        }
        for (k, p) in mech.pointers().iter().enumerate() {
            names.push((format!("{p}_{}", mech.name()), Host::Range(RangeVar::Ptr(m, k))));
        }
    }
    for ion in it.eng.ions_named..model.ion_types.len() {
        let name = &model.ion_types[ion].name;
        for f in cable::ion::IonField::ALL {
            names.push((f.hoc_name(name), Host::Range(RangeVar::Ion(ion, f))));
        }
        names.push((format!("{name}i0_{name}_ion"), Host::IonConc0(ion, true)));
        names.push((format!("{name}o0_{name}_ion"), Host::IonConc0(ion, false)));
    }
    it.eng.ions_named = model.ion_types.len();
    let point = (!density).then(|| mech.name().to_string());
    bind_hosts(it, names);
    if let Some(name) = point {
        it.add_native_class(&name, crate::builtins::NativeClass::Point(m as u32));
    }
}

/// Compiles the .mod files of a folder (in name order) and adds their
/// mechanisms, as loading the library nrnivmodl built there does. Returns
/// how many were loaded; an error names the file, line and column.
///
/// Where nerve's `nrnivmodl` ran, the folder holds `ARCH/.libs/libnrnmech.so`
/// listing the .mod files it was given; those are loaded instead. A file
/// already loaded is not loaded again.
pub fn load_mod_dir(it: &mut Interp, dir: &std::path::Path) -> Result<usize, String> {
    let mut files = match recorded_mod_files(dir) {
        Some(files) => files,
        None => {
            let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "mod") && p.is_file()).collect()
        }
    };
    files.sort();
    files.retain(|f| it.eng.loaded_mod_files.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    let mut mechs: Vec<(nmodl::mech::NmodlMechanism, _)> = Vec::new();
    for f in &files {
        let mut m = nmodl::load_file(f).map_err(|e| e.to_string())?;
        // NEURON refuses a name that is already taken (a built-in's, or an
        // earlier file's): the user's mechanism would silently replace it.
        // `SUFFIX nothing` names no mechanism.
        let name = cable::mechanism::Mechanism::name(&m).to_string();
        let model = &it.eng.model;
        let builtin = model.mech_index(&name).map(|k| !model.mechs[k].replaceable());
        let class = it.globals.get(&name).is_some_and(|i| matches!(it.globals.kind(i), crate::symbol::Kind::Class(_)));
        let taken = builtin.unwrap_or(class) || mechs.iter().any(|(o, _)| cable::mechanism::Mechanism::name(o) == name);
        if taken && name != "nothing" {
            return Err(format!("The user defined name, {name}, already exists."));
        }
        let host = Rc::new(chost::HocHost { shared: it.eng.c_host.clone(), mech: std::cell::Cell::new(usize::MAX) });
        m.set_host(host.clone());
        mechs.push((m, host));
    }
    for (m, host) in mechs {
        host.mech.set(add_mechanism(it, Box::new(m)));
    }
    Ok(files.len())
}

/// What nerve's `nrnivmodl` writes in place of a compiled library: this
/// line, then the .mod files it was given, one path a line.
pub const MECH_LIBRARY_HEADER: &str = "# nerve mechanism library: the .mod files nrnivmodl was given";

/// The .mod files nerve's `nrnivmodl` recorded in a folder, if it ran there.
pub fn recorded_mod_files(dir: &std::path::Path) -> Option<Vec<std::path::PathBuf>> {
    ["x86_64", "aarch64", "arm64", "i686", "powerpc64le"].iter().find_map(|arch| {
        let text = std::fs::read_to_string(dir.join(arch).join(".libs").join("libnrnmech.so")).ok()?;
        let mut lines = text.lines();
        (lines.next()? == MECH_LIBRARY_HEADER).then(|| lines.filter(|l| !l.is_empty()).map(std::path::PathBuf::from).collect())
    })
}

/// The folder whose .mod files a compiled mechanism library came from:
/// `DIR/x86_64/.libs/libnrnmech.so` → `DIR`.
pub fn mod_dir_of_library(lib: &std::path::Path) -> std::path::PathBuf {
    let mut dir = lib.parent().unwrap_or(std::path::Path::new(".")).to_path_buf();
    if dir.file_name().is_some_and(|n| n == ".libs") {
        dir.pop();
    }
    if dir.file_name().is_some_and(|n| matches!(n.to_str(), Some("x86_64" | "arm64" | "aarch64" | "i686" | "powerpc64le"))) {
        dir.pop();
    }
    if dir.as_os_str().is_empty() {
        dir.push(".");
    }
    dir
}

/// Adds a mechanism to the model and binds its names (`nerve run --mod`, nrn_load_dll).
pub fn add_mechanism(it: &mut Interp, mech: Box<dyn cable::mechanism::Mechanism>) -> usize {
    let m = it.eng.model.add_mechanism(mech);
    bind_mechanism(it, m);
    m
}

impl Interp {
    /// The currently accessed section: the section stack's top, else the default.
    pub fn cur_sec(&mut self) -> HResult<SecId> {
        self.free_dropped();
        if let Some(&s) = self.eng.sec_stack.last() {
            if self.eng.model.exists(s) {
                return Ok(s);
            }
        }
        if let Some(s) = self.eng.accessed.filter(|&s| self.eng.model.exists(s)) {
            return Ok(s);
        }
        // NEURON falls back to the first existing section.
        if let Some(s) = (0..self.eng.model.sections.len()).find(|&s| self.eng.model.exists(s)) {
            self.eng.accessed = Some(s);
            return Ok(s);
        }
        Err(hoc_err!("Section access unspecified"))
    }

    /// A location argument (NEURON's nrn_seg_or_x_arg): x of the current
    /// section, or a host object standing for a segment.
    pub fn seg_or_x(&mut self, a: &[Value], i: usize) -> HResult<(SecId, f64)> {
        match a.get(i) {
            Some(v @ Value::Obj(_)) => self.foreign_location(v).ok_or_else(|| hoc_err!("argument {} is not a segment", i + 1)),
            _ => {
                let x = crate::builtins::num(self, a, i)?;
                Ok((self.cur_sec()?, x))
            }
        }
    }

    /// Frees the point processes whose objects were dropped.
    pub fn free_dropped(&mut self) {
        let dropped = std::mem::take(&mut *self.eng.dropped.borrow_mut());
        for d in dropped {
            match d {
                Dropped::Point { mech, inst } => self.eng.model.free_point(mech, inst),
                Dropped::LinMod(i) => {
                    self.eng.model.remove_linmod(i);
                    self.eng.linmods.retain(|l| l.index != i);
                }
                Dropped::Sections(secs) => {
                    for s in secs {
                        if self.eng.model.exists(s) {
                            self.delete_section(s);
                        }
                    }
                }
                // A recording source, or a gid's, outlives its NetCons
                // (NEURON's PreSyn): it keeps recording but delivers nothing.
                Dropped::NetCon(i) => {
                    self.eng.model.netcon_edits += 1;
                    let keep = self.eng.parallel.netpar.is_anchor(i);
                    match self.eng.model.netcons.get_mut(i) {
                        Some(Some(n)) if n.recording || keep => {
                            n.target = cable::events::Target::None;
                            n.detached = true;
                        }
                        Some(n) => *n = None,
                        None => {}
                    }
                }
            }
        }
    }

    pub fn sec_name(&self, s: SecId) -> String {
        self.eng.model.sec(s).name.clone()
    }

    /// Runs `f` with `sec` pushed on the section stack.
    pub fn with_section<R>(&mut self, sec: SecId, f: impl FnOnce(&mut Self) -> HResult<R>) -> HResult<R> {
        self.eng.sec_stack.push(sec);
        let r = f(self);
        self.eng.sec_stack.pop();
        r
    }

    /// Copies t, dt, celsius and secondorder from HOC into the model.
    pub fn sync_to_model(&mut self) {
        let g = |it: &Interp, n: &str| it.globals.get(n).map(|i| it.global_num(i));
        if let Some(x) = g(self, "dt") {
            self.eng.model.dt = x;
        }
        if let Some(x) = g(self, "t") {
            self.eng.model.t = x;
        }
        if let Some(x) = g(self, "celsius") {
            self.eng.model.celsius = x;
        }
        if let Some(x) = g(self, "secondorder") {
            self.eng.model.secondorder = x as i32;
        }
        self.hoc_vars_to_c();
        for k in 0..self.eng.ptr_cells.len() {
            if let Ok(x) = self.read_place(&self.eng.ptr_cells[k].0) {
                self.eng.ptr_cells[k].1 = x;
                self.eng.model.ptr_cells[k] = x;
            }
        }
    }

    /// The cell mirroring HOC variable `p` for POINTERs (made on first use).
    pub fn pointer_cell(&mut self, p: crate::value::Place) -> HResult<usize> {
        use crate::value::Place;
        let same = |a: &Place, b: &Place| match (a, b) {
            (Place::Global(i, k), Place::Global(j, l)) => i == j && k == l,
            (Place::Field(o, i, k), Place::Field(q, j, l)) => Rc::ptr_eq(o, q) && i == j && k == l,
            (Place::VecElem(o, k), Place::VecElem(q, l)) => Rc::ptr_eq(o, q) && k == l,
            (Place::Proto(c, i, k), Place::Proto(d, j, l)) => c == d && i == j && k == l,
            _ => false,
        };
        if let Some(k) = self.eng.ptr_cells.iter().position(|(q, _)| same(q, &p)) {
            return Ok(k);
        }
        if !matches!(p, Place::Global(..) | Place::Field(..) | Place::VecElem(..) | Place::Proto(..)) {
            return Err(hoc_err!("setpointer: the target must be a variable that outlives the call"));
        }
        let x = self.read_place(&p)?;
        self.eng.ptr_cells.push((p, x));
        self.eng.model.ptr_cells.push(x);
        Ok(self.eng.ptr_cells.len() - 1)
    }

    pub fn sync_from_model(&mut self) {
        let t = self.eng.model.t;
        self.set_global_num("t", t);
        self.hoc_vars_from_c();
        // Values mechanisms assigned through their POINTERs.
        for k in 0..self.eng.ptr_cells.len() {
            let x = self.eng.model.ptr_cells[k];
            if x.to_bits() != self.eng.ptr_cells[k].1.to_bits() {
                let p = self.eng.ptr_cells[k].0.clone();
                if self.write_place(&p, x).is_ok() {
                    self.eng.ptr_cells[k].1 = x;
                }
            }
        }
        // Under the variable step dt is the last step's size, as in NEURON.
        if self.eng.model.cvode.active {
            let dt = self.eng.model.dt;
            self.set_global_num("dt", dt);
        }
    }
}
