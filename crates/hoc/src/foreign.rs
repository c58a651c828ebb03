//! Objects of a host language (Python) inside HOC, and the hook through
//! which HOC calls back into that host.
//!
//! HOC knows nothing of Python. A host installs a [`ForeignHost`] on the
//! interpreter; HOC then holds the host's objects as `PythonObject`
//! instances (their data is whatever the host boxed), and sends member
//! access, calls and `nrnpython("…")` to the host. Every hook receives the
//! interpreter itself, so the host's code may use HOC again while it runs.

use std::any::Any;
use std::rc::Rc;

use cable::SecId;

use crate::builtins::NativeClass;
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Value};

/// What the host language provides to HOC.
pub trait ForeignHost {
    /// `new PythonObject()`: the host's top-level namespace.
    fn top_level(&self, it: &mut Interp) -> HResult<Box<dyn Any>>;
    /// `obj.name` (args None), `obj.name[k]` or `obj.name(args)`.
    fn member(&self, it: &mut Interp, obj: &ObjRef, name: &str, k: &[f64], args: Option<&[Value]>) -> HResult<Value>;
    /// `obj.name = value`.
    fn set_member(&self, it: &mut Interp, obj: &ObjRef, name: &str, value: Value) -> HResult<()>;
    /// Calls the object itself (a callable given where HOC takes a statement).
    fn call(&self, it: &mut Interp, obj: &ObjRef, args: &[Value]) -> HResult<Value>;
    /// `nrnpython("code")`: runs host code; Ok(false) when it raised (the
    /// host has reported the exception).
    fn exec(&self, it: &mut Interp, code: &str) -> HResult<bool>;
    /// The location (section, x) an object stands for (a Python segment),
    /// where HOC takes a location: point processes, `distance`.
    fn location(&self, it: &Interp, obj: &ObjRef) -> Option<(SecId, f64)>;
}

/// Something HOC runs later: a statement, or a host callable.
#[derive(Clone)]
pub enum Action {
    /// A HOC statement, run as `execute` runs it, in an object's context if given.
    Stmt(Rc<str>, Option<ObjRef>),
    /// A host object, called with no arguments.
    Call(ObjRef),
}

impl Action {
    /// The action argument `i` of a built-in: a statement (with the object
    /// argument after it as its context) or a host callable. None if absent.
    pub fn from_args(it: &Interp, a: &[Value], i: usize) -> HResult<Option<Action>> {
        let ctx = |k: usize| match a.get(k) {
            Some(Value::Obj(o)) => o.clone(),
            _ => None,
        };
        Ok(match a.get(i) {
            None => None,
            Some(Value::Str(s)) => Some(Action::Stmt(s.clone(), ctx(i + 1))),
            Some(Value::SRef(s)) => Some(Action::Stmt(s.borrow().as_str().into(), ctx(i + 1))),
            Some(Value::Obj(Some(o))) if is_foreign(it, o) => Some(Action::Call(o.clone())),
            Some(v) => return Err(hoc_err!("expected a statement or a Python callable, not a {}", v.type_name())),
        })
    }
}

/// Whether an object is a host (Python) object.
pub fn is_foreign(it: &Interp, o: &ObjRef) -> bool {
    crate::builtins::native_class(it, o) == Some(NativeClass::Foreign)
}

impl Interp {
    /// The installed host, or NEURON's error when there is none.
    pub fn foreign_host(&self) -> HResult<Rc<dyn ForeignHost>> {
        self.foreign.clone().ok_or_else(|| hoc_err!("Python is not available: run the script with nerve's Python package (nerve run script.py)"))
    }

    /// Wraps a host object as a `PythonObject`.
    pub fn new_foreign(&mut self, data: Box<dyn Any>) -> ObjRef {
        let ci = self.class_id("PythonObject").expect("PythonObject class");
        self.new_object(ci, ObjData::Native(data))
    }

    /// Runs an action; a statement's changes reach the model.
    pub fn run_action(&mut self, a: &Action) -> HResult<()> {
        match a {
            Action::Stmt(stmt, obj) => {
                let mut args = vec![Value::Str(stmt.clone())];
                if let Some(o) = obj {
                    args.push(Value::Obj(Some(o.clone())));
                }
                crate::builtins::funcs::execute(self, &args, false)?;
            }
            Action::Call(o) => {
                let host = self.foreign_host()?;
                host.call(self, o, &[])?;
            }
        }
        self.sync_to_model();
        Ok(())
    }

    /// The location a host object stands for, if it is one.
    pub fn foreign_location(&self, v: &Value) -> Option<(SecId, f64)> {
        match v {
            Value::Obj(Some(o)) if is_foreign(self, o) => self.foreign.as_ref()?.location(self, o),
            _ => None,
        }
    }
}

/// `new PythonObject()`.
pub fn construct(it: &mut Interp, ci: u32) -> HResult<ObjRef> {
    let host = it.foreign_host()?;
    let data = host.top_level(it)?;
    Ok(it.new_object(ci, ObjData::Native(data)))
}

/// `obj.name…` on a host object.
pub fn method(it: &mut Interp, o: &ObjRef, name: &str, k: &[f64], args: Option<&[Value]>) -> HResult<Option<Value>> {
    let host = it.foreign_host()?;
    host.member(it, o, name, k, args).map(Some)
}

/// `nrnpython("code")`: 1 if the code ran, 0 if it raised; 0 when HOC
/// runs without Python (as nrniv -nopython does).
pub fn nrnpython(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let code = crate::builtins::string(a, 0)?;
    let Some(host) = it.foreign.clone() else { return Ok(Value::Num(0.0)) };
    Ok(Value::Num(host.exec(it, &code)? as i32 as f64))
}
