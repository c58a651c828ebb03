//! Recursive-descent parser for NMODL, after the grammar of NEURON's
//! translator (nocmodl): free-form (newlines are blanks), keywords reserved,
//! units read as raw text, expressions with yacc's precedences:
//!
//! | lowest | `\|\|` |
//! |        | `&&` |
//! |        | `<` `<=` `>` `>=` `==` `!=` (left-assoc, one level) |
//! |        | `+` `-` |
//! |        | `*` `/` |
//! |        | unary `-` `!` |
//! | highest| `^` (right-assoc) |
//!
//! so `-x^2` is `-(x^2)` and `2^-1` is `2^(-1)`.

use std::collections::{HashMap, HashSet, VecDeque};

use logos::Logos;

use crate::ast::*;
use crate::error::ParseError;
use crate::include::Includes;
use crate::lexer::{LexError, Tok, Token};
use crate::span::LineIndex;

/// Deepest nesting of blocks, parentheses and unary operators.
const MAX_DEPTH: u32 = 100;
/// Tallest expression tree (long operator chains nest too).
const MAX_HEIGHT: u32 = 500;

/// Words NEURON's translator reserves: they can never be names.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "AFTER", "ARTIFICIAL_CELL", "ASSIGNED", "BBCOREPOINTER", "BEFORE", "BREAKPOINT", "BY", "CHARGE",
    "COMMENT", "COMPARTMENT", "CONDUCTANCE", "CONSERVE", "CONSTANT", "CONSTRUCTOR", "DEFINE", "DEL",
    "DEL2", "DEPEND", "DERIVATIVE", "DESTRUCTOR", "DISCRETE", "ELECTRODE_CURRENT", "ELSE",
    "ENDCOMMENT", "ENDVERBATIM", "EQUATION", "EXTERNAL", "FOR_NETCONS", "FROM", "FUNCTION",
    "FUNCTION_TABLE", "GLOBAL", "IF", "INCLUDE", "INDEPENDENT", "INITIAL", "KINETIC", "LAG",
    "LINEAR", "LOCAL", "LONGITUDINAL_DIFFUSION", "METHOD", "MUTEXLOCK", "MUTEXUNLOCK",
    "NET_RECEIVE", "NEURON", "NONLINEAR", "NONSPECIFIC_CURRENT", "PARAMETER", "POINTER",
    "POINT_PROCESS", "PROCEDURE", "PROTECT", "RANDOM", "RANGE", "READ", "REPRESENTS", "SOLVE",
    "SOLVEFOR", "START", "STATE", "STEADYSTATE", "STEP", "SUFFIX", "SWEEP", "TABLE", "THREADSAFE",
    "TITLE", "TO", "UNITS", "UNITSOFF", "UNITSON", "USEION", "VALENCE", "VERBATIM", "VS", "WATCH",
    "WHILE", "WITH", "WRITE", "else", "if", "while",
];

/// True if `word` is reserved by NMODL.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

type PResult<T> = Result<T, ParseError>;

/// Where `~` statements are allowed, and what they mean.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tilde {
    None,
    Reaction,
    Equation,
}

/// Stack for the parsing thread: ample for [`MAX_DEPTH`] levels of nesting
/// even with the large frames of unoptimised builds (about 30 KiB a level).
const PARSE_STACK: usize = 32 << 20;

/// Parses a whole .mod file. `file` is used only in error messages. An
/// `INCLUDE` stays an [`ItemKind::Include`] item: nothing is read from disk
/// (see [`parse_with_includes`]).
///
/// The work is done on a scoped thread with its own large stack, so the
/// nesting limit holds whatever stack the caller has (a test thread's 2 MiB
/// included); if no thread can be started, it runs on the caller's.
pub fn parse(src: &str, file: &str) -> PResult<Module> {
    parse_with_includes(src, file, None)
}

/// Parses a .mod file, reading the files it INCLUDEs through `includes` and
/// putting their items in place of each INCLUDE (DEFINEs carry across, as
/// the inclusion is textual).
pub fn parse_with_includes(src: &str, file: &str, includes: Option<Includes>) -> PResult<Module> {
    let src = normalize_line_ends(src);
    let src = src.as_ref();
    let run = |includes: Option<Includes>| {
        let mut p = Parser::new(src, file);
        p.includes = includes;
        p.module()
    };
    std::thread::scope(|s| {
        let inc = includes.clone();
        let spawned = std::thread::Builder::new()
            .name("nmodl-parse".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(s, move || run(inc));
        match spawned {
            Ok(h) => h
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => run(includes),
        }
    })
}

/// The text as NEURON's translator reads it: a carriage return, alone (old
/// Mac files) or before a newline (DOS files), ends a line like a newline,
/// and ^Z or ^D ends the file.
fn normalize_line_ends(src: &str) -> std::borrow::Cow<'_, str> {
    let end = src.find(['\u{1a}', '\u{4}']).unwrap_or(src.len());
    let src = &src[..end];
    if !src.contains('\r') {
        return std::borrow::Cow::Borrowed(src);
    }
    std::borrow::Cow::Owned(src.replace("\r\n", "\n").replace('\r', "\n"))
}

struct Parser<'s> {
    src: &'s str,
    file: &'s str,
    lines: LineIndex,
    lex: logos::Lexer<'s, Tok>,
    /// Lookahead, lexed lazily (units are read from the raw text, so the
    /// lexer is restarted after each one).
    buf: VecDeque<Token>,
    lex_done: bool,
    /// The last token consumed.
    prev: Span,
    depth: u32,
    tilde: Tilde,
    /// Names in the order they were first met (`Module::names_seen`).
    seen: Vec<String>,
    seen_set: HashSet<String>,
    /// `DEFINE`d names seen so far (a textual substitution in NMODL).
    defines: HashMap<String, i64>,
    /// Where INCLUDEd files are read from (None: INCLUDE items are kept).
    includes: Option<Includes>,
}

impl<'s> Parser<'s> {
    fn new(src: &'s str, file: &'s str) -> Self {
        Parser {
            src,
            file,
            lines: LineIndex::new(src),
            lex: Tok::lexer(src),
            buf: VecDeque::new(),
            lex_done: false,
            prev: Span::default(),
            depth: 0,
            tilde: Tilde::None,
            defines: HashMap::new(),
            includes: None,
            seen: Vec::new(),
            seen_set: HashSet::new(),
        }
    }

    /// Notes a name where the lexer first meets it.
    fn saw(&mut self, name: &str) {
        if !self.seen_set.contains(name) {
            self.seen_set.insert(name.to_string());
            self.seen.push(name.to_string());
        }
    }

    // ---------------------------------------------------------------- tokens

    fn next_raw(&mut self) -> Token {
        if !self.lex_done {
            match self.lex.next() {
                Some(r) => {
                    let sp = self.lex.span();
                    let span = self.lines.span(self.src, sp.start, sp.end);
                    return match r {
                        Ok(tok) => Token { tok, span },
                        Err(e) => {
                            // The parser stops at the first bad token anyway.
                            self.lex_done = true;
                            Token {
                                tok: Tok::Error(e),
                                span,
                            }
                        }
                    };
                }
                None => self.lex_done = true,
            }
        }
        let n = self.src.len();
        Token {
            tok: Tok::Eof,
            span: self.lines.span(self.src, n, n),
        }
    }

    fn peek(&mut self, n: usize) -> &Token {
        while self.buf.len() <= n {
            let t = self.next_raw();
            self.buf.push_back(t);
        }
        &self.buf[n]
    }

    fn tok(&mut self, n: usize) -> &Tok {
        &self.peek(n).tok
    }

    fn at(&mut self, t: Tok) -> bool {
        *self.tok(0) == t
    }

    fn bump(&mut self) -> Token {
        self.peek(0);
        let t = self.buf.pop_front().expect("peeked");
        self.prev = t.span;
        t
    }

    fn eat(&mut self, t: Tok) -> bool {
        if self.at(t) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn text(&self, t: &Token) -> &'s str {
        self.src
            .get(t.span.lo as usize..t.span.hi as usize)
            .unwrap_or("")
    }

    /// The word at lookahead `n`, if it is a name or keyword.
    fn word(&mut self, n: usize) -> Option<&'s str> {
        let t = self.peek(n);
        if t.tok != Tok::Ident {
            return None;
        }
        let sp = t.span;
        self.src.get(sp.lo as usize..sp.hi as usize)
    }

    fn at_kw(&mut self, kw: &str) -> bool {
        self.word(0) == Some(kw)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// A span from `start` to the end of the last consumed token.
    fn since(&self, start: Span) -> Span {
        start.to(self.prev)
    }

    // ---------------------------------------------------------------- errors

    fn err_at(&self, span: Span, msg: impl Into<String>) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            line: span.line,
            col: span.col,
            message: msg.into(),
        }
    }

    /// "expected X, found Y" at the next token (or the lexing error there).
    fn unexpected(&mut self, expected: &str) -> ParseError {
        let t = self.peek(0).clone();
        let text = self.text(&t);
        let msg = match &t.tok {
            Tok::Error(LexError::Invalid) => {
                format!(
                    "invalid character '{}': no NMODL token starts with it",
                    text.chars().next().unwrap_or('?')
                )
            }
            Tok::Error(LexError::Unterminated(kw)) => {
                format!("{kw} block is never closed: no line starting with END{kw} before the end of the file")
            }
            Tok::Error(LexError::BadOntology) => {
                "REPRESENTS must be followed by an ontology id such as NCIT:C17145 or [NCIT:C17145]"
                    .to_string()
            }
            tok => {
                let found = tok.describe(text);
                let hint = if tok == &Tok::Ident && is_keyword(text) {
                    " (it is a reserved word)"
                } else {
                    ""
                };
                format!("expected {expected}, found {found}{hint}")
            }
        };
        self.err_at(t.span, msg)
    }

    fn expect(&mut self, t: Tok, expected: &str) -> PResult<Span> {
        if self.at(t) {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn expect_kw(&mut self, kw: &str, expected: &str) -> PResult<Span> {
        if self.at_kw(kw) {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let sp = self.peek(0).span;
            return Err(self.err_at(sp, format!("nesting is too deep (more than {MAX_DEPTH} levels of blocks, parentheses or unary operators)")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ----------------------------------------------------------- small parts

    /// A name that is not a reserved word.
    fn ident(&mut self, what: &str) -> PResult<Ident> {
        let t = self.peek(0).clone();
        if t.tok == Tok::Ident && !is_keyword(self.text(&t)) {
            self.bump();
            self.saw(self.text(&t));
            Ok(Ident {
                name: self.text(&t).to_string(),
                span: t.span,
            })
        } else {
            Err(self.unexpected(what))
        }
    }

    fn at_name(&mut self) -> bool {
        matches!(self.word(0), Some(w) if !is_keyword(w))
    }

    /// `a, b, c`.
    fn name_list(&mut self, what: &str) -> PResult<Vec<Ident>> {
        let mut v = vec![self.ident(what)?];
        while self.eat(Tok::Comma) {
            v.push(self.ident(what)?);
        }
        Ok(v)
    }

    /// The value of a `DEFINE`d name at lookahead 0, if it is one.
    fn defined(&mut self) -> Option<(i64, Span)> {
        let w = self.word(0)?;
        let v = *self.defines.get(w)?;
        Some((v, self.peek(0).span))
    }

    /// An unsigned literal (or a `DEFINE`d name).
    fn number(&mut self, what: &str) -> PResult<Number> {
        if let Some((v, span)) = self.defined() {
            self.bump();
            return Ok(Number {
                value: v as f64,
                integer: true,
                span,
            });
        }
        let t = self.peek(0).clone();
        match t.tok {
            Tok::Int | Tok::Real => {
                self.bump();
                let value = self.text(&t).parse::<f64>().unwrap_or(f64::NAN);
                Ok(Number {
                    value,
                    integer: t.tok == Tok::Int,
                    span: t.span,
                })
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// A literal with an optional leading `-` (or `+`).
    fn signed_number(&mut self, what: &str) -> PResult<Number> {
        let start = self.peek(0).span;
        let neg = if self.eat(Tok::Minus) {
            true
        } else {
            self.eat(Tok::Plus);
            false
        };
        let mut n = self.number(what)?;
        if neg {
            n.value = -n.value;
        }
        n.span = self.since(start);
        Ok(n)
    }

    /// An integer literal or a `DEFINE`d name.
    fn count(&mut self, what: &str) -> PResult<Count> {
        if let Some((value, span)) = self.defined() {
            self.bump();
            return Ok(Count { value, span });
        }
        let t = self.peek(0).clone();
        if t.tok != Tok::Int {
            return Err(self.unexpected(what));
        }
        self.bump();
        match self.text(&t).parse::<i64>() {
            Ok(value) => Ok(Count {
                value,
                span: t.span,
            }),
            Err(_) => Err(self.err_at(t.span, format!("integer {} is too large", self.text(&t)))),
        }
    }

    /// `[count]`, if present.
    fn opt_size(&mut self) -> PResult<Option<Count>> {
        if !self.eat(Tok::LBracket) {
            return Ok(None);
        }
        let c = self.count("an array size (an integer or a DEFINEd name)")?;
        self.expect(Tok::RBracket, "']' after the array size")?;
        Ok(Some(c))
    }

    /// A unit `( … )`, read as raw text up to the next `)` on the same line.
    fn unit(&mut self) -> PResult<Unit> {
        let open = self.peek(0).span;
        debug_assert_eq!(self.peek(0).tok, Tok::LParen);
        let start = open.hi as usize;
        let rest = &self.src[start..];
        let Some(close) = rest
            .find([')', '\n', '\r'])
            .filter(|&i| rest.as_bytes()[i] == b')')
        else {
            return Err(self.err_at(
                open,
                "unit has no closing ')' on its line (units are written like (mV) or (/ms))",
            ));
        };
        let text = rest[..close].trim().to_string();
        let end = start + close + 1;
        // Restart the lexer after ')': the unit's text is not made of tokens.
        self.buf.clear();
        self.lex = Tok::lexer(self.src);
        self.lex.bump(end);
        self.lex_done = false;
        let span = self.lines.span(self.src, open.lo as usize, end);
        self.prev = span;
        Ok(Unit { text, span })
    }

    fn opt_unit(&mut self) -> PResult<Option<Unit>> {
        if self.at(Tok::LParen) {
            Ok(Some(self.unit()?))
        } else {
            Ok(None)
        }
    }

    fn req_unit(&mut self, what: &str) -> PResult<Unit> {
        if self.at(Tok::LParen) {
            self.unit()
        } else {
            Err(self.unexpected(what))
        }
    }

    /// `( name (unit), … )`.
    fn args(&mut self, of: &str) -> PResult<Vec<Arg>> {
        self.expect(
            Tok::LParen,
            &format!("'(' to open the argument list of {of}"),
        )?;
        let mut args = Vec::new();
        if self.eat(Tok::RParen) {
            return Ok(args);
        }
        loop {
            let name = self.ident("an argument name")?;
            let unit = self.opt_unit()?;
            args.push(Arg {
                span: self.since(name.span),
                name,
                unit,
            });
            if self.eat(Tok::Comma) {
                continue;
            }
            self.expect(Tok::RParen, "',' or ')' in the argument list")?;
            return Ok(args);
        }
    }

    /// `{ entry* }` for declaration blocks.
    fn braced<T>(
        &mut self,
        what: &str,
        mut entry: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        let open = self.expect(Tok::LBrace, &format!("'{{' after {what}"))?;
        let mut v = Vec::new();
        loop {
            if self.eat(Tok::RBrace) {
                return Ok(v);
            }
            if self.at(Tok::Eof) {
                return Err(self.err_at(
                    open,
                    format!("{what} block is never closed: end of file reached before its '}}'"),
                ));
            }
            v.push(entry(self)?);
        }
    }

    // ------------------------------------------------------------- top level

    fn module(&mut self) -> PResult<Module> {
        let items = self.items()?;
        let span = Span {
            lo: 0,
            hi: self.src.len() as u32,
            line: 1,
            col: 1,
            file: 0,
        };
        let files = match &self.includes {
            Some(inc) => inc.names(),
            None => vec![self.file.to_string()],
        };
        let names_seen = std::mem::take(&mut self.seen);
        Ok(Module { items, span, files, names_seen })
    }

    /// The file's top-level items, with those of its INCLUDEd files in place.
    fn items(&mut self) -> PResult<Vec<Item>> {
        let mut items = Vec::new();
        loop {
            let t = self.peek(0).clone();
            let kind = match t.tok {
                Tok::Eof => break,
                Tok::Title(s) => {
                    self.bump();
                    ItemKind::Title(s)
                }
                Tok::Verbatim(s) => {
                    self.bump();
                    ItemKind::Verbatim(s)
                }
                Tok::Ident => self.item()?,
                _ => {
                    return Err(self
                        .unexpected("a top-level block (NEURON, PARAMETER, STATE, BREAKPOINT, …)"))
                }
            };
            match kind {
                ItemKind::Include(name) if self.includes.is_some() => {
                    items.extend(self.include(&name, t.span)?);
                }
                kind => items.push(Item {
                    kind,
                    span: self.since(t.span),
                }),
            }
        }
        Ok(items)
    }

    /// The items of an INCLUDEd file, parsed with the DEFINEs so far.
    fn include(&mut self, name: &str, at: Span) -> PResult<Vec<Item>> {
        let mut inc = self.includes.take().expect("includes");
        let opened = inc.open(name, self.lines.file());
        let shown = inc.names();
        self.includes = Some(inc);
        let (src, id) = opened.map_err(|e| self.err_at(at, e))?;
        let inc = self.includes.take().expect("includes");
        let src = normalize_line_ends(&src).into_owned();
        let mut sub = Parser::new(&src, &shown[id as usize]);
        sub.lines = LineIndex::of_file(&src, id);
        sub.defines = std::mem::take(&mut self.defines);
        sub.includes = Some(inc);
        sub.seen = std::mem::take(&mut self.seen);
        sub.seen_set = std::mem::take(&mut self.seen_set);
        let r = sub.items();
        self.defines = std::mem::take(&mut sub.defines);
        self.seen = std::mem::take(&mut sub.seen);
        self.seen_set = std::mem::take(&mut sub.seen_set);
        let mut inc = sub.includes.take().expect("includes");
        inc.close();
        self.includes = Some(inc);
        r
    }

    fn with_tilde<T>(&mut self, t: Tilde, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let old = std::mem::replace(&mut self.tilde, t);
        let r = f(self);
        self.tilde = old;
        r
    }

    fn item(&mut self) -> PResult<ItemKind> {
        let kw = self.word(0).unwrap_or("");
        let kw_tok = self.peek(0).clone();
        Ok(match kw {
            "DEFINE" => {
                self.bump();
                let name = self.ident("a name after DEFINE")?;
                let neg = self.eat(Tok::Minus);
                let v = self.count("an integer value for the DEFINEd name")?.value;
                let value = if neg { -v } else { v };
                self.defines.insert(name.name.clone(), value);
                ItemKind::Define { name, value }
            }
            "INCLUDE" => {
                self.bump();
                let t = self.peek(0).clone();
                if t.tok != Tok::Str {
                    return Err(self.unexpected("a quoted file name after INCLUDE"));
                }
                self.bump();
                let s = self.text(&t);
                ItemKind::Include(s[1..s.len() - 1].to_string())
            }
            "UNITSON" => {
                self.bump();
                ItemKind::UnitsOn
            }
            "UNITSOFF" => {
                self.bump();
                ItemKind::UnitsOff
            }
            "NEURON" => {
                self.bump();
                ItemKind::Neuron(self.braced("NEURON", Self::neuron_stmt)?)
            }
            "UNITS" => {
                self.bump();
                ItemKind::Units(self.braced("UNITS", Self::units_stmt)?)
            }
            "PARAMETER" => {
                self.bump();
                ItemKind::Parameter(self.braced("PARAMETER", Self::param_decl)?)
            }
            "CONSTANT" => {
                self.bump();
                ItemKind::Constant(self.braced("CONSTANT", Self::const_decl)?)
            }
            "INDEPENDENT" => {
                self.bump();
                ItemKind::Independent(self.braced("INDEPENDENT", Self::indep_decl)?)
            }
            "ASSIGNED" => {
                self.bump();
                ItemKind::Assigned(self.braced("ASSIGNED", |p| p.var_decl("ASSIGNED"))?)
            }
            "STATE" => {
                self.bump();
                ItemKind::State(self.braced("STATE", |p| p.var_decl("STATE"))?)
            }
            "LOCAL" => {
                self.bump();
                ItemKind::Local(self.local_list()?)
            }
            "INITIAL" => {
                self.bump();
                ItemKind::Initial(self.block()?)
            }
            "BREAKPOINT" => {
                self.bump();
                ItemKind::Breakpoint(self.block()?)
            }
            "CONSTRUCTOR" => {
                self.bump();
                ItemKind::Constructor(self.block()?)
            }
            "DESTRUCTOR" => {
                self.bump();
                ItemKind::Destructor(self.block()?)
            }
            "DERIVATIVE" | "KINETIC" | "LINEAR" | "NONLINEAR" | "DISCRETE" => {
                self.bump();
                let name = self.ident(&format!("a name for the {kw} block"))?;
                let mut solvefor = Vec::new();
                if self.eat_kw("SOLVEFOR") {
                    solvefor = self.name_list("a state name after SOLVEFOR")?;
                }
                let tilde = match kw {
                    "KINETIC" => Tilde::Reaction,
                    "DISCRETE" => Tilde::None,
                    _ => Tilde::Equation,
                };
                let body = self.with_tilde(tilde, |p| p.block())?;
                let s = Solvable {
                    name,
                    solvefor,
                    body,
                };
                match kw {
                    "DERIVATIVE" => ItemKind::Derivative(s),
                    "KINETIC" => ItemKind::Kinetic(s),
                    "LINEAR" => ItemKind::Linear(s),
                    "NONLINEAR" => ItemKind::NonLinear(s),
                    _ => ItemKind::Discrete(s),
                }
            }
            "PROCEDURE" | "FUNCTION" => {
                self.bump();
                let name = self.ident(&format!("a name for the {kw}"))?;
                let args = self.args(&format!("{kw} {}", name.name))?;
                let unit = self.opt_unit()?;
                let body = self.block()?;
                let c = Callable {
                    name,
                    args,
                    unit,
                    body,
                };
                if kw == "PROCEDURE" {
                    ItemKind::Procedure(c)
                } else {
                    ItemKind::Function(c)
                }
            }
            "FUNCTION_TABLE" => {
                self.bump();
                let name = self.ident("a name for the FUNCTION_TABLE")?;
                let args = self.args(&format!("FUNCTION_TABLE {}", name.name))?;
                let unit = self.opt_unit()?;
                ItemKind::FunctionTable { name, args, unit }
            }
            "NET_RECEIVE" => {
                self.bump();
                let args = self.args("NET_RECEIVE")?;
                if args.is_empty() {
                    return Err(self.err_at(
                        kw_tok.span,
                        "NET_RECEIVE must have at least one argument (the weight)",
                    ));
                }
                ItemKind::NetReceive {
                    args,
                    body: self.block()?,
                }
            }
            "BEFORE" | "AFTER" => {
                self.bump();
                let k = match self.word(0) {
                    Some("BREAKPOINT") => BaKind::Breakpoint,
                    Some("SOLVE") => BaKind::Solve,
                    Some("INITIAL") => BaKind::Initial,
                    Some("STEP") => BaKind::Step,
                    _ => {
                        return Err(self
                            .unexpected(&format!("BREAKPOINT, SOLVE, INITIAL or STEP after {kw}")))
                    }
                };
                self.bump();
                let b = self.block()?;
                if kw == "BEFORE" {
                    ItemKind::Before(k, b)
                } else {
                    ItemKind::After(k, b)
                }
            }
            _ if is_keyword(kw) => {
                return Err(self.err_at(
                    kw_tok.span,
                    format!("'{kw}' cannot start a top-level block"),
                ));
            }
            _ => {
                return Err(
                    self.unexpected("a top-level block (NEURON, PARAMETER, STATE, BREAKPOINT, …)")
                )
            }
        })
    }

    fn neuron_stmt(&mut self) -> PResult<NeuronStmt> {
        let start = self.peek(0).span;
        if let Tok::Represents(s) = self.tok(0).clone() {
            self.bump();
            return Ok(NeuronStmt {
                kind: NeuronStmtKind::Represents(s),
                span: start,
            });
        }
        let expected = "a NEURON block statement (SUFFIX, USEION, RANGE, GLOBAL, …) or '}'";
        let Some(kw) = self.word(0) else {
            return Err(self.unexpected(expected));
        };
        let list = |p: &mut Self| p.name_list(&format!("a name after {kw}"));
        let kind = match kw {
            "SUFFIX" | "POINT_PROCESS" | "ARTIFICIAL_CELL" => {
                self.bump();
                let kind = match kw {
                    "SUFFIX" => SuffixKind::Suffix,
                    "POINT_PROCESS" => SuffixKind::PointProcess,
                    _ => SuffixKind::ArtificialCell,
                };
                NeuronStmtKind::Suffix {
                    kind,
                    name: self.ident(&format!("a mechanism name after {kw}"))?,
                }
            }
            "USEION" => {
                self.bump();
                let ion = self.ident("an ion name after USEION")?;
                let read = if self.eat_kw("READ") {
                    self.name_list("an ion variable after READ")?
                } else {
                    vec![]
                };
                let write = if self.eat_kw("WRITE") {
                    self.name_list("an ion variable after WRITE")?
                } else {
                    vec![]
                };
                let valence = if self.eat_kw("VALENCE") || self.eat_kw("CHARGE") {
                    Some(self.signed_number("a number after VALENCE")?)
                } else {
                    None
                };
                let represents = match self.tok(0).clone() {
                    Tok::Represents(s) => {
                        self.bump();
                        Some(s)
                    }
                    _ => None,
                };
                NeuronStmtKind::UseIon(UseIon {
                    ion,
                    read,
                    write,
                    valence,
                    represents,
                })
            }
            "NONSPECIFIC_CURRENT" => {
                self.bump();
                NeuronStmtKind::NonspecificCurrent(list(self)?)
            }
            "ELECTRODE_CURRENT" => {
                self.bump();
                NeuronStmtKind::ElectrodeCurrent(list(self)?)
            }
            "RANGE" => {
                self.bump();
                NeuronStmtKind::Range(list(self)?)
            }
            "GLOBAL" => {
                self.bump();
                NeuronStmtKind::Global(list(self)?)
            }
            "POINTER" => {
                self.bump();
                NeuronStmtKind::Pointer(list(self)?)
            }
            "BBCOREPOINTER" => {
                self.bump();
                NeuronStmtKind::BbcorePointer(list(self)?)
            }
            "EXTERNAL" => {
                self.bump();
                NeuronStmtKind::External(list(self)?)
            }
            "RANDOM" => {
                self.bump();
                NeuronStmtKind::Random(list(self)?)
            }
            "THREADSAFE" => {
                self.bump();
                NeuronStmtKind::Threadsafe
            }
            _ => return Err(self.unexpected(expected)),
        };
        Ok(NeuronStmt {
            kind,
            span: self.since(start),
        })
    }

    fn units_stmt(&mut self) -> PResult<UnitsStmt> {
        let start = self.peek(0).span;
        let kind = if self.at(Tok::LParen) {
            let name = self.unit()?;
            self.expect(
                Tok::Assign,
                "'=' in a unit definition such as (mV) = (millivolt)",
            )?;
            let def = self.req_unit("a unit in parentheses after '='")?;
            UnitsStmtKind::Alias { name, def }
        } else {
            let name = self.ident(
                "a unit definition such as (mV) = (millivolt) or FARADAY = (faraday) (coulomb)",
            )?;
            self.expect(Tok::Assign, "'=' after the constant's name")?;
            if self.at(Tok::LParen) {
                let from = self.unit()?;
                if self.at(Tok::Minus) && self.tok(1) == &Tok::Gt {
                    self.bump();
                    self.bump();
                }
                let to = self.req_unit("a second unit: NAME = (from-unit) (to-unit)")?;
                UnitsStmtKind::Factor { name, from, to }
            } else {
                let value = self.signed_number("a number or a unit after '='")?;
                let unit =
                    self.req_unit("a unit after the constant's value, e.g. F = 96485.3 (coulomb)")?;
                UnitsStmtKind::Value { name, value, unit }
            }
        };
        Ok(UnitsStmt {
            kind,
            span: self.since(start),
        })
    }

    fn param_decl(&mut self) -> PResult<ParamDecl> {
        let name = self.ident("a parameter name or '}'")?;
        let size = self.opt_size()?;
        let value = if self.eat(Tok::Assign) {
            Some(self.signed_number("a number after '='")?)
        } else {
            None
        };
        let unit = self.opt_unit()?;
        let limits = self.opt_limits()?;
        Ok(ParamDecl {
            span: self.since(name.span),
            name,
            size,
            value,
            unit,
            limits,
        })
    }

    /// `<lo, hi>`.
    fn opt_limits(&mut self) -> PResult<Option<(Number, Number)>> {
        if !self.eat(Tok::Lt) {
            return Ok(None);
        }
        let lo = self.signed_number("a lower limit after '<'")?;
        self.expect(Tok::Comma, "',' between the limits <lo, hi>")?;
        let hi = self.signed_number("an upper limit")?;
        self.expect(Tok::Gt, "'>' to close the limits <lo, hi>")?;
        Ok(Some((lo, hi)))
    }

    fn const_decl(&mut self) -> PResult<ConstDecl> {
        let name = self.ident("a constant name or '}'")?;
        self.expect(Tok::Assign, "'=' after the constant's name")?;
        let value = self.signed_number("a number after '='")?;
        let unit = self.opt_unit()?;
        Ok(ConstDecl {
            span: self.since(name.span),
            name,
            value,
            unit,
        })
    }

    fn indep_decl(&mut self) -> PResult<IndepDecl> {
        let start = self.peek(0).span;
        let sweep = self.eat_kw("SWEEP");
        let name = self.ident("an independent variable name or '}'")?;
        self.expect_kw("FROM", "FROM in: name FROM lo TO hi WITH n")?;
        let from = self.signed_number("a number after FROM")?;
        self.expect_kw("TO", "TO in: name FROM lo TO hi WITH n")?;
        let to = self.signed_number("a number after TO")?;
        self.expect_kw("WITH", "WITH in: name FROM lo TO hi WITH n")?;
        let with = self.count("an integer after WITH")?;
        let start_v = if self.eat_kw("START") {
            Some(self.signed_number("a number after START")?)
        } else {
            None
        };
        let unit = self.opt_unit()?;
        Ok(IndepDecl {
            sweep,
            name,
            from,
            to,
            with,
            start: start_v,
            unit,
            span: self.since(start),
        })
    }

    fn var_decl(&mut self, block: &str) -> PResult<VarDecl> {
        let name = self.ident(&format!("a variable name or '}}' in the {block} block"))?;
        let size = self.opt_size()?;
        let from_to = if self.eat_kw("FROM") {
            let lo = self.signed_number("a number after FROM")?;
            self.expect_kw("TO", "TO in: name FROM lo TO hi")?;
            let hi = self.signed_number("a number after TO")?;
            Some((lo, hi))
        } else {
            None
        };
        let start = if self.eat_kw("START") {
            Some(self.signed_number("a number after START")?)
        } else {
            None
        };
        let unit = self.opt_unit()?;
        let abstol = if self.eat(Tok::Lt) {
            let n = self.number("a tolerance after '<'")?;
            self.expect(Tok::Gt, "'>' to close the tolerance <tol>")?;
            Some(n)
        } else {
            None
        };
        Ok(VarDecl {
            span: self.since(name.span),
            name,
            size,
            from_to,
            start,
            unit,
            abstol,
        })
    }

    /// `a, b[3]` after LOCAL.
    fn local_list(&mut self) -> PResult<Vec<LocalVar>> {
        let mut v = Vec::new();
        loop {
            let name = self.ident("a variable name after LOCAL")?;
            let size = self.opt_size()?;
            v.push(LocalVar {
                span: self.since(name.span),
                name,
                size,
            });
            if !self.eat(Tok::Comma) {
                return Ok(v);
            }
        }
    }

    // ------------------------------------------------------------ statements

    fn block(&mut self) -> PResult<Block> {
        let open = self.expect(Tok::LBrace, "'{' to open a block")?;
        self.enter()?;
        let mut stmts = Vec::new();
        loop {
            if self.eat(Tok::RBrace) {
                break;
            }
            if self.at(Tok::Eof) {
                return Err(self.err_at(
                    open,
                    "block is never closed: end of file reached before the '}' matching this '{'",
                ));
            }
            stmts.push(self.stmt()?);
        }
        self.leave();
        Ok(Block {
            stmts,
            span: self.since(open),
        })
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        let t = self.peek(0).clone();
        let start = t.span;
        let kind = match &t.tok {
            Tok::LBrace => StmtKind::Block(self.block()?),
            Tok::Verbatim(s) => {
                self.bump();
                StmtKind::Verbatim(s.clone())
            }
            Tok::Tilde => self.tilde_stmt()?,
            Tok::TildePlus => {
                return Err(self.err_at(start, "'~+' (equation addition) is not supported"));
            }
            Tok::Prime => self.assign()?,
            Tok::Ident => {
                let w = self.text(&t);
                match w {
                    "LOCAL" => {
                        self.bump();
                        StmtKind::Local(self.local_list()?)
                    }
                    "if" | "IF" => self.if_stmt()?,
                    "while" | "WHILE" => {
                        self.bump();
                        self.expect(Tok::LParen, "'(' after while")?;
                        let cond = self.expr()?;
                        self.expect(Tok::RParen, "')' to close the while condition")?;
                        StmtKind::While {
                            cond,
                            body: self.block()?,
                        }
                    }
                    "FROM" => {
                        self.bump();
                        let var = self.ident("a loop variable after FROM")?;
                        self.expect(Tok::Assign, "'=' in: FROM i = a TO b")?;
                        let from = self.expr()?;
                        self.expect_kw("TO", "TO in: FROM i = a TO b")?;
                        let to = self.expr()?;
                        let by = if self.eat_kw("BY") {
                            Some(self.expr()?)
                        } else {
                            None
                        };
                        StmtKind::From {
                            var,
                            from,
                            to,
                            by,
                            body: self.block()?,
                        }
                    }
                    "SOLVE" => {
                        self.bump();
                        let name = self.ident("the name of the block to SOLVE")?;
                        let method = match self.word(0) {
                            Some(m @ ("METHOD" | "STEADYSTATE")) => {
                                self.bump();
                                let name = self.ident(&format!("a method name after {m}"))?;
                                Some(SolveMethod {
                                    steadystate: m == "STEADYSTATE",
                                    name,
                                })
                            }
                            _ => None,
                        };
                        StmtKind::Solve(Solve { name, method })
                    }
                    "TABLE" => {
                        self.bump();
                        let vars = if self.at_name() {
                            self.name_list("a name to tabulate")?
                        } else {
                            vec![]
                        };
                        let depend = if self.eat_kw("DEPEND") {
                            self.name_list("a name after DEPEND")?
                        } else {
                            vec![]
                        };
                        self.expect_kw(
                            "FROM",
                            "FROM in: TABLE vars DEPEND deps FROM lo TO hi WITH n",
                        )?;
                        let from = self.expr()?;
                        self.expect_kw("TO", "TO in: TABLE … FROM lo TO hi WITH n")?;
                        let to = self.expr()?;
                        self.expect_kw("WITH", "WITH in: TABLE … FROM lo TO hi WITH n")?;
                        let with = self.count("the number of table intervals after WITH")?;
                        StmtKind::Table(Table {
                            vars,
                            depend,
                            from,
                            to,
                            with,
                        })
                    }
                    "CONSERVE" => {
                        self.bump();
                        let lhs = self.react_terms()?;
                        self.expect(Tok::Assign, "'=' in: CONSERVE a + b = total")?;
                        StmtKind::Conserve {
                            lhs,
                            rhs: self.expr()?,
                        }
                    }
                    "COMPARTMENT" | "LONGITUDINAL_DIFFUSION" => {
                        self.bump();
                        let index = if self.at_name() && self.tok(1) == &Tok::Comma {
                            let i = self.ident("an index name")?;
                            self.bump();
                            Some(i)
                        } else {
                            None
                        };
                        let e = self.expr()?;
                        self.expect(
                            Tok::LBrace,
                            &format!("'{{' to open the list of species of {w}"),
                        )?;
                        let mut species = Vec::new();
                        while !self.eat(Tok::RBrace) {
                            species.push(self.ident("a species name or '}'")?);
                            self.eat(Tok::Comma);
                        }
                        if w == "COMPARTMENT" {
                            StmtKind::Compartment {
                                index,
                                volume: e,
                                species,
                            }
                        } else {
                            StmtKind::LongitudinalDiffusion {
                                index,
                                rate: e,
                                species,
                            }
                        }
                    }
                    "WATCH" => {
                        self.bump();
                        let mut v = Vec::new();
                        loop {
                            let open = self.expect(Tok::LParen, "'(' after WATCH")?;
                            let (lhs, _) = self.expr_bp(PREC_ADD)?;
                            let above = match self.tok(0) {
                                Tok::Gt => true,
                                Tok::Lt => false,
                                _ => {
                                    return Err(self.unexpected("'>' or '<' in the WATCH condition"))
                                }
                            };
                            self.bump();
                            let (rhs, _) = self.expr_bp(PREC_ADD)?;
                            self.expect(Tok::RParen, "')' to close the WATCH condition")?;
                            let flag = self.number("a flag value after the WATCH condition")?;
                            v.push(Watch {
                                lhs,
                                above,
                                rhs,
                                flag,
                                span: self.since(open),
                            });
                            if !self.eat(Tok::Comma) {
                                break;
                            }
                        }
                        StmtKind::Watch(v)
                    }
                    "FOR_NETCONS" => {
                        self.bump();
                        let args = self.args("FOR_NETCONS")?;
                        StmtKind::ForNetcons {
                            args,
                            body: self.block()?,
                        }
                    }
                    "INITIAL" => {
                        self.bump();
                        StmtKind::Initial(self.block()?)
                    }
                    "UNITSON" => {
                        self.bump();
                        StmtKind::UnitsOn
                    }
                    "UNITSOFF" => {
                        self.bump();
                        StmtKind::UnitsOff
                    }
                    "MUTEXLOCK" => {
                        self.bump();
                        StmtKind::MutexLock
                    }
                    "MUTEXUNLOCK" => {
                        self.bump();
                        StmtKind::MutexUnlock
                    }
                    "PROTECT" => {
                        self.bump();
                        let s = self.peek(0).span;
                        let kind = self.assign()?;
                        StmtKind::Protect(Box::new(Stmt {
                            kind,
                            span: self.since(s),
                        }))
                    }
                    "CONDUCTANCE" => {
                        self.bump();
                        let name = self.ident("a conductance name after CONDUCTANCE")?;
                        let ion = if self.eat_kw("USEION") {
                            Some(self.ident("an ion name after USEION")?)
                        } else {
                            None
                        };
                        StmtKind::Conductance { name, ion }
                    }
                    "LAG" => {
                        self.bump();
                        let name = self.ident("a name after LAG")?;
                        self.expect_kw("BY", "BY in: LAG x BY tau")?;
                        StmtKind::Lag {
                            name,
                            by: self.ident("a name after BY")?,
                        }
                    }
                    "else" | "ELSE" => {
                        return Err(self.err_at(start, "'else' without a matching 'if'"))
                    }
                    _ if is_keyword(w) => {
                        return Err(
                            self.err_at(start, format!("'{w}' cannot start a statement here"))
                        );
                    }
                    _ => match self.tok(1) {
                        Tok::LParen => {
                            let c = self.call()?.0;
                            StmtKind::Call(c)
                        }
                        Tok::Assign | Tok::LBracket => self.assign()?,
                        _ => {
                            self.bump();
                            return Err(self.unexpected(&format!(
                                "'=' or '(' after '{w}' (a statement is an assignment or a call)"
                            )));
                        }
                    },
                }
            }
            _ => return Err(self.unexpected("a statement or '}'")),
        };
        Ok(Stmt {
            kind,
            span: self.since(start),
        })
    }

    fn if_stmt(&mut self) -> PResult<StmtKind> {
        self.bump();
        self.expect(Tok::LParen, "'(' after if")?;
        let cond = self.expr()?;
        self.expect(Tok::RParen, "')' to close the if condition")?;
        let then = self.block()?;
        let mut else_ifs = Vec::new();
        let mut else_ = None;
        while matches!(self.word(0), Some("else" | "ELSE")) {
            let s = self.bump().span;
            if matches!(self.word(0), Some("if" | "IF")) {
                self.bump();
                self.expect(Tok::LParen, "'(' after else if")?;
                let cond = self.expr()?;
                self.expect(Tok::RParen, "')' to close the if condition")?;
                let body = self.block()?;
                else_ifs.push(ElseIf {
                    cond,
                    body,
                    span: self.since(s),
                });
            } else {
                else_ = Some(self.block()?);
                break;
            }
        }
        Ok(StmtKind::If {
            cond,
            then,
            else_ifs,
            else_,
        })
    }

    /// `x = e`, `x[i] = e`, `x' = e`.
    fn assign(&mut self) -> PResult<StmtKind> {
        let (lhs, _) = self.var_ref()?;
        self.expect(Tok::Assign, "'=' in an assignment")?;
        let rhs = self.expr()?;
        Ok(StmtKind::Assign { lhs, rhs })
    }

    fn tilde_stmt(&mut self) -> PResult<StmtKind> {
        let t = self.bump();
        match self.tilde {
            Tilde::None => Err(self.err_at(
                t.span,
                "'~' statements (reactions and equations) are only allowed in KINETIC, LINEAR, NONLINEAR and DERIVATIVE blocks",
            )),
            Tilde::Equation => {
                let lhs = self.expr()?;
                self.expect(Tok::Assign, "'=' in an equation: ~ lhs = rhs")?;
                let rhs = self.expr()?;
                Ok(StmtKind::Equation { lhs, rhs })
            }
            Tilde::Reaction => {
                let lhs = self.react_terms()?;
                let kind = match self.tok(0).clone() {
                    Tok::React => {
                        self.bump();
                        let rhs = self.react_terms()?;
                        self.expect(Tok::LParen, "'(' before the rate constants: ~ a <-> b (kf, kb)")?;
                        let kf = self.expr()?;
                        self.expect(Tok::Comma, "',' between the forward and backward rates")?;
                        let kb = self.expr()?;
                        self.expect(Tok::RParen, "')' after the backward rate")?;
                        ReactionKind::Reversible { rhs, kf, kb }
                    }
                    Tok::Lt if self.tok(1) == &Tok::Lt => {
                        self.bump();
                        self.bump();
                        self.expect(Tok::LParen, "'(' before the flux: ~ a << (flux)")?;
                        let rate = self.expr()?;
                        self.expect(Tok::RParen, "')' after the flux")?;
                        ReactionKind::Flux { rate }
                    }
                    Tok::Minus if self.tok(1) == &Tok::Gt => {
                        self.bump();
                        self.bump();
                        self.expect(Tok::LParen, "'(' before the rate: ~ a -> (rate)")?;
                        let rate = self.expr()?;
                        self.expect(Tok::RParen, "')' after the rate")?;
                        ReactionKind::Sink { rate }
                    }
                    _ => return Err(self.unexpected("'<->', '<<' or '->' in the reaction")),
                };
                Ok(StmtKind::Reaction(Reaction { lhs, kind }))
            }
        }
    }

    /// `2 a + b[i] + c`.
    fn react_terms(&mut self) -> PResult<Vec<ReactTerm>> {
        let mut v = Vec::new();
        loop {
            let start = self.peek(0).span;
            let coeff =
                if self.at(Tok::Int) || (self.defined().is_some() && self.tok(1) == &Tok::Ident) {
                    self.count("a coefficient")?.value
                } else {
                    1
                };
            let (var, _) = self.var_ref()?;
            v.push(ReactTerm {
                coeff,
                var,
                span: self.since(start),
            });
            if !self.eat(Tok::Plus) {
                return Ok(v);
            }
        }
    }

    // ----------------------------------------------------------- expressions

    fn expr(&mut self) -> PResult<Expr> {
        Ok(self.expr_bp(PREC_OR)?.0)
    }

    fn height(&self, h: u32, span: Span) -> PResult<u32> {
        if h > MAX_HEIGHT {
            return Err(self.err_at(
                span,
                format!("expression is too large (more than {MAX_HEIGHT} nested operations)"),
            ));
        }
        Ok(h)
    }

    /// Precedence climbing over the binary operators (all left-associative
    /// except `^`, which is handled in [`Self::power`]). Returns the tree and
    /// its height.
    fn expr_bp(&mut self, min: u8) -> PResult<(Expr, u32)> {
        let (mut lhs, mut h) = self.unary()?;
        loop {
            let (op, prec) = match self.tok(0) {
                Tok::Or => (BinOp::Or, PREC_OR),
                Tok::And => (BinOp::And, PREC_AND),
                Tok::Lt => (BinOp::Lt, PREC_REL),
                Tok::Le => (BinOp::Le, PREC_REL),
                Tok::Gt => (BinOp::Gt, PREC_REL),
                Tok::Ge => (BinOp::Ge, PREC_REL),
                Tok::Eq => (BinOp::Eq, PREC_REL),
                Tok::Ne => (BinOp::Ne, PREC_REL),
                Tok::Plus => (BinOp::Add, PREC_ADD),
                Tok::Minus => (BinOp::Sub, PREC_ADD),
                Tok::Star => (BinOp::Mul, PREC_MUL),
                Tok::Slash => (BinOp::Div, PREC_MUL),
                _ => break,
            };
            if prec < min {
                break;
            }
            self.bump();
            let (rhs, rh) = self.expr_bp(prec + 1)?;
            let span = lhs.span.to(rhs.span);
            h = self.height(h.max(rh) + 1, span)?;
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Ok((lhs, h))
    }

    fn unary(&mut self) -> PResult<(Expr, u32)> {
        self.enter()?;
        let r = self.unary_inner();
        self.leave();
        r
    }

    fn unary_inner(&mut self) -> PResult<(Expr, u32)> {
        let op = match self.tok(0) {
            Tok::Minus => UnOp::Neg,
            Tok::Not => UnOp::Not,
            _ => return self.power(),
        };
        let start = self.bump().span;
        let (e, h) = self.unary()?;
        let span = self.since(start);
        let h = self.height(h + 1, span)?;
        Ok((
            Expr {
                kind: ExprKind::Unary(op, Box::new(e)),
                span,
            },
            h,
        ))
    }

    /// `primary [^ unary]`: right-associative, tighter than unary minus on
    /// its left, and its exponent may itself be negated (`2^-1`).
    fn power(&mut self) -> PResult<(Expr, u32)> {
        let (base, h) = self.primary()?;
        if !self.eat(Tok::Caret) {
            return Ok((base, h));
        }
        let (exp, eh) = self.unary()?;
        let span = base.span.to(exp.span);
        let h = self.height(h.max(eh) + 1, span)?;
        Ok((
            Expr {
                kind: ExprKind::Binary(BinOp::Pow, Box::new(base), Box::new(exp)),
                span,
            },
            h,
        ))
    }

    fn primary(&mut self) -> PResult<(Expr, u32)> {
        let t = self.peek(0).clone();
        match &t.tok {
            Tok::Int | Tok::Real => {
                let n = self.number("a number")?;
                let unit = self.opt_unit()?;
                Ok((
                    Expr {
                        kind: ExprKind::Num(n, unit),
                        span: self.since(t.span),
                    },
                    1,
                ))
            }
            Tok::Ident if self.defined().is_some() => {
                let n = self.number("a number")?;
                let unit = self.opt_unit()?;
                Ok((
                    Expr {
                        kind: ExprKind::Num(n, unit),
                        span: self.since(t.span),
                    },
                    1,
                ))
            }
            Tok::Str => {
                self.bump();
                let s = self.text(&t);
                Ok((
                    Expr {
                        kind: ExprKind::Str(s[1..s.len() - 1].to_string()),
                        span: t.span,
                    },
                    1,
                ))
            }
            Tok::LParen => {
                // The span takes in the parentheses: a parenthesized binary
                // expression starts before its left operand (nocmodl pastes
                // a reaction's rate text, so grouping matters there).
                let open = self.bump().span;
                let (e, h) = self.expr_bp(PREC_OR)?;
                self.expect(Tok::RParen, "')' to close the parenthesis")?;
                Ok((Expr { span: self.since(open), kind: e.kind }, h))
            }
            Tok::Prime => {
                let (v, h) = self.var_ref()?;
                Ok((
                    Expr {
                        span: v.span,
                        kind: ExprKind::Var(v),
                    },
                    h,
                ))
            }
            Tok::Ident if !is_keyword(self.text(&t)) => {
                if self.tok(1) == &Tok::LParen {
                    let (c, h) = self.call()?;
                    Ok((
                        Expr {
                            span: c.span,
                            kind: ExprKind::Call(c),
                        },
                        h,
                    ))
                } else {
                    let (v, h) = self.var_ref()?;
                    Ok((
                        Expr {
                            span: v.span,
                            kind: ExprKind::Var(v),
                        },
                        h,
                    ))
                }
            }
            _ => Err(self.unexpected("an expression")),
        }
    }

    /// `name(args)`; arguments may be strings.
    fn call(&mut self) -> PResult<(Call, u32)> {
        let name = self.ident("a function name")?;
        self.expect(Tok::LParen, "'(' after the function name")?;
        let mut args = Vec::new();
        let mut h = 0;
        if !self.eat(Tok::RParen) {
            loop {
                let (e, eh) = self.expr_bp(PREC_OR)?;
                h = h.max(eh);
                args.push(e);
                if self.eat(Tok::Comma) {
                    continue;
                }
                self.expect(Tok::RParen, "',' or ')' in the argument list")?;
                break;
            }
        }
        let span = self.since(name.span);
        let h = self.height(h + 1, span)?;
        Ok((Call { name, args, span }, h))
    }

    /// `x`, `x[i]`, `x'`, `x'[i]`.
    fn var_ref(&mut self) -> PResult<(VarRef, u32)> {
        let t = self.peek(0).clone();
        let (name, prime) = match t.tok {
            Tok::Prime => {
                self.bump();
                let text = self.text(&t);
                let base = text.trim_end_matches('\'');
                let primes = (text.len() - base.len()).min(u8::MAX as usize) as u8;
                if is_keyword(base) {
                    return Err(self.err_at(
                        t.span,
                        format!("'{base}' is a reserved word and cannot be a state"),
                    ));
                }
                let span = Span {
                    hi: t.span.lo + base.len() as u32,
                    ..t.span
                };
                self.saw(base);
                (
                    Ident {
                        name: base.to_string(),
                        span,
                    },
                    primes,
                )
            }
            _ => (self.ident("a variable name")?, 0),
        };
        let at = if prime == 0 && self.eat(Tok::At) {
            Some(self.count("an integer after '@' (how many steps back)")?)
        } else {
            None
        };
        let mut h = 1;
        let index = if self.eat(Tok::LBracket) {
            let (e, eh) = self.expr_bp(PREC_OR)?;
            self.expect(Tok::RBracket, "']' to close the index")?;
            h = eh + 1;
            Some(Box::new(e))
        } else {
            None
        };
        Ok((
            VarRef {
                name,
                prime,
                at,
                index,
                span: self.since(t.span),
            },
            h,
        ))
    }
}

const PREC_OR: u8 = 1;
const PREC_AND: u8 = 2;
const PREC_REL: u8 = 3;
const PREC_ADD: u8 = 4;
const PREC_MUL: u8 = 5;
