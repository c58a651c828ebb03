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
/// division chains (different sections, different subtrees) interleave and
/// the CPU overlaps them, while every node still sees exactly the
/// floating-point operations of the sequential solve in the same order.
///
/// Why the result is bit-identical: elimination op(j) reads the final
/// `d[j]`, `rhs[j]` and updates `d[q]`, `rhs[q]` for q = parent[j]. A node's
/// final values depend only on its initial values and on the sequence of
/// ops into it, each a function of the child's final values. The schedule
/// keeps (1) op(j) after every op into j, and (2) the ops into each node
/// in decreasing child index, as the sequential loop does; by induction
/// from the leaves every node's final d and rhs are the same bits. Root
/// division comes after all elimination, and back-substitution op(i) needs
/// only its parent's final rhs (and its own d, rhs), so any order with
/// parents first gives the same bits.
///
/// The order is a list schedule on `LANES` lockstep lanes: at each tick the
/// ready ops with the longest remaining dependency path are taken, so
/// consecutive ops are mostly independent.
#[derive(Default, Debug, Clone)]
pub struct SolveSchedule {
    /// Node count the schedule was built for; 0 = no schedule.
    n: usize,
    nroot: usize,
    /// Elimination ops (node, parent) in execution order.
    elim: Vec<(u32, u32)>,
    /// Back-substitution ops (node, parent) in execution order.
    back: Vec<(u32, u32)>,
}

impl SolveSchedule {
    /// Independent chains interleaved per tick.
    const LANES: usize = 4;
    /// Below this many nodes `prepare` leaves the schedule empty.
    const MIN_NODES: usize = 32;

    /// Whether a schedule is in place.
    pub fn is_built(&self) -> bool {
        self.n != 0
    }

    /// Builds the schedule; panics unless `nroot <= n` and every non-root
    /// node's parent precedes it (the invariant the unchecked solve relies on).
    fn build(nroot: usize, parent: &[u32], lanes: usize) -> Self {
        let n = parent.len();
        assert!(nroot <= n && n < u32::MAX as usize, "bad tree size");
        for i in nroot..n {
            assert!((parent[i] as usize) < i, "node {i} has parent {} after it", parent[i]);
        }
        if n == 0 {
            return Self::default();
        }
        let lanes = lanes.max(1);
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
        // must follow op(c); u32::MAX if none.
        let mut lower = vec![u32::MAX; n];
        for q in 0..n {
            for w in children(q).windows(2) {
                lower[w[1] as usize] = w[0];
            }
        }

        // Elimination: op(j) waits for all ops into j and for op(higher sibling).
        let mut wait = vec![0u32; n];
        for j in nroot..n {
            wait[j] = children(j).len() as u32;
            if lower[j] != u32::MAX {
                wait[lower[j] as usize] += 1;
            }
        }
        // Priority: longest path of ops after op(j) (successors have lower index).
        let mut prio = vec![0u32; n];
        for j in nroot..n {
            let q = parent[j] as usize;
            let mut p = if q >= nroot { prio[q] } else { 0 };
            if lower[j] != u32::MAX {
                p = p.max(prio[lower[j] as usize]);
            }
            prio[j] = p + 1;
        }
        let leaves: Vec<usize> = (nroot..n).filter(|&j| wait[j] == 0).collect();
        let elim_order = Self::list_schedule(lanes, leaves.into_iter(), &prio, |j, out| {
            let q = parent[j] as usize;
            if q >= nroot {
                wait[q] -= 1;
                if wait[q] == 0 {
                    out.push(q);
                }
            }
            let l = lower[j];
            if l != u32::MAX {
                wait[l as usize] -= 1;
                if wait[l as usize] == 0 {
                    out.push(l as usize);
                }
            }
        });
        debug_assert_eq!(elim_order.len(), n - nroot);

        // Back substitution: op(i) waits for op(parent); roots are done first.
        // Priority: height of the subtree below i.
        let mut height = vec![0u32; n];
        for i in (nroot..n).rev() {
            height[i] += 1;
            let q = parent[i] as usize;
            height[q] = height[q].max(height[i]);
        }
        let first = (0..nroot).flat_map(|r| children(r).iter().map(|&c| c as usize));
        let back_order = Self::list_schedule(lanes, first, &height, |i, out| {
            out.extend(children(i).iter().map(|&c| c as usize));
        });
        debug_assert_eq!(back_order.len(), n - nroot);
        if std::env::var("NERVE_SCHED_STATS").is_ok() {
            let depth_max = height.iter().take(nroot.max(1)).max();
            eprintln!("n {n} lanes {lanes} crit path(nodes) {:?} max prio {:?}", depth_max, prio.iter().max());
        }

        let pair = |j: usize| (j as u32, parent[j]);
        SolveSchedule {
            n,
            nroot,
            elim: elim_order.into_iter().map(pair).collect(),
            back: back_order.into_iter().map(pair).collect(),
        }
    }

    /// Greedy list scheduling: each tick takes up to `lanes` ready ops of
    /// highest priority (ties: higher index first); ops released by a tick
    /// become ready at the next.
    fn list_schedule(
        lanes: usize,
        initial: impl Iterator<Item = usize>,
        prio: &[u32],
        mut release: impl FnMut(usize, &mut Vec<usize>),
    ) -> Vec<usize> {
        use std::collections::BinaryHeap;
        let key = |j: usize| ((prio[j] as u64) << 32) | j as u64;
        let mut ready: BinaryHeap<u64> = initial.map(key).collect();
        let mut order = Vec::with_capacity(prio.len());
        let (mut tick, mut released) = (Vec::with_capacity(lanes), Vec::new());
        while !ready.is_empty() {
            tick.clear();
            while tick.len() < lanes {
                match ready.pop() {
                    Some(k) => tick.push((k & 0xffff_ffff) as usize),
                    None => break,
                }
            }
            for &j in &tick {
                order.push(j);
                release(j, &mut released);
            }
            ready.extend(released.drain(..).map(key));
        }
        order
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
            SolveSchedule::build(self.nroot, &self.parent, std::env::var("NERVE_LANES").ok().and_then(|x| x.parse().ok()).unwrap_or(SolveSchedule::LANES))
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
        // accesses below sound: every index in the schedule is < s.n = n.
        let (a, b) = (&self.a[..n], &self.b[..n]);
        let (d, rhs) = (&mut self.d[..n], &mut self.rhs[..n]);
        for &(j, t) in &s.elim {
            let (j, t) = (j as usize, t as usize);
            // SAFETY: `SolveSchedule::build` checked j < n and t = parent[j] < j.
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
            // SAFETY: as above, pi < i < n.
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
