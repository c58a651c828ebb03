//! Whether nocmodl would translate a mechanism as thread safe ("vectorized").
//! The answer is visible: a mechanism that is not thread safe builds each
//! TABLE when its function is first called (and rebuilds it there when a
//! dependency changed), not at finitialize and before every step, so an
//! INITIAL block that reads a tabulated variable before calling the
//! function sees the variable's value of before, 0 in a fresh run.

use super::walk;
use crate::ast::*;
use crate::ir::{Block, Loc};

/// nocmodl's vectorize flag. `blocks` are the compiled blocks of every kind
/// (tables' builds included): a GLOBAL any of them assigns is not thread
/// safe; `shared(g)` tells the GLOBALs from top-level LOCALs, which are.
pub(super) fn thread_safe<'a>(m: &Module, mut blocks: impl Iterator<Item = &'a Block>, shared: impl Fn(usize) -> bool) -> bool {
    let mut asserted = false;
    for item in &m.items {
        if let ItemKind::Neuron(stmts) = &item.kind {
            for s in stmts {
                match &s.kind {
                    NeuronStmtKind::Threadsafe => asserted = true,
                    NeuronStmtKind::Suffix { name, .. } if name.name == "nothing" => return false,
                    _ => {}
                }
            }
        }
    }
    for item in &m.items {
        match &item.kind {
            ItemKind::Linear(_) | ItemKind::NonLinear(_) | ItemKind::Discrete(_) => {
                if solved(m, item) {
                    return false;
                }
            }
            ItemKind::Breakpoint(b) if !solve_methods_safe(m, b) => return false,
            _ => {}
        }
    }
    if asserted {
        return true;
    }
    for item in &m.items {
        match &item.kind {
            ItemKind::Verbatim(_) => return false,
            ItemKind::Neuron(stmts) => {
                if stmts.iter().any(|s| matches!(s.kind, NeuronStmtKind::Pointer(_) | NeuronStmtKind::External(_))) {
                    return false;
                }
            }
            _ => {}
        }
        if item_blocks(item).iter().any(|b| has_verbatim(b)) {
            return false;
        }
    }
    !blocks.any(|b| b.stores.iter().any(|(_, l)| matches!(*l, Loc::Global(g) if shared(g))))
}

/// Whether a LINEAR, NONLINEAR or DISCRETE block is named by a SOLVE.
fn solved(m: &Module, item: &Item) -> bool {
    let name = match &item.kind {
        ItemKind::Linear(s) | ItemKind::NonLinear(s) | ItemKind::Discrete(s) => &s.name.name,
        _ => return false,
    };
    let mut found = false;
    for it in &m.items {
        for b in item_blocks(it) {
            walk(b, &mut |s| {
                if let StmtKind::Solve(sv) = &s.kind {
                    found |= sv.name.name == *name;
                }
            });
        }
    }
    found
}

/// BREAKPOINT's SOLVEs of DERIVATIVE blocks by cnexp, derivimplicit or
/// euler and of KINETIC blocks by sparse are thread safe; other methods not.
fn solve_methods_safe(m: &Module, bp: &crate::ast::Block) -> bool {
    let kind_of = |name: &str| {
        m.items.iter().find_map(|it| match &it.kind {
            ItemKind::Derivative(s) if s.name.name == name => Some(true),
            ItemKind::Kinetic(s) if s.name.name == name => Some(false),
            _ => None,
        })
    };
    let mut safe = true;
    walk(bp, &mut |s| {
        let StmtKind::Solve(sv) = &s.kind else { return };
        let method = sv.method.as_ref().filter(|m| !m.steadystate).map(|m| m.name.name.as_str());
        match kind_of(&sv.name.name) {
            // No METHOD (or STEADYSTATE): derivimplicit.
            Some(true) => safe &= matches!(method, None | Some("cnexp" | "derivimplicit" | "euler")),
            Some(false) => safe &= matches!(method, None | Some("sparse")),
            None => {}
        }
    });
    safe
}

fn item_blocks(item: &Item) -> Vec<&crate::ast::Block> {
    match &item.kind {
        ItemKind::Initial(b) | ItemKind::Breakpoint(b) | ItemKind::Constructor(b) | ItemKind::Destructor(b) | ItemKind::Before(_, b) | ItemKind::After(_, b) => vec![b],
        ItemKind::Derivative(s) | ItemKind::Kinetic(s) | ItemKind::Linear(s) | ItemKind::NonLinear(s) | ItemKind::Discrete(s) => vec![&s.body],
        ItemKind::Procedure(c) | ItemKind::Function(c) => vec![&c.body],
        ItemKind::NetReceive { body, .. } => vec![body],
        _ => Vec::new(),
    }
}

fn has_verbatim(b: &crate::ast::Block) -> bool {
    let mut found = false;
    walk(b, &mut |s| found |= matches!(s.kind, StmtKind::Verbatim(_)));
    found
}

