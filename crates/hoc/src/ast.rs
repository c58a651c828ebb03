//! The syntax tree of HOC statements, with names already bound to symbol
//! indices by the parser.

use std::cell::Cell;
use std::rc::Rc;

/// Where a name lives: the top-level table, the current object's template,
/// or the current procedure's locals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NameRef {
    Global(u32),
    Field(u32),
    Local(u32),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug)]
pub enum Expr {
    Num(f64),
    Str(Rc<str>),
    Name(NameRef),
    Index(NameRef, Vec<Expr>),
    Call(NameRef, Vec<Expr>),
    /// `obj.name`, `obj.name[i]`, `obj.name(args)`; `cache` remembers the
    /// member's index in the last class seen here.
    Member {
        obj: Box<Expr>,
        name: Rc<str>,
        index: Vec<Expr>,
        args: Option<Vec<Expr>>,
        cache: Cell<(u32, u32)>,
    },
    /// `$1` (kind 'n'), `$s1`, `$o1`, `$&1`; the number is an expression for `$i`.
    Arg(char, Box<Expr>),
    /// `$&1[i]`
    ArgIndex(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Assign(AssignOp, Box<Expr>, Box<Expr>),
    New(NameRef, Vec<Expr>),
    AddrOf(Box<Expr>),
    /// `dend[i](x)` or `grid[i][j](x)`: a section array element at a
    /// position (in `connect`).
    SecCall(NameRef, Vec<Expr>, Vec<Expr>),
    /// `a:b` in range-variable arguments and assignments.
    Range(Box<Expr>, Box<Expr>),
    /// A value computed outside the parser (an argument passed from Python):
    /// evaluates to itself, and to its place when it is a pointer.
    Value(crate::value::Value),
}

/// A section named in a statement: `soma`, `dend[i]`, `grid[i][j]`, or
/// `obj.dend[i]` (or any expression giving a section).
#[derive(Debug)]
pub enum SecRef {
    Name(NameRef, Vec<Expr>),
    Expr(Box<Expr>),
}

#[derive(Debug)]
pub enum Stmt {
    Expr(Expr, bool),
    Print(Vec<Expr>),
    Block(Vec<Stmt>),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    While(Expr, Box<Stmt>),
    For(Option<Expr>, Option<Expr>, Option<Expr>, Box<Stmt>),
    ForRange(Expr, Expr, Expr, Box<Stmt>),
    ForIter(Expr, Rc<Stmt>),
    IteratorStatement,
    Break,
    Continue,
    Return(Option<Expr>),
    Stop,
    Double(Vec<(NameRef, Vec<Expr>)>),
    Strdef(Vec<NameRef>),
    Objref(Vec<(NameRef, Vec<Expr>)>),
    Define(NameRef, Rc<FuncDef>),
    Public(Vec<Rc<str>>),
    External(Vec<Rc<str>>),
    /// `create a, b[n], c[n][m]`: names and dimensions.
    Create(Vec<(NameRef, Vec<Expr>)>),
    Access(SecRef),
    SecPrefix(SecRef, Box<Stmt>),
    /// `connect child(x), parent(y)`; with `parent connect child(x), y` the
    /// parent is the prefix section (None here).
    Connect { child: SecRef, child_x: Expr, parent: Option<SecRef>, parent_x: Expr },
    Insert(Rc<str>),
    Uninsert(Rc<str>),
    /// `setpointer obj.ptr, target` (or `sec.ptr_suffix(x), target`).
    SetPointer(Expr, Expr),
    Forall(Box<Stmt>),
    Forsec(Expr, Box<Stmt>),
    Ifsec(Expr, Box<Stmt>),
    /// `for (x) stmt` (ends included) or `for (x, 0) stmt`.
    ForX(NameRef, bool, Box<Stmt>),
    Nop,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FuncKind {
    Proc,
    Func,
    Obfunc,
    Iterator,
}

#[derive(Debug)]
pub struct FuncDef {
    pub name: Rc<str>,
    pub kind: FuncKind,
    pub body: Stmt,
    /// One entry per local: true for `localobj`.
    pub locals: Vec<bool>,
    /// The template the function belongs to, if any.
    pub class: Option<u32>,
}
