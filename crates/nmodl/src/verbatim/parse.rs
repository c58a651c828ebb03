//! The C parser: nom combinators over the preprocessed tokens. Statements
//! and top-level items that do not parse are kept as `Unsupported` with
//! their text, so that the rest of the file still loads; nesting is
//! bounded, so no input overflows the stack.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use nom::error::{Error, ErrorKind};
use nom::{IResult, Needed};

use super::ast::*;
use super::lex::{Tok, T};

/// A slice of tokens as nom input.
#[derive(Clone, Copy, Debug)]
pub struct Toks<'a>(pub &'a [Tok]);

impl<'a> nom::Input for Toks<'a> {
    type Item = &'a Tok;
    type Iter = std::slice::Iter<'a, Tok>;
    type IterIndices = std::iter::Enumerate<std::slice::Iter<'a, Tok>>;
    fn input_len(&self) -> usize {
        self.0.len()
    }
    fn take(&self, index: usize) -> Self {
        Toks(&self.0[..index])
    }
    fn take_from(&self, index: usize) -> Self {
        Toks(&self.0[index..])
    }
    fn take_split(&self, index: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at(index);
        (Toks(b), Toks(a))
    }
    fn position<P: Fn(Self::Item) -> bool>(&self, predicate: P) -> Option<usize> {
        self.0.iter().position(predicate)
    }
    fn iter_elements(&self) -> Self::Iter {
        self.0.iter()
    }
    fn iter_indices(&self) -> Self::IterIndices {
        self.0.iter().enumerate()
    }
    fn slice_index(&self, count: usize) -> Result<usize, Needed> {
        if self.0.len() >= count {
            Ok(count)
        } else {
            Err(Needed::new(count - self.0.len()))
        }
    }
}

type P<'a, O> = IResult<Toks<'a>, O>;

/// Nesting (expressions within expressions, statements within statements)
/// beyond this is an error rather than a deeper recursion.
const MAX_DEPTH: usize = 200;

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Names `typedef` introduced in the file.
    static TYPEDEFS: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// Counts one level of nesting while alive.
struct Nest;
impl Nest {
    fn enter(i: Toks) -> Result<Nest, nom::Err<Error<Toks>>> {
        let d = DEPTH.with(|d| {
            d.set(d.get() + 1);
            d.get()
        });
        let n = Nest;
        if d > MAX_DEPTH {
            return Err(nom::Err::Failure(Error::new(i, ErrorKind::TooLarge)));
        }
        Ok(n)
    }
}
impl Drop for Nest {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

fn fail<O>(i: Toks) -> P<O> {
    Err(nom::Err::Error(Error::new(i, ErrorKind::Verify)))
}

fn line(i: Toks<'_>) -> u32 {
    i.0.first().or(i.0.last()).map_or(0, |t| t.line)
}

fn peek(i: Toks<'_>) -> Option<&T> {
    i.0.first().map(|t| &t.t)
}

fn is_p(i: Toks, s: &str) -> bool {
    matches!(peek(i), Some(T::P(p)) if *p == s)
}

/// The punctuator `s`.
fn p<'a>(s: &'static str) -> impl Fn(Toks<'a>) -> P<'a, ()> {
    move |i: Toks<'a>| if is_p(i, s) { Ok((Toks(&i.0[1..]), ())) } else { fail(i) }
}

fn is_kw(i: Toks, s: &str) -> bool {
    matches!(peek(i), Some(T::Id(w)) if w == s)
}

fn kw<'a>(s: &'static str) -> impl Fn(Toks<'a>) -> P<'a, ()> {
    move |i: Toks<'a>| if is_kw(i, s) { Ok((Toks(&i.0[1..]), ())) } else { fail(i) }
}

const KEYWORDS: [&str; 33] = [
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
];

/// Type names NEURON's headers (and the C library) give mod files.
const KNOWN_TYPES: [&str; 34] = [
    "Object", "Rand", "IvocVect", "Vect", "Symbol", "FILE", "Datum", "Point_process", "Prop", "Section", "Node", "NrnThread", "Memb_list", "ThreadDatum", "Inst", "size_t", "uint32_t", "int32_t", "uint64_t", "int64_t", "u_int32_t", "bool", "hoc_Item", "ListVec", "Symlist", "Objectdata", "cTemplate", "Arrayinfo", "NetCon", "nrn_random", "uint16_t", "int16_t", "uint8_t", "int8_t",
];

fn ident(i: Toks) -> P<String> {
    match peek(i) {
        Some(T::Id(s)) if !KEYWORDS.contains(&s.as_str()) => Ok((Toks(&i.0[1..]), s.clone())),
        _ => fail(i),
    }
}

fn is_type_name(s: &str) -> bool {
    matches!(s, "void" | "char" | "short" | "int" | "long" | "float" | "double" | "signed" | "unsigned" | "const" | "volatile" | "struct" | "union" | "enum" | "register" | "auto")
        || KNOWN_TYPES.contains(&s)
        || TYPEDEFS.with(|t| t.borrow().contains(s))
}

/// Whether a declaration starts here.
fn starts_decl(i: Toks) -> bool {
    match peek(i) {
        Some(T::Id(s)) => is_type_name(s) || matches!(s.as_str(), "static" | "extern" | "typedef" | "inline"),
        _ => false,
    }
}

/// Specifiers: storage class and base type.
fn specifiers(mut i: Toks) -> P<(Base, bool, bool, bool)> {
    let (mut st, mut ex, mut td) = (false, false, false);
    let mut base: Option<Base> = None;
    let mut seen_int_word = false;
    loop {
        let Some(T::Id(w)) = peek(i) else { break };
        let w = w.clone();
        match w.as_str() {
            "static" => st = true,
            "extern" => ex = true,
            "typedef" => td = true,
            "const" | "volatile" | "register" | "auto" | "inline" => {}
            "void" => base = Some(Base::Void),
            "char" => base = Some(Base::Char),
            "float" | "double" => base = Some(Base::Double),
            "int" | "long" | "short" | "signed" | "unsigned" => {
                if !matches!(base, Some(Base::Double)) {
                    base = Some(Base::Int);
                }
                seen_int_word = true;
            }
            "struct" | "union" | "enum" => {
                let (r, name) = ident(Toks(&i.0[1..]))?;
                if is_p(r, "{") {
                    return fail(i);
                }
                base = Some(Base::Named(format!("{w} {name}")));
                i = r;
                continue;
            }
            _ if base.is_none() && !seen_int_word && is_type_name(&w) && !matches!(w.as_str(), "const") => base = Some(Base::Named(w.clone())),
            _ => break,
        }
        i = Toks(&i.0[1..]);
    }
    match base {
        Some(b) => Ok((i, (b, st, ex, td))),
        None if seen_int_word || st || ex => Ok((i, (Base::Int, st, ex, td))),
        None => fail(i),
    }
}

/// A declarator: `*name[dims]`, `name(params)`, with an optional `= init`.
fn declarator<'a>(base: &Base, i: Toks<'a>) -> P<'a, Declarator> {
    let line = line(i);
    let mut i = i;
    let mut ptr = 0u8;
    loop {
        if is_p(i, "*") {
            ptr = ptr.saturating_add(1);
            i = Toks(&i.0[1..]);
        } else if is_kw(i, "const") || is_kw(i, "volatile") {
            i = Toks(&i.0[1..]);
        } else {
            break;
        }
    }
    let (mut i, name) = ident(i)?;
    let mut dims = Vec::new();
    let mut params = None;
    if is_p(i, "(") {
        let (r, ps) = param_list(i)?;
        params = Some(ps);
        i = r;
    }
    while is_p(i, "[") {
        i = Toks(&i.0[1..]);
        if is_p(i, "]") {
            dims.push(None);
        } else {
            let (r, e) = expr_no_comma(i)?;
            dims.push(Some(e));
            i = r;
        }
        i = p("]")(i)?.0;
    }
    let mut init = None;
    if is_p(i, "=") {
        let (r, v) = initializer(Toks(&i.0[1..]))?;
        init = Some(v);
        i = r;
    }
    Ok((i, Declarator { name, ty: Ty { base: base.clone(), ptr }, dims, init, params, line }))
}

fn initializer(i: Toks) -> P<Init> {
    let _n = Nest::enter(i)?;
    if is_p(i, "{") {
        let mut i = Toks(&i.0[1..]);
        let mut items = Vec::new();
        while !is_p(i, "}") {
            let (r, v) = initializer(i)?;
            items.push(v);
            i = r;
            if is_p(i, ",") {
                i = Toks(&i.0[1..]);
            } else {
                break;
            }
        }
        let (i, _) = p("}")(i)?;
        return Ok((i, Init::List(items)));
    }
    let (i, e) = expr_no_comma(i)?;
    Ok((i, Init::Expr(e)))
}

/// `(void)`, `()`, `(double x, int* y, ...)`.
fn param_list(i: Toks) -> P<Vec<Param>> {
    let (mut i, _) = p("(")(i)?;
    let mut ps = Vec::new();
    if is_kw(i, "void") && matches!(i.0.get(1).map(|t| &t.t), Some(T::P(")"))) {
        return Ok((Toks(&i.0[2..]), ps));
    }
    while !is_p(i, ")") {
        if is_p(i, "...") {
            i = Toks(&i.0[1..]);
            continue;
        }
        let (r, (base, ..)) = specifiers(i)?;
        let mut r = r;
        let mut ptr = 0u8;
        while is_p(r, "*") || is_kw(r, "const") {
            if is_p(r, "*") {
                ptr = ptr.saturating_add(1);
            }
            r = Toks(&r.0[1..]);
        }
        let (mut r, name) = match ident(r) {
            Ok((r2, n)) => (r2, Some(n)),
            Err(_) => (r, None),
        };
        while is_p(r, "[") {
            // `double x[]` is a pointer.
            while !is_p(r, "]") && !r.0.is_empty() {
                r = Toks(&r.0[1..]);
            }
            r = p("]")(r)?.0;
            ptr = ptr.saturating_add(1);
        }
        ps.push(Param { name, ty: Ty { base, ptr } });
        i = r;
        if is_p(i, ",") {
            i = Toks(&i.0[1..]);
        } else {
            break;
        }
    }
    let (i, _) = p(")")(i)?;
    Ok((i, ps))
}

/// A declaration up to its `;`.
fn declaration(i: Toks) -> P<Decl> {
    let (mut i, (base, is_static, is_extern, is_typedef)) = specifiers(i)?;
    let mut names = Vec::new();
    if !is_p(i, ";") {
        loop {
            let (r, d) = declarator(&base, i)?;
            if is_typedef {
                TYPEDEFS.with(|t| t.borrow_mut().insert(d.name.clone()));
            }
            names.push(d);
            i = r;
            if is_p(i, ",") {
                i = Toks(&i.0[1..]);
            } else {
                break;
            }
        }
    }
    let (i, _) = p(";")(i)?;
    Ok((i, Decl { is_static, is_extern, is_typedef, names }))
}

/// A type in a cast or sizeof: specifiers and `*`s.
fn type_name(i: Toks) -> P<Ty> {
    let (mut i, (base, ..)) = specifiers(i)?;
    let mut ptr = 0u8;
    while is_p(i, "*") || is_kw(i, "const") {
        if is_p(i, "*") {
            ptr = ptr.saturating_add(1);
        }
        i = Toks(&i.0[1..]);
    }
    Ok((i, Ty { base, ptr }))
}

fn starts_type(i: Toks) -> bool {
    matches!(peek(i), Some(T::Id(s)) if is_type_name(s))
}

// ---- expressions ----

pub fn expr(i: Toks) -> P<Expr> {
    let (mut i, mut e) = expr_no_comma(i)?;
    while is_p(i, ",") {
        let (r, b) = expr_no_comma(Toks(&i.0[1..]))?;
        let line = e.line;
        e = Expr { k: EK::Bin(BOp::Comma, Box::new(e), Box::new(b)), line };
        i = r;
    }
    Ok((i, e))
}

fn assign_op(t: Option<&T>) -> Option<Option<BOp>> {
    let T::P(s) = t? else { return None };
    Some(match *s {
        "=" => None,
        "+=" => Some(BOp::Add),
        "-=" => Some(BOp::Sub),
        "*=" => Some(BOp::Mul),
        "/=" => Some(BOp::Div),
        "%=" => Some(BOp::Rem),
        "&=" => Some(BOp::BitAnd),
        "|=" => Some(BOp::BitOr),
        "^=" => Some(BOp::BitXor),
        "<<=" => Some(BOp::Shl),
        ">>=" => Some(BOp::Shr),
        _ => return None,
    })
}

/// An assignment expression (no top-level comma).
pub fn expr_no_comma(i: Toks) -> P<Expr> {
    let _n = Nest::enter(i)?;
    let (i, lhs) = conditional(i)?;
    if let Some(op) = assign_op(peek(i)) {
        let (i, rhs) = expr_no_comma(Toks(&i.0[1..]))?;
        let line = lhs.line;
        return Ok((i, Expr { k: EK::Assign(op, Box::new(lhs), Box::new(rhs)), line }));
    }
    Ok((i, lhs))
}

fn conditional(i: Toks) -> P<Expr> {
    let (i, c) = binary(i, 0)?;
    if is_p(i, "?") {
        let (i, a) = expr(Toks(&i.0[1..]))?;
        let (i, _) = p(":")(i)?;
        let (i, b) = conditional(i)?;
        let line = c.line;
        return Ok((i, Expr { k: EK::Cond(Box::new(c), Box::new(a), Box::new(b)), line }));
    }
    Ok((i, c))
}

fn bin_op(t: Option<&T>) -> Option<(BOp, u8)> {
    let T::P(s) = t? else { return None };
    Some(match *s {
        "||" => (BOp::Or, 1),
        "&&" => (BOp::And, 2),
        "|" => (BOp::BitOr, 3),
        "^" => (BOp::BitXor, 4),
        "&" => (BOp::BitAnd, 5),
        "==" => (BOp::Eq, 6),
        "!=" => (BOp::Ne, 6),
        "<" => (BOp::Lt, 7),
        ">" => (BOp::Gt, 7),
        "<=" => (BOp::Le, 7),
        ">=" => (BOp::Ge, 7),
        "<<" => (BOp::Shl, 8),
        ">>" => (BOp::Shr, 8),
        "+" => (BOp::Add, 9),
        "-" => (BOp::Sub, 9),
        "*" => (BOp::Mul, 10),
        "/" => (BOp::Div, 10),
        "%" => (BOp::Rem, 10),
        _ => return None,
    })
}

/// Binary operators by precedence climbing (all left-associative).
fn binary(i: Toks, min: u8) -> P<Expr> {
    let _n = Nest::enter(i)?;
    let (mut i, mut lhs) = unary(i)?;
    while let Some((op, prec)) = bin_op(peek(i)) {
        if prec <= min {
            break;
        }
        let (r, rhs) = binary(Toks(&i.0[1..]), prec)?;
        let line = lhs.line;
        lhs = Expr { k: EK::Bin(op, Box::new(lhs), Box::new(rhs)), line };
        i = r;
    }
    Ok((i, lhs))
}

fn unary_op(op: UOp, i: Toks, line: u32) -> P<Expr> {
    let (i, e) = unary(Toks(&i.0[1..]))?;
    Ok((i, Expr { k: EK::Un(op, Box::new(e)), line }))
}

fn unary(i: Toks) -> P<Expr> {
    let _n = Nest::enter(i)?;
    let line = line(i);
    let un = |op: UOp, i| unary_op(op, i, line);
    match peek(i) {
        Some(T::P("-")) => return un(UOp::Neg, i),
        Some(T::P("+")) => return un(UOp::Plus, i),
        Some(T::P("!")) => return un(UOp::Not, i),
        Some(T::P("~")) => return un(UOp::BitNot, i),
        Some(T::P("*")) => return un(UOp::Deref, i),
        Some(T::P("&")) => return un(UOp::Addr, i),
        Some(T::P("++")) => return un(UOp::PreInc, i),
        Some(T::P("--")) => return un(UOp::PreDec, i),
        Some(T::Id(s)) if s == "sizeof" => {
            let r = Toks(&i.0[1..]);
            if is_p(r, "(") && starts_type(Toks(&r.0[1..])) {
                let (r, t) = type_name(Toks(&r.0[1..]))?;
                let (r, _) = p(")")(r)?;
                return Ok((r, Expr { k: EK::SizeofTy(t), line }));
            }
            let (r, e) = unary(r)?;
            return Ok((r, Expr { k: EK::SizeofExpr(Box::new(e)), line }));
        }
        Some(T::P("(")) if starts_type(Toks(&i.0[1..])) => {
            let (r, t) = type_name(Toks(&i.0[1..]))?;
            let (r, _) = p(")")(r)?;
            let (r, e) = unary(r)?;
            return Ok((r, Expr { k: EK::Cast(t, Box::new(e)), line }));
        }
        _ => {}
    }
    postfix(i)
}

fn postfix(i: Toks) -> P<Expr> {
    let (mut i, mut e) = primary(i)?;
    loop {
        let line = e.line;
        match peek(i) {
            Some(T::P("(")) => {
                let mut r = Toks(&i.0[1..]);
                let mut args = Vec::new();
                while !is_p(r, ")") {
                    let (r2, a) = expr_no_comma(r)?;
                    args.push(a);
                    r = r2;
                    if is_p(r, ",") {
                        r = Toks(&r.0[1..]);
                    } else {
                        break;
                    }
                }
                let (r, _) = p(")")(r)?;
                e = Expr { k: EK::Call(Box::new(e), args), line };
                i = r;
            }
            Some(T::P("[")) => {
                let (r, ix) = expr(Toks(&i.0[1..]))?;
                let (r, _) = p("]")(r)?;
                e = Expr { k: EK::Index(Box::new(e), Box::new(ix)), line };
                i = r;
            }
            Some(T::P(d @ ("." | "->"))) => {
                let arrow = *d == "->";
                let (r, f) = ident(Toks(&i.0[1..]))?;
                e = Expr { k: EK::Member(Box::new(e), f, arrow), line };
                i = r;
            }
            Some(T::P("++")) => {
                e = Expr { k: EK::Un(UOp::PostInc, Box::new(e)), line };
                i = Toks(&i.0[1..]);
            }
            Some(T::P("--")) => {
                e = Expr { k: EK::Un(UOp::PostDec, Box::new(e)), line };
                i = Toks(&i.0[1..]);
            }
            _ => return Ok((i, e)),
        }
    }
}

fn primary(i: Toks) -> P<Expr> {
    let line = line(i);
    let r = Toks(i.0.get(1..).unwrap_or(&[]));
    match peek(i) {
        Some(T::Int(v)) => Ok((r, Expr { k: EK::Int(*v), line })),
        Some(T::Real(v)) => Ok((r, Expr { k: EK::Real(*v), line })),
        Some(T::Str(s)) => Ok((r, Expr { k: EK::Str(s.clone()), line })),
        Some(T::Id(_)) => {
            let (r, s) = ident(i)?;
            Ok((r, Expr { k: EK::Id(s), line }))
        }
        Some(T::P("(")) => {
            let (r, e) = expr(r)?;
            let (r, _) = p(")")(r)?;
            Ok((r, e))
        }
        _ => fail(i),
    }
}

// ---- statements ----

fn stmt(i: Toks) -> P<Stmt> {
    let _n = Nest::enter(i)?;
    let line = line(i);
    let mk = |k: SK| Stmt { k, line };
    match peek(i) {
        Some(T::Nmodl(k)) => return Ok((Toks(&i.0[1..]), mk(SK::Nmodl(*k)))),
        Some(T::P(";")) => return Ok((Toks(&i.0[1..]), mk(SK::Empty))),
        Some(T::P("{")) => {
            let (r, body) = stmts(Toks(&i.0[1..]))?;
            let (r, _) = p("}")(r)?;
            return Ok((r, mk(SK::Block(body))));
        }
        _ => {}
    }
    if is_kw(i, "if") {
        let (r, _) = kw("if")(i)?;
        let (r, _) = p("(")(r)?;
        let (r, c) = expr(r)?;
        let (r, _) = p(")")(r)?;
        let (r, then) = stmt(r)?;
        if is_kw(r, "else") {
            let (r, els) = stmt(Toks(&r.0[1..]))?;
            return Ok((r, mk(SK::If(c, Box::new(then), Some(Box::new(els))))));
        }
        return Ok((r, mk(SK::If(c, Box::new(then), None))));
    }
    if is_kw(i, "while") {
        let (r, _) = kw("while")(i)?;
        let (r, _) = p("(")(r)?;
        let (r, c) = expr(r)?;
        let (r, _) = p(")")(r)?;
        let (r, body) = stmt(r)?;
        return Ok((r, mk(SK::While(c, Box::new(body)))));
    }
    if is_kw(i, "do") {
        let (r, body) = stmt(Toks(&i.0[1..]))?;
        let (r, _) = kw("while")(r)?;
        let (r, _) = p("(")(r)?;
        let (r, c) = expr(r)?;
        let (r, _) = p(")")(r)?;
        let (r, _) = p(";")(r)?;
        return Ok((r, mk(SK::Do(Box::new(body), c))));
    }
    if is_kw(i, "for") {
        let (r, _) = kw("for")(i)?;
        let (mut r, _) = p("(")(r)?;
        let init = if is_p(r, ";") {
            r = Toks(&r.0[1..]);
            None
        } else if starts_decl(r) {
            let (r2, d) = declaration(r)?;
            r = r2;
            Some(Box::new(Stmt { k: SK::Decl(d), line }))
        } else {
            let (r2, e) = expr(r)?;
            let (r2, _) = p(";")(r2)?;
            r = r2;
            Some(Box::new(Stmt { k: SK::Expr(e), line }))
        };
        let (r, cond) = if is_p(r, ";") { (r, None) } else { expr(r).map(|(r, e)| (r, Some(e)))? };
        let (r, _) = p(";")(r)?;
        let (r, step) = if is_p(r, ")") { (r, None) } else { expr(r).map(|(r, e)| (r, Some(e)))? };
        let (r, _) = p(")")(r)?;
        let (r, body) = stmt(r)?;
        return Ok((r, mk(SK::For(init, cond, step, Box::new(body)))));
    }
    if is_kw(i, "return") {
        let r = Toks(&i.0[1..]);
        if is_p(r, ";") {
            return Ok((Toks(&r.0[1..]), mk(SK::Return(None))));
        }
        let (r, e) = expr(r)?;
        let (r, _) = p(";")(r)?;
        return Ok((r, mk(SK::Return(Some(e)))));
    }
    if is_kw(i, "break") || is_kw(i, "continue") {
        let k = if is_kw(i, "break") { SK::Break } else { SK::Continue };
        let (r, _) = p(";")(Toks(&i.0[1..]))?;
        return Ok((r, mk(k)));
    }
    if starts_decl(i) && !matches!(i.0.get(1).map(|t| &t.t), Some(T::P("(" | "=" | "[" | "." | "->"))) {
        let (r, d) = declaration(i)?;
        return Ok((r, mk(SK::Decl(d))));
    }
    if is_kw(i, "switch") {
        return switch(i, line);
    }
    if matches!(peek(i), Some(T::Id(w)) if matches!(w.as_str(), "goto" | "case" | "default")) {
        return fail(i);
    }
    let (r, e) = expr(i)?;
    let (r, _) = p(";")(r)?;
    Ok((r, mk(SK::Expr(e))))
}

/// `switch (e) { case c: … default: … }`, as statements the lowering
/// knows: the value and a fall-through flag in locals of their own, and a
/// one-pass `do … while (0)` for `break`. A group of statements runs when
/// control falls into it or one of its labels matches; `default` matches
/// when no case does.
fn switch(i: Toks, line: u32) -> P<Stmt> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static SWITCHES: AtomicUsize = AtomicUsize::new(0);
    let (r, _) = kw("switch")(i)?;
    let (r, _) = p("(")(r)?;
    let (r, sel) = expr(r)?;
    let (r, _) = p(")")(r)?;
    let (mut r, _) = p("{")(r)?;
    // (labels (None: default), statements)
    let mut groups: Vec<(Vec<Option<Expr>>, Vec<Stmt>)> = Vec::new();
    while !is_p(r, "}") {
        if is_kw(r, "case") {
            let (r2, c) = conditional(Toks(&r.0[1..]))?;
            let (r2, _) = p(":")(r2)?;
            r = r2;
            match groups.last_mut() {
                Some((labels, body)) if body.is_empty() => labels.push(Some(c)),
                _ => groups.push((vec![Some(c)], Vec::new())),
            }
        } else if is_kw(r, "default") {
            let (r2, _) = p(":")(Toks(&r.0[1..]))?;
            r = r2;
            match groups.last_mut() {
                Some((labels, body)) if body.is_empty() => labels.push(None),
                _ => groups.push((vec![None], Vec::new())),
            }
        } else {
            let (r2, st) = stmt(r)?;
            r = r2;
            match groups.last_mut() {
                Some((_, body)) => body.push(st),
                None => {} // unreachable code before the first label
            }
        }
    }
    let (r, _) = p("}")(r)?;
    if groups.iter().any(|(_, body)| body.iter().any(continues_outside)) {
        return fail(i);
    }
    let n = SWITCHES.fetch_add(1, Ordering::Relaxed);
    let (sw, ft) = (format!("_switch_value{n}"), format!("_switch_fell{n}"));
    let e = |k: EK| Expr { k, line };
    let id = |name: &str| e(EK::Id(name.to_string()));
    let bin = |op: BOp, a: Expr, b: Expr| e(EK::Bin(op, Box::new(a), Box::new(b)));
    let or_all = |es: Vec<Expr>| es.into_iter().reduce(|a, b| bin(BOp::Or, a, b));
    let cases: Vec<Expr> = groups.iter().flat_map(|(l, _)| l.iter().flatten().cloned()).collect();
    let is = |c: &Expr| bin(BOp::Eq, id(&sw), c.clone());
    let any_case = or_all(cases.iter().map(is).collect());
    let mut body = Vec::new();
    for (labels, stmts) in groups {
        let tests: Vec<Expr> = labels
            .iter()
            .map(|l| match (l, &any_case) {
                (Some(c), _) => is(c),
                (None, Some(a)) => e(EK::Un(UOp::Not, Box::new(a.clone()))),
                (None, None) => e(EK::Int(1)),
            })
            .collect();
        let cond = bin(BOp::Or, id(&ft), or_all(tests).unwrap_or(e(EK::Int(0))));
        let set = Stmt { k: SK::Expr(e(EK::Assign(None, Box::new(id(&ft)), Box::new(e(EK::Int(1)))))), line };
        let then = Stmt { k: SK::Block(std::iter::once(set).chain(stmts).collect()), line };
        body.push(Stmt { k: SK::If(cond, Box::new(then), None), line });
    }
    let local = |name: String, init: Expr| Stmt {
        k: SK::Decl(Decl { is_static: false, is_extern: false, is_typedef: false, names: vec![Declarator { name, ty: Ty::double(), dims: vec![], init: Some(Init::Expr(init)), params: None, line }] }),
        line,
    };
    let once = Stmt { k: SK::Do(Box::new(Stmt { k: SK::Block(body), line }), e(EK::Int(0))), line };
    Ok((r, Stmt { k: SK::Block(vec![local(sw, sel), local(ft, e(EK::Int(0))), once]), line }))
}

/// Whether a statement holds a `continue` that leaves it (not one of a
/// loop inside it).
fn continues_outside(s: &Stmt) -> bool {
    match &s.k {
        SK::Continue => true,
        SK::If(_, a, b) => continues_outside(a) || b.as_deref().is_some_and(continues_outside),
        SK::Block(b) => b.iter().any(continues_outside),
        _ => false,
    }
}

/// Tokens to skip past a statement that does not parse: through the next
/// `;` or balanced `{…}` at this level, never past a `}` closing the block.
fn skip_stmt(i: Toks) -> usize {
    let mut depth = 0i32;
    for (k, t) in i.0.iter().enumerate() {
        match &t.t {
            T::P("(" | "[") => depth += 1,
            T::P(")" | "]") => depth -= 1,
            T::P("{") => depth += 1,
            T::P("}") => {
                if depth <= 0 {
                    return k.max(1);
                }
                depth -= 1;
                if depth == 0 && !matches!(i.0.get(k + 1).map(|t| &t.t), Some(T::P(";" | ")" | ","))) && !matches!(i.0.get(k + 1).map(|t| &t.t), Some(T::Id(w)) if w == "else" || w == "while") {
                    return k + 1;
                }
            }
            T::P(";") if depth <= 0 => return k + 1,
            T::Nmodl(_) if depth <= 0 && k > 0 => return k,
            _ => {}
        }
    }
    i.0.len()
}

/// The text of tokens, for an error message (shortened).
pub fn spell(toks: &[Tok]) -> String {
    let mut s = String::new();
    for t in toks {
        let piece = match &t.t {
            T::Id(w) => w.clone(),
            T::Int(v) => v.to_string(),
            T::Real(v) => v.to_string(),
            T::Str(x) => format!("{x:?}"),
            T::P(p) => p.to_string(),
            T::Hash(h) => format!("#{h}"),
            T::Nmodl(_) => "…".into(),
            T::Bad(c) => c.to_string(),
        };
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"');
        if word(s.chars().last()) && word(piece.chars().next()) {
            s.push(' ');
        }
        s.push_str(&piece);
        if s.chars().count() > 60 {
            s = s.chars().take(57).collect();
            s.push_str("...");
            break;
        }
    }
    s
}

/// Statements up to a `}` (not consumed) or the end; those that do not
/// parse become `Unsupported`.
pub fn stmts(mut i: Toks) -> P<Vec<Stmt>> {
    let mut out = Vec::new();
    while !i.0.is_empty() && !is_p(i, "}") {
        match stmt(i) {
            Ok((r, s)) => {
                out.push(s);
                i = r;
            }
            Err(nom::Err::Failure(e)) if e.code == ErrorKind::TooLarge => return Err(nom::Err::Failure(e)),
            Err(_) => {
                let n = skip_stmt(i);
                out.push(Stmt { k: SK::Unsupported(spell(&i.0[..n])), line: line(i) });
                i = Toks(&i.0[n..]);
            }
        }
    }
    Ok((i, out))
}

/// A block's statements from a VERBATIM token stream: a `}` that closes
/// nothing ends parsing, and the rest becomes one `Unsupported` statement.
pub fn block_stmts(toks: &[Tok]) -> Vec<Stmt> {
    DEPTH.with(|d| d.set(0));
    let mut out = Vec::new();
    let mut i = Toks(toks);
    while !i.0.is_empty() {
        match stmts(i) {
            Ok((r, s)) => {
                out.extend(s);
                i = r;
                if !i.0.is_empty() {
                    // A stray `}`.
                    out.push(Stmt { k: SK::Unsupported(spell(&i.0[..1])), line: line(i) });
                    i = Toks(&i.0[1..]);
                }
            }
            Err(_) => {
                out.push(Stmt { k: SK::Unsupported(format!("{} (nested too deeply)", spell(i.0))), line: line(i) });
                break;
            }
        }
    }
    out
}

fn func_def(i: Toks) -> P<Func> {
    let line = line(i);
    let (i, (base, is_static, ..)) = specifiers(i)?;
    let mut i = i;
    let mut ptr = 0u8;
    while is_p(i, "*") {
        ptr = ptr.saturating_add(1);
        i = Toks(&i.0[1..]);
    }
    let (i, name) = ident(i)?;
    let (i, params) = param_list(i)?;
    let (i, _) = p("{")(i)?;
    let (i, body) = stmts(i)?;
    let (i, _) = p("}")(i)?;
    Ok((i, Func { name, ret: Ty { base, ptr }, params, body, is_static, line }))
}

/// Tokens to skip past a top-level item that does not parse.
fn skip_item(i: Toks) -> usize {
    let mut depth = 0i32;
    for (k, t) in i.0.iter().enumerate() {
        match &t.t {
            T::P("{" | "(" | "[") => depth += 1,
            T::P("}" | ")" | "]") => {
                depth -= 1;
                if depth <= 0 && matches!(t.t, T::P("}")) && !matches!(i.0.get(k + 1).map(|t| &t.t), Some(T::P(";")) | Some(T::Id(_))) {
                    return k + 1;
                }
            }
            T::P(";") if depth <= 0 => return k + 1,
            _ => {}
        }
    }
    i.0.len()
}

/// The `static` declarations anywhere in a token stream (the variables of
/// functions that keep their values between calls).
pub fn static_decls(toks: &[Tok]) -> Vec<Decl> {
    DEPTH.with(|d| d.set(0));
    let mut out = Vec::new();
    for k in 0..toks.len() {
        if toks[k].t == T::Id("static".into()) {
            if let Ok((_, d)) = declaration(Toks(&toks[k..])) {
                out.push(d);
            }
        }
    }
    out
}

/// The items of a top-level VERBATIM block.
pub fn items(toks: &[Tok]) -> Vec<Item> {
    DEPTH.with(|d| d.set(0));
    let mut out = Vec::new();
    let mut i = Toks(toks);
    while !i.0.is_empty() {
        if is_p(i, ";") {
            i = Toks(&i.0[1..]);
            continue;
        }
        let line = line(i);
        if let Ok((r, f)) = func_def(i) {
            out.push(Item::Func(f));
            i = r;
            continue;
        }
        if starts_decl(i) {
            if let Ok((r, d)) = declaration(i) {
                out.push(Item::Decl(d));
                i = r;
                continue;
            }
        }
        let n = skip_item(i).max(1);
        out.push(Item::Unsupported { line, what: spell(&i.0[..n]) });
        i = Toks(&i.0[n..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verbatim::lex::lex;

    fn parse(src: &str) -> Vec<Stmt> {
        block_stmts(&lex(src, 1))
    }

    #[test]
    fn statements() {
        let s = parse("int i, n = 3; double *x; for (i = 0; i < n; i++) { x[i] = (double) i / 2; if (i > 1) break; } return 0;");
        assert_eq!(s.len(), 4);
        assert!(matches!(s[0].k, SK::Decl(_)));
        assert!(matches!(s[2].k, SK::For(..)));
        assert!(matches!(s[3].k, SK::Return(Some(_))));
    }

    #[test]
    fn casts_and_precedence() {
        let s = parse("y = (int) a * b + c << 1 == d ? e : f;");
        let SK::Expr(Expr { k: EK::Assign(None, _, rhs), .. }) = &s[0].k else { panic!() };
        assert!(matches!(rhs.k, EK::Cond(..)));
    }

    #[test]
    fn unsupported_is_kept_and_parsing_goes_on() {
        let s = parse("goto done; z = 1;");
        assert!(matches!(&s[0].k, SK::Unsupported(t) if t.starts_with("goto")));
        assert!(matches!(s.last().unwrap().k, SK::Expr(_)));
    }

    #[test]
    fn switch_becomes_a_one_pass_loop() {
        let s = parse("switch (k) { case 0: case 1: y = 2; break; default: y = 3; }");
        let SK::Block(b) = &s[0].k else { panic!("{:?}", s[0].k) };
        assert!(matches!(b[0].k, SK::Decl(_)) && matches!(b[1].k, SK::Decl(_)));
        let SK::Do(body, _) = &b[2].k else { panic!() };
        let SK::Block(groups) = &body.k else { panic!() };
        assert_eq!(groups.len(), 2);
        // a continue would leave the switch's own loop: not taken
        let s = parse("switch (k) { case 0: continue; }");
        assert!(matches!(&s[0].k, SK::Unsupported(_)));
    }

    #[test]
    fn items_of_a_library() {
        let it = items(&lex("extern double* hoc_pgetarg();\nstatic double slope(void* vv) { int n; return 0; }\nstatic int seed = 3;", 1));
        assert!(matches!(it[0], Item::Decl(_)));
        assert!(matches!(&it[1], Item::Func(f) if f.name == "slope" && f.params.len() == 1));
        assert!(matches!(it[2], Item::Decl(_)));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("x = {}1{};", "(".repeat(5000), ")".repeat(5000));
        let s = parse(&src);
        assert!(matches!(s[0].k, SK::Unsupported(_)));
    }
}
