//! The `Matrix` class: dense matrices, with `symmeig` for Import3d.

use crate::error::HResult;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

pub struct MatrixObj {
    pub nrow: usize,
    pub ncol: usize,
    /// Row-major elements.
    pub data: Vec<f64>,
}

pub fn construct(it: &mut Interp, args: &[Value]) -> HResult<MatrixObj> {
    let nrow = super::opt_num(it, args, 0)?.unwrap_or(1.0) as usize;
    let ncol = super::opt_num(it, args, 1)?.unwrap_or(1.0) as usize;
    Ok(MatrixObj { nrow, ncol, data: vec![0.0; nrow * ncol] })
}

pub fn method(_it: &mut Interp, _o: &ObjRef, _name: &str, _k: &[f64], _a: Option<&[Value]>) -> HResult<Option<Value>> {
    Ok(None)
}
