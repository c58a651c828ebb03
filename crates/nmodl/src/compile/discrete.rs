//! DISCRETE blocks: `SOLVE name` runs the block once per call, and `x@k`
//! reads STATE x as it was k calls back. As in NEURON, each such STATE has a
//! history of its last values shared by all instances (static arrays in
//! nocmodl's C), set to the STATE's `x0` at INITIAL and shifted at each call
//! of a block that assigns x. NEURON's translation also advances the
//! simulation time by dt at each call (a remnant of SCoP, where the model
//! owned time); nerve leaves the clock alone.

use std::collections::HashMap;

use super::{CResult, Gen, Name, E};
use crate::ast::*;
use crate::ir::Loc;

/// A STATE's history: the first of its GLOBAL slots, how many calls back it
/// reaches, and the STATE's number of elements (1 for a scalar). Slot
/// `(k - 1)·n + i` holds element i of `x@k`.
#[derive(Clone, Copy, Debug)]
pub(super) struct History {
    pub first: usize,
    pub depth: usize,
    pub n: usize,
}

/// The deepest `x@k` of each name in the module, with where it is first used.
pub(super) fn lags(m: &Module) -> Vec<(String, i64, Span)> {
    let mut out: Vec<(String, i64, Span)> = Vec::new();
    let mut note = |v: &VarRef| {
        if let Some(k) = &v.at {
            match out.iter_mut().find(|o| o.0 == v.name.name) {
                Some(o) => o.1 = o.1.max(k.value),
                None => out.push((v.name.name.clone(), k.value, v.span)),
            }
        }
    };
    for item in &m.items {
        let block = match &item.kind {
            ItemKind::Initial(b) | ItemKind::Breakpoint(b) | ItemKind::Constructor(b) | ItemKind::Destructor(b) | ItemKind::Before(_, b) | ItemKind::After(_, b) => b,
            ItemKind::Derivative(s) | ItemKind::Kinetic(s) | ItemKind::Linear(s) | ItemKind::NonLinear(s) | ItemKind::Discrete(s) => &s.body,
            ItemKind::Procedure(c) | ItemKind::Function(c) => &c.body,
            ItemKind::NetReceive { body, .. } => body,
            _ => continue,
        };
        walk_block(block, &mut note);
    }
    out
}

fn walk_block(b: &Block, f: &mut impl FnMut(&VarRef)) {
    for s in &b.stmts {
        walk_stmt(s, f);
    }
}

pub(super) fn walk_stmt(s: &Stmt, f: &mut impl FnMut(&VarRef)) {
    match &s.kind {
        StmtKind::Assign { lhs, rhs } => {
            f(lhs);
            walk_expr(rhs, f);
        }
        StmtKind::Call(c) => c.args.iter().for_each(|a| walk_expr(a, f)),
        StmtKind::If { cond, then, else_ifs, else_ } => {
            walk_expr(cond, f);
            walk_block(then, f);
            for e in else_ifs {
                walk_expr(&e.cond, f);
                walk_block(&e.body, f);
            }
            if let Some(b) = else_ {
                walk_block(b, f);
            }
        }
        StmtKind::While { cond, body } => {
            walk_expr(cond, f);
            walk_block(body, f);
        }
        StmtKind::From { from, to, by, body, .. } => {
            walk_expr(from, f);
            walk_expr(to, f);
            if let Some(b) = by {
                walk_expr(b, f);
            }
            walk_block(body, f);
        }
        StmtKind::Block(b) | StmtKind::Initial(b) | StmtKind::ForNetcons { body: b, .. } => walk_block(b, f),
        StmtKind::Equation { lhs, rhs } => {
            walk_expr(lhs, f);
            walk_expr(rhs, f);
        }
        StmtKind::Protect(inner) => walk_stmt(inner, f),
        _ => {}
    }
}

fn walk_expr(e: &Expr, f: &mut impl FnMut(&VarRef)) {
    match &e.kind {
        ExprKind::Var(v) => {
            f(v);
            if let Some(i) = &v.index {
                walk_expr(i, f);
            }
        }
        ExprKind::Call(c) => c.args.iter().for_each(|a| walk_expr(a, f)),
        ExprKind::Unary(_, a) => walk_expr(a, f),
        ExprKind::Binary(_, a, b) => {
            walk_expr(a, f);
            walk_expr(b, f);
        }
        _ => {}
    }
}

impl Gen<'_, '_> {
    /// `x@k` or `x@k[i]`: the history slot.
    pub(super) fn history_ref(&self, v: &VarRef, k: &Count) -> CResult<E> {
        let name = &v.name.name;
        let Some(h) = self.cx.history.get(name) else {
            return Err(self.cx.err(v.span, format!("{name} must be a STATE for use as a discrete variable ({name}@{})", k.value)));
        };
        if k.value < 1 {
            return Err(self.cx.err(k.span, "a discrete variable's @index must be 1 or more"));
        }
        let row = (k.value as usize - 1) * h.n;
        let array = matches!(self.cx.names.get(name), Some(Name::Arr(..)));
        match (&v.index, array) {
            (None, false) => Ok(E::Loc(Loc::Global(h.first + row))),
            (Some(ix), true) => match self.resolve(ix)? {
                E::Num(i) if i >= 0.0 && i.fract() == 0.0 && (i as usize) < h.n => Ok(E::Loc(Loc::Global(h.first + row + i as usize))),
                E::Num(i) => Err(self.cx.err(ix.span, format!("{name}@{}[{i}]: index out of range (size {})", k.value, h.n))),
                e => Ok(E::Arr(Loc::Global(h.first + row), h.n, Box::new(e))),
            },
            (None, true) => Err(self.cx.err(v.span, format!("{name} is an array discrete variable; give an index"))),
            (Some(_), false) => Err(self.cx.err(v.span, format!("{name} is a scalar discrete variable; it takes no index"))),
        }
    }

    /// Every history at the STATE's starting value `x0` (INITIAL, before the block).
    pub(super) fn history_init(&mut self, span: Span) -> CResult<()> {
        let mut hs: Vec<(&String, &History)> = self.cx.history.iter().collect();
        hs.sort_by_key(|h| h.1.first);
        for (name, h) in hs {
            let x0 = match self.cx.names.get(&format!("{name}0")) {
                Some(&Name::Loc(l)) => E::Loc(l),
                Some(&Name::Const(c)) => E::Num(c),
                _ => E::Num(0.0),
            };
            let r = self.emit(&x0)?;
            for slot in 0..h.depth * h.n {
                self.assign(&E::Loc(Loc::Global(h.first + slot)), r, span)?;
            }
        }
        Ok(())
    }

    /// `SOLVE name` of a DISCRETE block: the histories of the STATEs it
    /// assigns move one call back, then the block runs.
    pub(super) fn discrete_call(&mut self, d: &Solvable, span: Span) -> CResult<()> {
        let mut hs: Vec<(String, History)> = self.cx.history.iter().filter(|(n, _)| super::assigns(&d.body, n)).map(|(n, h)| (n.clone(), *h)).collect();
        hs.sort_by_key(|h| h.1.first);
        for (name, h) in hs {
            for i in 0..h.n {
                for k in (1..h.depth).rev() {
                    let r = self.emit(&E::Loc(Loc::Global(h.first + (k - 1) * h.n + i)))?;
                    self.assign(&E::Loc(Loc::Global(h.first + k * h.n + i)), r, span)?;
                }
                let now = match self.cx.names.get(&name) {
                    Some(&Name::Arr(base, _)) => E::Loc(super::element(base, i)),
                    Some(&Name::Loc(l)) => E::Loc(l),
                    _ => continue,
                };
                let r = self.emit(&now)?;
                self.assign(&E::Loc(Loc::Global(h.first + i)), r, span)?;
            }
        }
        self.block(&d.body)
    }
}

/// Hidden GLOBAL slots for the histories of the STATEs read as `x@k`.
pub(super) fn allocate(m: &Module, states: &[&VarDecl], globals: &mut Vec<cable::mechanism::VarSpec>) -> Result<HashMap<String, History>, (Span, String)> {
    let mut out = HashMap::new();
    for (name, depth, span) in lags(m) {
        let Some(decl) = states.iter().find(|s| s.name.name == name) else {
            return Err((span, format!("{name} must be a STATE for use as a discrete variable")));
        };
        if depth < 1 {
            return Err((span, "a discrete variable's @index must be 1 or more".into()));
        }
        let n = decl.size.as_ref().map_or(1, |c| c.value.max(1) as usize);
        let first = globals.len();
        for k in 0..depth as usize * n {
            let mut spec = cable::mechanism::VarSpec::new(&format!("{name}@{}[{}]", k / n + 1, k % n), 0.0, cable::mechanism::VarKind::Assigned);
            spec.hidden = true;
            globals.push(spec);
        }
        out.insert(name, History { first, depth: depth as usize, n });
    }
    Ok(out)
}
