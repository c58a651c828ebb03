//! The `Timer` class. In NEURON it is not a stopwatch: `new Timer("stmt")`
//! runs `stmt` every `seconds()` (default 0.5) once `start()`ed, from the
//! GUI event loop. A batch run (`-nogui` script) never enters that loop, so
//! the command never runs; the methods keep their values: `seconds([s])`
//! returns the interval, `start()` and `end()` return 0.

use super::num;
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

pub struct TimerObj {
    /// The statement (or object) to run on each tick.
    pub command: Value,
    pub interval: f64,
    pub running: bool,
}

pub fn construct(_it: &mut Interp, args: &[Value]) -> HResult<TimerObj> {
    match args.first() {
        Some(v @ (Value::Str(_) | Value::SRef(_) | Value::Obj(_))) => Ok(TimerObj {
            command: v.clone(),
            interval: 0.5,
            running: false,
        }),
        Some(v) => Err(hoc_err!(
            "bad stack access: expecting (char *); really ({})",
            v.type_name()
        )),
        None => Err(hoc_err!("Timer not enough arguments")),
    }
}

pub fn method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let set = if name == "seconds" && !a.is_empty() {
        let s = num(it, a, 0)?;
        if !(1e-6..=1e6).contains(&s) {
            return Err(hoc_err!("Arg out of range in user function"));
        }
        Some(s)
    } else {
        None
    };
    super::with_native::<TimerObj, _>(o, |t| {
        Some(Value::Num(match name {
            "seconds" => {
                if let Some(s) = set {
                    t.interval = s;
                }
                t.interval
            }
            "start" => {
                t.running = true;
                0.0
            }
            "end" => {
                t.running = false;
                0.0
            }
            _ => return None,
        }))
    })
}
