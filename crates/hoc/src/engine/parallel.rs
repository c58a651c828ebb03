//! ParallelContext as NEURON runs it on one process: the gid tables that
//! name spike sources (`set_gid2node`, `cell`, `gid_connect`, `gid2cell`),
//! spike recording by gid, `psolve`, and the collective operations with
//! their one-host results (`allreduce(x)` is x, `barrier()` waits for no one).

use std::collections::{BTreeMap, HashMap};
use std::rc::{Rc, Weak};

use cable::events::{NetCon, Source, Target};

use crate::builtins::{chkarg, num, object, opt_num, NativeClass};
use crate::error::{HResult, HocError};
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::{ObjData, Object};
use crate::value::{ObjRef, Value};

/// A ParallelContext object; the gid tables are global (`Engine::gids`).
pub struct PcObj;

/// The gids of this process and ParallelContext's settings.
pub struct Gids {
    /// Gids set on this process (`set_gid2node`), with their spike source
    /// once `cell` has named it.
    pub out: BTreeMap<i64, Option<OutPort>>,
    /// NetCons made by `gid_connect` from gids no process owns (NEURON's
    /// input ports; on one process they never fire), by NetCon index.
    pub input_of: HashMap<usize, i64>,
    /// The step psolve may take between spike exchanges (set_maxstep; 0
    /// until set, and psolve refuses to run then, as NEURON does).
    pub mindelay: f64,
    pub nthread: f64,
    pub timeout: f64,
}

impl Default for Gids {
    fn default() -> Self {
        Gids { out: BTreeMap::new(), input_of: HashMap::new(), mindelay: 0.0, nthread: 1.0, timeout: 20.0 }
    }
}

/// A gid's spike source.
pub struct OutPort {
    /// A NetCon of the table's own from the source, with no target: the
    /// source keeps its threshold and can be recorded whatever happens to
    /// the NetCon that named it.
    pub nc: usize,
    /// Whether spike_record(-1, …) includes it (`cell(gid, nc, 0)` says no).
    pub output: bool,
    /// The point process that is the source, if one is.
    pub point: Option<Weak<Object>>,
}

/// `nc.srcgid()`: the gid of the NetCon's source, -1 if it has none.
pub fn srcgid(it: &Interp, idx: usize) -> f64 {
    if let Some(&g) = it.eng.gids.input_of.get(&idx) {
        return g as f64;
    }
    for (&g, port) in &it.eng.gids.out {
        if let Some(p) = port {
            if p.nc == idx || it.eng.model.same_source(p.nc, idx) {
                return g as f64;
            }
        }
    }
    -1.0
}

fn gid_arg(it: &Interp, a: &[Value], i: usize) -> HResult<i64> {
    Ok(chkarg(it, a, i, 0.0, 2147483647.0)? as i64)
}

/// The source of a gid set on this process.
fn port(it: &Interp, gid: i64) -> HResult<&OutPort> {
    match it.eng.gids.out.get(&gid) {
        Some(Some(p)) => Ok(p),
        _ => Err(hoc_err!("gid={gid} is not associated with a spike source on this process")),
    }
}

/// The HOC object a gid's source belongs to: the cell owning its section,
/// or the point process itself (the cell owning the point's section for
/// `cell_first`, as gid2cell).
fn gid_object(it: &Interp, gid: i64, cell_first: bool) -> HResult<Option<ObjRef>> {
    let p = port(it, gid)?;
    let owner = |sec: usize| it.eng.owners.get(sec).cloned().flatten().and_then(|w| w.upgrade());
    let src = it.eng.model.netcons.get(p.nc).and_then(|n| n.as_ref()).map(|n| n.source.clone());
    Ok(match src {
        Some(Source::Voltage { sec, .. }) => owner(sec),
        Some(Source::Point { mech, inst }) => {
            let pp = p.point.as_ref().and_then(|w| w.upgrade());
            let sec = it.eng.model.points[mech as usize][inst as usize].sec;
            match sec.and_then(owner) {
                Some(cell) if cell_first => Some(cell),
                _ => pp,
            }
        }
        _ => None,
    })
}

fn is_netcon(it: &Interp, o: &ObjRef) -> bool {
    matches!(crate::builtins::native_class(it, o), Some(NativeClass::NetCon))
}

/// The methods of ParallelContext.
pub fn method(it: &mut Interp, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let v = match name {
        "id" | "id_world" | "id_bbs" => Value::Num(0.0),
        "nhost" | "nhost_world" | "nhost_bbs" => Value::Num(1.0),
        "nthread" => {
            if !a.is_empty() {
                it.eng.gids.nthread = chkarg(it, a, 0, 1.0, 1e5)?.trunc();
            }
            Value::Num(it.eng.gids.nthread)
        }
        "barrier" | "runworker" | "done" | "spike_compress" | "gid_clear" | "multisend" | "setup_transfer" => {
            if name == "gid_clear" {
                it.eng.gids.out.clear();
                it.eng.gids.input_of.clear();
            }
            Value::Num(0.0)
        }
        "time" => Value::Num(it.start_time.elapsed().as_secs_f64()),
        "wait_time" | "step_time" | "send_time" | "event_time" | "integ_time" | "vtransfer_time" => Value::Num(0.0),
        "timeout" => {
            let prev = it.eng.gids.timeout;
            if let Some(x) = opt_num(it, a, 0)? {
                it.eng.gids.timeout = x.trunc();
            }
            Value::Num(prev)
        }
        "allreduce" => match a.first() {
            // One host: the reduction of a value is the value.
            Some(Value::Obj(_)) => Value::Num(0.0),
            _ => Value::Num(num(it, a, 0)?),
        },
        "allgather" => {
            let x = num(it, a, 0)?;
            if let Some(v) = object(a, 1)? {
                if let ObjData::Vector(v) = &mut *v.data.borrow_mut() {
                    v.data.clear();
                    v.data.push(x);
                }
            }
            Value::Num(0.0)
        }
        "broadcast" => match a.first() {
            Some(Value::Obj(Some(v))) => match &*v.data.borrow() {
                ObjData::Vector(v) => Value::Num(v.data.len() as f64),
                _ => Value::Num(0.0),
            },
            Some(Value::SRef(s)) => Value::Num(s.borrow().len() as f64),
            _ => Value::Num(0.0),
        },
        "set_gid2node" => {
            let gid = gid_arg(it, a, 0)?;
            let host = num(it, a, 1)?;
            if host as i64 == 0 {
                let g = &mut it.eng.gids;
                if g.input_of.values().any(|&x| x == gid) {
                    return Err(hoc_err!("gid={gid} already exists as an input port. Setup all the output ports on this process before using them as input ports."));
                }
                if g.out.contains_key(&gid) {
                    return Err(hoc_err!("gid={gid} already exists on this process as an output port"));
                }
                g.out.insert(gid, None);
            }
            Value::Num(0.0)
        }
        "gid_exists" => {
            let gid = num(it, a, 0)? as i64;
            Value::Num(match it.eng.gids.out.get(&gid) {
                None => 0.0,
                Some(None) => 1.0,
                Some(Some(p)) if p.output => 3.0,
                Some(Some(_)) => 2.0,
            })
        }
        "cell" => {
            cell(it, a)?;
            Value::Num(0.0)
        }
        "outputcell" => {
            let gid = gid_arg(it, a, 0)?;
            match it.eng.gids.out.get_mut(&gid) {
                Some(Some(p)) => p.output = true,
                _ => return Err(hoc_err!("gid={gid} has no spike source on this process")),
            }
            Value::Num(0.0)
        }
        "threshold" => {
            let gid = gid_arg(it, a, 0)?;
            let nc = match it.eng.gids.out.get(&gid) {
                Some(Some(p)) => p.nc,
                _ => return Err(HocError::new("gid not associated with spike generation location")),
            };
            if let Some(th) = opt_num(it, a, 1)? {
                it.eng.model.set_threshold(nc, th);
            }
            Value::Num(it.eng.model.source_threshold(nc).unwrap_or(10.0))
        }
        "gid_connect" => return gid_connect(it, a).map(Some),
        "gid2cell" | "gid2obj" => {
            let gid = gid_arg(it, a, 0)?;
            Value::Obj(gid_object(it, gid, name == "gid2cell")?)
        }
        "spike_record" => {
            spike_record(it, a)?;
            Value::Num(0.0)
        }
        "set_maxstep" => {
            let x = chkarg(it, a, 0, 1e-6, 1e9)?;
            let md = mindelay(it, x);
            it.eng.gids.mindelay = md;
            Value::Num(md)
        }
        "psolve" => {
            let t = it.eng.model.t;
            let tstop = chkarg(it, a, 0, t, 1e9)?;
            psolve(it, tstop)?;
            Value::Num(0.0)
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// `pc.cell(gid, netcon[, output])`: the NetCon's source is gid's spike source.
fn cell(it: &mut Interp, a: &[Value]) -> HResult<()> {
    let gid = gid_arg(it, a, 0)?;
    if it.eng.gids.input_of.values().any(|&x| x == gid) {
        return Err(hoc_err!("gid={gid} is in the input list. Must register with pc.set_gid2node prior to connecting"));
    }
    if !it.eng.gids.out.contains_key(&gid) {
        return Err(hoc_err!("gid={gid} has not been set on rank 0"));
    }
    let nc_obj = match object(a, 1)? {
        Some(o) if is_netcon(it, &o) => o,
        Some(o) => return Err(hoc_err!("{} is not a NetCon", it.object_name(&o))),
        None => return Err(hoc_err!("NULLobject is not a NetCon")),
    };
    let output = match a.get(2) {
        Some(_) => chkarg(it, a, 2, 0.0, 1.0)? != 0.0,
        None => true,
    };
    it.free_dropped();
    let idx = super::classes::netcon_index(&nc_obj).expect("NetCon object");
    let Some(Some(n)) = it.eng.model.netcons.get(idx) else { return Err(hoc_err!("NetCon was freed")) };
    let source = n.source.clone();
    if matches!(source, Source::None) {
        return Err(hoc_err!("pc.cell second arg, {}, has no source", it.object_name(&nc_obj)));
    }
    for (&g, p) in &it.eng.gids.out {
        if let Some(p) = p {
            if g != gid && it.eng.model.same_source(p.nc, idx) {
                return Err(hoc_err!("Can't associate gid {gid}. PreSyn already associated with gid {g}."));
            }
        }
    }
    let threshold = it.eng.model.source_threshold(idx).unwrap_or(10.0);
    let point = match source {
        Source::Point { .. } => {
            super::classes::netcon_pre(&nc_obj).map(|o| Rc::downgrade(&o))
        }
        _ => None,
    };
    let own = match it.eng.gids.out.get(&gid) {
        Some(Some(p)) => p.nc,
        _ => {
            it.eng.model.netcons.push(Some(NetCon::new(source, Target::None, 1)));
            it.eng.model.netcons.len() - 1
        }
    };
    it.eng.model.set_threshold(own, threshold);
    it.eng.model.netcon_edits += 1;
    it.eng.gids.out.insert(gid, Some(OutPort { nc: own, output, point }));
    Ok(())
}

/// `pc.gid_connect(srcgid, target[, netcon])`: a NetCon from gid's source.
fn gid_connect(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let gid = gid_arg(it, a, 0)?;
    let target = object(a, 1)?;
    let tp = target.as_ref().and_then(super::classes::point_of);
    let (Some(target), Some((mech, inst))) = (target, tp) else {
        return Err(HocError::new("arg 2 must be a point process"));
    };
    it.free_dropped();
    let (source, pre) = match it.eng.gids.out.get(&gid) {
        Some(None) => return Err(hoc_err!("gid {gid} owned by 0 but no associated cell")),
        Some(Some(p)) => {
            let src = it.eng.model.netcons[p.nc].as_ref().map(|n| n.source.clone()).unwrap_or(Source::None);
            (src, p.point.as_ref().and_then(|w| w.upgrade()))
        }
        None => (Source::None, None),
    };
    let input = matches!(source, Source::None);
    let third = if a.len() > 2 { object(a, 2)? } else { None };
    let nc_obj = match third {
        Some(o) if is_netcon(it, &o) => {
            let idx = super::classes::netcon_index(&o).expect("NetCon object");
            let same_target = matches!(it.eng.model.netcons.get(idx), Some(Some(n)) if n.target == Target::Point { mech: mech as u32, inst });
            if !same_target {
                return Err(HocError::new("target is different from 3rd arg NetCon target"));
            }
            if let Some(Some(n)) = it.eng.model.netcons.get_mut(idx) {
                n.source = source;
            }
            it.eng.model.netcon_edits += 1;
            o
        }
        Some(o) => return Err(hoc_err!("{} is not a NetCon", it.object_name(&o))),
        None if a.len() > 2 => return Err(hoc_err!("NULLobject is not a NetCon")),
        None => {
            let n = NetCon::new(source, Target::Point { mech: mech as u32, inst }, it.eng.model.mechs[mech].weights());
            it.eng.model.netcon_edits += 1;
            super::classes::netcon_object(it, n, pre.as_ref(), Some(&target))
        }
    };
    let idx = super::classes::netcon_index(&nc_obj).expect("NetCon object");
    if input {
        it.eng.gids.input_of.insert(idx, gid);
    } else {
        it.eng.gids.input_of.remove(&idx);
    }
    Ok(Value::Obj(Some(nc_obj)))
}

/// `pc.spike_record(gid | -1 | gidvec, tvec, idvec)`.
fn spike_record(it: &mut Interp, a: &[Value]) -> HResult<()> {
    let times = object(a, 1)?;
    let ids = object(a, 2)?;
    let gids: Vec<i64> = match a.first() {
        Some(Value::Obj(Some(v))) => match &*v.data.borrow() {
            ObjData::Vector(v) => v.data.iter().map(|&x| x as i64).collect(),
            _ => return Err(HocError::new("spike_record: first arg must be a gid or a Vector of gids")),
        },
        _ => {
            let g = num(it, a, 0)? as i64;
            if g >= 0 {
                vec![g]
            } else {
                it.eng.gids.out.iter().filter(|(_, p)| p.as_ref().is_some_and(|p| p.output)).map(|(&g, _)| g).collect()
            }
        }
    };
    for gid in gids {
        let nc = port(it, gid)?.nc;
        let id = ids.clone().map(|v| (v, gid as f64));
        super::classes::record_spikes(it, nc, times.clone(), id);
    }
    Ok(())
}

/// `set_maxstep(x)`: x, or less if a NetCon from another process's cell
/// (an input port) has a shorter delay.
fn mindelay(it: &Interp, x: f64) -> f64 {
    let mut md = x;
    for &idx in it.eng.gids.input_of.keys() {
        if let Some(Some(n)) = it.eng.model.netcons.get(idx) {
            md = md.min(n.delay);
        }
    }
    md
}

/// `pc.psolve(tstop)`: integrate from t to tstop (no initialization), as
/// NEURON's ncs2nrn_integrate does: under the fixed step the whole number
/// of steps that fits (a little tolerance on tstop), else to tstop exactly.
fn psolve(it: &mut Interp, tstop: f64) -> HResult<()> {
    it.sync_to_model();
    if it.eng.model.cvode.active {
        if it.eng.gids.mindelay < 1e-9 {
            return Err(HocError::new("mindelay is 0 (or less than dt for fixed step method)"));
        }
        it.eng.model.queue.push(tstop, cable::events::Event::Stop { id: u32::MAX });
        while it.eng.model.t < tstop {
            super::funcs::fadvance(it, &[])?;
        }
        return Ok(());
    }
    let dt = it.eng.model.dt;
    if it.eng.gids.mindelay - 1e-10 < dt {
        return Err(HocError::new("mindelay is 0 (or less than dt for fixed step method)"));
    }
    let tstop = tstop * (1.0 + 1e-11);
    let n = ((tstop - it.eng.model.t) / dt + 1e-9) as i64;
    if n > 3 {
        for _ in 0..n {
            super::funcs::fadvance(it, &[])?;
            if stopped(it) {
                break;
            }
        }
    } else {
        let ts = tstop - dt;
        while it.eng.model.t <= ts {
            super::funcs::fadvance(it, &[])?;
            if stopped(it) {
                break;
            }
        }
    }
    Ok(())
}

fn stopped(it: &Interp) -> bool {
    it.globals.get("stoprun").is_some_and(|i| it.global_num(i) != 0.0)
}
