//! How many items an axis puts in a graph's scene: its line, a tic and a
//! number at each tic, the minor tics between them, and the axis itself —
//! with NEURON's choice of 3, 4 or 5 intervals when the script gives none.
//! Axes are never lines, but they move the indices of what follows.

/// The axis of `xaxis(1)`: the scene's extent rounded outward.
pub fn whole(x1: f32, x2: f32) -> usize {
    count(round_range(x1, x2), 0, 0, true)
}

/// The axis of `xaxis(x1, x2 [, pos])`: the range rounded inward.
pub fn within(x1: f32, x2: f32) -> usize {
    count(round_range_down(x1, x2), 0, 0, true)
}

/// An axis with its tics given.
pub fn given(ntic: i32, nminor: i32, invert: i32, number: bool) -> usize {
    count(ntic, nminor, invert, number)
}

fn count(ntic: i32, nminor: i32, invert: i32, number: bool) -> usize {
    let ntic = ntic.max(0) as usize;
    let tic = (invert >= 0) as usize;
    let per_tic = tic + number as usize;
    let minor = if invert >= 0 { nminor.max(0) as usize } else { 0 };
    1 + (ntic + 1) * per_tic + ntic * minor + 1
}

fn anint(x: f64) -> f64 {
    if x < 0.0 {
        (x - 0.5).ceil()
    } else {
        (x + 0.5).floor()
    }
}

/// The first of 3, 4, 5 dividing `i`, widening by `step` (and moving the
/// range's ends by `lower` and `raise` units) until one does.
fn divisions(mut i: i64, step: i64, range: &mut (f64, f64), unit: f64, lower: f64, raise: f64) -> i32 {
    for _ in 0..1000 {
        for n in [3, 4, 5] {
            if i % n == 0 {
                return n as i32;
            }
        }
        range.0 -= lower * unit;
        range.1 += raise * unit;
        i += step;
    }
    4
}

/// C's conversion of a double to int (out of range: INT_MIN).
fn c_int(x: f64) -> i64 {
    if x.is_finite() && x.abs() < 2147483648.0 {
        x as i32 as i64
    } else {
        i32::MIN as i64
    }
}

fn round_range(x1: f32, x2: f32) -> i32 {
    let d = x2 as f64 - x1 as f64;
    let d = 10f64.powf(d.log10().floor()) / 10.0;
    let mut y = (d * anint(x1 as f64 / d), d * anint(x2 as f64 / d));
    divisions(c_int((y.1 - y.0) / d + 0.5), 2, &mut y, d, 1.0, 1.0)
}

fn round_range_down(x1: f32, x2: f32) -> i32 {
    rounded_within(x1, x2).2
}

/// The range x1..x2 rounded inward to round numbers, and the number of
/// intervals an axis over it has (NEURON's round_range_down, which "Round
/// View" also uses).
pub fn rounded_within(x1: f32, x2: f32) -> (f64, f64, i32) {
    let d = x2 as f64 - x1 as f64;
    let e = 10f64.powf(d.log10().floor()) / 10.0;
    let i = c_int(d / e + 0.5);
    let mut y = if i > 20 {
        (5.0 * e * (x1 as f64 / e / 5.0 - 0.01).ceil(), 5.0 * e * (x2 as f64 / e / 5.0 + 0.01).floor())
    } else {
        (e * (x1 as f64 / e - 0.01).ceil(), e * (x2 as f64 / e + 0.01).floor())
    };
    let n = divisions(c_int((y.1 - y.0) / e + 0.5), 1, &mut y, e, 1.0, 0.0);
    (y.0, y.1, n)
}
