//! The `Pointer` class: a handle on a HOC variable. `new Pointer(&x)` or
//! `new Pointer("name")` (the name taken at top level); `p.val` reads and
//! assigns the variable (and `&p.val` is its address); `p.s` is the name
//! ("unknown" for an address). With a statement as second argument,
//! `p.assign(x)` sets the variable and runs the statement with `$1` as x
//! (a statement without `$1` is assigned x: `stmt = x`).

use super::{string, with_native};
use crate::ast::Stmt;
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::{ObjRef, Place, Value};
use std::rc::Rc;

pub struct PointerObj {
    name: Rc<str>,
    place: Place,
    stmt: Option<Rc<[Stmt]>>,
}

pub fn construct(it: &mut Interp, args: &[Value]) -> HResult<PointerObj> {
    let (name, place): (Rc<str>, Place) = match args.first() {
        Some(Value::Ptr(p)) => ("unknown".into(), p.clone()),
        Some(_) => {
            let name = string(args, 0)?;
            let place = it.in_context(None, |it| it.place_of_text(&name))?;
            (name.into(), place)
        }
        None => return Err(hoc_err!("Pointer constructor failed")),
    };
    let stmt = match args.get(1) {
        Some(_) => {
            let text = string(args, 1)?;
            let body = if text.contains("$1") { text.replace("$1", "hoc_ac_") } else { format!("{text}=hoc_ac_") };
            Some(it.in_context(None, |it| it.parse_text("Pointer", format!("{body}\n").into()))?)
        }
        None => None,
    };
    Ok(PointerObj { name, place, stmt })
}

/// The variable's place, the cable model lowered if it is one of its.
fn place(it: &mut Interp, o: &ObjRef) -> HResult<Place> {
    let p = with_native(o, |p: &mut PointerObj| p.place.clone())?;
    if matches!(p, Place::Engine(_)) {
        it.eng.model.ensure_lowered();
    }
    Ok(p)
}

pub fn method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    Ok(Some(match name {
        "val" => Value::Num({ let p = place(it, o)?; it.read_place(&p)? }),
        "s" => Value::Str(with_native(o, |p: &mut PointerObj| p.name.clone())?),
        "assign" => {
            let x = super::num(it, a, 0)?;
            let p = place(it, o)?;
            it.write_place(&p, x)?;
            if let Some(code) = with_native(o, |p: &mut PointerObj| p.stmt.clone())? {
                it.set_global_num("hoc_ac_", x);
                it.in_context(None, |it| it.run_parsed(&code))?;
            }
            Value::Num(it.read_place(&p)?)
        }
        _ => return Ok(None),
    }))
}

/// `p.val = x`; false for any other name.
pub fn set_member(it: &mut Interp, o: &ObjRef, name: &str, x: f64) -> HResult<bool> {
    if name != "val" {
        return Ok(false);
    }
    let p = place(it, o)?;
    it.write_place(&p, x)?;
    Ok(true)
}

/// `&p.val`.
pub fn member_place(it: &mut Interp, o: &ObjRef, name: &str) -> HResult<Option<Place>> {
    if name != "val" {
        return Ok(None);
    }
    place(it, o).map(Some)
}
