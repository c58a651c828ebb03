//! `nrn.Section`, `nrn.Segment` and `nrn.Mechanism`: sections of the cable
//! model seen from Python, with NEURON's methods and attribute rules.
//!
//! A section made from Python (`h.Section(name=…, cell=…)`) belongs to its
//! Python object: it is deleted when that object goes, and `h.allsec()`
//! returns that same object. A section made by HOC gets a new wrapper each
//! time it crosses into Python; wrappers compare equal by section.

use std::cell::RefCell;
use std::collections::HashMap;

use cable::SecId;
use hoc::ast::{Expr, NameRef, SecRef, Stmt};
use hoc::engine::{Host, RangeVar};
use hoc::symbol::Kind as Sym;
use hoc::value::{Place, Value};
use hoc::Interp;
use pyo3::exceptions::{PyAttributeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};

use crate::convert::{to_py, to_values};
use crate::hocobj::{eval_in, HocObject, Kind};
use crate::interp::{hoc_error, with_interp};

thread_local! {
    /// Sections owned by Python objects: weak references to those objects.
    static PYSECS: RefCell<HashMap<SecId, Py<PyAny>>> = RefCell::new(HashMap::new());
}

#[pyclass(unsendable, weakref, module = "nrn", name = "Section")]
pub struct Section {
    pub id: SecId,
    owned: bool,
    /// A weak reference to the cell object given at creation.
    cell: Option<Py<PyAny>>,
    /// The cell as HOC sees it (the section's owner, as for a section of a
    /// template: `pc.gid2cell`): a PythonObject holding `cell`'s weak
    /// reference, kept alive by the section.
    _hoc_cell: Option<hoc::value::ObjRef>,
}

impl Drop for Section {
    fn drop(&mut self) {
        if self.owned {
            let _ = PYSECS.try_with(|m| {
                if let Ok(mut m) = m.try_borrow_mut() {
                    m.remove(&self.id);
                }
            });
            crate::interp::section_died(self.id);
        }
    }
}

/// The Python object of a section.
pub fn section_object(py: Python<'_>, id: SecId) -> PyResult<Bound<'_, Section>> {
    let owned = PYSECS.with(|m| m.borrow().get(&id).map(|w| w.clone_ref(py)));
    if let Some(w) = owned {
        let o = w.bind(py).call0()?;
        if let Ok(s) = o.cast_into::<Section>() {
            return Ok(s);
        }
    }
    Bound::new(py, Section { id, owned: false, cell: None, _hoc_cell: None })
}

/// The location a Python object stands for in HOC (a segment).
pub fn segment_location(o: &Bound<'_, PyAny>) -> Option<(SecId, f64)> {
    let seg = o.cast::<Segment>().ok()?;
    let seg = seg.borrow();
    let id = seg.sec.bind(o.py()).borrow().id;
    Some((id, seg.x))
}

fn live(it: &Interp, id: SecId) -> PyResult<SecId> {
    if it.eng.model.exists(id) {
        Ok(id)
    } else {
        Err(PyValueError::new_err("nrn.Section can't access a deleted section"))
    }
}

/// The engine name `name` (a section or range variable), if it is one.
fn host_named(it: &Interp, name: &str) -> Option<Host> {
    match it.globals.get(name).map(|i| it.globals.kind(i)) {
        Some(Sym::Host(h)) => Some(it.host(*h)),
        _ => None,
    }
}

/// Calls the HOC function `name` with `sec` as the current section.
fn call_on(py: Python<'_>, it: &mut Interp, sec: SecId, name: &str, args: Vec<Value>) -> PyResult<Py<PyAny>> {
    let i = it.globals.get(name).ok_or_else(|| PyAttributeError::new_err(name.to_string()))?;
    let e = Expr::Call(NameRef::Global(i), args.into_iter().map(Expr::Value).collect());
    let v = eval_in(it, &e, Some(sec)).map_err(|e| hoc_error(it, e, "hocobj_call error: hoc_execerror: "))?;
    to_py(py, v)
}

/// The density mechanism (or ion) a name means.
#[derive(Clone, Copy)]
enum MechOf {
    Density(usize),
    Ion(usize),
}

fn mech_named(it: &Interp, name: &str) -> Option<MechOf> {
    if let Some(ion) = it.ion_named(name) {
        return Some(MechOf::Ion(ion));
    }
    let m = it.eng.model.mech_index(name)?;
    (it.eng.model.mechs[m].kind() == cable::mechanism::MechKind::Density).then_some(MechOf::Density(m))
}

fn mech_present(it: &Interp, sec: SecId, m: MechOf) -> bool {
    match m {
        MechOf::Density(m) => it.eng.model.is_inserted(sec, m),
        MechOf::Ion(ion) => it.eng.model.ion_present(sec, ion),
    }
}

fn mech_name(it: &Interp, m: MechOf) -> String {
    match m {
        MechOf::Density(m) => it.eng.model.mechs[m].name().to_string(),
        MechOf::Ion(ion) => format!("{}_ion", it.eng.model.ion_types[ion].name),
    }
}

/// A mechanism argument: its name, or a `neuron.DensityMechanism`.
fn mech_arg(o: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = o.cast::<PyString>() {
        return s.extract::<String>();
    }
    if let Ok(n) = o.getattr("_DensityMechanism__name") {
        return n.extract();
    }
    Err(PyTypeError::new_err("insert takes a mechanism name or a DensityMechanism"))
}

fn segments(py: Python<'_>, sec: &Bound<'_, Section>, ends: bool) -> PyResult<Vec<Py<Segment>>> {
    let id = sec.borrow().id;
    let xs = with_interp(|it| {
        live(it, id)?;
        let s = it.eng.model.sec(id);
        let mut xs = Vec::new();
        if ends {
            xs.push(0.0);
        }
        xs.extend(s.centers());
        if ends {
            xs.push(1.0);
        }
        Ok(xs)
    })?;
    xs.into_iter().map(|x| Py::new(py, Segment { sec: sec.clone().unbind(), x })).collect()
}

fn sections_list(py: Python<'_>, ids: Vec<SecId>) -> PyResult<Py<PyAny>> {
    let objs: Vec<Bound<'_, Section>> = ids.into_iter().map(|s| section_object(py, s)).collect::<PyResult<_>>()?;
    Ok(PyList::new(py, objs)?.into_any().unbind())
}

static SERIAL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

#[pymethods]
impl Section {
    #[new]
    #[pyo3(signature = (name=None, cell=None))]
    fn new(py: Python<'_>, name: Option<String>, cell: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let cell = cell.filter(|c| !c.is_none());
        let full = match (&name, cell) {
            (Some(n), Some(c)) => format!("{}.{n}", c.str()?.extract::<String>()?),
            (Some(n), None) => n.clone(),
            (None, _) => format!("__nrnsec_0x{:x}", 0x5500_0000_0000usize + 0x100 * SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
        };
        let weak = match cell {
            Some(c) => Some(py.import("weakref")?.getattr("ref")?.call1((c,))?.unbind()),
            None => None,
        };
        let (id, hoc_cell) = with_interp(|it| {
            let id = it.eng.model.create_section(full, None);
            if it.eng.owners.len() <= id {
                it.eng.owners.resize(id + 1, None);
                it.eng.sec_sym.resize(id + 1, None);
            }
            let hoc_cell = weak.as_ref().map(|w| it.new_foreign(Box::new(crate::convert::PyCell(w.clone_ref(py)))));
            it.eng.owners[id] = hoc_cell.as_ref().map(std::rc::Rc::downgrade);
            it.eng.sec_sym[id] = None;
            Ok((id, hoc_cell))
        })?;
        Ok(Section { id, owned: true, cell: weak, _hoc_cell: hoc_cell })
    }

    /// Registers the new section's object, so that `h.allsec()` returns it.
    #[pyo3(signature = (name=None, cell=None))]
    fn __init__(slf: &Bound<'_, Self>, name: Option<String>, cell: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let _ = (name, cell);
        register(slf.py(), slf)
    }

    /// `sec(x)`: the segment at x (`sec()` is `sec(0.5)`, as NEURON's).
    #[pyo3(signature = (x=0.5))]
    fn __call__(slf: &Bound<'_, Self>, x: f64) -> PyResult<Segment> {
        if !(0.0..=1.0).contains(&x) {
            return Err(PyValueError::new_err("segment position range is 0 <= x <= 1"));
        }
        Ok(Segment { sec: slf.clone().unbind(), x })
    }

    fn __iter__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let segs = segments(py, slf, false)?;
        Ok(PyList::new(py, segs)?.as_any().try_iter()?.into_any().unbind())
    }

    /// The segments with the two ends (x = 0 and 1).
    fn allseg(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let segs = segments(py, slf, true)?;
        Ok(PyList::new(py, segs)?.as_any().try_iter()?.into_any().unbind())
    }

    fn name(&self) -> PyResult<String> {
        with_interp(|it| Ok(it.sec_name(live(it, self.id)?)))
    }

    fn hname(&self) -> PyResult<String> {
        self.name()
    }

    fn hoc_internal_name(&self) -> String {
        format!("__nrnsec_0x{:x}", 0x5600_0000_0000usize + 0x100 * self.id)
    }

    fn __repr__(&self) -> PyResult<String> {
        with_interp(|it| Ok(if it.eng.model.exists(self.id) { it.sec_name(self.id) } else { "<deleted section>".to_string() }))
    }

    fn __str__(&self) -> PyResult<String> {
        self.__repr__()
    }

    fn __hash__(&self) -> isize {
        self.id as isize
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Section>().is_ok_and(|o| o.borrow().id == self.id)
    }

    fn __ne__(&self, other: &Bound<'_, PyAny>) -> bool {
        !self.__eq__(other)
    }

    fn __lt__(&self, other: &Bound<'_, Section>) -> bool {
        self.id < other.borrow().id
    }

    fn same(&self, other: &Bound<'_, Section>) -> bool {
        self.id == other.borrow().id
    }

    fn is_pysec(&self) -> bool {
        self.owned
    }

    /// The cell given at creation, or the HOC object that made the section.
    fn cell(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Some(w) = &self.cell {
            return Ok(w.bind(py).call0()?.unbind());
        }
        let owner = with_interp(|it| Ok(it.eng.owners.get(self.id).cloned().flatten().and_then(|w| w.upgrade())))?;
        match owner {
            Some(o) => to_py(py, Value::Obj(Some(o))),
            None => Ok(py.None()),
        }
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        if name.starts_with("__") && name.ends_with("__") {
            return Err(PyAttributeError::new_err(name.to_string()));
        }
        with_interp(|it| {
            live(it, self.id)?;
            if let Some(var) = name.strip_prefix("_ref_") {
                let h = host_named(it, var).ok_or_else(|| PyAttributeError::new_err(format!("'nrn.Section' object has no attribute '{name}'")))?;
                let v = it.host_var(self.id, h, None).map_err(|e| PyAttributeError::new_err(e.msg))?;
                return to_py(py, Value::Ptr(Place::Engine(v)));
            }
            let Some(h) = host_named(it, name) else {
                return Err(PyAttributeError::new_err(format!("'nrn.Section' object has no attribute '{name}'")));
            };
            let x = it.host_read(self.id, h, None).map_err(|e| PyAttributeError::new_err(e.msg))?;
            if name == "nseg" {
                return Ok((x as i64).into_pyobject(py)?.into_any().unbind());
            }
            Ok(x.into_pyobject(py)?.into_any().unbind())
        })
    }

    fn __setattr__(&self, name: &str, value: f64) -> PyResult<()> {
        with_interp(|it| {
            live(it, self.id)?;
            let Some(h) = host_named(it, name) else {
                return Err(PyAttributeError::new_err(format!("'nrn.Section' object has no attribute '{name}'")));
            };
            if name == "nseg" && value.fract() != 0.0 {
                return Err(PyTypeError::new_err("nseg must be an integer"));
            }
            it.host_write(self.id, h, None, value).map_err(|e| hoc_error(it, e, ""))
        })
    }

    /// `sec.insert('hh')`: inserts a density mechanism; returns the section.
    fn insert(slf: &Bound<'_, Self>, mech: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Self::membrane_statement(slf, mech, Stmt::Insert)
    }

    fn uninsert(slf: &Bound<'_, Self>, mech: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Self::membrane_statement(slf, mech, Stmt::Uninsert)
    }

    fn has_membrane(&self, name: &str) -> PyResult<bool> {
        with_interp(|it| {
            live(it, self.id)?;
            Ok(mech_named(it, name).is_some_and(|m| mech_present(it, self.id, m)))
        })
    }

    /// `child.connect(parent, x=1, childend=0)` or `child.connect(parent(x), childend=0)`.
    #[pyo3(signature = (parent, x=None, childend=None))]
    fn connect(slf: &Bound<'_, Self>, parent: &Bound<'_, PyAny>, x: Option<f64>, childend: Option<f64>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let (pid, px, cx) = if let Ok(seg) = parent.cast::<Segment>() {
            let seg = seg.borrow();
            if childend.is_some() {
                return Err(PyTypeError::new_err("connect(segment, childend): too many arguments"));
            }
            (seg.sec.bind(py).borrow().id, seg.x, x.unwrap_or(0.0))
        } else if let Ok(sec) = parent.cast::<Section>() {
            (sec.borrow().id, x.unwrap_or(1.0), childend.unwrap_or(0.0))
        } else {
            return Err(PyTypeError::new_err("connect: the parent must be a Section or a Segment"));
        };
        let id = slf.borrow().id;
        with_interp(|it| {
            live(it, id)?;
            live(it, pid)?;
            let stmt = Stmt::Connect {
                child: SecRef::Expr(Box::new(Expr::Value(Value::Sec(id)))),
                child_x: Expr::Num(cx),
                parent: Some(SecRef::Expr(Box::new(Expr::Value(Value::Sec(pid))))),
                parent_x: Expr::Num(px),
            };
            it.exec(&stmt).map_err(|e| hoc_error(it, e, ""))?;
            Ok(())
        })?;
        Ok(slf.clone().into_any().unbind())
    }

    fn disconnect(&self) -> PyResult<()> {
        with_interp(|it| {
            live(it, self.id)?;
            it.eng.model.disconnect(self.id);
            Ok(())
        })
    }

    /// The parent segment, or None for a root section.
    fn parentseg(&self, py: Python<'_>) -> PyResult<Option<Segment>> {
        let p = with_interp(|it| Ok(it.eng.model.sec(live(it, self.id)?).parent))?;
        p.map(|(s, x)| Ok(Segment { sec: section_object(py, s)?.unbind(), x })).transpose()
    }

    /// The first ancestor segment not at a parent's 0 end (NEURON's trueparent).
    fn trueparentseg(&self, py: Python<'_>) -> PyResult<Option<Segment>> {
        let p = with_interp(|it| {
            let m = &it.eng.model;
            let mut cur = m.sec(live(it, self.id)?).parent;
            while let Some((p, x)) = cur {
                if x != 0.0 || m.sec(p).parent.is_none() {
                    break;
                }
                cur = m.sec(p).parent;
            }
            Ok(cur)
        })?;
        p.map(|(s, x)| Ok(Segment { sec: section_object(py, s)?.unbind(), x })).transpose()
    }

    fn orientation(&self) -> PyResult<f64> {
        with_interp(|it| Ok(it.eng.model.sec(live(it, self.id)?).orientation))
    }

    fn children(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let ids = with_interp(|it| Ok(hoc::engine::funcs::child_list(&it.eng.model, live(it, self.id)?)))?;
        sections_list(py, ids)
    }

    fn subtree(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let ids = with_interp(|it| {
            let mut out = Vec::new();
            subtree(&it.eng.model, live(it, self.id)?, &mut out);
            Ok(out)
        })?;
        sections_list(py, ids)
    }

    fn wholetree(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let ids = with_interp(|it| {
            let mut root = live(it, self.id)?;
            while let Some((p, _)) = it.eng.model.sec(root).parent {
                root = p;
            }
            let mut out = Vec::new();
            subtree(&it.eng.model, root, &mut out);
            Ok(out)
        })?;
        sections_list(py, ids)
    }

    /// Makes this the currently accessed section (undo with `h.pop_section()`).
    fn push(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let id = slf.borrow().id;
        with_interp(|it| {
            live(it, id)?;
            it.eng.sec_stack.push(id);
            Ok(())
        })?;
        Ok(slf.clone().into_any().unbind())
    }

    fn psection(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        Ok(py.import("neuron.psection")?.getattr("psection")?.call1((slf,))?.unbind())
    }

    // The 3-D point functions of HOC, on this section.
    #[pyo3(signature = (*args))]
    fn n3d(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<i64> {
        self.hoc_fn(py, "n3d", args)?.bind(py).extract::<f64>().map(|x| x as i64)
    }
    #[pyo3(signature = (*args))]
    fn x3d(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "x3d", args)
    }
    #[pyo3(signature = (*args))]
    fn y3d(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "y3d", args)
    }
    #[pyo3(signature = (*args))]
    fn z3d(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "z3d", args)
    }
    #[pyo3(signature = (*args))]
    fn diam3d(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "diam3d", args)
    }
    #[pyo3(signature = (*args))]
    fn arc3d(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "arc3d", args)
    }
    #[pyo3(signature = (*args))]
    fn pt3dadd(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "pt3dadd", args)
    }
    #[pyo3(signature = (*args))]
    fn pt3dclear(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "pt3dclear", args)
    }
    #[pyo3(signature = (*args))]
    fn pt3dchange(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "pt3dchange", args)
    }
    #[pyo3(signature = (*args))]
    fn pt3dinsert(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "pt3dinsert", args)
    }
    #[pyo3(signature = (*args))]
    fn pt3dremove(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "pt3dremove", args)
    }
    #[pyo3(signature = (*args))]
    fn pt3dstyle(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.hoc_fn(py, "pt3dstyle", args)
    }
}

impl Section {
    fn hoc_fn(&self, py: Python<'_>, name: &str, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        with_interp(|it| {
            live(it, self.id)?;
            let vals = to_values(it, args)?;
            call_on(py, it, self.id, name, vals)
        })
    }
}

fn subtree(m: &cable::Model, s: SecId, out: &mut Vec<SecId>) {
    out.push(s);
    for c in hoc::engine::funcs::child_list(m, s) {
        subtree(m, c, out);
    }
}

#[pyclass(unsendable, module = "nrn", name = "Segment")]
pub struct Segment {
    pub sec: Py<Section>,
    pub x: f64,
}

impl Segment {
    fn id(&self, py: Python<'_>) -> SecId {
        self.sec.bind(py).borrow().id
    }
}

#[pymethods]
impl Segment {
    #[getter]
    fn x(&self) -> f64 {
        self.x
    }

    #[getter]
    fn sec(&self, py: Python<'_>) -> Py<Section> {
        self.sec.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = self.sec.bind(py).borrow().__repr__()?;
        Ok(format!("{name}({})", py_float_repr(self.x)))
    }

    fn __str__(&self, py: Python<'_>) -> PyResult<String> {
        self.__repr__(py)
    }

    fn __hash__(&self, py: Python<'_>) -> isize {
        (self.id(py) as isize).wrapping_mul(1_000_003) ^ (self.x.to_bits() as isize)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Segment>().is_ok_and(|o| {
            let o = o.borrow();
            o.id(py) == self.id(py) && o.x == self.x
        })
    }

    fn __ne__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> bool {
        !self.__eq__(py, other)
    }

    /// Range variables (`seg.v`, `seg.i_membrane_`, `seg.gnabar_hh`) are
    /// read before Python's own search of the class, which would fail for
    /// them first at some cost: libraries read them for every segment at
    /// every step. Everything else takes the usual way, then `__getattr__`.
    fn __getattribute__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let n = name.to_cow()?;
        let n: &str = &n;
        if !n.starts_with("__") && n != "x" && n != "sec" {
            let (id, x) = {
                let s = slf.borrow();
                (s.id(py), s.x)
            };
            let got = with_interp(|it| {
                let Some(h) = host_named(it, n).filter(|h| matches!(h, Host::Range(_))) else { return Ok(None) };
                live(it, id)?;
                it.host_read(id, h, Some(x)).map(Some).map_err(|e| PyAttributeError::new_err(e.msg))
            })?;
            if let Some(v) = got {
                return Ok(v.into_pyobject(py)?.into_any().unbind());
            }
        }
        // SAFETY: both pointers are live objects held by the caller.
        unsafe { Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyObject_GenericGetAttr(slf.as_ptr(), name.as_ptr())) }.map(Bound::unbind)
    }

    fn __getattr__(slf: &Bound<'_, Self>, name: &str) -> PyResult<Py<PyAny>> {
        if name.starts_with("__") && name.ends_with("__") {
            return Err(PyAttributeError::new_err(name.to_string()));
        }
        let py = slf.py();
        let (id, x) = {
            let s = slf.borrow();
            (s.id(py), s.x)
        };
        enum Got {
            Value(Value),
            Mech(MechOf),
        }
        let got = with_interp(|it| {
            live(it, id)?;
            if let Some(var) = name.strip_prefix("_ref_") {
                let h = host_named(it, var).ok_or_else(|| PyAttributeError::new_err(format!("'nrn.Segment' object has no attribute '{name}'")))?;
                let v = it.host_var(id, h, Some(x)).map_err(|e| PyAttributeError::new_err(e.msg))?;
                return Ok(Got::Value(Value::Ptr(Place::Engine(v))));
            }
            if let Some(h) = host_named(it, name).filter(|h| matches!(h, Host::Range(_))) {
                let v = it.host_read(id, h, Some(x)).map_err(|e| PyAttributeError::new_err(e.msg))?;
                return Ok(Got::Value(Value::Num(v)));
            }
            match mech_named(it, name) {
                Some(m) if mech_present(it, id, m) => Ok(Got::Mech(m)),
                Some(_) => Err(PyAttributeError::new_err(format!("{name}, the mechanism does not exist at {}({})", it.sec_name(id), py_float_repr(x)))),
                None => Err(PyAttributeError::new_err(format!("'nrn.Segment' object has no attribute '{name}'"))),
            }
        })?;
        match got {
            Got::Value(v) => to_py(py, v),
            Got::Mech(m) => Ok(Py::new(py, Mechanism { seg: slf.clone().unbind(), of: m })?.into_any()),
        }
    }

    fn __setattr__(&self, py: Python<'_>, name: &str, value: f64) -> PyResult<()> {
        let (id, x) = (self.id(py), self.x);
        with_interp(|it| {
            live(it, id)?;
            let Some(h) = host_named(it, name).filter(|h| matches!(h, Host::Range(_))) else {
                return Err(PyAttributeError::new_err(format!("'nrn.Segment' object has no attribute '{name}'")));
            };
            it.host_write(id, h, Some(x), value).map_err(|e| PyAttributeError::new_err(e.msg))
        })
    }

    fn area(&self, py: Python<'_>) -> PyResult<f64> {
        let (id, x) = (self.id(py), self.x);
        with_interp(|it| Ok(it.eng.model.area(live(it, id)?, x)))
    }

    fn ri(&self, py: Python<'_>) -> PyResult<f64> {
        let (id, x) = (self.id(py), self.x);
        with_interp(|it| Ok(it.eng.model.ri(live(it, id)?, x)))
    }

    /// The segment's volume (µm³): its diameter's circle times its length.
    fn volume(&self, py: Python<'_>) -> PyResult<f64> {
        let (id, x) = (self.id(py), self.x);
        with_interp(|it| {
            let s = it.eng.model.sec(live(it, id)?);
            let d = s.diam[s.seg_index(x)];
            Ok(std::f64::consts::PI * d * d / 4.0 * s.length() / s.nseg as f64)
        })
    }

    fn node_index(&self, py: Python<'_>) -> PyResult<usize> {
        let (id, x) = (self.id(py), self.x);
        with_interp(|it| Ok(it.eng.model.sec(live(it, id)?).seg_index(x)))
    }

    /// The point processes located in this segment.
    fn point_processes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let (id, x) = (self.id(py), self.x);
        let found = with_interp(|it| {
            let m = &it.eng.model;
            live(it, id)?;
            let mut out = Vec::new();
            for ci in 0..it.classes.len() {
                if !matches!(&it.classes[ci].kind, hoc::object::ClassKind::Native(hoc::builtins::NativeClass::Point(_))) {
                    continue;
                }
                for w in &it.classes[ci].live {
                    let Some(o) = w.upgrade() else { continue };
                    let Some((mech, inst)) = hoc::engine::classes::point_of(&o) else { continue };
                    let loc = m.points[mech][inst as usize];
                    if loc.sec == Some(id) && seg_end(m.sec(id), loc.x) == seg_end(m.sec(id), x) {
                        out.push(o);
                    }
                }
            }
            Ok(out)
        })?;
        let items: Vec<Py<PyAny>> = found.into_iter().map(|o| to_py(py, Value::Obj(Some(o)))).collect::<PyResult<_>>()?;
        Ok(PyList::new(py, items)?.into_any().unbind())
    }

    /// The mechanisms in this segment: ions first, then density mechanisms.
    fn __iter__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let id = slf.borrow().id(py);
        let mechs = with_interp(|it| {
            live(it, id)?;
            let m = &it.eng.model;
            let mut out: Vec<MechOf> = m.ion_in[id].iter().rev().map(|&i| MechOf::Ion(i)).collect();
            out.extend(m.inserted_in_order(id).iter().map(|ins| MechOf::Density(ins.mech)));
            Ok(out)
        })?;
        let objs: Vec<Py<Mechanism>> = mechs.into_iter().map(|of| Py::new(py, Mechanism { seg: slf.clone().unbind(), of })).collect::<PyResult<_>>()?;
        Ok(PyList::new(py, objs)?.as_any().try_iter()?.into_any().unbind())
    }
}

/// Which node an end location maps to (0 end, 1 end), or the segment index.
fn seg_end(s: &cable::Section, x: f64) -> i64 {
    if x <= 0.0 {
        -1
    } else if x >= 1.0 {
        s.nseg as i64
    } else {
        s.seg_index(x) as i64
    }
}

/// A position as NEURON prints it in a segment's name (%g).
fn py_float_repr(x: f64) -> String {
    hoc::format::fmt_g(x, 6, false, false)
}

#[pyclass(unsendable, module = "nrn", name = "Mechanism")]
pub struct Mechanism {
    seg: Py<Segment>,
    of: MechOf,
}

impl Mechanism {
    /// The HOC name of variable `var` of this mechanism.
    fn var_name(&self, it: &Interp, var: &str) -> String {
        match self.of {
            MechOf::Density(m) => format!("{var}_{}", it.eng.model.mechs[m].name()),
            MechOf::Ion(_) => var.to_string(),
        }
    }
}

#[pymethods]
impl Mechanism {
    fn name(&self) -> PyResult<String> {
        with_interp(|it| Ok(mech_name(it, self.of)))
    }

    fn __repr__(&self) -> PyResult<String> {
        self.name()
    }

    fn is_ion(&self) -> bool {
        matches!(self.of, MechOf::Ion(_))
    }

    fn segment(&self, py: Python<'_>) -> Py<Segment> {
        self.seg.clone_ref(py)
    }

    /// The names of the mechanism's range variables (without the suffix).
    fn _varnames(&self) -> PyResult<Vec<String>> {
        with_interp(|it| {
            Ok(match self.of {
                MechOf::Density(m) => {
                    let mech = &it.eng.model.mechs[m];
                    mech.vars().iter().filter(|v| !v.hidden && !v.name.contains('[')).map(|v| v.name.clone()).collect()
                }
                MechOf::Ion(ion) => cable::ion::IonField::ALL.iter().map(|f| f.hoc_name(&it.eng.model.ion_types[ion].name)).collect(),
            })
        })
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        if name.starts_with("__") && name.ends_with("__") {
            return Err(PyAttributeError::new_err(name.to_string()));
        }
        let seg = self.seg.bind(py).borrow();
        let (id, x) = (seg.id(py), seg.x);
        let (var, ptr) = match name.strip_prefix("_ref_") {
            Some(v) => (v, true),
            None => (name, false),
        };
        let v = with_interp(|it| {
            live(it, id)?;
            let full = self.var_name(it, var);
            let h = host_named(it, &full).filter(|h| matches!(h, Host::Range(RangeVar::Mech(..) | RangeVar::Ion(..))));
            let Some(h) = h else {
                return Err(PyAttributeError::new_err(format!("'nrn.Mechanism' object has no attribute '{name}'")));
            };
            if ptr {
                let v = it.host_var(id, h, Some(x)).map_err(|e| PyAttributeError::new_err(e.msg))?;
                return Ok(Value::Ptr(Place::Engine(v)));
            }
            Ok(Value::Num(it.host_read(id, h, Some(x)).map_err(|e| PyAttributeError::new_err(e.msg))?))
        })?;
        to_py(py, v)
    }

    fn __setattr__(&self, py: Python<'_>, name: &str, value: f64) -> PyResult<()> {
        let seg = self.seg.bind(py).borrow();
        let (id, x) = (seg.id(py), seg.x);
        with_interp(|it| {
            live(it, id)?;
            let full = self.var_name(it, name);
            let Some(h) = host_named(it, &full).filter(|h| matches!(h, Host::Range(_))) else {
                return Err(PyAttributeError::new_err(format!("'nrn.Mechanism' object has no attribute '{name}'")));
            };
            it.host_write(id, h, Some(x), value).map_err(|e| PyAttributeError::new_err(e.msg))
        })
    }
}

/// Functions of `h` that Python handles itself (`allsec`, `cas`,
/// `setpointer`); None for every other name.
pub fn special_function(py: Python<'_>, it: &mut Interp, name: &str, args: &Bound<'_, PyTuple>, sec: Option<SecId>) -> PyResult<Option<Py<PyAny>>> {
    Ok(Some(match name {
        "allsec" => {
            let ids = it.all_sections();
            let objs: Vec<Bound<'_, Section>> = ids.into_iter().map(|s| section_object(py, s)).collect::<PyResult<_>>()?;
            PyList::new(py, objs)?.as_any().try_iter()?.into_any().unbind()
        }
        "cas" => {
            let s = match sec {
                Some(s) => s,
                None => it.cur_sec().map_err(|e| hoc_error(it, e, ""))?,
            };
            section_object(py, s)?.into_any().unbind()
        }
        "setpointer" => {
            setpointer(py, it, args)?;
            py.None()
        }
        _ => return Ok(None),
    }))
}

/// `h.setpointer(_ref_var, 'name', target)`: POINTER `name` of a point
/// process (or of a density mechanism in a segment) reads `var`.
fn setpointer(py: Python<'_>, it: &mut Interp, args: &Bound<'_, PyTuple>) -> PyResult<()> {
    if args.len() != 3 {
        return Err(PyTypeError::new_err("setpointer(_ref_var, 'pointer name', target)"));
    }
    let var = match crate::convert::to_value(it, &args.get_item(0)?)? {
        Value::Ptr(Place::Engine(v)) => v,
        _ => return Err(PyValueError::new_err("setpointer: the first argument must be a pointer to a membrane or mechanism variable")),
    };
    let pname: String = args.get_item(1)?.extract()?;
    let target = args.get_item(2)?;
    let (mech, inst) = if let Ok(h) = target.cast::<HocObject>() {
        let h = h.borrow();
        let Kind::Object(o) = &h.kind else { return Err(PyValueError::new_err("setpointer: the target must be a point process")) };
        hoc::engine::classes::point_of(o).ok_or_else(|| PyValueError::new_err("setpointer: the target must be a point process"))?
    } else if let Ok(m) = target.cast::<Mechanism>() {
        let m = m.borrow();
        let MechOf::Density(mi) = m.of else { return Err(PyValueError::new_err("setpointer: an ion has no POINTER")) };
        let seg = m.seg.bind(py).borrow();
        let (id, x) = (seg.id(py), seg.x);
        let model = &it.eng.model;
        let inst = model.density_instance(id, mi, model.sec(id).seg_index(x)).ok_or_else(|| PyValueError::new_err("setpointer: the mechanism is not in that segment"))?;
        (mi, inst)
    } else {
        return Err(PyValueError::new_err("setpointer: the target must be a point process or a mechanism of a segment"));
    };
    let k = it.eng.model.mechs[mech].pointers().iter().position(|p| **p == *pname).ok_or_else(|| PyValueError::new_err(format!("{pname} is not a POINTER of {}", it.eng.model.mechs[mech].name())))?;
    it.eng.model.set_pointer(mech, inst, k, var).map_err(|e| PyValueError::new_err(format!("setpointer: {e}")))
}

/// Registers a Python-owned section for `h.allsec()` and friends.
pub fn register(py: Python<'_>, sec: &Bound<'_, Section>) -> PyResult<()> {
    let w = py.import("weakref")?.getattr("ref")?.call1((sec,))?.unbind();
    PYSECS.with(|m| m.borrow_mut().insert(sec.borrow().id, w));
    Ok(())
}

impl Section {
    /// `insert` or `uninsert` of a density mechanism, run as the HOC
    /// statement in this section; returns the section.
    fn membrane_statement(slf: &Bound<'_, Self>, mech: &Bound<'_, PyAny>, stmt: fn(std::rc::Rc<str>) -> Stmt) -> PyResult<Py<PyAny>> {
        let name = mech_arg(mech)?;
        let id = slf.borrow().id;
        with_interp(|it| {
            live(it, id)?;
            if mech_named(it, &name).is_none() {
                return Err(PyValueError::new_err("argument not a density mechanism name."));
            }
            let stmt = stmt(name.as_str().into());
            it.with_section(id, |it| it.exec(&stmt)).map_err(|e| hoc_error(it, e, ""))?;
            Ok(())
        })?;
        Ok(slf.clone().into_any().unbind())
    }
}
