//! HOC as the VERBATIM C of .mod files reaches it (`nmodl::verbatim::host`):
//! the arguments of the HOC call a mechanism is serving, objects by handle
//! (Vectors, Random objects), and the Vector methods `install_vector_method`
//! adds. The state is shared between the interpreter, which sets the
//! arguments before it calls into a mechanism, and each mechanism's host.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use nmodl::ir::HocVar;
use nmodl::verbatim::host::{ArgKind, Host};

use crate::object::ObjData;
use crate::value::{ObjRef, Value};

/// What the interpreter and the mechanisms' hosts share.
#[derive(Default)]
pub struct CShared {
    /// Arguments of the HOC call being served.
    pub args: Vec<Value>,
    /// The Vector an installed method runs on.
    pub this: Option<ObjRef>,
    /// Objects C holds, by handle (kept alive while a handle may be used).
    objects: Vec<ObjRef>,
    by_ptr: HashMap<usize, u32>,
    /// Vector methods C installed: name → (mechanism, method).
    pub methods: HashMap<String, (usize, usize)>,
    /// Text printed during a call from HOC.
    pub text: String,
    /// HOC's float_epsilon, as mechanisms read `hoc_epsilon`.
    pub float_epsilon: f64,
    /// HOC's stoprun as mechanisms see it, and a value they assigned that
    /// HOC has not taken yet.
    pub stoprun: f64,
    pub stoprun_set: Option<f64>,
}

impl CShared {
    fn handle(&mut self, o: &ObjRef) -> u32 {
        let key = Rc::as_ptr(o) as usize;
        if let Some(&h) = self.by_ptr.get(&key) {
            return h;
        }
        let h = self.objects.len() as u32;
        self.objects.push(o.clone());
        self.by_ptr.insert(key, h);
        h
    }

    fn object(&self, h: u32) -> Result<ObjRef, String> {
        self.objects.get(h as usize).cloned().ok_or_else(|| "not a HOC object".to_string())
    }
}

/// One mechanism's host.
pub struct HocHost {
    pub shared: Rc<RefCell<CShared>>,
    /// The mechanism's index in the model (set once it is added).
    pub mech: Cell<usize>,
}

fn with_vec<R>(o: &ObjRef, f: impl FnOnce(&mut Vec<f64>) -> R) -> Result<R, String> {
    match &mut *o.data.borrow_mut() {
        ObjData::Vector(v) => Ok(f(&mut v.data)),
        _ => Err("not a Vector".into()),
    }
}

impl HocHost {
    fn arg(&self, i: usize) -> Option<Value> {
        // HOC arguments count from 1.
        i.checked_sub(1).and_then(|k| self.shared.borrow().args.get(k).cloned())
    }

    fn vector(&self, h: u32) -> Result<ObjRef, String> {
        self.shared.borrow().object(h)
    }
}

impl Host for HocHost {
    fn arg_kind(&self, i: usize) -> ArgKind {
        // NEURON's ifarg(i) is i <= numarg(), so ifarg(0) (and below) is true;
        // C loops count the arguments from 0 this way.
        if i == 0 {
            return ArgKind::Num;
        }
        match self.arg(i) {
            None => ArgKind::Missing,
            Some(Value::Num(_)) => ArgKind::Num,
            Some(Value::Str(_) | Value::SRef(_)) => ArgKind::Str,
            Some(Value::Obj(_)) => ArgKind::Obj,
            Some(Value::Ptr(_)) => ArgKind::Ref,
            Some(Value::Sec(_)) => ArgKind::Obj,
        }
    }

    fn arg_num(&self, i: usize) -> Result<f64, String> {
        match self.arg(i) {
            Some(Value::Num(x)) => Ok(x),
            Some(v) => Err(format!("bad argument {i}: a {} where a number is expected", v.type_name())),
            None => Err(format!("arg {i} does not exist")),
        }
    }

    fn arg_object(&self, i: usize, class: Option<&str>) -> Result<u32, String> {
        let o = match self.arg(i) {
            Some(Value::Obj(Some(o))) => o,
            Some(Value::Obj(None)) => return Err(format!("arg {i}: an object is expected, not NULLobject")),
            _ => return Err(format!("bad argument {i}: an object is expected")),
        };
        match class {
            Some("Vector") if !matches!(&*o.data.borrow(), ObjData::Vector(_)) => return Err(format!("arg {i} is not a Vector")),
            Some("Random") if crate::builtins::random::with_random(&o, |_| ()).is_err() => return Err(format!("arg {i} is not a Random")),
            _ => {}
        }
        Ok(self.shared.borrow_mut().handle(&o))
    }

    fn arg_str(&self, i: usize) -> Result<String, String> {
        match self.arg(i) {
            Some(Value::Str(s)) => Ok(s.to_string()),
            Some(Value::SRef(s)) => Ok(s.borrow().clone()),
            _ => Err(format!("bad argument {i}: a string is expected")),
        }
    }

    fn this_vector(&self) -> Result<u32, String> {
        let mut s = self.shared.borrow_mut();
        match s.this.clone() {
            Some(o) => Ok(s.handle(&o)),
            None => Err("not called as a Vector method".into()),
        }
    }

    fn vec_len(&self, h: u32) -> Result<usize, String> {
        with_vec(&self.vector(h)?, |v| v.len())
    }

    fn vec_capacity(&self, h: u32) -> Result<usize, String> {
        with_vec(&self.vector(h)?, |v| v.capacity())
    }

    fn vec_get(&self, h: u32, i: usize) -> Result<f64, String> {
        with_vec(&self.vector(h)?, |v| v.get(i).copied())?.ok_or_else(|| format!("index {i} beyond the end of a Vector"))
    }

    fn vec_set(&self, h: u32, i: usize, x: f64) -> Result<(), String> {
        with_vec(&self.vector(h)?, |v| match v.get_mut(i) {
            Some(s) => {
                *s = x;
                Ok(())
            }
            None => Err(format!("index {i} beyond the end of a Vector")),
        })?
    }

    fn vec_resize(&self, h: u32, n: usize) -> Result<(), String> {
        with_vec(&self.vector(h)?, |v| v.resize(n, 0.0))
    }

    fn vec_new(&self, _: usize) -> Result<u32, String> {
        Err("vector_new: C code cannot make HOC Vectors in nerve".into())
    }

    fn random_pick(&self, h: u32) -> Result<f64, String> {
        let o = self.shared.borrow().object(h)?;
        crate::builtins::random::pick(&o).map_err(|e| e.msg.to_string())
    }

    fn install_vector_method(&self, name: &str, method: usize) -> Result<(), String> {
        self.shared.borrow_mut().methods.insert(name.to_string(), (self.mech.get(), method));
        Ok(())
    }

    fn print(&self, text: &str) {
        self.shared.borrow_mut().text.push_str(text);
    }

    fn hoc_var(&self, v: HocVar) -> f64 {
        let s = self.shared.borrow();
        match v {
            HocVar::FloatEpsilon => s.float_epsilon,
            HocVar::Stoprun => s.stoprun,
        }
    }

    fn set_hoc_var(&self, v: HocVar, x: f64) {
        if v == HocVar::Stoprun {
            let mut s = self.shared.borrow_mut();
            s.stoprun = x;
            s.stoprun_set = Some(x);
        }
    }
}

impl crate::interp::Interp {
    /// HOC's float_epsilon and stoprun to the mechanisms, before they run.
    pub fn hoc_vars_to_c(&mut self) {
        let eps = self.float_epsilon();
        let stop = self.globals.get("stoprun").map_or(0.0, |i| self.global_num(i));
        let mut s = self.eng.c_host.borrow_mut();
        s.float_epsilon = eps;
        s.stoprun = stop;
    }

    /// A stoprun the mechanisms assigned, to HOC.
    pub fn hoc_vars_from_c(&mut self) {
        let set = self.eng.c_host.borrow_mut().stoprun_set.take();
        if let Some(x) = set {
            self.set_global_num("stoprun", x);
        }
    }

    /// Runs `f` (a call into a mechanism) with `args` as the HOC arguments
    /// its C sees, then passes on what it printed.
    pub fn with_c_args<R>(&mut self, args: Vec<Value>, this: Option<ObjRef>, f: impl FnOnce(&mut Self) -> R) -> crate::error::HResult<R> {
        let shared = self.eng.c_host.clone();
        let saved = {
            let mut s = shared.borrow_mut();
            (std::mem::replace(&mut s.args, args), std::mem::replace(&mut s.this, this))
        };
        self.hoc_vars_to_c();
        let r = f(self);
        self.hoc_vars_from_c();
        let text = {
            let mut s = shared.borrow_mut();
            s.args = saved.0;
            s.this = saved.1;
            std::mem::take(&mut s.text)
        };
        if !text.is_empty() {
            self.write_out(&text)?;
        }
        Ok(r)
    }

    /// A method C installed on Vector (`install_vector_method`), if `name` is one.
    /// Whether a mechanism's C installed a Vector method of this name.
    pub fn has_installed_vector_method(&self, name: &str) -> bool {
        self.eng.c_host.borrow().methods.contains_key(name)
    }

    pub fn installed_vector_method(&mut self, o: &ObjRef, name: &str, args: &[Value]) -> crate::error::HResult<Option<Value>> {
        let Some(&(m, k)) = self.eng.c_host.borrow().methods.get(name) else { return Ok(None) };
        let r = self.with_c_args(args.to_vec(), Some(o.clone()), |it| {
            let model = &mut it.eng.model;
            let clock = (model.t, model.dt, model.celsius);
            model.mechs[m].call_method(&mut model.data[m], k, clock)
        })?;
        r.map(|x| Some(Value::Num(x))).map_err(|e| crate::hoc_err!("{e}"))
    }
}
