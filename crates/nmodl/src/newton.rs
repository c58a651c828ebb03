//! Implicit solves (`METHOD derivimplicit`, KINETIC schemes): backward Euler
//! for the states, found by Newton's method lane by lane with the settings
//! of NEURON's scopmath newton: Jacobian by central differences with step
//! max(|0.02 x|, 1e-6), rebuilt while the relative change exceeds 0.05,
//! converged when the relative change is <= 1e-6 and every residual <= 1e-8,
//! at most 50 iterations.

use crate::ir::{Ctx, Effects, Mem, Op, Reg, LANES};

/// One implicit system: the ops that compute its residuals from its states.
#[derive(Clone, Debug, PartialEq)]
pub struct NewtonSpec {
    /// Computes `resid[k]` = f_k(states) - (x_k - x_k,old)/dt from the registers.
    pub ops: Vec<Op>,
    pub states: Vec<Reg>,
    pub resid: Vec<Reg>,
    /// The ops as native code.
    pub jit: crate::jit::Slot,
}

const MAXCHANGE: f64 = 0.05;
const CONVERGE: f64 = 1e-6;
const ZERO: f64 = 1e-8;
const STEP: f64 = 1e-6;
const MAXITERS: usize = 50;

struct Quiet;
impl Effects for Quiet {
    fn net_send(&mut self, _: usize, _: f64, _: f64) {}
    fn net_event(&mut self, _: usize, _: f64) {}
}

fn lane(r: &[f64], k: Reg, l: usize) -> f64 {
    r[k as usize * LANES + l]
}

fn set(r: &mut [f64], k: Reg, l: usize, x: f64) {
    r[k as usize * LANES + l] = x;
}

/// Gaussian elimination as scopmath's simeq does it, operation for
/// operation (row pivoting through a permutation, the pivot row divided
/// first, the same `isave` bookkeeping), so LINEAR blocks give NEURON's
/// numbers. `a` is n × (n+1), row-major, right-hand side last. False if a
/// pivot is below 1e-20.
pub fn simeq(n: usize, a: &mut [f64], x: &mut [f64]) -> bool {
    let w = n + 1;
    let mut perm: Vec<usize> = (0..n).collect();
    let mut isave = 0;
    for j in 0..n {
        let mut ipivot = perm[j];
        for i in j + 1..n {
            let jrow = perm[i];
            if a[ipivot * w + j].abs() < a[jrow * w + j].abs() {
                ipivot = jrow;
                isave = i;
            }
        }
        if a[ipivot * w + j].abs() < 1e-20 {
            return false;
        }
        if ipivot != perm[j] {
            perm[isave] = perm[j];
            perm[j] = ipivot;
        }
        for kcol in j + 1..=n {
            a[ipivot * w + kcol] /= a[ipivot * w + j];
        }
        for i in j + 1..n {
            let jrow = perm[i];
            for kcol in j + 1..=n {
                a[jrow * w + kcol] -= a[ipivot * w + kcol] * a[jrow * w + j];
            }
        }
    }
    for i in (0..n).rev() {
        let jrow = perm[i];
        x[i] = a[jrow * w + n];
        for j in i + 1..n {
            x[i] -= a[jrow * w + j] * x[j];
        }
    }
    true
}

/// LU factorisation with partial pivoting of the m×m matrix `a` (row-major);
/// false if singular.
fn factor(a: &mut [f64], perm: &mut [usize], m: usize) -> bool {
    for (i, p) in perm.iter_mut().enumerate() {
        *p = i;
    }
    for k in 0..m {
        let piv = (k..m).max_by(|&i, &j| a[i * m + k].abs().total_cmp(&a[j * m + k].abs())).unwrap();
        if a[piv * m + k] == 0.0 {
            return false;
        }
        if piv != k {
            for j in 0..m {
                a.swap(k * m + j, piv * m + j);
            }
            perm.swap(k, piv);
        }
        for i in k + 1..m {
            let f = a[i * m + k] / a[k * m + k];
            a[i * m + k] = f;
            for j in k + 1..m {
                a[i * m + j] -= f * a[k * m + j];
            }
        }
    }
    true
}

fn solve(a: &[f64], perm: &[usize], b: &[f64], x: &mut [f64], m: usize) {
    for i in 0..m {
        let mut s = b[perm[i]];
        for j in 0..i {
            s -= a[i * m + j] * x[j];
        }
        x[i] = s;
    }
    for i in (0..m).rev() {
        let mut s = x[i];
        for j in i + 1..m {
            s -= a[i * m + j] * x[j];
        }
        x[i] = s / a[i * m + i];
    }
}

/// The working arrays of one solve, kept between solves so that the time
/// loop allocates nothing once they have grown to the largest system.
#[derive(Default)]
struct Scratch {
    jac: Vec<f64>,
    perm: Vec<usize>,
    value: Vec<f64>,
    hi: Vec<f64>,
    lo: Vec<f64>,
    delta: Vec<f64>,
}

impl Scratch {
    fn size(&mut self, m: usize) {
        let grow = |v: &mut Vec<f64>, k: usize| {
            if v.len() < k {
                v.resize(k, 0.0);
            }
        };
        grow(&mut self.jac, m * m * LANES);
        grow(&mut self.value, m * LANES);
        grow(&mut self.hi, m * LANES);
        grow(&mut self.lo, m * LANES);
        grow(&mut self.delta, m);
        if self.perm.len() < m * LANES {
            self.perm.resize(m * LANES, 0);
        }
    }
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

/// Solves the system in the first `n` lanes of `r`. Returns false if some
/// lane's Jacobian was singular or it did not converge.
pub fn newton(spec: &NewtonSpec, r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem) -> bool {
    let mut s = SCRATCH.take();
    let ok = solve_lanes(spec, r, n.min(LANES), cx, mem, &mut s);
    SCRATCH.set(s);
    ok
}

fn solve_lanes(spec: &NewtonSpec, r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem, s: &mut Scratch) -> bool {
    let m = spec.states.len();
    let mut eval = |r: &mut [f64]| crate::jit::exec(&spec.ops, &spec.jit, r, n, cx, mem, &mut Quiet);
    s.size(m);
    let Scratch { jac, perm, value, hi, lo, delta } = s;
    let mut change = [1.0f64; LANES];
    let mut active = [false; LANES];
    active[..n].iter_mut().for_each(|a| *a = true);
    let mut ok = true;
    for count in 1..=MAXITERS {
        let mut rebuild = [false; LANES];
        for l in 0..n {
            rebuild[l] = active[l] && change[l] > MAXCHANGE;
        }
        if rebuild.iter().any(|&b| b) {
            for j in 0..m {
                let xj = spec.states[j];
                let mut inc = [0.0; LANES];
                let mut saved = [0.0; LANES];
                for l in 0..n {
                    saved[l] = lane(r, xj, l);
                    inc[l] = (0.02 * saved[l]).abs().max(STEP);
                    if rebuild[l] {
                        set(r, xj, l, saved[l] + inc[l]);
                    }
                }
                eval(r);
                for i in 0..m {
                    for l in 0..n {
                        hi[i * LANES + l] = lane(r, spec.resid[i], l);
                    }
                }
                for l in 0..n {
                    if rebuild[l] {
                        let x = lane(r, xj, l) - 2.0 * inc[l];
                        set(r, xj, l, x);
                    }
                }
                eval(r);
                for i in 0..m {
                    for l in 0..n {
                        lo[i * LANES + l] = lane(r, spec.resid[i], l);
                        if rebuild[l] {
                            jac[(l * m + i) * m + j] = (hi[i * LANES + l] - lo[i * LANES + l]) / (2.0 * inc[l]);
                        }
                    }
                }
                for l in 0..n {
                    let x = if rebuild[l] { lane(r, xj, l) + inc[l] } else { saved[l] };
                    set(r, xj, l, x);
                }
            }
            eval(r);
            for l in 0..n {
                if rebuild[l] {
                    for i in 0..m {
                        value[l * m + i] = -lane(r, spec.resid[i], l);
                    }
                    if !factor(&mut jac[l * m * m..(l + 1) * m * m], &mut perm[l * m..(l + 1) * m], m) {
                        active[l] = false;
                        ok = false;
                    }
                }
            }
        }
        for l in 0..n {
            if !active[l] {
                continue;
            }
            solve(&jac[l * m * m..(l + 1) * m * m], &perm[l * m..(l + 1) * m], &value[l * m..(l + 1) * m], &mut delta[..m], m);
            change[l] = 0.0;
            for (i, &xi) in spec.states.iter().enumerate() {
                let x = lane(r, xi, l);
                if x.abs() > ZERO {
                    let t = (delta[i] / x).abs();
                    if t > change[l] {
                        change[l] = t;
                    }
                }
                set(r, xi, l, x + delta[i]);
            }
        }
        eval(r);
        for l in 0..n {
            if !active[l] {
                continue;
            }
            let mut max_dev = 0.0f64;
            for i in 0..m {
                let v = -lane(r, spec.resid[i], l);
                value[l * m + i] = v;
                max_dev = max_dev.max(v.abs());
            }
            if change[l] <= CONVERGE && max_dev <= ZERO {
                active[l] = false;
            } else if count == MAXITERS {
                active[l] = false;
                ok = false;
            }
        }
        if !active.iter().any(|&a| a) {
            break;
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lu_solves_a_pivoting_system() {
        let mut a = vec![0.0, 2.0, 1.0, 1.0];
        let mut p = vec![0; 2];
        assert!(factor(&mut a, &mut p, 2));
        let mut x = vec![0.0; 2];
        solve(&a, &p, &[4.0, 3.0], &mut x, 2);
        assert_eq!(x, vec![1.0, 2.0]);
        let mut s = vec![1.0, 2.0, 2.0, 4.0];
        assert!(!factor(&mut s, &mut p, 2));
    }
}
