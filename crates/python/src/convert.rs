//! Values crossing between Python and HOC, with NEURON's rules: numbers are
//! floats, strings are str, objrefs are HocObjects (or the Python object a
//! PythonObject holds), sections are `nrn.Section`, pointers stay pointers;
//! any other Python object enters HOC as a `PythonObject`.

use hoc::value::Value;
use hoc::Interp;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

use crate::hocobj::{HocObject, Kind};
use crate::host::PyData;
use crate::nrn::Section;

/// A Python value as a HOC value.
pub fn to_value(it: &mut Interp, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(h) = obj.cast::<HocObject>() {
        let h = h.borrow();
        match &h.kind {
            Kind::Object(o) => return Ok(Value::Obj(Some(o.clone()))),
            Kind::Ptr(p) => return Ok(Value::Ptr(p.clone())),
            _ => {}
        }
    } else if let Ok(s) = obj.cast::<Section>() {
        return Ok(Value::Sec(s.borrow().id));
    } else if obj.is_none() {
        return Ok(Value::Obj(None));
    } else if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::Str(s.extract::<String>()?.into()));
    } else if is_number(obj)? {
        return Ok(Value::Num(obj.extract::<f64>()?));
    }
    Ok(Value::Obj(Some(it.new_foreign(Box::new(PyData(obj.clone().unbind()))))))
}

/// Whether a Python object is a number for HOC: int, float, bool, or a
/// scalar with `__float__`/`__index__` (numpy's), but not a sequence.
pub fn is_number(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if obj.is_instance_of::<PyFloat>() || obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyBool>() {
        return Ok(true);
    }
    if obj.cast::<HocObject>().is_ok() || obj.cast::<Section>().is_ok() {
        return Ok(false);
    }
    Ok((obj.hasattr("__float__")? || obj.hasattr("__index__")?) && !obj.hasattr("__len__")?)
}

/// Python arguments as HOC values.
pub fn to_values(it: &mut Interp, args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<Vec<Value>> {
    args.iter().map(|a| to_value(it, &a)).collect()
}

/// A HOC value as a Python object.
pub fn to_py(py: Python<'_>, v: Value) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Value::Num(x) => pyo3::types::PyFloat::new(py, x).into_any().unbind(),
        Value::Str(s) => PyString::new(py, &s).into_any().unbind(),
        Value::SRef(s) => PyString::new(py, &s.borrow()).into_any().unbind(),
        Value::Obj(None) => py.None(),
        Value::Obj(Some(o)) => {
            if let Some(p) = foreign_of(&o) {
                return Ok(p.clone_ref(py));
            }
            HocObject::wrap(py, Kind::Object(o))?
        }
        Value::Ptr(p) => HocObject::wrap(py, Kind::Ptr(p))?,
        Value::Sec(s) => crate::nrn::section_object(py, s)?.into_any().unbind(),
    })
}

/// The data of the PythonObject standing for a Python section's cell: a
/// weak reference to the cell (`h.Section(name, cell)` keeps it weakly).
pub struct PyCell(pub Py<PyAny>);

/// The Python object a PythonObject holds (a cell gone is None).
pub fn foreign_of(o: &hoc::value::ObjRef) -> Option<Py<PyAny>> {
    match &*o.data.borrow() {
        hoc::object::ObjData::Native(b) => {
            if let Some(d) = b.downcast_ref::<PyData>() {
                return Some(Python::attach(|py| d.0.clone_ref(py)));
            }
            let cell = b.downcast_ref::<PyCell>()?;
            Python::attach(|py| cell.0.bind(py).call0().ok().map(Bound::unbind))
        }
        _ => None,
    }
}
