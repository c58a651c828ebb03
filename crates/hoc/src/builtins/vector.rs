//! The `Vector` class: a growable array of doubles with NEURON's methods.
//!
//! Methods borrow the vector's storage only while they touch it: argument
//! vectors (which may be the receiver itself) are read first, and nothing is
//! borrowed across calls back into the interpreter (`apply`, `reduce`).

#[path = "vector_ops.rs"]
pub mod ops;

use std::rc::Rc;

use super::{chkarg, num, object, opt_num};
use crate::error::{HResult, HocError};
use crate::format::FmtArg;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::symbol::Kind;
use crate::value::{ObjRef, Place, Value};
use ops::{Cmp, OutOfRange};

#[derive(Clone, Debug, Default)]
pub struct VecObj {
    pub data: Vec<f64>,
    pub label: String,
}

/// Largest integer a double holds exactly: the upper bound of size arguments.
const MAX_INT: f64 = 9007199254740992.0;

pub fn construct(it: &mut Interp, args: &[Value]) -> HResult<VecObj> {
    let n = match args.first() {
        None => 0,
        Some(Value::Num(_) | Value::Ptr(_)) => chkarg(it, args, 0, 0.0, 1e10)? as usize,
        Some(Value::Obj(_)) => 0,
        Some(v) => return Err(hoc_err!("Vector: bad argument of type {}", v.type_name())),
    };
    let fill = opt_num(it, args, 1)?.unwrap_or(0.0);
    Ok(VecObj {
        data: super::filled(Some(n), fill)?,
        label: String::new(),
    })
}

/// A checked element index: the subscript plus `float_epsilon`, truncated
/// toward zero as C does (so `x[-0.5]` is element 0).
pub fn index(it: &Interp, len: usize, x: f64) -> HResult<usize> {
    let d = (x + it.float_epsilon()) as i64;
    if d < 0 || d as usize >= len {
        return Err(hoc_err!("subscript 0 index {d} of x out of range {len}"));
    }
    Ok(d as usize)
}

/// Runs `f` on a Vector's state (mutably).
pub fn with_vec<R>(o: &ObjRef, f: impl FnOnce(&mut VecObj) -> R) -> HResult<R> {
    match &mut *o.data.borrow_mut() {
        ObjData::Vector(v) => Ok(f(v)),
        _ => Err(hoc_err!("argument is not a Vector")),
    }
}

/// Runs `f` on a Vector's elements (shared borrow).
fn read<R>(o: &ObjRef, f: impl FnOnce(&[f64]) -> R) -> R {
    match &*o.data.borrow() {
        ObjData::Vector(v) => f(&v.data),
        _ => unreachable!("receiver is a Vector"),
    }
}

/// Runs `f` on a Vector's elements (exclusive borrow).
fn write<R>(o: &ObjRef, f: impl FnOnce(&mut Vec<f64>) -> R) -> R {
    match &mut *o.data.borrow_mut() {
        ObjData::Vector(v) => f(&mut v.data),
        _ => unreachable!("receiver is a Vector"),
    }
}

/// A copy of a Vector argument's data.
pub fn vec_arg(args: &[Value], i: usize) -> HResult<Vec<f64>> {
    match object(args, i)? {
        Some(o) => with_vec(&o, |v| v.data.clone()),
        None => Err(hoc_err!("object type is nullptr instead of Vector")),
    }
}

pub fn new_vector(it: &mut Interp, data: Vec<f64>) -> ObjRef {
    let ci = it.class_id("Vector").expect("Vector class");
    it.new_object(
        ci,
        ObjData::Vector(VecObj {
            data,
            label: String::new(),
        }),
    )
}

/// A Vector argument, checked for its class as NEURON does.
fn vec_obj(it: &Interp, a: &[Value], i: usize) -> HResult<ObjRef> {
    match object(a, i)? {
        Some(o) if matches!(&*o.data.borrow(), ObjData::Vector(_)) => Ok(o),
        Some(o) => Err(hoc_err!(
            "object type is {} instead of Vector",
            it.classes[o.class as usize].name
        )),
        None => Err(hoc_err!("object type is nullptr instead of Vector")),
    }
}

/// A Vector argument's elements, copied (it may be the receiver itself).
fn vec_data(it: &Interp, a: &[Value], i: usize) -> HResult<Vec<f64>> {
    let o = vec_obj(it, a, i)?;
    Ok(read(&o, |d| d.to_vec()))
}

/// A string argument (NEURON's `gargstr`).
fn string(a: &[Value], i: usize) -> HResult<String> {
    match a.get(i) {
        Some(v @ (Value::Str(_) | Value::SRef(_))) => Ok(super::value_str(v)),
        Some(_) => Err(HocError::new("Expecting string argument")),
        None => Err(HocError::new("not enough arguments")),
    }
}

fn is_obj(a: &[Value], i: usize) -> bool {
    matches!(a.get(i), Some(Value::Obj(_)))
}

fn is_str(a: &[Value], i: usize) -> bool {
    matches!(a.get(i), Some(Value::Str(_) | Value::SRef(_)))
}

/// A numeric argument that must lie in `[lo, hi]`.

/// C's double to int conversion (truncation; saturating here).
fn int(x: f64) -> i64 {
    x as i64
}

/// The last valid index as a signed int (-1 when empty).
fn top(n: usize) -> f64 {
    n as f64 - 1.0
}

/// The last valid index computed with unsigned arithmetic, as some methods
/// do: an empty vector then accepts any index, which fails on access.
fn top_unsigned(n: usize) -> f64 {
    if n == 0 {
        u64::MAX as f64
    } else {
        n as f64 - 1.0
    }
}

/// Optional `(start, end)` arguments at `i`, `i+1`, checked against `[0, top]`
/// (end >= start), as a half-open range; the whole vector without them.
fn sub_range(it: &Interp, a: &[Value], i: usize, n: usize) -> HResult<(usize, usize)> {
    if i < a.len() {
        let start = int(chkarg(it, a, i, 0.0, top(n))?);
        let end = int(chkarg(it, a, i + 1, start as f64, top(n))?);
        Ok((start as usize, end as usize + 1))
    } else {
        Ok((0, n))
    }
}

/// Appends arguments `from..` (numbers and Vectors; anything else is
/// ignored) for `append` and `insrt`.
fn push_args(it: &Interp, o: &ObjRef, a: &[Value], from: usize, meth: &str) -> HResult<()> {
    for (i, arg) in a.iter().enumerate().skip(from) {
        match arg {
            Value::Num(x) => write(o, |d| d.push(*x)),
            Value::Obj(_) => {
                let src = vec_obj(it, a, i)?;
                same_err(o, &src, meth)?;
                // Distinct objects: both may be borrowed at once.
                read(&src, |s| write(o, |d| d.extend_from_slice(s)));
            }
            _ => {}
        }
    }
    Ok(())
}

/// NEURON's report of a C++ range-checked element access that failed.
fn range_error(it: &Interp, o: &ObjRef, meth: &str, e: OutOfRange) -> HocError {
    hoc_err!(
        "{}::{meth}: vector::_M_range_check: __n (which is {}) >= this->size() (which is {})",
        it.object_name(o),
        e.0,
        e.1
    )
}

fn same_err(o: &ObjRef, arg: &ObjRef, meth: &str) -> HResult<()> {
    if Rc::ptr_eq(o, arg) {
        return Err(hoc_err!("{meth}  argument needs to be copied first"));
    }
    Ok(())
}

pub fn method(
    it: &mut Interp,
    o: &ObjRef,
    name: &str,
    k: &[f64],
    args: Option<&[Value]>,
) -> HResult<Option<Value>> {
    if name == "x" {
        return elem(it, o, k, args).map(Some);
    }
    let a = args.unwrap_or(&[]);
    dispatch(it, o, name, a).map_err(|e| {
        if e.msg == "not enough arguments" {
            hoc_err!("{name} not enough arguments")
        } else {
            e
        }
    })
}

/// `v.x[i]` (or `v.x(i)`).
fn elem(it: &Interp, o: &ObjRef, k: &[f64], args: Option<&[Value]>) -> HResult<Value> {
    let x = match (k, args) {
        ([x], _) => *x,
        ([], Some(a)) if !a.is_empty() => num(it, a, 0)?,
        ([], _) => {
            return Err(hoc_err!(
                "array dimension of x now 1 (at compile time it was 0)"
            ))
        }
        _ => return Err(hoc_err!("'x' not right number of subscripts")),
    };
    let len = read(o, |d| d.len());
    let i = index(it, len, x)?;
    Ok(Value::Num(read(o, |d| d[i])))
}

fn dispatch(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let this = Value::Obj(Some(o.clone()));
    let n = read(o, |d| d.len());
    let eps = it.float_epsilon();
    let v = match name {
        // ------------------------------------------------ size and storage
        "size" => Value::Num(n as f64),
        "buffer_size" => {
            if !a.is_empty() {
                let m = chkarg(it, a, 0, n as f64, MAX_INT)? as usize;
                write(o, |d| d.reserve_exact(m.saturating_sub(d.len())));
            }
            Value::Num(write(o, |d| d.capacity() as f64))
        }
        "resize" => {
            let m = chkarg(it, a, 0, 0.0, MAX_INT)? as usize;
            super::affordable(Some(m))?;
            write(o, |d| d.resize(m, 0.0));
            this
        }
        "clear" => {
            write(o, |d| d.clear());
            this
        }
        "get" => {
            let i = int(chkarg(it, a, 0, 0.0, top_unsigned(n))?);
            Value::Num(read(o, |d| ops::at(d, i)).map_err(|e| range_error(it, o, name, e))?)
        }
        "set" => {
            let i = int(chkarg(it, a, 0, 0.0, top_unsigned(n))?);
            let x = num(it, a, 1)?;
            if i as usize >= n {
                return Err(range_error(it, o, name, OutOfRange(i as usize, n)));
            }
            write(o, |d| d[i as usize] = x);
            this
        }
        "fill" => {
            let x = num(it, a, 0)?;
            let (lo, hi) = if a.len() > 1 {
                let s = chkarg(it, a, 1, 0.0, top_unsigned(n))? as usize;
                let e = chkarg(it, a, 2, s as f64, top_unsigned(n))? as usize + 1;
                (s, e)
            } else {
                (0, n)
            };
            if hi > n {
                return Err(range_error(it, o, name, OutOfRange(hi - 1, n)));
            }
            write(o, |d| d[lo..hi].fill(x));
            this
        }
        "indgen" => {
            indgen(it, o, a, n)?;
            this
        }
        "append" => {
            push_args(it, o, a, 0, name)?;
            this
        }
        "insrt" => {
            let at = chkarg(it, a, 0, 0.0, n as f64)? as usize;
            let tail = write(o, |d| d.split_off(at));
            // As in NEURON, an error part way through loses the tail.
            push_args(it, o, a, 1, name)?;
            write(o, |d| d.extend_from_slice(&tail));
            this
        }
        "remove" => {
            let start = chkarg(it, a, 0, 0.0, top_unsigned(n))? as usize;
            let end = if a.len() > 1 {
                chkarg(it, a, 1, start as f64, top_unsigned(n))? as usize
            } else {
                start
            };
            write(o, |d| {
                if start < d.len() {
                    d.drain(start..(end + 1).min(d.len()));
                }
            });
            this
        }
        "from_double" => {
            let m = int(num(it, a, 0)?).max(0) as usize;
            let p = super::pointer(a, 1)?;
            let mut vals = Vec::with_capacity(m);
            for j in 0..m {
                vals.push(it.read_place(&place_offset(&p, j))?);
            }
            write(o, |d| *d = vals);
            this
        }
        "label" => {
            if !a.is_empty() {
                let s = string(a, 0)?;
                with_vec(o, |d| d.label = s)?;
            }
            Value::Str(with_vec(o, |d| d.label.clone())?.into())
        }

        // ------------------------------------------------ copies and pieces
        "c" | "at" | "cl" => {
            let start = if !a.is_empty() {
                chkarg(it, a, 0, 0.0, top_unsigned(n))? as usize
            } else {
                0
            };
            let end = if a.len() > 1 {
                chkarg(it, a, 1, start as f64, top_unsigned(n))? as usize + 1
            } else {
                n
            };
            if end > n {
                return Err(range_error(it, o, name, OutOfRange(n, n)));
            }
            let (piece, label) = match &*o.data.borrow() {
                ObjData::Vector(v) => (v.data[start..end].to_vec(), v.label.clone()),
                _ => unreachable!(),
            };
            let nv = new_vector(it, piece);
            if name == "cl" {
                with_vec(&nv, |d| d.label = label)?;
            }
            Value::Obj(Some(nv))
        }
        "copy" => {
            copy(it, o, a)?;
            this
        }
        "index" => {
            let (data, idx) = if a.len() > 1 {
                (vec_data(it, a, 0)?, vec_data(it, a, 1)?)
            } else {
                (read(o, |d| d.to_vec()), vec_data(it, a, 0)?)
            };
            let out: Vec<f64> = idx
                .iter()
                .map(|&j| {
                    let j = int(j);
                    if j >= 0 && (j as usize) < data.len() {
                        data[j as usize]
                    } else {
                        0.0
                    }
                })
                .collect();
            write(o, |d| *d = out);
            this
        }
        "ind" => {
            let idx = vec_data(it, a, 0)?;
            let out: Vec<f64> = read(o, |d| {
                idx.iter()
                    .filter_map(|&j| {
                        let j = int(j);
                        (j >= 0 && (j as usize) < d.len()).then(|| d[j as usize])
                    })
                    .collect()
            });
            Value::Obj(Some(new_vector(it, out)))
        }

        // ------------------------------------------------ element-wise arithmetic
        "add" | "sub" | "mul" | "div" => {
            arith(it, o, name, a)?;
            this
        }
        "abs" | "sqrt" | "floor" | "tanh" | "log" | "log10" => {
            let src = if !a.is_empty() {
                Some(vec_data(it, a, 0)?)
            } else {
                None
            };
            let err = write(o, |d| {
                if let Some(s) = src {
                    *d = s;
                }
                for x in d.iter_mut() {
                    *x = match name {
                        "abs" => x.abs(),
                        "sqrt" => {
                            if *x < 0.0 {
                                return true;
                            }
                            x.sqrt()
                        }
                        "floor" => x.floor(),
                        "tanh" => x.tanh(),
                        "log" => x.ln(),
                        _ => x.log10(),
                    };
                }
                false
            });
            if err {
                return Err(hoc_err!("sqrt argument out of domain"));
            }
            this
        }
        "pow" => {
            vpow(it, o, a)?;
            this
        }
        "sin" => {
            let (freq, phase) = (num(it, a, 0)?, num(it, a, 1)?);
            let dx = opt_num(it, a, 2)?.unwrap_or(1.0);
            let period = 2.0 * std::f64::consts::PI / 1000.0 * freq * dx;
            write(o, |d| {
                for (i, x) in d.iter_mut().enumerate() {
                    *x = (period * i as f64 + phase).sin();
                }
            });
            this
        }
        "scale" => {
            let (lo, hi) = (num(it, a, 0)?, num(it, a, 1)?);
            Value::Num(write(o, |d| ops::scale(d, lo, hi)))
        }
        "apply" => {
            apply(it, o, a, n)?;
            this
        }
        "reduce" => Value::Num(reduce(it, o, a, n)?),

        // ------------------------------------------------ statistics
        "sum" | "sumsq" => {
            let (lo, hi) = sub_range(it, a, 0, n)?;
            Value::Num(read(o, |d| {
                if name == "sum" {
                    ops::sum(&d[lo..hi])
                } else {
                    ops::sumsq(&d[lo..hi])
                }
            }))
        }
        "min" | "max" | "min_ind" | "max_ind" => {
            if n == 0 {
                return Ok(Some(Value::Num(if name.ends_with("_ind") {
                    -1.0
                } else {
                    0.0
                })));
            }
            let (lo, hi) = sub_range(it, a, 0, n)?;
            let i = lo
                + read(o, |d| {
                    if name.starts_with("min") {
                        ops::min_index(&d[lo..hi])
                    } else {
                        ops::max_index(&d[lo..hi])
                    }
                })
                .unwrap_or(0);
            Value::Num(if name.ends_with("_ind") {
                i as f64
            } else {
                read(o, |d| d[i])
            })
        }
        "mean" => {
            if !a.is_empty() {
                let (lo, hi) = sub_range(it, a, 0, n)?;
                let (start, end) = (lo as f64, (hi - 1) as f64);
                if end - start < 1.0 {
                    return Err(hoc_err!("end - start must be > 0"));
                }
                // NEURON computes sum/end - start + 1 here; kept for identical results.
                Value::Num(read(o, |d| ops::sum(&d[lo..hi])) / end - start + 1.0)
            } else {
                if n < 1 {
                    return Err(hoc_err!("Vector must have size > 0"));
                }
                Value::Num(read(o, ops::sum) / n as f64)
            }
        }
        "var" | "stdev" | "stderr" => {
            let (lo, hi) = if !a.is_empty() {
                let r = sub_range(it, a, 0, n)?;
                if r.1 - 1 - r.0 < 1 {
                    return Err(hoc_err!("end - start must be > 1"));
                }
                r
            } else {
                if n < 2 {
                    return Err(hoc_err!("Vector must have size > 1"));
                }
                (0, n)
            };
            let var = read(o, |d| ops::var(&d[lo..hi]));
            Value::Num(match name {
                "var" => var,
                "stdev" => var.sqrt(),
                _ => var.sqrt() / ((hi - lo) as f64).sqrt(),
            })
        }
        "median" => {
            if n == 0 {
                return Err(hoc_err!("Vector must have size > 0"));
            }
            Value::Num(read(o, ops::median))
        }
        "meansqerr" => {
            let y = vec_data(it, a, 0)?;
            let w = if a.len() > 1 {
                Some(vec_data(it, a, 1)?)
            } else {
                None
            };
            if n > y.len() || n == 0 {
                return Err(hoc_err!("Vector Vector argument too small\n"));
            }
            if w.as_ref().is_some_and(|w| n > w.len()) {
                return Err(hoc_err!("Vector second Vector size too small\n"));
            }
            let err = read(o, |x| {
                let mut err = 0.0;
                for i in 0..n {
                    let diff = x[i] - y[i];
                    err += match &w {
                        Some(w) => diff * diff * w[i],
                        None => diff * diff,
                    };
                }
                err
            });
            Value::Num(err / n as f64)
        }
        "dot" => {
            let y = vec_data(it, a, 0)?;
            Value::Num(read(o, |x| {
                x.iter().zip(&y).fold(0.0, |s, (p, q)| s + p * q)
            }))
        }
        "mag" => Value::Num(read(o, ops::sumsq).sqrt()),
        "eq" => {
            let y = vec_data(it, a, 0)?;
            let same = read(o, |x| {
                x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| ops::near(*p, *q, eps))
            });
            Value::Num(same as i32 as f64)
        }
        "contains" => {
            let g = num(it, a, 0)?;
            Value::Num(read(o, |x| x.iter().any(|&p| ops::near(p, g, eps))) as i32 as f64)
        }

        // ------------------------------------------------ searching
        "where" | "indvwhere" => {
            where_(it, o, name, a)?;
            this
        }
        "indwhere" => {
            let op = string(a, 0)?;
            let v1 = num(it, a, 1)?;
            let Some(cmp) = Cmp::parse(&op) else {
                return Err(hoc_err!("Vector Invalid comparator in .indwhere()\n"));
            };
            let v2 = if cmp.interval() { num(it, a, 2)? } else { 0.0 };
            Value::Num(
                read(o, |x| x.iter().position(|&p| cmp.test(p, v1, v2, eps)))
                    .map_or(-1.0, |i| i as f64),
            )
        }

        // ------------------------------------------------ reordering
        "sort" => {
            write(o, |d| ops::sort(d));
            this
        }
        "reverse" => {
            write(o, |d| d.reverse());
            this
        }
        "rotate" => {
            let r = int(num(it, a, 0)?);
            let wrap = a.len() < 2;
            write(o, |d| ops::rotate(d, r, wrap));
            this
        }
        "sortindex" => {
            let dest = if is_obj(a, 0) {
                vec_obj(it, a, 0)?
            } else {
                new_vector(it, Vec::new())
            };
            let idx = read(o, ops::sort_index);
            write(&dest, |d| *d = idx.into_iter().map(|i| i as f64).collect());
            Value::Obj(Some(dest))
        }

        // ------------------------------------------------ calculus and signals
        "deriv" => {
            let (src, mut i) = if is_obj(a, 0) {
                let so = vec_obj(it, a, 0)?;
                (
                    if Rc::ptr_eq(&so, o) {
                        None
                    } else {
                        Some(read(&so, |d| d.to_vec()))
                    },
                    1,
                )
            } else {
                (Some(read(o, |d| d.to_vec())), 0)
            };
            if src.as_ref().map_or(n, |s| s.len()) < 2 {
                return Err(hoc_err!(
                    "Can't take derivative of Vector with less than two points"
                ));
            }
            let mut dx = 1.0;
            if i < a.len() {
                dx = num(it, a, i)?;
                i += 1;
            }
            let sym = if i < a.len() {
                int(chkarg(it, a, i, 1.0, 2.0)?)
            } else {
                2
            };
            write(o, |d| ops::deriv_into(d, src.as_deref(), dx, sym))
                .map_err(|e| range_error(it, o, name, e))?;
            this
        }
        "integral" => {
            let (src, i) = if is_obj(a, 0) {
                (vec_data(it, a, 0)?, 1)
            } else {
                (read(o, |d| d.to_vec()), 0)
            };
            let dx = opt_num(it, a, i)?.unwrap_or(1.0);
            if src.is_empty() {
                write(o, |d| d.clear());
            }
            let out = ops::integral(&src, dx).map_err(|e| range_error(it, o, name, e))?;
            write(o, |d| *d = out);
            this
        }
        "interpolate" => {
            let xd = vec_data(it, a, 0)?;
            let xs = vec_data(it, a, 1)?;
            let ys = if a.len() > 2 {
                vec_data(it, a, 2)?
            } else {
                read(o, |d| d.to_vec())
            };
            let nd = xd.len();
            write(o, |d| d.resize(nd, 0.0));
            let out = ops::interpolate(&xd, &xs, &ys).map_err(|e| range_error(it, o, name, e))?;
            write(o, |d| *d = out);
            this
        }
        "histogram" => {
            let low = num(it, a, 0)?;
            let high = chkarg(it, a, 1, low, 1e99)?;
            let width = chkarg(it, a, 2, 0.0, high - low)?;
            let h = read(o, |d| ops::histogram(d, low, high, width));
            Value::Obj(Some(new_vector(it, h)))
        }
        "hist" => {
            let src = vec_obj(it, a, 0)?;
            same_err(o, &src, "hist")?;
            let start = num(it, a, 1)?;
            let size = int(num(it, a, 2)?);
            let step = chkarg(it, a, 3, 1e-99, 1e99)?;
            if size < 0 {
                return Err(hoc_err!("hist: vector size must be >= 0"));
            }
            let h = read(&src, |d| ops::hist(d, start, size as usize, step));
            write(o, |d| *d = h);
            this
        }
        "sumgauss" => {
            let low = num(it, a, 0)?;
            let high = chkarg(it, a, 1, low, 1e99)?;
            let step = chkarg(it, a, 2, 1e-99, 1e99)?;
            let var = chkarg(it, a, 3, 0.0, 1e99)?;
            let w = if a.len() > 4 {
                Some(vec_data(it, a, 4)?)
            } else {
                None
            };
            let s = read(o, |d| ops::sumgauss(d, low, high, step, var, w.as_deref()))
                .map_err(|e| range_error(it, o, name, e))?;
            Value::Obj(Some(new_vector(it, s)))
        }
        "spikebin" => {
            let so = vec_obj(it, a, 0)?;
            let src = if Rc::ptr_eq(&so, o) {
                None
            } else {
                Some(read(&so, |d| d.to_vec()))
            };
            let thresh = num(it, a, 1)?;
            let bin = if a.len() > 2 {
                int(chkarg(it, a, 2, 0.0, 1e6)?)
            } else {
                1
            };
            if bin == 0 {
                return Err(hoc_err!("spikebin: bin size must be > 0"));
            }
            write(o, |d| {
                ops::spikebin_into(d, src.as_deref(), thresh, bin as usize)
            })
            .map_err(|e| range_error(it, o, name, e))?;
            this
        }
        "rebin" => {
            let (src, i) = if is_obj(a, 0) {
                let so = vec_obj(it, a, 0)?;
                (
                    if Rc::ptr_eq(&so, o) {
                        None
                    } else {
                        Some(read(&so, |d| d.to_vec()))
                    },
                    1,
                )
            } else {
                (Some(read(o, |d| d.to_vec())), 0)
            };
            let f = int(num(it, a, i)?);
            if f <= 0 {
                return Err(hoc_err!("rebin: factor must be > 0"));
            }
            write(o, |d| ops::rebin_into(d, src.as_deref(), f as usize))
                .map_err(|e| range_error(it, o, name, e))?;
            this
        }
        "resample" => {
            let src = vec_data(it, a, 0)?;
            let f = chkarg(it, a, 1, 0.0, (src.len() / 2) as f64)?;
            let out = ops::resample(&src, f);
            write(o, |d| *d = out);
            this
        }
        "trigavg" => {
            let data = vec_data(it, a, 0)?;
            let trig = vec_data(it, a, 1)?;
            let m = data.len() as f64 - 1.0;
            let pre = int(chkarg(it, a, 2, 0.0, m)?) as usize;
            let post = int(chkarg(it, a, 3, 0.0, m)?) as usize;
            let (avg, count) = ops::trigavg(&data, &trig, pre, post);
            write(o, |d| *d = avg);
            Value::Num(count as f64)
        }
        "psth" => {
            let src = vec_data(it, a, 0)?;
            let dt = chkarg(it, a, 1, 0.0, 9e99)?;
            let trials = chkarg(it, a, 2, 0.0, 9e99)?;
            let size = chkarg(it, a, 3, 0.0, (src.len() / 2) as f64)?;
            let out = ops::psth(&src, dt, trials, size);
            write(o, |d| *d = out);
            this
        }
        "inf" => {
            let stim = vec_data(it, a, 0)?;
            let dt = chkarg(it, a, 1, 1e-99, 9e99)?;
            let p: Vec<f64> = (2..7).map(|i| num(it, a, i)).collect::<HResult<_>>()?;
            let refp = opt_num(it, a, 7)?.unwrap_or(0.0);
            let out = ops::inf(&stim, dt, p[0], p[1], p[2], p[3], p[4], refp)
                .map_err(|e| range_error(it, o, name, e))?;
            write(o, |d| *d = out);
            this
        }

        "setrand" | "addrand" => {
            let r = match object(a, 0)? {
                Some(r) if &*it.classes[r.class as usize].name == "Random" => r,
                Some(r) => {
                    return Err(hoc_err!(
                        "object type is {} instead of Random",
                        it.classes[r.class as usize].name
                    ))
                }
                None => return Err(hoc_err!("object type is nullptr instead of Random")),
            };
            let (lo, hi) = sub_range(it, a, 1, n)?;
            for i in lo..hi {
                let x = super::random::pick(&r)?;
                write(o, |d| {
                    if name == "setrand" {
                        d[i] = x
                    } else {
                        d[i] += x
                    }
                });
            }
            this
        }

        // ------------------------------------------------ output
        "printf" if is_obj(a, 0) => return file_method(it, o, name, a),
        "printf" => Value::Num(printf(it, o, a, n)?),
        // Lines and marks recorded in a Graph.
        "plot" | "line" | "mark" | "ploterr" => {
            if it.graphs {
                super::graph::vector_method(it, o, name, a)?;
            }
            this
        }

        "fwrite" | "fread" | "vwrite" | "vread" | "scanf" | "scantil" => {
            return file_method(it, o, name, a)
        }
        "fit" | "correl" | "convlv" | "spctrm" | "filter" | "fft" | "smhist" | "medfltr"
        | "from_python" | "to_python" | "as_numpy" => {
            return Err(hoc_err!("Vector.{name} is not implemented"));
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// `indgen()`, `indgen(step)`, `indgen(start, step)`, `indgen(start, end, step)`.
fn indgen(it: &Interp, o: &ObjRef, a: &[Value], n: usize) -> HResult<()> {
    let (start, step, m) = match a.len() {
        0 => (0.0, 1.0, n),
        1 => (0.0, chkarg(it, a, 0, -MAX_INT, MAX_INT)?, n),
        2 => (num(it, a, 0)?, chkarg(it, a, 1, -MAX_INT, MAX_INT)?, n),
        _ => {
            let (start, end) = (num(it, a, 0)?, num(it, a, 1)?);
            let step = chkarg(
                it,
                a,
                2,
                (start - end).min(end - start),
                (start - end).max(end - start),
            )?;
            let xn = ((end - start) / step + 1e-9).floor() + 1.0;
            if xn.is_nan() {
                return Err(hoc_err!(
                    "{}::indgen: vector::_M_default_append",
                    it.object_name(o)
                ));
            } else if xn > MAX_INT {
                return Err(hoc_err!("size too large"));
            } else if xn < 0.0 {
                return Err(hoc_err!("empty set"));
            }
            (start, step, xn as usize)
        }
    };
    write(o, |d| {
        d.resize(m, 0.0);
        for (i, x) in d.iter_mut().enumerate() {
            *x = i as f64 * step + start;
        }
    });
    Ok(())
}

/// `copy(src)`, `copy(src, dest_start)`, `copy(src, src_start, src_end)`,
/// `copy(src, dest_start, src_start, src_end [, dest_inc, src_inc])`,
/// `copy(src, src_indices [, dest_indices])`.
fn copy(it: &Interp, o: &ObjRef, a: &[Value]) -> HResult<()> {
    let src_o = vec_obj(it, a, 0)?;
    // With the receiver as source, elements are read from the receiver as
    // the copy proceeds (overlapping copies smear, as in NEURON).
    let src: Option<Vec<f64>> = if Rc::ptr_eq(o, &src_o) {
        None
    } else {
        Some(read(&src_o, |d| d.to_vec()))
    };
    let nx = match &src {
        Some(s) => s.len(),
        None => read(o, |d| d.len()),
    };
    let get = |d: &Vec<f64>, i: usize| match &src {
        Some(s) => s[i],
        None => d[i],
    };
    let eps = it.float_epsilon();
    if is_obj(a, 1) {
        let srcind = vec_data(it, a, 1)?;
        if is_obj(a, 2) {
            let destind = vec_data(it, a, 2)?;
            let ns = srcind.len().min(destind.len());
            write(o, |d| {
                let ny = d.len() as i64;
                for i in 0..ns {
                    let ix = int(srcind[i] + eps);
                    let iy = int(destind[i] + eps);
                    if ix >= 0 && iy >= 0 && ix < nx as i64 && iy < ny {
                        let v = get(d, ix as usize);
                        d[iy as usize] = v;
                    }
                }
            });
        } else {
            write(o, |d| {
                let nx = nx.min(d.len()) as i64;
                for &s in &srcind {
                    let ii = int(s + eps);
                    if ii >= 0 && ii < nx {
                        let v = get(d, ii as usize);
                        d[ii as usize] = v;
                    }
                }
            });
        }
        return Ok(());
    }
    let top = nx as f64 - 1.0;
    let (mut srcstart, mut srcend, mut srcinc, mut deststart, mut destinc) =
        (0i64, nx as i64 - 1, 1i64, 0i64, 1i64);
    match a.len() {
        0 | 1 => {}
        2 => deststart = int(num(it, a, 1)?),
        3 => {
            srcstart = int(chkarg(it, a, 1, 0.0, top)?);
            srcend = int(chkarg(it, a, 2, -1.0, top)?);
        }
        _ => {
            deststart = int(num(it, a, 1)?);
            srcstart = int(chkarg(it, a, 2, 0.0, top)?);
            srcend = int(chkarg(it, a, 3, -1.0, top)?);
            if a.len() > 4 {
                destinc = int(chkarg(it, a, 4, 1.0, MAX_INT)?);
                srcinc = int(chkarg(it, a, 5, 1.0, MAX_INT)?);
            }
        }
    }
    if srcend == -1 {
        srcend = nx as i64 - 1;
    } else if srcend < srcstart {
        return Err(hoc_err!("Vector.copy: src_end arg smaller than src_start"));
    }
    if deststart < 0 {
        return Err(range_error(
            it,
            o,
            "copy",
            OutOfRange(deststart as usize, read(o, |d| d.len())),
        ));
    }
    let size = ((srcend - srcstart) / srcinc * destinc + deststart + 1).max(0) as usize;
    write(o, |d| {
        if d.len() < size || (d.len() > size && a.len() < 2) {
            d.resize(size, 0.0);
        }
        let (mut i, mut j) = (srcstart, deststart);
        while i <= srcend {
            let v = get(d, i as usize);
            d[j as usize] = v;
            i += srcinc;
            j += destinc;
        }
    });
    Ok(())
}

/// `add`, `sub`, `mul`, `div` by a number or element-wise by a Vector.
fn arith(it: &Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<()> {
    let f = |x: f64, y: f64| match name {
        "add" => x + y,
        "sub" => x - y,
        "mul" => x * y,
        _ => x / y,
    };
    match a.first() {
        Some(Value::Num(y)) => {
            if name == "div" && *y == 0.0 {
                return Err(hoc_err!("Vector Division by zero"));
            }
            write(o, |d| d.iter_mut().for_each(|x| *x = f(*x, *y)));
        }
        Some(Value::Obj(_)) => {
            let w = vec_data(it, a, 0)?;
            if w.len() != read(o, |d| d.len()) {
                let shown = if name == "mul" { "mult" } else { name };
                return Err(hoc_err!(
                    "Vector Vector argument to .{shown}() wrong size\n"
                ));
            }
            write(o, |d| {
                d.iter_mut().zip(&w).for_each(|(x, y)| *x = f(*x, *y))
            });
        }
        Some(_) => {}
        None => return Err(HocError::new("not enough arguments")),
    }
    Ok(())
}

/// `pow([src,] p)`.
fn vpow(it: &Interp, o: &ObjRef, a: &[Value]) -> HResult<()> {
    let (src, i) = if is_obj(a, 0) {
        (vec_data(it, a, 0)?, 1)
    } else {
        (read(o, |d| d.to_vec()), 0)
    };
    let p = num(it, a, i)?;
    write(o, |d| {
        d.resize(src.len(), 0.0);
        for (y, &x) in d.iter_mut().zip(&src) {
            *y = if p == -1.0 {
                // NEURON tests the destination element here (and reports it oddly).
                if *y == 0.0 {
                    return Err(hoc_err!("Vector Invalid comparator in .where()\n"));
                }
                1.0 / x
            } else if p == 0.0 {
                1.0
            } else if p == 0.5 {
                if x < 0.0 {
                    return Err(hoc_err!("sqrt argument out of domain"));
                }
                x.sqrt()
            } else if p == 1.0 {
                x
            } else if p == 2.0 {
                x * x
            } else {
                x.powf(p)
            };
        }
        Ok(())
    })
}

/// A function `apply`/`reduce` call by name.
enum Callee {
    User(Rc<crate::ast::FuncDef>, Option<ObjRef>),
    Builtin(super::Builtin),
}

/// Looks `name` up as NEURON does from the current context: the current
/// object's template first, then the top level (which includes built-ins).
fn lookup_func(it: &Interp, name: &str) -> HResult<Callee> {
    if let Some(this) = &it.this {
        if let Some(t) = it.template(this.class) {
            if let Some(i) = t.scope.get(name) {
                if let Kind::Func(d) | Kind::Proc(d) = t.scope.kind(i) {
                    return Ok(Callee::User(d.clone(), Some(this.clone())));
                }
            }
        }
    }
    match it.globals.get(name).map(|i| it.globals.kind(i)) {
        Some(Kind::Func(d) | Kind::Proc(d)) => Ok(Callee::User(d.clone(), None)),
        Some(Kind::Builtin(f)) => Ok(Callee::Builtin(*f)),
        None => Err(hoc_err!("{name}  is undefined")),
        Some(_) => Err(hoc_err!("{name} undefined function")),
    }
}

fn call1(it: &mut Interp, f: &Callee, x: f64) -> HResult<f64> {
    let r = match f {
        Callee::User(def, this) => {
            it.call_user(def, vec![Value::Num(x)], vec![None], this.clone(), None)?
        }
        Callee::Builtin(b) => b(it, &[Value::Num(x)])?,
    };
    match r {
        Value::Num(y) => Ok(y),
        Value::Ptr(p) => it.read_place(&p),
        _ => Ok(0.0),
    }
}

/// `apply("func" [, start, end])`: x[i] = func(x[i]).
fn apply(it: &mut Interp, o: &ObjRef, a: &[Value], n: usize) -> HResult<()> {
    if a.len() > 3 {
        return Err(hoc_err!("Too many parameters to apply method."));
    }
    let (lo, hi) = sub_range(it, a, 1, n)?;
    if !is_str(a, 0) {
        return Err(hoc_err!(
            "apply: first argument must be a HOC string or a Python callable"
        ));
    }
    let f = lookup_func(it, &string(a, 0)?)?;
    for i in lo..hi {
        let x = read(o, |d| d.get(i).copied())
            .ok_or_else(|| range_error(it, o, "apply", OutOfRange(i, read(o, |d| d.len()))))?;
        let y = call1(it, &f, x)?;
        let len = read(o, |d| d.len());
        if i >= len {
            return Err(range_error(it, o, "apply", OutOfRange(i, len)));
        }
        write(o, |d| d[i] = y);
    }
    Ok(())
}

/// `reduce("func" [, base [, start, end]])`: base + sum of func(x[i]).
fn reduce(it: &mut Interp, o: &ObjRef, a: &[Value], n: usize) -> HResult<f64> {
    let (lo, hi) = sub_range(it, a, 2, n)?;
    let f = lookup_func(it, &string(a, 0)?)?;
    let mut base = opt_num(it, a, 1)?.unwrap_or(0.0);
    for i in lo..hi {
        let x = read(o, |d| d.get(i).copied())
            .ok_or_else(|| range_error(it, o, "reduce", OutOfRange(i, read(o, |d| d.len()))))?;
        base += call1(it, &f, x)?;
    }
    Ok(base)
}

/// `where([src,] op, value [, value2])` and `indvwhere(...)`: the elements
/// (or their indices) of src, default a copy of the receiver, that pass.
fn where_(it: &Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<()> {
    let (src, i) = if is_obj(a, 0) {
        (vec_obj(it, a, 0)?, 1)
    } else {
        (o.clone(), 0)
    };
    let aliased = i == 1 && Rc::ptr_eq(&src, o);
    let x = read(&src, |d| d.to_vec());
    let op = string(a, i)?;
    let v1 = num(it, a, i + 1)?;
    write(o, |d| d.clear());
    let Some(cmp) = Cmp::parse(&op) else {
        return Err(hoc_err!("Vector Invalid comparator in .{name}()\n"));
    };
    let v2 = if cmp.interval() {
        num(it, a, i + 2)?
    } else {
        0.0
    };
    if aliased && !x.is_empty() {
        // The source was the receiver, now emptied.
        return Err(range_error(it, o, name, OutOfRange(0, 0)));
    }
    let eps = it.float_epsilon();
    let out: Vec<f64> = x
        .iter()
        .enumerate()
        .filter(|(_, &p)| cmp.test(p, v1, v2, eps))
        .map(|(j, &p)| if name == "where" { p } else { j as f64 })
        .collect();
    write(o, |d| *d = out);
    Ok(())
}

/// The methods that read or write a File (implemented with the File class).
/// The elements are moved out for the call, so no borrow is held meanwhile.
fn file_method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let mut data = write(o, std::mem::take);
    let r = super::file::vector_method(it, name, &mut data, a);
    write(o, |d| *d = data);
    r
}

/// `printf([fmt] [, start, end])` to standard output; returns the count.
fn printf(it: &mut Interp, o: &ObjRef, a: &[Value], n: usize) -> HResult<f64> {
    let mut next = 0;
    let (fmt, by_fives) = if is_str(a, 0) {
        next = 1;
        (string(a, 0)?, false)
    } else {
        ("%g\t".to_string(), true)
    };
    let (start, end) = if next < a.len() {
        let s = int(chkarg(it, a, next, 0.0, top(n))?);
        (s, int(chkarg(it, a, next + 1, s as f64, top(n))?))
    } else {
        (0, n as i64 - 1)
    };
    if start <= end {
        check_format(&fmt).map_err(|m| hoc_err!("{}::printf: {m}", it.object_name(o)))?;
    }
    let mut out = String::new();
    for i in start..=end {
        let x = read(o, |d| d[i as usize]);
        out.push_str(&crate::format::sprintf(&fmt, &[FmtArg::Num(x)]).map_err(HocError::new)?);
        if by_fives && (i - start + 1) % 5 == 0 {
            out.push('\n');
        }
    }
    if by_fives {
        out.push('\n');
    }
    it.write_out(&out)?;
    Ok((end - start + 1) as f64)
}

/// NEURON formats each element with the fmt library's printf, which takes
/// only floating conversions and at most one of them.
fn check_format(fmt: &str) -> Result<(), &'static str> {
    let b = fmt.as_bytes();
    let mut i = 0;
    let mut used = false;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        if b.get(i) == Some(&b'%') {
            i += 1;
            continue;
        }
        while i < b.len() && b"-+ #0".contains(&b[i]) {
            i += 1;
        }
        let mut takes_arg = |i: &mut usize, what: &'static str| -> Result<(), &'static str> {
            if b.get(*i) == Some(&b'*') {
                *i += 1;
                if used {
                    return Err("argument not found");
                }
                used = true;
                return Err(what);
            }
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            Ok(())
        };
        takes_arg(&mut i, "width is not integer")?;
        if b.get(i) == Some(&b'.') {
            i += 1;
            takes_arg(&mut i, "precision is not integer")?;
        }
        while i < b.len() && b"hlLjztq".contains(&b[i]) {
            i += 1;
        }
        if used {
            return Err("argument not found");
        }
        used = true;
        match b.get(i) {
            Some(c) if b"aAeEfFgG".contains(c) => i += 1,
            _ => return Err("invalid format specifier"),
        }
    }
    Ok(())
}

/// The place `j` doubles after `p` (for `from_double`).
pub fn place_offset(p: &Place, j: usize) -> Place {
    match p.clone() {
        Place::Global(i, k) => Place::Global(i, k + j),
        Place::Local(f, i, k) => Place::Local(f, i, k + j),
        Place::Field(ob, i, k) => Place::Field(ob, i, k + j),
        Place::VecElem(ob, k) => Place::VecElem(ob, k + j),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::check_format;
    use super::ops::*;
    use crate::interp::Interp;

    /// Runs HOC `code` and returns the values of the named top-level variables.
    fn run(code: &str, names: &[&str]) -> Vec<f64> {
        let mut it = Interp::new(Box::new(std::io::sink()));
        it.run_text("test", code.into()).expect("hoc code runs");
        names
            .iter()
            .map(|n| it.global_num(it.globals.get(n).expect("variable defined")))
            .collect()
    }

    #[test]
    fn var_and_stdev_use_n_minus_1() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(var(&x), 5.0 / 3.0);
        assert_eq!(var(&x).sqrt(), (5.0f64 / 3.0).sqrt());
        let r = run("objref a\na = new Vector()\na.append(1, 2, 3, 4)\nvr = a.var()\ns = a.stdev()\ne = a.stderr()\n", &["vr", "s", "e"]);
        assert_eq!(
            r,
            vec![
                5.0 / 3.0,
                (5.0f64 / 3.0).sqrt(),
                (5.0f64 / 3.0).sqrt() / 2.0
            ]
        );
    }

    #[test]
    fn mean_over_a_range_keeps_neurons_formula() {
        // NEURON returns sum/end - start + 1 for mean(start, end).
        let r = run(
            "objref a\na = new Vector()\na.append(1, 2, 3, 4, 5)\nm = a.mean(1, 3)\nw = a.mean()\n",
            &["m", "w"],
        );
        assert_eq!(r, vec![9.0 / 3.0 - 1.0 + 1.0, 3.0]);
        let r = run(
            "objref a\na = new Vector()\na.append(2, 4, 6, 8)\nm = a.mean(2, 3)\n",
            &["m"],
        );
        assert_eq!(r, vec![14.0 / 3.0 - 2.0 + 1.0]);
    }

    #[test]
    fn empty_sum_is_positive_zero() {
        assert!(sum(&[]).is_sign_positive());
        assert!(sumsq(&[]).is_sign_positive());
    }

    #[test]
    fn min_max_take_the_first_extreme() {
        let x = [3.0, 1.0, 5.0, 1.0, 5.0];
        assert_eq!(min_index(&x), Some(1));
        assert_eq!(max_index(&x), Some(2));
        assert_eq!(min_index(&[]), None);
    }

    #[test]
    fn sortindex_is_stable_on_ties() {
        let x = [2.0, 1.0, 2.0, 1.0, 0.0, 2.0];
        assert_eq!(sort_index(&x), vec![4, 1, 3, 0, 2, 5]);
    }

    #[test]
    fn where_comparisons_use_float_epsilon() {
        let e = 1e-11;
        assert!(Cmp::parse("==").unwrap().test(3.0 + 1e-12, 3.0, 0.0, e));
        assert!(!Cmp::parse("==").unwrap().test(3.0 + 1e-10, 3.0, 0.0, e));
        assert!(!Cmp::parse(">").unwrap().test(3.0 + 1e-12, 3.0, 0.0, e));
        assert!(Cmp::parse(">=").unwrap().test(3.0 - 1e-12, 3.0, 0.0, e));
        assert!(!Cmp::parse("<").unwrap().test(3.0 - 1e-12, 3.0, 0.0, e));
        let between = |op: &str, x: f64| Cmp::parse(op).unwrap().test(x, 1.0, 2.0, e);
        assert_eq!(
            [between("[]", 1.0), between("[]", 2.0), between("[]", 2.5)],
            [true, true, false]
        );
        assert_eq!([between("[)", 1.0), between("[)", 2.0)], [true, false]);
        assert_eq!([between("(]", 1.0), between("(]", 2.0)], [false, true]);
        assert_eq!(
            [between("()", 1.0), between("()", 1.5), between("()", 2.0)],
            [false, true, false]
        );
        assert!(Cmp::parse("=").is_none() && Cmp::parse("<>").is_none());
        // Tolerance is strict: a difference of exactly e is not equal.
        assert!(!near(0.5, 0.0, 0.5));
    }

    #[test]
    fn where_and_indvwhere_forms() {
        let r = run(
            "objref a, b\na = new Vector()\na.append(5, 1, 3, 7, 3)\nb = new Vector()\nb.where(a, \"==\", 3)\nn1 = b.size()\n\
             b.indvwhere(a, \"[)\", 3, 7)\nn2 = b.size()\nf2 = b.x[2]\nb = a.c\nb.where(\">\", 4)\nn3 = b.size()\n\
             i1 = a.indwhere(\"()\", 3, 7)\ni2 = a.indwhere(\">\", 9)\n",
            &["n1", "n2", "f2", "n3", "i1", "i2"],
        );
        assert_eq!(r, vec![2.0, 3.0, 4.0, 2.0, 0.0, -1.0]);
    }

    #[test]
    fn rotate_wraps_or_zero_fills() {
        let base = [1.0, 2.0, 3.0, 4.0, 5.0];
        let rot = |r: i64, wrap: bool| {
            let mut x = base;
            rotate(&mut x, r, wrap);
            x
        };
        assert_eq!(rot(2, true), [4.0, 5.0, 1.0, 2.0, 3.0]);
        assert_eq!(rot(-2, true), [3.0, 4.0, 5.0, 1.0, 2.0]);
        assert_eq!(rot(2, false), [0.0, 0.0, 1.0, 2.0, 3.0]);
        assert_eq!(rot(-2, false), [3.0, 4.0, 5.0, 0.0, 0.0]);
        assert_eq!(rot(5, true), base);
        assert_eq!(rot(7, true), rot(2, true));
    }

    #[test]
    fn interpolate_clamps_and_skips_non_increasing_points() {
        let xs = [0.0, 2.0, 1.0, 3.0];
        let ys = [0.0, 20.0, 10.0, 30.0];
        let y = interpolate(&[-1.0, 1.0, 2.5, 9.0], &xs, &ys).unwrap();
        assert_eq!(y, vec![0.0, 10.0, 25.0, 30.0]);
        assert_eq!(interpolate(&[1.0], &[], &[]), Err(OutOfRange(0, 0)));
    }

    #[test]
    fn deriv_in_place_reads_overwritten_values() {
        let mut own = vec![1.0, 4.0, 9.0, 16.0];
        deriv_into(&mut own, None, 1.0, 2).unwrap();
        assert_eq!(own, vec![3.0, (9.0 - 3.0) / 2.0, (7.0 - 3.0) / 2.0, 7.0]);
        let mut out = Vec::new();
        deriv_into(&mut out, Some(&[1.0, 4.0, 9.0, 16.0]), 1.0, 2).unwrap();
        assert_eq!(out, vec![3.0, 4.0, 6.0, 7.0]);
        deriv_into(&mut out, Some(&[1.0, 4.0, 9.0]), 0.5, 1).unwrap();
        assert_eq!(out, vec![6.0, 10.0]);
        let mut own = vec![1.0, 4.0, 9.0];
        assert!(deriv_into(&mut own, None, 1.0, 1).is_err());
    }

    #[test]
    fn histogram_bins() {
        assert_eq!(
            histogram(&[-1.0, 0.0, 0.5, 1.0, 2.0, 3.0], 0.0, 2.0, 1.0),
            vec![1.0, 2.0, 1.0, 1.0]
        );
        assert_eq!(
            hist(&[-1.0, 0.0, 0.5, 1.0, 2.0, 3.0], 0.0, 2, 1.0),
            vec![2.0, 1.0]
        );
    }

    #[test]
    fn printf_formats_take_one_floating_conversion() {
        assert_eq!(check_format("%g\t"), Ok(()));
        assert_eq!(check_format("%-+ #08.3lf|%%"), Ok(()));
        assert_eq!(check_format("no conversion"), Ok(()));
        assert_eq!(check_format("%d"), Err("invalid format specifier"));
        assert_eq!(check_format("%5"), Err("invalid format specifier"));
        assert_eq!(check_format("%g %g"), Err("argument not found"));
        assert_eq!(check_format("%*g"), Err("width is not integer"));
    }

    #[test]
    fn receiver_as_argument_does_not_double_borrow() {
        let r = run(
            "objref a\na = new Vector()\na.append(1, 2, 3)\na.add(a)\na.mul(a)\ns = a.sum()\n\
             a.copy(a, 1)\nn = a.size()\nd = a.dot(a)\nobjref b\nb = a.c\nb.index(b, b)\nfunc f() { return $1 + a.size() }\n\
             a.apply(\"f\")\nl = a.x[3]\n",
            &["s", "n", "d", "l"],
        );
        // a = 4 16 36, copy(a, 1) makes 4 4 4 4 (the copy reads what it wrote).
        assert_eq!(r, vec![56.0, 4.0, 64.0, 8.0]);
    }
}
