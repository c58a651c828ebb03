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

    /// Gaussian elimination from the leaves, then back substitution; rhs becomes Δv.
    pub fn solve(&mut self) {
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
        t.solve();
        for i in 0..4 {
            let s: f64 = (0..4).map(|j| m[i][j] * t.rhs[j]).sum();
            assert!((s - rhs[i]).abs() < 1e-12);
        }
    }
}
