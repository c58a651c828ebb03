//! A general sparse linear system for the cases the tree solve cannot take
//! (extracellular layers, LinearMechanism equations).
//!
//! The pattern is made structurally symmetric and ordered once by faer's
//! approximate minimum degree (AMD on A + Aᵀ, KLU's default), and the
//! patterns of L and U for pivots on the diagonal follow from its
//! elimination tree. Every step then factors the new values along that
//! sequence and those patterns — what KLU calls a refactorization — in
//! buffers kept from one step to the next, so the time loop allocates
//! nothing and does no graph search; for a cable's block tree the fill is
//! that of the Hines solve. faer has no such refactorization: its numeric
//! LU searches each column's reach again and ran about ten times slower on
//! these very sparse matrices. When a pivot shrinks below a tenth of its
//! column (a LinearMechanism's algebraic row, a voltage source), faer's
//! partial-pivoting LU chooses the pivots instead and later steps refactor
//! along its sequence.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::perm::PermRef;
use faer::sparse::linalg::amd;
use faer::sparse::linalg::lu::simplicial::{factorize_simplicial_numeric_lu, factorize_simplicial_numeric_lu_scratch, SimplicialLu};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};

/// Pivots smaller than this share of their column's largest entry send
/// the factorization back to faer for a new pivot sequence.
const PIVOT_TOLERANCE: f64 = 0.1;

/// A square sparse matrix with a fixed pattern and its LU factors.
pub struct SparseLu {
    n: usize,
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    /// The values, in the pattern's column-major order (see [`SparseLu::slot`]).
    pub vals: Vec<f64>,
    /// Pivot sequence: original row → its position, and back.
    row_perm_inv: Vec<usize>,
    row_perm_fwd: Vec<usize>,
    /// Column order (position → original column) and its inverse.
    col_perm: Vec<usize>,
    col_perm_inv: Vec<usize>,
    /// L (unit diagonal, not stored) and U (diagonal last in each column,
    /// the rest in increasing row order), in pivot positions.
    l_ptr: Vec<usize>,
    l_row: Vec<usize>,
    l_val: Vec<f64>,
    u_ptr: Vec<usize>,
    u_row: Vec<usize>,
    u_val: Vec<f64>,
    /// A's entries by column in pivot order: the range of column j is
    /// `a_ptr[j]..a_ptr[j + 1]` of `a_src` (slot in `vals`) and `a_row`
    /// (row in pivot positions).
    a_ptr: Vec<usize>,
    a_src: Vec<usize>,
    a_row: Vec<usize>,
    /// Dense scratch, all zero between uses.
    work: Vec<f64>,
    /// How many times faer chose the pivots (for tests and statistics).
    pub pivotings: usize,
}

impl std::fmt::Debug for SparseLu {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "SparseLu({} equations, {} entries, L {} U {})", self.n, self.row_idx.len(), self.l_row.len(), self.u_row.len())
    }
}

impl SparseLu {
    /// The pattern of an n × n matrix with the given (row, column) entries
    /// (repeats allowed), every diagonal entry and the transposes, ordered
    /// and analysed for factoring with pivots on the diagonal.
    pub fn new(n: usize, entries: impl IntoIterator<Item = (usize, usize)>) -> Result<Self, String> {
        let mut cols: Vec<Vec<usize>> = (0..n).map(|j| vec![j]).collect();
        for (i, j) in entries {
            assert!(i < n && j < n, "entry ({i}, {j}) outside a {n} × {n} matrix");
            cols[j].push(i);
            cols[i].push(j);
        }
        let mut col_ptr = Vec::with_capacity(n + 1);
        let mut row_idx = Vec::new();
        col_ptr.push(0);
        for c in cols.iter_mut() {
            c.sort_unstable();
            c.dedup();
            row_idx.extend_from_slice(c);
            col_ptr.push(row_idx.len());
        }
        let nnz = row_idx.len();
        let mut lu = SparseLu {
            n,
            col_ptr,
            row_idx,
            vals: vec![0.0; nnz],
            row_perm_inv: vec![0; n],
            row_perm_fwd: vec![0; n],
            col_perm: vec![0; n],
            col_perm_inv: vec![0; n],
            l_ptr: vec![0],
            l_row: Vec::new(),
            l_val: Vec::new(),
            u_ptr: vec![0],
            u_row: Vec::new(),
            u_val: Vec::new(),
            a_ptr: Vec::new(),
            a_src: Vec::new(),
            a_row: Vec::new(),
            work: vec![0.0; n],
            pivotings: 0,
        };
        if n == 0 {
            return Ok(lu);
        }
        let pattern = SymbolicSparseColMatRef::new_checked(n, n, &lu.col_ptr, None, &lu.row_idx);
        let mut mem = MemBuffer::try_new(amd::order_scratch::<usize>(n, nnz)).map_err(|_| "sparse matrix: out of memory".to_string())?;
        amd::order(&mut lu.col_perm, &mut lu.col_perm_inv, pattern, amd::Control::default(), MemStack::new(&mut mem)).map_err(|e| format!("sparse matrix ordering: {e:?}"))?;
        lu.row_perm_fwd.copy_from_slice(&lu.col_perm);
        lu.row_perm_inv.copy_from_slice(&lu.col_perm_inv);
        lu.diagonal_patterns();
        lu.map_entries();
        Ok(lu)
    }

    /// L and U for pivots on the diagonal in the chosen order: the
    /// symbolic Cholesky factor of the (symmetric) pattern and its transpose.
    fn diagonal_patterns(&mut self) {
        let n = self.n;
        // Lower pattern of each permuted column, built up the elimination tree.
        let mut lcols: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for j in 0..n {
            let pj = self.col_perm[j];
            let mut set: Vec<usize> = self.row_idx[self.col_ptr[pj]..self.col_ptr[pj + 1]].iter().map(|&r| self.col_perm_inv[r]).filter(|&r| r > j).collect();
            for &c in &children[j] {
                set.extend(lcols[c].iter().copied().filter(|&r| r > j));
            }
            set.sort_unstable();
            set.dedup();
            if let Some(&p) = set.first() {
                children[p].push(j);
            }
            lcols[j] = set;
        }
        let mut ucols: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (k, col) in lcols.iter().enumerate() {
            for &r in col {
                ucols[r].push(k);
            }
        }
        self.l_ptr = vec![0];
        self.u_ptr = vec![0];
        self.l_row.clear();
        self.u_row.clear();
        for j in 0..n {
            self.l_row.extend_from_slice(&lcols[j]);
            self.l_ptr.push(self.l_row.len());
            self.u_row.extend_from_slice(&ucols[j]);
            self.u_row.push(j);
            self.u_ptr.push(self.u_row.len());
        }
        self.l_val = vec![0.0; self.l_row.len()];
        self.u_val = vec![0.0; self.u_row.len()];
    }

    /// A's entries by pivot-order column, with pivot-order rows.
    fn map_entries(&mut self) {
        self.a_ptr.clear();
        self.a_src.clear();
        self.a_row.clear();
        self.a_ptr.push(0);
        for j in 0..self.n {
            let pj = self.col_perm[j];
            for k in self.col_ptr[pj]..self.col_ptr[pj + 1] {
                self.a_src.push(k);
                self.a_row.push(self.row_perm_inv[self.row_idx[k]]);
            }
            self.a_ptr.push(self.a_src.len());
        }
    }

    /// Number of equations.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Where entry (row, col) of the pattern lives in `vals`.
    pub fn slot(&self, row: usize, col: usize) -> Option<usize> {
        let (a, b) = (self.col_ptr[col], self.col_ptr[col + 1]);
        self.row_idx[a..b].binary_search(&row).ok().map(|k| a + k)
    }

    /// Factors the present values and solves A x = rhs in place.
    pub fn solve(&mut self, rhs: &mut [f64]) -> Result<(), String> {
        assert_eq!(rhs.len(), self.n);
        if self.n == 0 {
            return Ok(());
        }
        if !self.refactor() {
            self.pivot()?;
        }
        self.substitute(rhs);
        Ok(())
    }

    /// faer's partial-pivoting LU of the present values (in the same column
    /// order): the pivot sequence and the patterns (and values) of L and U.
    fn pivot(&mut self) -> Result<(), String> {
        let n = self.n;
        // SAFETY: `new` built these arrays sorted and in bounds and checked
        // them once; they never change afterwards.
        let pattern = unsafe { SymbolicSparseColMatRef::new_unchecked(n, n, &self.col_ptr, None, &self.row_idx) };
        let a = SparseColMatRef::new(pattern, &self.vals);
        let mut mem = MemBuffer::try_new(factorize_simplicial_numeric_lu_scratch::<usize, f64>(n, n)).map_err(|_| "sparse matrix: out of memory".to_string())?;
        let mut lu = SimplicialLu::<usize, f64>::new();
        let col_perm = PermRef::new_checked(&self.col_perm, &self.col_perm_inv, n);
        factorize_simplicial_numeric_lu(&mut self.row_perm_fwd, &mut self.row_perm_inv, &mut lu, a, col_perm, MemStack::new(&mut mem)).map_err(|_| "spFactor error: Singular".to_string())?;
        let (l, u) = (lu.l_factor_unsorted(), lu.u_factor_unsorted());
        self.l_ptr.clear();
        self.l_row.clear();
        self.l_val.clear();
        self.u_ptr.clear();
        self.u_row.clear();
        self.u_val.clear();
        self.l_ptr.push(0);
        self.u_ptr.push(0);
        let mut offdiag: Vec<(usize, f64)> = Vec::new();
        for j in 0..n {
            let (lr, lv) = (l.row_idx_of_col_raw(j), l.val_of_col(j));
            for (&r, &v) in lr.iter().zip(lv) {
                if r != j {
                    self.l_row.push(r);
                    self.l_val.push(v);
                }
            }
            self.l_ptr.push(self.l_row.len());
            let (ur, uv) = (u.row_idx_of_col_raw(j), u.val_of_col(j));
            offdiag.clear();
            let mut diag = 0.0;
            for (&r, &v) in ur.iter().zip(uv) {
                if r == j {
                    diag = v;
                } else {
                    offdiag.push((r, v));
                }
            }
            offdiag.sort_unstable_by_key(|e| e.0);
            for &(r, v) in &offdiag {
                self.u_row.push(r);
                self.u_val.push(v);
            }
            self.u_row.push(j);
            self.u_val.push(diag);
            self.u_ptr.push(self.u_row.len());
        }
        self.map_entries();
        self.pivotings += 1;
        Ok(())
    }

    /// Left-looking LU of the present values along the kept pivot sequence
    /// and patterns; false if a pivot became too small for it.
    fn refactor(&mut self) -> bool {
        let n = self.n;
        let x = &mut self.work[..n];
        let (l_ptr, l_row, l_val) = (&self.l_ptr[..], &self.l_row[..], &mut self.l_val[..]);
        let (u_ptr, u_row, u_val) = (&self.u_ptr[..], &self.u_row[..], &mut self.u_val[..]);
        let (a_ptr, a_src, a_row, vals) = (&self.a_ptr[..], &self.a_src[..], &self.a_row[..], &self.vals[..]);
        for j in 0..n {
            // SAFETY: every index below was built by `pivot` from faer's
            // factors of this n × n pattern: rows are < n, slots < vals.len(),
            // pointers within their arrays.
            unsafe {
                for k in *a_ptr.get_unchecked(j)..*a_ptr.get_unchecked(j + 1) {
                    *x.get_unchecked_mut(*a_row.get_unchecked(k)) = *vals.get_unchecked(*a_src.get_unchecked(k));
                }
                let (u0, u1) = (*u_ptr.get_unchecked(j), *u_ptr.get_unchecked(j + 1) - 1);
                for idx in u0..u1 {
                    let k = *u_row.get_unchecked(idx);
                    let xk = *x.get_unchecked(k);
                    *u_val.get_unchecked_mut(idx) = xk;
                    *x.get_unchecked_mut(k) = 0.0;
                    for li in *l_ptr.get_unchecked(k)..*l_ptr.get_unchecked(k + 1) {
                        *x.get_unchecked_mut(*l_row.get_unchecked(li)) -= *l_val.get_unchecked(li) * xk;
                    }
                }
                let pivot = *x.get_unchecked(j);
                *x.get_unchecked_mut(j) = 0.0;
                *u_val.get_unchecked_mut(u1) = pivot;
                let mut big: f64 = 0.0;
                for li in *l_ptr.get_unchecked(j)..*l_ptr.get_unchecked(j + 1) {
                    let r = *l_row.get_unchecked(li);
                    let xr = *x.get_unchecked(r);
                    big = big.max(xr.abs());
                    *l_val.get_unchecked_mut(li) = xr / pivot;
                    *x.get_unchecked_mut(r) = 0.0;
                }
                if !(pivot.abs() >= PIVOT_TOLERANCE * big) || pivot == 0.0 {
                    x.iter_mut().for_each(|v| *v = 0.0);
                    return false;
                }
            }
        }
        true
    }

    /// Solves L U x = P b into b (permuted back to the original order).
    fn substitute(&mut self, b: &mut [f64]) {
        let n = self.n;
        let w = &mut self.work[..n];
        let b = &mut b[..n];
        let (l_ptr, l_row, l_val) = (&self.l_ptr[..], &self.l_row[..], &self.l_val[..]);
        let (u_ptr, u_row, u_val) = (&self.u_ptr[..], &self.u_row[..], &self.u_val[..]);
        let (rinv, cperm) = (&self.row_perm_inv[..n], &self.col_perm[..n]);
        // SAFETY: as in `refactor`; the permutations hold each of 0..n once.
        unsafe {
            for i in 0..n {
                *w.get_unchecked_mut(*rinv.get_unchecked(i)) = *b.get_unchecked(i);
            }
            for k in 0..n {
                let wk = *w.get_unchecked(k);
                for li in *l_ptr.get_unchecked(k)..*l_ptr.get_unchecked(k + 1) {
                    *w.get_unchecked_mut(*l_row.get_unchecked(li)) -= *l_val.get_unchecked(li) * wk;
                }
            }
            for k in (0..n).rev() {
                let u1 = *u_ptr.get_unchecked(k + 1) - 1;
                let wk = *w.get_unchecked(k) / *u_val.get_unchecked(u1);
                *w.get_unchecked_mut(k) = wk;
                for idx in *u_ptr.get_unchecked(k)..u1 {
                    *w.get_unchecked_mut(*u_row.get_unchecked(idx)) -= *u_val.get_unchecked(idx) * wk;
                }
            }
            for k in 0..n {
                *b.get_unchecked_mut(*cperm.get_unchecked(k)) = *w.get_unchecked(k);
                *w.get_unchecked_mut(k) = 0.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Dense y = A x for a check.
    fn mul(lu: &SparseLu, x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; lu.n];
        for j in 0..lu.n {
            for k in lu.col_ptr[j]..lu.col_ptr[j + 1] {
                y[lu.row_idx[k]] += lu.vals[k] * x[j];
            }
        }
        y
    }

    proptest! {
        /// Matrices of random pattern, diagonally dominant or with small
        /// diagonals that need pivoting, solve to round-off, and solving
        /// new values in the same pattern works again (refactoring along
        /// the pivots, or pivoting again).
        #[test]
        fn solves_random_systems(n in 1usize..40, picks in prop::collection::vec((any::<u16>(), any::<u16>(), -3.0f64..3.0), 0..120), rounds in 1usize..5, weak in any::<bool>()) {
            let entries: Vec<(usize, usize)> = picks.iter().map(|&(i, j, _)| (i as usize % n, j as usize % n)).collect();
            let mut lu = SparseLu::new(n, entries.iter().copied()).unwrap();
            for round in 0..rounds {
                lu.vals.iter_mut().for_each(|v| *v = 0.0);
                let mut rowsum = vec![0.0; n];
                for (k, &(i, j)) in entries.iter().enumerate() {
                    if i != j {
                        let v = picks[k].2 * (round + 1) as f64;
                        let s = lu.slot(i, j).unwrap();
                        lu.vals[s] += v;
                        rowsum[i] += v.abs();
                    }
                }
                for i in 0..n {
                    let s = lu.slot(i, i).unwrap();
                    lu.vals[s] = if weak && i % 3 == 1 { 1e-3 * (round + 1) as f64 } else { rowsum[i] + 1.0 + i as f64 * 0.1 };
                }
                let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
                let mut x = b.clone();
                if lu.solve(&mut x).is_err() {
                    continue;
                }
                let y = mul(&lu, &x);
                let scale: f64 = 1.0 + x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                for i in 0..n {
                    prop_assert!((y[i] - b[i]).abs() < 1e-10 * scale * (1.0 + rowsum[i]), "row {}: {} vs {}", i, y[i], b[i]);
                }
            }
        }
    }

    /// A tree-like system keeps its pivots from step to step.
    #[test]
    fn refactors_without_pivoting_again() {
        let n = 50;
        let entries: Vec<(usize, usize)> = (1..n).flat_map(|i| [(i, (i - 1) / 2), ((i - 1) / 2, i)]).collect();
        let mut lu = SparseLu::new(n, entries.iter().copied()).unwrap();
        for step in 0..10 {
            for &(i, j) in &entries {
                let s = lu.slot(i, j).unwrap();
                lu.vals[s] = -1.0 - 0.01 * step as f64;
            }
            for i in 0..n {
                let s = lu.slot(i, i).unwrap();
                lu.vals[s] = 4.0 + step as f64;
            }
            let b: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let mut x = b.clone();
            lu.solve(&mut x).unwrap();
            let y = mul(&lu, &x);
            for i in 0..n {
                assert!((y[i] - b[i]).abs() < 1e-12 * (1.0 + b[i].abs()));
            }
        }
        assert_eq!(lu.pivotings, 0);
        // Block-tree fill: nothing beyond the pattern's own entries.
        assert_eq!(lu.l_row.len(), n - 1);
    }

    /// A zero on the diagonal (an algebraic row of a voltage source) is
    /// pivoted around by faer, and later steps reuse that sequence.
    #[test]
    fn zero_diagonal_pivots() {
        // [[0, 1], [1, 1]] x = [1, 3] → x = [2, 1]
        let mut lu = SparseLu::new(2, [(0, 1), (1, 0)]).unwrap();
        for round in 0..3 {
            let s = |i, j| lu.slot(i, j).unwrap();
            let (s00, s01, s10, s11) = (s(0, 0), s(0, 1), s(1, 0), s(1, 1));
            lu.vals[s00] = 0.0;
            lu.vals[s01] = 1.0;
            lu.vals[s10] = 1.0;
            lu.vals[s11] = 1.0 + round as f64;
            let mut x = [1.0, 3.0 + round as f64];
            lu.solve(&mut x).unwrap();
            assert!((x[0] - 2.0).abs() < 1e-14 && (x[1] - 1.0).abs() < 1e-14, "{x:?}");
        }
        assert_eq!(lu.pivotings, 1);
    }

    #[test]
    fn slots_and_absent_entries() {
        let lu = SparseLu::new(3, [(0, 1), (2, 0), (0, 1)]).unwrap();
        assert!(lu.slot(0, 1).is_some() && lu.slot(2, 0).is_some() && lu.slot(1, 1).is_some());
        assert!(lu.slot(1, 0).is_some() && lu.slot(0, 2).is_some());
        assert_eq!(lu.slot(1, 2), None);
        // The transposes join the pattern.
        assert_eq!(lu.slot(1, 0).is_some() || lu.slot(0, 2).is_some(), true);
        assert_eq!(lu.vals.len(), 7);
    }
}
