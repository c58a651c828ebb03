//! C `printf` formatting (`%g`, `%f`, `%e`, `%d`, `%s` with flags, width and
//! precision), as NEURON's HOC `printf`, `sprint`, `print` and NMODL `printf` produce it.

/// Digits after which every decimal expansion of a double is zeros: at most
/// 767 significant digits, at most 1074 after the point. Beyond these the
/// zeros are appended, so a precision of any size formats (Rust's own
/// formatter stops at 65535).
const MAX_SIGNIFICANT: usize = 800;
const MAX_FRACTION: usize = 1100;

/// `%.{prec}e` in C's form (`1.5e+03`).
pub fn fmt_e(x: f64, prec: usize, upper: bool) -> String {
    if !x.is_finite() {
        return nonfinite(x, upper);
    }
    let s = format!("{:.*e}", prec.min(MAX_SIGNIFICANT), x);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let zeros = "0".repeat(prec.saturating_sub(MAX_SIGNIFICANT));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    let e = if upper { 'E' } else { 'e' };
    format!("{mant}{zeros}{e}{sign}{:02}", exp.abs())
}

/// `%.{prec}f`.
pub fn fmt_f(x: f64, prec: usize) -> String {
    if !x.is_finite() {
        return nonfinite(x, false);
    }
    let mut s = format!("{:.*}", prec.min(MAX_FRACTION), x);
    s.push_str(&"0".repeat(prec.saturating_sub(MAX_FRACTION)));
    s
}

fn nonfinite(x: f64, upper: bool) -> String {
    let s = if x.is_nan() {
        if x.is_sign_negative() { "-nan" } else { "nan" }
    } else if x > 0.0 {
        "inf"
    } else {
        "-inf"
    };
    if upper { s.to_uppercase() } else { s.to_string() }
}

/// `%.{prec}g`; `alt` keeps trailing zeros (`%#g`).
pub fn fmt_g(x: f64, prec: usize, upper: bool, alt: bool) -> String {
    if !x.is_finite() {
        return nonfinite(x, upper);
    }
    let p = if prec == 0 { 1 } else { prec };
    if x == 0.0 {
        let mut s = if x.is_sign_negative() { "-0".to_string() } else { "0".to_string() };
        if alt && p > 1 {
            s.push('.');
            s.push_str(&"0".repeat(p - 1));
        }
        return s;
    }
    let e = fmt_e(x, p - 1, upper);
    let exp: i32 = e[e.find(['e', 'E']).unwrap() + 1..].parse().unwrap_or(0);
    let mut s = if exp < -4 || exp >= p as i32 {
        e
    } else {
        fmt_f(x, (p as i32 - 1 - exp) as usize)
    };
    if !alt {
        let (mant, tail) = match s.find(['e', 'E']) {
            Some(i) => (s[..i].to_string(), s[i..].to_string()),
            None => (s.clone(), String::new()),
        };
        if mant.contains('.') {
            let m = mant.trim_end_matches('0').trim_end_matches('.');
            s = format!("{m}{tail}");
        }
    }
    s
}

/// `print`'s number form: `%.8g`.
pub fn fmt_num(x: f64) -> String {
    fmt_g(x, 8, false, false)
}

/// One argument to a format: a number or a string.
pub enum FmtArg<'a> {
    Num(f64),
    Str(&'a str),
}

/// Formats `fmt` with `args` as C's printf does. Err(message) on a mismatch.
pub fn sprintf(fmt: &str, args: &[FmtArg]) -> Result<String, String> {
    let mut out = String::new();
    let b = fmt.as_bytes();
    let mut i = 0;
    let mut next = 0;
    while i < b.len() {
        if b[i] != b'%' {
            let start = i;
            while i < b.len() && b[i] != b'%' {
                i += 1;
            }
            out.push_str(&fmt[start..i]);
            continue;
        }
        i += 1;
        if i < b.len() && b[i] == b'%' {
            out.push('%');
            i += 1;
            continue;
        }
        let (mut left, mut plus, mut space, mut alt, mut zero) = (false, false, false, false, false);
        while i < b.len() {
            match b[i] {
                b'-' => left = true,
                b'+' => plus = true,
                b' ' => space = true,
                b'#' => alt = true,
                b'0' => zero = true,
                _ => break,
            }
            i += 1;
        }
        let mut width = 0usize;
        if i < b.len() && b[i] == b'*' {
            i += 1;
            if let Some(FmtArg::Num(n)) = args.get(next) {
                width = n.abs() as usize;
                left |= *n < 0.0;
            }
            next += 1;
        }
        while i < b.len() && b[i].is_ascii_digit() {
            width = width * 10 + (b[i] - b'0') as usize;
            i += 1;
        }
        let mut prec: Option<usize> = None;
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let mut p = 0usize;
            if i < b.len() && b[i] == b'*' {
                i += 1;
                if let Some(FmtArg::Num(n)) = args.get(next) {
                    p = n.max(0.0) as usize;
                }
                next += 1;
            }
            while i < b.len() && b[i].is_ascii_digit() {
                p = p * 10 + (b[i] - b'0') as usize;
                i += 1;
            }
            prec = Some(p);
        }
        while i < b.len() && matches!(b[i], b'l' | b'h' | b'L' | b'q' | b'j' | b'z' | b't') {
            i += 1;
        }
        if i >= b.len() {
            out.push('%');
            break;
        }
        let conv = b[i] as char;
        i += 1;
        let arg = args.get(next);
        next += 1;
        let num = |a: Option<&FmtArg>| -> Result<f64, String> {
            match a {
                Some(FmtArg::Num(n)) => Ok(*n),
                Some(FmtArg::Str(_)) => Err("arg is not a number".into()),
                None => Err("not enough arguments for format".into()),
            }
        };
        let mut sign_ok = true;
        let body = match conv {
            'd' | 'i' | 'u' => {
                let n = num(arg)?;
                let v = clamp_int(n);
                let mut s = v.unsigned_abs().to_string();
                if let Some(p) = prec {
                    while s.len() < p {
                        s.insert(0, '0');
                    }
                    if p == 0 && v == 0 {
                        s.clear();
                    }
                }
                with_sign(s, v < 0, plus, space)
            }
            'x' | 'X' | 'o' => {
                let n = num(arg)?;
                let v = clamp_int(n) as u64 as u32 as u64;
                let v = if n < 0.0 { clamp_int(n) as u32 as u64 } else { v };
                sign_ok = false;
                let mut s = match conv {
                    'x' => format!("{:x}", v),
                    'X' => format!("{:X}", v),
                    _ => format!("{:o}", v),
                };
                if alt && v != 0 {
                    s = match conv {
                        'x' => format!("0x{s}"),
                        'X' => format!("0X{s}"),
                        _ => format!("0{s}"),
                    };
                }
                s
            }
            'f' | 'F' => {
                let n = num(arg)?;
                let s = fmt_f(n.abs(), prec.unwrap_or(6));
                let s = if alt && prec == Some(0) { s + "." } else { s };
                with_sign(s, n.is_sign_negative() && !(n == 0.0 && !n.is_sign_negative()), plus, space)
            }
            'e' | 'E' => {
                let n = num(arg)?;
                let s = fmt_e(n.abs(), prec.unwrap_or(6), conv == 'E');
                with_sign(s, n.is_sign_negative(), plus, space)
            }
            'g' | 'G' => {
                let n = num(arg)?;
                let s = fmt_g(n.abs(), prec.unwrap_or(6), conv == 'G', alt);
                with_sign(s, n.is_sign_negative(), plus, space)
            }
            'c' => {
                sign_ok = false;
                let n = num(arg)?;
                char::from_u32(clamp_int(n) as u32).map(|c| c.to_string()).unwrap_or_default()
            }
            's' => {
                sign_ok = false;
                let s = match arg {
                    Some(FmtArg::Str(s)) => s.to_string(),
                    Some(FmtArg::Num(n)) => fmt_g(*n, 6, false, false),
                    None => return Err("not enough arguments for format".into()),
                };
                match prec {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            other => {
                // Unknown conversion: copy it through as C libraries do.
                next -= 1;
                sign_ok = false;
                format!("%{other}")
            }
        };
        let len = body.chars().count();
        if len >= width {
            out.push_str(&body);
        } else if left {
            out.push_str(&body);
            out.push_str(&" ".repeat(width - len));
        } else if zero && sign_ok && prec.is_none() || zero && matches!(conv, 'f' | 'F' | 'e' | 'E' | 'g' | 'G') {
            let (sign, digits) = match body.chars().next() {
                Some(c @ ('-' | '+' | ' ')) => (c.to_string(), body[1..].to_string()),
                _ => (String::new(), body.clone()),
            };
            out.push_str(&sign);
            out.push_str(&"0".repeat(width - len));
            out.push_str(&digits);
        } else {
            out.push_str(&" ".repeat(width - len));
            out.push_str(&body);
        }
    }
    Ok(out)
}

fn clamp_int(n: f64) -> i64 {
    if n.is_nan() {
        i64::MIN
    } else {
        n as i64
    }
}

fn with_sign(s: String, neg: bool, plus: bool, space: bool) -> String {
    if neg {
        format!("-{s}")
    } else if plus {
        format!("+{s}")
    } else if space {
        format!(" {s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format_matches_c() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(1.0 / 3.0), "0.33333333");
        assert_eq!(fmt_num(123456789.0), "1.2345679e+08");
        assert_eq!(fmt_num(1e-20), "1e-20");
        assert_eq!(fmt_num(0.0001), "0.0001");
        assert_eq!(fmt_num(0.00001), "1e-05");
        assert_eq!(fmt_num(-0.0), "-0");
        assert_eq!(fmt_num(1e300 * 10.0), "1e+301");
        assert_eq!(fmt_g(100000.0, 6, false, false), "100000");
        assert_eq!(fmt_g(1000000.0, 6, false, false), "1e+06");
        assert_eq!(fmt_g(0.5, 6, false, true), "0.500000");
    }

    #[test]
    fn printf_conversions() {
        let s = sprintf(
            "%d %5.2f %g %s|%-4d|%04d|%x|%e|%%",
            &[FmtArg::Num(42.7), FmtArg::Num(3.14159), FmtArg::Num(1e-7), FmtArg::Str("t"), FmtArg::Num(7.0), FmtArg::Num(-7.0), FmtArg::Num(255.0), FmtArg::Num(12.5)],
        )
        .unwrap();
        assert_eq!(s, "42  3.14 1e-07 t|7   |-007|ff|1.250000e+01|%");
    }

    /// Any precision formats, with C's digits: the exact expansion, then zeros.
    #[test]
    fn huge_precision() {
        let f = sprintf("%.70000f", &[FmtArg::Num(3.0)]).unwrap();
        assert_eq!(f.len(), 70002);
        assert!(f.starts_with("3.000") && f.bytes().skip(2).all(|b| b == b'0'));
        let tiny = fmt_f(f64::from_bits(1), 1200);
        assert_eq!(tiny, format!("{:.*}", 1200, f64::from_bits(1)));
        let e = fmt_e(0.1, 100_000, false);
        assert!(e.starts_with("1.000000000000000055511151231257827") && e.ends_with("0e-01"));
        assert_eq!(e.len(), 100_006);
        assert_eq!(fmt_g(0.1, 70_000, false, true).len(), 70_002);
        assert_eq!(fmt_g(0.1, 70_000, false, false), "0.1000000000000000055511151231257827021181583404541015625");
        assert_eq!(sprintf("%80000.2f", &[FmtArg::Num(1.0)]).unwrap().len(), 80000);
    }
}
