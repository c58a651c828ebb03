//! `cvode.netconlist(pre, post, target[, list])`: the NetCons whose source
//! cell, target cell and target match, each given as an object or as a
//! regular expression on the object's name.

use std::rc::Rc;

use cable::events::{Source, Target};

use super::classes::NetConObj;
use crate::builtins::{object, string};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Value};

/// One argument: an object to be matched exactly, or a pattern on names.
enum Filter {
    Object(Option<ObjRef>),
    Pattern(regex::Regex),
}

impl Filter {
    fn new(a: &[Value], i: usize) -> HResult<Filter> {
        if matches!(a.get(i), Some(Value::Str(_) | Value::SRef(_))) {
            let s = string(a, i)?;
            let re = if s.is_empty() { ".*".to_string() } else { brackets_literal(&s) };
            let re = regex::Regex::new(&re).map_err(|_| hoc_err!("Argument {} is not a valid regular expression '{s}'.", i + 1))?;
            Ok(Filter::Pattern(re))
        } else {
            Ok(Filter::Object(object(a, i)?))
        }
    }

    fn accepts(&self, it: &Interp, o: &Option<ObjRef>) -> bool {
        match self {
            Filter::Object(want) => match (want, o) {
                (Some(w), Some(o)) => Rc::ptr_eq(w, o),
                (None, None) => true,
                _ => false,
            },
            Filter::Pattern(re) => re.is_match(&it.obj_name_opt(o)),
        }
    }
}

/// Names hold literal brackets (`Cell[3]`); `<` and `>` stand for a class.
fn brackets_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push('['),
            '>' => out.push(']'),
            '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn section_cell(it: &Interp, sec: usize) -> Option<ObjRef> {
    it.eng.owners.get(sec)?.as_ref()?.upgrade()
}

pub fn netconlist(it: &mut Interp, a: &[Value]) -> HResult<ObjRef> {
    let (pre, post, target) = (Filter::new(a, 0)?, Filter::new(a, 1)?, Filter::new(a, 2)?);
    let list = match a.get(3) {
        Some(_) => object(a, 3)?.ok_or_else(|| hoc_err!("netconlist: arg 4 is NULLobject"))?,
        None => {
            let ci = it.class_id("List").expect("List class");
            it.new_object(ci, ObjData::List(Vec::new()))
        }
    };
    let ci = it.class_id("NetCon").expect("NetCon class");
    let mut netcons: Vec<(usize, ObjRef)> = it.classes[ci as usize]
        .live
        .iter()
        .filter_map(|w| w.upgrade())
        .filter_map(|o| {
            let idx = match &*o.data.borrow() {
                ObjData::Native(b) => b.downcast_ref::<NetConObj>().map(|n| n.index),
                _ => None,
            };
            idx.map(|i| (i, o))
        })
        .collect();
    netcons.sort_by_key(|(i, _)| *i);
    // NEURON walks its sources in the order they were made, then each
    // source's NetCons in order.
    let model = &it.eng.model;
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (k, (i, _)) in netcons.iter().enumerate() {
        let Some(Some(nc)) = model.netcons.get(*i) else { continue };
        if matches!(nc.source, Source::None | Source::Gid(_)) {
            continue;
        }
        match groups.iter_mut().find(|(first, _)| model.same_source(netcons[*first].0, *i)) {
            Some((_, members)) => members.push(k),
            None => groups.push((k, vec![k])),
        }
    }
    let mut found = Vec::new();
    for (_, members) in &groups {
        let (i, o) = &netcons[members[0]];
        let precell = match &model.netcons[*i].as_ref().expect("live NetCon").source {
            &Source::Voltage { sec, .. } => section_cell(it, sec),
            _ => netcon_field(o, |n| n.pre.clone()),
        };
        if !pre.accepts(it, &precell) {
            continue;
        }
        for &k in members {
            let (i, o) = &netcons[k];
            let syn = netcon_field(o, |n| n.syn.clone());
            let postcell = match model.netcons[*i].as_ref().map(|n| &n.target) {
                Some(&Target::Point { mech, inst }) => model.points[mech as usize][inst as usize].sec.and_then(|s| section_cell(it, s)),
                _ => None,
            };
            if post.accepts(it, &postcell) && target.accepts(it, &syn) {
                found.push(o.clone());
            }
        }
    }
    match &mut *list.data.borrow_mut() {
        ObjData::List(v) => v.extend(found),
        _ => return Err(hoc_err!("netconlist: arg 4 is not a List")),
    }
    Ok(list)
}

fn netcon_field(o: &ObjRef, f: impl FnOnce(&NetConObj) -> Option<std::rc::Weak<crate::object::Object>>) -> Option<ObjRef> {
    match &*o.data.borrow() {
        ObjData::Native(b) => b.downcast_ref::<NetConObj>().and_then(f).and_then(|w| w.upgrade()),
        _ => None,
    }
}
