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
    /// i_membrane_ (nA) after each step.
    pub imem: Vec<f64>,
    /// Interleaved order of the solve's operations, built by [`Tree::prepare`].
    pub schedule: SolveSchedule,
}

/// The Hines solve's per-node operations reordered so that independent
/// division chains (different sections, different subtrees) overlap, while
/// every node still sees exactly the floating-point operations of the
/// sequential solve, in the same order.
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
/// the same bits. Packed SIMD arithmetic is IEEE per lane (same rounding,
/// no FMA), so doing four independent ops in one vector changes nothing.
///
/// Two forms are kept: a flat op order for scalar execution, and rows of
/// four mutually independent ops for the AVX kernel (used when the CPU has
/// AVX). Both come from a list schedule: each tick takes the ready ops with
/// the longest remaining dependency path; an op's dependants become ready
/// `latency` ticks later, so that dependent rows are spaced apart and the
/// CPU overlaps several chains.
#[derive(Default, Debug, Clone)]
pub struct SolveSchedule {
    /// Node count the schedule was built for; 0 = no schedule.
    n: usize,
    nroot: usize,
    /// Elimination ops (node, parent) in execution order.
    elim: Vec<(u32, u32)>,
    /// Back-substitution ops (node, parent) in execution order.
    back: Vec<(u32, u32)>,
    /// The same ops as rows of `ROW` independent ops, for the SIMD kernel.
    elim_rows: Vec<Row>,
    back_rows: Vec<Row>,
    /// Whether `solve` runs the SIMD kernel (checked when built).
    simd: bool,
}

/// `ROW` ops executed as one vector op: lane k is (node j[k], parent t[k]).
/// Within a row no op's node is another's parent and no two distinct ops
/// share a parent; a row with fewer ops repeats its first op in the spare
/// lanes (every lane is gathered before any is stored, so a repeated op
/// stores the same value twice).
#[derive(Default, Debug, Clone, Copy)]
#[repr(C, align(32))]
struct Row {
    j: [u32; ROW],
    t: [u32; ROW],
}

const ROW: usize = 4;

/// Knobs of [`SolveSchedule::build`].
#[derive(Debug, Clone, Copy)]
struct Params {
    /// Ops per tick of the flat (scalar) order.
    lanes: usize,
    /// Ticks before a row's dependants may run (SIMD rows).
    latency: usize,
    /// Build the SIMD rows (and use them).
    simd: bool,
}

impl SolveSchedule {
    /// Below this many nodes `prepare` leaves the schedule empty.
    const MIN_NODES: usize = 32;

    fn default_params() -> Params {
        let env = |k: &str, v: usize| std::env::var(k).ok().and_then(|x| x.parse().ok()).unwrap_or(v);
        Params {
            lanes: env("NERVE_LANES", 4),
            latency: env("NERVE_LAT", 3),
            simd: simd_available() && env("NERVE_SIMD", 1) == 1,
        }
    }

    /// Whether a schedule is in place.
    pub fn is_built(&self) -> bool {
        self.n != 0
    }

    /// Builds the schedule; panics unless `nroot <= n` and every non-root
    /// node's parent precedes it (the invariant the unchecked solve relies on).
    fn build(nroot: usize, parent: &[u32], prm: Params) -> Self {
        let n = parent.len();
        assert!(nroot <= n && n < u32::MAX as usize, "bad tree size");
        for i in nroot..n {
            assert!((parent[i] as usize) < i, "node {i} has parent {} after it", parent[i]);
        }
        if n == nroot {
            return Self::default();
        }
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
        for i in nroot..n {
            let q = parent[i] as usize;
            kids[fill[q] as usize] = i as u32;
            fill[q] += 1;
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

        // Elimination: op(j) waits for every op into j and for op(higher sibling).
        let mut ewait = vec![0u32; n];
        for j in nroot..n {
            ewait[j] += children(j).len() as u32;
            if lower[j] != NONE {
                ewait[lower[j] as usize] += 1;
            }
        }
        // Priority: longest chain of ops after op(j) (its successors have lower index).
        let mut eprio = vec![0u32; n];
        for j in nroot..n {
            let q = parent[j] as usize;
            let mut p = if q >= nroot { eprio[q] } else { 0 };
            if lower[j] != NONE {
                p = p.max(eprio[lower[j] as usize]);
            }
            eprio[j] = p + 1;
        }
        let esucc = |j: usize, out: &mut Vec<usize>| {
            let q = parent[j] as usize;
            if q >= nroot {
                out.push(q);
            }
            if lower[j] != NONE {
                out.push(lower[j] as usize);
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
        let first: Vec<usize> = (0..nroot).flat_map(|r| children(r).iter().map(|&c| c as usize)).collect();
        first.iter().for_each(|&c| bwait[c] = 0);
        let bsucc = |i: usize, out: &mut Vec<usize>| out.extend(children(i).iter().map(|&c| c as usize));

        let pair = |j: usize| (j as u32, parent[j]);
        let flat = |rows: Vec<Vec<usize>>| rows.into_iter().flatten().map(pair).collect::<Vec<_>>();
        let to_rows = |rows: Vec<Vec<usize>>| {
            rows.into_iter()
                .map(|ops| {
                    let mut r = Row::default();
                    for k in 0..ROW {
                        let (j, t) = pair(ops[k.min(ops.len() - 1) * (k < ops.len()) as usize]);
                        (r.j[k], r.t[k]) = (j, t);
                    }
                    r
                })
                .collect::<Vec<_>>()
        };
        let mut s = SolveSchedule {
            n,
            nroot,
            elim: flat(list_schedule(prm.lanes, 1, &leaves, ewait.clone(), &eprio, esucc)),
            back: flat(list_schedule(prm.lanes, 1, &first, bwait.clone(), &bprio, bsucc)),
            ..Default::default()
        };
        debug_assert_eq!(s.elim.len(), n - nroot);
        debug_assert_eq!(s.back.len(), n - nroot);
        if prm.simd && simd_available() {
            s.simd = true;
            s.elim_rows = to_rows(list_schedule(ROW, prm.latency, &leaves, ewait, &eprio, esucc));
            s.back_rows = to_rows(list_schedule(ROW, prm.latency, &first, bwait, &bprio, bsucc));
        }
        if std::env::var("NERVE_SCHED_STATS").is_ok() {
            eprintln!(
                "n {n} crit elim {:?} back {:?}; rows elim {} back {}",
                eprio.iter().max(),
                bprio.iter().max(),
                s.elim_rows.len(),
                s.back_rows.len()
            );
        }
        s
    }
}

/// Greedy list scheduling of a dependency DAG: each tick takes up to
/// `width` ready ops of highest `prio` (ties: higher index first); an op
/// whose last predecessor ran at tick s becomes ready at tick s + latency.
/// `wait[j]` counts op j's predecessors; `succ` lists an op's successors.
/// Returns the non-empty ticks.
fn list_schedule(
    width: usize,
    latency: usize,
    initial: &[usize],
    mut wait: Vec<u32>,
    prio: &[u32],
    succ: impl Fn(usize, &mut Vec<usize>),
) -> Vec<Vec<usize>> {
    use std::collections::{BinaryHeap, VecDeque};
    let (width, latency) = (width.max(1), latency.max(1));
    let key = |j: usize| ((prio[j] as u64) << 32) | j as u64;
    let mut ready: BinaryHeap<u64> = initial.iter().map(|&j| key(j)).collect();
    let mut pending: VecDeque<Vec<usize>> = (0..latency).map(|_| Vec::new()).collect();
    let mut in_flight = 0usize;
    let (mut rows, mut out) = (Vec::new(), Vec::new());
    while !ready.is_empty() || in_flight > 0 {
        let mut row = Vec::with_capacity(width);
        while row.len() < width {
            match ready.pop() {
                Some(k) => row.push((k & 0xffff_ffff) as usize),
                None => break,
            }
        }
        for &j in &row {
            succ(j, &mut out);
            for q in out.drain(..) {
                wait[q] -= 1;
                if wait[q] == 0 {
                    pending[latency - 1].push(q);
                    in_flight += 1;
                }
            }
        }
        let now = pending.pop_front().unwrap_or_default();
        in_flight -= now.len();
        ready.extend(now.into_iter().map(key));
        pending.push_back(Vec::new());
        if !row.is_empty() {
            rows.push(row);
        }
    }
    rows
}

/// Whether this CPU runs the AVX kernel.
fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The row kernels: four independent ops per vector instruction. Plain
/// AVX (no FMA): `_mm256_mul_pd` then `_mm256_sub_pd` round like the
/// scalar `p * b` then `x - y`.
#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{Row, ROW};
    use std::arch::x86_64::*;

    #[inline]
    #[target_feature(enable = "avx")]
    unsafe fn gather(p: *const f64, i: &[u32; ROW]) -> __m256d {
        _mm256_set_pd(*p.add(i[3] as usize), *p.add(i[2] as usize), *p.add(i[1] as usize), *p.add(i[0] as usize))
    }

    #[inline]
    #[target_feature(enable = "avx")]
    unsafe fn scatter(p: *mut f64, i: &[u32; ROW], v: __m256d) {
        let (lo, hi) = (_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
        _mm_storel_pd(p.add(i[0] as usize), lo);
        _mm_storeh_pd(p.add(i[1] as usize), lo);
        _mm_storel_pd(p.add(i[2] as usize), hi);
        _mm_storeh_pd(p.add(i[3] as usize), hi);
    }

    /// Elimination rows.
    ///
    /// SAFETY: the CPU has AVX; every index in `rows` is < the length of
    /// each array; the rows satisfy [`Row`]'s independence rules.
    #[target_feature(enable = "avx")]
    pub unsafe fn elim(rows: &[Row], a: *const f64, b: *const f64, d: *mut f64, rhs: *mut f64) {
        for r in rows {
            // All loads of the row before any store (raw pointers: the
            // compiler keeps this order).
            let (aj, dj, bj, rj) = (gather(a, &r.j), gather(d, &r.j), gather(b, &r.j), gather(rhs, &r.j));
            let (dt, rt) = (gather(d, &r.t), gather(rhs, &r.t));
            let p = _mm256_div_pd(aj, dj);
            let dt = _mm256_sub_pd(dt, _mm256_mul_pd(p, bj));
            let rt = _mm256_sub_pd(rt, _mm256_mul_pd(p, rj));
            scatter(d, &r.t, dt);
            scatter(rhs, &r.t, rt);
        }
    }

    /// Back-substitution rows; SAFETY as for [`elim`].
    #[target_feature(enable = "avx")]
    pub unsafe fn back(rows: &[Row], b: *const f64, d: *const f64, rhs: *mut f64) {
        for r in rows {
            let (ri, bi, di, rp) = (gather(rhs, &r.j), gather(b, &r.j), gather(d, &r.j), gather(rhs, &r.t));
            let x = _mm256_div_pd(_mm256_sub_pd(ri, _mm256_mul_pd(bi, rp)), di);
            scatter(rhs, &r.j, x);
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
        for v in [&self.a, &self.b, &self.v, &self.d, &self.rhs, &self.area, &self.cm] {
            assert_eq!(v.len(), n, "node arrays differ in length");
        }
        for i in self.nroot..n {
            assert!((self.parent[i] as usize) < i, "node {i} has parent {} after it", self.parent[i]);
        }
    }

    /// Builds the interleaved solve schedule for the current `parent` /
    /// `nroot` (see [`SolveSchedule`]); call once after the tree is lowered
    /// and again whenever `parent` or `nroot` change. Values (`a`, `b`, `d`,
    /// `rhs`) may change freely afterwards. Small trees get no schedule, and
    /// [`Tree::solve`] then runs [`Tree::solve_sequential`].
    pub fn prepare(&mut self) {
        self.schedule = if self.len() >= SolveSchedule::MIN_NODES {
            SolveSchedule::build(self.nroot, &self.parent, SolveSchedule::default_params())
        } else {
            SolveSchedule::default()
        };
    }

    /// Gaussian elimination from the leaves, then back substitution; rhs becomes Δv.
    ///
    /// Runs the schedule built by [`Tree::prepare`] when there is one for a
    /// tree of this size, else [`Tree::solve_sequential`]; the two give
    /// bit-identical `d` and `rhs`.
    pub fn solve(&mut self) {
        if self.schedule.n != 0 && self.schedule.n == self.len() && self.schedule.nroot == self.nroot {
            self.solve_scheduled();
        } else {
            self.solve_sequential();
        }
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

    /// The same operations as `solve_sequential`, in the schedule's order.
    fn solve_scheduled(&mut self) {
        let s = &self.schedule;
        let n = s.n;
        // These slicings are the bounds checks that make the unchecked
        // accesses below sound: `SolveSchedule::build` checked that every
        // node index in the schedule is < s.n = n and its parent < it.
        let (a, b) = (&self.a[..n], &self.b[..n]);
        let (d, rhs) = (&mut self.d[..n], &mut self.rhs[..n]);
        #[cfg(target_arch = "x86_64")]
        if s.simd {
            // SAFETY: `simd` is set only when the CPU has AVX; indices as above.
            unsafe { avx::elim(&s.elim_rows, a.as_ptr(), b.as_ptr(), d.as_mut_ptr(), rhs.as_mut_ptr()) };
            for i in 0..s.nroot {
                rhs[i] /= d[i];
            }
            // SAFETY: as above.
            unsafe { avx::back(&s.back_rows, b.as_ptr(), d.as_ptr(), rhs.as_mut_ptr()) };
            return;
        }
        for &(j, t) in &s.elim {
            let (j, t) = (j as usize, t as usize);
            // SAFETY: t < j < n, as above.
            unsafe {
                let p = a.get_unchecked(j) / d.get_unchecked(j);
                *d.get_unchecked_mut(t) -= p * b.get_unchecked(j);
                *rhs.get_unchecked_mut(t) -= p * rhs.get_unchecked(j);
            }
        }
        for i in 0..s.nroot {
            rhs[i] /= d[i];
        }
        for &(i, pi) in &s.back {
            let (i, pi) = (i as usize, pi as usize);
            // SAFETY: pi < i < n, as above.
            unsafe {
                let x = rhs.get_unchecked(i) - b.get_unchecked(i) * rhs.get_unchecked(pi);
                *rhs.get_unchecked_mut(i) = x / d.get_unchecked(i);
            }
        }
    }

    /// Axial currents onto the right-hand side and coupling onto the
    /// diagonal (one pass; each element sees NEURON's order of operations).
    pub fn axial(&mut self) {
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

    /// The tree solve agrees with a dense solve of the same system.
    #[test]
    fn hines_matches_dense() {
        // root 0, chain 1-2, branch 3 off 1
        let mut t = Tree { nroot: 1, parent: vec![0, 0, 1, 1], ..Default::default() };
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
        let mut u = t.clone();
        t.solve();
        for i in 0..4 {
            let s: f64 = (0..4).map(|j| m[i][j] * t.rhs[j]).sum();
            assert!((s - rhs[i]).abs() < 1e-12);
        }
        u.schedule = SolveSchedule::build(u.nroot, &u.parent, 2);
        u.solve();
        assert!(u.schedule.is_built());
        assert_eq!(bits(&u.rhs), bits(&t.rhs));
        assert_eq!(bits(&u.d), bits(&t.d));
    }

    fn bits(x: &[f64]) -> Vec<u64> {
        x.iter().map(|v| v.to_bits()).collect()
    }

    /// Small deterministic generator for the values (proptest picks the seed).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
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
    /// when k == 0 or attach % 4 == 0, else on node pos of an earlier section.
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
                let pos = if pos % 3 == 0 { secs[ps].0 - 1 } else { pos as usize % secs[ps].0 };
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
                    parent.push(if j == 0 { pnode } else { parent.len() as u32 - 1 });
                }
            }
        }
        Tree { nroot, parent, ..Default::default() }
    }

    /// Random coefficients with a diagonally dominant matrix.
    fn fill(t: &mut Tree, seed: u64) {
        let n = t.len();
        let mut g = Rng(seed);
        t.a = (0..n).map(|i| if i < t.nroot { 0.0 } else { g.unif(-3.0, -0.001) }).collect();
        t.b = (0..n).map(|i| if i < t.nroot { 0.0 } else { g.unif(-3.0, -0.001) }).collect();
        t.rhs = (0..n).map(|_| g.unif(-100.0, 100.0)).collect();
        let mut d: Vec<f64> = (0..n).map(|i| t.b[i].abs() + g.unif(1e-3, 5.0)).collect();
        for i in t.nroot..n {
            d[t.parent[i] as usize] += t.a[i].abs();
        }
        t.d = d;
    }

    fn check_identical(t: &Tree, lanes: usize) {
        let mut seq = t.clone();
        seq.solve_sequential();
        let mut sch = t.clone();
        sch.schedule = SolveSchedule::build(sch.nroot, &sch.parent, lanes);
        assert!(sch.schedule.is_built());
        sch.solve();
        assert_eq!(bits(&sch.rhs), bits(&seq.rhs), "rhs differs (lanes {lanes})");
        assert_eq!(bits(&sch.d), bits(&seq.d), "d differs (lanes {lanes})");
    }

    /// The schedule is a permutation of the sequential ops that respects
    /// the dependencies (checked structurally, independent of values).
    fn check_schedule(t: &Tree, lanes: usize) {
        let s = SolveSchedule::build(t.nroot, &t.parent, lanes);
        let n = t.len();
        let mut done = vec![false; n];
        let mut last_into = vec![u32::MAX; n];
        for &(j, q) in &s.elim {
            let (j, q) = (j as usize, q as usize);
            assert!(!done[j] && q == t.parent[j] as usize);
            assert!((j + 1..n).all(|c| t.parent[c] as usize != j || done[c]), "op({j}) before a child");
            assert!(j < last_into[q] as usize, "ops into {q} out of order");
            last_into[q] = j as u32;
            done[j] = true;
        }
        assert!((t.nroot..n).all(|j| done[j]));
        let mut solved: Vec<bool> = (0..n).map(|i| i < t.nroot).collect();
        for &(i, q) in &s.back {
            assert!(solved[q as usize] && !solved[i as usize]);
            solved[i as usize] = true;
        }
        assert!(solved.iter().all(|&x| x));
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn scheduled_solve_is_bit_identical(
            nroot in 1usize..4,
            secs in prop::collection::vec((1usize..=20, any::<u32>(), any::<u32>()), 1..80),
            seed in any::<u64>(),
            lanes in 1usize..9,
        ) {
            let mut t = sectioned(nroot, &secs);
            fill(&mut t, seed);
            check_schedule(&t, lanes);
            check_identical(&t, lanes);
            check_identical(&t, SolveSchedule::LANES);
        }

        #[test]
        fn scheduled_solve_is_bit_identical_any_parents(
            nroot in 1usize..5,
            picks in prop::collection::vec(any::<u32>(), 0..300),
            seed in any::<u64>(),
            lanes in 1usize..9,
        ) {
            let mut parent: Vec<u32> = vec![0; nroot];
            for (k, &x) in picks.iter().enumerate() {
                let i = nroot + k;
                // Mostly chains (parent = i - 1), sometimes a branch anywhere.
                parent.push(if x % 3 != 0 { i as u32 - 1 } else { x % i as u32 });
            }
            let mut t = Tree { nroot, parent, ..Default::default() };
            fill(&mut t, seed);
            check_schedule(&t, lanes);
            check_identical(&t, lanes);
        }
    }

    /// `prepare` picks the schedule on a large tree and `solve` uses it.
    #[test]
    fn prepare_and_solve() {
        let secs: Vec<(usize, u32, u32)> = (0..164).map(|k| (2 + (k * 7) % 10, (k as u32).wrapping_mul(2654435761) | 1, k as u32)).collect();
        let mut t = sectioned(1, &secs);
        fill(&mut t, 42);
        let n = t.len();
        t.v = vec![0.0; n];
        t.area = vec![0.0; n];
        t.cm = vec![0.0; n];
        t.validate();
        let mut seq = t.clone();
        t.prepare();
        assert!(t.schedule.is_built());
        t.solve();
        seq.solve_sequential();
        assert_eq!(bits(&t.rhs), bits(&seq.rhs));
        assert_eq!(bits(&t.d), bits(&seq.d));
    }
}
