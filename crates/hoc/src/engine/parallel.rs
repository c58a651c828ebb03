//! The ParallelContext class as NEURON 9 runs it: gids and their
//! connections (kept by `cable::netpar`), `psolve` over the minimum-delay
//! interval, the spike exchange between processes (`cable::exchange`),
//! the collectives over the processes (`cable::comm`: one process without
//! MPI, where they hand back their input), timing, the threads API, and
//! the bulletin board of parameter sweeps (`builtins::bulletin`). Every
//! ParallelContext object shares this one state, as NEURON's do.

use std::collections::HashMap;
use std::rc::{Rc, Weak};

use cable::comm::{Comm, Reduce, Serial};
use cable::events::{Source, Target};
use cable::exchange::Exchange;
use cable::netpar::{FixedSteps, NetPar, NetParError};
use cable::SecId;

use super::classes::{netcon_object, point_of, record_sources, NetConObj};
use crate::builtins::bulletin::Board;
use crate::builtins::vector::with_vec;
use crate::builtins::{chkarg, native_class, num, object, opt_num, value_str, with_native, NativeClass};
use crate::error::{HResult, HocError};
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::{ObjData, Object};
use crate::value::{ObjRef, Value};

/// Largest gid (NEURON's MD).
const MD: f64 = 2147483647.0;

/// What `gid2cell` and `gid2obj` find behind a gid.
#[derive(Clone, Debug)]
enum CellOf {
    /// A voltage source: the object owning its section.
    Section(SecId),
    /// A point process (an artificial cell, or one in a section).
    Point(Weak<Object>),
    None,
}

/// ParallelContext's state beyond the engine's gids and interval.
pub struct Parallel {
    pub netpar: NetPar,
    /// The processes of the run (one without MPI).
    pub comm: Rc<dyn Comm>,
    /// Spikes are exchanged between processes: `set_maxstep` was called
    /// with more than one (NEURON's active_).
    exchanging: bool,
    pub board: Board,
    cells: HashMap<i32, CellOf>,
    /// `timeout(s)`: seconds before a stalled exchange aborts.
    timeout: i32,
    mpiabort_on_error: bool,
    /// Wall time spent integrating in `psolve` (step_time).
    step_time: f64,
    step_wait: f64,
    optimize_node_order: i32,
    busywait: bool,
    /// A finitialize has happened (threads report dt from then on).
    initialized: bool,
}

impl Default for Parallel {
    fn default() -> Self {
        Parallel {
            netpar: NetPar::default(),
            comm: Rc::new(Serial),
            exchanging: false,
            board: Board::default(),
            cells: HashMap::new(),
            timeout: 20,
            mpiabort_on_error: true,
            step_time: 0.0,
            step_wait: 0.0,
            optimize_node_order: 0,
            busywait: false,
            initialized: false,
        }
    }
}

impl Parallel {
    /// Runs on the processes of `comm` (this one is its rank).
    pub fn set_comm(&mut self, comm: Rc<dyn Comm>) {
        self.netpar.rank = comm.rank();
        self.netpar.nhost = comm.size();
        self.comm = comm;
    }

    /// `set_maxstep`: the smallest delay of the NetCons that span processes
    /// here, at most `max`; the interval becomes the least over all ranks.
    fn set_maxstep(&mut self, model: &cable::Model, max: f64) -> f64 {
        let local = self.netpar.set_maxstep(model, max);
        if self.netpar.nhost > 1 {
            let mut md = [local];
            self.comm.allreduce(&mut md, Reduce::Min);
            self.netpar.mindelay = md[0];
            self.exchanging = true;
        }
        local
    }
}

/// A ParallelContext object (its state is the interpreter's).
pub struct ParallelContextObj;

pub fn construct(it: &mut Interp, a: &[Value]) -> HResult<Box<dyn std::any::Any>> {
    if !a.is_empty() {
        chkarg(it, a, 0, 0.0, 10000.0)?;
    }
    Ok(Box::new(ParallelContextObj))
}

fn err(e: NetParError) -> HocError {
    hoc_err!("{e}")
}

fn par(it: &mut Interp) -> &mut Parallel {
    &mut it.eng.parallel
}

fn gid_arg(it: &Interp, a: &[Value], i: usize) -> HResult<i32> {
    Ok(chkarg(it, a, i, 0.0, MD)? as i32)
}

/// Argument i as a Vector.
fn vector(it: &Interp, a: &[Value], i: usize) -> HResult<ObjRef> {
    match a.get(i) {
        Some(Value::Obj(Some(o))) if native_class(it, o) == Some(NativeClass::Vector) => Ok(o.clone()),
        Some(Value::Obj(o)) => Err(hoc_err!("{} is not a Vector", it.obj_name_opt(o))),
        Some(v) => Err(hoc_err!("bad stack access: expecting (Object **); really ({})", v.type_name())),
        None => Err(hoc_err!("not enough arguments")),
    }
}

fn is_vector(it: &Interp, v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Obj(Some(o))) if native_class(it, o) == Some(NativeClass::Vector))
}

/// Called by finitialize: with threads, the exchange interval is checked.
pub fn at_initialize(it: &mut Interp) -> HResult<()> {
    let e = &mut it.eng;
    e.parallel.initialized = true;
    let (dt, var) = (e.model.dt, e.model.cvode.active);
    e.parallel.netpar.at_initialize(&e.model, dt, var).map_err(err)?;
    e.model.exchange = None;
    if !e.parallel.exchanging {
        return Ok(());
    }
    if var {
        return Err(variable_step_over_ranks());
    }
    // NEURON takes the interval again, with the NetCons of now.
    let max = e.parallel.netpar.maxstep_arg;
    e.parallel.set_maxstep(&e.model, max);
    let md = e.parallel.netpar.mindelay;
    if md < 1e-9 || (!var && md < dt) {
        return Err(err(NetParError::UsableMindelayZero));
    }
    let outputs = e.parallel.netpar.output_anchors();
    // A gid on two ranks would send every spike twice.
    let gids: Vec<f64> = outputs.iter().map(|&(_, g)| g as f64).collect();
    let mut owner: HashMap<i32, usize> = HashMap::new();
    for (rank, part) in e.parallel.comm.allgatherv(&gids).iter().enumerate() {
        for &g in part {
            if let Some(first) = owner.insert(g as i32, rank) {
                return Err(hoc_err!("gid={} is an output port on rank {first} and on rank {rank}", g as i32));
            }
        }
    }
    e.model.exchange = Some(Exchange::new(e.parallel.comm.clone(), md, &outputs, &e.model));
    Ok(())
}

/// Before a step: the variable step does not run over several processes.
pub fn check_step(it: &Interp) -> HResult<()> {
    if it.eng.model.cvode.active && it.eng.model.exchange.is_some() {
        return Err(variable_step_over_ranks());
    }
    Ok(())
}

fn variable_step_over_ranks() -> HocError {
    hoc_err!("the variable step over several processes (NEURON's pgvts, every rank stepping together) is not in nerve: run the network at the fixed step under MPI")
}

/// Methods of ParallelContext.
pub fn method(it: &mut Interp, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    if let Some(v) = crate::builtins::bulletin::method(it, name, a)? {
        return Ok(Some(v));
    }
    let v = match name {
        // ---------------------------------------------------- identity
        "id" | "id_world" | "id_bbs" => Value::Num(par(it).netpar.rank as f64),
        "nhost" | "nhost_world" | "nhost_bbs" => Value::Num(par(it).netpar.nhost as f64),
        "subworlds" => {
            let n = par(it).netpar.nhost as f64;
            chkarg(it, a, 0, 1.0, n)?;
            Value::Num(0.0)
        }
        // ---------------------------------------------------- gids
        "set_gid2node" => {
            let gid = gid_arg(it, a, 0)?;
            let node = chkarg(it, a, 1, 0.0, MD)? as usize;
            it.free_dropped();
            let e = &mut it.eng;
            e.parallel.netpar.set_gid2node(&e.model, gid, node).map_err(err)?;
            Value::Num(0.0)
        }
        "gid_exists" => {
            let gid = gid_arg(it, a, 0)?;
            Value::Num(par(it).netpar.exists(gid) as f64)
        }
        "cell" => cell(it, a)?,
        "outputcell" => {
            let gid = gid_arg(it, a, 0)?;
            par(it).netpar.outputcell(gid).map_err(err)?;
            Value::Num(0.0)
        }
        "threshold" => {
            let gid = gid_arg(it, a, 0)?;
            let set = opt_num(it, a, 1)?;
            let e = &mut it.eng;
            Value::Num(e.parallel.netpar.threshold(&mut e.model, gid, set).map_err(err)?)
        }
        "gid2obj" | "gid2cell" => {
            let gid = gid_arg(it, a, 0)?;
            Value::Obj(gid_object(it, gid, name == "gid2cell")?)
        }
        "gid_connect" => gid_connect(it, a)?,
        "spike_record" => spike_record(it, a)?,
        "spike_statistics" => {
            let (sent, received, useful) = it.eng.model.exchange.as_ref().map_or((0, 0, 0), |x| (x.sent, x.received, x.useful));
            let most = it.eng.model.exchange.as_ref().map_or(0, |x| x.most_sent);
            for (v, x) in a.iter().zip([sent, received, useful]) {
                if let Value::Ptr(p) = v {
                    it.write_place(p, x as f64)?;
                }
            }
            Value::Num(most as f64)
        }
        "max_histogram" => Value::Num(0.0),
        "spike_compress" => {
            if let Some(_n) = opt_num(it, a, 0)? {
                chkarg(it, a, 0, -1.0, MD)?;
            }
            if a.len() > 1 {
                chkarg(it, a, 1, 0.0, 1.0)?;
            }
            if a.len() > 2 {
                chkarg(it, a, 2, 0.0, 15.0)?;
            }
            Value::Num(0.0)
        }
        "gid_clear" => {
            let arg = if a.is_empty() { 0.0 } else { chkarg(it, a, 0, 0.0, 4.0)? };
            if arg != 2.0 && arg != 3.0 {
                it.free_dropped();
                let e = &mut it.eng;
                e.parallel.netpar.clear(&mut e.model);
                e.parallel.cells.clear();
            }
            Value::Num(0.0)
        }
        // ---------------------------------------------------- running
        "set_maxstep" => {
            let max = chkarg(it, a, 0, 1e-6, 1e9)?;
            it.free_dropped();
            let e = &mut it.eng;
            Value::Num(e.parallel.set_maxstep(&e.model, max))
        }
        "psolve" => {
            psolve(it, a)?;
            Value::Num(0.0)
        }
        // ---------------------------------------------------- value transfer
        "source_var" => source_var(it, a)?,
        "target_var" => target_var(it, a)?,
        "setup_transfer" => {
            it.free_dropped();
            if par(it).netpar.nhost > 1 {
                return Err(hoc_err!("setup_transfer: value transfer between processes is not in nerve (every source_var and target_var must be on one rank)"));
            }
            it.eng.model.setup_transfer().map_err(|e| hoc_err!("{e}"))?;
            Value::Num(0.0)
        }
        "timeout" => {
            let new = if a.is_empty() { 0 } else { chkarg(it, a, 0, 0.0, 10000.0)? as i32 };
            Value::Num(std::mem::replace(&mut par(it).timeout, new) as f64)
        }
        "mpiabort_on_error" => {
            let old = par(it).mpiabort_on_error;
            if !a.is_empty() {
                par(it).mpiabort_on_error = chkarg(it, a, 0, 0.0, 1.0)? != 0.0;
            }
            Value::Num(old as i32 as f64)
        }
        // ---------------------------------------------------- collectives
        "barrier" => {
            par(it).comm.barrier();
            Value::Num(0.0)
        }
        "allreduce" => allreduce(it, a)?,
        "allgather" => {
            let x = num(it, a, 0)?;
            let v = vector(it, a, 1)?;
            let (mut all, mut counts) = (Vec::new(), Vec::new());
            par(it).comm.allgatherv_into(&[x], &mut all, &mut counts);
            with_vec(&v, |v| v.data = all)?;
            Value::Num(0.0)
        }
        "alltoall" => {
            let (src, counts, dest) = (vector(it, a, 0)?, vector(it, a, 1)?, vector(it, a, 2)?);
            let counts = with_vec(&counts, |v| v.data.clone())?;
            let data = with_vec(&src, |v| v.data.clone())?;
            if counts.len() != par(it).netpar.nhost {
                return Err(hoc_err!("size of source counts vector is not nhost"));
            }
            if counts.iter().map(|&c| c as i32 as i64).sum::<i64>() != data.len() as i64 || counts.iter().any(|&c| c < 0.0) {
                return Err(hoc_err!("sum of source counts is not the size of the src vector"));
            }
            let counts: Vec<usize> = counts.iter().map(|&c| c as usize).collect();
            let got = par(it).comm.alltoallv(&data, &counts);
            with_vec(&dest, |v| v.data = got.into_iter().flatten().collect())?;
            Value::Num(0.0)
        }
        "broadcast" => {
            let last = par(it).netpar.nhost as f64 - 1.0;
            let root = chkarg(it, a, 1, 0.0, last)? as usize;
            match a.first() {
                Some(v @ (Value::Str(_) | Value::SRef(_))) => {
                    let mut bytes = value_str(v).into_bytes();
                    par(it).comm.broadcast_bytes(&mut bytes, root);
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    if let Value::SRef(r) = v {
                        *r.borrow_mut() = text.clone();
                    }
                    // Over MPI NEURON counts the terminating NUL it sent.
                    let nul = (par(it).netpar.nhost > 1) as usize;
                    Value::Num((text.len() + nul) as f64)
                }
                _ => {
                    let v = vector(it, a, 0)?;
                    let mut data = with_vec(&v, |v| v.data.clone())?;
                    par(it).comm.broadcast(&mut data, root);
                    let n = data.len();
                    with_vec(&v, |v| v.data = data)?;
                    Value::Num(n as f64)
                }
            }
        }
        // ---------------------------------------------------- timing
        "time" => Value::Num(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())),
        "wait_time" | "event_time" | "integ_time" | "mech_time" => Value::Num(0.0),
        "step_time" => Value::Num(par(it).step_time),
        "send_time" => {
            if !a.is_empty() {
                chkarg(it, a, 0, 0.0, 20.0)?;
            }
            Value::Num(0.0)
        }
        "vtransfer_time" => {
            if !a.is_empty() {
                chkarg(it, a, 0, 0.0, 2.0)?;
            }
            Value::Num(0.0)
        }
        "step_wait" => {
            if !a.is_empty() {
                par(it).step_wait = chkarg(it, a, 0, -1.0, 0.0)?;
            }
            Value::Num(par(it).step_wait.max(0.0))
        }
        // ---------------------------------------------------- threads
        "nthread" => {
            if !a.is_empty() {
                let n = chkarg(it, a, 0, 1.0, 1e5)? as usize;
                if a.len() > 1 {
                    chkarg(it, a, 1, 0.0, 1.0)?;
                }
                par(it).netpar.set_nthread(n);
            }
            Value::Num(par(it).netpar.nthread as f64)
        }
        "nworker" => {
            let n = par(it).netpar.nthread;
            Value::Num(if n > 1 { n as f64 } else { 0.0 })
        }
        "partition" => {
            let roots = match a.get(1) {
                Some(Value::Obj(Some(o))) => {
                    if native_class(it, o) != Some(NativeClass::SectionList) {
                        return Err(hoc_err!("{} is not a SectionList", it.object_name(o)));
                    }
                    Some(super::classes::section_list_items(it, o)?)
                }
                _ => None,
            };
            let n = par(it).netpar.nthread;
            if a.is_empty() {
                for i in 0..n {
                    par(it).netpar.partition(i, roots.clone());
                }
            } else {
                let i = chkarg(it, a, 0, 0.0, n as f64 - 1.0)? as usize;
                par(it).netpar.partition(i, roots);
            }
            Value::Num(0.0)
        }
        "get_partition" => {
            let n = par(it).netpar.nthread;
            let i = chkarg(it, a, 0, 0.0, n as f64 - 1.0)? as usize;
            let e = &it.eng;
            let parts = e.parallel.netpar.thread_roots(&e.model);
            let ci = it.class_id("SectionList").expect("SectionList class");
            let list = super::classes::SecListObj { secs: parts[i].clone() };
            Value::Obj(Some(it.new_object(ci, ObjData::Native(Box::new(list)))))
        }
        "sec_in_thread" => {
            let s = it.cur_sec()?;
            let e = &it.eng;
            Value::Num(e.parallel.netpar.thread_of(&e.model, s) as f64)
        }
        "thread_stat" | "thread_ctime" => Value::Num(0.0),
        "thread_busywait" => {
            let b = chkarg(it, a, 0, 0.0, 1.0)? != 0.0;
            Value::Num(std::mem::replace(&mut par(it).busywait, b) as i32 as f64)
        }
        "thread_how_many_proc" => Value::Num(std::thread::available_parallelism().map_or(1, |n| n.get()) as f64),
        "optimize_node_order" => {
            if !a.is_empty() {
                par(it).optimize_node_order = chkarg(it, a, 0, 0.0, 2.0)? as i32;
            }
            Value::Num(par(it).optimize_node_order as f64)
        }
        "dt" | "t" => {
            let n = par(it).netpar.nthread as f64;
            let i = chkarg(it, a, 0, 0.0, n)?;
            let e = &it.eng;
            Value::Num(match name {
                _ if i >= n => 0.0,
                "t" => e.model.t,
                _ if e.parallel.initialized => e.model.dt,
                _ => -1e9,
            })
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// The model variable a `&var` argument names.
fn engine_var(it: &Interp, a: &[Value], i: usize) -> HResult<cable::model::Var> {
    match a.get(i) {
        Some(Value::Ptr(crate::value::Place::Engine(v))) => Ok(*v),
        Some(Value::Ptr(_)) => Err(hoc_err!("arg {} must be a pointer to a variable of the model", i + 1)),
        Some(v) => Err(hoc_err!("bad stack access: expecting (double*); really ({})", v.type_name())),
        None => {
            let _ = it;
            Err(hoc_err!("not enough arguments"))
        }
    }
}

/// A transfer id (sgid): a number at least 0.
fn sgid_arg(it: &Interp, a: &[Value], i: usize, what: &str) -> HResult<u64> {
    let x = num(it, a, i)?;
    if x < 0.0 {
        return Err(hoc_err!("{what} sgid must be >= 0: arg {} is {}\n", i + 1, crate::format::fmt_g(x, 6, false, false)));
    }
    Ok(x as u64)
}

/// `source_var(&var, sgid)`: a variable of the currently accessed section
/// whose value goes to the targets of `sgid` (partrans.cpp).
fn source_var(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let var = engine_var(it, a, 0)?;
    let sgid = sgid_arg(it, a, 1, "source_var")?;
    let sec = it.cur_sec()?;
    use cable::model::Var;
    let here = match var {
        Var::V { sec: s, .. } | Var::Range { sec: s, .. } | Var::Ion { sec: s, .. } | Var::Vext { sec: s, .. } => s == sec,
        Var::Mech { mech, inst, .. } => it.eng.model.points.get(mech).and_then(|p| p.get(inst as usize)).and_then(|l| l.sec) == Some(sec),
        _ => false,
    };
    if !here {
        return Err(hoc_err!("Pointer to src is not in the currently accessed section {}", it.sec_name(sec)));
    }
    it.eng.model.transfer_source(sgid, var).map_err(|e| hoc_err!("{e}"))?;
    Ok(Value::Num(0.0))
}

/// `target_var([pp,] &var, sgid)`: a mechanism variable set from source
/// `sgid` before it is used.
fn target_var(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let (pp, k) = match a.first() {
        Some(Value::Obj(o)) => (Some(o.clone()), 1),
        _ => (None, 0),
    };
    let var = engine_var(it, a, k)?;
    let sgid = sgid_arg(it, a, k + 1, "target_var")?;
    if let Some(o) = pp {
        let owns = match (o.as_ref().and_then(point_of), var) {
            (Some((m, i)), cable::model::Var::Mech { mech, inst, .. }) => m == mech && i == inst,
            _ => false,
        };
        if !owns {
            return Err(hoc_err!("Target ref not in {}", it.obj_name_opt(&o)));
        }
    }
    it.eng.model.transfer_target(sgid, var).map_err(|e| hoc_err!("{e}"))?;
    Ok(Value::Num(0.0))
}

/// `allreduce(x | vector, type)`: summed (1), the largest (2) or the
/// least (3) over the ranks; a Vector element by element, in place.
fn allreduce(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let op = match chkarg(it, a, 1, 1.0, 3.0)? as i32 {
        1 => Reduce::Sum,
        2 => Reduce::Max,
        _ => Reduce::Min,
    };
    Ok(match a.first() {
        Some(Value::Obj(_)) => {
            let v = vector(it, a, 0)?;
            let mut data = with_vec(&v, |v| v.data.clone())?;
            par(it).comm.allreduce(&mut data, op);
            with_vec(&v, |v| v.data = data)?;
            Value::Num(0.0)
        }
        _ => {
            let mut x = [num(it, a, 0)?];
            par(it).comm.allreduce(&mut x, op);
            Value::Num(x[0])
        }
    })
}

/// `cell(gid, netcon[, output])`.
fn cell(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let gid = gid_arg(it, a, 0)?;
    let nco = netcon_arg(it, a, 1)?;
    let output = if a.len() > 2 { chkarg(it, a, 2, 0.0, 1.0)? != 0.0 } else { true };
    it.free_dropped();
    let (idx, pre) = with_native::<NetConObj, _>(&nco, |n| (n.index, n.pre.clone()))?;
    let sourceless = it.eng.model.netcons.get(idx).and_then(|n| n.as_ref()).is_none_or(|n| n.source == Source::None && n.target == Target::None);
    if sourceless {
        return Err(hoc_err!("pc.cell second arg, {}, has no source", it.object_name(&nco)));
    }
    let e = &mut it.eng;
    e.parallel.netpar.cell(&e.model, gid, idx, output).map_err(err)?;
    let of = match e.model.netcons.get(idx).and_then(|n| n.as_ref()).map(|n| &n.source) {
        Some(Source::Voltage { sec, .. }) => CellOf::Section(*sec),
        Some(Source::Point { .. }) => pre.map_or(CellOf::None, CellOf::Point),
        _ => CellOf::None,
    };
    e.parallel.cells.insert(gid, of);
    Ok(Value::Num(0.0))
}

fn netcon_arg(it: &Interp, a: &[Value], i: usize) -> HResult<ObjRef> {
    match object(a, i)? {
        Some(o) if native_class(it, &o) == Some(NativeClass::NetCon) => Ok(o),
        Some(o) => Err(hoc_err!("object type is {} instead of NetCon", it.classes[o.class as usize].name)),
        None => Err(hoc_err!("object type is nullptr instead of NetCon")),
    }
}

/// The object owning a section (NEURON's nrn_sec2cell), if any.
pub(crate) fn section_owner(it: &Interp, s: SecId) -> Option<ObjRef> {
    it.eng.owners.get(s)?.as_ref()?.upgrade()
}

/// `gid2obj(gid)`: the section's cell or the point process; `gid2cell`
/// also gives the cell that holds a point process.
fn gid_object(it: &mut Interp, gid: i32, cell: bool) -> HResult<Option<ObjRef>> {
    par(it).netpar.anchor(gid).map_err(err)?;
    Ok(match par(it).cells.get(&gid).cloned().unwrap_or(CellOf::None) {
        CellOf::Section(s) => section_owner(it, s),
        CellOf::Point(w) => {
            let pp = w.upgrade();
            let holder = pp.as_ref().filter(|_| cell).and_then(point_of).and_then(|(mech, inst)| it.eng.model.points[mech][inst as usize].sec);
            match holder.and_then(|s| section_owner(it, s)) {
                Some(c) => Some(c),
                None => pp,
            }
        }
        CellOf::None => None,
    })
}

/// `gid_connect(gid, target[, netcon])`: a NetCon from the gid's cell (or
/// from the input port standing for it) to a point process; with a third
/// argument, that NetCon is given the gid as its source.
fn gid_connect(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let gid = gid_arg(it, a, 0)?;
    let target = object(a, 1)?;
    let Some((mech, inst)) = target.as_ref().and_then(point_of) else {
        return Err(hoc_err!("arg 2 must be a point process"));
    };
    it.free_dropped();
    let pre = match par(it).cells.get(&gid) {
        Some(CellOf::Point(w)) => Some(w.clone()),
        _ => None,
    };
    if a.len() > 2 {
        let nco = netcon_arg(it, a, 2)?;
        let idx = with_native::<NetConObj, _>(&nco, |n| n.index)?;
        let e = &mut it.eng;
        let same = e.model.netcons.get(idx).and_then(|n| n.as_ref()).is_some_and(|n| n.target == Target::Point { mech: mech as u32, inst });
        if !same {
            return Err(hoc_err!("target is different from 3rd arg NetCon target"));
        }
        let source = e.parallel.netpar.source_of(&e.model, gid).map_err(err)?;
        if let Some(Some(n)) = e.model.netcons.get_mut(idx) {
            n.source = source;
        }
        e.model.netcon_edits += 1;
        with_native::<NetConObj, _>(&nco, |n| n.pre = pre)?;
        return Ok(Value::Obj(Some(nco)));
    }
    let e = &mut it.eng;
    let nw = e.model.mechs[mech].weights();
    let idx = e.parallel.netpar.connect(&mut e.model, gid, Target::Point { mech: mech as u32, inst }, nw).map_err(err)?;
    let syn = target.as_ref().map(Rc::downgrade);
    Ok(Value::Obj(Some(netcon_object(it, idx, pre, syn))))
}

/// `spike_record(gid | -1 | gidvec, tvec, idvec)`: the spike times of one
/// gid, of every output gid (-1), or of the gids a Vector lists, with the
/// gid in idvec.
fn spike_record(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let times = vector(it, a, 1)?;
    let ids = vector(it, a, 2)?;
    it.free_dropped();
    let gids: Vec<i32> = if is_vector(it, a.first()) {
        let v = vector(it, a, 0)?;
        with_vec(&v, |v| v.data.iter().map(|&g| g as i32).collect())?
    } else {
        let gid = chkarg(it, a, 0, -1.0, MD)? as i32;
        if gid >= 0 {
            vec![gid]
        } else {
            par(it).netpar.output_gids()
        }
    };
    let mut records = Vec::with_capacity(gids.len());
    for gid in gids {
        let nc = par(it).netpar.anchor(gid).map_err(err)?;
        records.push(super::SpikeRecord { nc, sink: super::SpikeSink::Vectors { times: times.clone(), ids: Some((ids.clone(), gid as f64)) } });
    }
    record_sources(it, records);
    Ok(Value::Num(0.0))
}

/// `psolve(tstop)`: integrates from t to tstop; the exchange interval
/// must be at least a step long.
fn psolve(it: &mut Interp, a: &[Value]) -> HResult<()> {
    it.free_dropped();
    it.sync_to_model();
    let t = it.eng.model.t;
    let tstop = chkarg(it, a, 0, t, 1e9)?;
    let (dt, var) = (it.eng.model.dt, it.eng.model.cvode.active);
    par(it).netpar.check_interval(dt, var).map_err(err)?;
    check_step(it)?;
    par(it).comm.barrier();
    let start = std::time::Instant::now();
    let stopped = |it: &Interp| it.globals.get("stoprun").is_some_and(|i| it.global_num(i) != 0.0);
    let r = if var {
        super::funcs::cvode_method(it, "solve", &[Value::Num(tstop)]).map(|_| ())
    } else {
        let mut step = || -> HResult<()> {
            match NetPar::fixed_steps(t, tstop, dt) {
                FixedSteps::Count(n) => {
                    for _ in 0..n {
                        super::funcs::fadvance(it, &[])?;
                        if stopped(it) {
                            break;
                        }
                    }
                }
                FixedSteps::While(last) => {
                    while it.eng.model.t <= last {
                        super::funcs::fadvance(it, &[])?;
                        if stopped(it) {
                            break;
                        }
                    }
                }
            }
            Ok(())
        };
        step()
    };
    par(it).step_time += start.elapsed().as_secs_f64();
    r?;
    // The spikes of the last interval go out too.
    it.eng.model.spike_exchange();
    Ok(())
}
