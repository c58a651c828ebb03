//! `StringFunctions`: string utilities. `head` and `tail` take a POSIX
//! extended regular expression (C++ `std::regex::egrep`), matched leftmost
//! longest; the small engine for that is at the end of this file.

use super::{num, object, str_ref, string};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

pub struct StrFun;

const BLANKS: &str = " \r\n\t\x0c\x0b";

/// `alias(obj, "name", target)`: obj.name is now target (an object or a
/// number), a public name of that object only; `alias(obj)` removes them.
fn alias(it: &mut Interp, a: &[Value]) -> HResult<Option<Value>> {
    use crate::object::ObjData;
    use crate::value::Slot;
    let Some(o) = object(a, 0)? else { return Err(hoc_err!("alias: the object is NULLobject")) };
    let ci = o.class;
    let Some(t) = it.template_mut(ci) else { return Err(hoc_err!("alias: {} is not a template object", it.object_name(&o))) };
    if a.len() < 2 {
        // the aliases are the object's public names without a declaration
        let n = t.proto.len();
        if let ObjData::Hoc(slots) = &mut *o.data.borrow_mut() {
            for s in slots.iter_mut().skip(n) {
                *s = Slot::Undef;
            }
        }
        return Ok(Some(Value::Num(0.0)));
    }
    let name = string(a, 1)?;
    let i = t.scope.intern(&name);
    t.scope.syms[i as usize].public = true;
    let slot = match a.get(2) {
        Some(Value::Obj(x)) => Slot::Objs { dims: vec![], data: vec![x.clone()] },
        Some(v @ (Value::Num(_) | Value::Ptr(_))) => {
            let x = match v {
                Value::Ptr(p) => it.read_place(p)?,
                _ => num(it, a, 2)?,
            };
            Slot::Num(x)
        }
        _ => return Err(hoc_err!("alias: third argument must be an object or a number")),
    };
    if let ObjData::Hoc(slots) = &mut *o.data.borrow_mut() {
        if slots.len() <= i as usize {
            slots.resize(i as usize + 1, Slot::Undef);
        }
        slots[i as usize] = slot;
    }
    Ok(Some(Value::Num(0.0)))
}

pub fn method(it: &mut Interp, _o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let n = |x: f64| Ok(Some(Value::Num(x)));
    match name {
        "alias" => alias(it, a),
        "len" => n(string(a, 0)?.len() as f64),
        "substr" => {
            let (s, sub) = (string(a, 0)?, string(a, 1)?);
            n(s.find(&sub).map(|i| i as f64).unwrap_or(-1.0))
        }
        "head" | "tail" => {
            let s = string(a, 0)?;
            let pat = string(a, 1)?;
            let out = str_ref(a, 2)?;
            // Only the first line takes part.
            let line = s.split('\n').next().unwrap_or("");
            let (i, part) = match Regex::new(&pat) {
                Ok(re) => match re.find(line.as_bytes()) {
                    Some((b, _)) if name == "head" => (b as f64, line[..b].to_string()),
                    Some((_, e)) => (e as f64, line[e..].to_string()),
                    None => (-1.0, String::new()),
                },
                Err(msg) => {
                    it.flush();
                    eprintln!("{msg}");
                    (-1.0, String::new())
                }
            };
            *out.borrow_mut() = part;
            n(i)
        }
        "ltrim" | "rtrim" => {
            let s = string(a, 0)?;
            let out = str_ref(a, 1)?;
            let chars = if a.len() > 2 {
                string(a, 2)?
            } else {
                BLANKS.to_string()
            };
            let strip = |c: char| chars.contains(c);
            *out.borrow_mut() = if name == "ltrim" {
                s.trim_start_matches(strip)
            } else {
                s.trim_end_matches(strip)
            }
            .to_string();
            n(0.0)
        }
        "left" | "right" => {
            let target = str_ref(a, 0)?;
            let s = target.borrow().clone();
            let k = num(it, a, 1)?;
            if k < 0.0 || k > s.len() as f64 {
                return Err(hoc_err!("Arg out of range in user function"));
            }
            let k = floor_char_boundary(&s, k as usize);
            *target.borrow_mut() = if name == "left" {
                s[..k].to_string()
            } else {
                s[k..].to_string()
            };
            n(1.0)
        }
        "is_name" => {
            let s = string(a, 0)?;
            let in_template = it
                .this
                .as_ref()
                .and_then(|o| it.template(o.class))
                .is_some_and(|t| t.scope.get(&s).is_some());
            n((in_template || it.globals.get(&s).is_some()) as i32 as f64)
        }
        // The point-process type (1, 2, … in catalogue order), or 0;
        // is_artificial only for artificial cells.
        "is_point_process" | "is_artificial" => {
            let o = object(a, 0)?;
            let mech = match o.as_ref().and_then(|o| super::native_class(it, o)) {
                Some(super::NativeClass::Point(m)) => Some(m as usize),
                _ => None,
            };
            let model = &it.eng.model;
            let kind = |m: usize| model.mechs[m].kind();
            let x = match mech {
                Some(m) if name == "is_point_process" || kind(m) == cable::mechanism::MechKind::Artificial => {
                    (0..=m).filter(|&k| kind(k) != cable::mechanism::MechKind::Density).count() as f64
                }
                _ => 0.0,
            };
            n(x)
        }
        _ => Ok(None),
    }
}

fn floor_char_boundary(s: &str, mut k: usize) -> usize {
    while k > 0 && !s.is_char_boundary(k) {
        k -= 1;
    }
    k
}

// ---------------------------------------------------------------- regular expressions

/// A parsed expression.
#[derive(Clone, Debug)]
enum Node {
    Empty,
    Set(Box<[bool; 256]>),
    Start,
    End,
    Cat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

#[derive(Clone, Debug)]
enum Inst {
    Byte(Box<[bool; 256]>),
    Split(usize, usize),
    Jmp(usize),
    Start,
    End,
    Match,
}

/// A compiled POSIX extended regular expression.
pub struct Regex {
    prog: Vec<Inst>,
}

struct ReParser<'a> {
    p: &'a [u8],
    i: usize,
}

impl ReParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.p.get(self.i).copied()
    }

    fn alt(&mut self, depth: usize) -> Result<Node, String> {
        let mut arms = vec![self.cat(depth)?];
        while matches!(self.peek(), Some(b'|' | b'\n')) {
            self.i += 1;
            arms.push(self.cat(depth)?);
        }
        Ok(if arms.len() == 1 {
            arms.pop().unwrap()
        } else {
            Node::Alt(arms)
        })
    }

    fn cat(&mut self, depth: usize) -> Result<Node, String> {
        let mut items = Vec::new();
        loop {
            let atom = match self.peek() {
                None | Some(b'|' | b'\n') => break,
                Some(b')') if depth > 0 => break,
                Some(b')') => return Err("Unexpected end of paren group.".into()),
                Some(b'(') => {
                    self.i += 1;
                    let inner = self.alt(depth + 1)?;
                    if self.peek() != Some(b')') {
                        return Err("Parenthesis is not closed.".into());
                    }
                    self.i += 1;
                    inner
                }
                Some(b'^') => {
                    self.i += 1;
                    Node::Start
                }
                Some(b'$') => {
                    self.i += 1;
                    Node::End
                }
                Some(b'.') => {
                    self.i += 1;
                    let mut s = Box::new([true; 256]);
                    s[0] = false;
                    Node::Set(s)
                }
                Some(b'[') => {
                    self.i += 1;
                    Node::Set(self.bracket()?)
                }
                Some(b'*' | b'+' | b'?') => {
                    return Err("Nothing to repeat before a quantifier.".into())
                }
                Some(b'{') => return Err("Nothing to repeat before a quantifier.".into()),
                Some(b'\\') => {
                    self.i += 1;
                    let c = self
                        .peek()
                        .ok_or("Invalid escape at end of regular expression")?;
                    self.i += 1;
                    Node::Set(single(c))
                }
                Some(c) => {
                    self.i += 1;
                    Node::Set(single(c))
                }
            };
            items.push(self.quantified(atom)?);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap(),
            _ => Node::Cat(items),
        })
    }

    fn quantified(&mut self, mut atom: Node) -> Result<Node, String> {
        loop {
            let (lo, hi) = match self.peek() {
                Some(b'*') => (0, None),
                Some(b'+') => (1, None),
                Some(b'?') => (0, Some(1)),
                Some(b'{') => {
                    self.i += 1;
                    let lo = self
                        .number()
                        .ok_or("Unexpected token in brace expression.")?;
                    let hi = if self.peek() == Some(b',') {
                        self.i += 1;
                        if self.peek() == Some(b'}') {
                            None
                        } else {
                            Some(
                                self.number()
                                    .ok_or("Unexpected token in brace expression.")?,
                            )
                        }
                    } else {
                        Some(lo)
                    };
                    if self.peek() != Some(b'}') {
                        return Err("Unexpected end of brace expression.".into());
                    }
                    if hi.is_some_and(|h| h < lo) {
                        return Err("Invalid range in brace expression.".into());
                    }
                    (lo, hi)
                }
                _ => return Ok(atom),
            };
            self.i += 1;
            atom = Node::Repeat(Box::new(atom), lo, hi);
        }
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.p[start..self.i])
            .ok()?
            .parse()
            .ok()
            .filter(|&n: &u32| n <= 1000)
    }

    /// A bracket expression after `[`.
    fn bracket(&mut self) -> Result<Box<[bool; 256]>, String> {
        let unclosed = || "Unexpected character within '[...]' in regular expression.".to_string();
        let mut set = Box::new([false; 256]);
        let neg = self.peek() == Some(b'^');
        if neg {
            self.i += 1;
        }
        let first = self.i;
        let mut prev: Option<u8> = None;
        loop {
            let c = self.peek().ok_or_else(unclosed)?;
            if c == b']' && self.i != first {
                self.i += 1;
                break;
            }
            if c == b'[' && matches!(self.p.get(self.i + 1), Some(b':' | b'=' | b'.')) {
                let kind = self.p[self.i + 1];
                let body_start = self.i + 2;
                let close = self.p[body_start..]
                    .windows(2)
                    .position(|w| w[0] == kind && w[1] == b']')
                    .ok_or_else(unclosed)?;
                let body =
                    std::str::from_utf8(&self.p[body_start..body_start + close]).unwrap_or("");
                self.i = body_start + close + 2;
                if kind == b':' {
                    let f = class_fn(body).ok_or_else(|| "Invalid character class.".to_string())?;
                    for b in 0..=255u8 {
                        if f(b) {
                            set[b as usize] = true;
                        }
                    }
                    prev = None;
                } else {
                    let b = *body.as_bytes().first().ok_or_else(unclosed)?;
                    set[b as usize] = true;
                    prev = Some(b);
                }
                continue;
            }
            if c == b'-' && self.i != first && self.p.get(self.i + 1).is_some_and(|&n| n != b']') {
                if let Some(lo) = prev {
                    let hi = self.p[self.i + 1];
                    if hi < lo {
                        return Err("Invalid range in bracket expression.".into());
                    }
                    for b in lo..=hi {
                        set[b as usize] = true;
                    }
                    self.i += 2;
                    prev = None;
                    continue;
                }
            }
            set[c as usize] = true;
            prev = Some(c);
            self.i += 1;
        }
        if neg {
            for b in set.iter_mut() {
                *b = !*b;
            }
        }
        Ok(set)
    }
}

fn single(c: u8) -> Box<[bool; 256]> {
    let mut s = Box::new([false; 256]);
    s[c as usize] = true;
    s
}

fn class_fn(name: &str) -> Option<fn(u8) -> bool> {
    Some(match name {
        "alpha" => |c: u8| c.is_ascii_alphabetic(),
        "digit" | "d" => |c: u8| c.is_ascii_digit(),
        "alnum" => |c: u8| c.is_ascii_alphanumeric(),
        "upper" => |c: u8| c.is_ascii_uppercase(),
        "lower" => |c: u8| c.is_ascii_lowercase(),
        "space" | "s" => |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'),
        "blank" => |c: u8| c == b' ' || c == b'\t',
        "punct" => |c: u8| c.is_ascii_punctuation(),
        "xdigit" => |c: u8| c.is_ascii_hexdigit(),
        "cntrl" => |c: u8| c.is_ascii_control(),
        "print" => |c: u8| (0x20..0x7f).contains(&c),
        "graph" => |c: u8| c.is_ascii_graphic(),
        "w" => |c: u8| c.is_ascii_alphanumeric() || c == b'_',
        _ => return None,
    })
}

fn emit(n: &Node, prog: &mut Vec<Inst>) {
    match n {
        Node::Empty => {}
        Node::Set(s) => prog.push(Inst::Byte(s.clone())),
        Node::Start => prog.push(Inst::Start),
        Node::End => prog.push(Inst::End),
        Node::Cat(v) => v.iter().for_each(|x| emit(x, prog)),
        Node::Alt(arms) => {
            let mut jumps = Vec::new();
            for (k, arm) in arms.iter().enumerate() {
                if k + 1 < arms.len() {
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    emit(arm, prog);
                    jumps.push(prog.len());
                    prog.push(Inst::Jmp(0));
                    let next = prog.len();
                    prog[split] = Inst::Split(split + 1, next);
                } else {
                    emit(arm, prog);
                }
            }
            let end = prog.len();
            for j in jumps {
                prog[j] = Inst::Jmp(end);
            }
        }
        Node::Repeat(body, lo, hi) => {
            for _ in 0..*lo {
                emit(body, prog);
            }
            match hi {
                None => {
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    emit(body, prog);
                    prog.push(Inst::Jmp(split));
                    let end = prog.len();
                    prog[split] = Inst::Split(split + 1, end);
                }
                Some(hi) => {
                    let mut splits = Vec::new();
                    for _ in *lo..*hi {
                        splits.push(prog.len());
                        prog.push(Inst::Split(prog.len() + 1, 0));
                        emit(body, prog);
                    }
                    let end = prog.len();
                    for s in splits {
                        prog[s] = Inst::Split(s + 1, end);
                    }
                }
            }
        }
    }
}

impl Regex {
    pub fn new(pattern: &str) -> Result<Regex, String> {
        let mut p = ReParser {
            p: pattern.as_bytes(),
            i: 0,
        };
        let node = p.alt(0)?;
        if p.i < p.p.len() {
            return Err("Unexpected end of paren group.".into());
        }
        let mut prog = Vec::new();
        emit(&node, &mut prog);
        prog.push(Inst::Match);
        Ok(Regex { prog })
    }

    /// Adds the threads reachable from `pc` without consuming input.
    fn add(&self, list: &mut Vec<usize>, seen: &mut [bool], pc: usize, pos: usize, len: usize) {
        if seen[pc] {
            return;
        }
        seen[pc] = true;
        match &self.prog[pc] {
            Inst::Jmp(t) => self.add(list, seen, *t, pos, len),
            Inst::Split(a, b) => {
                self.add(list, seen, *a, pos, len);
                self.add(list, seen, *b, pos, len);
            }
            Inst::Start => {
                if pos == 0 {
                    self.add(list, seen, pc + 1, pos, len);
                }
            }
            Inst::End => {
                if pos == len {
                    self.add(list, seen, pc + 1, pos, len);
                }
            }
            _ => list.push(pc),
        }
    }

    /// The longest match starting at `start`: its end.
    fn longest_at(&self, text: &[u8], start: usize) -> Option<usize> {
        let n = self.prog.len();
        let mut seen = vec![false; n];
        let mut cur = Vec::new();
        self.add(&mut cur, &mut seen, 0, start, text.len());
        let mut best = None;
        let mut pos = start;
        loop {
            if cur.iter().any(|&pc| matches!(self.prog[pc], Inst::Match)) {
                best = Some(pos);
            }
            if pos >= text.len() || cur.is_empty() {
                return best;
            }
            let c = text[pos];
            let mut next = Vec::new();
            seen.iter_mut().for_each(|s| *s = false);
            for &pc in &cur {
                if let Inst::Byte(set) = &self.prog[pc] {
                    if set[c as usize] {
                        self.add(&mut next, &mut seen, pc + 1, pos + 1, text.len());
                    }
                }
            }
            cur = next;
            pos += 1;
        }
    }

    /// The leftmost-longest match: (start, end).
    pub fn find(&self, text: &[u8]) -> Option<(usize, usize)> {
        (0..=text.len()).find_map(|s| self.longest_at(text, s).map(|e| (s, e)))
    }
}

#[cfg(test)]
mod tests {
    use super::Regex;

    fn find(p: &str, t: &str) -> Option<(usize, usize)> {
        Regex::new(p).unwrap().find(t.as_bytes())
    }

    #[test]
    fn leftmost_longest() {
        assert_eq!(find("ab*|abbbc", "xabbbc"), Some((1, 6)));
        assert_eq!(find("b*", "abc"), Some((0, 0)));
        assert_eq!(find("l+", "hello"), Some((2, 4)));
        assert_eq!(find("o{2}|l{2}", "hello world"), Some((2, 4)));
        assert_eq!(find("$", "abc"), Some((3, 3)));
        assert_eq!(find("^b", "abc"), None);
        assert_eq!(find("[[:space:]]", "a b"), Some((1, 2)));
        assert_eq!(find("[]a]+", "x]a]y"), Some((1, 4)));
        assert_eq!(find("[^a-c]", "abcd"), Some((3, 4)));
        assert_eq!(find("\\.", "a.b"), Some((1, 2)));
        assert_eq!(find("(is )+", "this is it"), Some((2, 8)));
        assert!(Regex::new("(").is_err());
        assert!(Regex::new("*a").is_err());
    }
}
