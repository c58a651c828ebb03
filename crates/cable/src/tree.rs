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

    /// Gaussian elimination from the leaves, then back substitution; rhs becomes Δv.
    pub fn solve(&mut self) {
        let n = self.len();
        let (a, b, d, rhs, parent) = (&self.a, &self.b, &mut self.d, &mut self.rhs, &self.parent);
        for i in (self.nroot..n).rev() {
            let p = a[i] / d[i];
            let pi = parent[i] as usize;
            d[pi] -= p * b[i];
            rhs[pi] -= p * rhs[i];
        }
        for i in 0..self.nroot {
            rhs[i] /= d[i];
        }
        for i in self.nroot..n {
            let pi = parent[i] as usize;
            rhs[i] -= b[i] * rhs[pi];
            rhs[i] /= d[i];
        }
    }

    /// Axial currents onto the right-hand side.
    pub fn axial_rhs(&mut self) {
        for i in self.nroot..self.len() {
            let pi = self.parent[i] as usize;
            let dv = self.v[pi] - self.v[i];
            self.rhs[i] -= self.b[i] * dv;
            self.rhs[pi] += self.a[i] * dv;
        }
    }

    /// Axial coupling onto the diagonal.
    pub fn axial_lhs(&mut self) {
        for i in self.nroot..self.len() {
            let pi = self.parent[i] as usize;
            self.d[i] -= self.b[i];
            self.d[pi] -= self.a[i];
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
