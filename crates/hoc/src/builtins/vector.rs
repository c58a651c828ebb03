//! The `Vector` class: a growable array of doubles with NEURON's methods.

use super::{num, object, opt_num, string};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Value};

#[derive(Clone, Debug, Default)]
pub struct VecObj {
    pub data: Vec<f64>,
    pub label: String,
}

pub fn construct(it: &mut Interp, args: &[Value]) -> HResult<VecObj> {
    let n = match args.first() {
        None => 0,
        Some(Value::Num(x)) => {
            if *x < 0.0 {
                return Err(hoc_err!("Vector size must be >= 0"));
            }
            *x as usize
        }
        Some(Value::Obj(_)) => 0,
        Some(v) => return Err(hoc_err!("Vector: bad argument of type {}", v.type_name())),
    };
    let fill = opt_num(it, args, 1)?.unwrap_or(0.0);
    Ok(VecObj { data: vec![fill; n], label: String::new() })
}

/// A checked element index.
pub fn index(it: &Interp, len: usize, x: f64) -> HResult<usize> {
    let i = (x + it.float_epsilon()).floor();
    if i < 0.0 || i as usize >= len {
        return Err(hoc_err!("Vector index out of range"));
    }
    Ok(i as usize)
}

/// Runs `f` on a Vector argument's data.
pub fn with_vec<R>(o: &ObjRef, f: impl FnOnce(&mut VecObj) -> R) -> HResult<R> {
    match &mut *o.data.borrow_mut() {
        ObjData::Vector(v) => Ok(f(v)),
        _ => Err(hoc_err!("argument is not a Vector")),
    }
}

/// A copy of a Vector argument's data.
pub fn vec_arg(args: &[Value], i: usize) -> HResult<Vec<f64>> {
    match object(args, i)? {
        Some(o) => with_vec(&o, |v| v.data.clone()),
        None => Err(hoc_err!("arg {} is a NULLobject, expected a Vector", i + 1)),
    }
}

pub fn new_vector(it: &mut Interp, data: Vec<f64>) -> ObjRef {
    let ci = it.class_id("Vector").expect("Vector class");
    it.new_object(ci, ObjData::Vector(VecObj { data, label: String::new() }))
}

pub fn method(it: &mut Interp, o: &ObjRef, name: &str, k: &[f64], args: Option<&[Value]>) -> HResult<Option<Value>> {
    if name == "x" {
        let x = *k.first().ok_or_else(|| hoc_err!("Vector.x needs an index"))?;
        let len = with_vec(o, |v| v.data.len())?;
        let i = index(it, len, x)?;
        return Ok(Some(Value::Num(with_vec(o, |v| v.data[i])?)));
    }
    let a = args.unwrap_or(&[]);
    let this = Value::Obj(Some(o.clone()));
    let mut v = match &*o.data.borrow() {
        ObjData::Vector(v) => std::mem::take(&mut v.data.clone()),
        _ => unreachable!(),
    };
    let n = v.len();
    let result: Value = match name {
        "size" => Value::Num(n as f64),
        "resize" => {
            let m = num(it, a, 0)? as usize;
            v.resize(m, 0.0);
            store(o, v);
            return Ok(Some(this));
        }
        "fill" => {
            let x = num(it, a, 0)?;
            let (lo, hi) = range_args(it, a, 1, n)?;
            for e in &mut v[lo..hi] {
                *e = x;
            }
            store(o, v);
            return Ok(Some(this));
        }
        "indgen" => {
            let (start, step) = match a.len() {
                0 => (0.0, 1.0),
                1 => (0.0, num(it, a, 0)?),
                2 => (num(it, a, 0)?, num(it, a, 1)?),
                _ => {
                    let (s, e, d) = (num(it, a, 0)?, num(it, a, 1)?, num(it, a, 2)?);
                    let m = ((e - s) / d + 1e-9).floor() as i64 + 1;
                    v.resize(m.max(0) as usize, 0.0);
                    (s, d)
                }
            };
            for (i, e) in v.iter_mut().enumerate() {
                *e = start + i as f64 * step;
            }
            store(o, v);
            return Ok(Some(this));
        }
        "add" | "sub" | "mul" | "div" => {
            let f = |x: f64, y: f64| match name {
                "add" => x + y,
                "sub" => x - y,
                "mul" => x * y,
                _ => x / y,
            };
            match a.first() {
                Some(Value::Obj(_)) => {
                    let w = super::vector::vec_arg(a, 0)?;
                    if w.len() != n {
                        return Err(hoc_err!("Vector.{name}: vectors have different sizes"));
                    }
                    for (x, y) in v.iter_mut().zip(w) {
                        *x = f(*x, y);
                    }
                }
                _ => {
                    let y = num(it, a, 0)?;
                    for x in v.iter_mut() {
                        *x = f(*x, y);
                    }
                }
            }
            store(o, v);
            return Ok(Some(this));
        }
        "sum" => {
            let (lo, hi) = range_args(it, a, 0, n)?;
            Value::Num(v[lo..hi].iter().sum())
        }
        "max" | "min" => {
            let (lo, hi) = range_args(it, a, 0, n)?;
            if lo >= hi {
                Value::Num(0.0)
            } else {
                let s = &v[lo..hi];
                let mut best = s[0];
                for &x in s {
                    if (name == "max" && x > best) || (name == "min" && x < best) {
                        best = x;
                    }
                }
                Value::Num(best)
            }
        }
        "c" | "cl" => {
            let (lo, hi) = range_args(it, a, 0, n)?;
            let copy = v[lo..hi.max(lo)].to_vec();
            let nv = new_vector(it, copy);
            if name == "cl" {
                let label = with_vec(o, |s| s.label.clone())?;
                with_vec(&nv, |d| d.label = label)?;
            }
            Value::Obj(Some(nv))
        }
        "append" => {
            for (i, arg) in a.iter().enumerate() {
                match arg {
                    Value::Obj(Some(_)) => {
                        let w = vec_arg(a, i)?;
                        v.extend(w);
                    }
                    _ => v.push(num(it, a, i)?),
                }
            }
            store(o, v);
            return Ok(Some(this));
        }
        "printf" => {
            let fmt = if a.first().is_some_and(|x| matches!(x, Value::Str(_) | Value::SRef(_))) {
                Some(string(a, 0)?)
            } else {
                None
            };
            let mut out = String::new();
            for (i, x) in v.iter().enumerate() {
                match &fmt {
                    Some(f) => out.push_str(&crate::format::sprintf(f, &[crate::format::FmtArg::Num(*x)]).map_err(crate::error::HocError::new)?),
                    None => {
                        out.push_str(&crate::format::fmt_g(*x, 6, false, false));
                        out.push(if (i + 1) % 10 == 0 { '\n' } else { '\t' });
                    }
                }
            }
            if fmt.is_none() && n % 10 != 0 {
                out.push('\n');
            }
            it.write_out(&out)?;
            Value::Num(n as f64)
        }
        "label" => {
            if let Some(s) = a.first() {
                let s = super::value_str(s);
                with_vec(o, |d| d.label = s.clone())?;
                Value::Str(s.into())
            } else {
                Value::Str(with_vec(o, |d| d.label.clone())?.into())
            }
        }
        _ => return more_methods(it, o, name, a, v),
    };
    Ok(Some(result))
}

/// Methods implemented beyond the core set.
fn more_methods(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value], v: Vec<f64>) -> HResult<Option<Value>> {
    let _ = (it, o, name, a, v);
    Ok(None)
}

fn store(o: &ObjRef, v: Vec<f64>) {
    if let ObjData::Vector(d) = &mut *o.data.borrow_mut() {
        d.data = v;
    }
}

/// Optional `(start, end)` element arguments at `i`, `i+1` (inclusive end) as a half-open range.
fn range_args(it: &Interp, a: &[Value], i: usize, n: usize) -> HResult<(usize, usize)> {
    let lo = opt_num(it, a, i)?.map(|x| x as usize).unwrap_or(0);
    let hi = opt_num(it, a, i + 1)?.map(|x| x as usize + 1).unwrap_or(n);
    if lo > n || hi > n {
        return Err(hoc_err!("Vector index out of range"));
    }
    Ok((lo, hi.max(lo)))
}
