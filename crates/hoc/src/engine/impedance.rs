//! The Impedance class: `loc(x)` in the current section sets where current
//! is injected, `compute(freq)` the linear impedances at the present state,
//! and `input(x)`, `transfer(x)`, `ratio(x)` and the phases read them at x
//! of the current section (amplitudes in MΩ, phases in radians).

use cable::impedance::Impedance;
use cable::SecId;

use crate::builtins::{chkarg, num, with_native};
use crate::error::{HResult, HocError};
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

/// An Impedance object: the stimulus location and the last computation.
pub struct ImpObj {
    loc: Option<(SecId, f64)>,
    istim: usize,
    result: Impedance,
    deltafac: f64,
}

impl Default for ImpObj {
    fn default() -> Self {
        ImpObj { loc: None, istim: 0, result: Impedance::default(), deltafac: 0.001 }
    }
}

/// The node `x` of the current section names.
fn node(it: &mut Interp, a: &[Value]) -> HResult<usize> {
    let x = chkarg(it, a, 0, 0.0, 1.0)?;
    let sec = it.cur_sec()?;
    it.eng.model.ensure_lowered();
    Ok(it.eng.model.node_at(sec, x) as usize)
}

pub fn method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let v = match name {
        "loc" => {
            let x = chkarg(it, a, 0, -1.0, 1.0)?;
            let loc = if x >= 0.0 { Some((it.cur_sec()?, x)) } else { None };
            with_native::<ImpObj, _>(o, |m| m.loc = loc)?;
            0.0
        }
        "compute" => {
            let freq = num(it, a, 0)?;
            if a.len() > 1 && num(it, a, 1)? != 0.0 {
                return Err(HocError::new("Impedance.compute(freq, 1): the extended (nonlinear) impedance is not available in nerve"));
            }
            let loc = with_native::<ImpObj, _>(o, |m| m.loc)?.filter(|&(s, _)| it.eng.model.exists(s));
            let Some((sec, x)) = loc else {
                return Err(HocError::new("Impedance stimulus location is not specified."));
            };
            it.free_dropped();
            it.sync_to_model();
            it.eng.model.ensure_lowered();
            let istim = it.eng.model.node_at(sec, x) as usize;
            let result = it.eng.model.impedance(freq, istim);
            with_native::<ImpObj, _>(o, |m| {
                m.istim = istim;
                m.result = result;
            })?;
            0.0
        }
        "input" | "transfer" | "ratio" | "input_phase" | "transfer_phase" => {
            let i = node(it, a)?;
            with_native::<ImpObj, _>(o, |m| {
                let r = &m.result;
                let (Some(&inp), Some(&tr)) = (r.input.get(i), r.transfer.get(i)) else { return 0.0 };
                match name {
                    "input" => inp.abs(),
                    "transfer" => tr.abs(),
                    "ratio" => tr.abs() / inp.abs(),
                    "input_phase" => inp.arg(),
                    _ => tr.arg(),
                }
            })?
        }
        "deltafac" => {
            if !a.is_empty() {
                let x = chkarg(it, a, 0, 1e-10, 1.0)?;
                with_native::<ImpObj, _>(o, |m| m.deltafac = x)?;
            }
            with_native::<ImpObj, _>(o, |m| m.deltafac)?
        }
        _ => return Ok(None),
    };
    Ok(Some(Value::Num(v)))
}
