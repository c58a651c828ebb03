//! SaveState: the state of a simulation kept and put back (`save()`,
//! `restore([1])`), as NEURON's: t, every node's voltage, the STATE
//! variables of each mechanism (all variables of those that receive events
//! or are artificial cells), ion concentrations and reversal potentials, and
//! with a full restore the NetCon weights and the queued events. `fwrite`
//! and `fread` keep a state in a File in nerve's own binary layout.

use cable::events::EventQueue;
use cable::mechanism::{MechKind, VarKind};
use cable::model::Model;

use crate::builtins::{file, opt_num};
use crate::error::{HResult, HocError};
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

/// A SaveState object: the state last saved (or read).
#[derive(Default)]
pub struct SaveStateObj {
    saved: Option<Snapshot>,
}

#[derive(Clone)]
struct Snapshot {
    /// Sections that existed.
    nsec: usize,
    t: f64,
    v: Vec<f64>,
    /// (mechanism, column, values per instance).
    cols: Vec<(usize, usize, Vec<f64>)>,
    /// Per ion type: reversal potential, inside and outside concentration per node.
    ions: Vec<[Vec<f64>; 3]>,
    weights: Vec<Option<Vec<f64>>>,
    queue: Option<EventQueue>,
}

const HEADER: &[u8] = b"nerve SaveState 1\n";

/// The columns NEURON saves for mechanism m.
fn saved_columns(model: &Model, m: usize) -> Vec<usize> {
    let mech = &model.mechs[m];
    let all = mech.weights() > 0 || mech.kind() == MechKind::Artificial;
    mech.vars().iter().enumerate().filter(|(_, v)| all || v.kind == VarKind::State).map(|(k, _)| k).collect()
}

fn take(model: &mut Model) -> Snapshot {
    model.ensure_lowered();
    let mut cols = Vec::new();
    for m in 0..model.mechs.len() {
        for k in saved_columns(model, m) {
            cols.push((m, k, model.data[m].cols[k].clone()));
        }
    }
    Snapshot {
        nsec: (0..model.sections.len()).filter(|&s| model.exists(s)).count(),
        t: model.t,
        v: model.tree.v.clone(),
        cols,
        ions: model.ions.iter().map(|i| [i.erev.clone(), i.ci.clone(), i.co.clone()]).collect(),
        weights: model.netcons.iter().map(|n| n.as_ref().map(|n| n.weight.clone())).collect(),
        queue: Some(model.queue.clone()),
    }
}

/// Whether a snapshot fits the model as it now is.
fn fits(s: &Snapshot, model: &Model) -> bool {
    s.v.len() == model.tree.v.len()
        && s.cols.iter().all(|(m, k, vals)| model.data.get(*m).and_then(|d| d.cols.get(*k)).is_some_and(|c| c.len() == vals.len()))
        && s.ions.len() == model.ions.len()
        && s.ions.iter().zip(&model.ions).all(|(a, b)| a[0].len() == b.erev.len())
}

fn put_back(s: &Snapshot, model: &mut Model, full: bool) {
    model.t = s.t;
    model.tree.v.copy_from_slice(&s.v);
    for (m, k, vals) in &s.cols {
        model.data[*m].cols[*k].copy_from_slice(vals);
    }
    for (ion, [erev, ci, co]) in model.ions.iter_mut().zip(&s.ions) {
        ion.erev.copy_from_slice(erev);
        ion.ci.copy_from_slice(ci);
        ion.co.copy_from_slice(co);
    }
    if !full {
        return;
    }
    for (n, w) in model.netcons.iter_mut().zip(&s.weights) {
        if let (Some(n), Some(w)) = (n.as_mut(), w) {
            if n.weight.len() == w.len() {
                n.weight.copy_from_slice(w);
            }
        }
    }
    if let Some(q) = &s.queue {
        model.queue = q.clone();
    }
}

fn with_state<R>(o: &ObjRef, f: impl FnOnce(&mut SaveStateObj) -> R) -> HResult<R> {
    crate::builtins::with_native::<SaveStateObj, _>(o, f)
}

fn inconsistent() -> HocError {
    HocError::new("SaveState: Stored state inconsistent with current neuron structure")
}

pub fn method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    match name {
        "save" => {
            it.free_dropped();
            it.sync_to_model();
            let snap = take(&mut it.eng.model);
            with_state(o, |s| s.saved = Some(snap))?;
        }
        "restore" => {
            let full = opt_num(it, a, 0)?.unwrap_or(0.0) != 1.0;
            it.free_dropped();
            it.eng.model.ensure_lowered();
            let snap = with_state(o, |s| s.saved.clone())?;
            let nsec = {
                let m = &it.eng.model;
                (0..m.sections.len()).filter(|&s| m.exists(s)).count()
            };
            let saved = snap.as_ref().map_or(0, |s| s.nsec);
            if nsec != saved {
                it.end_partial_line();
                eprintln!("SaveState warning: {nsec} sections exist but saved {saved}");
            }
            let Some(snap) = snap.filter(|s| s.nsec == nsec && fits(s, &it.eng.model)) else {
                return Err(inconsistent());
            };
            put_back(&snap, &mut it.eng.model, full);
            it.sync_from_model();
        }
        "fwrite" => {
            let f = file::file_arg(a, 0)?;
            let snap = with_state(o, |s| s.saved.clone())?.ok_or_else(|| HocError::new("SaveState: nothing saved to write"))?;
            let bytes = encode(&snap);
            file::with_file(&f, |f| f.write(&bytes))??;
            if opt_num(it, a, 1)?.unwrap_or(0.0) == 0.0 {
                file::with_file(&f, |f| f.close())?;
            }
        }
        "fread" => {
            let f = file::file_arg(a, 0)?;
            let bytes = file::with_file(&f, |f| f.read(usize::MAX))??;
            let snap = decode(&bytes).ok_or_else(|| HocError::new("SaveState: not a file SaveState.fwrite wrote"))?;
            with_state(o, |s| s.saved = Some(snap))?;
            if opt_num(it, a, 1)?.unwrap_or(0.0) == 0.0 {
                file::with_file(&f, |f| f.close())?;
            }
        }
        _ => return Ok(None),
    }
    Ok(Some(Value::Num(1.0)))
}

fn put_vec(out: &mut Vec<u8>, v: &[f64]) {
    out.extend_from_slice(&(v.len() as u64).to_le_bytes());
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn encode(s: &Snapshot) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    out.extend_from_slice(&(s.nsec as u64).to_le_bytes());
    out.extend_from_slice(&s.t.to_le_bytes());
    put_vec(&mut out, &s.v);
    out.extend_from_slice(&(s.cols.len() as u64).to_le_bytes());
    for (m, k, vals) in &s.cols {
        out.extend_from_slice(&(*m as u64).to_le_bytes());
        out.extend_from_slice(&(*k as u64).to_le_bytes());
        put_vec(&mut out, vals);
    }
    out.extend_from_slice(&(s.ions.len() as u64).to_le_bytes());
    for ion in &s.ions {
        ion.iter().for_each(|v| put_vec(&mut out, v));
    }
    out.extend_from_slice(&(s.weights.len() as u64).to_le_bytes());
    for w in &s.weights {
        put_vec(&mut out, w.as_deref().unwrap_or(&[]));
    }
    out
}

/// Reads what `encode` wrote (without the event queue, which stays in memory).
fn decode(b: &[u8]) -> Option<Snapshot> {
    let mut pos = HEADER.len();
    if b.get(..pos)? != HEADER {
        return None;
    }
    let u64_at = |pos: &mut usize| -> Option<u64> {
        let x = u64::from_le_bytes(b.get(*pos..*pos + 8)?.try_into().ok()?);
        *pos += 8;
        Some(x)
    };
    let nsec = u64_at(&mut pos)? as usize;
    let t = f64::from_bits(u64_at(&mut pos)?);
    let vec_at = |pos: &mut usize| -> Option<Vec<f64>> {
        let n = u64::from_le_bytes(b.get(*pos..*pos + 8)?.try_into().ok()?) as usize;
        *pos += 8;
        let bytes = b.get(*pos..pos.checked_add(n.checked_mul(8)?)?)?;
        *pos += 8 * n;
        Some(bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect())
    };
    let v = vec_at(&mut pos)?;
    let ncols = u64_at(&mut pos)? as usize;
    let mut cols = Vec::new();
    for _ in 0..ncols {
        let m = u64_at(&mut pos)? as usize;
        let k = u64_at(&mut pos)? as usize;
        cols.push((m, k, vec_at(&mut pos)?));
    }
    let nions = u64_at(&mut pos)? as usize;
    let mut ions = Vec::new();
    for _ in 0..nions {
        ions.push([vec_at(&mut pos)?, vec_at(&mut pos)?, vec_at(&mut pos)?]);
    }
    let nw = u64_at(&mut pos)? as usize;
    let mut weights = Vec::new();
    for _ in 0..nw {
        let w = vec_at(&mut pos)?;
        weights.push(if w.is_empty() { None } else { Some(w) });
    }
    Some(Snapshot { nsec, t, v, cols, ions, weights, queue: None })
}
