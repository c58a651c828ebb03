//! The syntax tree of the C subset that VERBATIM blocks hold. Every node
//! keeps the .mod file line it came from, for errors raised when it runs.

/// The base of a C type. `float` is read as `double`; `long`, `short`,
/// `unsigned` and `signed` as `int` (nerve keeps every value in a double).
#[derive(Clone, Debug, PartialEq)]
pub enum Base {
    Void,
    Char,
    Int,
    Double,
    /// A type name from NEURON's headers (`Object`, `Rand`, `IvocVect`,
    /// `Symbol`, `FILE`, …) or a `struct`: opaque to the C code nerve runs.
    Named(String),
}

/// A type: a base and how many `*` follow it.
#[derive(Clone, Debug, PartialEq)]
pub struct Ty {
    pub base: Base,
    pub ptr: u8,
}

impl Ty {
    pub fn int() -> Ty {
        Ty { base: Base::Int, ptr: 0 }
    }
    pub fn double() -> Ty {
        Ty { base: Base::Double, ptr: 0 }
    }
    /// An integer type (C's int arithmetic applies).
    pub fn is_int(&self) -> bool {
        self.ptr == 0 && matches!(self.base, Base::Int | Base::Char)
    }
    pub fn is_ptr(&self) -> bool {
        self.ptr > 0
    }
    /// The type `*p` has.
    pub fn deref(&self) -> Ty {
        Ty { base: self.base.clone(), ptr: self.ptr.saturating_sub(1) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UOp {
    Neg,
    Plus,
    Not,
    BitNot,
    Deref,
    Addr,
    PreInc,
    PreDec,
    PostInc,
    PostDec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BOp {
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    BitAnd,
    BitXor,
    BitOr,
    And,
    Or,
    Comma,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub k: EK,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EK {
    Int(i64),
    Real(f64),
    Str(String),
    Id(String),
    Un(UOp, Box<Expr>),
    Bin(BOp, Box<Expr>, Box<Expr>),
    /// `a = b`, or `a op= b`.
    Assign(Option<BOp>, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Expr>),
    Index(Box<Expr>, Box<Expr>),
    /// `a.f` (false) or `a->f` (true).
    Member(Box<Expr>, String, bool),
    Cast(Ty, Box<Expr>),
    SizeofTy(Ty),
    SizeofExpr(Box<Expr>),
}

/// One name a declaration introduces: `*x[4] = {…}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Declarator {
    pub name: String,
    pub ty: Ty,
    /// Array dimensions (`None`: `[]`).
    pub dims: Vec<Option<Expr>>,
    pub init: Option<Init>,
    /// A function prototype: its parameters.
    pub params: Option<Vec<Param>>,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Init {
    Expr(Expr),
    List(Vec<Init>),
}

/// A declaration: storage class and the names it declares.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    pub is_static: bool,
    pub is_extern: bool,
    pub is_typedef: bool,
    pub names: Vec<Declarator>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Option<String>,
    pub ty: Ty,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub k: SK,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SK {
    Decl(Decl),
    Expr(Expr),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    While(Expr, Box<Stmt>),
    Do(Box<Stmt>, Expr),
    For(Option<Box<Stmt>>, Option<Expr>, Option<Expr>, Box<Stmt>),
    Block(Vec<Stmt>),
    Return(Option<Expr>),
    Break,
    Continue,
    Empty,
    /// Statement k of the NMODL block the VERBATIM text sits in (NMODL
    /// statements may stand between the pieces of one C statement).
    Nmodl(usize),
    /// C that nerve does not take (the text is what the error names).
    Unsupported(String),
}

/// A C function definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Func {
    pub name: String,
    pub ret: Ty,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    pub is_static: bool,
    pub line: u32,
}

/// What a top-level VERBATIM block holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Func(Func),
    Decl(Decl),
    Unsupported { line: u32, what: String },
}
