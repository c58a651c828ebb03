//! The `Random` class: random-number streams with NEURON's API.

use crate::error::HResult;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

pub struct RandomObj {
    pub seed: u64,
}

pub fn construct(_it: &mut Interp, _args: &[Value]) -> HResult<RandomObj> {
    Ok(RandomObj { seed: 1 })
}

pub fn method(_it: &mut Interp, _o: &ObjRef, _name: &str, _a: &[Value]) -> HResult<Option<Value>> {
    Ok(None)
}
