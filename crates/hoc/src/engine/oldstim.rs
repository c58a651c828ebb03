//! NEURON's obsolete stimulus functions, still in old models: `fstim` current
//! pulses and `fsyn` alpha-function synapses, numbered and placed in the
//! current section, with `fstimi`, `fsyni` and `fsyng` to read them. Each is
//! an instance of a native point mechanism added to the model at first use.

use cable::mechs::{FStim, FSyn};
use cable::model::PointLoc;

use crate::builtins::{chkarg, num};
use crate::error::{HResult, HocError};
use crate::interp::Interp;
use crate::value::Value;

/// The instances `fstim(n)` or `fsyn(n)` allocated, and their mechanism.
#[derive(Default)]
pub struct Pulses {
    pub mech: Option<usize>,
    pub insts: Vec<u32>,
}

pub fn install(it: &mut Interp) {
    it.define_builtin("fstim", |it, a| alloc_or_set(it, a, true));
    it.define_builtin("fsyn", |it, a| alloc_or_set(it, a, false));
    it.define_builtin("fstimi", |it, a| {
        let (m, inst) = instance(it, a, true)?;
        let t = it.eng.model.t;
        let c = &it.eng.model.data[m].cols;
        Ok(Value::Num(if FStim::on(c, inst, t) { c[2][inst] } else { 0.0 }))
    });
    it.define_builtin("fsyni", |it, a| syn_value(it, a, true));
    it.define_builtin("fsyng", |it, a| syn_value(it, a, false));
}

fn pulses(it: &mut Interp, stim: bool) -> &mut Pulses {
    if stim {
        &mut it.eng.fstims
    } else {
        &mut it.eng.fsyns
    }
}

/// `fstim(n)` / `fsyn(n)` allocate n (all off); `fstim(i, loc, delay, dur,
/// amp)` / `fsyn(i, loc, delay, tau, gmax, erev)` set the i-th at loc of
/// the current section.
fn alloc_or_set(it: &mut Interp, a: &[Value], stim: bool) -> HResult<Value> {
    let i = chkarg(it, a, 0, 0.0, 10000.0)? as usize;
    if a.len() < 2 {
        let m = match pulses(it, stim).mech {
            Some(m) => m,
            None => {
                let mech: Box<dyn cable::mechanism::Mechanism> = if stim { Box::new(FStim::new()) } else { Box::new(FSyn::new()) };
                let m = it.eng.model.add_mechanism(mech);
                pulses(it, stim).mech = Some(m);
                m
            }
        };
        for inst in std::mem::take(&mut pulses(it, stim).insts) {
            it.eng.model.free_point(m, inst);
        }
        let insts = (0..i).map(|_| it.eng.model.new_point(m, PointLoc { sec: None, x: 0.5 })).collect();
        pulses(it, stim).insts = insts;
        return Ok(Value::Num(0.0));
    }
    let p = pulses(it, stim);
    let (Some(m), Some(&inst)) = (p.mech, p.insts.get(i)) else {
        return Err(HocError::new("index out of range"));
    };
    let loc = chkarg(it, a, 1, 0.0, 1.0)?;
    let delay = chkarg(it, a, 2, 0.0, 1e21)?;
    let dur = chkarg(it, a, 3, 0.0, 1e21)?;
    let mut vals = vec![delay, dur, num(it, a, 4)?];
    if !stim {
        vals.push(num(it, a, 5)?);
    }
    let sec = it.cur_sec()?;
    let model = &mut it.eng.model;
    for (col, x) in vals.into_iter().enumerate() {
        model.data[m].cols[col][inst as usize] = x;
    }
    model.move_point(m, inst, PointLoc { sec: Some(sec), x: loc });
    Ok(Value::Num(0.0))
}

/// The mechanism and instance of pulse i (`chkarg(i, 0, n-1)`).
fn instance(it: &Interp, a: &[Value], stim: bool) -> HResult<(usize, usize)> {
    let p = if stim { &it.eng.fstims } else { &it.eng.fsyns };
    let i = chkarg(it, a, 0, 0.0, p.insts.len() as f64 - 1.0)? as usize;
    Ok((p.mech.expect("allocated"), p.insts[i] as usize))
}

/// `fsyni(i)`: synapse i's current (nA) at the present t and v;
/// `fsyng(i)`: its conductance (uS).
fn syn_value(it: &mut Interp, a: &[Value], current: bool) -> HResult<Value> {
    let (m, inst) = instance(it, a, false)?;
    let model = &mut it.eng.model;
    if model.points[m][inst].sec.filter(|&s| model.exists(s)).is_none() {
        return Ok(Value::Num(0.0));
    }
    model.ensure_lowered();
    let ni = model.data[m].node[inst] as usize;
    let (area, v, t) = (model.tree.area[ni], model.tree.v[ni], model.t);
    let c = &model.data[m].cols;
    let g = FSyn::g_seg(c, inst, t, area);
    let mag_seg = 1.0e2 * c[2][inst] / area;
    let x = if current { g * (v - c[3][inst]) } else { g };
    Ok(Value::Num(if x != 0.0 { x * (c[2][inst] / mag_seg) } else { x }))
}
