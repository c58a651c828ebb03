//! Legendre series used by the spherical head models.

/// `Σ_k c[k] P_k(x)` by Clenshaw's backward recurrence, using
/// `P_{k+1} = ((2k+1) x P_k − k P_{k−1}) / (k+1)`.
pub(crate) fn legendre_series(c: &[f64], x: f64) -> f64 {
    // b_k = c_k + α_k b_{k+1} + β_{k+1} b_{k+2},
    // α_k = (2k+1) x / (k+1), β_k = −k / (k+1); the sum is b_0.
    let mut b1 = 0.0; // b_{k+1}
    let mut b2 = 0.0; // b_{k+2}
    for k in (0..c.len()).rev() {
        let kf = k as f64;
        let alpha = (2.0 * kf + 1.0) * x / (kf + 1.0);
        let beta_next = -(kf + 1.0) / (kf + 2.0);
        let b0 = c[k] + alpha * b1 + beta_next * b2;
        b2 = b1;
        b1 = b0;
    }
    b1
}

/// The associated Legendre functions of order 1, `P_n^1(x)` for
/// `n = 1..=n_max`, with the Condon–Shortley phase (as `scipy.special.lpmv`):
/// `P_1^1 = −√(1−x²)`, `n P_{n+1}^1 = (2n+1) x P_n^1 − (n+1) P_{n−1}^1`.
pub(crate) fn assoc_legendre_order1(n_max: usize, x: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(n_max);
    if n_max == 0 {
        return out;
    }
    let mut prev = 0.0; // P_0^1
    let mut cur = -(1.0 - x * x).sqrt(); // P_1^1
    out.push(cur);
    for n in 1..n_max {
        let nf = n as f64;
        let next = ((2.0 * nf + 1.0) * x * cur - (nf + 1.0) * prev) / nf;
        prev = cur;
        cur = next;
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: usize, x: f64) -> f64 {
        let mut c = vec![0.0; n + 1];
        c[n] = 1.0;
        legendre_series(&c, x)
    }

    #[test]
    fn low_order_legendre_polynomials() {
        for &x in &[-0.9, -0.3, 0.0, 0.4, 1.0] {
            assert!((p(0, x) - 1.0).abs() < 1e-15);
            assert!((p(1, x) - x).abs() < 1e-15);
            assert!((p(2, x) - 0.5 * (3.0 * x * x - 1.0)).abs() < 1e-15);
            assert!((p(3, x) - 0.5 * (5.0 * x * x * x - 3.0 * x)).abs() < 1e-15);
        }
    }

    #[test]
    fn associated_legendre_order_one() {
        let x: f64 = 0.5;
        let s = (1.0 - x * x).sqrt();
        let v = assoc_legendre_order1(3, x);
        assert!((v[0] + s).abs() < 1e-15);
        assert!((v[1] + 3.0 * x * s).abs() < 1e-15);
        // scipy.special.lpmv(1, 3, 0.5)
        assert!((v[2] - -0.3247595264191645).abs() < 1e-15);
    }
}
