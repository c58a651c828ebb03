//! Dense matrices computed the way the Eigen library computes them, so that
//! results agree with NEURON 9 (built on Eigen) to the last bit: FullPivLU
//! for solving, PartialPivLU for inverse and determinant, Padé scaling and
//! squaring for the exponential, Jacobi SVD, and the general real
//! `EigenSolver` (Hessenberg reduction, Francis double-shift QR, back
//! substitution), which fixes the order of eigenvalues and the signs of
//! eigenvectors. HOC's `Matrix` and Import3d's principal axes both use it.

/// A plain dense matrix, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Mat {
    pub r: usize,
    pub c: usize,
    pub d: Vec<f64>,
}

impl Mat {
    pub fn zeros(r: usize, c: usize) -> Mat {
        Mat {
            r,
            c,
            d: vec![0.0; r * c],
        }
    }
    pub fn ident(r: usize, c: usize) -> Mat {
        let mut m = Mat::zeros(r, c);
        for i in 0..r.min(c) {
            m.set(i, i, 1.0);
        }
        m
    }
    pub fn from_rows(rows: &[&[f64]]) -> Mat {
        let c = rows.first().map(|r| r.len()).unwrap_or(0);
        Mat {
            r: rows.len(),
            c,
            d: rows.iter().flat_map(|r| r.iter().copied()).collect(),
        }
    }
    #[inline]
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.d[i * self.c + j]
    }
    #[inline]
    pub fn set(&mut self, i: usize, j: usize, x: f64) {
        self.d[i * self.c + j] = x;
    }
    #[inline]
    fn m(&mut self, i: usize, j: usize) -> &mut f64 {
        &mut self.d[i * self.c + j]
    }
    pub fn mul(&self, b: &Mat) -> Mat {
        let mut out = Mat::zeros(self.r, b.c);
        for i in 0..self.r {
            for j in 0..b.c {
                let mut s = 0.0;
                for k in 0..self.c {
                    s += self.at(i, k) * b.at(k, j);
                }
                out.set(i, j, s);
            }
        }
        out
    }
    pub fn transpose(&self) -> Mat {
        let mut out = Mat::zeros(self.c, self.r);
        for i in 0..self.r {
            for j in 0..self.c {
                out.set(j, i, self.at(i, j));
            }
        }
        out
    }
    pub fn scaled(&self, s: f64) -> Mat {
        Mat {
            r: self.r,
            c: self.c,
            d: self.d.iter().map(|x| s * x).collect(),
        }
    }
    pub fn plus(&self, b: &Mat) -> Mat {
        Mat {
            r: self.r,
            c: self.c,
            d: self.d.iter().zip(&b.d).map(|(x, y)| x + y).collect(),
        }
    }
    /// Keeps the top-left block; new elements are 0.
    pub fn resized(&self, r: usize, c: usize) -> Mat {
        let mut out = Mat::zeros(r, c);
        for i in 0..r.min(self.r) {
            for j in 0..c.min(self.c) {
                out.set(i, j, self.at(i, j));
            }
        }
        out
    }
    pub fn l1_norm(&self) -> f64 {
        (0..self.c)
            .map(|j| (0..self.r).map(|i| self.at(i, j).abs()).sum::<f64>())
            .fold(0.0, f64::max)
    }
}

// ---------------------------------------------------------------- LU decompositions

/// LU with partial (row) pivoting, as Eigen's PartialPivLU: (LU, row
/// transpositions, number of actual swaps).
pub fn partial_lu(a: &Mat) -> (Mat, Vec<usize>, usize) {
    let mut lu = a.clone();
    let n = lu.r;
    let mut perm = Vec::with_capacity(n);
    let mut swaps = 0;
    for k in 0..n {
        let mut p = k;
        let mut big = lu.at(k, k).abs();
        for i in k + 1..n {
            if lu.at(i, k).abs() > big {
                big = lu.at(i, k).abs();
                p = i;
            }
        }
        perm.push(p);
        if big != 0.0 {
            if p != k {
                for j in 0..n {
                    lu.d.swap(k * n + j, p * n + j);
                }
                swaps += 1;
            }
            let piv = lu.at(k, k);
            for i in k + 1..n {
                *lu.m(i, k) /= piv;
            }
        }
        for i in k + 1..n {
            let l = lu.at(i, k);
            for j in k + 1..n {
                let u = lu.at(k, j);
                *lu.m(i, j) -= l * u;
            }
        }
    }
    (lu, perm, swaps)
}

pub fn partial_lu_solve(lu: &Mat, perm: &[usize], b: &mut [f64]) {
    lu_substitute(lu, perm, b, lu.r);
}

/// Row swaps, forward substitution with the unit lower factor, then back
/// substitution with the first `rank` rows of the upper factor.
fn lu_substitute(lu: &Mat, rows: &[usize], b: &mut [f64], rank: usize) {
    for (k, &p) in rows.iter().enumerate() {
        b.swap(k, p);
    }
    for i in 0..lu.r {
        for k in 0..i {
            b[i] -= lu.at(i, k) * b[k];
        }
    }
    for i in (0..rank).rev() {
        for k in i + 1..rank {
            b[i] -= lu.at(i, k) * b[k];
        }
        b[i] /= lu.at(i, i);
    }
}

pub fn inverse(a: &Mat) -> Mat {
    let (lu, perm, _) = partial_lu(a);
    let n = a.r;
    let mut out = Mat::zeros(n, n);
    for j in 0..n {
        let mut col: Vec<f64> = (0..n).map(|i| if i == j { 1.0 } else { 0.0 }).collect();
        partial_lu_solve(&lu, &perm, &mut col);
        for (i, x) in col.into_iter().enumerate() {
            out.set(i, j, x);
        }
    }
    out
}

pub fn determinant(a: &Mat) -> f64 {
    let (lu, _, swaps) = partial_lu(a);
    let mut d = if swaps % 2 == 1 { -1.0 } else { 1.0 };
    for i in 0..a.r {
        d *= lu.at(i, i);
    }
    d
}

/// Solves `a x = b` by LU with full pivoting, as Eigen's FullPivLU does
/// (unknowns beyond the numerical rank are 0).
pub fn full_lu_solve(a: &Mat, b: &[f64]) -> Vec<f64> {
    let mut lu = a.clone();
    let n = a.r;
    let mut rows = Vec::with_capacity(n);
    let mut cols = Vec::with_capacity(n);
    let mut nonzero = n;
    let mut maxpivot: f64 = 0.0;
    for k in 0..n {
        // Biggest in the corner; ties go to the first in column-major order.
        let (mut pi, mut pj, mut big) = (k, k, -1.0);
        for j in k..n {
            for i in k..n {
                if lu.at(i, j).abs() > big {
                    big = lu.at(i, j).abs();
                    pi = i;
                    pj = j;
                }
            }
        }
        if big == 0.0 {
            nonzero = k;
            for i in k..n {
                rows.push(i);
                cols.push(i);
            }
            break;
        }
        maxpivot = maxpivot.max(big);
        rows.push(pi);
        cols.push(pj);
        if pi != k {
            for j in 0..n {
                lu.d.swap(k * n + j, pi * n + j);
            }
        }
        if pj != k {
            for i in 0..n {
                lu.d.swap(i * n + k, i * n + pj);
            }
        }
        let piv = lu.at(k, k);
        for i in k + 1..n {
            *lu.m(i, k) /= piv;
        }
        for i in k + 1..n {
            let l = lu.at(i, k);
            for j in k + 1..n {
                let u = lu.at(k, j);
                *lu.m(i, j) -= l * u;
            }
        }
    }
    let threshold = maxpivot.abs() * f64::EPSILON * n as f64;
    let rank = (0..nonzero)
        .filter(|&i| lu.at(i, i).abs() > threshold)
        .count();
    let mut c = b.to_vec();
    if rank == 0 {
        return vec![0.0; n];
    }
    lu_substitute(&lu, &rows, &mut c, rank);
    for x in c.iter_mut().skip(rank) {
        *x = 0.0;
    }
    for k in (0..n).rev() {
        c.swap(k, cols[k]);
    }
    c
}

// ---------------------------------------------------------------- matrix exponential

/// e^A by Padé approximation with scaling and squaring (Higham 2005), with
/// the degree chosen from the 1-norm as Eigen does.
pub fn expm(a: &Mat) -> Mat {
    let n = a.r;
    let id = Mat::ident(n, n);
    let norm = a.l1_norm();
    let comb = |terms: &[(f64, &Mat)]| -> Mat {
        let mut out = Mat::zeros(n, n);
        for (b, m) in terms {
            for (o, x) in out.d.iter_mut().zip(&m.d) {
                *o += b * x;
            }
        }
        out
    };
    let mut squarings = 0;
    let (u, v) = if norm < 2.097847961257068 {
        let a2 = a.mul(a);
        if norm < 1.495585217958292e-2 {
            let b = [120.0, 60.0, 12.0, 1.0];
            (
                a.mul(&comb(&[(b[3], &a2), (b[1], &id)])),
                comb(&[(b[2], &a2), (b[0], &id)]),
            )
        } else if norm < 2.53939833006323e-1 {
            let b = [30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0];
            let a4 = a2.mul(&a2);
            (
                a.mul(&comb(&[(b[5], &a4), (b[3], &a2), (b[1], &id)])),
                comb(&[(b[4], &a4), (b[2], &a2), (b[0], &id)]),
            )
        } else if norm < 9.504178996162932e-1 {
            let b = [
                17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0,
            ];
            let a4 = a2.mul(&a2);
            let a6 = a4.mul(&a2);
            (
                a.mul(&comb(&[(b[7], &a6), (b[5], &a4), (b[3], &a2), (b[1], &id)])),
                comb(&[(b[6], &a6), (b[4], &a4), (b[2], &a2), (b[0], &id)]),
            )
        } else {
            let b = [
                17643225600.0,
                8821612800.0,
                2075673600.0,
                302702400.0,
                30270240.0,
                2162160.0,
                110880.0,
                3960.0,
                90.0,
                1.0,
            ];
            let a4 = a2.mul(&a2);
            let a6 = a4.mul(&a2);
            let a8 = a6.mul(&a2);
            (
                a.mul(&comb(&[
                    (b[9], &a8),
                    (b[7], &a6),
                    (b[5], &a4),
                    (b[3], &a2),
                    (b[1], &id),
                ])),
                comb(&[
                    (b[8], &a8),
                    (b[6], &a6),
                    (b[4], &a4),
                    (b[2], &a2),
                    (b[0], &id),
                ]),
            )
        }
    } else {
        // frexp: norm / maxnorm = m 2^e with m in [0.5, 1).
        let ratio = norm / 5.371920351148152;
        if ratio.is_finite() && ratio > 0.0 {
            squarings = (ratio.log2().floor() as i32 + 1).max(0);
            let m = ratio / 2f64.powi(squarings);
            if m >= 1.0 {
                squarings += 1;
            }
        }
        let a = a.scaled(2f64.powi(-squarings));
        let b = [
            64764752532480000.0,
            32382376266240000.0,
            7771770303897600.0,
            1187353796428800.0,
            129060195264000.0,
            10559470521600.0,
            670442572800.0,
            33522128640.0,
            1323241920.0,
            40840800.0,
            960960.0,
            16380.0,
            182.0,
            1.0,
        ];
        let a2 = a.mul(&a);
        let a4 = a2.mul(&a2);
        let a6 = a4.mul(&a2);
        let t = a6
            .mul(&comb(&[(b[13], &a6), (b[11], &a4), (b[9], &a2)]))
            .plus(&comb(&[(b[7], &a6), (b[5], &a4), (b[3], &a2), (b[1], &id)]));
        let u = a.mul(&t);
        let v = a6
            .mul(&comb(&[(b[12], &a6), (b[10], &a4), (b[8], &a2)]))
            .plus(&comb(&[(b[6], &a6), (b[4], &a4), (b[2], &a2), (b[0], &id)]));
        (u, v)
    };
    let numer = u.plus(&v);
    let denom = v.plus(&u.scaled(-1.0));
    let (lu, perm, _) = partial_lu(&denom);
    let mut r = Mat::zeros(n, n);
    for j in 0..n {
        let mut col: Vec<f64> = (0..n).map(|i| numer.at(i, j)).collect();
        partial_lu_solve(&lu, &perm, &mut col);
        for (i, x) in col.into_iter().enumerate() {
            r.set(i, j, x);
        }
    }
    for _ in 0..squarings {
        r = r.mul(&r);
    }
    r
}

/// A^k by binary powering (k >= 0).
pub fn powm(a: &Mat, k: u32) -> Mat {
    let mut res = Mat::ident(a.r, a.r);
    if k == 0 {
        return res;
    }
    let mut tmp = a.clone();
    let mut p = k as f64;
    loop {
        if p % 2.0 >= 1.0 {
            res = tmp.mul(&res);
        }
        p /= 2.0;
        if p < 1.0 {
            break;
        }
        tmp = tmp.mul(&tmp);
    }
    res
}

// ---------------------------------------------------------------- eigenvalues

/// A sum in the order Eigen's vectorised reduction (two-double packets,
/// two accumulators) adds the terms, so results agree to the last bit.
fn packet_sum(x: &[f64]) -> f64 {
    let n = x.len();
    if n < 2 {
        return x.first().copied().unwrap_or(0.0);
    }
    let end2 = n / 4 * 4;
    let end = n / 2 * 2;
    let mut r0 = [x[0], x[1]];
    if end > 2 {
        let mut r1 = [x[2], x[3]];
        let mut i = 4;
        while i < end2 {
            r0 = [r0[0] + x[i], r0[1] + x[i + 1]];
            r1 = [r1[0] + x[i + 2], r1[1] + x[i + 3]];
            i += 4;
        }
        r0 = [r0[0] + r1[0], r0[1] + r1[1]];
        if end > end2 {
            r0 = [r0[0] + x[end2], r0[1] + x[end2 + 1]];
        }
    }
    let mut s = r0[0] + r0[1];
    for v in &x[end..] {
        s += v;
    }
    s
}

/// A dot product in the order of Eigen's row-major matrix-vector kernel
/// (one two-double packet accumulator, then the odd element).
fn packet_dot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    let mut c = [0.0, 0.0];
    let mut j = 0;
    while j + 2 <= n {
        c = [x[j] * y[j] + c[0], x[j + 1] * y[j + 1] + c[1]];
        j += 2;
    }
    let mut s = c[0] + c[1];
    while j < n {
        s += x[j] * y[j];
        j += 1;
    }
    s
}

/// A Householder reflector for `x` as Eigen makes it: (essential part, tau, beta).
fn householder(x: &[f64]) -> (Vec<f64>, f64, f64) {
    let c0 = x[0];
    let sq: Vec<f64> = x[1..].iter().map(|v| v * v).collect();
    let tail_sq = packet_sum(&sq);
    if tail_sq <= f64::MIN_POSITIVE {
        (vec![0.0; x.len() - 1], 0.0, c0)
    } else {
        let mut beta = (c0 * c0 + tail_sq).sqrt();
        if c0 >= 0.0 {
            beta = -beta;
        }
        let ess = x[1..].iter().map(|v| v / (c0 - beta)).collect();
        (ess, (beta - c0) / beta, beta)
    }
}

/// Applies I - tau [1 ess][1 ess]^T from the left to the block at (r0, c0).
fn reflect_left(m: &mut Mat, r0: usize, c0: usize, nr: usize, nc: usize, ess: &[f64], tau: f64) {
    if nr == 1 {
        for j in c0..c0 + nc {
            *m.m(r0, j) *= 1.0 - tau;
        }
    } else if tau != 0.0 {
        for j in c0..c0 + nc {
            // As Eigen: the dot product with the essential part first.
            let col: Vec<f64> = (0..ess.len()).map(|k| m.at(r0 + 1 + k, j)).collect();
            let mut t = if ess.is_empty() {
                0.0
            } else {
                packet_dot(&col, ess)
            };
            t += m.at(r0, j);
            *m.m(r0, j) -= tau * t;
            for (k, e) in ess.iter().enumerate() {
                *m.m(r0 + 1 + k, j) -= tau * e * t;
            }
        }
    }
}

/// Applies the reflector from the right to the block at (r0, c0).
fn reflect_right(m: &mut Mat, r0: usize, c0: usize, nr: usize, nc: usize, ess: &[f64], tau: f64) {
    if nc == 1 {
        for i in r0..r0 + nr {
            *m.m(i, c0) *= 1.0 - tau;
        }
    } else if tau != 0.0 {
        for i in r0..r0 + nr {
            let mut t = 0.0;
            for (k, e) in ess.iter().enumerate() {
                t = if k == 0 {
                    m.at(i, c0 + 1) * e
                } else {
                    t + m.at(i, c0 + 1 + k) * e
                };
            }
            t += m.at(i, c0);
            *m.m(i, c0) -= tau * t;
            for (k, e) in ess.iter().enumerate() {
                *m.m(i, c0 + 1 + k) -= tau * t * e;
            }
        }
    }
}

/// A Givens rotation (c, s) as Eigen's `makeGivens(p, q)`.
fn givens(p: f64, q: f64) -> (f64, f64) {
    if q == 0.0 {
        (if p < 0.0 { -1.0 } else { 1.0 }, 0.0)
    } else if p == 0.0 {
        (0.0, if q < 0.0 { 1.0 } else { -1.0 })
    } else if p.abs() > q.abs() {
        let t = q / p;
        let mut u = (1.0 + t * t).sqrt();
        if p < 0.0 {
            u = -u;
        }
        let c = 1.0 / u;
        (c, -t * c)
    } else {
        let t = p / q;
        let mut u = (1.0 + t * t).sqrt();
        if q < 0.0 {
            u = -u;
        }
        let s = -1.0 / u;
        (-t * s, s)
    }
}

/// Rows p and q of columns `cols` become (c x + s y, -s x + c y).
fn rotate_rows(m: &mut Mat, p: usize, q: usize, cols: std::ops::Range<usize>, c: f64, s: f64) {
    for j in cols {
        let (x, y) = (m.at(p, j), m.at(q, j));
        m.set(p, j, c * x + s * y);
        m.set(q, j, -s * x + c * y);
    }
}

/// Columns p and q of rows `rows` become (c x + s y, -s x + c y).
fn rotate_cols(m: &mut Mat, p: usize, q: usize, rows: std::ops::Range<usize>, c: f64, s: f64) {
    for i in rows {
        let (x, y) = (m.at(i, p), m.at(i, q));
        m.set(i, p, c * x + s * y);
        m.set(i, q, -s * x + c * y);
    }
}

/// Real Schur form A = U T U^T (T quasi-triangular), as Eigen's RealSchur.
fn real_schur(a: &Mat) -> (Mat, Mat) {
    let n = a.r;
    let scale = a.d.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if scale < f64::MIN_POSITIVE {
        return (Mat::zeros(n, n), Mat::ident(n, n));
    }
    // Hessenberg reduction of A / scale.
    let mut h = Mat {
        r: n,
        c: n,
        d: a.d.iter().map(|x| x / scale).collect(),
    };
    let mut coeffs = Vec::new();
    for i in 0..n.saturating_sub(1) {
        let rem = n - i - 1;
        let x: Vec<f64> = (i + 1..n).map(|r| h.at(r, i)).collect();
        let (ess, tau, beta) = householder(&x);
        h.set(i + 1, i, beta);
        for (k, e) in ess.iter().enumerate() {
            h.set(i + 2 + k, i, *e);
        }
        coeffs.push((ess.clone(), tau));
        reflect_left(&mut h, i + 1, i + 1, rem, rem, &ess, tau);
        reflect_right(&mut h, 0, i + 1, n, rem, &ess, tau);
    }
    let mut u = Mat::ident(n, n);
    for (k, (ess, tau)) in coeffs.iter().enumerate().rev() {
        let corner = n - k - 1;
        reflect_left(&mut u, k + 1, k + 1, corner, corner, ess, *tau);
    }
    let mut t = h;
    for j in 0..n {
        for i in j + 2..n {
            t.set(i, j, 0.0);
        }
    }
    francis_qr(&mut t, &mut u);
    for x in t.d.iter_mut() {
        *x *= scale;
    }
    (t, u)
}

/// Francis double-shift QR iteration on a Hessenberg `t`, accumulating into `u`.
fn francis_qr(t: &mut Mat, u: &mut Mat) {
    let n = t.r as isize;
    let size = t.r;
    let eps = f64::EPSILON;
    let max_iters = 40 * n;
    let mut norm = 0.0;
    for j in 0..size {
        let col: Vec<f64> = (0..size.min(j + 2)).map(|i| t.at(i, j).abs()).collect();
        norm += packet_sum(&col);
    }
    if norm == 0.0 {
        return;
    }
    let zero = (norm * eps * eps).max(f64::MIN_POSITIVE);
    let mut iu = n - 1;
    let mut iter = 0;
    let mut total = 0;
    let mut exshift = 0.0;
    while iu >= 0 {
        let iuu = iu as usize;
        // Find a negligible subdiagonal entry.
        let mut il = iuu;
        while il > 0 {
            let s = (t.at(il - 1, il - 1).abs() + t.at(il, il).abs()) * eps;
            if t.at(il, il - 1).abs() <= s.max(zero) {
                break;
            }
            il -= 1;
        }
        if il == iuu {
            *t.m(iuu, iuu) += exshift;
            if iuu > 0 {
                t.set(iuu, iuu - 1, 0.0);
            }
            iu -= 1;
            iter = 0;
        } else if il + 1 == iuu {
            split_two_rows(t, u, iuu, exshift);
            iu -= 2;
            iter = 0;
        } else {
            let mut shift = [
                t.at(iuu, iuu),
                t.at(iuu - 1, iuu - 1),
                t.at(iuu, iuu - 1) * t.at(iuu - 1, iuu),
            ];
            if iter == 10 {
                exshift += shift[0];
                for i in 0..=iuu {
                    *t.m(i, i) -= shift[0];
                }
                let s = t.at(iuu, iuu - 1).abs() + t.at(iuu - 1, iuu - 2).abs();
                shift = [0.75 * s, 0.75 * s, -0.4375 * s * s];
            }
            if iter == 30 {
                let mut s = (shift[1] - shift[0]) / 2.0;
                s = s * s + shift[2];
                if s > 0.0 {
                    s = s.sqrt();
                    if shift[1] < shift[0] {
                        s = -s;
                    }
                    s += (shift[1] - shift[0]) / 2.0;
                    s = shift[0] - shift[2] / s;
                    exshift += s;
                    for i in 0..=iuu {
                        *t.m(i, i) -= s;
                    }
                    shift = [0.964; 3];
                }
            }
            iter += 1;
            total += 1;
            if total > max_iters {
                break;
            }
            // Where the step starts, and its first reflector.
            let mut im = iuu - 2;
            let mut v;
            loop {
                let tmm = t.at(im, im);
                let r = shift[0] - tmm;
                let s = shift[1] - tmm;
                v = [
                    (r * s - shift[2]) / t.at(im + 1, im) + t.at(im, im + 1),
                    t.at(im + 1, im + 1) - tmm - r - s,
                    t.at(im + 2, im + 1),
                ];
                if im == il {
                    break;
                }
                let lhs = t.at(im, im - 1) * (v[1].abs() + v[2].abs());
                let rhs =
                    v[0] * (t.at(im - 1, im - 1).abs() + tmm.abs() + t.at(im + 1, im + 1).abs());
                if lhs.abs() < eps * rhs {
                    break;
                }
                im -= 1;
            }
            francis_step(t, u, il, im, iuu, v);
        }
    }
}

fn split_two_rows(t: &mut Mat, u: &mut Mat, iu: usize, exshift: f64) {
    let size = t.r;
    let p = 0.5 * (t.at(iu - 1, iu - 1) - t.at(iu, iu));
    let q = p * p + t.at(iu, iu - 1) * t.at(iu - 1, iu);
    *t.m(iu, iu) += exshift;
    *t.m(iu - 1, iu - 1) += exshift;
    if q >= 0.0 {
        let z = q.abs().sqrt();
        let (c, s) = givens(if p >= 0.0 { p + z } else { p - z }, t.at(iu, iu - 1));
        // From the left with the adjoint rotation, from the right with the rotation.
        rotate_rows(t, iu - 1, iu, iu - 1..size, c, -s);
        rotate_cols(t, iu - 1, iu, 0..iu + 1, c, -s);
        t.set(iu, iu - 1, 0.0);
        rotate_cols(u, iu - 1, iu, 0..size, c, -s);
    }
    if iu > 1 {
        t.set(iu - 1, iu - 2, 0.0);
    }
}

fn francis_step(t: &mut Mat, u: &mut Mat, il: usize, im: usize, iu: usize, first: [f64; 3]) {
    let size = t.r;
    for k in im..=iu - 2 {
        let v = if k == im {
            first
        } else {
            [t.at(k, k - 1), t.at(k + 1, k - 1), t.at(k + 2, k - 1)]
        };
        let (ess, tau, beta) = householder(&v);
        if beta != 0.0 {
            if k == im && k > il {
                *t.m(k, k - 1) = -t.at(k, k - 1);
            } else if k != im {
                t.set(k, k - 1, beta);
            }
            reflect_left(t, k, k, 3, size - k, &ess, tau);
            reflect_right(t, 0, k, iu.min(k + 3) + 1, 3, &ess, tau);
            reflect_right(u, 0, k, size, 3, &ess, tau);
        }
    }
    let (ess, tau, beta) = householder(&[t.at(iu - 1, iu - 2), t.at(iu, iu - 2)]);
    if beta != 0.0 {
        t.set(iu - 1, iu - 2, beta);
        reflect_left(t, iu - 1, iu - 1, 2, size - iu + 1, &ess, tau);
        reflect_right(t, 0, iu - 1, iu + 1, 2, &ess, tau);
        reflect_right(u, 0, iu - 1, size, 2, &ess, tau);
    }
    for i in im + 2..=iu {
        t.set(i, i - 2, 0.0);
        if i > im + 2 {
            t.set(i, i - 3, 0.0);
        }
    }
}

fn cdiv(a: f64, b: f64, c: f64, d: f64) -> (f64, f64) {
    // (a + bi) / (c + di), scaled to avoid overflow.
    if d.abs() <= c.abs() {
        let r = d / c;
        let den = c + d * r;
        ((a + b * r) / den, (b - a * r) / den)
    } else {
        let r = c / d;
        let den = d + c * r;
        ((a * r + b) / den, (b * r - a) / den)
    }
}

/// Eigen's `EigenSolver` on a square matrix: the real parts of the
/// eigenvalues, in Schur-form order, and the real parts of the normalised
/// eigenvectors (columns).
pub fn eigen(a: &Mat) -> (Vec<f64>, Mat) {
    let n = a.r;
    let (mut t, mut v) = real_schur(a);
    // Eigenvalues from the quasi-triangular form.
    let mut re = vec![0.0; n];
    let mut im = vec![0.0; n];
    let mut i = 0;
    while i < n {
        if i == n - 1 || t.at(i + 1, i) == 0.0 {
            re[i] = t.at(i, i);
            i += 1;
        } else {
            let p = 0.5 * (t.at(i, i) - t.at(i + 1, i + 1));
            let (t0, t1) = (t.at(i + 1, i), t.at(i, i + 1));
            let maxval = p.abs().max(t0.abs().max(t1.abs()));
            let (p0, t0, t1) = (p / maxval, t0 / maxval, t1 / maxval);
            let z = maxval * (p0 * p0 + t0 * t1).abs().sqrt();
            re[i] = t.at(i + 1, i + 1) + p;
            re[i + 1] = re[i];
            im[i] = z;
            im[i + 1] = -z;
            i += 2;
        }
    }
    if re.iter().chain(&im).any(|x| !x.is_finite()) {
        return (re, Mat::zeros(n, n));
    }
    // Eigenvectors of A: U times those of T (U itself when T is 0).
    let nonzero = back_substitute(&mut t, &re, &im);
    for j in (0..n).rev().filter(|_| nonzero) {
        let col: Vec<f64> = (0..n)
            // a product into a zeroed vector: an all -0 sum comes out +0
            .map(|r| 0.0 + (0..=j).map(|k| v.at(r, k) * t.at(k, j)).sum::<f64>())
            .collect();
        for (r, x) in col.into_iter().enumerate() {
            v.set(r, j, x);
        }
    }
    // Normalise (complex pairs as complex vectors) and keep real parts.
    // Eigen divides by the norm as a complex number: (x n) / (n n).
    let scale = |x: f64, nrm: f64| {
        if nrm > 0.0 {
            (x * nrm) / (nrm * nrm)
        } else {
            x
        }
    };
    let mut out = Mat::zeros(n, n);
    let mut j = 0;
    while j < n {
        if im[j].abs() <= re[j].abs() * 2.0 * f64::EPSILON || j + 1 == n {
            let nrm = (0..n).map(|r| v.at(r, j).powi(2)).sum::<f64>().sqrt();
            for r in 0..n {
                out.set(r, j, scale(v.at(r, j), nrm));
            }
            j += 1;
        } else {
            let nrm = (0..n)
                .map(|r| v.at(r, j).powi(2) + v.at(r, j + 1).powi(2))
                .sum::<f64>()
                .sqrt();
            for r in 0..n {
                let x = scale(v.at(r, j), nrm);
                out.set(r, j, x);
                out.set(r, j + 1, x);
            }
            j += 2;
        }
    }
    (re, out)
}

/// Eigenvectors of the quasi-triangular `t` by back substitution (into
/// `t`); false (and nothing done) when `t` is 0.
fn back_substitute(t: &mut Mat, re: &[f64], im: &[f64]) -> bool {
    let size = t.r;
    let eps = f64::EPSILON;
    let mut norm = 0.0;
    for j in 0..size {
        let from = j.saturating_sub(1);
        norm += (from..size).map(|k| t.at(j, k).abs()).sum::<f64>();
    }
    if norm == 0.0 {
        return false;
    }
    let mut n = size;
    while n > 0 {
        n -= 1;
        let (p, q) = (re[n], im[n]);
        if q == 0.0 {
            let (mut lastr, mut lastw) = (0.0, 0.0);
            let mut l = n;
            t.set(n, n, 1.0);
            for i in (0..n).rev() {
                let w = t.at(i, i) - p;
                let r: f64 = (l..=n).map(|k| t.at(i, k) * t.at(k, n)).sum();
                if im[i] < 0.0 {
                    lastw = w;
                    lastr = r;
                } else {
                    l = i;
                    if im[i] == 0.0 {
                        let v = if w != 0.0 { -r / w } else { -r / (eps * norm) };
                        t.set(i, n, v);
                    } else {
                        let x = t.at(i, i + 1);
                        let y = t.at(i + 1, i);
                        let denom = (re[i] - p) * (re[i] - p) + im[i] * im[i];
                        let tt = (x * lastr - lastw * r) / denom;
                        t.set(i, n, tt);
                        let v = if x.abs() > lastw.abs() {
                            (-r - w * tt) / x
                        } else {
                            (-lastr - y * tt) / lastw
                        };
                        t.set(i + 1, n, v);
                    }
                    let tt = t.at(i, n).abs();
                    if (eps * tt) * tt > 1.0 {
                        for k in i..size {
                            *t.m(k, n) /= tt;
                        }
                    }
                }
            }
        } else if q < 0.0 && n > 0 {
            let (mut lastra, mut lastsa, mut lastw) = (0.0, 0.0, 0.0);
            let mut l = n - 1;
            if t.at(n, n - 1).abs() > t.at(n - 1, n).abs() {
                t.set(n - 1, n - 1, q / t.at(n, n - 1));
                t.set(n - 1, n, -(t.at(n, n) - p) / t.at(n, n - 1));
            } else {
                let (a, b) = cdiv(0.0, -t.at(n - 1, n), t.at(n - 1, n - 1) - p, q);
                t.set(n - 1, n - 1, a);
                t.set(n - 1, n, b);
            }
            t.set(n, n - 1, 0.0);
            t.set(n, n, 1.0);
            for i in (0..n.saturating_sub(1)).rev() {
                let ra: f64 = (l..=n).map(|k| t.at(i, k) * t.at(k, n - 1)).sum();
                let sa: f64 = (l..=n).map(|k| t.at(i, k) * t.at(k, n)).sum();
                let w = t.at(i, i) - p;
                if im[i] < 0.0 {
                    lastw = w;
                    lastra = ra;
                    lastsa = sa;
                } else {
                    l = i;
                    if im[i] == 0.0 {
                        let (a, b) = cdiv(-ra, -sa, w, q);
                        t.set(i, n - 1, a);
                        t.set(i, n, b);
                    } else {
                        let x = t.at(i, i + 1);
                        let y = t.at(i + 1, i);
                        let mut vr = (re[i] - p) * (re[i] - p) + im[i] * im[i] - q * q;
                        let vi = (re[i] - p) * 2.0 * q;
                        if vr == 0.0 && vi == 0.0 {
                            vr = eps * norm * (w.abs() + q.abs() + x.abs() + y.abs() + lastw.abs());
                        }
                        let (a, b) = cdiv(
                            x * lastra - lastw * ra + q * sa,
                            x * lastsa - lastw * sa - q * ra,
                            vr,
                            vi,
                        );
                        t.set(i, n - 1, a);
                        t.set(i, n, b);
                        if x.abs() > lastw.abs() + q.abs() {
                            let a2 = (-ra - w * t.at(i, n - 1) + q * t.at(i, n)) / x;
                            let b2 = (-sa - w * t.at(i, n) - q * t.at(i, n - 1)) / x;
                            t.set(i + 1, n - 1, a2);
                            t.set(i + 1, n, b2);
                        } else {
                            let (a2, b2) = cdiv(
                                -lastra - y * t.at(i, n - 1),
                                -lastsa - y * t.at(i, n),
                                lastw,
                                q,
                            );
                            t.set(i + 1, n - 1, a2);
                            t.set(i + 1, n, b2);
                        }
                    }
                    let tt = t.at(i, n - 1).abs().max(t.at(i, n).abs());
                    if (eps * tt) * tt > 1.0 {
                        for k in i..size {
                            *t.m(k, n - 1) /= tt;
                            *t.m(k, n) /= tt;
                        }
                    }
                }
            }
            n -= 1;
        }
    }
    true
}

// ---------------------------------------------------------------- singular values

/// Singular value decomposition A = U diag(s) V^T by one-sided Jacobi
/// rotations: (s descending, U (r x r), V (c x c)).
pub fn svd(a: &Mat) -> (Vec<f64>, Mat, Mat) {
    let tall = a.r >= a.c;
    let w0 = if tall { a.clone() } else { a.transpose() };
    let (m, n) = (w0.r, w0.c);
    let mut w = w0;
    let mut v = Mat::ident(n, n);
    for _sweep in 0..100 {
        let mut off = 0.0f64;
        for p in 0..n {
            for q in p + 1..n {
                let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
                for i in 0..m {
                    alpha += w.at(i, p) * w.at(i, p);
                    beta += w.at(i, q) * w.at(i, q);
                    gamma += w.at(i, p) * w.at(i, q);
                }
                if gamma == 0.0 {
                    continue;
                }
                off = off.max(gamma.abs() / (alpha * beta).sqrt());
                let zeta = (beta - alpha) / (2.0 * gamma);
                let tn = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let tn = if zeta == 0.0 { 1.0 } else { tn };
                let c = 1.0 / (1.0 + tn * tn).sqrt();
                let s = c * tn;
                rotate_cols(&mut w, p, q, 0..m, c, -s);
                rotate_cols(&mut v, p, q, 0..n, c, -s);
            }
        }
        if off < 1e-15 {
            break;
        }
    }
    let mut sv: Vec<(f64, usize)> = (0..n)
        .map(|j| ((0..m).map(|i| w.at(i, j).powi(2)).sum::<f64>().sqrt(), j))
        .collect();
    sv.sort_by(|x, y| y.0.partial_cmp(&x.0).unwrap_or(std::cmp::Ordering::Equal));
    let mut u = Mat::zeros(m, m);
    let mut vs = Mat::zeros(n, n);
    let mut filled = Vec::new();
    for (k, &(s, j)) in sv.iter().enumerate() {
        for i in 0..n {
            vs.set(i, k, v.at(i, j));
        }
        if s > 0.0 {
            for i in 0..m {
                u.set(i, k, w.at(i, j) / s);
            }
            filled.push(k);
        }
    }
    // Complete U to an orthonormal basis.
    let mut e = 0;
    for k in 0..m {
        if filled.contains(&k) {
            continue;
        }
        loop {
            let mut col: Vec<f64> = (0..m).map(|i| if i == e { 1.0 } else { 0.0 }).collect();
            e += 1;
            for &f in filled.iter() {
                let d: f64 = (0..m).map(|i| u.at(i, f) * col[i]).sum();
                for (i, x) in col.iter_mut().enumerate() {
                    *x -= d * u.at(i, f);
                }
            }
            let nrm = col.iter().map(|x| x * x).sum::<f64>().sqrt();
            if nrm > 1e-8 {
                for (i, x) in col.iter().enumerate() {
                    u.set(i, k, x / nrm);
                }
                filled.push(k);
                break;
            }
            if e > m {
                break;
            }
        }
    }
    let s: Vec<f64> = sv.iter().map(|x| x.0).take(a.r.min(a.c)).collect();
    if tall {
        (s, u, vs)
    } else {
        (s, vs, u)
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn symmeig_3x3() {
        // [[2,1,0],[1,2,0],[0,0,3]]: eigenvalues 1, 3, 3 with eigenvectors
        // (1,-1,0)/sqrt2, (1,1,0)/sqrt2 and (0,0,1). Eigen's EigenSolver (as
        // NEURON 9.0.2 prints them) orders them 3, 1, 3.
        let a = Mat::from_rows(&[&[2.0, 1.0, 0.0], &[1.0, 2.0, 0.0], &[0.0, 0.0, 3.0]]);
        let (vals, vecs) = eigen(&a);
        let r = std::f64::consts::FRAC_1_SQRT_2;
        assert!(
            close(vals[0], 3.0) && close(vals[1], 1.0) && close(vals[2], 3.0),
            "{vals:?}"
        );
        let expect = [[r, -r, 0.0], [r, r, 0.0], [0.0, 0.0, 1.0]];
        for i in 0..3 {
            for j in 0..3 {
                assert!(close(vecs.at(i, j), expect[i][j]), "{vecs:?}");
            }
        }
        // A v = lambda v for every pair.
        for j in 0..3 {
            for i in 0..3 {
                let av: f64 = (0..3).map(|k| a.at(i, k) * vecs.at(k, j)).sum();
                assert!(close(av, vals[j] * vecs.at(i, j)));
            }
        }
    }

    #[test]
    fn solve_inverse_det() {
        let a = Mat::from_rows(&[&[4.0, 3.0], &[6.0, 3.0]]);
        assert!(close(determinant(&a), -6.0));
        let x = full_lu_solve(&a, &[10.0, 12.0]);
        assert!(close(x[0], 1.0) && close(x[1], 2.0));
        let inv = inverse(&a);
        let p = a.mul(&inv);
        assert!(close(p.at(0, 0), 1.0) && close(p.at(0, 1), 0.0) && close(p.at(1, 1), 1.0));
        let e = expm(&Mat::from_rows(&[&[0.0, 1.0], &[-1.0, 0.0]]));
        assert!(close(e.at(0, 0), 1f64.cos()) && close(e.at(0, 1), 1f64.sin()));
    }
}
