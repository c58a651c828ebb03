//! KINETIC schemes solved by `METHOD sparse`, in the arithmetic of NEURON's
//! scopmath `sparse`: the scheme's body fills a matrix and right-hand side
//! (1/dt on the diagonal, the reactions' mass-action terms, CONSERVE rows),
//! the matrix is eliminated without pivoting in a minimum-degree order
//! fixed once from its pattern, and the states move by the solution. A
//! scheme whose matrix is linear in the states is solved once per step with
//! the rates at the step's start; a nonlinear one repeats (states clamped
//! at 0) until the summed change is at most 1e-6. `STEADYSTATE sparse`
//! runs the same with dt = 1e9.
//!
//! The ordering ([`Plan::new`]) replays scopmath's: rows ranked by their
//! number of elements in a list where a row whose count changes goes ahead
//! of the rows with the same count, the head taken as the next pivot, fill-in
//! elements created in pivot order. The solve is then a fixed list of steps
//! over registers, each a loop over the lanes.

use std::collections::{HashMap, HashSet};

use crate::ir::{Ctx, Effects, Mem, Op, Reg, LANES};

/// Below this a pivot is singular (scopmath's ROUNDOFF).
const ROUNDOFF: f64 = 1e-20;
/// A nonlinear scheme stops when the states' summed change is at most this.
const CONVERGE: f64 = 1e-6;
/// The iteration gives up after this many steps and two more.
const MAXSTEPS: usize = 20;
/// A steady state of a nonlinear scheme tries its linear start this often.
const STEADY_TRIES: usize = 7;

/// One step of the elimination, over the registers of the lanes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// A pivot: singular where its magnitude is at most ROUNDOFF.
    Pivot(Reg),
    /// ratio = el / pivot; rhs[row] -= rhs[prow]·ratio.
    Ratio { el: Reg, pivot: Reg, row: Reg, prow: Reg },
    /// dst -= src·ratio.
    Sub { dst: Reg, src: Reg },
    /// rhs[row] -= el·rhs[col] (back substitution).
    Back { row: Reg, el: Reg, col: Reg },
    /// rhs[row] /= diag.
    Div { row: Reg, diag: Reg },
}

/// A KINETIC scheme's solve.
#[derive(Clone, Debug, PartialEq)]
pub struct SparseSpec {
    /// The scheme's body: fills `rhs` and the matrix elements from the
    /// states (and `olds`), runs the block's statements.
    pub ops: Vec<Op>,
    pub states: Vec<Reg>,
    /// The states at the start of the solve.
    pub olds: Vec<Reg>,
    /// Right-hand side by equation (the equation of state k is k); the
    /// solution on return from the steps.
    pub rhs: Vec<Reg>,
    /// Every matrix element, fill-in included (zeroed before each fill).
    pub elems: Vec<Reg>,
    pub steps: Vec<Step>,
    /// The matrix does not depend on the states (nocmodl's `_linmat`).
    pub linear: bool,
    /// STEADYSTATE (dt is 1e9 in `ops`).
    pub steady: bool,
    /// The body as native code.
    pub jit: crate::jit::Slot,
}

/// The elimination order and the fill-in of a pattern.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// The equations in pivot order.
    pub order: Vec<usize>,
    /// Elements the elimination creates (not in the pattern given).
    pub fill: Vec<(usize, usize)>,
    /// All elements.
    elems: HashSet<(usize, usize)>,
    pos: Vec<usize>,
}

/// The rows not yet pivoted, by element count, as scopmath keeps them.
struct OrderList(Vec<(usize, usize)>);

impl OrderList {
    /// Before the first row with at least as many elements.
    fn insert(&mut self, row: usize, count: usize) {
        let at = self.0.iter().position(|&(_, c)| c >= count).unwrap_or(self.0.len());
        self.0.insert(at, (row, count));
    }
    fn change(&mut self, row: usize, up: bool) {
        let Some(at) = self.0.iter().position(|&(r, _)| r == row) else { return };
        let (_, c) = self.0.remove(at);
        self.insert(row, if up { c + 1 } else { c.saturating_sub(1) });
    }
}

impl Plan {
    /// The order and fill-in of an n×n matrix with the given elements (the
    /// diagonal is always present).
    pub fn new(n: usize, pattern: &[(usize, usize)]) -> Plan {
        let mut elems: HashSet<(usize, usize)> = pattern.iter().copied().collect();
        elems.extend((0..n).map(|i| (i, i)));
        // pos[row] = place in the solution order; slot[place] = row.
        let mut pos: Vec<usize> = (0..n).collect();
        let mut slot: Vec<usize> = (0..n).collect();
        let mut list = OrderList(Vec::with_capacity(n));
        for i in 0..n {
            let count = elems.iter().filter(|e| e.0 == i).count();
            list.insert(i, count);
        }
        let mut fill = Vec::new();
        for i in 0..n {
            let head = list.0[0].0;
            let j = pos[head];
            if j != i {
                // The rows from i on move down one place; head takes place i.
                for k in (i + 1..=j).rev() {
                    slot[k] = slot[k - 1];
                    pos[slot[k]] = k;
                }
                slot[i] = head;
                pos[head] = i;
            }
            let mut below: Vec<usize> = (0..n).filter(|&r| pos[r] > i && elems.contains(&(r, head))).collect();
            below.sort_by_key(|&r| pos[r]);
            let mut right: Vec<usize> = (0..n).filter(|&c| pos[c] > i && elems.contains(&(head, c))).collect();
            right.sort_by_key(|&c| pos[c]);
            for &r in &below {
                for &c in &right {
                    if elems.insert((r, c)) {
                        fill.push((r, c));
                        list.change(r, true);
                    }
                }
                list.change(r, false);
            }
            list.0.retain(|&(r, _)| r != head);
        }
        Plan { order: slot, fill, elems, pos }
    }

    /// The elimination and back substitution as steps, given the register of
    /// each element and of each equation's right-hand side.
    pub fn steps(&self, elem: &HashMap<(usize, usize), Reg>, rhs: &[Reg]) -> Vec<Step> {
        let n = self.order.len();
        let e = |r: usize, c: usize| elem[&(r, c)];
        let later = |i: usize, f: &dyn Fn(usize) -> bool| {
            let mut v: Vec<usize> = (0..n).filter(|&k| self.pos[k] > i && f(k)).collect();
            v.sort_by_key(|&k| self.pos[k]);
            v
        };
        let mut steps = Vec::new();
        for (i, &p) in self.order.iter().enumerate() {
            steps.push(Step::Pivot(e(p, p)));
            let right = later(i, &|c| self.elems.contains(&(p, c)));
            for r in later(i, &|r| self.elems.contains(&(r, p))) {
                steps.push(Step::Ratio { el: e(r, p), pivot: e(p, p), row: rhs[r], prow: rhs[p] });
                for &c in &right {
                    steps.push(Step::Sub { dst: e(r, c), src: e(p, c) });
                }
            }
        }
        for (i, &p) in self.order.iter().enumerate().rev() {
            for c in later(i, &|c| self.elems.contains(&(p, c))) {
                steps.push(Step::Back { row: rhs[p], el: e(p, c), col: rhs[c] });
            }
            steps.push(Step::Div { row: rhs[p], diag: e(p, p) });
        }
        steps
    }
}

struct Quiet;
impl Effects for Quiet {
    fn net_send(&mut self, _: usize, _: f64, _: f64) {}
    fn net_event(&mut self, _: usize, _: f64) {}
}

fn at(r: &[f64], k: Reg) -> &[f64] {
    &r[k as usize * LANES..(k as usize + 1) * LANES]
}

/// Runs the elimination in lanes 0..n; the lanes where a pivot was singular.
fn eliminate(steps: &[Step], r: &mut [f64], n: usize) -> [bool; LANES] {
    let mut singular = [false; LANES];
    let mut ratio = [0.0; LANES];
    let w = LANES;
    for &s in steps {
        match s {
            Step::Pivot(p) => {
                let pv = at(r, p);
                for l in 0..n {
                    singular[l] |= pv[l].abs() <= ROUNDOFF;
                }
            }
            Step::Ratio { el, pivot, row, prow } => {
                for l in 0..n {
                    ratio[l] = r[el as usize * w + l] / r[pivot as usize * w + l];
                }
                for l in 0..n {
                    let x = r[prow as usize * w + l] * ratio[l];
                    r[row as usize * w + l] -= x;
                }
            }
            Step::Sub { dst, src } => {
                for l in 0..n {
                    let x = r[src as usize * w + l] * ratio[l];
                    r[dst as usize * w + l] -= x;
                }
            }
            Step::Back { row, el, col } => {
                for l in 0..n {
                    let x = r[el as usize * w + l] * r[col as usize * w + l];
                    r[row as usize * w + l] -= x;
                }
            }
            Step::Div { row, diag } => {
                for l in 0..n {
                    r[row as usize * w + l] /= r[diag as usize * w + l];
                }
            }
        }
    }
    singular
}

/// One scopmath `sparse` call in the lanes of `lanes`: iterates (once when
/// `linflag`), then fills once more at the solution. False where a lane's
/// matrix was singular or it did not converge.
fn solve(spec: &SparseSpec, r: &mut [f64], n: usize, lanes: [bool; LANES], linflag: bool, cx: &Ctx, mem: &mut Mem) -> bool {
    let w = LANES;
    for (&s, &o) in spec.states.iter().zip(&spec.olds) {
        for l in 0..n {
            if lanes[l] {
                r[o as usize * w + l] = r[s as usize * w + l];
            }
        }
    }
    let mut active = lanes;
    let mut ok = true;
    let mut j = 0;
    loop {
        for &e in &spec.elems {
            r[e as usize * w..e as usize * w + n].fill(0.0);
        }
        crate::jit::exec(&spec.ops, &spec.jit, r, n, cx, mem, &mut Quiet);
        let singular = eliminate(&spec.steps, r, n);
        let mut err = [0.0f64; LANES];
        for l in 0..n {
            if active[l] && singular[l] {
                // scopmath returns at once: this lane keeps its states.
                active[l] = false;
                ok = false;
            }
        }
        for (&s, &d) in spec.states.iter().zip(&spec.rhs) {
            for l in 0..n {
                if !active[l] {
                    continue;
                }
                let dx = r[d as usize * w + l];
                let x = &mut r[s as usize * w + l];
                *x += dx;
                if !linflag && *x < 0.0 {
                    *x = 0.0;
                }
                err[l] += dx.abs();
            }
        }
        for l in 0..n {
            if active[l] && j > MAXSTEPS {
                active[l] = false;
                ok = false;
            } else if active[l] && (linflag || err[l] <= CONVERGE) {
                active[l] = false;
            }
        }
        if !active[..n].iter().any(|&a| a) {
            break;
        }
        j += 1;
    }
    for &e in &spec.elems {
        r[e as usize * w..e as usize * w + n].fill(0.0);
    }
    crate::jit::exec(&spec.ops, &spec.jit, r, n, cx, mem, &mut Quiet);
    ok
}

/// Solves the scheme in the first `n` lanes of `r`, as nocmodl's call of
/// `sparse` (or of `_ss_sparse` for STEADYSTATE) does. False where scopmath
/// reports an error (NEURON's generated code goes on regardless).
pub fn sparse(spec: &SparseSpec, r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem) -> bool {
    let n = n.min(LANES);
    let mut all = [false; LANES];
    all[..n].iter_mut().for_each(|a| *a = true);
    if !spec.steady {
        return solve(spec, r, n, all, spec.linear, cx, mem);
    }
    if spec.linear {
        return solve(spec, r, n, all, false, cx, mem);
    }
    // A nonlinear steady state: linear steps until no state is below
    // -1e-6 (those are set to 0), then the full iteration.
    let mut pending = all;
    let mut ok = true;
    for _ in 0..STEADY_TRIES {
        ok &= solve(spec, r, n, pending, true, cx, mem);
        let mut pass = [false; LANES];
        for l in 0..n {
            if !pending[l] {
                continue;
            }
            pass[l] = true;
            for &s in &spec.states {
                let x = &mut r[s as usize * LANES + l];
                if *x < -1e-6 {
                    *x = 0.0;
                    pass[l] = false;
                }
            }
        }
        if pass.iter().any(|&p| p) {
            ok &= solve(spec, r, n, pass, false, cx, mem);
        }
        for l in 0..n {
            pending[l] &= !pass[l];
        }
        if !pending.iter().any(|&p| p) {
            return ok;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tridiagonal_pattern_needs_no_fill() {
        let pat = [(0, 1), (1, 0), (1, 2), (2, 1)];
        let p = Plan::new(3, &pat);
        assert!(p.fill.is_empty());
        // Rows 0 and 2 have two elements, row 2 went in last: it is taken first.
        assert_eq!(p.order, vec![2, 1, 0]);
    }

    #[test]
    fn a_row_whose_count_drops_goes_ahead_of_its_equals() {
        // Row 0 couples to every row, which couple only to it. Taking 3 and
        // then 2 leaves row 0 with two elements, which puts it before row 1.
        let pat = [(0, 1), (0, 2), (0, 3), (1, 0), (2, 0), (3, 0)];
        let p = Plan::new(4, &pat);
        assert!(p.fill.is_empty());
        assert_eq!(p.order, vec![3, 2, 0, 1]);
    }

    #[test]
    fn a_ring_fills_in_where_its_first_pivot_joins_two_rows() {
        // 0-1-2-3-0, all with three elements: row 3 (inserted last) is taken
        // first and joins rows 0 and 2.
        let pat = [(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2), (3, 0), (0, 3)];
        let p = Plan::new(4, &pat);
        assert_eq!(p.order[0], 3);
        assert_eq!(p.fill, vec![(0, 2), (2, 0)]);
    }
}
