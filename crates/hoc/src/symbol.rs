//! Symbol tables: the top-level one and one per template. Names are bound to
//! indices when a statement is parsed, so the interpreter never looks a name
//! up by string in its inner loops.

use std::collections::HashMap;
use std::rc::Rc;

use crate::ast::FuncDef;
use crate::builtins::Builtin;

#[derive(Clone)]
pub enum Kind {
    /// Data: number, array, string or object reference; the slot says which.
    Var,
    Proc(Rc<FuncDef>),
    Func(Rc<FuncDef>),
    Obfunc(Rc<FuncDef>),
    Iterator(Rc<FuncDef>),
    Builtin(Builtin),
    Class(u32),
    /// A section name (array or single); its sections live in the host.
    Section,
    /// A name the host (engine) gives meaning: range variables, mechanisms…
    Host(u32),
}

#[derive(Clone)]
pub struct Sym {
    pub name: Rc<str>,
    pub kind: Kind,
    pub public: bool,
}

#[derive(Default, Clone)]
pub struct Scope {
    pub syms: Vec<Sym>,
    pub map: HashMap<Rc<str>, u32>,
    /// In a template: names declared `external`, bound to top-level symbols.
    pub externals: HashMap<Rc<str>, u32>,
}

impl Scope {
    pub fn get(&self, name: &str) -> Option<u32> {
        self.map.get(name).copied()
    }

    /// Finds or creates `name` (as an undefined variable).
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(i) = self.get(name) {
            return i;
        }
        let name: Rc<str> = name.into();
        let i = self.syms.len() as u32;
        self.syms.push(Sym { name: name.clone(), kind: Kind::Var, public: false });
        self.map.insert(name, i);
        i
    }

    pub fn kind(&self, i: u32) -> &Kind {
        &self.syms[i as usize].kind
    }
}
