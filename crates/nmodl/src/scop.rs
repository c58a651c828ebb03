//! The random numbers of NMODL's built-in (SCoP) functions: `scop_random`,
//! `exprand`, `normrand`, `poisrand` and `set_seed`. As in NEURON there is
//! one generator for the whole program, shared by every mechanism: a 32-bit
//! linear congruential generator starting from seed 1, or, after HOC's
//! `use_mcell_ran4(1)`, the MCellRan4 hash of a counter.

use std::cell::Cell;

thread_local! {
    /// The generator's state (the LCG's value, or MCellRan4's counter).
    static VALUE: Cell<u32> = const { Cell::new(1) };
    static MCELL_RAN4: Cell<bool> = const { Cell::new(false) };
    /// MCellRan4's low index (HOC's `mcell_ran4_init`).
    static MCELL_LOW: Cell<u32> = const { Cell::new(0) };
}

/// HOC's `mcell_ran4_init(low)`: MCellRan4's low index for `scop_random`.
pub fn set_mcell_ran4_low(low: u32) {
    MCELL_LOW.with(|l| l.set(low));
}

/// `set_seed(seed)`: the generator starts again from `seed` (converted to
/// an unsigned 32-bit integer as C does on x86-64).
pub fn set_seed(seed: f64) {
    VALUE.with(|v| v.set(seed as i64 as u32));
}

/// HOC's `use_mcell_ran4(on)`: whether `scop_random` uses MCellRan4;
/// returns the previous setting.
pub fn set_use_mcell_ran4(on: bool) -> bool {
    MCELL_RAN4.with(|m| m.replace(on))
}

/// Whether `scop_random` uses MCellRan4.
pub fn use_mcell_ran4() -> bool {
    MCELL_RAN4.with(Cell::get)
}

/// MCellRan4's 32-bit hash of (counter, low index); advances the counter.
fn ran4(high: &mut u32, low: u32) -> u32 {
    let mut n = *high;
    *high = high.wrapping_add(1);
    let mut m = low;
    let mix = |x: u32, c: u32| -> u32 {
        let v = x >> 16;
        let w = x & 0xffff;
        let u = !(v.wrapping_sub(w).wrapping_mul(v.wrapping_add(w)));
        (u.rotate_left(16) ^ c).wrapping_add(w.wrapping_mul(v))
    };
    m ^= mix(n ^ 0xbaa9_6887, 0x4b0f_3b58);
    n ^= mix(m ^ 0x1e17_d32c, 0xe874_f0c3);
    n
}

/// `scop_random()`: uniform on [0, 1].
pub fn scop_random() -> f64 {
    VALUE.with(|v| {
        let mut x = v.get();
        let r = if use_mcell_ran4() {
            ran4(&mut x, MCELL_LOW.with(Cell::get)) as f64 / 4294967296.0
        } else {
            x = x.wrapping_mul(2147437301).wrapping_add(453816981);
            (x as f64 / u32::MAX as f64).abs()
        };
        v.set(x);
        r
    })
}

/// `exprand(mean)`: exponentially distributed.
pub fn exprand(mean: f64) -> f64 {
    -mean * scop_random().ln()
}

/// `normrand(mean, std_dev)`: normally distributed (the polar method,
/// keeping the first of each pair).
pub fn normrand(mean: f64, std_dev: f64) -> f64 {
    let (mut v1, mut s) = (0.0, 1.0);
    while s >= 1.0 {
        v1 = 2.0 * scop_random() - 1.0;
        let v2 = 2.0 * scop_random() - 1.0;
        s = v1 * v1 + v2 * v2;
    }
    let v2 = v1 * (-2.0 * s.ln() / s).sqrt();
    v2 * std_dev + mean
}

/// `poisrand(mean)`: Poisson distributed, by multiplying uniforms until the
/// product falls below exp(-mean).
pub fn poisrand(mean: f64) -> f64 {
    let s = (-mean).exp();
    let (mut n, mut q) = (0i64, 1.0);
    // (q reaching 0 ends it where exp(-mean) is 0 too, which would never end)
    while q >= s && q > 0.0 {
        q *= scop_random();
        n += 1;
    }
    (n - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcg_from_seed_one() {
        set_seed(1.0);
        // value = 2147437301·1 + 453816981 = 2601254282.
        assert_eq!(scop_random(), 2601254282.0 / 4294967295.0);
        set_seed(1.0);
        let a = scop_random();
        set_seed(1.0);
        assert_eq!(a, scop_random());
    }
}
