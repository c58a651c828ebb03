//! `hoc.HocObject`: NEURON's view of HOC from Python. `h` is the top level;
//! other instances are HOC objects, functions and methods, classes, arrays
//! not yet fully indexed, and pointers (`_ref_`).
//!
//! Every operation is a HOC expression built from the Python values
//! (`Expr::Value` nodes) and evaluated by the interpreter, so HOC's own rules
//! (argument checks, messages, traces) apply unchanged.

use std::cell::Cell;
use std::rc::Rc;

use hoc::ast::{AssignOp, Expr, NameRef};
use hoc::builtins::NativeClass;
use hoc::object::ObjData;
use hoc::symbol::Kind as Sym;
use hoc::value::{ObjRef, Place, Slot, Value};
use hoc::Interp;
use pyo3::exceptions::{PyAttributeError, PyIndexError, PyLookupError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySlice, PyTuple};

use crate::convert::{is_number, to_py, to_value, to_values};
use crate::interp::{hoc_error, with_interp};

pub enum Kind {
    /// `h`: the top level.
    Top,
    Object(ObjRef),
    /// A function or procedure (`on` None), or a method of an object.
    Func { on: Option<ObjRef>, name: Rc<str> },
    /// A class (template or built-in): calling it makes an instance.
    Class(u32),
    /// An array not fully indexed yet: `h.x`, `h.x[i]` of `x[2][3]`, `v.x`,
    /// `nc.weight`; with `ptr` the elements are pointers (`_ref_x`).
    Array { on: Option<ObjRef>, name: Rc<str>, index: Vec<f64>, ndim: usize, ptr: bool },
    Ptr(Place),
}

#[pyclass(unsendable, subclass, weakref, module = "hoc", name = "HocObject")]
pub struct HocObject {
    pub kind: Kind,
}

/// How a member of an object reads from Python.
enum Member {
    Method,
    Data,
    Array(usize),
    Missing,
}

/// Methods every point process has (besides its FUNCTIONs and PROCEDUREs).
const POINT_METHODS: &[&str] = &["loc", "get_loc", "has_loc", "get_segment", "play", "record", "noiseFromRandom", "noiseFromRandom123"];
const NETCON_METHODS: &[&str] = &["active", "valid", "pre", "syn", "wcnt", "event", "record", "preloc", "postloc", "setpost", "precell", "postcell", "srcgid", "preseg", "postseg"];

const CALL_ERR: &str = "hocobj_call error: hoc_execerror: ";

pub fn member_expr(o: &ObjRef, name: &str, index: Vec<Expr>, args: Option<Vec<Expr>>) -> Expr {
    Expr::Member { obj: Box::new(Expr::Value(Value::Obj(Some(o.clone())))), name: name.into(), index, args, cache: Cell::new((u32::MAX, 0)) }
}

fn values(v: Vec<Value>) -> Vec<Expr> {
    v.into_iter().map(Expr::Value).collect()
}

fn nums(k: &[f64]) -> Vec<Expr> {
    k.iter().map(|&x| Expr::Num(x)).collect()
}

/// Evaluates `e`, with `sec` pushed as the current section if given.
pub fn eval_in(it: &mut Interp, e: &Expr, sec: Option<cable::SecId>) -> hoc::error::HResult<Value> {
    match sec {
        Some(s) => it.with_section(s, |it| it.eval(e)),
        None => it.eval(e),
    }
}

/// The `sec=` keyword argument of a call.
pub fn sec_kwarg(kw: Option<&Bound<'_, PyDict>>) -> PyResult<Option<cable::SecId>> {
    let Some(kw) = kw else { return Ok(None) };
    let mut sec = None;
    for (k, v) in kw.iter() {
        let k: String = k.extract()?;
        if k != "sec" {
            return Err(PyTypeError::new_err(format!("'{k}' is an invalid keyword argument")));
        }
        match v.cast::<crate::nrn::Section>() {
            Ok(s) => sec = Some(s.borrow().id),
            Err(_) => return Err(PyTypeError::new_err("sec is not a Section")),
        }
    }
    Ok(sec)
}

impl HocObject {
    pub fn wrap(py: Python<'_>, kind: Kind) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, HocObject { kind })?.into_any())
    }

    fn obj(&self) -> Option<&ObjRef> {
        match &self.kind {
            Kind::Object(o) => Some(o),
            _ => None,
        }
    }

    fn native(&self, it: &Interp) -> Option<NativeClass> {
        self.obj().and_then(|o| hoc::builtins::native_class(it, o))
    }
}

/// Where a top-level name's storage says it is an array (its dimensions).
fn slot_dims(slot: Option<&Slot>) -> Option<Vec<usize>> {
    match slot {
        Some(Slot::Nums { dims, .. } | Slot::Objs { dims, .. } | Slot::Secs { dims, .. }) if !dims.is_empty() => Some(dims.clone()),
        _ => None,
    }
}

fn classify(it: &Interp, o: &ObjRef, name: &str) -> Member {
    if let Some(t) = it.template(o.class) {
        let Some(i) = t.scope.get(name) else { return Member::Missing };
        if !t.scope.syms[i as usize].public {
            return Member::Missing;
        }
        return match t.scope.kind(i) {
            Sym::Proc(_) | Sym::Func(_) | Sym::Obfunc(_) | Sym::Iterator(_) => Member::Method,
            _ => match &*o.data.borrow() {
                ObjData::Hoc(slots) => match slot_dims(slots.get(i as usize)) {
                    Some(d) => Member::Array(d.len()),
                    None => Member::Data,
                },
                _ => Member::Data,
            },
        };
    }
    match hoc::builtins::native_class(it, o) {
        Some(NativeClass::Vector) if name == "x" => Member::Array(1),
        Some(NativeClass::Vector) if it.has_installed_vector_method(name) => Member::Method,
        Some(NativeClass::Matrix) if name == "x" => Member::Array(2),
        Some(NativeClass::NetCon) => match name {
            "weight" => Member::Array(1),
            "delay" | "threshold" | "x" => Member::Data,
            _ if NETCON_METHODS.contains(&name) => Member::Method,
            _ => Member::Missing,
        },
        Some(NativeClass::SectionRef) => match name {
            "sec" | "parent" | "trueparent" | "root" => Member::Data,
            "child" => Member::Array(1),
            _ => Member::Method,
        },
        Some(nc) if !crate::members::has_member(nc, name) => Member::Missing,
        Some(NativeClass::Point(m)) => {
            let mech = &it.eng.model.mechs[m as usize];
            let vars = mech.vars();
            if vars.iter().any(|v| !v.hidden && v.name == name) {
                Member::Data
            } else if vars.iter().any(|v| !v.hidden && v.name == format!("{name}[0]")) {
                Member::Array(1)
            } else if mech.random_streams().iter().any(|&b| vars[b].name == format!("{name}.id1")) {
                Member::Data
            } else if mech.functions().iter().any(|f| f == name) || POINT_METHODS.contains(&name) {
                Member::Method
            } else {
                Member::Missing
            }
        }
        _ => Member::Method,
    }
}

/// A top-level name as Python sees it through `h`.
fn top_attr(py: Python<'_>, it: &mut Interp, name: &str) -> PyResult<Py<PyAny>> {
    if let Some(var) = name.strip_prefix("_ref_") {
        return top_ref(py, it, var);
    }
    let Some(i) = it.globals.get(name) else {
        return special_top(py, it, name);
    };
    let r = NameRef::Global(i);
    match it.globals.kind(i).clone() {
        Sym::Var | Sym::Section => {
            it.ensure_gslot(i);
            let slot = &it.gslots[i as usize];
            if matches!(slot, Slot::Undef) {
                return special_top(py, it, name);
            }
            if let Some(d) = slot_dims(Some(slot)) {
                return HocObject::wrap(py, Kind::Array { on: None, name: name.into(), index: vec![], ndim: d.len(), ptr: false });
            }
            let v = it.eval(&Expr::Name(r)).map_err(|e| hoc_error(it, e, ""))?;
            to_py(py, v)
        }
        Sym::Proc(_) | Sym::Func(_) | Sym::Obfunc(_) | Sym::Iterator(_) | Sym::Builtin(_) => HocObject::wrap(py, Kind::Func { on: None, name: name.into() }),
        Sym::Class(ci) => HocObject::wrap(py, Kind::Class(ci)),
        Sym::Host(h) => match it.host(h) {
            hoc::engine::Host::Func(..) | hoc::engine::Host::SetData(_) | hoc::engine::Host::FTable(..) => {
                HocObject::wrap(py, Kind::Func { on: None, name: name.into() })
            }
            _ => {
                let v = it.eval(&Expr::Name(r)).map_err(|e| hoc_error(it, e, ""))?;
                to_py(py, v)
            }
        },
    }
}

/// Names `h` has that are not HOC symbols: mechanisms, `allsec`, `Section`, `cas`.
fn special_top(py: Python<'_>, it: &mut Interp, name: &str) -> PyResult<Py<PyAny>> {
    match name {
        "Section" => return Ok(py.get_type::<crate::nrn::Section>().into_any().unbind()),
        "allsec" | "cas" | "setpointer" => return HocObject::wrap(py, Kind::Func { on: None, name: name.into() }),
        _ => {}
    }
    if let Some(m) = it.eng.model.mech_index(name) {
        if it.eng.model.mechs[m].kind() == cable::mechanism::MechKind::Density {
            let neuron = py.import("neuron")?;
            return Ok(neuron.getattr("DensityMechanism")?.call1((name,))?.unbind());
        }
    }
    Err(PyAttributeError::new_err(format!("'hoc.HocObject' object has no attribute '{name}'")))
}

/// `h._ref_name`: a pointer to a top-level variable (or an array of them).
fn top_ref(py: Python<'_>, it: &mut Interp, name: &str) -> PyResult<Py<PyAny>> {
    let Some(i) = it.globals.get(name) else {
        return Err(PyAttributeError::new_err(format!("'hoc.HocObject' object has no attribute '_ref_{name}'")));
    };
    it.ensure_gslot(i);
    if let Some(d) = slot_dims(Some(&it.gslots[i as usize])) {
        return HocObject::wrap(py, Kind::Array { on: None, name: name.into(), index: vec![], ndim: d.len(), ptr: true });
    }
    let e = Expr::AddrOf(Box::new(Expr::Name(NameRef::Global(i))));
    let v = it.eval(&e).map_err(|e| hoc_error(it, e, ""))?;
    to_py(py, v)
}

/// `delay` means `del` (a Python keyword) where the object has no `delay`,
/// as in NEURON.
fn alias<'a>(it: &Interp, o: &ObjRef, name: &'a str) -> &'a str {
    if name == "delay" && matches!(classify(it, o, "delay"), Member::Missing) && !matches!(classify(it, o, "del"), Member::Missing) {
        "del"
    } else {
        name
    }
}

/// ParallelContext's methods on Python objects (`neuron._parallel`).
const PC_PYTHON_METHODS: &[&str] = &["py_alltoall", "py_allgather", "py_gather", "py_broadcast", "py_scatter"];

fn object_attr(py: Python<'_>, it: &mut Interp, o: &ObjRef, name: &str) -> PyResult<Py<PyAny>> {
    let name = match name.strip_prefix("_ref_") {
        Some(v) if alias(it, o, v) == "del" => "_ref_del",
        _ => alias(it, o, name),
    };
    if PC_PYTHON_METHODS.contains(&name) && hoc::builtins::native_class(it, o) == Some(NativeClass::ParallelContext) {
        let f = py.import("neuron._parallel")?.getattr(name)?;
        let pc = HocObject::wrap(py, Kind::Object(o.clone()))?;
        return Ok(py.import("functools")?.getattr("partial")?.call1((f, pc))?.unbind());
    }
    if let Some(var) = name.strip_prefix("_ref_") {
        return match classify(it, o, var) {
            Member::Array(n) => HocObject::wrap(py, Kind::Array { on: Some(o.clone()), name: var.into(), index: vec![], ndim: n, ptr: true }),
            _ => {
                let e = Expr::AddrOf(Box::new(member_expr(o, var, vec![], None)));
                let v = it.eval(&e).map_err(|e| hoc_error(it, e, ""))?;
                to_py(py, v)
            }
        };
    }
    match classify(it, o, name) {
        Member::Missing => Err(no_attr(it, o, name)),
        Member::Method => HocObject::wrap(py, Kind::Func { on: Some(o.clone()), name: name.into() }),
        Member::Array(n) => HocObject::wrap(py, Kind::Array { on: Some(o.clone()), name: name.into(), index: vec![], ndim: n, ptr: false }),
        Member::Data => {
            let v = it.eval(&member_expr(o, name, vec![], None)).map_err(|e| {
                if e.msg.contains("not a public member") {
                    it.trace.clear();
                    no_attr(it, o, name)
                } else {
                    hoc_error(it, e, "")
                }
            })?;
            to_py(py, v)
        }
    }
}

fn no_attr(it: &Interp, o: &ObjRef, name: &str) -> PyErr {
    let class = match hoc::builtins::native_class(it, o) {
        Some(NativeClass::Vector | NativeClass::List | NativeClass::NetCon) => format!("hoc.{}", it.classes[o.class as usize].name),
        _ => "hoc.HocObject".to_string(),
    };
    PyAttributeError::new_err(format!("'{class}' object has no attribute '{name}'"))
}

/// The value at a fully indexed array element (or its address).
fn array_expr(on: &Option<ObjRef>, name: &str, index: &[f64], it: &Interp) -> PyResult<Expr> {
    Ok(match on {
        Some(o) => member_expr(o, name, nums(index), None),
        None => {
            let i = it.globals.get(name).ok_or_else(|| PyLookupError::new_err(format!("'{name}' is not a defined hoc variable name.")))?;
            Expr::Index(NameRef::Global(i), nums(index))
        }
    })
}

/// The length of dimension `depth` of an array.
fn array_len(it: &mut Interp, on: &Option<ObjRef>, name: &str, depth: usize) -> PyResult<usize> {
    let dims = match on {
        None => it.globals.get(name).and_then(|i| slot_dims(it.gslots.get(i as usize))),
        Some(o) if it.template(o.class).is_some() => {
            let t = it.template(o.class).unwrap();
            let i = t.scope.get(name);
            match (&*o.data.borrow(), i) {
                (ObjData::Hoc(slots), Some(i)) => slot_dims(slots.get(i as usize)),
                _ => None,
            }
        }
        Some(o) => {
            let method = match (hoc::builtins::native_class(it, o), name) {
                (Some(NativeClass::Vector), _) => "size",
                (Some(NativeClass::NetCon), _) => "wcnt",
                (Some(NativeClass::SectionRef), _) => "nchild",
                (Some(NativeClass::Matrix), _) if depth == 0 => "nrow",
                (Some(NativeClass::Matrix), _) => "ncol",
                (Some(NativeClass::Point(m)), _) => {
                    let n = it.eng.model.mechs[m as usize].vars().iter().filter(|v| v.name.starts_with(&format!("{name}["))).count();
                    return Ok(n);
                }
                _ => return Err(PyTypeError::new_err("object has no len()")),
            };
            let v = it.eval(&member_expr(o, method, vec![], Some(vec![]))).map_err(|e| hoc_error(it, e, ""))?;
            return Ok(it.to_num(v).unwrap_or(0.0) as usize);
        }
    };
    dims.and_then(|d| d.get(depth).copied()).ok_or_else(|| PyTypeError::new_err("object has no len()"))
}

/// A Python index (negative counts from the end) as an element number.
fn py_index(i: isize, len: usize, what: &str) -> PyResult<usize> {
    let j = if i < 0 { i + len as isize } else { i };
    if j < 0 || j as usize >= len {
        return Err(PyIndexError::new_err(what.to_string()));
    }
    Ok(j as usize)
}

fn vector_data(o: &ObjRef) -> Option<Vec<f64>> {
    match &*o.data.borrow() {
        ObjData::Vector(v) => Some(v.data.clone()),
        _ => None,
    }
}

fn list_items(o: &ObjRef, it: &Interp) -> Option<Vec<ObjRef>> {
    match &*o.data.borrow() {
        ObjData::List(l) => Some(l.clone()),
        ObjData::TemplateList(ci) => {
            let mut c = Vec::new();
            let class = &it.classes[*ci as usize];
            for w in &class.live {
                if let Some(x) = w.upgrade() {
                    c.push(x);
                }
            }
            c.sort_by_key(|x| x.index);
            Some(c)
        }
        _ => None,
    }
}

/// Fills a Vector from any Python sequence of numbers (numpy arrays included).
pub fn fill_vector(py: Python<'_>, o: &ObjRef, seq: &Bound<'_, PyAny>) -> PyResult<()> {
    let data: Vec<f64> = if seq.hasattr("dtype")? {
        let np = py.import("numpy")?;
        let arr = np.call_method1("ascontiguousarray", (seq, "float64"))?;
        let bytes: Vec<u8> = arr.call_method0("tobytes")?.extract()?;
        bytes.chunks_exact(8).map(|c| f64::from_ne_bytes(c.try_into().unwrap())).collect()
    } else {
        let mut out = Vec::new();
        for x in seq.try_iter()? {
            out.push(x?.extract::<f64>()?);
        }
        out
    };
    if let ObjData::Vector(v) = &mut *o.data.borrow_mut() {
        v.data = data;
    }
    Ok(())
}

#[pymethods]
impl HocObject {
    #[new]
    #[pyo3(signature = (*_args, **_kw))]
    fn new(_args: &Bound<'_, PyTuple>, _kw: Option<&Bound<'_, PyDict>>) -> Self {
        HocObject { kind: Kind::Top }
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        if name.starts_with("__") && name.ends_with("__") {
            return Err(PyAttributeError::new_err(name.to_string()));
        }
        with_interp(|it| match &self.kind {
            Kind::Top => top_attr(py, it, name),
            Kind::Object(o) => object_attr(py, it, o, name),
            _ => Err(PyAttributeError::new_err(format!("'hoc.HocObject' object has no attribute '{name}'"))),
        })
    }

    fn __setattr__(&self, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        with_interp(|it| {
            let lhs = match &self.kind {
                Kind::Top => {
                    let i = it.globals.get(name).filter(|&i| {
                        !matches!(it.globals.kind(i), Sym::Var) || {
                            it.ensure_gslot(i);
                            !matches!(it.gslots[i as usize], Slot::Undef)
                        }
                    });
                    let Some(i) = i else {
                        return Err(PyLookupError::new_err(format!("'{name}' is not a defined hoc variable name.")));
                    };
                    Expr::Name(NameRef::Global(i))
                }
                Kind::Object(o) => {
                    let name = alias(it, o, name);
                    if let Member::Missing = classify(it, o, name) {
                        return Err(no_attr(it, o, name));
                    }
                    member_expr(o, name, vec![], None)
                }
                _ => return Err(PyAttributeError::new_err(format!("can't set attribute '{name}'"))),
            };
            let v = to_value(it, value)?;
            let e = Expr::Assign(AssignOp::Set, Box::new(lhs), Box::new(Expr::Value(v)));
            it.eval(&e).map_err(|e| hoc_error(it, e, ""))?;
            Ok(())
        })
    }

    #[pyo3(signature = (*args, **kw))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>, kw: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
        let sec = sec_kwarg(kw)?;
        match &self.kind {
            Kind::Top => {
                let code: String = args.get_item(0)?.extract()?;
                Ok(pyo3::types::PyBool::new(py, with_interp(|it| crate::run::run_hoc(it, &code))?).to_owned().into_any().unbind())
            }
            Kind::Func { on, name } => with_interp(|it| {
                if on.is_none() {
                    if let Some(r) = crate::nrn::special_function(py, it, name, args, sec)? {
                        return Ok(r);
                    }
                }
                if let (Some(o), "get_segment") = (on, &**name) {
                    return point_segment(py, it, o);
                }
                let vals = to_values(it, args)?;
                let e = match on {
                    Some(o) => member_expr(o, name, vec![], Some(values(vals))),
                    None => {
                        let i = it.globals.get(name).ok_or_else(|| PyLookupError::new_err(format!("'{name}' is not a defined hoc variable name.")))?;
                        Expr::Call(NameRef::Global(i), values(vals))
                    }
                };
                let v = eval_in(it, &e, sec).map_err(|e| hoc_error(it, e, CALL_ERR))?;
                if let (Some(o), Value::Num(x)) = (on, &v) {
                    if hoc::builtins::native_class(it, o).is_some() {
                        match crate::returns::of_method(&it.classes[o.class as usize].name, name) {
                            Some(crate::returns::Returns::Integer) => return Ok((*x as i64).into_pyobject(py)?.into_any().unbind()),
                            Some(crate::returns::Returns::Boolean) => return Ok(pyo3::types::PyBool::new(py, *x != 0.0).to_owned().into_any().unbind()),
                            None => {}
                        }
                    }
                }
                to_py(py, v)
            }),
            Kind::Class(ci) => with_interp(|it| {
                let ci = *ci;
                let cname = it.classes[ci as usize].name.clone();
                // A Python sequence given to Vector or SectionList fills it.
                let fill = match args.len() {
                    1 if matches!(&*cname, "Vector" | "SectionList") && !is_number(&args.get_item(0)?)? && args.get_item(0)?.hasattr("__iter__")? => Some(args.get_item(0)?),
                    _ => None,
                };
                let vals = if fill.is_some() { vec![] } else { to_values(it, args)? };
                let sym = it.globals.get(&cname).ok_or_else(|| PyLookupError::new_err(format!("'{cname}' is not a defined hoc variable name.")))?;
                let e = Expr::New(NameRef::Global(sym), values(vals));
                let v = eval_in(it, &e, sec).map_err(|e| hoc_error(it, e, CALL_ERR))?;
                if let (Some(seq), Value::Obj(Some(o))) = (&fill, &v) {
                    if &*cname == "Vector" {
                        fill_vector(py, o, seq)?;
                    } else {
                        for s in seq.try_iter()? {
                            let s = s?;
                            let id = s.cast::<crate::nrn::Section>().map_err(|_| PyTypeError::new_err("SectionList: not a Section"))?.borrow().id;
                            hoc::engine::classes::with_seclist(o, |l| l.secs.push(id)).map_err(|e| hoc_error(it, e, ""))?;
                        }
                    }
                }
                to_py(py, v)
            }),
            _ => Err(PyTypeError::new_err("'hoc.HocObject' object is not callable")),
        }
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        with_interp(|it| match &self.kind {
            Kind::Array { on, name, index, ndim, ptr } => {
                let i: isize = key.extract()?;
                let len = array_len(it, on, name, index.len())?;
                let what = format!("{name}[{i}]");
                let j = py_index(i, len, &what)?;
                let mut index = index.clone();
                index.push(j as f64);
                if index.len() < *ndim {
                    return HocObject::wrap(py, Kind::Array { on: on.clone(), name: name.clone(), index, ndim: *ndim, ptr: *ptr });
                }
                let mut e = array_expr(on, name, &index, it)?;
                if *ptr {
                    e = Expr::AddrOf(Box::new(e));
                }
                let v = it.eval(&e).map_err(|e| hoc_error(it, e, ""))?;
                to_py(py, v)
            }
            Kind::Object(o) => {
                if let Some(data) = vector_data(o) {
                    if let Ok(sl) = key.cast::<PySlice>() {
                        let ix = sl.indices(data.len() as isize)?;
                        let mut out = Vec::new();
                        let mut k = ix.start;
                        while (ix.step > 0 && k < ix.stop) || (ix.step < 0 && k > ix.stop) {
                            out.push(data[k as usize]);
                            k += ix.step;
                        }
                        let nv = hoc::builtins::vector::new_vector(it, out);
                        return to_py(py, Value::Obj(Some(nv)));
                    }
                    let i: isize = key.extract()?;
                    let j = py_index(i, data.len(), &it.object_name(o))?;
                    return Ok(data[j].into_pyobject(py)?.into_any().unbind());
                }
                if let Some(items) = list_items(o, it) {
                    let i: isize = key.extract()?;
                    let j = py_index(i, items.len(), &it.object_name(o))?;
                    return to_py(py, Value::Obj(Some(items[j].clone())));
                }
                Err(PyTypeError::new_err(format!("'{}' object is not subscriptable", it.object_name(o))))
            }
            Kind::Ptr(p) => {
                let i: isize = key.extract()?;
                let p = offset(p, i)?;
                let x = it.read_place(&p).map_err(|e| hoc_error(it, e, ""))?;
                Ok(x.into_pyobject(py)?.into_any().unbind())
            }
            _ => Err(PyTypeError::new_err("'hoc.HocObject' object is not subscriptable")),
        })
    }

    fn __setitem__(&self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        with_interp(|it| match &self.kind {
            Kind::Array { on, name, index, ndim, .. } => {
                let i: isize = key.extract()?;
                let len = array_len(it, on, name, index.len())?;
                let j = py_index(i, len, &format!("{name}[{i}]"))?;
                let mut index = index.clone();
                index.push(j as f64);
                if index.len() < *ndim {
                    return Err(PyTypeError::new_err("assignment needs all the indices of the array"));
                }
                let lhs = array_expr(on, name, &index, it)?;
                let v = to_value(it, value)?;
                let e = Expr::Assign(AssignOp::Set, Box::new(lhs), Box::new(Expr::Value(v)));
                it.eval(&e).map_err(|e| hoc_error(it, e, ""))?;
                Ok(())
            }
            Kind::Object(o) => {
                let x: f64 = value.extract()?;
                let len = match &*o.data.borrow() {
                    ObjData::Vector(v) => v.data.len(),
                    _ => return Err(PyTypeError::new_err("object does not support item assignment")),
                };
                let j = py_index(key.extract()?, len, &it.object_name(o))?;
                if let ObjData::Vector(v) = &mut *o.data.borrow_mut() {
                    v.data[j] = x;
                }
                Ok(())
            }
            Kind::Ptr(p) => {
                let p = offset(p, key.extract()?)?;
                let x: f64 = value.extract()?;
                it.write_place(&p, x).map_err(|e| hoc_error(it, e, ""))
            }
            _ => Err(PyTypeError::new_err("object does not support item assignment")),
        })
    }

    fn __len__(&self) -> PyResult<usize> {
        with_interp(|it| match &self.kind {
            Kind::Array { on, name, index, .. } => array_len(it, on, name, index.len()),
            Kind::Object(o) => {
                if let Some(d) = vector_data(o) {
                    return Ok(d.len());
                }
                if let Some(l) = list_items(o, it) {
                    return Ok(l.len());
                }
                if hoc::builtins::native_class(it, o) == Some(NativeClass::SectionList) {
                    return Ok(it.section_list_items(o).map_err(|e| hoc_error(it, e, ""))?.len());
                }
                Err(PyTypeError::new_err(format!("object of type '{}' has no len()", it.object_name(o))))
            }
            _ => Err(PyTypeError::new_err("object has no len()")),
        })
    }

    fn __iter__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.borrow();
        let items: Vec<Py<PyAny>> = with_interp(|it| match &this.kind {
            Kind::Object(o) => {
                if let Some(d) = vector_data(o) {
                    return d.into_iter().map(|x| Ok(x.into_pyobject(py)?.into_any().unbind())).collect();
                }
                if let Some(l) = list_items(o, it) {
                    return l.into_iter().map(|x| to_py(py, Value::Obj(Some(x)))).collect();
                }
                if hoc::builtins::native_class(it, o) == Some(NativeClass::SectionList) {
                    let secs = it.section_list_items(o).map_err(|e| hoc_error(it, e, ""))?;
                    return secs.into_iter().map(|s| to_py(py, Value::Sec(s))).collect();
                }
                Err(PyTypeError::new_err(format!("'{}' object is not iterable", it.object_name(o))))
            }
            Kind::Array { .. } => Ok(Vec::new()),
            _ => Err(PyTypeError::new_err("'hoc.HocObject' object is not iterable")),
        })?;
        if let Kind::Array { .. } = &this.kind {
            let n = this.__len__()?;
            let mut out = Vec::with_capacity(n);
            drop(this);
            for i in 0..n {
                out.push(slf.as_any().get_item(i)?.unbind());
            }
            return Ok(PyList::new(py, out)?.as_any().try_iter()?.into_any().unbind());
        }
        Ok(PyList::new(py, items)?.as_any().try_iter()?.into_any().unbind())
    }

    fn __repr__(&self) -> PyResult<String> {
        with_interp(|it| {
            Ok(match &self.kind {
                Kind::Top => "<TopLevelHocInterpreter>".to_string(),
                Kind::Object(o) => it.object_name(o),
                Kind::Func { on: None, name } => format!("{name}()"),
                Kind::Func { on: Some(o), name } => format!("{}.{name}()", it.object_name(o)),
                Kind::Class(ci) => format!("{}()", it.classes[*ci as usize].name),
                Kind::Array { on, name, index, .. } => {
                    let mut s = match on {
                        Some(o) => format!("{}.{name}", it.object_name(o)),
                        None => name.to_string(),
                    };
                    for i in index {
                        s.push_str(&format!("[{i}]"));
                    }
                    s.push_str("[?]");
                    s
                }
                Kind::Ptr(p) => format!("<pointer to {}>", describe_place(it, p)),
            })
        })
    }

    fn __str__(&self) -> PyResult<String> {
        self.__repr__()
    }

    fn __hash__(&self) -> isize {
        match &self.kind {
            Kind::Object(o) => Rc::as_ptr(o) as isize,
            _ => self as *const Self as isize,
        }
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        let Ok(other) = other.cast::<HocObject>() else { return false };
        let other = other.borrow();
        match (&self.kind, &other.kind) {
            (Kind::Object(a), Kind::Object(b)) => Rc::ptr_eq(a, b),
            (Kind::Top, Kind::Top) => true,
            _ => std::ptr::eq(self, &*other),
        }
    }

    fn __ne__(&self, other: &Bound<'_, PyAny>) -> bool {
        !self.__eq__(other)
    }

    fn __bool__(&self) -> PyResult<bool> {
        Ok(true)
    }

    fn __dir__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let names: Vec<String> = with_interp(|it| {
            Ok(match &self.kind {
                Kind::Top => it.globals.syms.iter().map(|s| s.name.to_string()).collect(),
                Kind::Object(o) => match it.template(o.class) {
                    Some(t) => t.scope.syms.iter().filter(|s| s.public).map(|s| s.name.to_string()).collect(),
                    None => {
                        let names = hoc::builtins::native_class(it, o).and_then(crate::members::public_names).unwrap_or(&[]);
                        std::iter::once("hname").chain(names.iter().copied()).map(String::from).collect()
                    }
                },
                _ => vec![],
            })
        })?;
        Ok(PyList::new(py, names)?.into_any().unbind())
    }

    /// The HOC name (`Vector[0]`).
    fn hname(&self) -> PyResult<String> {
        self.__repr__()
    }

    /// The elements as a Python list (or appended to `target`).
    #[pyo3(signature = (target=None))]
    fn to_python(&self, py: Python<'_>, target: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let Some(d) = self.obj().and_then(vector_data) else {
            return Err(PyAttributeError::new_err("to_python: not a Vector"));
        };
        match target {
            None => Ok(PyList::new(py, d)?.into_any().unbind()),
            Some(t) => {
                if t.cast::<PyList>().is_ok() {
                    for x in d {
                        t.call_method1("append", (x,))?;
                    }
                } else {
                    for (i, x) in d.into_iter().enumerate() {
                        t.set_item(i, x)?;
                    }
                }
                Ok(t.clone().unbind())
            }
        }
    }

    /// Replaces the elements with those of a Python sequence; returns self.
    fn from_python(slf: &Bound<'_, Self>, seq: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let this = slf.borrow();
        let Some(o) = this.obj().filter(|o| matches!(&*o.data.borrow(), ObjData::Vector(_))) else {
            return Err(PyAttributeError::new_err("from_python: not a Vector"));
        };
        fill_vector(slf.py(), o, seq)?;
        Ok(slf.clone().into_any().unbind())
    }

    /// The address and length of a Vector's elements (for `as_numpy`).
    fn _data_ptr(&self) -> PyResult<(usize, usize)> {
        let Some(o) = self.obj() else { return Err(PyAttributeError::new_err("not a Vector")) };
        match &mut *o.data.borrow_mut() {
            ObjData::Vector(v) => Ok((v.data.as_mut_ptr() as usize, v.data.len())),
            _ => Err(PyAttributeError::new_err("not a Vector")),
        }
    }

    /// A numpy array sharing the Vector's memory.
    fn as_numpy(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        Ok(slf.py().import("neuron")?.getattr("_vector_as_numpy")?.call1((slf,))?.unbind())
    }

    /// numpy's conversion (`numpy.array(vec)`): a copy of the elements.
    /// Other objects convert as NEURON's do, through the sequence protocol
    /// (a List of Vectors gives a 2-D array) or as one object.
    #[pyo3(signature = (dtype=None, copy=None))]
    fn __array__(slf: &Bound<'_, Self>, dtype: Option<&Bound<'_, PyAny>>, copy: Option<bool>) -> PyResult<Py<PyAny>> {
        let _ = copy;
        let py = slf.py();
        let np = py.import("numpy")?;
        let this = slf.borrow();
        let Some(d) = this.obj().and_then(vector_data) else {
            drop(this);
            let kw = PyDict::new(py);
            if let Some(dt) = dtype {
                kw.set_item("dtype", dt)?;
            }
            if slf.len().is_ok() {
                let items = pyo3::types::PyList::new(py, slf.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
                return Ok(np.call_method("array", (items,), Some(&kw))?.unbind());
            }
            let a = np.call_method1("empty", ((), "object"))?;
            a.set_item((), slf)?;
            return Ok(a.unbind());
        };
        let bytes = pyo3::types::PyBytes::new(py, &d.iter().flat_map(|x| x.to_ne_bytes()).collect::<Vec<u8>>());
        let mut a = np.call_method1("frombuffer", (bytes, "float64"))?.call_method0("copy")?;
        if let Some(dt) = dtype {
            a = a.call_method1("astype", (dt,))?;
        }
        Ok(a.unbind())
    }

    /// Pickling a Vector keeps its elements (it comes back as a new Vector).
    fn __reduce__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let Some(d) = self.obj().and_then(vector_data) else {
            return Err(PyTypeError::new_err("only Vectors can be pickled"));
        };
        let f = py.import("neuron")?.getattr("_vector_from_list")?;
        let args = PyTuple::new(py, [PyList::new(py, d)?])?;
        Ok(PyTuple::new(py, [f.into_any(), args.into_any()])?.into_any().unbind())
    }

    /// Whether a HOC object is of the named class (used by the package).
    fn _hoc_class(&self) -> PyResult<Option<String>> {
        with_interp(|it| Ok(self.obj().map(|o| it.classes[o.class as usize].name.to_string())))
    }

    fn _is_native(&self, name: &str) -> PyResult<bool> {
        with_interp(|it| Ok(self.native(it).is_some_and(|nc| format!("{nc:?}") == name)))
    }
}

/// `pp.get_segment()`: the segment (node) a point process is in, or None.
fn point_segment(py: Python<'_>, it: &mut Interp, o: &ObjRef) -> PyResult<Py<PyAny>> {
    let Some((mech, inst)) = hoc::engine::classes::point_of(o) else {
        return Err(PyAttributeError::new_err("get_segment: not a point process"));
    };
    let loc = it.eng.model.points[mech][inst as usize];
    match loc.sec {
        Some(s) if it.eng.model.exists(s) => {
            let x = hoc::engine::classes::node_x(it, s, loc.x);
            let sec = crate::nrn::section_object(py, s)?;
            Ok(Py::new(py, crate::nrn::Segment { sec: sec.unbind(), x })?.into_any())
        }
        _ => Ok(py.None()),
    }
}

fn offset(p: &Place, i: isize) -> PyResult<Place> {
    if i == 0 {
        return Ok(p.clone());
    }
    let add = |k: usize| -> PyResult<usize> {
        let j = k as isize + i;
        if j < 0 {
            Err(PyIndexError::new_err("pointer offset out of range"))
        } else {
            Ok(j as usize)
        }
    };
    Ok(match p {
        Place::Global(g, k) => Place::Global(*g, add(*k)?),
        Place::Field(o, f, k) => Place::Field(o.clone(), *f, add(*k)?),
        Place::VecElem(o, k) => Place::VecElem(o.clone(), add(*k)?),
        _ => return Err(PyValueError::new_err("this pointer has no neighbours")),
    })
}

fn describe_place(it: &Interp, p: &Place) -> String {
    match p {
        Place::Global(g, k) => format!("{}[{k}]", it.globals.syms[*g as usize].name),
        Place::VecElem(o, k) => format!("{}.x[{k}]", it.object_name(o)),
        Place::Field(o, _, k) => format!("a field of {} [{k}]", it.object_name(o)),
        Place::Engine(v) => format!("{v:?}"),
        _ => "a HOC variable".to_string(),
    }
}
