//! `StringFunctions`: string utilities.

use crate::error::HResult;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

pub struct StrFun;

pub fn method(_it: &mut Interp, _o: &ObjRef, _name: &str, _a: &[Value]) -> HResult<Option<Value>> {
    Ok(None)
}
