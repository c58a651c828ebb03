//! SaveState: the state of a simulation at one moment (t, the node
//! voltages, every mechanism's STATE variables and all the variables of
//! artificial cells, the ion concentrations, the outstanding events and
//! the threshold detectors), put back with `restore()` and written to or
//! read from a File (in nerve's own binary layout).

use crate::builtins::{object, opt_num, with_native};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};
use cable::mechanism::{MechKind, VarKind};

#[derive(Default)]
pub struct SaveState {
    snap: Option<Snapshot>,
}

#[derive(Clone)]
struct Snapshot {
    t: f64,
    v: Vec<f64>,
    /// (mechanism, column, values per instance)
    cols: Vec<(usize, usize, Vec<f64>)>,
    /// Ion concentrations and reversal potentials per ion type.
    ions: Vec<[Vec<f64>; 3]>,
    queue: Option<cable::events::EventQueue>,
    above: Vec<bool>,
    /// How many sections existed (None: read from a file, not checked).
    nsec: Option<usize>,
}

fn section_count(it: &Interp) -> usize {
    let m = &it.eng.model;
    (0..m.sections.len()).filter(|&s| m.exists(s)).count()
}

/// The columns a snapshot keeps for mechanism m.
fn saved_cols(it: &Interp, m: usize) -> Vec<usize> {
    let mech = &it.eng.model.mechs[m];
    let art = mech.kind() == MechKind::Artificial;
    mech.vars().iter().enumerate().filter(|(_, v)| art || v.kind == VarKind::State).map(|(c, _)| c).collect()
}

fn take(it: &mut Interp) -> Snapshot {
    it.free_dropped();
    it.eng.model.ensure_lowered();
    let m = &it.eng.model;
    let mut cols = Vec::new();
    for k in 0..m.mechs.len() {
        for c in saved_cols(it, k) {
            cols.push((k, c, m.data[k].cols[c].clone()));
        }
    }
    let ions = m.ions.iter().map(|i| [i.ci.clone(), i.co.clone(), i.erev.clone()]).collect();
    Snapshot {
        nsec: Some(section_count(it)),
        t: it.global_num(it.globals.get("t").unwrap_or(0)),
        v: m.tree.v.clone(),
        cols,
        ions,
        queue: Some(m.queue.clone()),
        above: m.netcons.iter().map(|n| n.as_ref().is_some_and(|n| n.above)).collect(),
    }
}

fn put(it: &mut Interp, s: &Snapshot, events: bool) -> HResult<()> {
    it.free_dropped();
    it.eng.model.ensure_lowered();
    let bad = || hoc_err!("SaveState: Stored state inconsistent with current neuron structure");
    let m = &mut it.eng.model;
    if m.tree.v.len() != s.v.len() || m.ions.len() != s.ions.len() {
        return Err(bad());
    }
    for (k, c, vals) in &s.cols {
        match m.data.get(*k).and_then(|d| d.cols.get(*c)) {
            Some(col) if col.len() == vals.len() => {}
            _ => return Err(bad()),
        }
    }
    m.tree.v.copy_from_slice(&s.v);
    for (k, c, vals) in &s.cols {
        m.data[*k].cols[*c].copy_from_slice(vals);
    }
    for (ion, [ci, co, erev]) in m.ions.iter_mut().zip(&s.ions) {
        if ion.ci.len() == ci.len() {
            ion.ci.copy_from_slice(ci);
            ion.co.copy_from_slice(co);
            ion.erev.copy_from_slice(erev);
        }
    }
    if events {
        if let Some(q) = &s.queue {
            m.queue = q.clone();
        }
        for (n, &a) in m.netcons.iter_mut().zip(&s.above) {
            if let Some(n) = n {
                n.above = a;
            }
        }
    }
    m.t = s.t;
    it.set_global_num("t", s.t);
    Ok(())
}

fn write_snapshot(s: &Snapshot) -> Vec<u8> {
    let mut out = Vec::new();
    let mut num = |x: f64| out.extend_from_slice(&x.to_le_bytes());
    num(s.t);
    num(s.v.len() as f64);
    s.v.iter().for_each(|&x| num(x));
    num(s.cols.len() as f64);
    for (k, c, vals) in &s.cols {
        num(*k as f64);
        num(*c as f64);
        num(vals.len() as f64);
        vals.iter().for_each(|&x| num(x));
    }
    num(s.ions.len() as f64);
    for arr in &s.ions {
        for v in arr {
            num(v.len() as f64);
            v.iter().for_each(|&x| num(x));
        }
    }
    out
}

fn read_snapshot(b: &[u8]) -> Option<Snapshot> {
    let mut pos = 0usize;
    let mut num = || -> Option<f64> {
        let x = f64::from_le_bytes(b.get(pos..pos + 8)?.try_into().ok()?);
        pos += 8;
        Some(x)
    };
    let t = num()?;
    let n = num()? as usize;
    let v = (0..n).map(|_| num()).collect::<Option<Vec<f64>>>()?;
    let ncols = num()? as usize;
    let mut cols = Vec::with_capacity(ncols);
    for _ in 0..ncols {
        let (k, c, n) = (num()? as usize, num()? as usize, num()? as usize);
        cols.push((k, c, (0..n).map(|_| num()).collect::<Option<Vec<f64>>>()?));
    }
    let nions = num()? as usize;
    let mut ions = Vec::with_capacity(nions);
    for _ in 0..nions {
        let mut arr: [Vec<f64>; 3] = Default::default();
        for v in arr.iter_mut() {
            let n = num()? as usize;
            *v = (0..n).map(|_| num()).collect::<Option<Vec<f64>>>()?;
        }
        ions.push(arr);
    }
    Some(Snapshot { t, v, cols, ions, queue: None, above: Vec::new(), nsec: None })
}

pub fn method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let v = match name {
        "save" => {
            let s = take(it);
            with_native::<SaveState, _>(o, |ss| ss.snap = Some(s))?;
            Value::Num(1.0)
        }
        "restore" => {
            let events = opt_num(it, a, 0)?.unwrap_or(0.0) == 0.0;
            let snap = with_native::<SaveState, _>(o, |ss| ss.snap.clone())?;
            // NEURON compares the section counts first and warns.
            let nsec = section_count(it);
            let saved = snap.as_ref().map_or(Some(0), |s| s.nsec);
            if saved.is_some_and(|n| n != nsec) {
                it.end_partial_line();
                eprintln!("SaveState warning: {nsec} sections exist but saved {}", saved.unwrap_or(0));
            }
            let s = snap.filter(|s| s.nsec.is_none_or(|n| n == nsec)).ok_or_else(|| hoc_err!("SaveState: Stored state inconsistent with current neuron structure"))?;
            put(it, &s, events)?;
            Value::Num(1.0)
        }
        "fwrite" | "fread" => {
            let Some(f) = object(a, 0)? else { return Err(hoc_err!("{name}: File expected")) };
            let close = opt_num(it, a, 1)?.unwrap_or(1.0) != 0.0;
            if name == "fwrite" {
                let s = with_native::<SaveState, _>(o, |ss| ss.snap.clone())?.ok_or_else(|| hoc_err!("SaveState: no state has been saved"))?;
                let bytes = write_snapshot(&s);
                with_native::<crate::builtins::file::FileObj, _>(&f, |fo| -> HResult<()> {
                    fo.write(&bytes)?;
                    if close {
                        fo.close()?;
                    }
                    Ok(())
                })??;
            } else {
                let bytes = with_native::<crate::builtins::file::FileObj, _>(&f, |fo| -> HResult<Vec<u8>> {
                    let b = fo.read(usize::MAX / 2)?;
                    if close {
                        fo.close()?;
                    }
                    Ok(b)
                })??;
                let s = read_snapshot(&bytes).ok_or_else(|| hoc_err!("SaveState: the file does not hold a saved state"))?;
                with_native::<SaveState, _>(o, |ss| ss.snap = Some(s))?;
            }
            Value::Num(1.0)
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}
