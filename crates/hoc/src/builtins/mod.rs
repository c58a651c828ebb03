//! Built-in functions and classes, bound into the interpreter at start-up.

pub mod bulletin;
pub mod file;
pub mod funcs;
pub mod graph;
pub mod gui;
pub mod list;
pub mod matrix;
pub mod pointer;
pub mod random;
pub mod scan;
pub mod strfun;
pub mod timer;
pub mod vector;

use crate::error::{HResult, HocError};
use crate::format::FmtArg;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Place, Value};

/// A built-in function: evaluated arguments in, a value out.
pub type Builtin = fn(&mut Interp, &[Value]) -> HResult<Value>;

/// The built-in classes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NativeClass {
    Vector,
    List,
    File,
    StringFunctions,
    Matrix,
    Timer,
    Random,
    /// `Pointer(&x | "name" [, "stmt"])`: a handle on a HOC variable.
    Pointer,
    /// GUI classes: inert, returning what NEURON's do under -nogui.
    Gui(gui::GuiClass),
    MechanismStandard,
    MechanismType,
    RangeVarPlot,
    SaveState,
    /// A point process or artificial cell of the engine's catalogue.
    Point(u32),
    NetCon,
    SectionRef,
    SectionList,
    CVode,
    /// `FInitializeHandler([type,] "statement"[, obj])`.
    FInitializeHandler,
    /// `pp.ranvar`: a mechanism instance's RANDOM stream.
    NmodlRandom,
    /// An extracellular probe followed during the run.
    LFPProbe,
    /// ParallelContext: gids, psolve, collectives, the bulletin board.
    ParallelContext,
    /// `LinearMechanism(c, g, y, [y0,] b, ...)`: equations over the cable's nodes.
    LinearMechanism,
    Impedance,
    /// Import3d readers: 0 SWC, 1 Neurolucida, 2 MorphML.
    Import3dReader(u8),
    Import3dGui,
    /// `PythonObject`: an object of the host language.
    Foreign,
}

pub fn install(it: &mut Interp) {
    funcs::install(it);
    it.add_native_class("Vector", NativeClass::Vector);
    it.add_native_class("List", NativeClass::List);
    it.add_native_class("File", NativeClass::File);
    it.add_native_class("StringFunctions", NativeClass::StringFunctions);
    it.add_native_class("Matrix", NativeClass::Matrix);
    it.add_native_class("Timer", NativeClass::Timer);
    it.add_native_class("Random", NativeClass::Random);
    it.add_native_class("Pointer", NativeClass::Pointer);
    it.add_native_class("PythonObject", NativeClass::Foreign);
    it.define_builtin("nrnpython", crate::foreign::nrnpython);
    gui::install(it);
}

pub fn construct(it: &mut Interp, ci: u32, nc: NativeClass, args: &[Value]) -> HResult<ObjRef> {
    let data = match nc {
        NativeClass::Vector => ObjData::Vector(vector::construct(it, args)?),
        NativeClass::List => return list::construct(it, ci, args),
        NativeClass::File => ObjData::Native(Box::new(file::construct(it, args)?)),
        NativeClass::StringFunctions => ObjData::Native(Box::new(strfun::StrFun)),
        NativeClass::Matrix => ObjData::Native(Box::new(matrix::construct(it, args)?)),
        NativeClass::Timer => ObjData::Native(Box::new(timer::construct(it, args)?)),
        NativeClass::Random => ObjData::Native(Box::new(random::construct(it, args)?)),
        NativeClass::Pointer => ObjData::Native(Box::new(pointer::construct(it, args)?)),
        NativeClass::Gui(gui::GuiClass::Graph) => ObjData::Native(Box::new(graph::construct(it, args)?)),
        NativeClass::Gui(_) => ObjData::Native(Box::new(gui::GuiObj::default())),
        NativeClass::MechanismStandard => ObjData::Native(Box::new(crate::engine::mechmenu::construct_ms(it, args)?)),
        NativeClass::MechanismType => ObjData::Native(Box::new(crate::engine::mechmenu::construct_mt(it, args)?)),
        NativeClass::RangeVarPlot => ObjData::Native(Box::new(crate::engine::rvp::construct(it, args)?)),
        NativeClass::SaveState => ObjData::Native(Box::new(crate::engine::savestate::SaveState::default())),
        NativeClass::Point(_) | NativeClass::NetCon | NativeClass::SectionRef | NativeClass::SectionList | NativeClass::CVode | NativeClass::FInitializeHandler | NativeClass::NmodlRandom => {
            return crate::engine::classes::construct(it, ci, nc, args);
        }
        NativeClass::LFPProbe => ObjData::Native(crate::engine::probe::construct(it, args)?),
        NativeClass::ParallelContext => ObjData::Native(crate::engine::parallel::construct(it, args)?),
        NativeClass::LinearMechanism => crate::engine::linmod::construct(it, args)?,
        NativeClass::Impedance => ObjData::Native(Box::new(crate::engine::impedance::ImpObj::default())),
        NativeClass::Import3dReader(_) | NativeClass::Import3dGui => ObjData::Native(crate::engine::import3d::construct(it, nc, args)?),
        NativeClass::Foreign => return crate::foreign::construct(it, ci),
    };
    Ok(it.new_object(ci, data))
}

/// `obj.name[k](args)` on a built-in object; `args` is None without parentheses.
pub fn call_method(it: &mut Interp, o: &ObjRef, name: &str, k: &[f64], args: Option<&[Value]>) -> HResult<Value> {
    let nc = match &it.classes[o.class as usize].kind {
        crate::object::ClassKind::Native(nc) => *nc,
        _ => unreachable!("template objects are handled by the interpreter"),
    };
    // Methods that return an object take `[i]` as their one argument
    // (`list.o[i]`, `vec.c[0]`), as NEURON's parser allows.
    let bracket_arg;
    let (k, args) = if args.is_none() && !k.is_empty() && object_valued(nc, name) {
        if k.len() > 1 {
            return Err(hoc_err!("'{name}' is a function not a {}-dim array", k.len()));
        }
        bracket_arg = [Value::Num(k[0])];
        (&[][..], Some(&bracket_arg[..]))
    } else {
        (k, args)
    };
    let r = match nc {
        NativeClass::Vector if matches!(name, "record" | "play" | "play_remove") => {
            crate::engine::funcs::vector_record(it, o, name, args.unwrap_or(&[])).map(Some)
        }
        NativeClass::Vector => vector::method(it, o, name, k, args),
        NativeClass::List => list::method(it, o, name, k, args),
        NativeClass::File => file::method(it, o, name, args.unwrap_or(&[])),
        NativeClass::StringFunctions => strfun::method(it, o, name, args.unwrap_or(&[])),
        NativeClass::Matrix => matrix::method(it, o, name, k, args),
        NativeClass::Timer => timer::method(it, o, name, args.unwrap_or(&[])),
        NativeClass::Random => random::method(it, o, name, args.unwrap_or(&[])),
        NativeClass::Pointer => pointer::method(it, o, name, args.unwrap_or(&[])),
        NativeClass::Gui(g) => gui::method(it, o, g, name, args.unwrap_or(&[])),
        NativeClass::MechanismStandard => crate::engine::mechmenu::ms_method(it, o, name, args.unwrap_or(&[])),
        NativeClass::MechanismType => crate::engine::mechmenu::mt_method(it, o, name, args.unwrap_or(&[])),
        NativeClass::RangeVarPlot => crate::engine::rvp::method(it, o, name, args.unwrap_or(&[])),
        NativeClass::SaveState => crate::engine::savestate::method(it, o, name, args.unwrap_or(&[])),
        NativeClass::Point(_) | NativeClass::NetCon | NativeClass::SectionRef | NativeClass::SectionList | NativeClass::CVode | NativeClass::FInitializeHandler | NativeClass::NmodlRandom => {
            crate::engine::classes::method(it, o, nc, name, k, args)
        }
        NativeClass::LFPProbe => crate::engine::probe::method(it, o, name, args.unwrap_or(&[])),
        NativeClass::ParallelContext => crate::engine::parallel::method(it, name, args.unwrap_or(&[])),
        NativeClass::LinearMechanism => crate::engine::linmod::method(it, o, name, args.unwrap_or(&[])),
        NativeClass::Impedance => crate::engine::impedance::method(it, o, name, args.unwrap_or(&[])),
        NativeClass::Import3dReader(_) | NativeClass::Import3dGui => crate::engine::import3d::method(it, o, nc, name, args),
        NativeClass::Foreign => crate::foreign::method(it, o, name, k, args),
    }?;
    let r = match (r, nc) {
        (None, NativeClass::Vector) => it.installed_vector_method(o, name, args.unwrap_or(&[]))?,
        (r, _) => r,
    };
    // `nc.weight(0)`, `pp.array(i)`: the legacy (index) form of an array variable.
    let r = match (r, args) {
        (None, Some([i])) if k.is_empty() && matches!(nc, NativeClass::Point(_) | NativeClass::NetCon) => {
            let i = num(it, &[i.clone()], 0)?;
            crate::engine::classes::member(it, o, nc, name, &[i], None)?
        }
        (r, _) => r,
    };
    match r {
        Some(v) => Ok(v),
        None => {
            let class = it.classes[o.class as usize].name.clone();
            Err(it.not_public(name, &class))
        }
    }
}

/// Whether a built-in method returns an object.
fn object_valued(nc: NativeClass, name: &str) -> bool {
    match nc {
        NativeClass::List => matches!(name, "o" | "object"),
        NativeClass::Vector => matches!(name, "c" | "cl" | "at" | "ind"),
        _ => false,
    }
}

/// The built-in class of an object, if it has one.
pub fn native_class(it: &Interp, o: &ObjRef) -> Option<NativeClass> {
    match &it.classes[o.class as usize].kind {
        crate::object::ClassKind::Native(nc) => Some(*nc),
        _ => None,
    }
}

/// `obj.name[k] = x` on a built-in object; false if it has no such variable.
pub fn set_member(it: &mut Interp, o: &ObjRef, name: &str, k: &[f64], x: f64) -> HResult<bool> {
    match native_class(it, o) {
        Some(nc @ (NativeClass::Point(_) | NativeClass::NetCon)) => {
            if crate::engine::classes::member(it, o, nc, name, k, Some(x))?.is_some() {
                return Ok(true);
            }
            let class = it.classes[o.class as usize].name.clone();
            Err(it.not_public(name, &class))
        }
        Some(NativeClass::Import3dReader(_)) => crate::engine::import3d::set_member(o, name, x),
        Some(NativeClass::Pointer) => pointer::set_member(it, o, name, x),
        Some(NativeClass::Foreign) => {
            let host = it.foreign_host()?;
            host.set_member(it, o, name, Value::Num(x))?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// `&obj.name[k]` on a built-in object.
pub fn member_place(it: &mut Interp, o: &ObjRef, name: &str, k: &[f64]) -> HResult<Place> {
    if let Some(p) = matrix::place(it, o, name, k)? {
        return Ok(p);
    }
    if native_class(it, o) == Some(NativeClass::Pointer) {
        if let Some(p) = pointer::member_place(it, o, name)? {
            return Ok(p);
        }
    }
    if let Some((mech, inst)) = crate::engine::classes::point_of(o) {
        // Array variables are kept as `name[k]`.
        let full = match k.first() {
            Some(&x) => format!("{name}[{}]", x as usize),
            None => name.to_string(),
        };
        if let Some(var) = it.eng.model.mechs[mech].vars().iter().position(|v| v.name == full && !v.hidden) {
            return Ok(Place::Engine(cable::model::Var::Mech { mech, var, inst }));
        }
    }
    if let ObjData::Vector(v) = &*o.data.borrow() {
        if name == "x" {
            let i = vector::index(it, v.data.len(), k.first().copied().unwrap_or(0.0))?;
            return Ok(Place::VecElem(o.clone(), i));
        }
    }
    Err(hoc_err!("can't take the address of {}.{name}", it.object_name(o)))
}

/// The text of a string value (or a number formatted as %g).
pub fn value_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::SRef(s) => s.borrow().clone(),
        Value::Num(x) => crate::format::fmt_g(*x, 6, false, false),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------- argument helpers

pub fn num(it: &Interp, args: &[Value], i: usize) -> HResult<f64> {
    match args.get(i) {
        Some(Value::Num(x)) => Ok(*x),
        Some(Value::Ptr(p)) => it.read_place(p),
        Some(v) => Err(hoc_err!("bad stack access: expecting (double); really ({})", v.type_name())),
        None => Err(hoc_err!("not enough arguments")),
    }
}

pub fn opt_num(it: &Interp, args: &[Value], i: usize) -> HResult<Option<f64>> {
    if i < args.len() {
        num(it, args, i).map(Some)
    } else {
        Ok(None)
    }
}

pub fn string(args: &[Value], i: usize) -> HResult<String> {
    match args.get(i) {
        Some(v @ (Value::Str(_) | Value::SRef(_))) => Ok(value_str(v)),
        Some(v) => Err(hoc_err!("bad stack access: expecting (char *); really ({})", v.type_name())),
        None => Err(hoc_err!("not enough arguments")),
    }
}

pub fn str_ref(args: &[Value], i: usize) -> HResult<std::rc::Rc<std::cell::RefCell<String>>> {
    match args.get(i) {
        Some(Value::SRef(s)) => Ok(s.clone()),
        // A string constant where a strdef is written (NEURON's
        // hoc_pgargstr): the function writes into a temporary.
        Some(Value::Str(s)) => Ok(std::rc::Rc::new(std::cell::RefCell::new(s.to_string()))),
        Some(v) => Err(hoc_err!("arg {} is a {}, expected a string variable", i + 1, v.type_name())),
        None => Err(hoc_err!("not enough arguments")),
    }
}

/// NEURON's `chkarg`: argument `i` as a number in [lo, hi].
/// An error unless memory for `n` values can be had: sizes a script
/// chooses must not abort the process.
pub fn affordable(n: Option<usize>) -> HResult<usize> {
    let mut probe: Vec<f64> = Vec::new();
    match n {
        Some(n) if probe.try_reserve_exact(n).is_ok() => Ok(n),
        _ => Err(hoc_err!("out of memory for {} values", n.map_or("too many".to_string(), |n| n.to_string()))),
    }
}

/// `n` copies of `x`, when the memory can be had.
pub fn filled(n: Option<usize>, x: f64) -> HResult<Vec<f64>> {
    Ok(vec![x; affordable(n)?])
}

pub fn chkarg(it: &Interp, a: &[Value], i: usize, lo: f64, hi: f64) -> HResult<f64> {
    let x = num(it, a, i)?;
    if x < lo || x > hi {
        return Err(hoc_err!("Arg out of range in user function"));
    }
    Ok(x)
}

pub fn object(args: &[Value], i: usize) -> HResult<Option<ObjRef>> {
    match args.get(i) {
        Some(Value::Obj(o)) => Ok(o.clone()),
        Some(v) => Err(hoc_err!("bad stack access: expecting (Object **); really ({})", v.type_name())),
        None => Err(hoc_err!("not enough arguments")),
    }
}

pub fn pointer(args: &[Value], i: usize) -> HResult<Place> {
    match args.get(i) {
        Some(Value::Ptr(p)) => Ok(p.clone()),
        Some(v) => Err(hoc_err!("bad stack access: expecting (double *); really ({})", v.type_name())),
        None => Err(hoc_err!("not enough arguments")),
    }
}

/// Formats with C printf rules; objects format by name with `%s`.
pub fn format_args(it: &Interp, fmt: &str, args: &[Value]) -> HResult<String> {
    let names: Vec<String> = args
        .iter()
        .map(|a| match a {
            Value::Obj(o) => it.obj_name_opt(o),
            v => value_str(v),
        })
        .collect();
    let mut fa = Vec::with_capacity(args.len());
    for (a, n) in args.iter().zip(&names) {
        fa.push(match a {
            Value::Num(x) => FmtArg::Num(*x),
            Value::Ptr(p) => FmtArg::Num(it.read_place(p)?),
            _ => FmtArg::Str(n),
        });
    }
    crate::format::sprintf(fmt, &fa).map_err(HocError::new)
}

/// Downcasts a built-in object's native state.
pub fn with_native<T: 'static, R>(o: &ObjRef, f: impl FnOnce(&mut T) -> R) -> HResult<R> {
    let mut d = o.data.borrow_mut();
    match &mut *d {
        ObjData::Native(b) => match b.downcast_mut::<T>() {
            Some(t) => Ok(f(t)),
            None => Err(HocError::new("object of the wrong class")),
        },
        _ => Err(HocError::new("object of the wrong class")),
    }
}
