//! The `File` class: reading and writing text files from HOC.

use crate::error::HResult;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

#[derive(Default)]
pub struct FileObj {
    pub name: String,
}

pub fn construct(_it: &mut Interp, args: &[Value]) -> HResult<FileObj> {
    Ok(FileObj { name: args.first().map(super::value_str).unwrap_or_default() })
}

pub fn method(_it: &mut Interp, _o: &ObjRef, _name: &str, _a: &[Value]) -> HResult<Option<Value>> {
    Ok(None)
}
