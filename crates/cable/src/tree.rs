//! The lowered cable tree: nodes in NEURON's order (roots first, then
//! sections breadth-first), the coupling coefficients, and the O(N) Hines
//! solve over parent indices.

/// Node arrays of the lowered model, structure-of-arrays.
#[derive(Default, Debug, Clone)]
pub struct Tree {
    /// Number of root nodes (they come first and have no parent).
    pub nroot: usize,
    pub parent: Vec<u32>,
    pub area: Vec<f64>,
    /// The axial conductance (µS) between each node and its parent node
    /// (NEURON's NODERINV), of which `a` and `b` are made.
    pub rinv: Vec<f64>,
    /// Effect of a node on its parent's equation, and of the parent on the node's.
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    pub v: Vec<f64>,
    pub d: Vec<f64>,
    pub rhs: Vec<f64>,
    pub sav_d: Vec<f64>,
    pub sav_rhs: Vec<f64>,
    /// Whether the node carries membrane (segment centres do; root and x = 1 nodes do not).
    pub has_cap: Vec<bool>,
    pub cm: Vec<f64>,
    /// Segment diameter (µm) at each segment node, for mechanisms that read `diam`.
    pub diam: Vec<f64>,
    /// i_membrane_ (nA) after each step.
    pub imem: Vec<f64>,
    /// With extracellular layers (else empty): the internal potential
    /// v + vext[0] ELECTRODE_CURRENT mechanisms see, and what they add to
    /// the first layer's equation (see `NodeView`).
    pub vi: Vec<f64>,
    pub ext_rhs: Vec<f64>,
    pub ext_d: Vec<f64>,
    /// Capacitive current density (mA/cm²) of the last step, per node.
    pub icap: Vec<f64>,
    /// Interleaved order of the solve's operations, built by [`Tree::prepare`].
    pub schedule: SolveSchedule,
    /// The nodes of the one cell the local variable step is working on,
    /// ascending (empty: the whole tree). `axial`, `axial_d` and `solve`
    /// then touch only them, with the operations the whole tree's would
    /// do there.
    pub cell: Vec<u32>,
}

/// The Hines solve's per-node operations reordered so that independent
/// chains (different sections, different subtrees) overlap, while every node
/// still sees exactly the floating-point operations of the sequential solve,
/// in the same order.
///
/// Elimination op(j), j >= nroot, reads the final `d[j]`, `rhs[j]` and does
/// `p = a[j]/d[j]; d[q] -= p*b[j]; rhs[q] -= p*rhs[j]` for q = parent[j].
/// Back-substitution op(i) does `rhs[i] = (rhs[i] - b[i]*rhs[q]) / d[i]`.
///
/// Why the result is bit-identical: a node's final `d` and `rhs` depend only
/// on its initial values and on the sequence of elimination ops into it,
/// each a function of the child's final values. The schedule keeps (1)
/// op(j) after every op into j, and (2) the ops into each node in
/// decreasing child index, as the sequential loop does; by induction from
/// the leaves every node ends with the same bits. Root division comes after
/// all elimination, and back-substitution op(i) needs only its parent's
/// final rhs besides its own values, so any order with parents first gives
/// the same bits. Packed SIMD arithmetic is IEEE per lane (same rounding;
/// plain mul then sub, never FMA), so doing four independent divisions in
/// one vector instruction changes nothing.
///
/// The solve is bound by division throughput (two divisions per node) and
/// by the serial chains within sections. The schedule is a list schedule
/// in ticks of four mutually independent ops, the ready ops with the
/// longest remaining dependency path first; an op's dependants become ready
/// `LATENCY` ticks later, so consecutive ticks rarely depend on each other
/// and the CPU overlaps several chains. On CPUs with AVX each tick is one
/// [`Row`]: its four divisions are one `vdivpd` and the rest is scalar;
/// elsewhere the same order runs op by op.
#[derive(Default, Debug, Clone)]
pub struct SolveSchedule {
    /// Node count the schedule was built for; 0 = no schedule.
    n: usize,
    nroot: usize,
    elim: Vec<Row>,
    back: Vec<Row>,
    /// Whether the CPU has AVX (checked when built).
    avx: bool,
    /// The parents it was built for, to catch a stale schedule in tests.
    #[cfg(debug_assertions)]
    parent: Vec<u32>,
}

/// Up to `ROW` ops: lane k is (node j[k], parent t[k]) for k < len; the
/// spare lanes repeat lane 0. Within a row no op's node is another's parent
/// and no two ops share a parent, so the ops may run in any order, or
/// together.
#[derive(Default, Debug, Clone, Copy)]
#[repr(C, align(16))]
struct Row {
    j: [u32; ROW],
    t: [u32; ROW],
    len: u32,
}

const ROW: usize = 4;

impl SolveSchedule {
    /// Below this many nodes `prepare` leaves the schedule empty.
    const MIN_NODES: usize = 32;
    /// Below this share of busy lanes the schedule is dropped too.
    const MIN_FILL: f64 = 0.3;
    /// Ticks between an op and its dependants (about the latency of one op
    /// over the time of one row).
    const LATENCY: usize = 4;

    /// The share of the rows' lanes that hold an op.
    fn fill(&self) -> f64 {
        let rows = self.elim.len() + self.back.len();
        let ops: u32 = self.elim.iter().chain(&self.back).map(|r| r.len).sum();
        if rows == 0 {
            0.0
        } else {
            ops as f64 / (rows * ROW) as f64
        }
    }

    /// Whether a schedule is in place.
    pub fn is_built(&self) -> bool {
        self.n != 0
    }

    /// Builds the schedule; panics unless `nroot <= n` and every non-root
    /// node's parent precedes it (the invariant the unchecked solve relies
    /// on: every index in a row is < n, and t < j).
    fn build(nroot: usize, parent: &[u32], latency: usize, avx: bool) -> Self {
        let n = parent.len();
        assert!(nroot <= n && n < u32::MAX as usize, "bad tree size");
        for (i, &p) in parent.iter().enumerate().skip(nroot) {
            assert!((p as usize) < i, "node {i} has parent {p} after it");
        }
        if n == nroot {
            return Self::default();
        }
        let latency = latency.max(1);
        // Children of each node, ascending (CSR).
        let mut start = vec![0u32; n + 1];
        for i in nroot..n {
            start[parent[i] as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut kids = vec![0u32; n - nroot];
        for (i, &q) in parent.iter().enumerate().skip(nroot) {
            kids[fill[q as usize] as usize] = i as u32;
            fill[q as usize] += 1;
        }
        let children = |q: usize| &kids[start[q] as usize..start[q + 1] as usize];
        // lower[c]: the next lower-index sibling of c (same parent), whose op
        // must follow op(c); NONE if there is none.
        const NONE: u32 = u32::MAX;
        let mut lower = vec![NONE; n];
        for q in 0..n {
            for w in children(q).windows(2) {
                lower[w[1] as usize] = w[0];
            }
        }

        // Elimination: op(j) waits for every op into j and for op(higher
        // sibling). That last edge only orders two updates of one value, so
        // its dependant may follow at the next tick.
        let mut ewait = vec![0u32; n];
        for j in nroot..n {
            ewait[j] += children(j).len() as u32;
            if lower[j] != NONE {
                ewait[lower[j] as usize] += 1;
            }
        }
        let lat = latency as u32;
        // Priority: the longest path after op(j), in ticks (successors have
        // lower indices).
        let mut eprio = vec![0u32; n];
        for j in nroot..n {
            let q = parent[j] as usize;
            let mut p = if q >= nroot { eprio[q] + lat } else { lat };
            if lower[j] != NONE {
                p = p.max(eprio[lower[j] as usize] + 1);
            }
            eprio[j] = p;
        }
        let esucc = |j: usize, out: &mut Vec<(usize, usize)>| {
            let q = parent[j] as usize;
            if q >= nroot {
                out.push((q, latency));
            }
            if lower[j] != NONE {
                out.push((lower[j] as usize, 1));
            }
        };
        let leaves: Vec<usize> = (nroot..n).filter(|&j| ewait[j] == 0).collect();

        // Back substitution: op(i) waits for op(parent); roots are solved
        // first. Priority: height of the subtree below i.
        let mut bprio = vec![0u32; n];
        for i in (nroot..n).rev() {
            bprio[i] += 1;
            let q = parent[i] as usize;
            bprio[q] = bprio[q].max(bprio[i]);
        }
        let mut bwait = vec![1u32; n];
        let first: Vec<usize> = (0..nroot)
            .flat_map(|r| children(r).iter().map(|&c| c as usize))
            .collect();
        first.iter().for_each(|&c| bwait[c] = 0);
        let bsucc = |i: usize, out: &mut Vec<(usize, usize)>| {
            out.extend(children(i).iter().map(|&c| (c as usize, latency)))
        };

        let to_rows = |ticks: Vec<Vec<usize>>| {
            ticks
                .into_iter()
                .map(|ops| {
                    let mut r = Row {
                        len: ops.len() as u32,
                        ..Default::default()
                    };
                    for k in 0..ROW {
                        let j = ops[if k < ops.len() { k } else { 0 }];
                        (r.j[k], r.t[k]) = (j as u32, parent[j]);
                    }
                    r
                })
                .collect::<Vec<_>>()
        };
        SolveSchedule {
            n,
            nroot,
            elim: to_rows(list_schedule(ROW, &leaves, ewait, &eprio, esucc)),
            back: to_rows(list_schedule(ROW, &first, bwait, &bprio, bsucc)),
            avx,
            #[cfg(debug_assertions)]
            parent: parent.to_vec(),
        }
    }

    /// Scalar elimination and back substitution, row by row.
    fn solve_scalar(&self, a: &[f64], b: &[f64], d: &mut [f64], rhs: &mut [f64]) {
        let n = self.n;
        let (a, b, d, rhs) = (&a[..n], &b[..n], &mut d[..n], &mut rhs[..n]);
        for r in &self.elim {
            for k in 0..r.len as usize {
                let (j, t) = (r.j[k] as usize, r.t[k] as usize);
                // SAFETY: `build` checked t < j < n; the slices have length n.
                unsafe {
                    let p = a.get_unchecked(j) / d.get_unchecked(j);
                    *d.get_unchecked_mut(t) -= p * b.get_unchecked(j);
                    *rhs.get_unchecked_mut(t) -= p * rhs.get_unchecked(j);
                }
            }
        }
        for i in 0..self.nroot {
            rhs[i] /= d[i];
        }
        for r in &self.back {
            for k in 0..r.len as usize {
                let (i, q) = (r.j[k] as usize, r.t[k] as usize);
                // SAFETY: as above, q < i < n.
                unsafe {
                    let x = rhs.get_unchecked(i) - b.get_unchecked(i) * rhs.get_unchecked(q);
                    *rhs.get_unchecked_mut(i) = x / d.get_unchecked(i);
                }
            }
        }
    }

    /// The same with each row's divisions packed into one AVX division.
    #[cfg(target_arch = "x86_64")]
    fn solve_avx(&self, a: &[f64], b: &[f64], d: &mut [f64], rhs: &mut [f64]) {
        assert!(self.avx);
        let n = self.n;
        let (a, b, d, rhs) = (&a[..n], &b[..n], &mut d[..n], &mut rhs[..n]);
        // SAFETY: `avx` is set only when the CPU has AVX; every index in the
        // rows is < n (checked by `build`) and the slices have length n.
        unsafe {
            avx::elim(
                &self.elim,
                a.as_ptr(),
                b.as_ptr(),
                d.as_mut_ptr(),
                rhs.as_mut_ptr(),
            );
            for i in 0..self.nroot {
                rhs[i] /= d[i];
            }
            avx::back(&self.back, b.as_ptr(), d.as_ptr(), rhs.as_mut_ptr());
        }
    }
}

/// Greedy list scheduling of a dependency DAG: each tick takes up to
/// `width` ready ops of highest `prio` (ties: higher index first). `wait[j]`
/// counts op j's predecessors; `succ` lists an op's successors with the
/// ticks they must wait after it (at least 1, so the ops of one tick never
/// depend on each other). Returns the non-empty ticks.
fn list_schedule(
    width: usize,
    initial: &[usize],
    mut wait: Vec<u32>,
    prio: &[u32],
    succ: impl Fn(usize, &mut Vec<(usize, usize)>),
) -> Vec<Vec<usize>> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let key = |j: usize| ((prio[j] as u64) << 32) | j as u64;
    let mut ready: BinaryHeap<u64> = initial.iter().map(|&j| key(j)).collect();
    let mut ready_at = vec![0usize; wait.len()];
    let mut pending: BinaryHeap<Reverse<(usize, usize)>> = BinaryHeap::new();
    let (mut ticks, mut out) = (Vec::new(), Vec::new());
    let mut tick = 0usize;
    while !ready.is_empty() || !pending.is_empty() {
        let mut ops = Vec::with_capacity(width);
        while ops.len() < width {
            let Some(k) = ready.pop() else { break };
            ops.push((k & 0xffff_ffff) as usize);
        }
        for &j in &ops {
            succ(j, &mut out);
            for (q, lat) in out.drain(..) {
                ready_at[q] = ready_at[q].max(tick + lat.max(1));
                wait[q] -= 1;
                if wait[q] == 0 {
                    pending.push(Reverse((ready_at[q], q)));
                }
            }
        }
        tick += 1;
        while let Some(&Reverse((t, q))) = pending.peek() {
            if t > tick {
                break;
            }
            pending.pop();
            ready.push(key(q));
        }
        if !ops.is_empty() {
            ticks.push(ops);
        }
    }
    ticks
}

/// Whether this CPU runs the AVX kernels.
fn avx_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The row kernels: each row's four divisions in one `vdivpd`, the rest
/// scalar in place. Plain AVX: `_mm256_mul_pd` then `_mm256_sub_pd` round
/// like the scalar `x * y` then `z - w` (no FMA is enabled or formed).
#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{Row, ROW};
    use std::arch::asm;
    use std::arch::x86_64::*;

    /// `p[i[0]], .., p[i[3]]` in one vector, by broadcast loads (done in the
    /// load units) and blends rather than the inserts the compiler picks,
    /// which need the scarcer shuffle units. Declared as reading memory, so
    /// it is never moved across the row's stores.
    #[inline]
    #[target_feature(enable = "avx")]
    unsafe fn gather(p: *const f64, i: &[u32; ROW]) -> __m256d {
        let v: __m256d;
        asm!(
            "vbroadcastsd {v}, qword ptr [{p} + {i0}*8]",
            "vbroadcastsd {t}, qword ptr [{p} + {i1}*8]",
            "vblendpd {v}, {v}, {t}, 2",
            "vbroadcastsd {t}, qword ptr [{p} + {i2}*8]",
            "vbroadcastsd {u}, qword ptr [{p} + {i3}*8]",
            "vblendpd {t}, {t}, {u}, 8",
            "vblendpd {v}, {v}, {t}, 12",
            p = in(reg) p,
            i0 = in(reg) i[0] as usize,
            i1 = in(reg) i[1] as usize,
            i2 = in(reg) i[2] as usize,
            i3 = in(reg) i[3] as usize,
            v = out(ymm_reg) v,
            t = out(ymm_reg) _,
            u = out(ymm_reg) _,
            options(pure, readonly, nostack, preserves_flags),
        );
        v
    }

    /// Elimination rows: `p = a[j]/d[j]` for the four lanes at once, then
    /// the updates of the parents, lane by lane.
    ///
    /// SAFETY: the CPU has AVX; every index in `rows` is < the length of
    /// each array; the rows satisfy [`Row`]'s independence rules (so the
    /// gathered `d[j]` are final and no lane's update touches another
    /// lane's inputs).
    #[target_feature(enable = "avx")]
    pub unsafe fn elim(rows: &[Row], a: *const f64, b: *const f64, d: *mut f64, rhs: *mut f64) {
        let mut ps = [0.0f64; ROW];
        for r in rows {
            _mm256_storeu_pd(
                ps.as_mut_ptr(),
                _mm256_div_pd(gather(a, &r.j), gather(d, &r.j)),
            );
            let update = |k: usize| {
                let (j, t) = (r.j[k] as usize, r.t[k] as usize);
                *d.add(t) -= ps[k] * *b.add(j);
                *rhs.add(t) -= ps[k] * *rhs.add(j);
            };
            if r.len as usize == ROW {
                (0..ROW).for_each(update);
            } else {
                (0..r.len as usize).for_each(update);
            }
        }
    }

    /// Back-substitution rows, all in vectors; a spare lane repeats lane 0
    /// and stores the same value to the same place. SAFETY as for [`elim`].
    #[target_feature(enable = "avx")]
    pub unsafe fn back(rows: &[Row], b: *const f64, d: *const f64, rhs: *mut f64) {
        let mut xs = [0.0f64; ROW];
        for r in rows {
            let x = _mm256_sub_pd(
                gather(rhs, &r.j),
                _mm256_mul_pd(gather(b, &r.j), gather(rhs, &r.t)),
            );
            _mm256_storeu_pd(xs.as_mut_ptr(), _mm256_div_pd(x, gather(d, &r.j)));
            for (&i, &x) in r.j.iter().zip(&xs) {
                *rhs.add(i as usize) = x;
            }
        }
    }
}

impl Tree {
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// Checks the invariant the solver relies on: every node's parent comes before it.
    pub fn validate(&self) {
        let n = self.len();
        for v in [
            &self.a, &self.b, &self.v, &self.d, &self.rhs, &self.area, &self.cm,
        ] {
            assert_eq!(v.len(), n, "node arrays differ in length");
        }
        for i in self.nroot..n {
            assert!(
                (self.parent[i] as usize) < i,
                "node {i} has parent {} after it",
                self.parent[i]
            );
        }
    }

    /// Builds the interleaved solve schedule for the current `parent` and
    /// `nroot` (see [`SolveSchedule`]). Call it once the tree is lowered,
    /// and again whenever `parent` or `nroot` change (a new `Tree` starts
    /// without one); the values (`a`, `b`, `d`, `rhs`) may change freely.
    /// Small trees and single chains get no schedule, and [`Tree::solve`]
    /// then runs [`Tree::solve_sequential`].
    pub fn prepare(&mut self) {
        self.schedule = if self.len() >= SolveSchedule::MIN_NODES {
            SolveSchedule::build(
                self.nroot,
                &self.parent,
                SolveSchedule::LATENCY,
                avx_available(),
            )
        } else {
            SolveSchedule::default()
        };
        // One long chain (an unbranched cable) leaves three lanes of four
        // idle: the plain loop is faster there (measured: hh axon 10%).
        if self.schedule.is_built() && self.schedule.fill() < SolveSchedule::MIN_FILL {
            self.schedule = SolveSchedule::default();
        }
    }

    /// Gaussian elimination from the leaves, then back substitution; rhs becomes Δv.
    ///
    /// Runs the schedule built by [`Tree::prepare`] when there is one for a
    /// tree of this size, else [`Tree::solve_sequential`]; the two give
    /// bit-identical `d` and `rhs`.
    pub fn solve(&mut self) {
        if !self.cell.is_empty() {
            return self.solve_cell();
        }
        let s = &self.schedule;
        if s.n == 0 || s.n != self.len() || s.nroot != self.nroot {
            return self.solve_sequential();
        }
        #[cfg(debug_assertions)]
        assert!(
            s.parent == self.parent,
            "stale solve schedule: call prepare() after changing parent"
        );
        #[cfg(target_arch = "x86_64")]
        if s.avx {
            return s.solve_avx(&self.a, &self.b, &mut self.d, &mut self.rhs);
        }
        s.solve_scalar(&self.a, &self.b, &mut self.d, &mut self.rhs);
    }

    /// NEURON's Hines solve in plain node order: elimination for i from n-1
    /// down to nroot, root division, back substitution for i ascending.
    pub fn solve_sequential(&mut self) {
        let n = self.len();
        let (a, b, parent) = (&self.a[..n], &self.b[..n], &self.parent[..n]);
        let (d, rhs) = (&mut self.d[..n], &mut self.rhs[..n]);
        for i in (self.nroot..n).rev() {
            let pi = parent[i] as usize;
            // SAFETY: `validate` (run at lowering) guarantees pi < i < n.
            unsafe {
                let p = a[i] / d[i];
                *d.get_unchecked_mut(pi) -= p * b[i];
                *rhs.get_unchecked_mut(pi) -= p * rhs[i];
            }
        }
        for i in 0..self.nroot {
            rhs[i] /= d[i];
        }
        for i in self.nroot..n {
            let pi = parent[i] as usize;
            // SAFETY: as above.
            let rp = unsafe { *rhs.get_unchecked(pi) };
            rhs[i] -= b[i] * rp;
            rhs[i] /= d[i];
        }
    }

    /// The Hines solve of one cell's nodes (`cell`), in the sequential
    /// solve's order.
    fn solve_cell(&mut self) {
        let nroot = self.nroot;
        let (a, b, parent, cell) = (&self.a, &self.b, &self.parent, &self.cell);
        let (d, rhs) = (&mut self.d, &mut self.rhs);
        for &i in cell.iter().rev() {
            let i = i as usize;
            if i < nroot {
                continue;
            }
            let pi = parent[i] as usize;
            let p = a[i] / d[i];
            d[pi] -= p * b[i];
            rhs[pi] -= p * rhs[i];
        }
        for &i in cell.iter() {
            let i = i as usize;
            if i < nroot {
                rhs[i] /= d[i];
            }
        }
        for &i in cell.iter() {
            let i = i as usize;
            if i < nroot {
                continue;
            }
            let rp = rhs[parent[i] as usize];
            rhs[i] -= b[i] * rp;
            rhs[i] /= d[i];
        }
    }

    /// Copies the diagonal (of the lent cell's nodes, or of all) into `save`.
    pub fn save_d(&self, save: &mut [f64]) {
        if self.cell.is_empty() {
            save.copy_from_slice(&self.d);
        } else {
            for &i in &self.cell {
                save[i as usize] = self.d[i as usize];
            }
        }
    }

    /// Sets the diagonal back from `save_d`'s copy and clears the
    /// right-hand side (of the lent cell's nodes, or of all).
    pub fn restore_d_clear_rhs(&mut self, save: &[f64]) {
        if self.cell.is_empty() {
            self.d.copy_from_slice(save);
            self.rhs.fill(0.0);
        } else {
            for &i in &self.cell {
                self.d[i as usize] = save[i as usize];
                self.rhs[i as usize] = 0.0;
            }
        }
    }

    /// The axial coupling onto the diagonal alone (the matrix of an
    /// implicit variable step, whose right-hand side comes from elsewhere).
    pub fn axial_d(&mut self) {
        if !self.cell.is_empty() {
            let (a, b, parent, d) = (&self.a, &self.b, &self.parent, &mut self.d);
            for &i in self.cell.iter().filter(|&&i| i as usize >= self.nroot) {
                let i = i as usize;
                d[i] -= b[i];
                d[parent[i] as usize] -= a[i];
            }
            return;
        }
        let n = self.len();
        let (a, b, parent, d) = (&self.a[..n], &self.b[..n], &self.parent[..n], &mut self.d[..n]);
        for i in self.nroot..n {
            d[i] -= b[i];
            d[parent[i] as usize] -= a[i];
        }
    }

    /// Axial currents onto the right-hand side and coupling onto the
    /// diagonal (one pass; each element sees NEURON's order of operations).
    pub fn axial(&mut self) {
        if !self.cell.is_empty() {
            let (a, b, v, parent) = (&self.a, &self.b, &self.v, &self.parent);
            let (rhs, d) = (&mut self.rhs, &mut self.d);
            for &i in self.cell.iter().filter(|&&i| i as usize >= self.nroot) {
                let i = i as usize;
                let pi = parent[i] as usize;
                let dv = v[pi] - v[i];
                rhs[i] -= b[i] * dv;
                rhs[pi] += a[i] * dv;
                d[i] -= b[i];
                d[pi] -= a[i];
            }
            return;
        }
        let n = self.len();
        let (a, b, v, parent) = (&self.a[..n], &self.b[..n], &self.v[..n], &self.parent[..n]);
        let (rhs, d) = (&mut self.rhs[..n], &mut self.d[..n]);
        for i in self.nroot..n {
            let pi = parent[i] as usize;
            // SAFETY: `validate` (run at lowering) guarantees pi < i < n.
            unsafe {
                let dv = v.get_unchecked(pi) - v[i];
                rhs[i] -= b[i] * dv;
                *rhs.get_unchecked_mut(pi) += a[i] * dv;
                d[i] -= b[i];
                *d.get_unchecked_mut(pi) -= a[i];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tree solve agrees with a dense solve of the same system.
    #[test]
    fn hines_matches_dense() {
        // root 0, chain 1-2, branch 3 off 1
        let mut t = Tree {
            nroot: 1,
            parent: vec![0, 0, 1, 1],
            ..Default::default()
        };
        t.a = vec![0.0, -0.3, -0.2, -0.4];
        t.b = vec![0.0, -0.5, -0.1, -0.6];
        t.d = vec![2.0, 3.0, 2.5, 4.0];
        t.rhs = vec![1.0, 2.0, 3.0, 4.0];
        let mut m = [[0.0f64; 4]; 4];
        for i in 0..4 {
            m[i][i] = t.d[i];
        }
        for i in 1..4 {
            let p = t.parent[i] as usize;
            m[i][p] = t.b[i];
            m[p][i] = t.a[i];
        }
        let rhs = t.rhs.clone();
        let schedules = [false, true]
            .map(|avx| SolveSchedule::build(t.nroot, &t.parent, 2, avx && avx_available()));
        let orig = t.clone();
        t.solve();
        for i in 0..4 {
            let s: f64 = (0..4).map(|j| m[i][j] * t.rhs[j]).sum();
            assert!((s - rhs[i]).abs() < 1e-12);
        }
        for s in schedules {
            let mut u = orig.clone();
            u.schedule = s;
            u.solve();
            assert!(u.schedule.is_built());
            assert_eq!(bits(&u.rhs), bits(&t.rhs));
            assert_eq!(bits(&u.d), bits(&t.d));
        }
    }

    fn bits(x: &[f64]) -> Vec<u64> {
        x.iter().map(|v| v.to_bits()).collect()
    }

    /// Small deterministic generator for the values (proptest picks the seed).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let x = self.0;
            (x ^ (x >> 29)).wrapping_mul(0xbf58476d1ce4e5b9) ^ (x >> 32)
        }
        fn unif(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
        }
    }

    /// A tree laid out as `Model::lower_structure` does: `nroot` root nodes,
    /// then sections breadth-first from each root, each section's nodes
    /// contiguous. `secs[k] = (len, attach, pos)`: section k hangs on a root
    /// when k == 0 or attach % 4 == 0, else on a node of an earlier section
    /// (its last node when pos % 3 == 0, else node pos % len), so nodes
    /// often carry several child sections.
    fn sectioned(nroot: usize, secs: &[(usize, u32, u32)]) -> Tree {
        let m = secs.len();
        let mut kids: Vec<Vec<usize>> = vec![Vec::new(); m];
        let mut root_kids: Vec<Vec<usize>> = vec![Vec::new(); nroot];
        let mut at = vec![(usize::MAX, 0usize); m];
        for (k, &(len, attach, pos)) in secs.iter().enumerate() {
            assert!(len >= 1);
            if k == 0 || attach % 4 == 0 {
                root_kids[attach as usize % nroot].push(k);
            } else {
                let ps = attach as usize % k;
                let pos = if pos % 3 == 0 {
                    secs[ps].0 - 1
                } else {
                    pos as usize % secs[ps].0
                };
                at[k] = (ps, pos);
                kids[ps].push(k);
            }
        }
        let mut first = vec![0u32; m];
        let mut parent: Vec<u32> = vec![0; nroot];
        for (r, rk) in root_kids.iter().enumerate() {
            let mut queue: std::collections::VecDeque<usize> = rk.iter().copied().collect();
            while let Some(s) = queue.pop_front() {
                queue.extend(kids[s].iter().copied());
                first[s] = parent.len() as u32;
                let pnode = match at[s] {
                    (usize::MAX, _) => r as u32,
                    (ps, pos) => first[ps] + pos as u32,
                };
                for j in 0..secs[s].0 {
                    parent.push(if j == 0 {
                        pnode
                    } else {
                        parent.len() as u32 - 1
                    });
                }
            }
        }
        Tree {
            nroot,
            parent,
            ..Default::default()
        }
    }

    /// Random coefficients with a diagonally dominant matrix.
    fn fill(t: &mut Tree, seed: u64) {
        let n = t.len();
        let mut g = Rng(seed);
        t.a = (0..n)
            .map(|i| {
                if i < t.nroot {
                    0.0
                } else {
                    g.unif(-3.0, -0.001)
                }
            })
            .collect();
        t.b = (0..n)
            .map(|i| {
                if i < t.nroot {
                    0.0
                } else {
                    g.unif(-3.0, -0.001)
                }
            })
            .collect();
        t.rhs = (0..n).map(|_| g.unif(-100.0, 100.0)).collect();
        let mut d: Vec<f64> = (0..n).map(|i| t.b[i].abs() + g.unif(1e-3, 5.0)).collect();
        for i in t.nroot..n {
            d[t.parent[i] as usize] += t.a[i].abs();
        }
        t.d = d;
    }

    /// The schedule's rows are a valid order of the ops: each op once, after
    /// all ops into its node, ops into a node in decreasing child index, no
    /// row holding two dependent ops; back substitution parents first.
    fn check_schedule(t: &Tree, s: &SolveSchedule) {
        let n = t.len();
        let ops = |r: &Row| {
            let len = r.len as usize;
            assert!((1..=ROW).contains(&len));
            assert!(
                (len..ROW).all(|k| (r.j[k], r.t[k]) == (r.j[0], r.t[0])),
                "spare lanes repeat lane 0"
            );
            let mut v: Vec<(usize, usize)> = (0..len)
                .map(|k| (r.j[k] as usize, r.t[k] as usize))
                .collect();
            v.sort();
            v
        };
        let mut done = vec![false; n];
        let mut last_into = vec![usize::MAX; n];
        for r in &s.elim {
            let row = ops(r);
            for &(j, q) in &row {
                assert!(j >= t.nroot && !done[j] && q == t.parent[j] as usize);
                assert!(
                    (j + 1..n).all(|c| t.parent[c] as usize != j || done[c]),
                    "op({j}) before a child's"
                );
                assert!(
                    j < last_into[q],
                    "ops into {q} out of order, or two in a row"
                );
                last_into[q] = j;
            }
            row.iter().for_each(|&(j, _)| done[j] = true);
        }
        assert!((t.nroot..n).all(|j| done[j]));
        let mut solved: Vec<bool> = (0..n).map(|i| i < t.nroot).collect();
        for r in &s.back {
            let row = ops(r);
            for &(i, q) in &row {
                assert!(q == t.parent[i] as usize && solved[q] && !solved[i]);
            }
            row.iter().for_each(|&(i, _)| solved[i] = true);
        }
        assert!(solved.iter().all(|&x| x));
    }

    /// Scheduled solves (scalar and, where the CPU has it, AVX) give the
    /// same bits as the sequential solve.
    fn check_identical(t: &Tree, latency: usize) {
        let mut seq = t.clone();
        seq.solve_sequential();
        for avx in [false, true] {
            let mut sch = t.clone();
            sch.schedule =
                SolveSchedule::build(t.nroot, &t.parent, latency, avx && avx_available());
            check_schedule(t, &sch.schedule);
            sch.solve();
            assert_eq!(
                bits(&sch.rhs),
                bits(&seq.rhs),
                "rhs differs (latency {latency}, avx {avx})"
            );
            assert_eq!(
                bits(&sch.d),
                bits(&seq.d),
                "d differs (latency {latency}, avx {avx})"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Trees shaped like lowered models: sections of 1-20 nodes, several
        /// roots, several child sections per node.
        #[test]
        fn scheduled_solve_is_bit_identical(
            nroot in 1usize..4,
            secs in prop::collection::vec((1usize..=20, any::<u32>(), any::<u32>()), 1..80),
            seed in any::<u64>(),
            latency in 1usize..6,
        ) {
            let mut t = sectioned(nroot, &secs);
            fill(&mut t, seed);
            check_identical(&t, latency);
            check_identical(&t, SolveSchedule::LATENCY);
        }

        /// Any parent array with parent[i] < i.
        #[test]
        fn scheduled_solve_is_bit_identical_any_parents(
            nroot in 1usize..5,
            picks in prop::collection::vec(any::<u32>(), 1..300),
            seed in any::<u64>(),
            latency in 1usize..6,
        ) {
            let mut parent: Vec<u32> = vec![0; nroot];
            for (k, &x) in picks.iter().enumerate() {
                let i = nroot + k;
                // Mostly chains (parent = i - 1), sometimes a branch anywhere.
                parent.push(if x % 3 != 0 { i as u32 - 1 } else { x % i as u32 });
            }
            let mut t = Tree { nroot, parent, ..Default::default() };
            fill(&mut t, seed);
            check_identical(&t, latency);
        }
    }

    /// A prepared tree solved repeatedly with new values matches the
    /// sequential solve every time.
    #[test]
    fn repeated_solves() {
        let secs: Vec<(usize, u32, u32)> = (0..40)
            .map(|k| {
                (
                    1 + (k * 5) % 9,
                    (k as u32).wrapping_mul(2246822519) | 1,
                    k as u32,
                )
            })
            .collect();
        let mut t = sectioned(2, &secs);
        fill(&mut t, 7);
        t.prepare();
        assert!(t.schedule.is_built());
        for round in 0..4u64 {
            fill(&mut t, 1000 + round);
            let mut seq = t.clone();
            seq.solve_sequential();
            t.solve();
            assert_eq!(bits(&t.rhs), bits(&seq.rhs));
            assert_eq!(bits(&t.d), bits(&seq.d));
        }
    }

    /// Changing `parent` in place without `prepare` is caught in debug builds.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "stale solve schedule")]
    fn stale_schedule_is_caught() {
        let secs: Vec<(usize, u32, u32)> = (0..20).map(|k| (3, k as u32 | 1, 0)).collect();
        let mut t = sectioned(1, &secs);
        fill(&mut t, 1);
        t.prepare();
        let n = t.len();
        t.parent[n - 1] = 0;
        t.solve();
    }

    /// `prepare` builds a schedule for a model-sized tree, none for a tiny
    /// one; a stale schedule (tree size changed) is not used.
    #[test]
    fn prepare_and_fallback() {
        let secs: Vec<(usize, u32, u32)> = (0..164)
            .map(|k| {
                (
                    2 + (k * 7) % 10,
                    (k as u32).wrapping_mul(2654435761) | 1,
                    k as u32,
                )
            })
            .collect();
        let mut t = sectioned(1, &secs);
        fill(&mut t, 42);
        let n = t.len();
        (t.v, t.area, t.cm) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        t.validate();
        let mut seq = t.clone();
        t.prepare();
        assert!(t.schedule.is_built());
        t.solve();
        seq.solve_sequential();
        assert_eq!(bits(&t.rhs), bits(&seq.rhs));
        assert_eq!(bits(&t.d), bits(&seq.d));

        let mut small = sectioned(1, &[(5, 0, 0), (4, 1, 0)]);
        fill(&mut small, 3);
        small.prepare();
        assert!(!small.schedule.is_built());

        // Same parents plus one more node: the old schedule must be ignored.
        let mut grown = t.clone();
        grown.parent.push(n as u32 - 1);
        fill(&mut grown, 5);
        let mut seq = grown.clone();
        grown.solve();
        seq.solve_sequential();
        assert_eq!(bits(&grown.rhs), bits(&seq.rhs));
    }
}
