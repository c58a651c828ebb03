//! Python as HOC's host: what HOC does with a `PythonObject` (member access,
//! calls, `new PythonObject()`), `nrnpython("…")`, and segments where HOC
//! takes a location.

use std::any::Any;

use hoc::error::{HResult, HocError};
use hoc::value::{ObjRef, Value};
use hoc::Interp;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::convert::{foreign_of, to_py, to_value};
use crate::interp::{lend, park_py_error};

/// The data of a HOC `PythonObject`: the Python object itself.
pub struct PyData(pub Py<PyAny>);

pub struct PyHost;

fn obj(o: &ObjRef) -> HResult<Py<PyAny>> {
    foreign_of(o).ok_or_else(|| HocError::new("not a Python object"))
}

/// HOC values as a Python argument tuple.
fn args_tuple<'py>(py: Python<'py>, args: &[Value]) -> PyResult<Bound<'py, PyTuple>> {
    let items: Vec<Py<PyAny>> = args.iter().cloned().map(|v| to_py(py, v)).collect::<PyResult<_>>()?;
    PyTuple::new(py, items)
}

/// Runs Python code for HOC: the interpreter is lent for its duration, a
/// Python exception is carried back through HOC. `f` gets the interpreter
/// as a pointer: it reborrows it only for a value conversion, never across
/// a call into Python code (which reaches it through the lent entry).
fn python<R>(it: &mut Interp, f: impl FnOnce(Python<'_>, Lent) -> PyResult<R>) -> HResult<R> {
    let lent = Lent(it);
    lend(it, || Python::attach(|py| f(py, lent).map_err(park_py_error)))
}

/// The interpreter lent to a callback (see `python`).
#[derive(Clone, Copy)]
struct Lent(*mut Interp);

impl Lent {
    fn to_value(self, v: &Bound<'_, PyAny>) -> PyResult<Value> {
        // SAFETY: a short reborrow while no Python code runs (`python`).
        to_value(unsafe { &mut *self.0 }, v)
    }
}

impl hoc::foreign::ForeignHost for PyHost {
    fn top_level(&self, _it: &mut Interp) -> HResult<Box<dyn Any>> {
        Python::attach(|py| {
            let main = py.import("__main__").map_err(|e| HocError::new(e.to_string()))?;
            Ok(Box::new(PyData(main.into_any().unbind())) as Box<dyn Any>)
        })
    }

    fn member(&self, it: &mut Interp, o: &ObjRef, name: &str, k: &[f64], args: Option<&[Value]>) -> HResult<Value> {
        let target = obj(o)?;
        python(it, |py, it| {
            let mut v = target.bind(py).getattr(name)?;
            for &i in k {
                v = v.get_item(i as i64)?;
            }
            if let Some(args) = args {
                let t = args_tuple(py, args)?;
                v = v.call1(t)?;
            }
            it.to_value(&v)
        })
    }

    fn set_member(&self, it: &mut Interp, o: &ObjRef, name: &str, value: Value) -> HResult<()> {
        let target = obj(o)?;
        python(it, |py, _| {
            let v = to_py(py, value)?;
            target.bind(py).setattr(name, v)
        })
    }

    fn call(&self, it: &mut Interp, o: &ObjRef, args: &[Value]) -> HResult<Value> {
        let target = obj(o)?;
        python(it, |py, it| {
            let f = target.bind(py);
            let mut all: Vec<Py<PyAny>> = Vec::new();
            // `(callable, arg, …)`: NEURON calls callable(arg, …).
            let f = match f.cast::<PyTuple>() {
                Ok(t) if !t.is_empty() => {
                    for a in t.iter().skip(1) {
                        all.push(a.unbind());
                    }
                    t.get_item(0)?
                }
                _ => f.clone(),
            };
            for a in args {
                all.push(to_py(py, a.clone())?);
            }
            let r = f.call1(PyTuple::new(py, all)?)?;
            it.to_value(&r)
        })
    }

    fn exec(&self, it: &mut Interp, code: &str) -> HResult<bool> {
        let code = code.to_string();
        let r = lend(it, || {
            Python::attach(|py| {
                let run = || -> PyResult<()> {
                    let main = py.import("__main__")?;
                    let globals = main.dict();
                    let c = std::ffi::CString::new(code.as_str())?;
                    py.run(&c, Some(&globals), None::<&Bound<'_, PyDict>>)
                };
                match run() {
                    Ok(()) => true,
                    Err(e) => {
                        e.print(py);
                        false
                    }
                }
            })
        });
        Ok(r)
    }

    fn location(&self, _it: &Interp, o: &ObjRef) -> Option<(cable::SecId, f64)> {
        let target = foreign_of(o)?;
        Python::attach(|py| crate::nrn::segment_location(target.bind(py)))
    }
}
