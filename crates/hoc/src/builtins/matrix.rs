//! The HOC `Matrix` class; the arithmetic is the `dense` crate's.

use std::cell::RefCell;
use std::rc::Rc;

use dense::*;

use super::vector::{new_vector, vec_arg, with_vec, VecObj};
use super::{chkarg, num, object, opt_num, pointer, string};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::{ObjData, Object};
use crate::value::{ObjRef, Place, Value};

pub struct MatrixObj {
    pub nrow: usize,
    pub ncol: usize,
    /// Storage type given to the constructor (1 full, 2 sparse, 3 band).
    pub kind: u8,
    /// Row-major elements, held in a Vector object that is not registered
    /// with the interpreter, so that `&m.x[i][j]` is an ordinary
    /// `Place::VecElem`.
    pub cells: ObjRef,
}

// ---------------------------------------------------------------- the HOC class

fn cells_object(it: &Interp, data: Vec<f64>) -> ObjRef {
    let ci = it.class_id("Vector").expect("Vector class");
    Rc::new(Object {
        class: ci,
        index: 0,
        data: RefCell::new(ObjData::Vector(VecObj {
            data,
            label: String::new(),
        })),
        count: None,
        on_drop: None,
    })
}

fn arg_index(it: &Interp, x: f64) -> i64 {
    (x + it.float_epsilon()) as i64
}

fn dims(it: &Interp, a: &[Value], i: usize, what: &str) -> HResult<usize> {
    match opt_num(it, a, i)? {
        None => Ok(1),
        Some(x) if !(1.0..=1e10).contains(&x) => {
            Err(hoc_err!("Arg out of range in user function{what}"))
        }
        Some(x) => Ok(arg_index(it, x) as usize),
    }
}

pub fn construct(it: &mut Interp, args: &[Value]) -> HResult<MatrixObj> {
    let nrow = dims(it, args, 0, "")?;
    let ncol = dims(it, args, 1, "")?;
    let kind = match opt_num(it, args, 2)? {
        None => 1,
        Some(x) if !(1.0..=3.0).contains(&x) => {
            return Err(hoc_err!("Arg out of range in user function"))
        }
        Some(x) => x as u8,
    };
    Ok(MatrixObj {
        nrow,
        ncol,
        kind,
        cells: cells_object(it, vec![0.0; nrow * ncol]),
    })
}

fn with_matrix<R>(o: &ObjRef, f: impl FnOnce(&mut MatrixObj) -> R) -> HResult<R> {
    super::with_native::<MatrixObj, R>(o, f)
}

/// A Matrix object's elements.
pub fn load(o: &ObjRef) -> HResult<Mat> {
    let (r, c, cells) = with_matrix(o, |m| (m.nrow, m.ncol, m.cells.clone()))?;
    let d = with_vec(&cells, |v| v.data.clone())?;
    Ok(Mat { r, c, d })
}

/// Replaces a Matrix object's elements (and shape).
pub fn store(o: &ObjRef, m: Mat) -> HResult<()> {
    let cells = with_matrix(o, |x| {
        x.nrow = m.r;
        x.ncol = m.c;
        x.cells.clone()
    })?;
    with_vec(&cells, |v| v.data = m.d)
}

pub fn new_matrix(it: &mut Interp, m: Mat) -> ObjRef {
    let ci = it.class_id("Matrix").expect("Matrix class");
    let obj = MatrixObj {
        nrow: m.r,
        ncol: m.c,
        kind: 1,
        cells: cells_object(it, m.d),
    };
    it.new_object(ci, ObjData::Native(Box::new(obj)))
}

fn is_matrix(o: &ObjRef) -> bool {
    matches!(&*o.data.borrow(), ObjData::Native(b) if b.is::<MatrixObj>())
}

fn matrix_arg(a: &[Value], i: usize) -> HResult<ObjRef> {
    match object(a, i)? {
        Some(o) if is_matrix(&o) => Ok(o),
        Some(_) => Err(hoc_err!("arg {} is not a Matrix", i + 1)),
        None => Err(hoc_err!("arg {} is a NULLobject, expected a Matrix", i + 1)),
    }
}

fn vector_obj(a: &[Value], i: usize) -> HResult<ObjRef> {
    match object(a, i)? {
        Some(o) if matches!(&*o.data.borrow(), ObjData::Vector(_)) => Ok(o),
        _ => Err(hoc_err!("arg {} is not a Vector", i + 1)),
    }
}

fn check_domain(i: i64, max: i64) -> HResult<()> {
    if i > max || i < 0 {
        return Err(hoc_err!(
            "Matrix index out of range: index={i}  max_index={max}\n"
        ));
    }
    Ok(())
}

fn wrong_size() -> crate::error::HocError {
    hoc_err!("wrong size for Matrix or Vector operation")
}


/// The output Vector of a method: argument `i` if given (resized to `n`,
/// keeping its elements), else a new one of `n` zeros.
fn out_vector(it: &mut Interp, a: &[Value], i: usize, n: usize) -> HResult<ObjRef> {
    if a.len() > i {
        let v = vector_obj(a, i)?;
        with_vec(&v, |d| d.data.resize(n, 0.0))?;
        Ok(v)
    } else {
        Ok(new_vector(it, vec![0.0; n]))
    }
}

/// The output Matrix of a method: argument `i` if given, else a new one.
fn out_matrix(it: &mut Interp, a: &[Value], i: usize, r: usize, c: usize) -> HResult<ObjRef> {
    if a.len() > i {
        matrix_arg(a, i)
    } else {
        Ok(new_matrix(it, Mat::zeros(r, c)))
    }
}

/// `&m.x[i][j]`: the place of a Matrix element. None when `o` is not a
/// Matrix or `name` is not `x`.
pub fn place(it: &Interp, o: &ObjRef, name: &str, k: &[f64]) -> HResult<Option<Place>> {
    if name != "x" || !is_matrix(o) {
        return Ok(None);
    }
    let (i, j, cols, cells) = element_index(it, o, k)?;
    Ok(Some(Place::VecElem(cells, i * cols + j)))
}

fn element_index(it: &Interp, o: &ObjRef, k: &[f64]) -> HResult<(usize, usize, usize, ObjRef)> {
    if k.len() != 2 {
        return Err(hoc_err!("Array dimension of Matrix.x is 2"));
    }
    let (r, c, cells) = with_matrix(o, |m| (m.nrow, m.ncol, m.cells.clone()))?;
    let (i, j) = (arg_index(it, k[0]), arg_index(it, k[1]));
    check_domain(i, r as i64 - 1)?;
    check_domain(j, c as i64 - 1)?;
    Ok((i as usize, j as usize, c, cells))
}

pub fn method(
    it: &mut Interp,
    o: &ObjRef,
    name: &str,
    k: &[f64],
    args: Option<&[Value]>,
) -> HResult<Option<Value>> {
    if name == "x" {
        // `m.x(i, j)`: the legacy form of `m.x[i][j]`.
        let mut legacy = Vec::new();
        if let (true, Some(a)) = (k.is_empty(), args) {
            for i in 0..a.len() {
                legacy.push(num(it, a, i)?);
            }
        }
        let k = if legacy.is_empty() { k } else { &legacy[..] };
        let (i, j, c, cells) = element_index(it, o, k)?;
        return Ok(Some(Value::Num(with_vec(&cells, |v| v.data[i * c + j])?)));
    }
    let a = args.unwrap_or(&[]);
    let this = Value::Obj(Some(o.clone()));
    let numv = |x: f64| Ok(Some(Value::Num(x)));
    let objv = |x: ObjRef| Ok(Some(Value::Obj(Some(x))));
    let mut m = load(o)?;
    let (nr, nc) = (m.r, m.c);
    match name {
        "nrow" => numv(nr as f64),
        "ncol" => numv(nc as f64),
        "getval" => {
            let i = chkarg(it, a, 0, 0.0, nr as f64 - 1.0)? as usize;
            let j = chkarg(it, a, 1, 0.0, nc as f64 - 1.0)? as usize;
            numv(m.at(i, j))
        }
        "setval" => {
            let i = chkarg(it, a, 0, 0.0, nr as f64 - 1.0)? as usize;
            let j = chkarg(it, a, 1, 0.0, nc as f64 - 1.0)? as usize;
            let x = num(it, a, 2)?;
            m.set(i, j, x);
            store(o, m)?;
            numv(x)
        }
        "sprowlen" | "spgetrowval" => {
            if with_matrix(o, |x| x.kind)? != 2 {
                return Err(hoc_err!(
                    "Matrix method not implemented for this type matrix"
                ));
            }
            let i = chkarg(it, a, 0, 0.0, nr as f64 - 1.0)? as usize;
            let nz: Vec<usize> = (0..nc).filter(|&j| m.at(i, j) != 0.0).collect();
            if name == "sprowlen" {
                return numv(nz.len() as f64);
            }
            let jx = chkarg(it, a, 1, 0.0, nz.len() as f64 - 1.0)? as usize;
            if a.len() > 2 {
                it.write_place(&pointer(a, 2)?, nz[jx] as f64)?;
            }
            numv(m.at(i, nz[jx]))
        }
        "det" => {
            if nr != nc {
                return Err(wrong_size());
            }
            let mut d = determinant(&m);
            let mut e = 0;
            if d != 0.0 && d.is_finite() {
                while d.abs() >= 10.0 {
                    d *= 0.1;
                    e += 1;
                }
                while d.abs() < 1.0 {
                    d *= 10.0;
                    e -= 1;
                }
            }
            it.write_place(&pointer(a, 0)?, e as f64)?;
            numv(d)
        }
        "printf" => {
            let f1 = if !a.is_empty() {
                string(a, 0)?
            } else {
                " %-8.3g".to_string()
            };
            let f2 = if a.len() > 1 {
                string(a, 1)?
            } else {
                "\n".to_string()
            };
            let text = format_matrix(&m, &f1, &f2)?;
            it.write_out(&text)?;
            numv(0.0)
        }
        "fprint" => {
            let mut ia = 0;
            let mut pr_size = true;
            if matches!(a.first(), Some(Value::Num(_) | Value::Ptr(_))) {
                pr_size = chkarg(it, a, 0, 0.0, 1.0)? as i32 == 1;
                ia = 1;
            }
            let f = super::file::file_arg(a, ia)?;
            let f1 = if a.len() > ia + 1 {
                string(a, ia + 1)?
            } else {
                " %-8.3g".to_string()
            };
            let f2 = if a.len() > ia + 2 {
                string(a, ia + 2)?
            } else {
                "\n".to_string()
            };
            let mut text = if pr_size {
                format!("{nr} {nc}\n")
            } else {
                String::new()
            };
            text.push_str(&format_matrix(&m, &f1, &f2)?);
            super::file::with_file(&f, |s| s.write(text.as_bytes()))??;
            numv(0.0)
        }
        "scanf" => {
            let f = super::file::file_arg(a, 0)?;
            let (r, c) = if a.len() > 1 {
                (
                    chkarg(it, a, 1, 1.0, 1e9)? as usize,
                    chkarg(it, a, 2, 1.0, 1e9)? as usize,
                )
            } else {
                let r = super::file::with_file(&f, |s| s.scan_number())?? as i64;
                let c = super::file::with_file(&f, |s| s.scan_number())?? as i64;
                (r.max(0) as usize, c.max(0) as usize)
            };
            let mut out = m.resized(r, c);
            for i in 0..r {
                for j in 0..c {
                    out.set(i, j, super::file::with_file(&f, |s| s.scan_number())??);
                }
            }
            store(o, out)?;
            numv(0.0)
        }
        "resize" => {
            let r = arg_index(it, chkarg(it, a, 0, 1.0, 1e9)?) as usize;
            let c = arg_index(it, chkarg(it, a, 1, 1.0, 1e9)?) as usize;
            store(o, m.resized(r, c))?;
            Ok(Some(this))
        }
        "mulv" => {
            let vin = vec_arg(a, 0)?;
            if vin.len() != nc {
                return Err(wrong_size());
            }
            let out = out_vector(it, a, 1, nr)?;
            let res: Vec<f64> = (0..nr)
                .map(|i| (0..nc).map(|j| m.at(i, j) * vin[j]).sum())
                .collect();
            with_vec(&out, |v| v.data = res)?;
            objv(out)
        }
        "getrow" | "getcol" => {
            let (len, lim) = if name == "getrow" { (nc, nr) } else { (nr, nc) };
            let k = chkarg(it, a, 0, 0.0, lim as f64 - 1.0)? as usize;
            let out = out_vector(it, a, 1, len)?;
            let res: Vec<f64> = (0..len)
                .map(|x| {
                    if name == "getrow" {
                        m.at(k, x)
                    } else {
                        m.at(x, k)
                    }
                })
                .collect();
            with_vec(&out, |v| v.data = res)?;
            objv(out)
        }
        "getdiag" => {
            let k = chkarg(it, a, 0, -(nr as f64 - 1.0), nc as f64 - 1.0)? as i64;
            let out = out_vector(it, a, 1, nr)?;
            with_vec(&out, |v| {
                for i in 0..nr as i64 {
                    let j = i + k;
                    if j >= 0 && j < nc as i64 {
                        v.data[i as usize] = m.at(i as usize, j as usize);
                    }
                }
            })?;
            objv(out)
        }
        "setrow" | "setcol" => {
            let (len, lim) = if name == "setrow" { (nc, nr) } else { (nr, nc) };
            let k = chkarg(it, a, 0, 0.0, lim as f64 - 1.0)? as usize;
            let vals: Vec<f64> = match a.get(1) {
                Some(Value::Obj(_)) => {
                    let v = vec_arg(a, 1)?;
                    check_domain(v.len() as i64, len as i64)?;
                    v
                }
                _ => vec![num(it, a, 1)?; len],
            };
            for (x, val) in vals.into_iter().enumerate() {
                if name == "setrow" {
                    m.set(k, x, val);
                } else {
                    m.set(x, k, val);
                }
            }
            store(o, m)?;
            Ok(Some(this))
        }
        "setdiag" => {
            let k = chkarg(it, a, 0, -(nr as f64 - 1.0), nc as f64 - 1.0)? as i64;
            let vals: Option<Vec<f64>> = match a.get(1) {
                Some(Value::Obj(_)) => {
                    let v = vec_arg(a, 1)?;
                    check_domain(v.len() as i64, nr as i64)?;
                    Some(v)
                }
                _ => None,
            };
            let x = if vals.is_none() { num(it, a, 1)? } else { 0.0 };
            for i in 0..nr as i64 {
                let j = i + k;
                if j >= 0 && j < nc as i64 {
                    let val = match &vals {
                        Some(v) if (i as usize) < v.len() => v[i as usize],
                        Some(_) => continue,
                        None => x,
                    };
                    m.set(i as usize, j as usize, val);
                }
            }
            store(o, m)?;
            Ok(Some(this))
        }
        "zero" => {
            store(o, Mat::zeros(nr, nc))?;
            Ok(Some(this))
        }
        "ident" => {
            store(o, Mat::ident(nr, nc))?;
            Ok(Some(this))
        }
        "set" => {
            for i in 0..nr {
                for j in 0..nc {
                    m.set(i, j, num(it, a, i * nc + j)?);
                }
            }
            store(o, m)?;
            Ok(Some(this))
        }
        "to_vector" => {
            let out = out_vector(it, a, 0, nr * nc)?;
            let res: Vec<f64> = (0..nc)
                .flat_map(|j| (0..nr).map(move |i| (i, j)))
                .map(|(i, j)| m.at(i, j))
                .collect();
            with_vec(&out, |v| v.data = res)?;
            objv(out)
        }
        "from_vector" => {
            let v = vec_arg(a, 0)?;
            if v.len() != nr * nc {
                return Err(wrong_size());
            }
            let mut k = 0;
            for j in 0..nc {
                for i in 0..nr {
                    m.set(i, j, v[k]);
                    k += 1;
                }
            }
            store(o, m)?;
            Ok(Some(this))
        }
        "c" => {
            let out = out_matrix(it, a, 0, nr, nc)?;
            store(&out, m)?;
            objv(out)
        }
        "add" => {
            let other = load(&matrix_arg(a, 0)?)?;
            if other.r != nr || other.c != nc {
                return Err(wrong_size());
            }
            let out = if a.len() > 1 {
                matrix_arg(a, 1)?
            } else {
                o.clone()
            };
            store(&out, m.plus(&other))?;
            objv(out)
        }
        "muls" => {
            let s = num(it, a, 0)?;
            let out = if a.len() > 1 {
                matrix_arg(a, 1)?
            } else {
                o.clone()
            };
            store(&out, m.scaled(s))?;
            objv(out)
        }
        "mulm" => {
            let inp = matrix_arg(a, 0)?;
            let b = load(&inp)?;
            let out = out_matrix(it, a, 1, nr, b.c)?;
            if Rc::ptr_eq(&inp, &out) || Rc::ptr_eq(o, &out) {
                return Err(hoc_err!("matrix multiplication cannot be done in place"));
            }
            check_domain(nc as i64, b.r as i64)?;
            if nc != b.r {
                return Err(wrong_size());
            }
            store(&out, m.mul(&b))?;
            objv(out)
        }
        "bcopy" => {
            let i0 = chkarg(it, a, 0, 0.0, nr as f64 - 1.0)? as usize;
            let j0 = chkarg(it, a, 1, 0.0, nc as f64 - 1.0)? as usize;
            let m0 = chkarg(it, a, 2, 1.0, (nr - i0) as f64)? as usize;
            let n0 = chkarg(it, a, 3, 1.0, (nc - j0) as f64)? as usize;
            let (i1, j1, oi) = if matches!(a.get(4), Some(Value::Num(_) | Value::Ptr(_))) {
                (
                    chkarg(it, a, 4, 0.0, 1e9)? as usize,
                    chkarg(it, a, 5, 0.0, 1e9)? as usize,
                    6,
                )
            } else {
                (0, 0, 4)
            };
            let out = out_matrix(it, a, oi, m0, n0)?;
            let mut dst = load(&out)?;
            if i1 + m0 > dst.r || j1 + n0 > dst.c {
                return Err(wrong_size());
            }
            for i in 0..m0 {
                for j in 0..n0 {
                    dst.set(i1 + i, j1 + j, m.at(i0 + i, j0 + j));
                }
            }
            store(&out, dst)?;
            objv(out)
        }
        "transpose" => {
            // NEURON resizes the output, then transposes this matrix in
            // place if the output is equal to it, else fills the output.
            let out = out_matrix(it, a, 0, nc, nr)?;
            let target = load(&out)?.resized(nc, nr);
            if Rc::ptr_eq(&out, o) || target == m {
                store(o, m.transpose())?;
                if !Rc::ptr_eq(&out, o) {
                    store(&out, target)?;
                }
            } else {
                store(&out, m.transpose())?;
            }
            objv(out)
        }
        "inverse" | "exp" | "pow" => {
            if nr != nc {
                return Err(wrong_size());
            }
            let (res, oi, what) = match name {
                "inverse" => (inverse(&m), 0, None),
                "exp" => (expm(&m), 0, Some("exponentiation")),
                _ => (
                    powm(&m, chkarg(it, a, 0, 0.0, 100.0)? as u32),
                    1,
                    Some("raising to a power"),
                ),
            };
            let out = out_matrix(it, a, oi, nr, nc)?;
            if let Some(w) = what {
                if Rc::ptr_eq(&out, o) {
                    return Err(hoc_err!("{w}  matrix operation cannot be done in place"));
                }
            }
            store(&out, res)?;
            objv(out)
        }
        "solv" => {
            if nr != nc {
                return Err(wrong_size());
            }
            let b = vec_arg(a, 0)?;
            if b.len() != nc {
                return Err(wrong_size());
            }
            let mut vout = None;
            for i in 1..3 {
                if let Some(Value::Obj(_)) = a.get(i) {
                    vout = Some(vector_obj(a, i)?);
                }
            }
            let out = match vout {
                Some(v) => v,
                None => new_vector(it, vec![0.0; nr]),
            };
            let x = full_lu_solve(&m, &b);
            with_vec(&out, |v| v.data = x)?;
            objv(out)
        }
        "symmeig" => {
            let out = matrix_arg(a, 0)?;
            if nr != nc {
                return Err(wrong_size());
            }
            let (vals, vecs) = eigen(&m);
            store(&out, vecs)?;
            objv(new_vector(it, vals))
        }
        "svd" => {
            let (s, u, v) = svd(&m);
            if a.len() > 1 {
                let (uo, vo) = (matrix_arg(a, 0)?, matrix_arg(a, 1)?);
                store(&uo, u.transpose())?;
                store(&vo, v.transpose())?;
            }
            objv(new_vector(it, s))
        }
        _ => Ok(None),
    }
}

/// `printf`'s text: each element with `f1`, `f2` after each row.
fn format_matrix(m: &Mat, f1: &str, f2: &str) -> HResult<String> {
    let mut text = String::new();
    for i in 0..m.r {
        for j in 0..m.c {
            text.push_str(
                &crate::format::sprintf(f1, &[crate::format::FmtArg::Num(m.at(i, j))])
                    .map_err(crate::error::HocError::new)?,
            );
        }
        text.push_str(f2);
    }
    Ok(text)
}
