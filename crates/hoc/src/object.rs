//! Objects and classes: HOC templates and the built-in classes.

use std::any::Any;
use std::cell::RefCell;
use std::rc::{Rc, Weak};

use crate::symbol::Scope;
use crate::value::Slot;

/// An instance of a class. Its name is `Class[index]`.
pub struct Object {
    pub class: u32,
    pub index: usize,
    pub data: RefCell<ObjData>,
    /// The class's count of live instances (None for objects the
    /// interpreter does not name), decremented when the object goes.
    pub count: Option<Rc<std::cell::Cell<usize>>>,
    /// Where a template instance reports, when it goes, the sections it
    /// created (NEURON deletes an object's sections with it).
    pub on_drop: Option<Rc<RefCell<Vec<crate::engine::Dropped>>>>,
}

impl Drop for Object {
    fn drop(&mut self) {
        if let Some(c) = &self.count {
            c.set(c.get().saturating_sub(1));
        }
        let Some(dropped) = &self.on_drop else { return };
        if let ObjData::Hoc(slots) = self.data.get_mut() {
            let secs: Vec<usize> = slots
                .iter()
                .flat_map(|s| match s {
                    Slot::Secs { data, .. } => data.iter().flatten().copied().collect(),
                    _ => Vec::new(),
                })
                .collect();
            if !secs.is_empty() {
                dropped.borrow_mut().push(crate::engine::Dropped::Sections(secs));
            }
        }
    }
}

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Object({}, {})", self.class, self.index)
    }
}

pub enum ObjData {
    /// A template instance: one slot per symbol of the template's scope.
    Hoc(Vec<Slot>),
    Vector(crate::builtins::vector::VecObj),
    List(Vec<Rc<Object>>),
    /// `List("Template")`: always the live instances of a template.
    TemplateList(u32),
    /// Any other built-in class keeps its state here.
    Native(Box<dyn Any>),
}

/// A HOC template: its symbols and the slots its body statements declared.
pub struct Template {
    pub scope: Scope,
    pub proto: Vec<Slot>,
    pub this_sym: Option<u32>,
    pub init_sym: Option<u32>,
    pub done: bool,
}

pub enum ClassKind {
    Template(Template),
    Native(crate::builtins::NativeClass),
}

pub struct Class {
    pub name: Rc<str>,
    pub kind: ClassKind,
    /// Index the next instance gets; back to 0 when no instance is left,
    /// as in NEURON.
    pub next_index: usize,
    pub live: Vec<Weak<Object>>,
    /// How many instances are alive.
    pub count: Rc<std::cell::Cell<usize>>,
}

impl Class {
    pub fn find_instance(&mut self, index: usize) -> Option<Rc<Object>> {
        self.live.retain(|w| w.strong_count() > 0);
        self.live.iter().filter_map(|w| w.upgrade()).find(|o| o.index == index)
    }
}
