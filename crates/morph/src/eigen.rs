//! NEURON's `Matrix.symmeig`: the general (non-symmetric) eigen solver of
//! the Eigen library it is built on, in the same steps, so that the order
//! of the eigenvalues and the signs of the eigenvectors come out the same.
//! Steps: balance by the largest magnitude, Householder reduction to
//! Hessenberg form, Francis double-shift QR to real Schur form, back
//! substitution for the eigenvectors of the triangular factor, back
//! transformation, unit columns. Only what a symmetric input needs is
//! done: complex pairs (which rounding could in principle produce) are
//! reported by their real parts.

type Mat = Vec<Vec<f64>>;

/// Householder reflector of `v`: (essential part, tau, beta).
fn make_householder(v: &[f64]) -> (Vec<f64>, f64, f64) {
    let tail = &v[1..];
    let tail_sq: f64 = if v.len() == 1 {
        0.0
    } else {
        let mut s = 0.0;
        for &t in tail {
            s += t * t;
        }
        s
    };
    let c0 = v[0];
    if tail_sq <= f64::MIN_POSITIVE {
        (vec![0.0; tail.len()], 0.0, c0)
    } else {
        let mut beta = (c0 * c0 + tail_sq).sqrt();
        if c0 >= 0.0 {
            beta = -beta;
        }
        let ess = tail.iter().map(|&t| t / (c0 - beta)).collect();
        (ess, (beta - c0) / beta, beta)
    }
}

/// `H M` on the block rows `r0..r0+nr`, columns `c0..c0+nc`. `gemv`: the
/// essential part has a run-time size, and Eigen forms its product with the
/// block as a matrix-vector product into a zeroed vector (so a -0 sum
/// becomes +0); with a fixed size it takes coefficient-wise dot products.
#[allow(clippy::too_many_arguments)]
fn house_left(
    m: &mut Mat,
    r0: usize,
    nr: usize,
    c0: usize,
    nc: usize,
    ess: &[f64],
    tau: f64,
    gemv: bool,
) {
    if nr == 1 {
        for j in c0..c0 + nc {
            m[r0][j] *= 1.0 - tau;
        }
        return;
    }
    if tau == 0.0 {
        return;
    }
    let mut tmp = vec![0.0; nc];
    for (jj, t) in tmp.iter_mut().enumerate() {
        let j = c0 + jj;
        let mut s = 0.0;
        for (k, &e) in ess.iter().enumerate() {
            if k == 0 {
                s = e * m[r0 + 1][j];
            } else {
                s += e * m[r0 + 1 + k][j];
            }
        }
        if gemv {
            s += 0.0;
        }
        *t = s + m[r0][j];
    }
    for (jj, &t) in tmp.iter().enumerate() {
        m[r0][c0 + jj] -= tau * t;
    }
    for (k, &e) in ess.iter().enumerate() {
        let te = tau * e;
        for (jj, &t) in tmp.iter().enumerate() {
            m[r0 + 1 + k][c0 + jj] -= te * t;
        }
    }
}

/// `M H` on the block rows `r0..r0+nr`, columns `c0..c0+nc`; `gemv` as
/// for [`house_left`].
#[allow(clippy::too_many_arguments)]
fn house_right(
    m: &mut Mat,
    r0: usize,
    nr: usize,
    c0: usize,
    nc: usize,
    ess: &[f64],
    tau: f64,
    gemv: bool,
) {
    if nc == 1 {
        for i in r0..r0 + nr {
            m[i][c0] *= 1.0 - tau;
        }
        return;
    }
    if tau == 0.0 {
        return;
    }
    let mut tmp = vec![0.0; nr];
    for (ii, t) in tmp.iter_mut().enumerate() {
        let i = r0 + ii;
        let mut s = 0.0;
        for (k, &e) in ess.iter().enumerate() {
            if k == 0 {
                s = m[i][c0 + 1] * e;
            } else {
                s += m[i][c0 + 1 + k] * e;
            }
        }
        if gemv {
            s += 0.0;
        }
        *t = s + m[i][c0];
    }
    for (ii, &t) in tmp.iter().enumerate() {
        m[r0 + ii][c0] -= tau * t;
    }
    for (ii, &t) in tmp.iter().enumerate() {
        let tt = tau * t;
        for (k, &e) in ess.iter().enumerate() {
            m[r0 + ii][c0 + 1 + k] -= tt * e;
        }
    }
}

/// A plane rotation (c, s).
#[derive(Clone, Copy)]
struct Rot {
    c: f64,
    s: f64,
}

fn make_givens(p: f64, q: f64) -> Rot {
    if q == 0.0 {
        Rot {
            c: if p < 0.0 { -1.0 } else { 1.0 },
            s: 0.0,
        }
    } else if p == 0.0 {
        Rot {
            c: 0.0,
            s: if q < 0.0 { 1.0 } else { -1.0 },
        }
    } else if p.abs() > q.abs() {
        let t = q / p;
        let mut u = (1.0 + t * t).sqrt();
        if p < 0.0 {
            u = -u;
        }
        let c = 1.0 / u;
        Rot { c, s: -t * c }
    } else {
        let t = p / q;
        let mut u = (1.0 + t * t).sqrt();
        if q < 0.0 {
            u = -u;
        }
        let s = -1.0 / u;
        Rot { c: -t * s, s }
    }
}

/// x' = c x + s y, y' = -s x + c y over pairs.
fn rotate_pairs(pairs: &mut [(f64, f64)], j: Rot) {
    for (x, y) in pairs.iter_mut() {
        let (xi, yi) = (*x, *y);
        *x = j.c * xi + j.s * yi;
        *y = -j.s * xi + j.c * yi;
    }
}

fn rows_rotate(m: &mut Mat, p: usize, q: usize, c0: usize, j: Rot) {
    let n = m[0].len();
    let mut pairs: Vec<(f64, f64)> = (c0..n).map(|k| (m[p][k], m[q][k])).collect();
    rotate_pairs(&mut pairs, j);
    for (k, (x, y)) in (c0..n).zip(pairs) {
        m[p][k] = x;
        m[q][k] = y;
    }
}

fn cols_rotate(m: &mut Mat, p: usize, q: usize, nrows: usize, j: Rot) {
    // applyOnTheRight uses the transposed rotation
    let jt = Rot { c: j.c, s: -j.s };
    let mut pairs: Vec<(f64, f64)> = (0..nrows).map(|k| (m[k][p], m[k][q])).collect();
    rotate_pairs(&mut pairs, jt);
    for (k, (x, y)) in (0..nrows).zip(pairs) {
        m[k][p] = x;
        m[k][q] = y;
    }
}

struct Schur {
    t: Mat,
    u: Mat,
}

fn real_schur(a: &Mat) -> Option<Schur> {
    let n = a.len();
    let mut scale: f64 = 0.0;
    for row in a {
        for &v in row {
            scale = scale.max(v.abs());
        }
    }
    let ident = || -> Mat {
        (0..n)
            .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
            .collect()
    };
    if scale < f64::MIN_POSITIVE || scale.is_nan() {
        return Some(Schur {
            t: vec![vec![0.0; n]; n],
            u: ident(),
        });
    }
    // Hessenberg reduction of a / scale
    let mut h: Mat = a
        .iter()
        .map(|r| r.iter().map(|&v| v / scale).collect())
        .collect();
    let mut hcoeffs = vec![0.0; n.saturating_sub(1)];
    for i in 0..n.saturating_sub(1) {
        let rem = n - i - 1;
        let v: Vec<f64> = (i + 1..n).map(|r| h[r][i]).collect();
        let (ess, tau, beta) = make_householder(&v);
        for (k, &e) in ess.iter().enumerate() {
            h[i + 2 + k][i] = e;
        }
        h[i + 1][i] = beta;
        hcoeffs[i] = tau;
        house_left(&mut h, i + 1, rem, i + 1, rem, &ess, tau, true);
        house_right(&mut h, 0, n, i + 1, rem, &ess, tau, true);
    }
    // Q from the reflectors (shift 1), applied in reverse order to I
    let mut u = ident();
    for k in (0..n.saturating_sub(1)).rev() {
        let corner = n - k - 1;
        let ess: Vec<f64> = (k + 2..n).map(|r| h[r][k]).collect();
        house_left(
            &mut u,
            n - corner,
            corner,
            n - corner,
            corner,
            &ess,
            hcoeffs[k],
            true,
        );
    }
    // H: zero below the subdiagonal
    for i in 0..n {
        for j in 0..n {
            if i > j + 1 {
                h[i][j] = 0.0;
            }
        }
    }
    let mut t = h;
    let max_iters = 40 * n;
    let mut norm = 0.0;
    for j in 0..n {
        for i in 0..n.min(j + 2) {
            norm += t[i][j].abs();
        }
    }
    let eps = f64::EPSILON;
    let zero = (norm * eps * eps).max(f64::MIN_POSITIVE);
    let mut total_iter = 0usize;
    if norm != 0.0 {
        let mut iu = n as isize - 1;
        let mut iter = 0usize;
        let mut exshift = 0.0;
        while iu >= 0 {
            let iuu = iu as usize;
            // findSmallSubdiagEntry
            let mut il = iuu;
            while il > 0 {
                let s = (t[il - 1][il - 1].abs() + t[il][il].abs()) * eps;
                let s = s.max(zero);
                if t[il][il - 1].abs() <= s {
                    break;
                }
                il -= 1;
            }
            if il == iuu {
                t[iuu][iuu] += exshift;
                if iuu > 0 {
                    t[iuu][iuu - 1] = 0.0;
                }
                iu -= 1;
                iter = 0;
            } else if il + 1 == iuu {
                split_off_two_rows(&mut t, &mut u, iuu, exshift);
                iu -= 2;
                iter = 0;
            } else {
                let mut shift = [
                    t[iuu][iuu],
                    t[iuu - 1][iuu - 1],
                    t[iuu][iuu - 1] * t[iuu - 1][iuu],
                ];
                if iter == 10 {
                    exshift += shift[0];
                    for i in 0..=iuu {
                        t[i][i] -= shift[0];
                    }
                    let s = t[iuu][iuu - 1].abs() + t[iuu - 1][iuu - 2].abs();
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
                            t[i][i] -= s;
                        }
                        shift = [0.964; 3];
                    }
                }
                iter += 1;
                total_iter += 1;
                if total_iter > max_iters {
                    break;
                }
                // initFrancisQRStep
                let mut v = [0.0; 3];
                let mut im = iuu - 2;
                loop {
                    let tmm = t[im][im];
                    let r = shift[0] - tmm;
                    let s = shift[1] - tmm;
                    v[0] = (r * s - shift[2]) / t[im + 1][im] + t[im][im + 1];
                    v[1] = t[im + 1][im + 1] - tmm - r - s;
                    v[2] = t[im + 2][im + 1];
                    if im == il {
                        break;
                    }
                    let lhs = t[im][im - 1] * (v[1].abs() + v[2].abs());
                    let rhs =
                        v[0] * (t[im - 1][im - 1].abs() + tmm.abs() + t[im + 1][im + 1].abs());
                    if lhs.abs() < eps * rhs {
                        break;
                    }
                    im -= 1;
                }
                francis_step(&mut t, &mut u, il, im, iuu, v);
            }
        }
    }
    if total_iter > max_iters {
        return None;
    }
    for row in t.iter_mut() {
        for v in row.iter_mut() {
            *v *= scale;
        }
    }
    Some(Schur { t, u })
}

fn split_off_two_rows(t: &mut Mat, u: &mut Mat, iu: usize, exshift: f64) {
    let n = t.len();
    let p = 0.5 * (t[iu - 1][iu - 1] - t[iu][iu]);
    let q = p * p + t[iu][iu - 1] * t[iu - 1][iu];
    t[iu][iu] += exshift;
    t[iu - 1][iu - 1] += exshift;
    if q >= 0.0 {
        let z = q.abs().sqrt();
        let rot = if p >= 0.0 {
            make_givens(p + z, t[iu][iu - 1])
        } else {
            make_givens(p - z, t[iu][iu - 1])
        };
        // rows iu-1, iu from column iu-1 on: the adjoint rotation
        rows_rotate(
            t,
            iu - 1,
            iu,
            iu - 1,
            Rot {
                c: rot.c,
                s: -rot.s,
            },
        );
        cols_rotate(t, iu - 1, iu, iu + 1, rot);
        t[iu][iu - 1] = 0.0;
        cols_rotate(u, iu - 1, iu, n, rot);
    }
    if iu > 1 {
        t[iu - 1][iu - 2] = 0.0;
    }
}

fn francis_step(t: &mut Mat, u: &mut Mat, il: usize, im: usize, iu: usize, first: [f64; 3]) {
    let size = t.len();
    for k in im..=iu - 2 {
        let first_iter = k == im;
        let v: [f64; 3] = if first_iter {
            first
        } else {
            [t[k][k - 1], t[k + 1][k - 1], t[k + 2][k - 1]]
        };
        let (ess, tau, beta) = make_householder(&v);
        if beta != 0.0 {
            if first_iter && k > il {
                t[k][k - 1] = -t[k][k - 1];
            } else if !first_iter {
                t[k][k - 1] = beta;
            }
            house_left(t, k, 3, k, size - k, &ess, tau, false);
            let nr = iu.min(k + 3) + 1;
            house_right(t, 0, nr, k, 3, &ess, tau, false);
            house_right(u, 0, size, k, 3, &ess, tau, false);
        }
    }
    let v = [t[iu - 1][iu - 2], t[iu][iu - 2]];
    let (ess, tau, beta) = make_householder(&v);
    if beta != 0.0 {
        t[iu - 1][iu - 2] = beta;
        house_left(t, iu - 1, 2, iu - 1, size - iu + 1, &ess, tau, false);
        house_right(t, 0, iu + 1, iu - 1, 2, &ess, tau, false);
        house_right(u, 0, size, iu - 1, 2, &ess, tau, false);
    }
    for i in im + 2..=iu {
        t[i][i - 2] = 0.0;
        if i > im + 2 {
            t[i][i - 3] = 0.0;
        }
    }
}

/// `m.symmeig(out)`: the eigenvalues (real parts) in Eigen's order and the
/// eigenvectors as the columns of the returned matrix (`[row][col]`).
/// `None` when Eigen would not converge.
pub(crate) fn symmeig(a: &Mat) -> Option<(Vec<f64>, Mat)> {
    let n = a.len();
    let Schur { mut t, u } = real_schur(a)?;
    // eigenvalues from the quasi-triangular T
    let mut re = vec![0.0; n];
    let mut im = vec![0.0; n];
    let mut i = 0;
    while i < n {
        if i == n - 1 || t[i + 1][i] == 0.0 {
            re[i] = t[i][i];
            i += 1;
        } else {
            let p = 0.5 * (t[i][i] - t[i + 1][i + 1]);
            let (t0, t1) = (t[i + 1][i], t[i][i + 1]);
            let maxval = p.abs().max(t0.abs().max(t1.abs()));
            let (t0, t1, p0) = (t0 / maxval, t1 / maxval, p / maxval);
            let z = maxval * (p0 * p0 + t0 * t1).abs().sqrt();
            re[i] = t[i + 1][i + 1] + p;
            im[i] = z;
            re[i + 1] = t[i + 1][i + 1] + p;
            im[i + 1] = -z;
            i += 2;
        }
    }
    if re.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // back substitution (real eigenvalues; a complex pair keeps its
    // Schur vectors)
    let eps = f64::EPSILON;
    let mut norm = 0.0;
    for j in 0..n {
        let s = j.saturating_sub(1);
        for k in s..n {
            norm += t[j][k].abs();
        }
    }
    if norm != 0.0 {
        for nn in (0..n).rev() {
            let p = re[nn];
            if im[nn] != 0.0 {
                continue;
            }
            let mut l = nn;
            t[nn][nn] = 1.0;
            for i in (0..nn).rev() {
                let w = t[i][i] - p;
                let mut r = 0.0;
                for k in l..=nn {
                    if k == l {
                        r = t[i][k] * t[k][nn];
                    } else {
                        r += t[i][k] * t[k][nn];
                    }
                }
                if im[i] < 0.0 {
                    continue;
                }
                l = i;
                if im[i] == 0.0 {
                    t[i][nn] = if w != 0.0 { -r / w } else { -r / (eps * norm) };
                }
                let tt = t[i][nn].abs();
                if (eps * tt) * tt > 1.0 {
                    for k in i..n {
                        t[k][nn] /= tt;
                    }
                }
            }
        }
    }
    // back transformation
    let mut v = u.clone();
    for j in (0..n).rev() {
        let col: Vec<f64> = (0..n)
            .map(|r| {
                let mut s = 0.0;
                for k in 0..=j {
                    if k == 0 {
                        s = u[r][k] * t[k][j];
                    } else {
                        s += u[r][k] * t[k][j];
                    }
                }
                // a matrix-vector product into a zeroed vector
                0.0 + s
            })
            .collect();
        for r in 0..n {
            v[r][j] = col[r];
        }
    }
    // unit columns
    for j in 0..n {
        let mut s = 0.0;
        for row in v.iter() {
            s += row[j] * row[j];
        }
        let norm = s.sqrt();
        if norm > 0.0 {
            for row in v.iter_mut() {
                row[j] /= norm;
            }
        }
    }
    Some((re, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_pairs() {
        let a = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.25],
            vec![0.5, 0.25, 1.0],
        ];
        let (vals, vecs) = symmeig(&a).unwrap();
        for (c, &l) in vals.iter().enumerate() {
            for r in 0..3 {
                let av: f64 = (0..3).map(|k| a[r][k] * vecs[k][c]).sum();
                assert!((av - l * vecs[r][c]).abs() < 1e-12);
            }
        }
    }
}
