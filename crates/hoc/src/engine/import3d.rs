//! NEURON's Import3d from HOC: `Import3d_SWC_read`, `Import3d_Neurolucida3`,
//! `Import3d_MorphML` and `Import3d_GUI(reader, 0).instantiate(obj)`. The
//! `morph` crate reads the file and decides the sections; this module creates
//! them as Import3d's instantiate does (create per type, the cell's
//! SectionLists, access, connect, pt3dstyle, pt3dadd).

use std::rc::Rc;

use morph::Morphology;

use crate::ast::NameRef;
use crate::builtins::{object, string, with_native, NativeClass};
use crate::error::{HResult, HocError};
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Slot, Value};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Swc,
    Neurolucida,
    MorphML,
}

/// What `input(file)` read, and what NEURON prints later when it is used.
#[derive(Clone)]
pub struct Read {
    pub morph: Option<Rc<Morphology>>,
    /// Printed at `Import3d_GUI(reader, 0)` and at `instantiate()`.
    pub gui_text: String,
    pub instantiate_text: String,
    /// An error NEURON raises only at instantiate().
    pub deferred: Option<String>,
}

/// A reader object.
pub struct ReaderObj {
    pub format: Format,
    pub read: Option<Read>,
    pub quiet: f64,
}

/// `Import3d_GUI(reader, 0)`: holds what the reader read.
pub struct GuiObj {
    pub read: Option<Read>,
}

/// Binds the Import3d classes (done when import3d.hoc is loaded).
pub fn install(it: &mut Interp) {
    it.add_native_class("Import3d_SWC_read", NativeClass::Import3dReader(0));
    it.add_native_class("Import3d_Neurolucida3", NativeClass::Import3dReader(1));
    it.add_native_class("Import3d_MorphML", NativeClass::Import3dReader(2));
    it.add_native_class("Import3d_GUI", NativeClass::Import3dGui);
}

pub fn construct(it: &mut Interp, nc: NativeClass, args: &[Value]) -> HResult<Box<dyn std::any::Any>> {
    Ok(match nc {
        NativeClass::Import3dReader(k) => {
            let format = [Format::Swc, Format::Neurolucida, Format::MorphML][k as usize];
            Box::new(ReaderObj { format, read: None, quiet: 0.0 })
        }
        _ => {
            let reader = object(args, 0)?.ok_or_else(|| hoc_err!("Import3d_GUI: arg 1 must be a reader"))?;
            let read = with_native::<ReaderObj, _>(&reader, |r| r.read.clone()).map_err(|_| hoc_err!("Import3d_GUI: arg 1 must be an Import3d reader"))?;
            if let Some(r) = &read {
                it.write_out(&r.gui_text)?;
            }
            Box::new(GuiObj { read })
        }
    })
}

pub fn method(it: &mut Interp, o: &ObjRef, nc: NativeClass, name: &str, args: Option<&[Value]>) -> HResult<Option<Value>> {
    let a = args.unwrap_or(&[]);
    match (nc, name, args.is_some()) {
        (NativeClass::Import3dReader(_), "input", true) => {
            let file = string(a, 0)?;
            let (format, quiet) = with_native::<ReaderObj, _>(o, |r| (r.format, r.quiet != 0.0))?;
            let path = std::path::Path::new(&file);
            let first = it.eng.import3d_sections;
            let result = match format {
                Format::Swc => morph::read_swc_printed(path, first, quiet),
                Format::Neurolucida => morph::read_asc_printed(path, first, quiet),
                Format::MorphML => morph::read_morphml_printed(path, first, quiet),
            };
            // What NEURON prints while reading, then the sections read (or the error).
            let read = match result {
                Ok((m, _diags, printed)) => {
                    it.write_out(&printed.input)?;
                    it.eng.import3d_sections += printed.section_objects;
                    Read { morph: Some(Rc::new(m)), gui_text: printed.gui, instantiate_text: printed.instantiate, deferred: None }
                }
                Err(e) => {
                    it.write_out(&e.printed.input)?;
                    it.eng.import3d_sections += e.printed.section_objects;
                    if e.phase != morph::Phase::Instantiate {
                        return Err(HocError::new(format!("{}:{}: {}", e.file, e.line, e.message)));
                    }
                    let msg = format!("{}:{}: {}", e.file, e.line, e.message);
                    Read { morph: None, gui_text: e.printed.gui.clone(), instantiate_text: e.printed.instantiate.clone(), deferred: Some(msg) }
                }
            };
            with_native::<ReaderObj, _>(o, |r| r.read = Some(read))?;
            Ok(Some(Value::Num(0.0)))
        }
        (NativeClass::Import3dReader(_), "quiet", _) => Ok(Some(Value::Num(with_native::<ReaderObj, _>(o, |r| r.quiet)?))),
        (NativeClass::Import3dGui, "instantiate", true) => {
            let target = match a.first() {
                Some(Value::Obj(t)) => t.clone(),
                _ => None,
            };
            let read = with_native::<GuiObj, _>(o, |g| g.read.clone())?.ok_or_else(|| hoc_err!("Import3d_GUI: the reader has read no file"))?;
            it.write_out(&read.instantiate_text)?;
            if let Some(e) = read.deferred {
                return Err(HocError::new(e));
            }
            let morph = read.morph.ok_or_else(|| hoc_err!("Import3d_GUI: the reader has read no file"))?;
            instantiate(it, &morph, target)?;
            Ok(Some(Value::Num(0.0)))
        }
        _ => Ok(None),
    }
}

/// Sets `reader.quiet = x`.
pub fn set_member(o: &ObjRef, name: &str, x: f64) -> HResult<bool> {
    if name == "quiet" {
        with_native::<ReaderObj, _>(o, |r| r.quiet = x)?;
        return Ok(true);
    }
    Ok(false)
}

/// Creates the sections of a morphology at the top level or in a cell object.
pub fn instantiate(it: &mut Interp, m: &Morphology, target: Option<ObjRef>) -> HResult<()> {
    let saved_this = std::mem::replace(&mut it.this, target.clone());
    let r = build(it, m, target.as_ref());
    it.this = saved_this;
    r
}

fn build(it: &mut Interp, m: &Morphology, target: Option<&ObjRef>) -> HResult<()> {
    // create, per name in creation order, then the cell's subset lists
    let mut names: Vec<(&str, usize, i32)> = Vec::new();
    for s in &m.sections {
        match names.iter_mut().find(|(n, _, _)| *n == s.name) {
            Some(e) => e.1 += 1,
            None => names.push((&s.name, 1, s.kind)),
        }
    }
    let mut ids: std::collections::HashMap<String, Vec<usize>> = Default::default();
    for (name, count, kind) in &names {
        let r = match target {
            Some(o) => NameRef::Field(it.class_scope_mut(o.class).intern(name)),
            None => NameRef::Global(it.globals.intern(name)),
        };
        match target {
            Some(o) => it.class_scope_mut(o.class).syms[match r {
                NameRef::Field(i) => i as usize,
                _ => unreachable!(),
            }]
            .kind = crate::symbol::Kind::Section,
            None => {
                let NameRef::Global(i) = r else { unreachable!() };
                it.globals.syms[i as usize].kind = crate::symbol::Kind::Section;
            }
        }
        it.create_named(r, name, Some(*count as f64))?;
        let secs: Vec<usize> = match it.slot_clone(r) {
            Some(Slot::Secs { data, .. }) => data.into_iter().flatten().collect(),
            _ => Vec::new(),
        };
        ids.insert(name.to_string(), secs);
        if let Some(o) = target {
            let list = match kind {
                1 => "somatic".to_string(),
                2 => "axonal".to_string(),
                3 => "basal".to_string(),
                4 => "apical".to_string(),
                k if *k < 0 => format!("minus_{}set", -k),
                k => format!("dendritic_{k}"),
            };
            let members = it.forall_sections().into_iter().filter(|&s| it.section_matches(s, name).unwrap_or(false)).collect::<Vec<_>>();
            append_to_list(it, o, &list, &members)?;
        }
    }
    if let Some(o) = target {
        let all = it.forall_sections();
        append_to_list(it, o, "all", &all)?;
    }
    let sec_of = |s: &morph::MSection| ids[&s.name][s.index];
    let order: Vec<usize> = if m.connect_order.len() == m.sections.len() { m.connect_order.clone() } else { (0..m.sections.len()).collect() };
    for (i, &k) in order.iter().enumerate() {
        let s = &m.sections[k];
        let id = sec_of(s);
        if i == 0 && target.is_none() {
            it.eng.accessed = Some(id);
        }
        if let Some((p, px)) = s.parent {
            let parent = sec_of(&m.sections[p]);
            // Import3d writes the position with %g.
            let px: f64 = crate::format::fmt_g(px, 6, false, false).parse().unwrap_or(px);
            it.eng.model.connect(id, 0.0, parent, px).map_err(HocError::new)?;
        }
        let sec = it.eng.model.sec_mut(id);
        if let Some(st) = s.style {
            sec.logical_connection = Some(st);
        }
        for p in &s.points {
            sec.pt3d.push(cable::Pt3d { x: p[0], y: p[1], z: p[2], d: p[3] });
        }
        sec.recompute_arc();
    }
    it.eng.model.mark_geometry();
    Ok(())
}

fn append_to_list(it: &mut Interp, o: &ObjRef, list: &str, secs: &[usize]) -> HResult<()> {
    let t = it.template(o.class).ok_or_else(|| hoc_err!("instantiate: {} is not a cell template instance", it.object_name(o)))?;
    let Some(i) = t.scope.get(list) else {
        return Err(hoc_err!("{list} undefined variable in {}", it.object_name(o)));
    };
    let lst = match &*o.data.borrow() {
        ObjData::Hoc(slots) => match slots.get(i as usize) {
            Some(Slot::Objs { data, .. }) => data[0].clone(),
            _ => None,
        },
        _ => None,
    };
    let lst = lst.ok_or_else(|| hoc_err!("{}.{list} is not a SectionList", it.object_name(o)))?;
    super::classes::with_seclist(&lst, |l| l.secs.extend_from_slice(secs))
}
