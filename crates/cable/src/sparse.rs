//! A general sparse linear system for the cases the tree solve cannot take
//! (extracellular layers, LinearMechanism equations): the pattern is laid
//! out and analysed once per structure (faer's symbolic LU with its
//! fill-reducing column order), then each step the values are written into
//! their slots, factored numerically and solved, all in buffers kept from
//! one step to the next.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::lu::partial_pivoting::factor::PartialPivLuParams;
use faer::sparse::linalg::lu::{factorize_symbolic_lu, LuSymbolicParams, NumericLu, SymbolicLu};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par, Spec};

/// A square sparse matrix with a fixed pattern, its LU factors and the
/// scratch memory they need.
pub struct SparseLu {
    n: usize,
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    /// The values, in the pattern's column-major order (see [`SparseLu::slot`]).
    pub vals: Vec<f64>,
    symbolic: Option<SymbolicLu<usize>>,
    numeric: NumericLu<usize, f64>,
    mem: MemBuffer,
}

impl std::fmt::Debug for SparseLu {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "SparseLu({} equations, {} entries)", self.n, self.row_idx.len())
    }
}

impl SparseLu {
    /// The pattern of an n × n matrix with the given (row, column) entries
    /// (repeats allowed) and every diagonal entry, analysed for factoring.
    pub fn new(n: usize, entries: impl IntoIterator<Item = (usize, usize)>) -> Result<Self, String> {
        let mut cols: Vec<Vec<usize>> = (0..n).map(|j| vec![j]).collect();
        for (i, j) in entries {
            assert!(i < n && j < n, "entry ({i}, {j}) outside a {n} × {n} matrix");
            cols[j].push(i);
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
        let mut lu = SparseLu { n, col_ptr, row_idx, vals: vec![0.0; nnz], symbolic: None, numeric: NumericLu::new(), mem: MemBuffer::new(StackReq::EMPTY) };
        if n == 0 {
            return Ok(lu);
        }
        let symbolic = factorize_symbolic_lu(lu.pattern(), LuSymbolicParams::default()).map_err(|e| format!("sparse matrix analysis: {e:?}"))?;
        let req = StackReq::any_of(&[
            symbolic.factorize_numeric_lu_scratch::<f64>(Par::Seq, Spec::<PartialPivLuParams, f64>::default()),
            symbolic.solve_in_place_scratch::<f64>(1, Par::Seq),
        ]);
        lu.mem = MemBuffer::try_new(req).map_err(|_| "sparse matrix: out of memory".to_string())?;
        lu.symbolic = Some(symbolic);
        Ok(lu)
    }

    fn pattern(&self) -> SymbolicSparseColMatRef<'_, usize> {
        SymbolicSparseColMatRef::new_checked(self.n, self.n, &self.col_ptr, None, &self.row_idx)
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
        let Some(symbolic) = &self.symbolic else { return Ok(()) };
        // SAFETY: `new` built these arrays sorted and in bounds, and checked
        // them once (`pattern`); they never change afterwards.
        let pattern = unsafe { SymbolicSparseColMatRef::new_unchecked(self.n, self.n, &self.col_ptr, None, &self.row_idx) };
        let a = SparseColMatRef::new(pattern, &self.vals);
        let stack = MemStack::new(&mut self.mem);
        let lu = symbolic
            .factorize_numeric_lu(&mut self.numeric, a, Par::Seq, stack, Spec::<PartialPivLuParams, f64>::default())
            .map_err(|_| "spFactor error: Singular".to_string())?;
        let stack = MemStack::new(&mut self.mem);
        let x = MatMut::from_column_major_slice_mut(rhs, self.n, 1);
        lu.solve_in_place_with_conj(Conj::No, x, Par::Seq, stack);
        Ok(())
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
        /// Diagonally dominant matrices of random pattern solve to round-off,
        /// and refactoring new values in the same pattern works again.
        #[test]
        fn solves_random_systems(n in 1usize..40, picks in prop::collection::vec((any::<u16>(), any::<u16>(), -3.0f64..3.0), 0..120), rounds in 1usize..4) {
            let entries: Vec<(usize, usize)> = picks.iter().map(|&(i, j, _)| (i as usize % n, j as usize % n)).collect();
            let mut lu = SparseLu::new(n, entries.iter().copied()).unwrap();
            for round in 0..rounds {
                lu.vals.iter_mut().for_each(|v| *v = 0.0);
                let mut rowsum = vec![0.0; n];
                for (k, &(i, j)) in entries.iter().enumerate() {
                    if i != j {
                        let v = picks[k].2 * (round + 1) as f64;
                        lu.vals[lu.slot(i, j).unwrap()] += v;
                        rowsum[i] += v.abs();
                    }
                }
                for i in 0..n {
                    let s = lu.slot(i, i).unwrap();
                    lu.vals[s] = rowsum[i] + 1.0 + i as f64 * 0.1;
                }
                let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
                let mut x = b.clone();
                lu.solve(&mut x).unwrap();
                let y = mul(&lu, &x);
                for i in 0..n {
                    prop_assert!((y[i] - b[i]).abs() < 1e-12 * (1.0 + b[i].abs()), "row {}: {} vs {}", i, y[i], b[i]);
                }
            }
        }
    }

    #[test]
    fn slots_and_absent_entries() {
        let lu = SparseLu::new(3, [(0, 1), (2, 0), (0, 1)]).unwrap();
        assert!(lu.slot(0, 1).is_some() && lu.slot(2, 0).is_some() && lu.slot(1, 1).is_some());
        assert_eq!(lu.slot(1, 0), None);
        assert_eq!(lu.vals.len(), 5);
    }
}
