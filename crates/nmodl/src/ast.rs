//! The NMODL syntax tree. Every node carries the [`Span`] of its source text.
//!
//! The tree is faithful to the source: names are not resolved, `DEFINE`d
//! names are kept where they are used, and units are kept as written.

pub use crate::span::Span;

/// A name as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A unit as written between parentheses, without them and trimmed:
/// `(mA/cm2)` gives `mA/cm2`.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    pub text: String,
    pub span: Span,
}

/// A numeric literal. In declarations it may carry a leading minus sign
/// (folded into `value`); in expressions negation is a [`UnOp::Neg`].
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    pub value: f64,
    /// True for an integer literal such as `3` (as opposed to `3.` or `3e0`)
    /// or a `DEFINE`d name.
    pub integer: bool,
    pub span: Span,
}

/// An integer where the grammar wants one (array sizes, `WITH n`, reaction
/// coefficients).
#[derive(Clone, Debug, PartialEq)]
pub struct Count {
    pub value: i64,
    pub span: Span,
}

/// A whole .mod file, with the items of the files it INCLUDEs in their place.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub items: Vec<Item>,
    pub span: Span,
    /// The file's name and those of the files it includes, by [`Span::file`].
    pub files: Vec<String>,
    /// Names in the order the text (with its INCLUDEs) first uses them, as
    /// nocmodl's symbol table meets them; it orders a KINETIC scheme's states.
    pub names_seen: Vec<String>,
}

/// A top-level construct.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// `TITLE text…` (the rest of the line).
    Title(String),
    /// `DEFINE NAME [-]integer`.
    Define { name: Ident, value: i64 },
    /// `INCLUDE "file"` (kept only when the file was parsed without reading
    /// its includes; otherwise the included items stand in its place).
    Include(String),
    /// `UNITSON`.
    UnitsOn,
    /// `UNITSOFF`.
    UnitsOff,
    /// `VERBATIM … ENDVERBATIM`: raw C, kept opaque.
    Verbatim(String),
    /// `NEURON { … }`.
    Neuron(Vec<NeuronStmt>),
    /// `UNITS { … }`.
    Units(Vec<UnitsStmt>),
    /// `PARAMETER { … }`.
    Parameter(Vec<ParamDecl>),
    /// `CONSTANT { … }`.
    Constant(Vec<ConstDecl>),
    /// `INDEPENDENT { … }`.
    Independent(Vec<IndepDecl>),
    /// `ASSIGNED { … }`.
    Assigned(Vec<VarDecl>),
    /// `STATE { … }`.
    State(Vec<VarDecl>),
    /// Top-level `LOCAL a, b[3]` (variables shared by all the mechanism's code).
    Local(Vec<LocalVar>),
    /// `INITIAL { … }`.
    Initial(Block),
    /// `BREAKPOINT { … }`.
    Breakpoint(Block),
    /// `CONSTRUCTOR { … }`.
    Constructor(Block),
    /// `DESTRUCTOR { … }`.
    Destructor(Block),
    /// `DERIVATIVE name { … }`.
    Derivative(Solvable),
    /// `KINETIC name [SOLVEFOR a, b] { … }`.
    Kinetic(Solvable),
    /// `LINEAR name [SOLVEFOR …] { … }`.
    Linear(Solvable),
    /// `NONLINEAR name [SOLVEFOR …] { … }`.
    NonLinear(Solvable),
    /// `DISCRETE name { … }`.
    Discrete(Solvable),
    /// `PROCEDURE name(args) [(unit)] { … }`.
    Procedure(Callable),
    /// `FUNCTION name(args) [(unit)] { … }`; the body assigns to `name`.
    Function(Callable),
    /// `FUNCTION_TABLE name(args) [(unit)]` (values supplied from hoc).
    FunctionTable {
        name: Ident,
        args: Vec<Arg>,
        unit: Option<Unit>,
    },
    /// `NET_RECEIVE(args) { … }`; `flag` is an implicit extra argument.
    NetReceive { args: Vec<Arg>, body: Block },
    /// `BEFORE kind { … }`.
    Before(BaKind, Block),
    /// `AFTER kind { … }`.
    After(BaKind, Block),
}

/// The block kinds that `BEFORE` / `AFTER` attach to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaKind {
    Breakpoint,
    Solve,
    Initial,
    Step,
}

/// A named block that `SOLVE` can name: DERIVATIVE, KINETIC, LINEAR,
/// NONLINEAR, DISCRETE.
#[derive(Clone, Debug, PartialEq)]
pub struct Solvable {
    pub name: Ident,
    /// `SOLVEFOR` names (empty when absent).
    pub solvefor: Vec<Ident>,
    pub body: Block,
}

/// A PROCEDURE or FUNCTION.
#[derive(Clone, Debug, PartialEq)]
pub struct Callable {
    pub name: Ident,
    pub args: Vec<Arg>,
    /// Unit of the result: `FUNCTION f(v (mV)) (/ms)`.
    pub unit: Option<Unit>,
    pub body: Block,
}

/// A formal argument: `v (mV)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: Ident,
    pub unit: Option<Unit>,
    pub span: Span,
}

/// A statement of the NEURON block.
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronStmt {
    pub kind: NeuronStmtKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuffixKind {
    /// `SUFFIX name`: a density mechanism.
    Suffix,
    /// `POINT_PROCESS name`.
    PointProcess,
    /// `ARTIFICIAL_CELL name`.
    ArtificialCell,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NeuronStmtKind {
    Suffix {
        kind: SuffixKind,
        name: Ident,
    },
    UseIon(UseIon),
    NonspecificCurrent(Vec<Ident>),
    ElectrodeCurrent(Vec<Ident>),
    Range(Vec<Ident>),
    Global(Vec<Ident>),
    Pointer(Vec<Ident>),
    BbcorePointer(Vec<Ident>),
    External(Vec<Ident>),
    Random(Vec<Ident>),
    Threadsafe,
    /// `REPRESENTS ontology-id` for the mechanism.
    Represents(String),
}

/// `USEION ion READ a, b WRITE c VALENCE n [REPRESENTS id]`.
#[derive(Clone, Debug, PartialEq)]
pub struct UseIon {
    pub ion: Ident,
    pub read: Vec<Ident>,
    pub write: Vec<Ident>,
    /// `VALENCE` (or `CHARGE`), sign included.
    pub valence: Option<Number>,
    pub represents: Option<String>,
}

/// A statement of the UNITS block.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitsStmt {
    pub kind: UnitsStmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum UnitsStmtKind {
    /// `(mV) = (millivolt)`: a unit alias.
    Alias { name: Unit, def: Unit },
    /// `F = 96485.3 (coulomb)`: a named constant with a literal value.
    Value {
        name: Ident,
        value: Number,
        unit: Unit,
    },
    /// `FARADAY = (faraday) (coulomb)` or `x = (foot) -> (inch)`: a named
    /// constant whose value is the conversion factor between two units
    /// (the physical constant `faraday` expressed in coulomb).
    Factor { name: Ident, from: Unit, to: Unit },
}

/// A PARAMETER entry: `name[size] = value (unit) <lo, hi>`, each part but the
/// name optional.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    pub name: Ident,
    pub size: Option<Count>,
    pub value: Option<Number>,
    pub unit: Option<Unit>,
    pub limits: Option<(Number, Number)>,
    pub span: Span,
}

/// A CONSTANT entry: `name = value (unit)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstDecl {
    pub name: Ident,
    pub value: Number,
    pub unit: Option<Unit>,
    pub span: Span,
}

/// An INDEPENDENT entry: `[SWEEP] t FROM 0 TO 1 WITH 1 [START 0] (ms)`.
#[derive(Clone, Debug, PartialEq)]
pub struct IndepDecl {
    pub sweep: bool,
    pub name: Ident,
    pub from: Number,
    pub to: Number,
    pub with: Count,
    pub start: Option<Number>,
    pub unit: Option<Unit>,
    pub span: Span,
}

/// An ASSIGNED or STATE entry:
/// `name[size] FROM lo TO hi START x0 (unit) <abstol>`, each part but the
/// name optional.
#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    pub name: Ident,
    pub size: Option<Count>,
    pub from_to: Option<(Number, Number)>,
    pub start: Option<Number>,
    pub unit: Option<Unit>,
    pub abstol: Option<Number>,
    pub span: Span,
}

/// A LOCAL variable: `x` or `x[4]`.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalVar {
    pub name: Ident,
    pub size: Option<Count>,
    pub span: Span,
}

/// `{ statements }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `LOCAL a, b[2]`.
    Local(Vec<LocalVar>),
    /// `x = e`, `x[i] = e`, `m' = e`.
    Assign {
        lhs: VarRef,
        rhs: Expr,
    },
    /// A procedure or function call used as a statement.
    Call(Call),
    /// `if (c) {…} else if (c) {…} else {…}`.
    If {
        cond: Expr,
        then: Block,
        else_ifs: Vec<ElseIf>,
        else_: Option<Block>,
    },
    /// `while (c) {…}`.
    While {
        cond: Expr,
        body: Block,
    },
    /// `FROM i = a TO b [BY s] {…}` (bounds inclusive).
    From {
        var: Ident,
        from: Expr,
        to: Expr,
        by: Option<Expr>,
        body: Block,
    },
    /// A nested `{ … }`.
    Block(Block),
    /// `SOLVE name [METHOD m | STEADYSTATE m]`.
    Solve(Solve),
    /// `~ a + 2 b <-> c (kf, kb)`, `~ a << (flux)`, `~ a -> (rate)`.
    Reaction(Reaction),
    /// `~ lhs = rhs` in LINEAR, NONLINEAR or DERIVATIVE blocks.
    Equation {
        lhs: Expr,
        rhs: Expr,
    },
    /// `CONSERVE a + b + 2 c = total`.
    Conserve {
        lhs: Vec<ReactTerm>,
        rhs: Expr,
    },
    /// `COMPARTMENT [i,] volume { species… }`.
    Compartment {
        index: Option<Ident>,
        volume: Expr,
        species: Vec<Ident>,
    },
    /// `LONGITUDINAL_DIFFUSION [i,] rate { species… }`.
    LongitudinalDiffusion {
        index: Option<Ident>,
        rate: Expr,
        species: Vec<Ident>,
    },
    /// `TABLE a, b DEPEND x, y FROM lo TO hi WITH n`.
    Table(Table),
    /// `WATCH (a > b) flag, (c < d) flag2`.
    Watch(Vec<Watch>),
    /// `FOR_NETCONS(args) { … }` inside NET_RECEIVE.
    ForNetcons {
        args: Vec<Arg>,
        body: Block,
    },
    /// `INITIAL { … }` inside NET_RECEIVE.
    Initial(Block),
    /// `VERBATIM … ENDVERBATIM`: raw C, kept opaque.
    Verbatim(String),
    UnitsOn,
    UnitsOff,
    MutexLock,
    MutexUnlock,
    /// `PROTECT x = e`.
    Protect(Box<Stmt>),
    /// `CONDUCTANCE g [USEION ion]`.
    Conductance {
        name: Ident,
        ion: Option<Ident>,
    },
    /// `LAG x BY tau`.
    Lag {
        name: Ident,
        by: Ident,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ElseIf {
    pub cond: Expr,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Solve {
    /// The DERIVATIVE/KINETIC/LINEAR/NONLINEAR block or PROCEDURE solved.
    pub name: Ident,
    pub method: Option<SolveMethod>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SolveMethod {
    /// True for `STEADYSTATE m`, false for `METHOD m`.
    pub steadystate: bool,
    /// `cnexp`, `derivimplicit`, `euler`, `sparse`, `after_cvode`, …
    pub name: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reaction {
    pub lhs: Vec<ReactTerm>,
    pub kind: ReactionKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ReactionKind {
    /// `<-> rhs (kf, kb)`.
    Reversible {
        rhs: Vec<ReactTerm>,
        kf: Expr,
        kb: Expr,
    },
    /// `<< (flux)`: a flux into the lhs species.
    Flux { rate: Expr },
    /// `-> (rate)`: a one-way loss of the lhs species.
    Sink { rate: Expr },
}

/// A species in a reaction or CONSERVE: `2 ca[i]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReactTerm {
    pub coeff: i64,
    pub var: VarRef,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The tabulated variables (empty for a FUNCTION's own value).
    pub vars: Vec<Ident>,
    pub depend: Vec<Ident>,
    pub from: Expr,
    pub to: Expr,
    pub with: Count,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Watch {
    pub lhs: Expr,
    /// True for `>`, false for `<`.
    pub above: bool,
    pub rhs: Expr,
    pub flag: Number,
    pub span: Span,
}

/// A variable use: `x`, `x[i]`, `m'`, `x@1` (in a DISCRETE block: the value
/// of STATE x one call back).
#[derive(Clone, Debug, PartialEq)]
pub struct VarRef {
    pub name: Ident,
    /// Number of primes (0 for a plain variable).
    pub prime: u8,
    /// `@k`: how many calls of the DISCRETE block back.
    pub at: Option<Count>,
    pub index: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub name: Ident,
    pub args: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A literal with an optional unit: `0.1 (ms)`.
    Num(Number, Option<Unit>),
    /// A string literal (only as a call argument), without its quotes.
    Str(String),
    Var(VarRef),
    Call(Call),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    Add,
    Sub,
    Mul,
    Div,
    /// `^`, right-associative, binds tighter than unary minus.
    Pow,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
        }
    }
}
