//! Numbers as NEURON's HOC handles them: C `sscanf` conversions, `%g`
//! printing read back, and HOC's fuzzy comparisons (`float_epsilon`).

/// HOC's default `float_epsilon`.
pub(crate) const EPS: f64 = 1e-11;

/// HOC `a == b`.
pub(crate) fn heq(a: f64, b: f64) -> bool {
    a <= b + EPS && a >= b - EPS
}
/// HOC `a < b`.
pub(crate) fn hlt(a: f64, b: f64) -> bool {
    a < b - EPS
}
/// HOC `a > b`.
pub(crate) fn hgt(a: f64, b: f64) -> bool {
    a > b + EPS
}
/// HOC `a <= b`.
pub(crate) fn hle(a: f64, b: f64) -> bool {
    a <= b + EPS
}
/// `MyMath::eq` (Vector.eq, Vector.indvwhere "==" / "!=").
pub(crate) fn veq(a: f64, b: f64) -> bool {
    a - b < EPS && b - a < EPS
}

/// C `isspace` in the "C" locale.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

pub(crate) fn skip_space(s: &[u8], mut p: usize) -> usize {
    while p < s.len() && is_space(s[p]) {
        p += 1;
    }
    p
}

/// Width of a conversion: `%f` stores a C float, `%lf` a double.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Width {
    F32,
    F64,
}

/// One glibc `sscanf` `%f`/`%lf` conversion starting at `p` (leading white
/// space skipped): the value stored (widened to double) and where the
/// conversion stopped, or `None` for a matching failure.
///
/// glibc is lenient with a dangling exponent ("1e", "1e+" read as 1, the
/// letters consumed) and strict with "0x" without digits and with an
/// incomplete "infinity".
pub(crate) fn scan_float(s: &[u8], p: usize, w: Width) -> Option<(f64, usize)> {
    let mut p = skip_space(s, p);
    let at = |i: usize| -> u8 { s.get(i).copied().unwrap_or(0) };
    let mut neg = false;
    if at(p) == b'+' || at(p) == b'-' {
        neg = at(p) == b'-';
        p += 1;
    }
    let lower = |i: usize| at(i).to_ascii_lowercase();
    // nan, inf, infinity
    if lower(p) == b'n' {
        if lower(p + 1) == b'a' && lower(p + 2) == b'n' {
            let v = if neg { -f64::NAN } else { f64::NAN };
            return Some((v, p + 3));
        }
        return None;
    }
    if lower(p) == b'i' {
        if lower(p + 1) == b'n' && lower(p + 2) == b'f' {
            let mut e = p + 3;
            if lower(e) == b'i' {
                let rest = b"inity";
                for (k, &c) in rest.iter().enumerate() {
                    if lower(e + k) != c {
                        return None;
                    }
                }
                e += rest.len();
            }
            let v = if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            return Some((v, e));
        }
        return None;
    }
    // hexadecimal
    if at(p) == b'0' && lower(p + 1) == b'x' {
        return scan_hex(s, p + 2, neg, w);
    }
    // decimal
    let start = p;
    let mut digits = 0usize;
    while at(p).is_ascii_digit() {
        p += 1;
        digits += 1;
    }
    if at(p) == b'.' {
        p += 1;
        while at(p).is_ascii_digit() {
            p += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    let mant_end = p;
    let mut exp_end = None;
    if lower(p) == b'e' {
        let mut q = p + 1;
        if at(q) == b'+' || at(q) == b'-' {
            q += 1;
        }
        let dstart = q;
        while at(q).is_ascii_digit() {
            q += 1;
        }
        if q > dstart {
            exp_end = Some(q);
        }
        // glibc consumes a dangling 'e' (and its sign) and ignores it
        p = q;
    }
    let text_end = exp_end.unwrap_or(mant_end);
    let text = std::str::from_utf8(&s[start..text_end]).ok()?;
    let v = match w {
        Width::F32 => text.parse::<f32>().ok()? as f64,
        Width::F64 => text.parse::<f64>().ok()?,
    };
    Some((if neg { -v } else { v }, p))
}

fn scan_hex(s: &[u8], mut p: usize, neg: bool, w: Width) -> Option<(f64, usize)> {
    let at = |i: usize| -> u8 { s.get(i).copied().unwrap_or(0) };
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut digits = 0;
    let mut sticky = false;
    let mut push = |d: u64, frac: bool, mant: &mut u64, exp: &mut i64| {
        if *mant >> 56 == 0 {
            *mant = (*mant << 4) | d;
            if frac {
                *exp -= 4;
            }
        } else {
            if d != 0 {
                sticky = true;
            }
            if !frac {
                *exp += 4;
            }
        }
    };
    while at(p).is_ascii_hexdigit() {
        push(
            (at(p) as char).to_digit(16)? as u64,
            false,
            &mut mant,
            &mut exp,
        );
        p += 1;
        digits += 1;
    }
    if at(p) == b'.' {
        p += 1;
        while at(p).is_ascii_hexdigit() {
            push(
                (at(p) as char).to_digit(16)? as u64,
                true,
                &mut mant,
                &mut exp,
            );
            p += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if at(p) == b'p' || at(p) == b'P' {
        let mut q = p + 1;
        let mut eneg = false;
        if at(q) == b'+' || at(q) == b'-' {
            eneg = at(q) == b'-';
            q += 1;
        }
        let mut e: i64 = 0;
        let dstart = q;
        while at(q).is_ascii_digit() {
            e = (e * 10 + (at(q) - b'0') as i64).min(1 << 40);
            q += 1;
        }
        if q > dstart {
            exp += if eneg { -e } else { e };
        }
        p = q;
    }
    if sticky {
        mant |= 1;
    }
    let v = (mant as f64) * 2f64.powi(exp.clamp(-2000, 2000) as i32);
    let v = match w {
        Width::F32 => v as f32 as f64,
        Width::F64 => v,
    };
    Some((if neg { -v } else { v }, p))
}

/// `printf("%.<prec>g", v)` read back as a double: `v` rounded to `prec`
/// significant decimal digits.
pub(crate) fn round_g(v: f64, prec: usize) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    use std::io::Write;
    let mut buf = [0u8; 48];
    let mut cur = std::io::Cursor::new(&mut buf[..]);
    if write!(cur, "{:.*e}", prec - 1, v).is_err() {
        return v;
    }
    let n = cur.position() as usize;
    std::str::from_utf8(&buf[..n])
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or(v)
}

/// What `pt3dadd(%.8g, ...)` stores for `v`: the value printed with
/// `%.8g`, parsed by HOC as a double, kept as a float.
pub(crate) fn g8(v: f64) -> f32 {
    round8_exact(v).unwrap_or_else(|| round_g(v, 8)) as f32
}

const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// `v` rounded to 8 significant digits (ties to even on the exact binary
/// value, as glibc's printf), in integer arithmetic; `None` outside the
/// range it handles (then the caller formats and parses).
fn round8_exact(v: f64) -> Option<f64> {
    if v == 0.0 || !v.is_finite() {
        return Some(v);
    }
    let a = v.abs();
    let bits = a.to_bits();
    let be = ((bits >> 52) & 0x7ff) as i32;
    if be == 0 {
        return None; // subnormal
    }
    let m = ((bits & ((1u64 << 52) - 1)) | (1u64 << 52)) as u128;
    let k = be - 1075; // a = m * 2^k
                       // a * 10^p = num / den exactly
    let frac = |p: i32| -> Option<(u128, u128)> {
        if p >= 0 {
            let q = *POW10.get(p as usize)? as u128;
            let n = m.checked_mul(q)?;
            if k >= 0 {
                if k > 20 {
                    return None;
                }
                Some((n << k, 1))
            } else {
                if -k > 120 {
                    return None;
                }
                Some((n, 1u128 << (-k)))
            }
        } else {
            let q = *POW10.get((-p) as usize)? as u128;
            if k >= 0 {
                if k > 60 {
                    return None;
                }
                Some((m << k, q))
            } else {
                if -k > 60 {
                    return None;
                }
                Some((m, q << (-k)))
            }
        }
    };
    let mut p = 7 - a.log10().floor() as i32;
    let (mut num, mut den) = frac(p)?;
    for _ in 0..3 {
        if num < den.checked_mul(10_000_000)? {
            p += 1;
        } else if num >= den.checked_mul(100_000_000)? {
            p -= 1;
        } else {
            break;
        }
        (num, den) = frac(p)?;
    }
    if num < den.checked_mul(10_000_000)? || num >= den.checked_mul(100_000_000)? {
        return None;
    }
    let (mut n, rem) = if den.is_power_of_two() {
        let s = den.trailing_zeros();
        (num >> s, num & (den - 1))
    } else {
        (num / den, num % den)
    };
    let twice = rem << 1;
    if twice > den || (twice == den && n & 1 == 1) {
        n += 1;
    }
    let n = n as f64; // below 2^27: exact
    let r = if p >= 0 {
        if p > 22 {
            return None;
        }
        n / POW10[p as usize] as f64
    } else {
        if -p > 22 {
            return None;
        }
        n * POW10[(-p) as usize] as f64
    };
    Some(if v < 0.0 { -r } else { r })
}

/// A connection position as `connect ... %g` passes it.
pub(crate) fn g6(v: f64) -> f64 {
    round_g(v, 6)
}

/// C `printf("%.<prec>g", v)` (glibc): shortest of `%e` and `%f` forms,
/// trailing zeros removed.
pub(crate) fn fmt_g(v: f64, prec: usize) -> String {
    let prec = prec.max(1);
    if v.is_nan() {
        return if v.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf" } else { "inf" }.into();
    }
    // the exponent X after rounding to `prec` significant digits
    let e = format!("{:.*e}", prec - 1, v);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let x: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if x < -4 || x >= prec as i32 {
        let m = trim(mant);
        let sign = if x < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", x.abs())
    } else {
        let decimals = (prec as i32 - 1 - x).max(0) as usize;
        trim(&format!("{:.*}", decimals, v))
    }
}

/// `%-<width>.<prec>g`.
pub(crate) fn fmt_g_left(v: f64, width: usize, prec: usize) -> String {
    format!("{:<width$}", fmt_g(v, prec), width = width)
}

/// HOC `printf("%d", x)`: the double converted to a C `int` (x86: out of
/// range and NaN give INT_MIN).
pub(crate) fn fmt_d(v: f64) -> String {
    let t = v.trunc();
    let i = if t.is_nan() || t < i32::MIN as f64 || t > i32::MAX as f64 {
        i32::MIN
    } else {
        t as i32
    };
    i.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Option<(f64, usize)> {
        scan_float(s.as_bytes(), 0, Width::F32)
    }

    #[test]
    fn scanf_like_glibc() {
        assert_eq!(f("1e 5"), Some((1.0, 2)));
        assert_eq!(f("1e+ 5"), Some((1.0, 3)));
        assert_eq!(f("1.5.3"), Some((1.5, 3)));
        assert_eq!(f("- 5"), None);
        assert_eq!(f("+.5"), Some((0.5, 3)));
        assert_eq!(f(". 5"), None);
        assert_eq!(f("0x 5"), None);
        assert_eq!(f("0x1p 5"), Some((1.0, 4)));
        assert_eq!(f("infinit 5"), None);
        assert_eq!(f("infinity"), Some((f64::INFINITY, 8)));
        assert!(f("nanx").unwrap().0.is_nan());
        assert_eq!(f("1e5x"), Some((100000.0, 3)));
        assert_eq!(f("  \t5\r\n"), Some((5.0, 4)));
        assert_eq!(f("0.1").unwrap().0, 0.1f32 as f64);
        assert_eq!(f("1e40").unwrap().0, f64::INFINITY);
        assert_eq!(f("1e-50").unwrap().0, 0.0);
        assert_eq!(f("-0").unwrap().0.to_bits(), (-0.0f64).to_bits());
        assert_eq!(scan_float(b"0x10", 0, Width::F64), Some((16.0, 4)));
    }

    #[test]
    fn g_rounding_is_half_even_on_exact_values() {
        // exact binary ties round to even, as glibc printf does
        assert_eq!(round_g(12345678.5, 8), 12345678.0);
        assert_eq!(round_g(12345679.5, 8), 12345680.0);
        assert_eq!(round_g(0.125, 2), 0.12);
        assert_eq!(round_g(0.375, 2), 0.38);
        assert_eq!(round_g(1.0 / 3.0, 6), 0.333333);
        assert_eq!(g8(0.1f32 as f64), 0.1f32);
        assert_eq!(round_g(-0.0, 8).to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn exact_rounding_agrees_with_printf() {
        let mut state: u64 = 88172645463325252;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut vals = vec![
            12345678.5,
            12345679.5,
            99999999.5,
            9.99999995,
            0.1,
            1e-5,
            123456789.0,
            1e22,
            3e-300,
            f32::MAX as f64,
            16777217.0,
            0.5,
            1.0,
            2.5e-8,
            99999995.0,
            999999.995,
        ];
        for _ in 0..200_000 {
            let r = next();
            let v = match r % 4 {
                0 => f64::from_bits(next()),
                1 => f32::from_bits(next() as u32) as f64,
                2 => (next() % 2_000_000_000) as f64 / 1000.0 - 1e6,
                _ => ((next() % 100_000_000) as f64 + 0.5) * 10f64.powi((next() % 20) as i32 - 10),
            };
            vals.push(v);
        }
        for v in vals {
            if !v.is_finite() {
                continue;
            }
            let slow = round_g(v, 8);
            if let Some(fast) = round8_exact(v) {
                assert_eq!(
                    fast.to_bits(),
                    slow.to_bits(),
                    "{v:e}: {fast:e} vs {slow:e}"
                );
            }
        }
    }

    #[test]
    fn printf_formats() {
        assert_eq!(fmt_g(198.953114, 6), "198.953");
        assert_eq!(fmt_g(0.0, 6), "0");
        assert_eq!(fmt_g(-0.0, 6), "-0");
        assert_eq!(fmt_g(1e-5, 6), "1e-05");
        assert_eq!(fmt_g(0.0001, 6), "0.0001");
        assert_eq!(fmt_g(123456.0, 6), "123456");
        assert_eq!(fmt_g(1234567.0, 6), "1.23457e+06");
        assert_eq!(fmt_g(999999.5, 6), "1e+06");
        assert_eq!(fmt_g(-0.0943, 3), "-0.0943");
        assert_eq!(fmt_g(0.974, 3), "0.974");
        assert_eq!(fmt_g(1e100, 6), "1e+100");
        assert_eq!(fmt_g_left(0.608, 8, 3), "0.608   ");
        assert_eq!(fmt_d(5.9), "5");
        assert_eq!(fmt_d(-5.9), "-5");
        assert_eq!(fmt_d(1e10), "-2147483648");
    }

    #[test]
    fn hoc_comparisons() {
        assert!(heq(1.0, 1.0 + 1e-12));
        assert!(!hlt(1.0, 1.0 + 1e-12));
        assert!(hlt(1.0, 1.1));
        assert!(hgt(1.1, 1.0));
        assert!(hle(1.0 + 1e-12, 1.0));
        assert!(veq(2.0, 2.0));
    }
}
