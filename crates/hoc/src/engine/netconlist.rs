//! `cvode.netconlist(pre, post, target[, list])`: the NetCons whose source
//! cell, target cell and target match, each given as an object or as a
//! regular expression on the object's name.

use std::collections::HashMap;
use std::rc::Rc;

use cable::events::{Source, Target};
use cable::netpar::SourceKey;

use super::classes::{netcon_index, netcon_pre, netcon_syn};
use super::parallel::section_owner;
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
    let mut netcons: Vec<(usize, ObjRef)> = it.classes[ci as usize].live.iter().filter_map(|w| w.upgrade()).filter_map(|o| Some((netcon_index(&o)?, o))).collect();
    netcons.sort_by_key(|(i, _)| *i);
    // NEURON walks its sources in the order they were made, then each
    // source's NetCons in order. Sources on other processes are not walked.
    let model = &it.eng.model;
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<SourceKey, usize> = HashMap::new();
    for (k, (i, _)) in netcons.iter().enumerate() {
        match cable::netpar::source_key(model, *i) {
            Some(SourceKey::Gid(_)) | None => {}
            Some(key) => {
                let g = *group_of.entry(key).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                });
                groups[g].push(k);
            }
        }
    }
    let mut found = Vec::new();
    for members in &groups {
        let (i, o) = &netcons[members[0]];
        let precell = match model.netcons[*i].as_ref().map(|n| &n.source) {
            Some(&Source::Voltage { sec, .. }) => section_owner(it, sec),
            _ => netcon_pre(o),
        };
        if !pre.accepts(it, &precell) {
            continue;
        }
        for &k in members {
            let (i, o) = &netcons[k];
            let postcell = match model.netcons[*i].as_ref().map(|n| &n.target) {
                Some(&Target::Point { mech, inst }) => model.points[mech as usize][inst as usize].sec.and_then(|s| section_owner(it, s)),
                _ => None,
            };
            if post.accepts(it, &postcell) && target.accepts(it, &netcon_syn(o)) {
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
