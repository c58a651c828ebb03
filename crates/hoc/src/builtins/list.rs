//! The `List` class: an ordered collection of object references.

use super::{num, object, string};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Value};

pub fn construct(it: &mut Interp, ci: u32, args: &[Value]) -> HResult<ObjRef> {
    if let Some(Value::Str(_) | Value::SRef(_)) = args.first() {
        // List("Template") follows the live instances of a template.
        let name = string(args, 0)?;
        let tc = it.class_id(&name).ok_or_else(|| hoc_err!("{name} is not a template"))?;
        return Ok(it.new_object(ci, ObjData::TemplateList(tc)));
    }
    Ok(it.new_object(ci, ObjData::List(Vec::new())))
}

fn items(o: &ObjRef) -> Vec<ObjRef> {
    match &*o.data.borrow() {
        ObjData::List(v) => v.clone(),
        _ => Vec::new(),
    }
}

fn with_items<R>(o: &ObjRef, f: impl FnOnce(&mut Vec<ObjRef>) -> R) -> R {
    match &mut *o.data.borrow_mut() {
        ObjData::List(v) => f(v),
        _ => unreachable!("List without list data"),
    }
}

fn checked(it: &Interp, n: usize, x: f64, name: &str) -> HResult<usize> {
    let i = (x + it.float_epsilon()).floor();
    if i < 0.0 || i as usize >= n {
        return Err(hoc_err!("List.{name}: index {} out of range", i));
    }
    Ok(i as usize)
}

pub fn method(it: &mut Interp, o: &ObjRef, name: &str, _k: &[f64], args: Option<&[Value]>) -> HResult<Option<Value>> {
    let a = args.unwrap_or(&[]);
    let template = match &*o.data.borrow() {
        ObjData::TemplateList(c) => Some(*c),
        _ => None,
    };
    if let Some(c) = template {
        let class = &mut it.classes[c as usize];
        class.live.retain(|w| w.strong_count() > 0);
        let mut live: Vec<ObjRef> = class.live.iter().filter_map(|w| w.upgrade()).collect();
        live.sort_by_key(|x| x.index);
        return Ok(Some(match name {
            "count" => Value::Num(live.len() as f64),
            "o" | "object" => {
                let i = checked(it, live.len(), num(it, a, 0)?, name)?;
                Value::Obj(Some(live[i].clone()))
            }
            "index" => {
                let target = object(a, 0)?;
                let pos = live.iter().position(|x| target.as_ref().is_some_and(|t| std::rc::Rc::ptr_eq(x, t)));
                Value::Num(pos.map(|p| p as f64).unwrap_or(-1.0))
            }
            _ => return Err(hoc_err!("List.{name}: not available on a List of a template's instances")),
        }));
    }
    let n = with_items(o, |v| v.len());
    let v = match name {
        "append" | "prepend" => {
            let item = object(a, 0)?.ok_or_else(|| hoc_err!("List.{name}: arg is NULLobject"))?;
            with_items(o, |v| if name == "append" { v.push(item) } else { v.insert(0, item) });
            Value::Num((n + 1) as f64)
        }
        "insrt" => {
            let i = num(it, a, 0)? as usize;
            let item = object(a, 1)?.ok_or_else(|| hoc_err!("List.insrt: arg is NULLobject"))?;
            if i > n {
                return Err(hoc_err!("List.insrt: index {i} out of range"));
            }
            with_items(o, |v| v.insert(i, item));
            Value::Num((n + 1) as f64)
        }
        "remove" => {
            let i = checked(it, n, num(it, a, 0)?, name)?;
            with_items(o, |v| v.remove(i));
            Value::Num((n - 1) as f64)
        }
        "remove_all" => {
            with_items(o, |v| v.clear());
            Value::Num(0.0)
        }
        "count" => Value::Num(n as f64),
        "o" | "object" => {
            let i = checked(it, n, num(it, a, 0)?, name)?;
            Value::Obj(Some(with_items(o, |v| v[i].clone())))
        }
        "index" => {
            let target = object(a, 0)?;
            let pos = items(o).iter().position(|x| target.as_ref().is_some_and(|t| std::rc::Rc::ptr_eq(x, t)));
            Value::Num(pos.map(|p| p as f64).unwrap_or(-1.0))
        }
        "browser" | "select" | "scroll_pos" | "accept_action" | "select_action" => Value::Num(0.0),
        "selected" => Value::Num(-1.0),
        _ => return Ok(None),
    };
    Ok(Some(v))
}
