//! KINETIC blocks solved by `METHOD sparse` (and `STEADYSTATE sparse`): the
//! block becomes the function nocmodl writes for scopmath's `sparse`, which
//! fills the implicit step's matrix and right-hand side term by term in
//! nocmodl's order, and a [`SparseSpec`] that solves it (see `crate::sparse`).
//!
//! nocmodl numbers the equations with the states of CONSERVE statements
//! first (the last CONSERVE first, each by its last species not yet
//! numbered), then the other states in its symbol table's order: by first
//! character, and among names with the same first character the one that
//! appeared last in the file first. The numbering decides the pivot order,
//! so nerve numbers them alike.

use std::collections::HashMap;

use super::{element, CResult, Gen, Method, Name, E};
use super::walk;
use crate::ast::*;
use crate::ir::{Loc, Op, Reg, F1, F2};
use crate::sparse::{Plan, SparseSpec, Step};

/// The matrix being filled while a scheme's body compiles.
pub(super) struct KinFill {
    /// The equation of each state (array elements one each).
    rows: HashMap<Loc, usize>,
    /// Equations below this are CONSERVE laws.
    ncons: usize,
    /// The row of each CONSERVE statement, by its position.
    conserve_rows: Vec<(Span, usize)>,
    /// COMPARTMENT volume of a state.
    volumes: HashMap<Loc, E>,
    rhs: Vec<Reg>,
    elems: HashMap<(usize, usize), Reg>,
    /// No matrix term holds a state (nocmodl's `_linmat`).
    linear: bool,
    /// The variable step's solve (nocmodl's `_ode_matsol`): the reactions
    /// give only their matrix terms, CONSERVE gives nothing.
    pub(super) cvode: bool,
}


/// How many operators looser than `*`, not in parentheses, lead down the
/// right of a rate: nocmodl pastes the rate's text before `* species`, so C
/// multiplies the species into that last operand (`a + b * B`).
pub(super) fn loose_depth(e: &Expr) -> usize {
    match &e.kind {
        ExprKind::Binary(op, l, r) if e.span.lo == l.span.lo && !matches!(op, BinOp::Mul | BinOp::Div | BinOp::Pow) => 1 + loose_depth(r),
        _ => 0,
    }
}

/// A simple statement that names `f_flux` or `b_flux`.
pub(super) fn reads_flux(s: &Stmt) -> bool {
    if !matches!(s.kind, StmtKind::Assign { .. } | StmtKind::Call(_) | StmtKind::Equation { .. }) {
        return false;
    }
    let mut found = false;
    super::discrete::walk_stmt(s, &mut |v| found |= matches!(v.name.name.as_str(), "f_flux" | "b_flux"));
    found
}

/// A side's flux: its rate times each species as often as its coefficient
/// (`terms` in nocmodl's order, the last written first).
fn product(rate: &E, depth: usize, terms: &[(E, i64, Option<usize>)]) -> E {
    let factors: Vec<E> = terms.iter().flat_map(|(x, c, _)| std::iter::repeat_n(x.clone(), *c as usize)).collect();
    paste(rate, depth, &factors)
}

/// A side's flux as nocmodl writes `f_flux`/`b_flux`: the rate's text, then
/// `*X` for each species from the last written, as often as its coefficient.
pub(super) fn side_flux(rate: E, depth: usize, terms: &[(E, i64)]) -> E {
    let last_first: Vec<(E, i64, Option<usize>)> = terms.iter().rev().map(|(x, c)| (x.clone(), (*c).max(1), None)).collect();
    product(&rate, depth, &last_first)
}

/// `rate * f1 * f2 …` as C reads the pasted text (see `loose_depth`).
fn paste(rate: &E, depth: usize, factors: &[E]) -> E {
    if depth > 0 {
        if let E::F2(op, a, b) = rate {
            return E::F2(*op, a.clone(), Box::new(paste(b, depth - 1, factors)));
        }
    }
    factors.iter().fold(rate.clone(), |p, x| E::bin(F2::Mul, p, x.clone()))
}

impl Gen<'_, '_> {
    /// A STATE's first element and number of elements.
    pub(super) fn state_name(&self, name: &str) -> Option<(Loc, usize)> {
        match self.cx.names.get(name) {
            Some(&Name::Loc(l)) if self.cx.state_locs.contains(&l) => Some((l, 1)),
            Some(&Name::Arr(base, n)) if self.cx.state_locs.contains(&base) => Some((base, n)),
            _ => None,
        }
    }

    /// nocmodl's order of a scheme's species: each CONSERVE, the last
    /// written first, with its last-written scalar state not yet taken (None
    /// when none is left); then the other species in its symbol table's
    /// order — by first character, and of those the latest met in the text
    /// first.
    pub(super) fn species_order(&self, body: &Block) -> (Vec<(Span, Option<String>)>, Vec<String>) {
        let mut conserves: Vec<(Span, Vec<String>)> = Vec::new();
        let mut species: Vec<String> = Vec::new();
        walk(body, &mut |s| match &s.kind {
            StmtKind::Reaction(rx) => {
                let rhs: &[ReactTerm] = match &rx.kind {
                    ReactionKind::Reversible { rhs, .. } => rhs,
                    _ => &[],
                };
                species.extend(rx.lhs.iter().chain(rhs).map(|t| t.var.name.name.clone()));
            }
            StmtKind::Conserve { lhs, .. } => {
                let names: Vec<String> = lhs.iter().map(|t| t.var.name.name.clone()).collect();
                species.extend(names.iter().cloned());
                conserves.push((s.span, names));
            }
            _ => {}
        });
        species.retain(|n| self.state_name(n).is_some());
        let mut seen = std::collections::HashSet::new();
        species.retain(|n| seen.insert(n.clone()));
        let mut picks: Vec<(Span, Option<String>)> = Vec::new();
        for (cspan, names) in conserves.iter().rev() {
            let taken = |n: &String| picks.iter().any(|(_, p)| p.as_ref() == Some(n));
            let pick = names.iter().rev().find(|n| self.state_name(n).is_some_and(|(_, len)| len == 1) && !taken(n));
            picks.push((*cspan, pick.cloned()));
        }
        let mut others: Vec<String> = species.into_iter().filter(|n| !picks.iter().any(|(_, p)| p.as_ref() == Some(n))).collect();
        let appeared = |n: &str| self.cx.seen_rank.get(n).copied().unwrap_or(0);
        others.sort_by_key(|n| (n.as_bytes()[0], std::cmp::Reverse(appeared(n))));
        (picks, others)
    }

    /// Numbers the scheme's states as nocmodl does and reads its COMPARTMENTs.
    fn kinetic_layout(&mut self, body: &Block, span: Span) -> CResult<(KinFill, Vec<Loc>)> {
        let mut compartments: Vec<&Stmt> = Vec::new();
        walk(body, &mut |s| {
            if let StmtKind::Compartment { .. } = &s.kind {
                compartments.push(s);
            }
        });
        let (picks, others) = self.species_order(body);
        // (name, first equation)
        let mut numbered: Vec<(String, usize)> = Vec::new();
        let mut conserve_rows = Vec::new();
        let mut count = 0;
        for (cspan, pick) in picks {
            let Some(name) = pick else {
                return Err(self.cx.err(cspan, "CONSERVE: failed to diagonalize the kinetic matrix (no state of its own left)"));
            };
            numbered.push((name, count));
            conserve_rows.push((cspan, count));
            count += 1;
        }
        let ncons = count;
        for n in others {
            let len = self.state_name(&n).map_or(1, |s| s.1);
            numbered.push((n, count));
            count += len;
        }
        if count == 0 {
            return Err(self.cx.err(span, "KINETIC contains no reactions"));
        }
        let mut rows = HashMap::new();
        let mut locs = vec![Loc::V; count];
        for (name, first) in &numbered {
            let (base, len) = self.state_name(name).unwrap();
            for k in 0..len {
                rows.insert(element(base, k), first + k);
                locs[first + k] = element(base, k);
            }
        }
        let mut volumes = HashMap::new();
        for s in compartments {
            let StmtKind::Compartment { index, volume, species } = &s.kind else { unreachable!() };
            for sp in species {
                // nocmodl drops the species that are not STATEs.
                let Some((base, len)) = self.state_name(&sp.name) else { continue };
                match index {
                    None => {
                        let vol = self.resolve(volume)?;
                        for k in 0..len {
                            volumes.insert(element(base, k), vol.clone());
                        }
                    }
                    Some(ix) => {
                        for k in 0..len {
                            self.fixed_push(&ix.name, k as f64);
                            let vol = self.resolve(volume);
                            self.fixed_pop();
                            volumes.insert(element(base, k), vol?);
                        }
                    }
                }
            }
        }
        let fill = KinFill { rows, ncons, conserve_rows, volumes, rhs: Vec::new(), elems: HashMap::new(), linear: true, cvode: false };
        Ok((fill, locs))
    }

    /// The register of matrix element (row, col).
    fn elem(&mut self, row: usize, col: usize) -> Reg {
        if let Some(&r) = self.kin.as_ref().unwrap().elems.get(&(row, col)) {
            return r;
        }
        let r = self.reg();
        self.kin.as_mut().unwrap().elems.insert((row, col), r);
        r
    }

    /// dst = dst op v (under the mask).
    fn update(&mut self, dst: Reg, op: F2, v: Reg) {
        let t = self.tmp();
        self.b.ops.push(Op::F2(op, t, dst, v));
        self.assign_reg(dst, t);
    }

    /// The equation of a state (None for any other variable).
    fn kin_row(&self, x: &E) -> Option<usize> {
        match x {
            E::Loc(l) => self.kin.as_ref().unwrap().rows.get(l).copied(),
            _ => None,
        }
    }

    /// `SOLVE name METHOD sparse` (or `STEADYSTATE sparse`) of a KINETIC block.
    pub(super) fn sparse_solve(&mut self, body: &Block, steady: bool, span: Span) -> CResult<()> {
        let (fill, locs) = self.kinetic_layout(body, span)?;
        let n = locs.len();
        let ncons = fill.ncons;
        let outer = std::mem::take(&mut self.b.ops);
        let saved_mask = self.mask.take();
        let states: Vec<Reg> = locs.iter().map(|&l| self.home(l)).collect();
        for l in &locs {
            if !self.written.contains(l) {
                self.written.push(*l);
            }
        }
        let olds: Vec<Reg> = (0..n).map(|_| self.reg()).collect();
        let rhs: Vec<Reg> = (0..n).map(|_| self.reg()).collect();
        self.kin = Some(Box::new(KinFill { rhs: rhs.clone(), ..fill }));
        // _dt1 = 1/dt; each equation but the conservation laws starts as
        // -_dt1*(x - x_old) with _dt1 on the diagonal, scaled by its volume.
        let dt = if steady { self.konst(1e9) } else { self.home(Loc::Dt) };
        let one = self.konst(1.0);
        let dt1 = self.reg();
        self.b.ops.push(Op::F2(F2::Div, dt1, one, dt));
        let ndt1 = self.reg();
        self.b.ops.push(Op::F1(F1::Neg, ndt1, dt1));
        for i in ncons..n {
            let t = self.tmp();
            self.b.ops.push(Op::F2(F2::Sub, t, states[i], olds[i]));
            self.b.ops.push(Op::F2(F2::Mul, rhs[i], ndt1, t));
            let d = self.elem(i, i);
            self.b.ops.push(Op::Mov(d, dt1));
        }
        let (fill_ops, kin) = self.fill_scheme(body, &locs, ncons, outer)?;
        let pattern: Vec<(usize, usize)> = kin.elems.keys().copied().collect();
        let plan = Plan::new(n, &pattern);
        let mut elems = kin.elems;
        for &(r, c) in plan.fill.iter().chain(&(0..n).map(|i| (i, i)).collect::<Vec<_>>()) {
            if !elems.contains_key(&(r, c)) {
                let reg = self.reg();
                elems.insert((r, c), reg);
            }
        }
        let steps = plan.steps(&elems, &rhs);
        let mut elems: Vec<Reg> = elems.into_values().collect();
        elems.sort();
        let k = self.b.sparses.len() as u32;
        self.b.sparses.push(SparseSpec { ops: fill_ops, states: states.clone(), olds: olds.clone(), rhs, elems, steps, linear: kin.linear, steady, jit: Default::default() });
        self.b.ops.push(Op::Sparse(k));
        if self.second_order {
            // Dx = (x - x_old)/dt of the solve, then x += dt*Dx, as
            // nocmodl's nrn_state (dt halved) and nrn_init (a steady state
            // moved on by the step's dt) do.
            let step = self.home(Loc::Dt);
            for (&x, &old) in states.iter().zip(&olds) {
                let (t1, d, t) = (self.tmp(), self.tmp(), self.tmp());
                self.b.ops.push(Op::F2(F2::Sub, t1, x, old));
                self.b.ops.push(Op::F2(F2::Div, d, t1, dt));
                self.b.ops.push(Op::F2(F2::Mul, t, step, d));
                self.b.ops.push(Op::F2(F2::Add, x, x, t));
            }
        }
        self.mask = saved_mask;
        Ok(())
    }

    /// The rest of a scheme's fill after its diagonal: each equation from
    /// `first` on scaled by its state's volume, then the body's terms. Gives
    /// the fill's ops (the block's own, `outer`, put back) and the matrix.
    fn fill_scheme(&mut self, body: &Block, locs: &[Loc], first: usize, outer: Vec<Op>) -> CResult<(Vec<Op>, KinFill)> {
        let rhs = self.kin.as_ref().unwrap().rhs.clone();
        for i in first..locs.len() {
            let vol = self.kin.as_ref().unwrap().volumes.get(&locs[i]).cloned();
            if let Some(vol) = vol {
                let v = self.emit(&vol)?;
                self.update(rhs[i], F2::Mul, v);
                let d = self.elem(i, i);
                self.update(d, F2::Mul, v);
            }
        }
        self.method = Some(Method::Sparse);
        let r = self.block(body);
        self.method = None;
        let kin = self.kin.take().unwrap();
        r?;
        Ok((std::mem::replace(&mut self.b.ops, outer), *kin))
    }

    /// The variable step's solve of a `METHOD sparse` scheme, as nocmodl's
    /// `_ode_matsol` and scopmath's `_cvode_sparse` do it: with dt = γ and
    /// no conservation rows, each equation starts as `(1/γ)·b` with 1/γ on
    /// the diagonal (both times the state's volume), the reactions add their
    /// matrix terms at the present states, and the matrix is eliminated in
    /// the order its own pattern gives. Returns each equation's state, the
    /// register to put its b in, and the register holding the solution.
    pub(super) fn sparse_matsol(&mut self, body: &Block, span: Span) -> CResult<Vec<(Loc, Reg, Reg)>> {
        let (fill, locs) = self.kinetic_layout(body, span)?;
        let n = locs.len();
        let outer = std::mem::take(&mut self.b.ops);
        let bs: Vec<Reg> = (0..n).map(|_| self.reg()).collect();
        let rhs: Vec<Reg> = (0..n).map(|_| self.reg()).collect();
        self.kin = Some(Box::new(KinFill { rhs: rhs.clone(), ncons: 0, conserve_rows: Vec::new(), cvode: true, ..fill }));
        let dt = self.home(Loc::Dt);
        let one = self.konst(1.0);
        let dt1 = self.reg();
        self.b.ops.push(Op::F2(F2::Div, dt1, one, dt));
        for i in 0..n {
            self.b.ops.push(Op::F2(F2::Mul, rhs[i], dt1, bs[i]));
            let d = self.elem(i, i);
            self.b.ops.push(Op::Mov(d, dt1));
        }
        let (fill_ops, kin) = self.fill_scheme(body, &locs, 0, outer)?;
        let pattern: Vec<(usize, usize)> = kin.elems.keys().copied().collect();
        let plan = Plan::new(n, &pattern);
        let mut elems = kin.elems;
        for &(r, c) in &plan.fill {
            elems.entry((r, c)).or_insert_with(|| self.reg());
        }
        // Every element starts at zero; then the fill; then the elimination.
        let mut zeroed: Vec<Reg> = elems.values().copied().collect();
        zeroed.sort();
        for e in zeroed {
            let z = self.konst(0.0);
            self.b.ops.push(Op::Mov(e, z));
        }
        self.b.ops.extend(fill_ops);
        let mut q = self.reg();
        for step in plan.steps(&elems, &rhs) {
            self.elimination_step(step, &mut q);
        }
        Ok(locs.into_iter().zip(bs).zip(rhs).map(|((l, b), x)| (l, b, x)).collect())
    }

    /// One step of sparse's elimination as lane-wise ops (a singular pivot
    /// is not tested: 1/γ on the diagonal keeps the matrix regular).
    fn elimination_step(&mut self, step: Step, q: &mut Reg) {
        let t = self.reg();
        if let Step::Ratio { .. } = step {
            *q = self.reg();
        }
        let (ops, q) = (&mut self.b.ops, *q);
        match step {
            Step::Pivot(_) => {}
            Step::Ratio { el, pivot, row, prow } => {
                ops.push(Op::F2(F2::Div, q, el, pivot));
                ops.push(Op::F2(F2::Mul, t, prow, q));
                ops.push(Op::F2(F2::Sub, row, row, t));
            }
            Step::Sub { dst, src } => {
                ops.push(Op::F2(F2::Mul, t, src, q));
                ops.push(Op::F2(F2::Sub, dst, dst, t));
            }
            Step::Back { row, el, col } => {
                ops.push(Op::F2(F2::Mul, t, el, col));
                ops.push(Op::F2(F2::Sub, row, row, t));
            }
            Step::Div { row, diag } => ops.push(Op::F2(F2::Div, row, row, diag)),
        }
    }

    /// A reaction's terms in the scheme's matrix, as nocmodl writes them:
    /// species in reverse order, `f_flux = kf*B*A`, each state's equation
    /// moved by ∓(f_flux - b_flux), and for each state on a side the rate
    /// times the side's other species added to the column of that state.
    pub(super) fn sparse_reaction(&mut self, rx: &Reaction) -> CResult<()> {
        let side = |g: &Self, terms: &[ReactTerm]| -> CResult<Vec<(E, i64, Option<usize>)>> {
            terms
                .iter()
                .rev()
                .map(|t| {
                    let x = g.var(&t.var)?;
                    let row = g.kin_row(&x);
                    if row.is_none() && g.state_name(&t.var.name.name).is_some() {
                        return Err(g.cx.err(t.span, format!("{}: a reaction's STATE index must be known when the block is translated", t.var.name.name)));
                    }
                    Ok((x, t.coeff.max(1), row))
                })
                .collect()
        };
        let ncons = self.kin.as_ref().unwrap().ncons;
        let cvode = self.kin.as_ref().unwrap().cvode;
        let lhs = side(self, &rx.lhs)?;
        if cvode {
            // The flux statements are dropped: f_flux and b_flux stay 0.
            let zero = self.konst(0.0);
            let scope = self.scopes.last_mut().unwrap();
            scope.insert("f_flux".into(), zero);
            scope.insert("b_flux".into(), zero);
        }
        if let ReactionKind::Flux { rate } = &rx.kind {
            if cvode {
                return Ok(());
            }
            // `~ x << (f)`: f_flux = b_flux = 0; RHS(x) += (b_flux = f).
            let [(_, 1, Some(row))] = lhs.as_slice() else {
                return Err(self.cx.err(rx.lhs[0].span, "a flux `<<` moves exactly one (solved) STATE"));
            };
            if *row < ncons {
                return Err(self.cx.err(rx.lhs[0].span, format!("{} is conserved and has a flux", rx.lhs[0].var.name.name)));
            }
            let row = *row;
            let f = self.resolve(rate)?;
            let br = self.emit(&f)?;
            let zero = self.konst(0.0);
            let scope = self.scopes.last_mut().unwrap();
            scope.insert("f_flux".into(), zero);
            scope.insert("b_flux".into(), br);
            let r = self.kin.as_ref().unwrap().rhs[row];
            self.update(r, F2::Add, br);
            return Ok(());
        }
        // A sink's rate is pasted with its parentheses.
        let (kf, kb, rhs, depths) = match &rx.kind {
            ReactionKind::Reversible { rhs, kf, kb } => (self.resolve(kf)?, Some(self.resolve(kb)?), side(self, rhs)?, [loose_depth(kf), loose_depth(kb)]),
            ReactionKind::Sink { rate } => (self.resolve(rate)?, None, Vec::new(), [0, 0]),
            ReactionKind::Flux { .. } => unreachable!(),
        };
        if !cvode {
            self.flux_terms(&kf, kb.as_ref(), depths, &lhs, &rhs)?;
        }
        self.matrix_terms(&kf, kb.as_ref(), depths, &lhs, &rhs)
    }

    /// `f_flux` and `b_flux` of a reaction, and each state's equation moved
    /// by ∓(f_flux − b_flux).
    fn flux_terms(&mut self, kf: &E, kb: Option<&E>, depths: [usize; 2], lhs: &[(E, i64, Option<usize>)], rhs: &[(E, i64, Option<usize>)]) -> CResult<()> {
        let ncons = self.kin.as_ref().unwrap().ncons;
        let fr = self.emit(&product(kf, depths[0], lhs))?;
        let br = match kb {
            Some(kb) => self.emit(&product(kb, depths[1], rhs))?,
            None => self.konst(0.0),
        };
        let scope = self.scopes.last_mut().unwrap();
        scope.insert("f_flux".into(), fr);
        scope.insert("b_flux".into(), br);
        let diff = self.reg();
        self.b.ops.push(Op::F2(F2::Sub, diff, fr, br));
        for (terms, op) in [(lhs, F2::Sub), (rhs, F2::Add)] {
            for (_, c, row) in terms.iter() {
                let Some(row) = row.filter(|&r| r >= ncons) else { continue };
                let amount = if *c > 1 {
                    let k = self.konst(*c as f64);
                    let t = self.tmp();
                    self.b.ops.push(Op::F2(F2::Mul, t, k, diff));
                    t
                } else {
                    diff
                };
                let r = self.kin.as_ref().unwrap().rhs[row];
                self.update(r, op, amount);
            }
        }
        Ok(())
    }

    /// For each state on each side, the rate times the side's other species
    /// added into the column of that state, in every equation of the reaction.
    fn matrix_terms(&mut self, kf: &E, kb: Option<&E>, depths: [usize; 2], lhs: &[(E, i64, Option<usize>)], rhs: &[(E, i64, Option<usize>)]) -> CResult<()> {
        let ncons = self.kin.as_ref().unwrap().ncons;
        let sides = [(lhs, Some(kf)), (rhs, kb)];
        for (j, (terms, rate)) in sides.iter().enumerate() {
            let Some(rate) = rate else { continue };
            for (i, (_, c, col)) in terms.iter().enumerate() {
                let Some(col) = *col else { continue };
                // _term = rate [* c] * the side's other species.
                let mut factors = Vec::new();
                if *c != 1 {
                    factors.push(E::Num(*c as f64));
                }
                for (i1, (y, c1, _)) in terms.iter().enumerate() {
                    let times = if i1 == i { c1 - 1 } else { *c1 };
                    for _ in 0..times {
                        self.kin.as_mut().unwrap().linear = false;
                        factors.push(y.clone());
                    }
                }
                let term = paste(rate, depths[j], &factors);
                let tr = self.emit(&term)?;
                for (j1, (terms1, _)) in sides.iter().enumerate() {
                    for (_, c1, row) in terms1.iter() {
                        let Some(row) = row.filter(|&r| r >= ncons) else { continue };
                        let amount = if *c1 != 1 {
                            let k = self.konst(*c1 as f64);
                            let t = self.tmp();
                            self.b.ops.push(Op::F2(F2::Mul, t, k, tr));
                            t
                        } else {
                            tr
                        };
                        let e = self.elem(row, col);
                        self.update(e, if j == j1 { F2::Add } else { F2::Sub }, amount);
                    }
                }
            }
        }
        Ok(())
    }

    /// A CONSERVE law in its equation: `RHS = total`, then for each species
    /// (last first) its coefficient (times its volume) in the row and
    /// `RHS -= x`.
    pub(super) fn sparse_conserve(&mut self, lhs: &[ReactTerm], total: &Expr, span: Span) -> CResult<()> {
        let kin = self.kin.as_ref().unwrap();
        if kin.cvode {
            return Ok(());
        }
        let Some(&(_, row)) = kin.conserve_rows.iter().find(|(s, _)| *s == span) else {
            return Err(self.cx.err(span, "CONSERVE: this law is not part of the scheme being solved"));
        };
        let rhs = kin.rhs[row];
        let t = self.resolve(total)?;
        let tr = self.emit(&t)?;
        self.assign_reg(rhs, tr);
        for term in lhs.iter().rev() {
            let x = self.var(&term.var)?;
            let Some(col) = self.kin_row(&x) else {
                return Err(self.cx.err(term.span, format!("{}: only (solved) STATEs are allowed in CONSERVE equations", term.var.name.name)));
            };
            let vol = match &x {
                E::Loc(l) => self.kin.as_ref().unwrap().volumes.get(l).cloned(),
                _ => None,
            };
            let c = E::Num(term.coeff.max(1) as f64);
            let coef = match &vol {
                Some(v) => E::bin(F2::Mul, c.clone(), v.clone()),
                None => c.clone(),
            };
            let cr = self.emit(&coef)?;
            let e = self.elem(row, col);
            self.assign_reg(e, cr);
            let mut amount = x;
            if let Some(v) = vol {
                amount = E::bin(F2::Mul, amount, v);
            }
            if term.coeff > 1 {
                amount = E::bin(F2::Mul, amount, c);
            }
            let a = self.emit(&amount)?;
            self.update(rhs, F2::Sub, a);
        }
        Ok(())
    }
}
