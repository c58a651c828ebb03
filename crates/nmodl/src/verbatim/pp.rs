//! The preprocessor over VERBATIM tokens: `#include "name"` of a header
//! beside the .mod file reads it there (where the C compiler finds it),
//! other `#include`s are dropped (nerve knows NEURON's and the system's
//! headers), `#define`/`#undef` keep object- and
//! function-like macros, `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif`
//! keep or drop lines, and macros are expanded. The macros NEURON's
//! headers and nocmodl's output define that mod files test are predefined
//! as NEURON 9.0.2 defines them. One preprocessor reads all of a file's
//! VERBATIM blocks in order, as the C compiler reads nocmodl's output.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::lex::{lex, Tok, T};

#[derive(Clone, Debug)]
struct Macro {
    params: Option<Vec<String>>,
    body: Vec<T>,
}

/// Output beyond this many tokens from one expansion is cut (macros that
/// grow without bound).
const MAX_EXPANSION: usize = 200_000;

/// Deepest nesting of `#include`s (a header including itself would never end).
const MAX_INCLUDES: usize = 32;

pub struct Preproc {
    macros: HashMap<String, Macro>,
    /// One entry per open `#if`: (this branch is taken, some branch was taken).
    conds: Vec<(bool, bool)>,
    /// Where `#include "name"` looks: the .mod file's folder.
    dir: Option<PathBuf>,
    /// Headers being read.
    including: usize,
    /// Macros the file's C defined (not the predefined ones).
    defined: HashSet<String>,
}

impl Default for Preproc {
    fn default() -> Self {
        Self::new()
    }
}

impl Preproc {
    pub fn new() -> Self {
        let mut p = Preproc { macros: HashMap::new(), conds: Vec::new(), dir: None, including: 0, defined: HashSet::new() };
        for (name, body) in [
            ("NRN_VERSION_GTEQ_8_0_0", "1"),
            ("NRN_VERSION_GTEQ_8_2_0", "1"),
            ("NRN_VERSION_GTEQ_9_0_0", "1"),
            ("NRN_VERSION_MAJOR", "9"),
            ("NRN_VERSION_MINOR", "0"),
            ("NRN_VERSION_PATCH", "2"),
            ("__cplusplus", "201703L"),
            ("NRN_VECTORIZED", "1"),
            ("NULL", "0"),
            ("nullptr", "0"),
            ("true", "1"),
            ("false", "0"),
            ("_threadargscomma_", ""),
            ("_threadargs_", ""),
            ("_threadargsprotocomma_", ""),
            ("_threadargsproto_", ""),
            ("_internalthreadargscomma_", ""),
            ("_internalthreadargs_", ""),
            ("_internalthreadargsprotocomma_", ""),
            ("_internalthreadargsproto_", ""),
            ("RANDCAST", ""),
        ] {
            p.define_text(name, None, body);
        }
        p.define_text("NRN_VERSION_GTEQ", Some(&["a", "b", "c"]), "((a) > 9 || ((a) == 9 && ((b) > 0 || ((b) == 0 && (c) <= 2))))");
        p.define_text("NRN_VERSION_EQ", Some(&["a", "b", "c"]), "((a) == 9 && (b) == 0 && (c) == 2)");
        p
    }

    /// A preprocessor for the C of the .mod file at `path`.
    pub fn for_file(path: &str) -> Self {
        let mut p = Preproc::new();
        p.dir = Some(match Path::new(path).parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        });
        p
    }

    /// The object-like macros the file's C defined as one number (a sign
    /// allowed), with their values: the names NMODL code after them reads
    /// as numbers.
    pub fn numbers(&self) -> Vec<(String, f64)> {
        let mut v: Vec<(String, f64)> = self
            .defined
            .iter()
            .filter_map(|name| {
                let m = self.macros.get(name)?;
                if m.params.is_some() {
                    return None;
                }
                let num = |t: &T| match t {
                    T::Int(k) => Some(*k as f64),
                    T::Real(x) => Some(*x),
                    _ => None,
                };
                let x = match m.body.as_slice() {
                    [t] => num(t)?,
                    [T::P("-"), t] => -num(t)?,
                    [T::P("+"), t] => num(t)?,
                    _ => return None,
                };
                Some((name.clone(), x))
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// The tokens of header `name` (`#include "name"`) beside the .mod
    /// file, read at `line`; None when there is no such file.
    fn include(&mut self, rest: &str, line: u32) -> Option<Vec<Tok>> {
        let name = rest.strip_prefix('"')?.split('"').next()?;
        let dir = self.dir.as_ref()?;
        if self.including >= MAX_INCLUDES {
            return None;
        }
        let bytes = std::fs::read(dir.join(name)).ok()?;
        self.including += 1;
        let mut toks = self.run(lex(&String::from_utf8_lossy(&bytes), line));
        self.including -= 1;
        toks.iter_mut().for_each(|t| t.line = line);
        Some(toks)
    }

    fn define_text(&mut self, name: &str, params: Option<&[&str]>, body: &str) {
        let body = lex(body, 0).into_iter().map(|t| t.t).collect();
        self.macros.insert(name.to_string(), Macro { params: params.map(|p| p.iter().map(|s| s.to_string()).collect()), body });
    }

    fn active(&self) -> bool {
        self.conds.iter().all(|c| c.0)
    }

    /// The tokens of one VERBATIM block, directives applied and macros expanded.
    pub fn run(&mut self, toks: Vec<Tok>) -> Vec<Tok> {
        let mut out = Vec::new();
        let mut pending: Vec<Tok> = Vec::new();
        for tok in toks {
            if let T::Hash(text) = &tok.t {
                self.expand_into(std::mem::take(&mut pending), &mut out);
                if let Some(rest) = text.trim().strip_prefix("include") {
                    if self.active() {
                        if let Some(toks) = self.include(rest.trim(), tok.line) {
                            out.extend(toks);
                        }
                    }
                    continue;
                }
                self.directive(text);
                continue;
            }
            if self.active() {
                pending.push(tok);
            }
        }
        self.expand_into(pending, &mut out);
        out
    }

    fn directive(&mut self, text: &str) {
        let text = text.trim();
        let (word, rest) = match text.find(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            Some(k) => (&text[..k], text[k..].trim()),
            None => (text, ""),
        };
        match word {
            "ifdef" | "ifndef" => {
                let name = rest.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').next().unwrap_or("");
                let take = self.macros.contains_key(name) == (word == "ifdef");
                self.conds.push((take, take));
            }
            "if" => {
                let take = self.active() && self.eval(rest) != 0;
                self.conds.push((take, take));
            }
            "elif" => {
                let parent = self.conds.len() > 1 && !self.conds[..self.conds.len() - 1].iter().all(|c| c.0);
                let done = self.conds.last().is_some_and(|c| c.1);
                let take = !parent && !done && self.eval(rest) != 0;
                if let Some(c) = self.conds.last_mut() {
                    *c = (take, done || take);
                }
            }
            "else" => {
                if let Some(c) = self.conds.last_mut() {
                    *c = (!c.1, true);
                }
            }
            "endif" => {
                self.conds.pop();
            }
            _ if !self.active() => {}
            "define" => {
                self.define(rest);
                let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(rest.len());
                self.defined.insert(rest[..name_len].to_string());
            }
            "undef" => {
                self.macros.remove(rest.split_whitespace().next().unwrap_or(""));
            }
            // include, pragma, error, line: nothing for nerve to do.
            _ => {}
        }
    }

    fn define(&mut self, rest: &str) {
        let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(rest.len());
        let name = &rest[..name_len];
        if name.is_empty() {
            return;
        }
        let after = &rest[name_len..];
        if let Some(p) = after.strip_prefix('(') {
            let close = p.find(')').unwrap_or(p.len());
            let params: Vec<&str> = p[..close].split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
            let body = p.get(close + 1..).unwrap_or("");
            self.define_text(name, Some(&params), body);
        } else {
            self.define_text(name, None, after);
        }
    }

    /// The value of an `#if` expression (0 when it cannot be read).
    fn eval(&self, text: &str) -> i64 {
        // `defined X` and `defined(X)` first, then macros.
        let toks: Vec<T> = lex(text, 0).into_iter().map(|t| t.t).collect();
        let mut resolved = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            if toks[i] == T::Id("defined".into()) {
                let (name, skip) = match (toks.get(i + 1), toks.get(i + 2)) {
                    (Some(T::P("(")), Some(T::Id(n))) => (n.clone(), 4),
                    (Some(T::Id(n)), _) => (n.clone(), 2),
                    _ => (String::new(), 1),
                };
                resolved.push(T::Int(self.macros.contains_key(&name) as i64));
                i += skip;
                continue;
            }
            resolved.push(toks[i].clone());
            i += 1;
        }
        let mut out = Vec::new();
        self.expand(&resolved, &mut HashSet::new(), &mut out, 0);
        let mut p = CondEval { t: &out, i: 0 };
        p.expr(0)
    }

    fn expand_into(&self, toks: Vec<Tok>, out: &mut Vec<Tok>) {
        if toks.is_empty() {
            return;
        }
        // Expansion works on kinds; each output token takes the line of the
        // input token its expansion began at.
        let mut i = 0;
        while i < toks.len() {
            let line = toks[i].line;
            let (consumed, produced) = self.expand_one(&toks[i..]);
            for t in produced {
                out.push(Tok { t, line });
            }
            i += consumed.max(1);
        }
    }

    /// Expands the macro call starting at `toks[0]` (if it is one): tokens
    /// consumed and produced.
    fn expand_one(&self, toks: &[Tok]) -> (usize, Vec<T>) {
        let kinds: Vec<T> = toks.iter().take(4096).map(|t| t.t.clone()).collect();
        let mut out = Vec::new();
        let used = self.expand_call(&kinds, &mut HashSet::new(), &mut out, 0);
        (used, out)
    }

    /// Expands a whole token list.
    fn expand(&self, toks: &[T], hide: &mut HashSet<String>, out: &mut Vec<T>, depth: usize) {
        let mut i = 0;
        while i < toks.len() {
            if out.len() > MAX_EXPANSION {
                return;
            }
            i += self.expand_call(&toks[i..], hide, out, depth).max(1);
        }
    }

    /// Expands the token at toks[0] (a macro use with its arguments, or
    /// itself) into out; returns how many tokens it took.
    fn expand_call(&self, toks: &[T], hide: &mut HashSet<String>, out: &mut Vec<T>, depth: usize) -> usize {
        let T::Id(name) = &toks[0] else {
            out.push(toks[0].clone());
            return 1;
        };
        let Some(m) = self.macros.get(name).filter(|_| !hide.contains(name) && depth < 64) else {
            out.push(toks[0].clone());
            return 1;
        };
        let (used, body) = match &m.params {
            None => (1, m.body.clone()),
            Some(params) => {
                let Some(T::P("(")) = toks.get(1) else {
                    out.push(toks[0].clone());
                    return 1;
                };
                // Arguments: split at top-level commas up to the matching ')'.
                let mut args: Vec<Vec<T>> = vec![Vec::new()];
                let mut level = 0;
                let mut k = 2;
                let mut closed = false;
                while k < toks.len() {
                    match &toks[k] {
                        T::P("(") => level += 1,
                        T::P(")") if level == 0 => {
                            closed = true;
                            break;
                        }
                        T::P(")") => level -= 1,
                        T::P(",") if level == 0 => {
                            args.push(Vec::new());
                            k += 1;
                            continue;
                        }
                        _ => {}
                    }
                    args.last_mut().unwrap().push(toks[k].clone());
                    k += 1;
                }
                if !closed {
                    out.push(toks[0].clone());
                    return 1;
                }
                let mut body = Vec::new();
                let mut j = 0;
                while j < m.body.len() {
                    match &m.body[j] {
                        T::P("#") => {
                            if let Some(T::Id(p)) = m.body.get(j + 1) {
                                if let Some(a) = params.iter().position(|q| q == p) {
                                    let text: Vec<String> = args.get(a).map_or(Vec::new(), |a| a.iter().map(spell).collect());
                                    body.push(T::Str(text.join(" ")));
                                    j += 2;
                                    continue;
                                }
                            }
                            j += 1;
                        }
                        T::Id(p) if params.contains(p) => {
                            let a = params.iter().position(|q| q == p).unwrap();
                            let mut expanded = Vec::new();
                            if let Some(arg) = args.get(a) {
                                self.expand(arg, hide, &mut expanded, depth + 1);
                            }
                            body.extend(expanded);
                            j += 1;
                        }
                        t => {
                            body.push(t.clone());
                            j += 1;
                        }
                    }
                }
                (k + 1, paste(body))
            }
        };
        hide.insert(name.clone());
        self.expand(&body, hide, out, depth + 1);
        hide.remove(name);
        used
    }
}

/// Applies `##`: the tokens either side become one.
fn paste(body: Vec<T>) -> Vec<T> {
    if !body.contains(&T::P("##")) {
        return body;
    }
    let mut out: Vec<T> = Vec::new();
    let mut it = body.into_iter().peekable();
    while let Some(t) = it.next() {
        if t == T::P("##") {
            if let (Some(prev), Some(next)) = (out.pop(), it.next()) {
                let joined = format!("{}{}", spell(&prev), spell(&next));
                out.extend(lex(&joined, 0).into_iter().map(|t| t.t));
            }
            continue;
        }
        out.push(t);
    }
    out
}

fn spell(t: &T) -> String {
    match t {
        T::Id(s) => s.clone(),
        T::Int(v) => v.to_string(),
        T::Real(v) => format!("{v:?}"),
        T::Str(s) => format!("{s:?}"),
        T::P(p) => p.to_string(),
        T::Hash(h) => format!("#{h}"),
        T::Nmodl(_) => String::new(),
        T::Bad(c) => c.to_string(),
    }
}

/// `#if` arithmetic by precedence climbing (unknown names are 0).
struct CondEval<'a> {
    t: &'a [T],
    i: usize,
}

impl CondEval<'_> {
    fn prec(op: &str) -> Option<u8> {
        Some(match op {
            "||" => 1,
            "&&" => 2,
            "|" => 3,
            "^" => 4,
            "&" => 5,
            "==" | "!=" => 6,
            "<" | ">" | "<=" | ">=" => 7,
            "<<" | ">>" => 8,
            "+" | "-" => 9,
            "*" | "/" | "%" => 10,
            _ => return None,
        })
    }

    fn expr(&mut self, min: u8) -> i64 {
        if self.i > 10_000 {
            return 0;
        }
        let mut lhs = self.unary();
        while let Some(T::P(op)) = self.t.get(self.i) {
            let Some(p) = Self::prec(op).filter(|&p| p > min) else { break };
            self.i += 1;
            let rhs = self.expr(p);
            lhs = match *op {
                "||" => (lhs != 0 || rhs != 0) as i64,
                "&&" => (lhs != 0 && rhs != 0) as i64,
                "|" => lhs | rhs,
                "^" => lhs ^ rhs,
                "&" => lhs & rhs,
                "==" => (lhs == rhs) as i64,
                "!=" => (lhs != rhs) as i64,
                "<" => (lhs < rhs) as i64,
                ">" => (lhs > rhs) as i64,
                "<=" => (lhs <= rhs) as i64,
                ">=" => (lhs >= rhs) as i64,
                "<<" => lhs.wrapping_shl(rhs as u32),
                ">>" => lhs.wrapping_shr(rhs as u32),
                "+" => lhs.wrapping_add(rhs),
                "-" => lhs.wrapping_sub(rhs),
                "*" => lhs.wrapping_mul(rhs),
                "/" => lhs.checked_div(rhs).unwrap_or(0),
                _ => lhs.checked_rem(rhs).unwrap_or(0),
            };
        }
        lhs
    }

    fn unary(&mut self) -> i64 {
        let t = self.t.get(self.i).cloned();
        self.i += 1;
        match t {
            Some(T::Int(v)) => v,
            Some(T::Real(v)) => v as i64,
            Some(T::P("!")) => (self.unary() == 0) as i64,
            Some(T::P("-")) => self.unary().wrapping_neg(),
            Some(T::P("+")) => self.unary(),
            Some(T::P("~")) => !self.unary(),
            Some(T::P("(")) => {
                let v = self.expr(0);
                if self.t.get(self.i) == Some(&T::P(")")) {
                    self.i += 1;
                }
                v
            }
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Vec<T> {
        Preproc::new().run(lex(src, 1)).into_iter().map(|t| t.t).collect()
    }

    #[test]
    fn conditionals_as_neuron_9() {
        let t = run("#ifndef NRN_VERSION_GTEQ_8_2_0\nold();\n#define R 1\n#else\n#define R (Rand*)\n#endif\nR x;");
        assert_eq!(t, run("(Rand*) x;"));
        assert_eq!(run("#if NRN_VERSION_GTEQ(9,0,0)\na\n#else\nb\n#endif"), vec![T::Id("a".into())]);
        assert_eq!(run("#if defined(NOPE) || 0\na\n#elif 1\nb\n#else\nc\n#endif"), vec![T::Id("b".into())]);
    }

    #[test]
    fn numbers_the_file_defines() {
        let mut p = Preproc::new();
        p.run(lex("#define HALF 0.5\n#define N 7\n#define NEG -2.5e3\n#define SQ(x) ((x)*(x))\n#define E (1+2)\n", 1));
        assert_eq!(p.numbers(), vec![("HALF".to_string(), 0.5), ("N".to_string(), 7.0), ("NEG".to_string(), -2500.0)]);
    }

    #[test]
    fn function_macros_and_no_runaway() {
        assert_eq!(run("#define SQ(x) ((x)*(x))\nSQ(a+1)"), run("((a+1)*(a+1))"));
        // Self-reference stops.
        assert_eq!(run("#define A A+1\nA"), run("A+1"));
    }
}
