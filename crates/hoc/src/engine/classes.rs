//! Engine-backed HOC classes: point processes (IClamp, ExpSyn, NetStim, …),
//! NetCon, SectionRef, SectionList and CVode.

use std::cell::RefCell;
use std::rc::Rc;

use cable::events::{NetCon, Source, Target};
use cable::mechanism::MechKind;
use cable::model::{PointLoc, Var};
use cable::SecId;

use crate::builtins::{num, object, opt_num, with_native, NativeClass};
use crate::error::HResult;
use crate::engine::Dropped;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Place, Value};

/// A point process object: its mechanism instance, freed when dropped.
pub struct PointObj {
    pub mech: usize,
    pub inst: u32,
    dropped: Rc<RefCell<Vec<Dropped>>>,
}

impl Drop for PointObj {
    fn drop(&mut self) {
        self.dropped.borrow_mut().push(Dropped::Point { mech: self.mech, inst: self.inst });
    }
}

/// A NetCon object: its index in the model.
pub struct NetConObj {
    pub index: usize,
    dropped: Rc<RefCell<Vec<Dropped>>>,
    /// The source and target objects, for `pre()` and `syn()`.
    pub pre: Option<std::rc::Weak<crate::object::Object>>,
    pub syn: Option<std::rc::Weak<crate::object::Object>>,
}

/// A HOC NetCon object for NetCon `index` of the model.
pub fn netcon_object(it: &mut Interp, index: usize, pre: Option<std::rc::Weak<crate::object::Object>>, syn: Option<std::rc::Weak<crate::object::Object>>) -> ObjRef {
    let ci = it.class_id("NetCon").expect("NetCon class");
    let data = NetConObj { index, dropped: it.eng.dropped.clone(), pre, syn };
    it.new_object(ci, ObjData::Native(Box::new(data)))
}

impl Drop for NetConObj {
    fn drop(&mut self) {
        self.dropped.borrow_mut().push(Dropped::NetCon(self.index));
    }
}

/// SectionRef: a handle on one section.
pub struct SecRefObj {
    pub sec: SecId,
}

/// SectionList: an ordered set of sections.
#[derive(Default)]
pub struct SecListObj {
    pub secs: Vec<SecId>,
}

/// CVode: only the fixed step is available (methods in `cvode_method`).
#[derive(Default)]
pub struct CVodeObj;

pub fn construct(it: &mut Interp, ci: u32, nc: NativeClass, args: &[Value]) -> HResult<ObjRef> {
    let data: Box<dyn std::any::Any> = match nc {
        NativeClass::Point(m) => {
            let m = m as usize;
            let artificial = it.eng.model.mechs[m].kind() == MechKind::Artificial;
            let loc = if artificial {
                PointLoc { sec: None, x: 0.5 }
            } else if let Some((sec, x)) = args.first().and_then(|a| it.foreign_location(a)) {
                PointLoc { sec: Some(sec), x }
            } else if let Some(x) = opt_num(it, args, 0)? {
                if !(0.0..=1.0).contains(&x) {
                    return Err(hoc_err!("{}: location {} out of range", it.eng.model.mechs[m].name(), x));
                }
                PointLoc { sec: Some(it.cur_sec()?), x }
            } else {
                PointLoc { sec: None, x: 0.5 }
            };
            let inst = it.eng.model.new_point(m, loc);
            if it.eng.model.mechs[m].has_constructor() {
                // NMODL's CONSTRUCTOR, its C seeing the arguments of `new`.
                let clock = (it.eng.model.t, it.eng.model.dt, it.eng.model.celsius);
                let r = it.with_c_args(args.to_vec(), None, |it| {
                    let model = &mut it.eng.model;
                    model.mechs[m].construct(&mut model.data[m], inst as usize, clock)
                })?;
                r.map_err(|e| hoc_err!("{e}"))?;
            }
            Box::new(PointObj { mech: m, inst, dropped: it.eng.dropped.clone() })
        }
        NativeClass::NetCon => {
            it.free_dropped();
            let source = match args.first() {
                Some(Value::Obj(Some(o))) => match point_of(o) {
                    Some((mech, inst)) => Source::Point { mech: mech as u32, inst },
                    None => return Err(hoc_err!("NetCon: source is not a point process")),
                },
                Some(Value::Ptr(Place::Engine(Var::V { sec, x }))) => Source::Voltage { sec: *sec, x: *x },
                Some(Value::Obj(None)) | None => Source::None,
                Some(v) => return Err(hoc_err!("NetCon: bad source of type {}", v.type_name())),
            };
            let (target, nw) = match args.get(1) {
                Some(Value::Obj(Some(o))) => match point_of(o) {
                    Some((mech, inst)) => {
                        (Target::Point { mech: mech as u32, inst }, it.eng.model.mechs[mech].weights())
                    }
                    None => return Err(hoc_err!("NetCon: target is not a point process")),
                },
                _ => (Target::None, 1),
            };
            let mut n = NetCon::new(source, target, nw);
            let threshold = opt_num(it, args, 2)?;
            if let Some(d) = opt_num(it, args, 3)? {
                n.delay = d;
            }
            if let Some(w) = opt_num(it, args, 4)? {
                n.weight[0] = w;
            }
            it.eng.model.netcons.push(Some(n));
            let index = it.eng.model.netcons.len() - 1;
            if let Some(th) = threshold {
                it.eng.model.set_threshold(index, th);
            }
            let weak = |v: Option<&Value>| match v {
                Some(Value::Obj(Some(o))) => Some(Rc::downgrade(o)),
                _ => None,
            };
            Box::new(NetConObj { index, dropped: it.eng.dropped.clone(), pre: weak(args.first()), syn: weak(args.get(1)) })
        }
        NativeClass::SectionRef => {
            let sec = match args.first() {
                Some(Value::Sec(s)) => *s,
                _ => it.cur_sec()?,
            };
            Box::new(SecRefObj { sec })
        }
        NativeClass::SectionList => Box::new(SecListObj::default()),
        NativeClass::CVode => Box::new(CVodeObj),
        NativeClass::NmodlRandom => return Err(hoc_err!("NMODLRandom objects come from a mechanism's RANDOM variable (pp.ranvar)")),
        NativeClass::FInitializeHandler => {
            let (kind, rest) = match args.first() {
                Some(Value::Num(k)) => (*k as i32, &args[1..]),
                _ => (1, args),
            };
            let Some(action) = crate::foreign::Action::from_args(it, rest, 0)? else {
                return Err(hoc_err!("FInitializeHandler: needs a statement"));
            };
            if !(0..=3).contains(&kind) {
                return Err(hoc_err!("FInitializeHandler: type must be 0, 1, 2 or 3"));
            }
            let o = it.new_object(ci, ObjData::Native(Box::new(CVodeObj)));
            it.eng.init_handlers.push((kind, action, Rc::downgrade(&o)));
            return Ok(o);
        }
        _ => unreachable!(),
    };
    Ok(it.new_object(ci, ObjData::Native(data)))
}

/// A RANDOM variable's stream of one mechanism instance (NEURON's NMODLRandom).
pub struct NmodlRandomObj {
    mech: usize,
    inst: u32,
    base: usize,
}

fn nmodl_random_method(it: &mut Interp, o: &ObjRef, (mech, inst, base): (usize, u32, usize), name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let cols = &mut it.eng.model.data[mech].cols;
    let i = inst as usize;
    let id = |it: &Interp, k: usize| -> HResult<u32> {
        let x = num(it, a, k)?;
        if !(0.0..=4294967295.0).contains(&x) {
            return Err(hoc_err!("arg {} out of range [0, 4294967295]", k + 1));
        }
        Ok(x as u32)
    };
    let v = match name {
        "set_ids" => {
            let ids = [id(it, 0)?, id(it, 1)?, id(it, 2)?];
            let cols = &mut it.eng.model.data[mech].cols;
            cable::random123::with_stream(cols, base, i, |s| s.set_ids(ids[0], ids[1], ids[2]));
            Value::Obj(Some(o.clone()))
        }
        "get_ids" => {
            let ids = cable::random123::with_stream(cols, base, i, |s| s.ids());
            Value::Obj(Some(crate::builtins::vector::new_vector(it, ids.iter().map(|&x| x as f64).collect())))
        }
        "set_seq" => {
            let x = num(it, a, 0)?;
            let cols = &mut it.eng.model.data[mech].cols;
            cable::random123::with_stream(cols, base, i, |s| s.set_seq4(x));
            Value::Obj(Some(o.clone()))
        }
        "get_seq" => Value::Num(cable::random123::with_stream(cols, base, i, |s| s.seq4())),
        "uniform" => Value::Num(cable::random123::with_stream(cols, base, i, |s| s.uniform())),
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// The mechanism instance behind a point-process object.
pub fn point_of(o: &ObjRef) -> Option<(usize, u32)> {
    match &*o.data.borrow() {
        ObjData::Native(b) => b.downcast_ref::<PointObj>().map(|p| (p.mech, p.inst)),
        _ => None,
    }
}

pub fn section_list_items(it: &mut Interp, o: &ObjRef) -> HResult<Vec<SecId>> {
    let secs = with_native::<SecListObj, _>(o, |l| l.secs.clone())?;
    Ok(secs.into_iter().filter(|&s| it.eng.model.exists(s)).collect())
}

/// Reads or writes `obj.name[k]` of an engine object; Ok(None) if no such member.
pub fn member(it: &mut Interp, o: &ObjRef, nc: NativeClass, name: &str, k: &[f64], set: Option<f64>) -> HResult<Option<Value>> {
    match nc {
        NativeClass::Point(_) => {
            let (mech, inst) = point_of(o).unwrap();
            // array variables are stored as "name[k]"
            let full = match k.first() {
                Some(&x) => format!("{name}[{}]", x as usize),
                None => name.to_string(),
            };
            if let Some(k) = it.eng.model.mechs[mech].pointers().iter().position(|p| *p == full) {
                // A POINTER reads and writes the variable it points to.
                let Some(target) = it.eng.model.data[mech].ptr_var[k].get(inst as usize).copied().flatten() else {
                    return Err(hoc_err!("{}.{full} points to nothing (setpointer first)", it.object_name(o)));
                };
                let place = crate::value::Place::Engine(target);
                if let Some(x) = set {
                    it.write_place(&place, x)?;
                }
                return Ok(Some(Value::Num(it.read_place(&place).unwrap_or(0.0))));
            }
            let Some(var) = it.eng.model.mechs[mech].vars().iter().position(|v| v.name == full && !v.hidden) else {
                // A RANDOM variable: its stream as an NMODLRandom object.
                let m = &it.eng.model.mechs[mech];
                let stream = m.random_streams().iter().copied().find(|&b| m.vars()[b].name == format!("{name}.id1"));
                if let (Some(base), None) = (stream, set) {
                    let ci = it.class_id("NMODLRandom").expect("NMODLRandom class");
                    let r = it.new_object(ci, ObjData::Native(Box::new(NmodlRandomObj { mech, inst, base })));
                    return Ok(Some(Value::Obj(Some(r))));
                }
                return Ok(None);
            };
            let v = Var::Mech { mech, var, inst };
            if let Some(x) = set {
                it.eng.model.write_var(&v, x);
            }
            Ok(Some(Value::Num(it.eng.model.read_var(&v).unwrap_or(0.0))))
        }
        NativeClass::NetCon => {
            it.free_dropped();
            let idx = with_native::<NetConObj, _>(o, |n| n.index)?;
            let Some(Some(n)) = it.eng.model.netcons.get_mut(idx) else {
                return Err(hoc_err!("NetCon was freed"));
            };
            let slot = match name {
                "weight" => {
                    let i = k.first().copied().unwrap_or(0.0) as usize;
                    if i >= n.weight.len() {
                        return Err(hoc_err!("NetCon.weight index {i} out of range"));
                    }
                    &mut n.weight[i]
                }
                "delay" => &mut n.delay,
                // The source's threshold, shared by its NetCons (NEURON's PreSyn).
                "threshold" => {
                    if let Some(x) = set {
                        it.eng.model.set_threshold(idx, x);
                    }
                    return Ok(it.eng.model.source_threshold(idx).map(Value::Num));
                }
                "x" => {
                    return Ok(Some(Value::Num(0.0)));
                }
                "srcgid" => {
                    let e = &it.eng;
                    return Ok(Some(Value::Num(e.parallel.netpar.gid_of(&e.model, idx) as f64)));
                }
                _ => return Ok(None),
            };
            if let Some(x) = set {
                *slot = x;
            }
            Ok(Some(Value::Num(*slot)))
        }
        _ => Ok(None),
    }
}

/// Methods of engine objects.
pub fn method(it: &mut Interp, o: &ObjRef, nc: NativeClass, name: &str, k: &[f64], args: Option<&[Value]>) -> HResult<Option<Value>> {
    let Some(a) = args else {
        if nc == NativeClass::SectionRef {
            // `sr.parent`, `sr.sec`, `sr.child[i]` read like members.
            let idx: Vec<Value> = k.iter().map(|&x| Value::Num(x)).collect();
            return super::funcs::secref_method(it, o, name, &idx);
        }
        // A variable, else a method called without parentheses (no arguments).
        if let Some(v) = member(it, o, nc, name, k, None)? {
            return Ok(Some(v));
        }
        return method(it, o, nc, name, k, Some(&[]));
    };
    let v = match (nc, name) {
        (NativeClass::Point(_), "loc") => {
            let (mech, inst) = point_of(o).unwrap();
            let (sec, x) = it.seg_or_x(a, 0)?;
            it.eng.model.move_point(mech, inst, PointLoc { sec: Some(sec), x });
            Value::Num(x)
        }
        (NativeClass::Point(_), "get_loc") => {
            let (mech, inst) = point_of(o).unwrap();
            let loc = it.eng.model.points[mech][inst as usize];
            match loc.sec {
                Some(s) if it.eng.model.exists(s) => {
                    it.eng.sec_stack.push(s);
                    Value::Num(node_x(it, s, loc.x))
                }
                _ => return Err(hoc_err!("point process not located in a section")),
            }
        }
        // A .mod file's own PROCEDURE play/record (VecStim's VERBATIM) runs as written.
        (NativeClass::Point(m), "play" | "record") if !it.eng.model.mechs[m as usize].functions().iter().any(|f| f == name) => {
            let (mech, inst) = point_of(o).unwrap();
            let play = name == "play";
            it.eng.point_vectors.retain(|p| !(p.mech == mech && p.inst == inst && p.play == play));
            if let Some(Value::Obj(Some(v))) = a.first() {
                it.eng.point_vectors.push(super::PointVector { mech, inst, vec: v.clone(), play, flushed: 0 });
            }
            Value::Num(1.0)
        }
        (NativeClass::Point(_), "has_loc") => {
            let (mech, inst) = point_of(o).unwrap();
            let loc = it.eng.model.points[mech][inst as usize];
            Value::Num(loc.sec.is_some_and(|s| it.eng.model.exists(s)) as i32 as f64)
        }
        (NativeClass::Point(_), _) => {
            let (mech, inst) = point_of(o).unwrap();
            let args: Vec<f64> = a.iter().filter_map(|v| if let Value::Num(x) = v { Some(*x) } else { None }).collect();
            let m = &mut it.eng.model;
            let t = (m.t, m.dt, m.celsius);
            let has_own = m.mechs[mech].functions().iter().any(|f| f == name);
            let r = if has_own {
                let vals = a.to_vec();
                let r = it.with_c_args(vals, None, |it| {
                    let m = &mut it.eng.model;
                    let t = (m.t, m.dt, m.celsius);
                    m.mechs[mech].call(&mut m.data[mech], inst as usize, name, &args, t)
                })?;
                if let Some(e) = it.eng.model.data[mech].error.take() {
                    return Err(crate::hoc_err!("{e}"));
                }
                r
            } else if name == "noiseFromRandom" {
                // seeds this instance's stream from the Random object's identity
                let id = match a.first() {
                    Some(Value::Obj(Some(r))) => r.index as f64,
                    _ => 0.0,
                };
                m.mechs[mech].call(&mut m.data[mech], inst as usize, "noiseFromRandom123", &[id, 1.0, 0.0], t)
            } else {
                m.mechs[mech].call(&mut m.data[mech], inst as usize, name, &args, t)
            };
            match r {
                Some(x) => Value::Num(x),
                None => return member(it, o, nc, name, k, None),
            }
        }
        (NativeClass::NetCon, _) => return netcon_method(it, o, name, a),
        (NativeClass::SectionRef, _) => return super::funcs::secref_method(it, o, name, a),
        (NativeClass::SectionList, _) => return super::funcs::seclist_method(it, o, name, a),
        (NativeClass::CVode, _) => return super::funcs::cvode_method(it, name, a),
        (NativeClass::FInitializeHandler, _) => return Ok(None),
        (NativeClass::NmodlRandom, _) => {
            let r = with_native::<NmodlRandomObj, _>(o, |r| (r.mech, r.inst, r.base))?;
            return nmodl_random_method(it, o, r, name, a);
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// The x of the node a location maps to (a segment centre, or an end).
pub fn node_x(it: &Interp, s: SecId, x: f64) -> f64 {
    let sec = it.eng.model.sec(s);
    if x <= 0.0 || x >= 1.0 {
        return x.clamp(0.0, 1.0);
    }
    (sec.seg_index(x) as f64 + 0.5) / sec.nseg as f64
}

/// The index of a NetCon object's NetCon in the model.
pub fn netcon_index(o: &ObjRef) -> Option<usize> {
    match &*o.data.borrow() {
        ObjData::Native(b) => b.downcast_ref::<NetConObj>().map(|n| n.index),
        _ => None,
    }
}

/// The source object a NetCon object was made with (`nc.pre()`).
pub fn netcon_pre(o: &ObjRef) -> Option<ObjRef> {
    netcon_end(o, |n| &n.pre)
}

/// The target object of a NetCon object (`nc.syn()`).
pub fn netcon_syn(o: &ObjRef) -> Option<ObjRef> {
    netcon_end(o, |n| &n.syn)
}

fn netcon_end(o: &ObjRef, end: impl Fn(&NetConObj) -> &Option<std::rc::Weak<crate::object::Object>>) -> Option<ObjRef> {
    match &*o.data.borrow() {
        ObjData::Native(b) => b.downcast_ref::<NetConObj>().and_then(|n| end(n).as_ref()).and_then(|w| w.upgrade()),
        _ => None,
    }
}

/// The cell of a NetCon's source (`pre`) or target: the object holding its
/// section (NEURON's precell/postcell; none for an artificial cell).
fn netcon_cell(it: &Interp, idx: usize, pre: bool) -> Option<ObjRef> {
    let model = &it.eng.model;
    let n = model.netcons.get(idx)?.as_ref()?;
    let sec = match (pre, &n.source, &n.target) {
        (true, Source::Voltage { sec, .. }, _) => Some(*sec),
        (true, Source::Point { mech, inst }, _) | (false, _, Target::Point { mech, inst }) => model.points[*mech as usize][*inst as usize].sec,
        _ => return None,
    };
    super::parallel::section_owner(it, sec?)
}

fn netcon_method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    it.free_dropped();
    let idx = with_native::<NetConObj, _>(o, |n| n.index)?;
    let v = match name {
        "active" => {
            let set = opt_num(it, a, 0)?;
            let n = it.eng.model.netcons[idx].as_mut().ok_or_else(|| hoc_err!("NetCon was freed"))?;
            if let Some(x) = set {
                n.active = x != 0.0;
            }
            Value::Num(n.active as i32 as f64)
        }
        // NetCons without a source share NEURON's "unused" PreSyn: a target suffices.
        "valid" => Value::Num(it.eng.model.netcons[idx].as_ref().is_some_and(|n| !matches!(n.target, Target::None)) as i32 as f64),
        "pre" | "syn" => {
            let w = with_native::<NetConObj, _>(o, |n| if name == "pre" { n.pre.clone() } else { n.syn.clone() })?;
            Value::Obj(w.and_then(|w| w.upgrade()))
        }
        "srcgid" => {
            let e = &it.eng;
            Value::Num(e.parallel.netpar.gid_of(&e.model, idx) as f64)
        }
        "wcnt" => Value::Num(it.eng.model.netcons[idx].as_ref().map(|n| n.weight.len()).unwrap_or(0) as f64),
        "precell" | "postcell" => Value::Obj(netcon_cell(it, idx, name == "precell")),
        // The NetCons that share this one's source cell, target cell or target.
        "precelllist" | "postcelllist" | "synlist" => {
            let key = |it: &Interp, o: &ObjRef, idx: usize| -> Option<usize> {
                let end = match name {
                    "precelllist" => netcon_cell(it, idx, true),
                    "postcelllist" => netcon_cell(it, idx, false),
                    _ => netcon_syn(o),
                };
                end.map(|e| Rc::as_ptr(&e) as usize)
            };
            let mine = key(it, o, idx);
            let class = it.class_id("NetCon").ok_or_else(|| hoc_err!("NetCon is not a template"))?;
            let mut all: Vec<ObjRef> = it.classes[class as usize].live.iter().filter_map(|w| w.upgrade()).collect();
            all.sort_by_key(|x| x.index);
            let same: Vec<ObjRef> = match mine {
                Some(k) => all.into_iter().filter(|n| netcon_index(n).is_some_and(|i| key(it, n, i) == Some(k))).collect(),
                None => Vec::new(),
            };
            let list = it.class_id("List").ok_or_else(|| hoc_err!("List is not a template"))?;
            Value::Obj(Some(it.new_object(list, crate::object::ObjData::List(same))))
        }
        "event" => {
            let t = num(it, a, 0)?;
            it.eng.model.queue.push(t, cable::events::Event::NetCon { nc: idx as u32 });
            Value::Num(0.0)
        }
        "record" => {
            let sink = match a.first() {
                None | Some(Value::Obj(None)) => None,
                Some(Value::Obj(Some(v))) if !crate::foreign::is_foreign(it, v) => {
                    let ids = match if a.len() > 1 { object(a, 1)? } else { None } {
                        Some(v) => Some((v, opt_num(it, a, 2)?.unwrap_or(o.index as f64))),
                        None => None,
                    };
                    Some(crate::engine::SpikeSink::Vectors { times: v.clone(), ids })
                }
                _ => crate::foreign::Action::from_args(it, a, 0)?.map(crate::engine::SpikeSink::Action),
            };
            it.eng.model.netcons[idx].as_ref().ok_or_else(|| hoc_err!("NetCon was freed"))?;
            match sink {
                Some(sink) => record_sources(it, vec![crate::engine::SpikeRecord { nc: idx, sink }]),
                None => unrecord_sources(it, &[idx]),
            }
            Value::Num(0.0)
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// The spikes of these NetCons' sources go to their vectors from now on,
/// in place of any record those sources had: NetCons from one source
/// share its record, as NEURON's PreSyn does.
pub fn record_sources(it: &mut Interp, records: Vec<crate::engine::SpikeRecord>) {
    let ncs: Vec<usize> = records.iter().map(|r| r.nc).collect();
    unrecord_sources(it, &ncs);
    let model = &mut it.eng.model;
    for r in &records {
        if let Some(Some(n)) = model.netcons.get_mut(r.nc) {
            n.recording = true;
        }
    }
    it.eng.netcon_records.extend(records);
    it.eng.netcon_records.sort_by_key(|r| r.nc);
}

/// The sources of these NetCons stop recording.
pub fn unrecord_sources(it: &mut Interp, ncs: &[usize]) {
    let model = &mut it.eng.model;
    let keys: std::collections::HashSet<cable::netpar::SourceKey> = ncs.iter().filter_map(|&k| cable::netpar::source_key(model, k)).collect();
    let ncs: std::collections::HashSet<usize> = ncs.iter().copied().collect();
    it.eng.netcon_records.retain(|r| {
        let shared = ncs.contains(&r.nc) || cable::netpar::source_key(model, r.nc).is_some_and(|k| keys.contains(&k));
        if shared {
            if let Some(Some(n)) = model.netcons.get_mut(r.nc) {
                n.recording = false;
            }
        }
        !shared
    });
}

pub fn with_secref<R>(o: &ObjRef, f: impl FnOnce(&mut SecRefObj) -> R) -> HResult<R> {
    with_native::<SecRefObj, _>(o, f)
}

pub fn with_seclist<R>(o: &ObjRef, f: impl FnOnce(&mut SecListObj) -> R) -> HResult<R> {
    with_native::<SecListObj, _>(o, f)
}
