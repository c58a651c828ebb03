//! Input: `sscanf`, and `fscan`/`getstr`, which read from the file being
//! loaded (after the running statement) or from the file `ropen` opened.
//!
//! The C `scanf` rules live here too (`c_sscanf`, `scan_number`) so that
//! `File` and `Matrix` read numbers the same way.

use super::{opt_num, str_ref, string};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::Value;

// ---------------------------------------------------------------- C scanf engine

/// A value one assigning conversion of `c_sscanf` produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Scanned {
    Num(f64),
    Str(String),
}

/// Why a conversion stopped: the input ran out, or it did not match.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stop {
    Eof,
    Mismatch,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Index of the first non-blank byte at or after `i`.
pub fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    i
}

/// The bytes a conversion may look at: `b[start..]`, at most `width` of them.
struct Field<'a> {
    b: &'a [u8],
    i: usize,
    end: usize,
}

impl<'a> Field<'a> {
    fn new(b: &'a [u8], start: usize, width: Option<usize>) -> Self {
        let end = match width {
            Some(w) => (start + w).min(b.len()),
            None => b.len(),
        };
        Field { b, i: start, end }
    }
    fn peek(&self) -> Option<u8> {
        (self.i < self.end).then(|| self.b[self.i])
    }
    fn peek_at(&self, k: usize) -> Option<u8> {
        (self.i + k < self.end).then(|| self.b[self.i + k])
    }
    fn eat_if(&mut self, f: impl Fn(u8) -> bool) -> Option<u8> {
        match self.peek() {
            Some(c) if f(c) => {
                self.i += 1;
                Some(c)
            }
            _ => None,
        }
    }
    /// Consumes `word` case-insensitively; false if the input diverges.
    fn eat_word(&mut self, word: &str) -> bool {
        for w in word.bytes() {
            if self.eat_if(|c| c.eq_ignore_ascii_case(&w)).is_none() {
                return false;
            }
        }
        true
    }
}

/// A floating-point number as glibc's `%lf` reads it, starting at `start`:
/// its text normalised for Rust's parser, and where it ends (`usize::MAX`:
/// take the value but scan no further).
fn scan_float_text(b: &[u8], start: usize, width: Option<usize>) -> Result<(String, usize), Stop> {
    let mut f = Field::new(b, start, width);
    if f.peek().is_none() {
        return Err(Stop::Eof);
    }
    let mut text = String::new();
    if let Some(s) = f.eat_if(|c| c == b'+' || c == b'-') {
        if s == b'-' {
            text.push('-');
        }
    }
    match f.peek() {
        Some(b'i' | b'I') => {
            if !f.eat_word("inf") {
                return Err(Stop::Mismatch);
            }
            if matches!(f.peek(), Some(b'i' | b'I')) && !f.eat_word("inity") {
                return Err(Stop::Mismatch);
            }
            text.push_str("inf");
            return Ok((text, f.i));
        }
        Some(b'n' | b'N') => {
            if !f.eat_word("nan") {
                return Err(Stop::Mismatch);
            }
            text.push_str("NaN");
            return Ok((text, f.i));
        }
        Some(b'0') if matches!(f.peek_at(1), Some(b'x' | b'X')) => {
            f.i += 2;
            let mut mant = String::new();
            let mut frac_digits = 0i64;
            let mut seen_point = false;
            while let Some(c) = f.eat_if(|c| c.is_ascii_hexdigit() || (c == b'.' && !seen_point)) {
                if c == b'.' {
                    seen_point = true;
                } else {
                    mant.push(c as char);
                    if seen_point {
                        frac_digits += 1;
                    }
                }
            }
            // glibc takes "0x." as 0 but fails on a bare "0x", unless the
            // field width cut it off: then it is 0, and scanning stops.
            if mant.is_empty() && !seen_point {
                if width.is_some_and(|w| start + w <= b.len() && f.i == start + w) {
                    text.push('0');
                    return Ok((text, usize::MAX));
                }
                return Err(Stop::Mismatch);
            }
            let mut exp = 0i64;
            if f.eat_if(|c| c == b'p' || c == b'P').is_some() {
                let neg = f.eat_if(|c| c == b'+' || c == b'-') == Some(b'-');
                let mut e = 0i64;
                while let Some(c) = f.eat_if(|c| c.is_ascii_digit()) {
                    e = (e * 10 + (c - b'0') as i64).min(100_000);
                }
                exp = if neg { -e } else { e };
            }
            let x = hex_value(&mant, exp - 4 * frac_digits);
            text.push_str(&format!("{:e}", x));
            return Ok((text, f.i));
        }
        _ => {}
    }
    let mut digits = 0;
    while let Some(c) = f.eat_if(|c| c.is_ascii_digit()) {
        text.push(c as char);
        digits += 1;
    }
    if f.eat_if(|c| c == b'.').is_some() {
        text.push('.');
        while let Some(c) = f.eat_if(|c| c.is_ascii_digit()) {
            text.push(c as char);
            digits += 1;
        }
    }
    if digits == 0 {
        return Err(Stop::Mismatch);
    }
    if f.eat_if(|c| c == b'e' || c == b'E').is_some() {
        let sign = f.eat_if(|c| c == b'+' || c == b'-');
        let mut exp = String::new();
        while let Some(c) = f.eat_if(|c| c.is_ascii_digit()) {
            exp.push(c as char);
        }
        if !exp.is_empty() {
            text.push('e');
            if sign == Some(b'-') {
                text.push('-');
            }
            text.push_str(&exp);
        }
    }
    if text.starts_with('.') || text.starts_with("-.") {
        text = text.replacen('.', "0.", 1);
    }
    Ok((text, f.i))
}

/// The value of hexadecimal digits `mant` times 2^`exp2`, correctly rounded.
fn hex_value(mant: &str, exp2: i64) -> f64 {
    let digits = mant.trim_start_matches('0');
    if digits.is_empty() {
        return 0.0;
    }
    // Keep 16 significant hex digits (64 bits); a sticky bit stands for the rest.
    let (head, tail) = digits.split_at(digits.len().min(16));
    let mut m = u64::from_str_radix(head, 16).unwrap_or(0);
    let mut e = exp2 + 4 * tail.len() as i64;
    let sticky = tail.bytes().any(|c| c != b'0');
    // Normalise to 53 significant bits with round-to-nearest-even.
    let bits = 64 - m.leading_zeros() as i64;
    if bits > 53 {
        let shift = (bits - 53) as u32;
        let rem = m & ((1u64 << shift) - 1);
        let half = 1u64 << (shift - 1);
        m >>= shift;
        e += shift as i64;
        if rem > half || (rem == half && (sticky || m & 1 == 1)) {
            m += 1;
        }
    }
    let mut x = m as f64;
    let mut e = e.clamp(-3000, 3000);
    while e < -900 {
        x *= 2f64.powi(-900);
        e += 900;
    }
    while e > 900 {
        x *= 2f64.powi(900);
        e -= 900;
    }
    x * 2f64.powi(e as i32)
}

/// A number as `%lf` reads it: (value, end).
pub fn scan_f64(b: &[u8], start: usize, width: Option<usize>) -> Option<(f64, usize)> {
    let (t, end) = scan_float_text(b, start, width).ok()?;
    Some((t.parse::<f64>().unwrap_or(0.0), end.min(b.len())))
}

/// An integer as `%d`/`%i`/`%o`/`%u`/`%x` read it (base 0 detects the
/// prefix): the value C's `strtol` (signed) or `strtoul` would give, as i64
/// bits, and where it ends.
fn scan_int(
    b: &[u8],
    start: usize,
    width: Option<usize>,
    base: u32,
    signed: bool,
) -> Result<(i64, usize), Stop> {
    let mut f = Field::new(b, start, width);
    if f.peek().is_none() {
        return Err(Stop::Eof);
    }
    let neg = f.eat_if(|c| c == b'+' || c == b'-') == Some(b'-');
    let mut base = base;
    let mut prefix = false;
    if (base == 0 || base == 16)
        && f.peek() == Some(b'0')
        && matches!(f.peek_at(1), Some(b'x' | b'X'))
    {
        f.i += 2;
        base = 16;
        prefix = true;
    } else if base == 0 {
        base = if f.peek() == Some(b'0') { 8 } else { 10 };
    }
    let mut mag: u128 = 0;
    let mut digits = 0;
    while let Some(c) = f.eat_if(|c| (c as char).is_digit(base)) {
        mag = (mag * base as u128 + (c as char).to_digit(base).unwrap() as u128).min(1 << 70);
        digits += 1;
    }
    if digits == 0 && !prefix {
        return Err(Stop::Mismatch);
    }
    let v = if signed {
        if neg {
            if mag > 1u128 << 63 {
                i64::MIN
            } else {
                (mag as i128).wrapping_neg() as i64
            }
        } else if mag > i64::MAX as u128 {
            i64::MAX
        } else {
            mag as i64
        }
    } else if mag > u64::MAX as u128 {
        -1
    } else {
        let u = mag as u64;
        (if neg { u.wrapping_neg() } else { u }) as i64
    };
    Ok((v, f.i))
}

/// A `%[...]` set: which bytes it accepts.
struct ByteSet {
    neg: bool,
    set: [bool; 256],
}

impl ByteSet {
    /// Parses the set after `[`; returns it and the index of the closing `]`.
    fn parse(fmt: &[u8], mut i: usize) -> Option<(ByteSet, usize)> {
        let mut s = ByteSet {
            neg: false,
            set: [false; 256],
        };
        if fmt.get(i) == Some(&b'^') {
            s.neg = true;
            i += 1;
        }
        let first = i;
        loop {
            let c = *fmt.get(i)?;
            if c == b']' && i != first {
                return Some((s, i));
            }
            if fmt.get(i + 1) == Some(&b'-') && fmt.get(i + 2).is_some_and(|&e| e != b']') {
                let e = fmt[i + 2];
                if c <= e {
                    for k in c..=e {
                        s.set[k as usize] = true;
                    }
                } else {
                    s.set[c as usize] = true;
                    s.set[b'-' as usize] = true;
                    s.set[e as usize] = true;
                }
                i += 3;
            } else {
                s.set[c as usize] = true;
                i += 1;
            }
        }
    }
    fn accepts(&self, c: u8) -> bool {
        self.set[c as usize] != self.neg
    }
}

/// C `sscanf(input, fmt, ...)`: the C return value (the count of assigned
/// conversions, or -1 when the input ends before the first one) and the
/// assigned values in order. `%f`/`%e`/`%g` without `l` give a `float`'s
/// value, integer conversions without `l` an `int`'s.
pub fn c_sscanf(input: &[u8], fmt: &[u8]) -> (i32, Vec<Scanned>) {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut fi = 0;
    let stop = |out: &Vec<Scanned>, why: Stop| -> i32 {
        match why {
            Stop::Eof if out.is_empty() => -1,
            _ => out.len() as i32,
        }
    };
    while fi < fmt.len() {
        let c = fmt[fi];
        if is_space(c) {
            while fi < fmt.len() && is_space(fmt[fi]) {
                fi += 1;
            }
            pos = skip_space(input, pos);
            continue;
        }
        if c != b'%' {
            if pos >= input.len() {
                return (stop(&out, Stop::Eof), out);
            }
            if input[pos] != c {
                return (stop(&out, Stop::Mismatch), out);
            }
            pos += 1;
            fi += 1;
            continue;
        }
        fi += 1;
        let suppress = fmt.get(fi) == Some(&b'*');
        if suppress {
            fi += 1;
        }
        let mut width = None;
        while let Some(d) = fmt.get(fi).filter(|d| d.is_ascii_digit()) {
            width = Some(width.unwrap_or(0) * 10 + (d - b'0') as usize);
            fi += 1;
        }
        let mut long = 0;
        while let Some(&m) = fmt
            .get(fi)
            .filter(|m| matches!(m, b'l' | b'L' | b'h' | b'q' | b'j' | b'z' | b't'))
        {
            if m == b'l' || m == b'L' || m == b'q' || m == b'j' {
                long += 1;
            }
            fi += 1;
        }
        let Some(&conv) = fmt.get(fi) else {
            return (stop(&out, Stop::Mismatch), out);
        };
        fi += 1;
        if width == Some(0) {
            width = None;
        }
        let r: Result<Option<Scanned>, Stop> = match conv {
            b'%' => {
                pos = skip_space(input, pos);
                match input.get(pos) {
                    None => Err(Stop::Eof),
                    Some(b'%') => {
                        pos += 1;
                        Ok(None)
                    }
                    Some(_) => Err(Stop::Mismatch),
                }
            }
            b'd' | b'i' | b'o' | b'u' | b'x' | b'X' => {
                pos = skip_space(input, pos);
                let (base, signed) = match conv {
                    b'd' => (10, true),
                    b'i' => (0, true),
                    b'o' => (8, false),
                    b'u' => (10, false),
                    _ => (16, false),
                };
                scan_int(input, pos, width, base, signed).map(|(v, end)| {
                    pos = end;
                    let x = if long > 0 { v as f64 } else { v as i32 as f64 };
                    Some(Scanned::Num(x))
                })
            }
            b'f' | b'e' | b'g' | b'E' | b'G' | b'a' | b'A' | b'F' => {
                pos = skip_space(input, pos);
                scan_float_text(input, pos, width).map(|(t, end)| {
                    pos = end;
                    if end == usize::MAX {
                        fi = fmt.len();
                    }
                    let x = if long > 0 {
                        t.parse::<f64>().unwrap_or(0.0)
                    } else {
                        t.parse::<f32>().unwrap_or(0.0) as f64
                    };
                    Some(Scanned::Num(x))
                })
            }
            b's' => {
                pos = skip_space(input, pos);
                let mut f = Field::new(input, pos, width);
                if f.peek().is_none() {
                    Err(Stop::Eof)
                } else {
                    while f.eat_if(|c| !is_space(c)).is_some() {}
                    let s = String::from_utf8_lossy(&input[pos..f.i]).into_owned();
                    pos = f.i;
                    Ok(Some(Scanned::Str(s)))
                }
            }
            b'c' => {
                let n = width.unwrap_or(1);
                if pos >= input.len() {
                    Err(Stop::Eof)
                } else {
                    let v = input[pos] as i8 as f64;
                    pos = (pos + n).min(input.len());
                    Ok(Some(Scanned::Num(v)))
                }
            }
            b'[' => match ByteSet::parse(fmt, fi) {
                None => Err(Stop::Mismatch),
                Some((set, close)) => {
                    fi = close + 1;
                    let mut f = Field::new(input, pos, width);
                    if f.peek().is_none() {
                        Err(Stop::Eof)
                    } else {
                        while f.eat_if(|c| set.accepts(c)).is_some() {}
                        if f.i == pos {
                            Err(Stop::Mismatch)
                        } else {
                            let s = String::from_utf8_lossy(&input[pos..f.i]).into_owned();
                            pos = f.i;
                            Ok(Some(Scanned::Str(s)))
                        }
                    }
                }
            },
            _ => Err(Stop::Mismatch),
        };
        match r {
            Ok(Some(v)) => {
                if !suppress {
                    out.push(v);
                }
            }
            Ok(None) => {}
            Err(why) => return (stop(&out, why), out),
        }
    }
    (out.len() as i32, out)
}

// ---------------------------------------------------------------- sscanf

/// What one converting specifier of a HOC `sscanf` format stores into.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Number,
    Text,
}

/// Checks a HOC `sscanf` format as NEURON does before scanning: the kind of
/// argument each converting specifier needs, or the "scan error" message.
fn check_format(fmt: &[u8]) -> Result<Vec<Target>, String> {
    let mut targets = Vec::new();
    let mut i = 0;
    let incomplete = |n: usize| format!("incomplete format specifier for arg {}", n + 3);
    let bad = |n: usize| format!("unknown conversion specifier for arg {}", n + 3);
    while i < fmt.len() {
        if fmt[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        let n = targets.len();
        if i >= fmt.len() {
            return Err(incomplete(n));
        }
        let mut convert = true;
        if fmt[i] == b'*' {
            convert = false;
            i += 1;
            if i >= fmt.len() {
                return Err(incomplete(n));
            }
        }
        if convert && n >= 19 {
            return Err(format!("too many ( > {}) args", n + 2));
        }
        let mut sawnum = false;
        while i < fmt.len() && fmt[i].is_ascii_digit() {
            sawnum = true;
            i += 1;
        }
        if i >= fmt.len() {
            return Err(incomplete(n));
        }
        let mut long = false;
        if fmt[i] == b'l' {
            long = true;
            i += 1;
            if i >= fmt.len() {
                return Err(incomplete(n));
            }
        }
        if convert {
            match fmt[i] {
                b'%' => {}
                b'd' | b'i' | b'o' | b'u' | b'x' | b'e' | b'f' | b'g' => {
                    targets.push(Target::Number)
                }
                b'[' => {
                    if long {
                        return Err(bad(n));
                    }
                    // The set may start with `]` or `^]`.
                    let start = i;
                    loop {
                        if i >= fmt.len() {
                            return Err(incomplete(n));
                        }
                        let k = i - start;
                        if fmt[i] == b']' && !(k == 1 || (k == 2 && fmt[i - 1] == b'^')) {
                            break;
                        }
                        i += 1;
                    }
                    targets.push(Target::Text);
                }
                b's' => {
                    if long {
                        return Err(bad(n));
                    }
                    targets.push(Target::Text);
                }
                b'c' => {
                    if long || sawnum {
                        return Err(bad(n));
                    }
                    targets.push(Target::Number);
                }
                _ => return Err(bad(n)),
            }
        }
        i += 1;
    }
    Ok(targets)
}

/// `sscanf(string, format, &x or strdef, ...)`: C's sscanf into HOC variables.
pub fn sscanf(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let input = string(a, 0)?;
    let fmt = string(a, 1)?;
    let targets = check_format(fmt.as_bytes()).map_err(|m| hoc_err!("scan error: {m}"))?;
    for (k, t) in targets.iter().enumerate() {
        let argn = k + 3;
        match (t, a.get(k + 2)) {
            (_, None) => return Err(hoc_err!("scan error: missing arg {argn}")),
            (Target::Text, Some(Value::Str(_) | Value::SRef(_))) => {}
            (Target::Number, Some(Value::Ptr(_))) => {}
            (Target::Text, Some(_)) => {
                return Err(hoc_err!("scan error: arg {argn} must be a string"))
            }
            (Target::Number, Some(_)) => {
                return Err(hoc_err!(
                    "scan error: arg {argn} must be a pointer to a number"
                ))
            }
        }
    }
    if targets.len() >= 13 {
        return Err(hoc_err!(
            "scan error: too many ( > {}) args",
            targets.len() + 2
        ));
    }
    let (n, vals) = c_sscanf(input.as_bytes(), fmt.as_bytes());
    for (k, v) in vals.into_iter().enumerate() {
        match (v, &a[k + 2]) {
            (Scanned::Num(x), Value::Ptr(p)) => it.write_place(p, x)?,
            (Scanned::Str(s), Value::SRef(r)) => *r.borrow_mut() = s,
            _ => {}
        }
    }
    Ok(Value::Num(n as f64))
}

// ---------------------------------------------------------------- fscan, getstr

/// NEURON's number reader (`hoc_scan`): skips words up to the next one that
/// starts with a number (words starting with i, n, I or N never count, so
/// `inf` and `nan` are skipped too), then skips the blanks after that word.
/// Returns the number and the new position, or None at the end of the input.
pub fn scan_number(b: &[u8], mut pos: usize) -> Option<(f64, usize)> {
    loop {
        pos = skip_space(b, pos);
        if pos >= b.len() {
            return None;
        }
        let start = pos;
        while pos < b.len() && !is_space(b[pos]) && pos - start < 255 {
            pos += 1;
        }
        if matches!(b[start], b'i' | b'n' | b'I' | b'N') {
            continue;
        }
        if let Some((x, _)) = scan_f64(&b[start..pos], 0, None) {
            return Some((x, skip_space(b, pos)));
        }
    }
}

/// A line as C's `fgets` reads it (with its newline): (line, new position).
pub fn read_line(b: &[u8], pos: usize) -> Option<(String, usize)> {
    if pos >= b.len() {
        return None;
    }
    let end = b[pos..]
        .iter()
        .position(|&c| c == b'\n')
        .map(|i| pos + i + 1)
        .unwrap_or(b.len());
    Some((String::from_utf8_lossy(&b[pos..end]).into_owned(), end))
}

/// A blank-delimited word as `%s` reads it: (word, new position).
pub fn read_word(b: &[u8], pos: usize) -> Option<(String, usize)> {
    let start = skip_space(b, pos);
    if start >= b.len() {
        return None;
    }
    let mut end = start;
    while end < b.len() && !is_space(b[end]) {
        end += 1;
    }
    Some((String::from_utf8_lossy(&b[start..end]).into_owned(), end))
}

/// `fscan()`: the next number in the input.
pub fn fscan(it: &mut Interp, _a: &[Value]) -> HResult<Value> {
    let (text, pos) = it.source_stream().ok_or_else(|| hoc_err!("EOF in fscan"))?;
    match scan_number(text.as_bytes(), pos) {
        Some((x, end)) => {
            it.advance_source(end);
            Ok(Value::Num(x))
        }
        None => {
            it.advance_source(text.len());
            Err(hoc_err!("EOF in fscan"))
        }
    }
}

/// `getstr(strdef [, 1])`: the next line (with its newline), or with a true
/// second argument the next word. Returns its length.
pub fn getstr(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let target = str_ref(a, 0)?;
    let word = match opt_num(it, a, 1)? {
        Some(x) if !(0.0..=1.0).contains(&x) => {
            return Err(hoc_err!("Arg out of range in user function"))
        }
        Some(x) => x as i32 == 1,
        None => false,
    };
    let (text, pos) = it
        .source_stream()
        .ok_or_else(|| hoc_err!("EOF in getstr"))?;
    let got = if word {
        read_word(text.as_bytes(), pos)
    } else {
        read_line(text.as_bytes(), pos)
    };
    let Some((s, end)) = got else {
        it.advance_source(text.len());
        return Err(hoc_err!("EOF in getstr"));
    };
    it.advance_source(end);
    let n = s.len();
    *target.borrow_mut() = s;
    Ok(Value::Num(n as f64))
}

/// `ropen(file)` redirects fscan/getstr to a file; `ropen()` restores.
pub fn ropen(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    it.fin = None;
    it.fin_pos = 0;
    let name = if a.is_empty() {
        String::new()
    } else {
        string(a, 0)?
    };
    if name.is_empty() {
        return Ok(Value::Num(1.0));
    }
    let text = std::fs::read(&name).or_else(|_| std::fs::read(super::file::expand_env_var(&name)));
    match text {
        Ok(t) => {
            it.fin = Some(String::from_utf8_lossy(&t).into_owned().into());
            Ok(Value::Num(1.0))
        }
        Err(_) => Ok(Value::Num(0.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums(v: &[Scanned]) -> Vec<f64> {
        v.iter()
            .map(|s| match s {
                Scanned::Num(x) => *x,
                Scanned::Str(_) => f64::NAN,
            })
            .collect()
    }

    #[test]
    fn floats_and_ints() {
        let (n, v) = c_sscanf(b"3.14159265358979 42", b"%f %d");
        assert_eq!(n, 2);
        assert_eq!(nums(&v), vec![3.14159265358979f32 as f64, 42.0]);
        let (n, v) = c_sscanf(b"3.14159265358979 42", b"%lf %lf");
        assert_eq!(n, 2);
        assert_eq!(nums(&v), vec![3.14159265358979, 42.0]);
        let (n, v) = c_sscanf(b"0x1f 017 -5", b"%i %i %i");
        assert_eq!((n, nums(&v)), (3, vec![31.0, 15.0, -5.0]));
        let (n, v) = c_sscanf(b"ff 17", b"%x %o");
        assert_eq!((n, nums(&v)), (2, vec![255.0, 15.0]));
        let (_, v) = c_sscanf(b"99999999999", b"%d");
        assert_eq!(nums(&v), vec![1215752191.0]);
        let (_, v) = c_sscanf(b"-1", b"%u");
        assert_eq!(nums(&v), vec![-1.0]);
        let (_, v) = c_sscanf(b"0x1.8p1", b"%lf");
        assert_eq!(nums(&v), vec![3.0]);
        let (n, v) = c_sscanf(b"1e+5x", b"%lf");
        assert_eq!((n, nums(&v)), (1, vec![100000.0]));
        let (n, v) = c_sscanf(b"1ex", b"%lf");
        assert_eq!((n, nums(&v)), (1, vec![1.0]));
    }

    #[test]
    fn strings_sets_chars() {
        let (n, v) = c_sscanf(b"abc:def", b"%[a-z]:%s");
        assert_eq!(n, 2);
        assert_eq!(
            v,
            vec![Scanned::Str("abc".into()), Scanned::Str("def".into())]
        );
        let (n, v) = c_sscanf(b" 12", b"%c");
        assert_eq!((n, nums(&v)), (1, vec![32.0]));
        let (n, v) = c_sscanf(b"12345", b"%2d%3d");
        assert_eq!((n, nums(&v)), (2, vec![12.0, 345.0]));
        let (n, _) = c_sscanf(b"1", b"%[a-z]");
        assert_eq!(n, 0);
    }

    #[test]
    fn return_values() {
        assert_eq!(c_sscanf(b"", b"%d").0, -1);
        assert_eq!(c_sscanf(b"   ", b"%d").0, -1);
        assert_eq!(c_sscanf(b"abc", b"%d").0, 0);
        assert_eq!(c_sscanf(b"5", b"%*d%d").0, -1);
        assert_eq!(c_sscanf(b"7", b"abc%d").0, 0);
        assert_eq!(c_sscanf(b"", b"abc%d").0, -1);
        assert_eq!(c_sscanf(b"5", b"%d abc").0, 1);
        assert_eq!(c_sscanf(b"x=5,y=7", b"x=%d,y=%d").0, 2);
        assert_eq!(c_sscanf(b"infinit", b"%lf").0, 0);
    }

    #[test]
    fn hoc_scan_words() {
        let t = b"hello 4e2x\n  nan inf Nope -7 abc\n";
        let (x, p) = scan_number(t, 0).unwrap();
        assert_eq!(x, 400.0);
        assert_eq!(t[p], b'n');
        let (x, _) = scan_number(t, p).unwrap();
        assert_eq!(x, -7.0);
        assert!(scan_number(b"  abc  ", 0).is_none());
    }

    #[test]
    fn format_checks() {
        assert!(check_format(b"%ls").is_err());
        assert!(check_format(b"%3c").is_err());
        assert!(check_format(b"%q").is_err());
        assert_eq!(check_format(b"%*d %d %[]a] %s").unwrap().len(), 3);
    }
}
