//! Run-time values: numbers, strings, object references, and the storage
//! slots behind named variables.

use std::cell::RefCell;
use std::rc::Rc;

use crate::object::Object;

pub type ObjRef = Rc<Object>;

/// A place a `&x` pointer or a by-reference argument names.
#[derive(Clone, Debug)]
pub enum Place {
    Global(u32, usize),
    Local(usize, u32, usize),
    Field(ObjRef, u32, usize),
    VecElem(ObjRef, usize),
    /// A variable of a template's own storage, while its body runs.
    Proto(u32, u32, usize),
    /// Argument `n` (1-based) of call frame `f`.
    Arg(usize, usize),
    /// A variable of the cable model (voltage, mechanism variable, t).
    Engine(cable::model::Var),
    /// Nowhere: a temporary that cannot be written back.
    Nowhere,
}

#[derive(Clone, Debug)]
pub enum Value {
    Num(f64),
    Str(Rc<str>),
    /// A `strdef` variable, passed by reference.
    SRef(Rc<RefCell<String>>),
    Obj(Option<ObjRef>),
    Ptr(Place),
    /// A section of the cable model.
    Sec(usize),
}

impl Value {
    pub fn null() -> Value {
        Value::Obj(None)
    }
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Num(_) => "number",
            Value::Str(_) | Value::SRef(_) => "string",
            Value::Obj(_) => "object",
            Value::Ptr(_) => "pointer",
            Value::Sec(_) => "section",
        }
    }
}

/// Storage of one named variable.
#[derive(Clone, Debug, Default)]
pub enum Slot {
    #[default]
    Undef,
    Num(f64),
    Nums { dims: Vec<usize>, data: Vec<f64> },
    Str(Rc<RefCell<String>>),
    Objs { dims: Vec<usize>, data: Vec<Option<ObjRef>> },
    /// Sections made by `create` (None in a template's declaration).
    Secs { dims: Vec<usize>, data: Vec<Option<usize>> },
}

impl Slot {
    pub fn new_str() -> Slot {
        Slot::Str(Rc::new(RefCell::new(String::new())))
    }
    /// A fresh slot of the same declared shape (for a new object instance).
    pub fn fresh_like(&self) -> Slot {
        match self {
            Slot::Undef => Slot::Undef,
            Slot::Num(_) => Slot::Num(0.0),
            Slot::Nums { dims, data } => Slot::Nums { dims: dims.clone(), data: vec![0.0; data.len()] },
            Slot::Str(_) => Slot::new_str(),
            Slot::Objs { dims, data } => Slot::Objs { dims: dims.clone(), data: vec![None; data.len()] },
            Slot::Secs { dims, data } => Slot::Secs { dims: dims.clone(), data: vec![None; data.len()] },
        }
    }
}
