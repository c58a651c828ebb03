//! Recursive-descent parser for one top-level HOC statement at a time.
//!
//! HOC's grammar depends on the symbol table as it stands when a line is
//! read (a name declared by `create` parses as a section afterwards), so the
//! parser binds names as it goes and is run statement by statement.

use std::rc::Rc;

use crate::ast::*;
use crate::error::HocError;
use crate::interp::Interp;
use crate::lexer::{Lexer, Spanned, Tok};
use crate::symbol::Kind;
use crate::value::Slot;

/// Words that cannot start an expression.
const KEYWORDS: &[&str] = &[
    "if", "else", "while", "for", "break", "continue", "return", "stop", "proc", "func", "obfunc",
    "iterator", "iterator_statement", "local", "localobj", "double", "strdef", "objref",
    "objectvar", "begintemplate", "endtemplate", "public", "external", "new", "print", "create",
    "access", "connect", "insert", "uninsert", "forall", "forsec", "ifsec", "help", "depvar",
];

/// Whether `w` is a HOC keyword (they are in NEURON's symbol table too).
pub fn is_keyword(w: &str) -> bool {
    KEYWORDS.contains(&w) || matches!(w, "delete" | "read" | "debug" | "eqn" | "setpointer")
}

/// The kind of a declaration statement.
#[derive(Clone, Copy, PartialEq)]
enum Decl {
    Double,
    Objref,
    Strdef,
}

/// What one call of `Parser::toplevel` produced.
pub enum TopLevel {
    Stmt(Stmt),
    BeginTemplate(Rc<str>),
    EndTemplate(Rc<str>),
    Eof,
}

pub struct Parser<'a> {
    pub it: &'a mut Interp,
    lex: Lexer,
    peeked: Option<Spanned>,
    /// Byte offset after the last token taken.
    pub last_end: usize,
    /// Locals of the function being parsed: name and whether `localobj`.
    locals: Option<Vec<(Rc<str>, bool)>>,
    /// Template whose body is being parsed.
    pub templ: Option<u32>,
    /// Nesting of statements and parenthesised expressions, bounded.
    nesting: usize,
    /// Binary operations parsed in the current top-level unit.
    operations: usize,
}

/// Deeper nesting than this is reported as an error, not a stack overflow.
const MAX_NESTING: usize = 150;
/// More binary operations than this in one procedure or top-level
/// statement is NEURON's `procedure too big` (its program buffer).
const MAX_OPERATIONS: usize = 16000;

type PResult<T> = Result<T, HocError>;

impl<'a> Parser<'a> {
    pub fn new(it: &'a mut Interp, text: Rc<str>, pos: usize, templ: Option<u32>) -> Self {
        Parser { it, lex: Lexer::new(text, pos), peeked: None, last_end: pos, locals: None, templ, nesting: 0, operations: 0 }
    }

    /// Position where the next statement starts (after the taken tokens).
    pub fn pos(&self) -> usize {
        self.last_end
    }

    fn syntax(&self, at: usize) -> HocError {
        HocError::syntax(at)
    }

    fn peek(&mut self) -> PResult<Option<&Tok>> {
        if self.peeked.is_none() {
            match self.lex.next_tok() {
                None => return Ok(None),
                Some(Ok(s)) => self.peeked = Some(s),
                Some(Err(at)) => return Err(self.syntax(at + 1)),
            }
        }
        Ok(self.peeked.as_ref().map(|s| &s.tok))
    }

    fn next(&mut self) -> PResult<Option<Spanned>> {
        self.peek()?;
        let s = self.peeked.take();
        if let Some(s) = &s {
            self.last_end = s.end;
        }
        Ok(s)
    }

    fn err_here(&mut self) -> HocError {
        // The caret goes after the offending token, as NEURON's does.
        match self.peek() {
            Ok(Some(_)) => {
                let end = self.peeked.as_ref().unwrap().end;
                let start = self.peeked.as_ref().unwrap().start;
                if matches!(self.peeked.as_ref().unwrap().tok, Tok::Newline) {
                    HocError::syntax(start + 1)
                } else {
                    HocError::syntax(end)
                }
            }
            Ok(None) => HocError::syntax(self.lex.text().len()),
            Err(e) => e,
        }
    }

    fn is(&mut self, t: &Tok) -> PResult<bool> {
        Ok(self.peek()? == Some(t))
    }

    fn eat(&mut self, t: &Tok) -> PResult<bool> {
        if self.is(t)? {
            self.next()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn expect(&mut self, t: &Tok) -> PResult<()> {
        if self.eat(t)? {
            Ok(())
        } else {
            Err(self.err_here())
        }
    }

    fn is_word(&mut self, w: &str) -> PResult<bool> {
        Ok(matches!(self.peek()?, Some(Tok::Ident(s)) if s == w))
    }

    fn ident(&mut self) -> PResult<Rc<str>> {
        match self.peek()? {
            Some(Tok::Ident(s)) if !KEYWORDS.contains(&s.as_str()) => {
                let s: Rc<str> = s.as_str().into();
                self.next()?;
                Ok(s)
            }
            _ => Err(self.err_here()),
        }
    }

    fn skip_newlines(&mut self) -> PResult<()> {
        while self.eat(&Tok::Newline)? {}
        Ok(())
    }

    /// Binds a name in the current scope, creating it if new.
    pub fn resolve(&mut self, name: &str) -> NameRef {
        if let Some(locals) = &self.locals {
            if let Some(i) = locals.iter().position(|(n, _)| &**n == name) {
                return NameRef::Local(i as u32);
            }
        }
        if let Some(ci) = self.templ {
            let scope = self.it.class_scope(ci);
            if let Some(i) = scope.get(name) {
                return NameRef::Field(i);
            }
            if let Some(&g) = scope.externals.get(name) {
                return NameRef::Global(g);
            }
            if let Some(g) = self.it.globals.get(name) {
                if self.it.is_builtin_sym(g) || matches!(self.it.globals.kind(g), Kind::Class(_)) {
                    return NameRef::Global(g);
                }
            }
            return NameRef::Field(self.it.class_scope_mut(ci).intern(name));
        }
        NameRef::Global(self.it.globals.intern(name))
    }

    /// A new name assigned in a statement becomes a number variable (0) as
    /// the statement is parsed, as NEURON's parser declares it: code before
    /// the assignment in the same statement, or in a procedure that has not
    /// run yet, already sees it.
    fn declare_assigned(&mut self, r: NameRef) {
        if !matches!(self.kind_of(r), Some(Kind::Var)) {
            return;
        }
        match r {
            NameRef::Global(i) => {
                self.it.ensure_gslot(i);
                let slot = &mut self.it.gslots[i as usize];
                if matches!(slot, Slot::Undef) {
                    *slot = Slot::Num(0.0);
                }
            }
            NameRef::Field(i) => {
                let Some(t) = self.templ.and_then(|ci| self.it.template_mut(ci)) else { return };
                if t.proto.len() <= i as usize {
                    t.proto.resize(i as usize + 1, Slot::Undef);
                }
                if matches!(t.proto[i as usize], Slot::Undef) {
                    t.proto[i as usize] = Slot::Num(0.0);
                }
            }
            NameRef::Local(_) => {}
        }
    }

    fn kind_of(&self, r: NameRef) -> Option<Kind> {
        match r {
            NameRef::Global(i) => Some(self.it.globals.kind(i).clone()),
            NameRef::Field(i) => Some(self.it.class_scope(self.templ?).kind(i).clone()),
            NameRef::Local(_) => None,
        }
    }

    fn is_section_name(&self, r: NameRef) -> bool {
        matches!(self.kind_of(r), Some(Kind::Section))
    }

    // ---------------------------------------------------------------- top level

    /// Parses one top-level statement up to and including its newline.
    pub fn toplevel(&mut self) -> PResult<TopLevel> {
        self.operations = 0;
        loop {
            match self.peek()? {
                None => return Ok(TopLevel::Eof),
                Some(Tok::Newline) => {
                    self.next()?;
                }
                _ => break,
            }
        }
        if self.is_word("begintemplate")? {
            self.next()?;
            let name = self.ident()?;
            self.end_of_line()?;
            return Ok(TopLevel::BeginTemplate(name));
        }
        if self.is_word("endtemplate")? {
            self.next()?;
            let name = self.ident()?;
            self.end_of_line()?;
            return Ok(TopLevel::EndTemplate(name));
        }
        if self.is_word("new")? {
            self.next()?;
            return Err(HocError::syntax(self.last_end));
        }
        let stmt = self.statement(true)?;
        self.end_of_line()?;
        Ok(TopLevel::Stmt(stmt))
    }

    fn end_of_line(&mut self) -> PResult<()> {
        match self.peek()? {
            None => Ok(()),
            Some(Tok::Newline) => {
                self.next()?;
                Ok(())
            }
            _ => Err(self.err_here()),
        }
    }

    // ---------------------------------------------------------------- statements

    fn statement(&mut self, top: bool) -> PResult<Stmt> {
        self.nesting += 1;
        let r = if self.nesting > MAX_NESTING { Err(self.too_deep()) } else { stacker::maybe_grow(64 * 1024, 1 << 20, || self.statement_inner(top)) };
        self.nesting -= 1;
        r
    }

    fn bin(&mut self, op: BinOp, l: Expr, r: Expr) -> PResult<Expr> {
        self.operations += 1;
        if self.operations > MAX_OPERATIONS {
            let mut e = self.err_here();
            e.msg = "procedure too big".into();
            return Err(e);
        }
        Ok(Expr::Bin(op, Box::new(l), Box::new(r)))
    }

    fn too_deep(&mut self) -> HocError {
        let mut e = self.err_here();
        e.msg = "parse nesting too deep".into();
        e
    }

    fn statement_inner(&mut self, top: bool) -> PResult<Stmt> {
        let word = match self.peek()? {
            Some(Tok::Ident(w)) => Some(w.clone()),
            Some(Tok::LBrace) => {
                self.next()?;
                return self.block_rest();
            }
            Some(Tok::Newline) | None => return Err(self.err_here()),
            _ => None,
        };
        if let Some(w) = word {
            if let Some(s) = self.keyword_statement(&w, top)? {
                return Ok(s);
            }
        }
        self.expr_statement(top)
    }

    /// After `{`: statements up to the matching `}`.
    fn block_rest(&mut self) -> PResult<Stmt> {
        let mut stmts = Vec::new();
        loop {
            self.skip_newlines()?;
            if self.eat(&Tok::RBrace)? {
                return Ok(Stmt::Block(stmts));
            }
            if self.peek()?.is_none() {
                return Err(self.err_here());
            }
            stmts.push(self.statement(false)?);
        }
    }

    fn keyword_statement(&mut self, w: &str, top: bool) -> PResult<Option<Stmt>> {
        let s = match w {
            "print" => {
                self.next()?;
                let mut items = vec![self.expr()?];
                while self.eat(&Tok::Comma)? {
                    items.push(self.expr()?);
                }
                Stmt::Print(items)
            }
            "if" => {
                self.next()?;
                self.expect(&Tok::LParen)?;
                let c = self.expr()?;
                self.expect(&Tok::RParen)?;
                let body = self.statement(false)?;
                let els = if self.is_word("else")? {
                    self.next()?;
                    Some(Box::new(self.statement(false)?))
                } else {
                    None
                };
                Stmt::If(c, Box::new(body), els)
            }
            "else" => return Err(self.err_after_next()),
            "while" => {
                self.next()?;
                self.expect(&Tok::LParen)?;
                let c = self.expr()?;
                self.expect(&Tok::RParen)?;
                Stmt::While(c, Box::new(self.statement(false)?))
            }
            "for" => {
                self.next()?;
                self.for_statement()?
            }
            "break" => {
                self.next()?;
                Stmt::Break
            }
            "continue" => {
                self.next()?;
                Stmt::Continue
            }
            "stop" => {
                self.next()?;
                Stmt::Stop
            }
            "return" => {
                self.next()?;
                match self.peek()? {
                    None | Some(Tok::Newline) | Some(Tok::RBrace) => Stmt::Return(None),
                    _ => Stmt::Return(Some(self.expr()?)),
                }
            }
            "iterator_statement" => {
                self.next()?;
                Stmt::IteratorStatement
            }
            "proc" | "func" | "obfunc" | "iterator" => {
                self.next()?;
                if !top {
                    // Definitions are allowed only as top-level statements.
                    return Err(HocError::syntax(self.last_end));
                }
                let kind = match w {
                    "proc" => FuncKind::Proc,
                    "func" => FuncKind::Func,
                    "obfunc" => FuncKind::Obfunc,
                    _ => FuncKind::Iterator,
                };
                self.func_def(kind)?
            }
            "double" => {
                self.next()?;
                Stmt::Double(self.decl_list(Decl::Double)?)
            }
            "objref" | "objectvar" => {
                self.next()?;
                Stmt::Objref(self.decl_list(Decl::Objref)?)
            }
            "strdef" => {
                self.next()?;
                Stmt::Strdef(self.decl_list(Decl::Strdef)?.into_iter().map(|(n, _)| n).collect())
            }
            "public" | "external" => {
                self.next()?;
                let mut names = vec![self.ident()?];
                while self.eat(&Tok::Comma)? {
                    names.push(self.ident()?);
                }
                if w == "public" {
                    Stmt::Public(names)
                } else {
                    Stmt::External(names)
                }
            }
            "local" | "localobj" => return Err(self.err_after_next()),
            "create" => {
                self.next()?;
                let mut items = Vec::new();
                loop {
                    let name = self.ident()?;
                    let r = self.resolve(&name);
                    let n = self.indices()?;
                    self.declare_section(r);
                    items.push((r, n));
                    if !self.eat(&Tok::Comma)? {
                        break;
                    }
                }
                Stmt::Create(items)
            }
            "access" => {
                self.next()?;
                Stmt::Access(self.section_ref()?)
            }
            "connect" => {
                self.next()?;
                self.connect()?
            }
            "setpointer" => {
                self.next()?;
                let ptr = self.expr()?;
                self.expect(&Tok::Comma)?;
                Stmt::SetPointer(ptr, self.expr()?)
            }
            "insert" | "uninsert" => {
                self.next()?;
                let name = self.any_ident()?;
                if w == "insert" {
                    Stmt::Insert(name)
                } else {
                    Stmt::Uninsert(name)
                }
            }
            "forall" => {
                self.next()?;
                Stmt::Forall(Box::new(self.statement(false)?))
            }
            "forsec" | "ifsec" => {
                self.next()?;
                let e = self.expr()?;
                let body = Box::new(self.statement(false)?);
                if w == "forsec" {
                    Stmt::Forsec(e, body)
                } else {
                    Stmt::Ifsec(e, body)
                }
            }
            "help" => {
                // A top-level command that skips the rest of its line (it
                // shows help only in the GUI version).
                if !top {
                    return Err(self.err_after_next());
                }
                self.next()?;
                let text = self.lex.text();
                self.lex.pos = text[self.lex.pos..].find(['\n', '\r']).map_or(text.len(), |i| self.lex.pos + i);
                Stmt::Nop
            }
            "depvar" => {
                self.next()?;
                while !matches!(self.peek()?, None | Some(Tok::Newline)) {
                    self.next()?;
                }
                Stmt::Nop
            }
            _ => return Ok(None),
        };
        Ok(Some(s))
    }

    fn err_after_next(&mut self) -> HocError {
        match self.next() {
            Ok(_) => HocError::syntax(self.last_end),
            Err(e) => e,
        }
    }

    fn any_ident(&mut self) -> PResult<Rc<str>> {
        match self.peek()? {
            Some(Tok::Ident(s)) => {
                let s: Rc<str> = s.as_str().into();
                self.next()?;
                Ok(s)
            }
            _ => Err(self.err_here()),
        }
    }

    fn declare_section(&mut self, r: NameRef) {
        match r {
            NameRef::Global(i) => self.it.globals.syms[i as usize].kind = Kind::Section,
            NameRef::Field(i) => {
                let ci = self.templ.expect("field outside template");
                self.it.class_scope_mut(ci).syms[i as usize].kind = Kind::Section;
            }
            NameRef::Local(_) => {}
        }
    }

    fn decl_list(&mut self, decl: Decl) -> PResult<Vec<(NameRef, Vec<Expr>)>> {
        let mut out = Vec::new();
        let dims = decl != Decl::Strdef;
        loop {
            let name = self.ident()?;
            // Declarations act on the enclosing scope, never on locals; in a
            // template they make a member even where a built-in has the name.
            let r = match self.templ {
                Some(ci) => NameRef::Field(self.it.class_scope_mut(ci).intern(&name)),
                None => NameRef::Global(self.it.globals.intern(&name)),
            };
            self.check_redeclare(r, &name, decl)?;
            self.declare_type(r, decl);
            let mut d = Vec::new();
            while dims && self.eat(&Tok::LBracket)? {
                d.push(self.expr()?);
                self.expect(&Tok::RBracket)?;
            }
            out.push((r, d));
            if !self.eat(&Tok::Comma)? {
                return Ok(out);
            }
        }
    }

    /// A strdef or double declared in a procedure's body has its type from
    /// the moment it is parsed, as in NEURON (`name_declared` tells, and a
    /// later `strdef` of the name is no clash); its storage comes when the
    /// declaration runs.
    fn declare_type(&mut self, r: NameRef, decl: Decl) {
        let NameRef::Global(i) = r else { return };
        let slot = match decl {
            Decl::Strdef => Slot::new_str(),
            Decl::Double => Slot::Num(0.0),
            _ => return,
        };
        self.it.ensure_gslot(i);
        if matches!(self.it.gslots[i as usize], Slot::Undef) {
            self.it.gslots[i as usize] = slot;
        }
    }

    /// NEURON fixes a name's type when it is declared: a built-in cannot be
    /// redeclared, nor a variable with another type.
    fn check_redeclare(&mut self, r: NameRef, name: &str, decl: Decl) -> PResult<()> {
        let err = |p: &Self, msg: String| {
            let mut e = HocError::syntax(p.last_end);
            e.msg = msg;
            e.kind = crate::error::ErrorKind::Syntax(p.last_end);
            e
        };
        let builtin = matches!(r, NameRef::Global(g) if self.it.is_builtin_sym(g));
        match self.kind_of(r) {
            Some(Kind::Var) | None if !builtin => {}
            _ => return Err(err(self, format!("{name} : Redeclaring at top level"))),
        }
        let slot = match r {
            NameRef::Global(i) => self.it.gslots.get(i as usize).cloned(),
            NameRef::Field(i) => self.it.template(self.templ.unwrap()).and_then(|t| t.proto.get(i as usize).cloned()),
            NameRef::Local(_) => None,
        };
        let clash = match (slot, decl) {
            (None | Some(Slot::Undef), _) => false,
            (Some(Slot::Num(_) | Slot::Nums { .. }), Decl::Double) => false,
            (Some(Slot::Objs { .. }), Decl::Objref) => false,
            (Some(Slot::Str(_)), Decl::Strdef) => false,
            _ => true,
        };
        if clash {
            return Err(err(self, format!("{name}  already declared")));
        }
        Ok(())
    }

    fn for_statement(&mut self) -> PResult<Stmt> {
        if self.eat(&Tok::LParen)? {
            // `for (x)`, `for (x, 0)` or C-style `for (a; b; c)`.
            let save_pos = self.lex.pos;
            let save_peek = self.peeked.clone();
            let save_end = self.last_end;
            if let Some(Tok::Ident(name)) = self.peek()?.cloned() {
                self.next()?;
                let with_ends = match self.peek()? {
                    Some(Tok::RParen) => Some(true),
                    Some(Tok::Comma) => Some(false),
                    _ => None,
                };
                if let Some(with_ends) = with_ends {
                    if !with_ends {
                        self.next()?;
                        self.expr()?;
                    }
                    self.expect(&Tok::RParen)?;
                    let r = self.resolve(&name);
                    self.declare_assigned(r);
                    let body = self.statement(false)?;
                    return Ok(Stmt::ForX(r, with_ends, Box::new(body)));
                }
                self.lex.pos = save_pos;
                self.peeked = save_peek;
                self.last_end = save_end;
            }
            let init = if self.is(&Tok::Semi)? { None } else { Some(self.expr()?) };
            self.expect(&Tok::Semi)?;
            let cond = if self.is(&Tok::Semi)? { None } else { Some(self.expr()?) };
            self.expect(&Tok::Semi)?;
            let step = if self.is(&Tok::RParen)? { None } else { Some(self.expr()?) };
            self.expect(&Tok::RParen)?;
            let body = self.statement(false)?;
            return Ok(Stmt::For(init, cond, step, Box::new(body)));
        }
        // `for i = a, b stmt` or `for iter(args) stmt`
        let target = self.postfix()?;
        if self.is(&Tok::Assign)? {
            if let Expr::Name(r) = target {
                self.declare_assigned(r);
            }
        }
        if self.eat(&Tok::Assign)? {
            let a = self.expr()?;
            self.expect(&Tok::Comma)?;
            let b = self.expr()?;
            let body = self.statement(false)?;
            return Ok(Stmt::ForRange(target, a, b, Box::new(body)));
        }
        match target {
            Expr::Call(..) | Expr::Member { args: Some(_), .. } => {
                let body = self.statement(false)?;
                Ok(Stmt::ForIter(target, Rc::new(body)))
            }
            _ => Err(self.err_here()),
        }
    }

    fn func_def(&mut self, kind: FuncKind) -> PResult<Stmt> {
        let name = self.ident()?;
        if self.locals.is_some() {
            return Err(HocError::syntax(self.last_end));
        }
        let r = self.resolve(&name);
        self.expect(&Tok::LParen)?;
        self.expect(&Tok::RParen)?;
        if !self.is(&Tok::LBrace)? {
            return Err(self.err_here());
        }
        self.next()?;
        self.locals = Some(Vec::new());
        let result = self.func_body();
        let locals = self.locals.take().unwrap_or_default();
        let body = result?;
        let def = Rc::new(FuncDef {
            name,
            kind,
            body,
            locals: locals.into_iter().map(|(_, o)| o).collect(),
            class: self.templ,
        });
        // Bind now so later statements (and recursion) see the kind.
        self.it.define_func(r, self.templ, def.clone());
        Ok(Stmt::Define(r, def))
    }

    fn func_body(&mut self) -> PResult<Stmt> {
        // `local`/`localobj` come first, on the line of `{` (NEURON) or, leniently, the next lines.
        loop {
            self.skip_newlines_if_local()?;
            let obj = if self.is_word("local")? {
                false
            } else if self.is_word("localobj")? {
                true
            } else {
                break;
            };
            self.next()?;
            loop {
                let n = self.ident()?;
                let mut ignored = Vec::new();
                while self.eat(&Tok::LBracket)? {
                    ignored.push(self.expr()?);
                    self.expect(&Tok::RBracket)?;
                }
                self.locals.as_mut().unwrap().push((n, obj));
                if !self.eat(&Tok::Comma)? {
                    break;
                }
            }
        }
        self.block_rest()
    }

    /// Skips newlines only when a `local` declaration follows them.
    fn skip_newlines_if_local(&mut self) -> PResult<()> {
        if !self.is(&Tok::Newline)? {
            return Ok(());
        }
        let (pos, peek, end) = (self.lex.pos, self.peeked.clone(), self.last_end);
        self.skip_newlines()?;
        if self.is_word("local")? || self.is_word("localobj")? {
            return Ok(());
        }
        self.lex.pos = pos;
        self.peeked = peek;
        self.last_end = end;
        Ok(())
    }

    fn section_ref(&mut self) -> PResult<SecRef> {
        let e = self.postfix()?;
        Ok(Self::expr_to_secref(e))
    }

    fn expr_to_secref(e: Expr) -> SecRef {
        match e {
            Expr::Name(r) => SecRef::Name(r, Vec::new()),
            Expr::Index(r, ix) => SecRef::Name(r, ix),
            other => SecRef::Expr(Box::new(other)),
        }
    }

    /// `connect child(x), parent(y)`, or `connect child(x), y` with the
    /// current section as the parent (`sec connect …`, `sec { connect … }`).
    fn connect(&mut self) -> PResult<Stmt> {
        let child = self.postfix()?;
        let (child, child_x) = self.split_section_call(child).map_err(|_| self.err_here_now())?;
        self.expect(&Tok::Comma)?;
        let e = self.expr()?;
        match self.split_section_call(e) {
            Ok((p, px)) => Ok(Stmt::Connect { child, child_x, parent: Some(p), parent_x: px }),
            Err(x) => Ok(Stmt::Connect { child, child_x, parent: None, parent_x: x }),
        }
    }

    fn err_here_now(&self) -> HocError {
        HocError::syntax(self.last_end)
    }

    /// `sec(x)`, `sec[i](x)` or `obj.sec(x)` → (sec, x); anything else back
    /// as it was.
    fn split_section_call(&self, e: Expr) -> Result<(SecRef, Expr), Expr> {
        match e {
            Expr::Call(r, mut args) if args.len() == 1 && self.is_section_name(r) => Ok((SecRef::Name(r, Vec::new()), args.remove(0))),
            Expr::SecCall(r, ix, mut args) if args.len() == 1 && self.is_section_name(r) => Ok((SecRef::Name(r, ix), args.remove(0))),
            Expr::Member { obj, name, index, args: Some(mut args), cache } if args.len() == 1 => {
                let x = args.remove(0);
                Ok((SecRef::Expr(Box::new(Expr::Member { obj, name, index, args: None, cache })), x))
            }
            e => Err(e),
        }
    }

    /// Whether `e` names an object (NEURON's `ob`), which may prefix a
    /// statement as a section does.
    fn is_object_expr(&self, e: &Expr) -> bool {
        match e {
            Expr::Member { .. } | Expr::Arg('o', _) => true,
            Expr::Name(NameRef::Local(i)) | Expr::Index(NameRef::Local(i), _) => {
                self.locals.as_ref().and_then(|l| l.get(*i as usize)).is_some_and(|(_, obj)| *obj)
            }
            Expr::Name(r) | Expr::Index(r, _) => {
                let slot = match *r {
                    NameRef::Global(i) => self.it.gslots.get(i as usize),
                    NameRef::Field(i) => self.templ.and_then(|ci| self.it.template(ci)).and_then(|t| t.proto.get(i as usize)),
                    NameRef::Local(_) => None,
                };
                matches!(self.kind_of(*r), Some(Kind::Var)) && matches!(slot, Some(Slot::Objs { .. }))
            }
            Expr::Call(r, _) => matches!(self.kind_of(*r), Some(Kind::Obfunc(_))),
            _ => false,
        }
    }

    fn expr_statement(&mut self, top: bool) -> PResult<Stmt> {
        let parenthesised = self.is(&Tok::LParen)?;
        let e = self.expr()?;
        // A section followed by a statement on the same line is a section
        // prefix; an object may prefix a statement too (it then runs in the
        // current section, or in the object's section if it is one).
        let section = match &e {
            Expr::Name(r) | Expr::Index(r, _) => self.is_section_name(*r),
            Expr::Member { args: None, .. } => true,
            _ => false,
        };
        if section || self.is_object_expr(&e) {
            match self.peek()? {
                Some(Tok::Ident(w)) if w == "connect" && section => {
                    self.next()?;
                    let sec = Self::expr_to_secref(e);
                    let c = self.connect()?;
                    return Ok(Stmt::SecPrefix(sec, Box::new(c)));
                }
                // (`if (c) obj.f() else …`: else ends the statement)
                Some(Tok::Ident(w)) if w == "else" => {}
                Some(Tok::Ident(_)) | Some(Tok::LBrace) | Some(Tok::Dollar(_)) => {
                    let sec = if section { Self::expr_to_secref(e) } else { SecRef::Expr(Box::new(e)) };
                    let body = self.statement(false)?;
                    return Ok(Stmt::SecPrefix(sec, Box::new(body)));
                }
                _ => {}
            }
        }
        let echo = top && (parenthesised || !matches!(e, Expr::Assign(..)));
        Ok(Stmt::Expr(e, echo))
    }

    // ---------------------------------------------------------------- expressions

    pub fn expr(&mut self) -> PResult<Expr> {
        self.nesting += 1;
        let r = if self.nesting > MAX_NESTING { Err(self.too_deep()) } else { stacker::maybe_grow(64 * 1024, 1 << 20, || self.expr_inner()) };
        self.nesting -= 1;
        r
    }

    fn expr_inner(&mut self) -> PResult<Expr> {
        let lhs = self.or_expr()?;
        let op = match self.peek()? {
            Some(Tok::Assign) => AssignOp::Set,
            Some(Tok::PlusAssign) => AssignOp::Add,
            Some(Tok::MinusAssign) => AssignOp::Sub,
            Some(Tok::StarAssign) => AssignOp::Mul,
            Some(Tok::SlashAssign) => AssignOp::Div,
            _ => return Ok(lhs),
        };
        if !Self::assignable(&lhs) {
            return Err(self.err_here());
        }
        self.next()?;
        let mut rhs = self.expr()?;
        if matches!(lhs, Expr::Call(..) | Expr::SecCall(..) | Expr::Member { args: Some(_), .. }) && self.eat(&Tok::Colon)? {
            let hi = self.expr()?;
            rhs = Expr::Range(Box::new(rhs), Box::new(hi));
        }
        if let Expr::Name(r) = lhs {
            self.declare_assigned(r);
        }
        Ok(Expr::Assign(op, Box::new(lhs), Box::new(rhs)))
    }

    fn assignable(e: &Expr) -> bool {
        matches!(
            e,
            Expr::Name(_) | Expr::Index(..) | Expr::Member { .. } | Expr::Arg(..) | Expr::ArgIndex(..) | Expr::Call(..) | Expr::SecCall(..)
        )
    }

    fn or_expr(&mut self) -> PResult<Expr> {
        let mut l = self.and_expr()?;
        while self.eat(&Tok::Or)? {
            let r = self.and_expr()?;
            l = self.bin(BinOp::Or, l, r)?;
        }
        Ok(l)
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        let mut l = self.rel_expr()?;
        while self.eat(&Tok::And)? {
            let r = self.rel_expr()?;
            l = self.bin(BinOp::And, l, r)?;
        }
        Ok(l)
    }

    fn rel_expr(&mut self) -> PResult<Expr> {
        let mut l = self.add_expr()?;
        loop {
            let op = match self.peek()? {
                Some(Tok::Eq) => BinOp::Eq,
                Some(Tok::Ne) => BinOp::Ne,
                Some(Tok::Lt) => BinOp::Lt,
                Some(Tok::Le) => BinOp::Le,
                Some(Tok::Gt) => BinOp::Gt,
                Some(Tok::Ge) => BinOp::Ge,
                _ => return Ok(l),
            };
            self.next()?;
            let r = self.add_expr()?;
            l = self.bin(op, l, r)?;
        }
    }

    fn add_expr(&mut self) -> PResult<Expr> {
        let mut l = self.mul_expr()?;
        loop {
            let op = match self.peek()? {
                Some(Tok::Plus) => BinOp::Add,
                Some(Tok::Minus) => BinOp::Sub,
                _ => return Ok(l),
            };
            self.next()?;
            let r = self.mul_expr()?;
            l = self.bin(op, l, r)?;
        }
    }

    fn mul_expr(&mut self) -> PResult<Expr> {
        let mut l = self.unary()?;
        loop {
            let op = match self.peek()? {
                Some(Tok::Star) => BinOp::Mul,
                Some(Tok::Slash) => BinOp::Div,
                Some(Tok::Percent) => BinOp::Mod,
                _ => return Ok(l),
            };
            self.next()?;
            let r = self.unary()?;
            l = self.bin(op, l, r)?;
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        if self.eat(&Tok::Minus)? {
            self.nesting += 1;
            if self.nesting > MAX_NESTING {
                return Err(self.too_deep());
            }
            let e = self.unary();
            self.nesting -= 1;
            let e = e?;
            return Ok(match e {
                Expr::Num(n) => Expr::Num(-n),
                e => Expr::Neg(Box::new(e)),
            });
        }
        if self.eat(&Tok::Plus)? {
            self.nesting += 1;
            if self.nesting > MAX_NESTING {
                return Err(self.too_deep());
            }
            let e = self.unary();
            self.nesting -= 1;
            return e;
        }
        if self.eat(&Tok::Not)? {
            self.nesting += 1;
            if self.nesting > MAX_NESTING {
                return Err(self.too_deep());
            }
            let e = self.unary();
            self.nesting -= 1;
            return Ok(Expr::Not(Box::new(e?)));
        }
        self.power()
    }

    fn power(&mut self) -> PResult<Expr> {
        let base = self.postfix()?;
        if self.eat(&Tok::Caret)? {
            let exp = self.unary()?;
            return Ok(Expr::Bin(BinOp::Pow, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn args(&mut self) -> PResult<Vec<Expr>> {
        // after '('
        let mut args = Vec::new();
        if self.eat(&Tok::RParen)? {
            return Ok(args);
        }
        loop {
            let a = if self.eat(&Tok::Amp)? {
                Expr::AddrOf(Box::new(self.postfix()?))
            } else {
                let e = self.expr()?;
                if self.eat(&Tok::Colon)? {
                    let hi = self.expr()?;
                    Expr::Range(Box::new(e), Box::new(hi))
                } else {
                    e
                }
            };
            args.push(a);
            if self.eat(&Tok::RParen)? {
                return Ok(args);
            }
            self.expect(&Tok::Comma)?;
        }
    }

    fn indices(&mut self) -> PResult<Vec<Expr>> {
        let mut ix = Vec::new();
        while self.eat(&Tok::LBracket)? {
            ix.push(self.expr()?);
            self.expect(&Tok::RBracket)?;
        }
        Ok(ix)
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        while self.is(&Tok::Dot)? {
            self.next()?;
            let name = self.any_ident()?;
            let index = self.indices()?;
            let args = if self.eat(&Tok::LParen)? { Some(self.args()?) } else { None };
            e = Expr::Member { obj: Box::new(e), name, index, args, cache: std::cell::Cell::new((u32::MAX, 0)) };
        }
        Ok(e)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let Some(s) = self.next()? else {
            return Err(HocError::syntax(self.lex.text().len()));
        };
        match s.tok {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Str(st) => Ok(Expr::Str(st.into())),
            Tok::LParen => {
                let e = self.expr()?;
                self.expect(&Tok::RParen)?;
                Ok(e)
            }
            Tok::Dollar((kind, n)) => {
                let idx = if n == 0 {
                    Expr::Name(self.resolve("i"))
                } else {
                    Expr::Num(n as f64)
                };
                let e = Expr::Arg(kind, Box::new(idx));
                if kind == '&' && self.eat(&Tok::LBracket)? {
                    let i = self.expr()?;
                    self.expect(&Tok::RBracket)?;
                    return Ok(Expr::ArgIndex(Box::new(e), Box::new(i)));
                }
                Ok(e)
            }
            Tok::Ident(w) if w == "new" => {
                let name = self.ident()?;
                let r = self.resolve(&name);
                self.expect(&Tok::LParen)?;
                let args = self.args()?;
                if !matches!(self.kind_of(r), Some(Kind::Class(_))) {
                    let mut e = HocError::syntax(self.last_end);
                    e.msg = format!("{name} is not a template");
                    return Err(e);
                }
                Ok(Expr::New(r, args))
            }
            Tok::Ident(w) if !KEYWORDS.contains(&w.as_str()) => {
                let r = self.resolve(&w);
                let index = self.indices()?;
                if self.eat(&Tok::LParen)? {
                    let args = self.args()?;
                    if !index.is_empty() {
                        return Ok(Expr::SecCall(r, index, args));
                    }
                    return Ok(Expr::Call(r, args));
                }
                if index.is_empty() {
                    Ok(Expr::Name(r))
                } else {
                    Ok(Expr::Index(r, index))
                }
            }
            _ => Err(HocError::syntax(s.end)),
        }
    }
}
