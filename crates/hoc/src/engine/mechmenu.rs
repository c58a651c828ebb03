//! MechanismStandard and MechanismType (NEURON's nrnmenu): a mechanism's
//! parameters held apart from the model and copied into or out of sections
//! and point processes, and the list of mechanism types to choose from.
//! Session files and the library tools (point managers, CellBuild,
//! NetGUI) build their models through them.

use cable::mechanism::{MechKind, VarKind};
use cable::SecId;

use crate::builtins::{num, object, opt_num, str_ref, string, with_native, NativeClass};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

/// NEURON's vartype codes: 1 PARAMETER, 2 ASSIGNED, 3 STATE.
fn vartype(k: VarKind) -> i32 {
    match k {
        VarKind::Parameter => 1,
        VarKind::Assigned => 2,
        VarKind::State => 3,
    }
}

/// One HOC-visible variable of a mechanism: `name` (suffixed for density
/// mechanisms), its vartype and the model columns of its elements.
#[derive(Clone)]
struct MsVar {
    name: String,
    vartype: i32,
    cols: Vec<usize>,
}

/// The variables HOC sees, in the mechanism's order (PARAMETER, ASSIGNED,
/// STATE), array elements grouped under one name.
fn mech_vars(it: &Interp, mech: usize) -> Vec<MsVar> {
    let m = &it.eng.model.mechs[mech];
    let density = m.kind() == MechKind::Density;
    let mut out: Vec<MsVar> = Vec::new();
    for (col, v) in m.vars().iter().enumerate() {
        // a RANDOM variable is listed (vartype 0 only) but holds no number
        if let Some(r) = v.name.strip_suffix(".id1") {
            out.push(MsVar { name: r.to_string(), vartype: 0, cols: vec![] });
            continue;
        }
        if v.hidden || v.name.contains('.') {
            continue;
        }
        let base = v.name.split('[').next().unwrap_or("");
        let name = if density { format!("{base}_{}", m.name()) } else { base.to_string() };
        match out.last_mut() {
            Some(last) if v.name.contains('[') && last.name == name => last.cols.push(col),
            _ => out.push(MsVar { name, vartype: vartype(v.kind), cols: vec![col] }),
        }
    }
    out
}

/// A MechanismStandard: a mechanism's variables of one vartype (0 all
/// but GLOBALs, -1 the GLOBALs), with values of their own.
pub struct MechStd {
    mech: usize,
    vartype: i32,
    vars: Vec<MsVar>,
    /// One value per element of every variable (all vartypes), defaults first.
    values: Vec<Vec<f64>>,
    /// GLOBAL names (vartype -1).
    globals: Vec<String>,
    pub action: String,
}

impl MechStd {
    fn selected(&self) -> impl Iterator<Item = (usize, &MsVar)> {
        let vt = self.vartype;
        self.vars.iter().enumerate().filter(move |(_, v)| vt == 0 || v.vartype == vt)
    }
    fn find(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v.name == name)
    }
}

/// Finds a mechanism by its HOC name.
fn mech_named(it: &Interp, name: &str) -> Option<usize> {
    it.eng.model.mechs.iter().position(|m| m.name() == name)
}

pub fn construct_ms(it: &mut Interp, args: &[Value]) -> HResult<MechStd> {
    let name = string(args, 0)?;
    let vt = match opt_num(it, args, 1)? {
        Some(x) => {
            if !(-1.0..=3.0).contains(&x) {
                return Err(hoc_err!("Arg out of range in user function"));
            }
            x as i32
        }
        None => 1,
    };
    let Some(mech) = mech_named(it, &name) else {
        return Err(hoc_err!("{name} is not a Mechanism or Point Process"));
    };
    let vars = mech_vars(it, mech);
    let specs = it.eng.model.mechs[mech].vars();
    let values = vars
        .iter()
        .map(|v| if v.cols.is_empty() { vec![0.0] } else { v.cols.iter().map(|&c| if specs[c].kind == VarKind::Parameter { specs[c].default } else { 0.0 }).collect() })
        .collect();
    let m = &it.eng.model.mechs[mech];
    let globals = if vt == -1 {
        m.globals().iter().filter(|g| !g.hidden && !g.name.contains('[')).map(|g| format!("{}_{}", g.name, m.name())).collect()
    } else {
        Vec::new()
    };
    Ok(MechStd { mech, vartype: vt, vars, values, globals, action: String::new() })
}

/// Where `in`/`out` reach: a point process, the section at x (all of its
/// segments when x is None), or another MechanismStandard.
enum Place {
    Point(usize, u32),
    Section(SecId, Option<f64>),
    Standard(ObjRef),
}

fn place_arg(it: &mut Interp, a: &[Value]) -> HResult<Place> {
    match a.first() {
        None => Ok(Place::Section(it.cur_sec()?, None)),
        Some(Value::Num(_)) => {
            let x = crate::builtins::chkarg(it, a, 0, 0.0, 1.0)?;
            Ok(Place::Section(it.cur_sec()?, Some(x)))
        }
        Some(Value::Obj(Some(o))) => {
            if let Some((m, i)) = super::classes::point_of(o) {
                return Ok(Place::Point(m, i));
            }
            if crate::builtins::native_class(it, o) == Some(NativeClass::MechanismStandard) {
                return Ok(Place::Standard(o.clone()));
            }
            let n = it.object_name(o);
            Err(hoc_err!("Object arg must be MechanismStandard or a Point Process, not {n}"))
        }
        Some(v) => Err(hoc_err!("bad stack access: expecting (double); really ({})", v.type_name())),
    }
}

/// The model columns' instances a transfer touches.
fn instances(it: &mut Interp, mech: usize, place: &Place, all_when_none: bool) -> Vec<u32> {
    let m = &mut it.eng.model;
    match *place {
        Place::Point(pm, inst) => {
            if pm == mech {
                vec![inst]
            } else {
                vec![]
            }
        }
        Place::Section(sec, x) => {
            let nseg = m.sec(sec).nseg;
            let segs: Vec<usize> = match x {
                Some(x) => vec![m.sec(sec).seg_index(x)],
                None if all_when_none => (0..nseg).collect(),
                None => vec![0],
            };
            segs.into_iter().filter_map(|j| m.density_instance(sec, mech, j)).collect()
        }
        Place::Standard(_) => vec![],
    }
}

pub fn ms_method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let global_check = |ms: &MechStd, what: &str| -> HResult<()> {
        if ms.vartype == -1 {
            return Err(hoc_err!("{what}  MechanismStandard method not implemented for GLOBAL type"));
        }
        Ok(())
    };
    let v = match name {
        "panel" => Value::Num(0.0),
        "action" => {
            let s = match a.first() {
                Some(Value::Str(_) | Value::SRef(_)) => string(a, 0)?,
                _ => String::new(),
            };
            with_native::<MechStd, _>(o, |ms| global_check(ms, "action").map(|_| ms.action = s))??;
            Value::Num(0.0)
        }
        "set" => {
            let n = string(a, 0)?;
            let x = num(it, a, 1)?;
            let k = opt_num(it, a, 2)?.unwrap_or(0.0) as usize;
            with_native::<MechStd, _>(o, |ms| -> HResult<()> {
                global_check(ms, "set")?;
                let i = ms.find(&n).ok_or_else(|| hoc_err!("{n} not in this property"))?;
                if let Some(slot) = ms.values[i].get_mut(k) {
                    *slot = x;
                }
                Ok(())
            })??;
            Value::Num(0.0)
        }
        "get" => {
            let n = string(a, 0)?;
            let k = opt_num(it, a, 1)?.unwrap_or(0.0) as usize;
            let x = with_native::<MechStd, _>(o, |ms| -> HResult<f64> {
                global_check(ms, "get")?;
                let i = ms.find(&n).ok_or_else(|| hoc_err!("{n} not in this property"))?;
                Ok(ms.values[i].get(k).copied().unwrap_or(-1e300))
            })??;
            Value::Num(x)
        }
        "count" => Value::Num(with_native::<MechStd, _>(o, |ms| if ms.vartype == -1 { ms.globals.len() } else { ms.selected().count() })? as f64),
        "is_array" => {
            let n = with_native::<MechStd, _>(o, |ms| ms.selected().count())?;
            let i = crate::builtins::chkarg(it, a, 0, 0.0, n as f64 - 1.0)? as usize;
            Value::Num(with_native::<MechStd, _>(o, |ms| ms.selected().nth(i).is_some_and(|(_, v)| v.cols.len() > 1) as i32)? as f64)
        }
        "name" => {
            let s = str_ref(a, 0)?;
            let mech = with_native::<MechStd, _>(o, |ms| ms.mech)?;
            if a.len() > 1 {
                let n = with_native::<MechStd, _>(o, |ms| if ms.vartype == -1 { ms.globals.len() } else { ms.selected().count() })?;
                let i = crate::builtins::chkarg(it, a, 1, 0.0, n as f64 - 1.0)? as usize;
                let (nm, size) = with_native::<MechStd, _>(o, |ms| {
                    if ms.vartype == -1 {
                        (ms.globals[i].clone(), 1)
                    } else {
                        let (_, v) = ms.selected().nth(i).unwrap();
                        (v.name.clone(), v.cols.len().max(1))
                    }
                })?;
                *s.borrow_mut() = nm;
                Value::Num(size as f64)
            } else {
                *s.borrow_mut() = it.eng.model.mechs[mech].name().to_string();
                Value::Num(0.0)
            }
        }
        "save" => Value::Num(0.0),
        "in" | "_in" | "out" => {
            let to_model = name == "out";
            with_native::<MechStd, _>(o, |ms| global_check(ms, if to_model { "out" } else { "in" }))??;
            let place = place_arg(it, a)?;
            transfer(it, o, &place, to_model)?;
            Value::Num(0.0)
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// Copies the selected variables between a MechanismStandard and the model
/// (`to_model`: out) or another MechanismStandard (all values).
fn transfer(it: &mut Interp, o: &ObjRef, place: &Place, to_model: bool) -> HResult<()> {
    if let Place::Standard(other) = place {
        if std::rc::Rc::ptr_eq(other, o) {
            return Ok(());
        }
        let (src, dst) = if to_model { (o, other) } else { (other, o) };
        let (mech, values) = with_native::<MechStd, _>(src, |ms| (ms.mech, ms.values.clone()))?;
        with_native::<MechStd, _>(dst, |ms| {
            if ms.mech == mech {
                ms.values = values;
            }
        })?;
        return Ok(());
    }
    let (mech, sel): (usize, Vec<(usize, Vec<usize>)>) =
        with_native::<MechStd, _>(o, |ms| (ms.mech, ms.selected().map(|(i, v)| (i, v.cols.clone())).collect()))?;
    if to_model {
        let insts = instances(it, mech, place, true);
        let values = with_native::<MechStd, _>(o, |ms| ms.values.clone())?;
        let data = &mut it.eng.model.data[mech];
        for inst in insts {
            for (i, cols) in &sel {
                for (k, &c) in cols.iter().enumerate() {
                    data.cols[c][inst as usize] = values[*i][k];
                }
            }
        }
    } else {
        let insts = instances(it, mech, place, false);
        let Some(&inst) = insts.first() else { return Ok(()) };
        let data = &it.eng.model.data[mech];
        let got: Vec<(usize, Vec<f64>)> = sel.iter().map(|(i, cols)| (*i, cols.iter().map(|&c| data.cols[c][inst as usize]).collect())).collect();
        with_native::<MechStd, _>(o, |ms| {
            for (i, vals) in got {
                ms.values[i] = vals;
            }
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------- MechanismType

/// One entry of a MechanismType list.
#[derive(Clone, Copy, PartialEq)]
enum MtEntry {
    /// NEURON's morphology and capacitance pseudo-mechanisms.
    Morphology,
    Capacitance,
    Ion(usize),
    Mech(usize),
}

/// MechanismType(0) lists the density mechanisms (and ions), (1) the point
/// processes, in NEURON's registration order.
pub struct MechType {
    point: bool,
    entries: Vec<MtEntry>,
    selected: i32,
    pub action: String,
    /// pp_begin/pp_next: the section and the point processes still to give.
    iter: Vec<ObjRef>,
}

/// NEURON's built-in point processes, in its order.
const POINT_ORDER: &[&str] = &[
    "IClamp", "AlphaSynapse", "ExpSyn", "Exp2Syn", "SEClamp", "VClamp", "OClamp", "APCount", "NetStim", "IntFire1", "IntFire2", "IntFire4", "PointProcessMark", "PatternStim",
];
/// NEURON's built-in density mechanisms, in its order (ions come before
/// the first mechanism that uses them).
const DENSITY_ORDER: &[&str] = &["pas", "extracellular", "fastpas", "hh"];

fn entries(it: &Interp, point: bool) -> Vec<MtEntry> {
    let m = &it.eng.model;
    let order = if point { POINT_ORDER } else { DENSITY_ORDER };
    let rank = |i: usize| order.iter().position(|&n| n == m.mechs[i].name()).unwrap_or(order.len());
    let mut mechs: Vec<usize> = (0..m.mechs.len()).filter(|&i| (m.mechs[i].kind() != MechKind::Density) == point).collect();
    // the built-ins first in NEURON's order, then the others as loaded
    mechs.sort_by_key(|&i| (rank(i), i));
    if point {
        return mechs.into_iter().map(MtEntry::Mech).collect();
    }
    let mut out = vec![MtEntry::Morphology, MtEntry::Capacitance];
    let mut ions_seen: Vec<usize> = Vec::new();
    for i in mechs {
        for u in m.mechs[i].ions() {
            if let Some(t) = m.ion_types.iter().position(|t| t.name == u.ion) {
                if !ions_seen.contains(&t) {
                    ions_seen.push(t);
                    out.push(MtEntry::Ion(t));
                }
            }
        }
        out.push(MtEntry::Mech(i));
    }
    for t in 0..m.ion_types.len() {
        if !ions_seen.contains(&t) {
            out.push(MtEntry::Ion(t));
        }
    }
    out
}

fn entry_name(it: &Interp, e: MtEntry) -> String {
    match e {
        MtEntry::Morphology => "morphology".into(),
        MtEntry::Capacitance => "capacitance".into(),
        MtEntry::Ion(t) => format!("{}_ion", it.eng.model.ion_types[t].name),
        MtEntry::Mech(m) => it.eng.model.mechs[m].name().to_string(),
    }
}

pub fn construct_mt(it: &mut Interp, args: &[Value]) -> HResult<MechType> {
    let point = crate::builtins::chkarg(it, args, 0, 0.0, 1.0)? != 0.0;
    let entries = entries(it, point);
    Ok(MechType { point, entries, selected: 0, action: String::new(), iter: Vec::new() })
}

pub fn mt_method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let count = with_native::<MechType, _>(o, |mt| mt.entries.len())?;
    let v = match name {
        "select" => {
            match a.first() {
                Some(Value::Num(_)) => {
                    let i = crate::builtins::chkarg(it, a, 0, -1.0, count as f64 - 1.0)? as i32;
                    with_native::<MechType, _>(o, |mt| mt.selected = i)?;
                }
                Some(Value::Str(_) | Value::SRef(_)) => {
                    let n = string(a, 0)?;
                    let names: Vec<String> = with_native::<MechType, _>(o, |mt| mt.entries.clone())?.into_iter().map(|e| entry_name(it, e)).collect();
                    if let Some(i) = names.iter().position(|x| *x == n) {
                        with_native::<MechType, _>(o, |mt| mt.selected = i as i32)?;
                    }
                }
                _ => {}
            }
            Value::Num(0.0)
        }
        "selected" => {
            let (i, e) = with_native::<MechType, _>(o, |mt| (mt.selected, mt.entries.get(mt.selected.max(0) as usize).copied()))?;
            if !a.is_empty() {
                let s = str_ref(a, 0)?;
                if let Some(e) = e {
                    *s.borrow_mut() = entry_name(it, e);
                }
            }
            Value::Num(i as f64)
        }
        "count" => Value::Num(count as f64),
        "menu" => Value::Num(0.0),
        "action" => {
            let s = string(a, 0).unwrap_or_default();
            with_native::<MechType, _>(o, |mt| mt.action = s)?;
            Value::Num(0.0)
        }
        "is_netcon_target" | "has_net_event" | "is_artificial" => {
            let i = crate::builtins::chkarg(it, a, 0, 0.0, count as f64)? as usize;
            let e = with_native::<MechType, _>(o, |mt| mt.entries.get(i).copied())?;
            let r = match e {
                Some(MtEntry::Mech(m)) => {
                    let mm = &it.eng.model.mechs[m];
                    match name {
                        "is_netcon_target" => mm.weights() > 0,
                        _ => mm.kind() == MechKind::Artificial,
                    }
                }
                _ => false,
            };
            Value::Num(r as i32 as f64)
        }
        "is_ion" => Value::Num(with_native::<MechType, _>(o, |mt| matches!(mt.entries.get(mt.selected.max(0) as usize), Some(MtEntry::Ion(_))))? as i32 as f64),
        "internal_type" => Value::Num(with_native::<MechType, _>(o, |mt| mt.selected)? as f64),
        "make" => {
            let (point, e) = with_native::<MechType, _>(o, |mt| (mt.point, mt.entries.get(mt.selected.max(0) as usize).copied()))?;
            if point {
                object(a, 0)?;
                let Some(MtEntry::Mech(m)) = e else { return Ok(Some(Value::Num(0.0))) };
                let place = it.native_arg_places.first().cloned().flatten();
                let pp = new_unplaced_point(it, m)?;
                if let Some(place) = place {
                    it.write_obj_place(&place, Some(pp));
                }
            } else {
                let sec = it.cur_sec()?;
                match e {
                    Some(MtEntry::Mech(m)) => it.eng.model.insert(sec, m),
                    Some(MtEntry::Ion(t)) => it.eng.model.insert_ion(sec, t),
                    _ => {}
                }
            }
            Value::Num(0.0)
        }
        "remove" => {
            let (point, e) = with_native::<MechType, _>(o, |mt| (mt.point, mt.entries.get(mt.selected.max(0) as usize).copied()))?;
            let sec = it.cur_sec()?;
            if !point {
                if let Some(MtEntry::Mech(m)) = e {
                    if it.eng.model.is_inserted(sec, m) {
                        it.eng.model.uninsert(sec, m);
                    }
                }
            }
            Value::Num(0.0)
        }
        "pp_begin" | "pp_next" => {
            if name == "pp_begin" {
                let (point, e) = with_native::<MechType, _>(o, |mt| (mt.point, mt.entries.get(mt.selected.max(0) as usize).copied()))?;
                if !point {
                    return Err(hoc_err!("Not a MechanismType(1)"));
                }
                let sec = it.cur_sec()?;
                let list = match e {
                    Some(MtEntry::Mech(m)) => points_in(it, m, sec),
                    _ => Vec::new(),
                };
                with_native::<MechType, _>(o, |mt| mt.iter = list.into_iter().rev().collect())?;
            }
            Value::Obj(with_native::<MechType, _>(o, |mt| mt.iter.pop())?)
        }
        "code" | "file" => Value::Str("".into()),
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// A new point process of mechanism `m`, not yet in any section.
fn new_unplaced_point(it: &mut Interp, m: usize) -> HResult<ObjRef> {
    let name = it.eng.model.mechs[m].name().to_string();
    let ci = it.class_id(&name).ok_or_else(|| hoc_err!("{name} is not a point process"))?;
    crate::builtins::construct(it, ci, NativeClass::Point(m as u32), &[])
}

/// The live point-process objects of mechanism `m` in section `sec`, as
/// NEURON walks them: node by node from the 0 end, and at one node the
/// most recently made first.
fn points_in(it: &mut Interp, m: usize, sec: SecId) -> Vec<ObjRef> {
    let Some(ci) = it.class_id(it.eng.model.mechs[m].name()) else { return Vec::new() };
    let live: Vec<ObjRef> = {
        let class = &mut it.classes[ci as usize];
        class.live.retain(|w| w.strong_count() > 0);
        class.live.iter().filter_map(|w| w.upgrade()).collect()
    };
    let s = it.eng.model.sec(sec);
    let node = |x: f64| -> usize {
        if x <= 0.0 {
            0
        } else if x >= 1.0 {
            s.nseg + 1
        } else {
            s.seg_index(x) + 1
        }
    };
    let mut objs: Vec<(usize, u32, ObjRef)> = Vec::new();
    for o in live {
        if let Some((mech, inst)) = super::classes::point_of(&o) {
            let loc = it.eng.model.points[mech][inst as usize];
            if loc.sec == Some(sec) {
                objs.push((node(loc.x), inst, o));
            }
        }
    }
    objs.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    objs.into_iter().map(|(_, _, o)| o).collect()
}
