//! Input: `sscanf`, and `fscan`/`getstr`, which read from the file being
//! loaded (after the running statement) or from the file `ropen` opened.

use super::{str_ref, string};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::Value;

pub fn sscanf(_it: &mut Interp, _a: &[Value]) -> HResult<Value> {
    Err(hoc_err!("sscanf: not implemented"))
}

/// Next number in the input; words that are not numbers are skipped.
pub fn fscan(it: &mut Interp, _a: &[Value]) -> HResult<Value> {
    let (text, mut pos) = it.source_stream().ok_or_else(|| hoc_err!("fscan: no input"))?;
    let b = text.as_bytes();
    loop {
        while pos < b.len() && b[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= b.len() {
            it.advance_source(pos);
            return Err(hoc_err!("EOF in fscan"));
        }
        let start = pos;
        while pos < b.len() && !b[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if let Some(x) = parse_leading_number(&text[start..pos]) {
            it.advance_source(pos);
            return Ok(Value::Num(x));
        }
    }
}

/// C `strtod`-like: a number at the start of `w` (the whole word must parse).
fn parse_leading_number(w: &str) -> Option<f64> {
    w.parse::<f64>().ok().filter(|_| !w.eq_ignore_ascii_case("nan") && !w.eq_ignore_ascii_case("inf") && !w.starts_with('+') || w.starts_with('+'))
}

/// Reads the rest of the current input line (with its newline) into a strdef.
pub fn getstr(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let target = str_ref(a, 0)?;
    let (text, pos) = it.source_stream().ok_or_else(|| hoc_err!("getstr: no input"))?;
    if pos >= text.len() {
        return Err(hoc_err!("EOF in getstr"));
    }
    let end = text[pos..].find('\n').map(|i| pos + i + 1).unwrap_or(text.len());
    *target.borrow_mut() = text[pos..end].to_string();
    it.advance_source(end);
    Ok(Value::Num(1.0))
}

/// `ropen(file)` redirects fscan/getstr to a file; `ropen()` restores.
pub fn ropen(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    it.fin = None;
    it.fin_pos = 0;
    if a.is_empty() {
        return Ok(Value::Num(1.0));
    }
    let name = string(a, 0)?;
    if name.is_empty() {
        return Ok(Value::Num(1.0));
    }
    match std::fs::read_to_string(&name) {
        Ok(t) => {
            it.fin = Some(t.into());
            Ok(Value::Num(1.0))
        }
        Err(_) => Ok(Value::Num(0.0)),
    }
}
