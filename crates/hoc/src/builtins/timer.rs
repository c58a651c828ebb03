//! The `Timer` class: a wall-clock stopwatch.

use crate::error::HResult;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

pub struct TimerObj {
    pub started: Option<std::time::Instant>,
    pub total: f64,
}

pub fn construct(_it: &mut Interp, _args: &[Value]) -> HResult<TimerObj> {
    Ok(TimerObj { started: None, total: 0.0 })
}

pub fn method(_it: &mut Interp, o: &ObjRef, name: &str, _a: &[Value]) -> HResult<Option<Value>> {
    super::with_native::<TimerObj, _>(o, |t| {
        Some(Value::Num(match name {
            "start" => {
                t.started = Some(std::time::Instant::now());
                0.0
            }
            "stop" => {
                if let Some(s) = t.started.take() {
                    t.total += s.elapsed().as_secs_f64();
                }
                0.0
            }
            "reset" => {
                t.total = 0.0;
                t.started = None;
                0.0
            }
            "seconds" => t.total + t.started.map(|s| s.elapsed().as_secs_f64()).unwrap_or(0.0),
            _ => return None,
        }))
    })
}
