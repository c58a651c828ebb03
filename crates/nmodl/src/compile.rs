//! Lowering a parsed .mod file to executable blocks: names resolved to
//! instance columns, GLOBALs, ions and locals; PROCEDUREs and FUNCTIONs
//! inlined; SOLVE … METHOD cnexp/euler turned into their update formulas as
//! NEURON's translator writes them; TABLEs into table specs and lookups.

use std::collections::HashMap;

use cable::ion::{IonField, IonUse};
use cable::mechanism::{Ba, MechKind, VarKind, VarSpec};

use crate::ast::*;
use crate::error::ParseError;
use crate::ir::{Block, Loc, Op, RandomOp, Reg, TableSpec, F1, F2};
use crate::regalloc;

#[path = "verbatim/lower.rs"]
mod lower;
use lower::{CFile, CState};
mod discrete;
mod kinetic;
mod vectorize;

/// A mechanism ready to run.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub name: String,
    pub kind: MechKind,
    pub vars: Vec<VarSpec>,
    pub globals: Vec<VarSpec>,
    pub ions: Vec<IonUse>,
    pub electrode: bool,
    pub initial: Block,
    /// BREAKPOINT without its SOLVEs, with the register holding the summed
    /// current and, per ion current written, (ion, column, register).
    pub current: Option<(Block, Reg, Vec<(usize, Reg)>)>,
    pub state: Option<Block>,
    /// The state update under `secondorder` at the fixed step, when a SOLVE
    /// other than cnexp makes nocmodl halve dt in nrn_state: run with dt/2,
    /// each such solve then moves its states on by dt/2 times their
    /// derivatives (to the end of the step).
    pub state_second_order: Option<Block>,
    /// INITIAL under `secondorder`, when a `STEADYSTATE sparse` there makes
    /// nocmodl's nrn_init move the states on by dt times their derivatives.
    pub initial_second_order: Option<Block>,
    /// The variable step's current evaluation first evaluates the states'
    /// derivatives (an ion current both READ and WRITTEN).
    pub spec_in_current: bool,
    pub net_receive: Option<Block>,
    /// NET_RECEIVE's INITIAL block.
    pub net_init: Option<Block>,
    /// The WATCH conditions' values (> 0: true), computed by one block.
    pub watch: Option<(Block, Vec<Reg>)>,
    /// FUNCTION_TABLE names and numbers of arguments (their contents come from HOC).
    pub ftables: Vec<(String, usize)>,
    /// LONGITUDINAL_DIFFUSION: a block computing, per instance, each diffusing
    /// species' coefficients (`Diffusing`).
    pub diffusion: Option<(Block, Vec<Diffusing>)>,
    /// Ion concentrations written but not integrated as STATEs, set from
    /// their first assignment right after the variable step sets the states
    /// (nocmodl's `_ode_synonym`).
    pub synonym: Option<Block>,
    /// BEFORE/AFTER blocks and when they run.
    pub ba: Vec<(Ba, Block)>,
    /// CONSTRUCTOR, run once per new instance.
    pub constructor: Option<Block>,
    /// FUNCTIONs and PROCEDUREs callable from HOC on an instance
    /// (`obj.name(args)`): block, result register, number of arguments. Those
    /// that read the membrane or ions are not among them.
    pub callables: Vec<(String, Block, Option<Reg>, usize)>,
    pub nweights: usize,
    pub pointers: Vec<String>,
    pub tables: Vec<TableSpec>,
    /// The states as the variable step integrates them (None: no states).
    pub ode: Option<OdeBlock>,
    /// Why the variable step cannot integrate this mechanism's SOLVEs.
    pub ode_unsupported: Option<String>,
    /// First column of each RANDOM variable's stream.
    pub randoms: Vec<usize>,
    /// C functions of VERBATIM blocks HOC can install as methods
    /// (`install_vector_method`): name, block, value register.
    pub methods: Vec<(String, Block, Option<Reg>)>,
    /// Draws from the program-wide SCoP generator (scop_random, exprand, …):
    /// then instances run one at a time, so that each draws in NEURON's order.
    pub sequential: bool,
    /// nocmodl would not make the mechanism thread safe: its TABLEs are
    /// built where their function is called, not at finitialize and before
    /// each step (see `vectorize`).
    pub lazy_tables: bool,
}

/// A species of LONGITUDINAL_DIFFUSION (one array element): the registers
/// of its diffusion constant times area and of its COMPARTMENT volume, and
/// for a species moved by a flux of an ion current, that flux with the
/// current's dI/dv in its place and the mechanism's ion (the variable
/// step's diagonal term, NEURON's `dfdcur`).
#[derive(Clone, Debug)]
pub struct Diffusing {
    pub loc: Loc,
    pub dc: Reg,
    pub vol: Reg,
    pub dflux: Option<(Reg, usize)>,
    /// Its index among the variable step's states of an instance.
    pub ode_state: Option<usize>,
}

/// A block computing, per instance, each state's derivative and the
/// diagonal of its Jacobian (NEURON's ode_spec and ode_matsol).
#[derive(Clone, Debug)]
pub struct OdeBlock {
    pub block: Block,
    pub states: Vec<OdeState>,
    /// Off-diagonal Jacobian terms (KINETIC): ∂(state row)'/∂(state col),
    /// divided by the row's volume like its derivative.
    pub offdiag: Vec<(usize, usize, Reg)>,
    /// The solve of the states of `METHOD sparse` schemes, as NEURON's
    /// `_ode_matsol` does it (the other states divide by 1 − γ·jac).
    pub matsol: Option<OdeMatsol>,
}

/// A block that solves (I − γJ)x = b for some states of an instance: b of
/// state `rows[k].0` goes into register `rows[k].1`, x comes out of
/// `rows[k].2`; dt is γ while it runs.
#[derive(Clone, Debug)]
pub struct OdeMatsol {
    pub block: Block,
    pub rows: Vec<(usize, Reg, Reg)>,
    /// The states outside the schemes (they divide by 1 − γ·jac).
    pub others: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct OdeState {
    pub loc: Loc,
    pub deriv: Reg,
    pub jac: Reg,
    /// COMPARTMENT volume: derivative and Jacobian are divided by it.
    pub volume: Option<Reg>,
    /// The STATE's tolerance scale (`<1e-4>` in its declaration; 1 if none).
    pub atol: f64,
}

type CResult<T> = Result<T, ParseError>;

/// What a name means at mechanism level.
#[derive(Clone, Copy, Debug)]
enum Name {
    /// A RANDOM variable: the first of its stream's columns (id1, id2, id3, seq·4+which).
    Random(usize),
    Loc(Loc),
    Const(f64),
    /// An array: its element 0 and length (elements are consecutive).
    Arr(Loc, usize),
}

fn element(base: Loc, k: usize) -> Loc {
    match base {
        Loc::Col(c) => Loc::Col(c + k),
        Loc::Global(g) => Loc::Global(g + k),
        l => l,
    }
}

/// Mechanism-level facts the code generator needs.
struct Ctx<'m> {
    file: String,
    /// Names of the INCLUDEd files, by `Span::file`.
    files: Vec<String>,
    /// Where each name is first met in the text (`Module::names_seen`).
    seen_rank: HashMap<String, usize>,
    names: HashMap<String, Name>,
    funcs: HashMap<String, (&'m Callable, bool)>,
    derivs: HashMap<String, &'m Solvable>,
    kinetics: HashMap<String, &'m Solvable>,
    linears: HashMap<String, &'m Solvable>,
    nonlinears: HashMap<String, &'m Solvable>,
    discretes: HashMap<String, &'m Solvable>,
    /// STATEs read as `x@k` and their histories.
    history: HashMap<String, discrete::History>,
    /// STATE variables (the unknowns a LINEAR block can solve for).
    state_locs: Vec<Loc>,
    /// FUNCTION_TABLE names and numbers of arguments.
    ftables: Vec<(String, usize)>,
    /// TABLE of a callable: index into `tables`.
    table_of: HashMap<String, usize>,
    tables: Vec<TableSpec>,
    /// Table statements by callable name (for building).
    table_stmts: HashMap<String, &'m Table>,
    usetable: Option<usize>,
    /// Ion-current columns: (ion index, column), in declaration order.
    currents: Vec<(usize, usize)>,
    /// Nonspecific/electrode current columns.
    other_currents: Vec<usize>,
    /// Ion currents both READ and WRITTEN: (ion index, column). Each block
    /// starts with the column holding the ion's total current so far, as
    /// nocmodl's code loads `ica = _ion_ica` before it runs.
    read_currents: Vec<(usize, usize)>,
    /// The file's VERBATIM C.
    c: CFile,
    /// Arrays read and written in the data at every index, constant ones
    /// too (some block indexes them both ways, see `compile`).
    in_data: Vec<Loc>,
    /// An array a block indexed by constants and then by a run-time value.
    mixed: &'m std::cell::Cell<Option<Loc>>,
    /// Where NMODL code calls C's `abs`.
    abs_calls: std::cell::RefCell<Vec<Span>>,
    /// BREAKPOINT's SOLVEs: block name, its METHOD (None: the default).
    solved_by: HashMap<String, Option<&'m SolveMethod>>,
}

impl Ctx<'_> {
    /// The variables a TABLE name stands for: itself, or an array's elements.
    fn table_var(&self, v: &Ident) -> CResult<Vec<Loc>> {
        match self.names.get(&v.name) {
            Some(&Name::Loc(l @ (Loc::Col(_) | Loc::Global(_)))) => Ok(vec![l]),
            Some(&Name::Arr(base, n)) => Ok((0..n).map(|k| element(base, k)).collect()),
            _ => Err(self.err(v.span, format!("TABLE {}: not a variable of the mechanism", v.name))),
        }
    }

    fn err(&self, span: Span, msg: impl Into<String>) -> ParseError {
        let file = if span.file == 0 { &self.file } else { self.files.get(span.file as usize).unwrap_or(&self.file) };
        ParseError { file: file.clone(), line: span.line, col: span.col, message: msg.into() }
    }
}

/// A resolved expression.
#[derive(Clone, Debug, PartialEq)]
enum E {
    Num(f64),
    Local(Reg),
    Loc(Loc),
    F1(F1, Box<E>),
    F2(F2, Box<E>, Box<E>),
    /// A user FUNCTION call.
    Call(String, Vec<E>, Span),
    /// A FUNCTION_TABLE at its arguments.
    FTable(usize, Vec<E>),
    /// An array element at an index known only at run time: the array's
    /// first element, its length, the index.
    Arr(Loc, usize, Box<E>),
    /// A draw from (or a setting of) a RANDOM variable's stream: what, the
    /// stream's first column, the arguments after the variable.
    Random(RandomOp, usize, Vec<E>),
    /// `at_time(te)` as a value: 1 in the fixed step whose current
    /// evaluation (at t) is the first with te - 1e-11 <= t, else 0 (NEURON's
    /// rule); te is also announced as a discontinuity.
    AtTime(Box<E>),
}

impl E {
    fn bin(op: F2, a: E, b: E) -> E {
        E::F2(op, Box::new(a), Box::new(b))
    }
    fn is(&self, x: f64) -> bool {
        matches!(self, E::Num(v) if *v == x)
    }
    fn has_local(&self) -> bool {
        match self {
            E::Local(_) => true,
            E::F1(_, a) | E::Arr(_, _, a) => a.has_local(),
            E::FTable(_, args) => args.iter().any(|a| a.has_local()),
            E::F2(_, a, b) => a.has_local() || b.has_local(),
            E::Call(_, args, _) => args.iter().any(|a| a.has_local()),
            _ => false,
        }
    }

    /// The expression with every location passed through `f`.
    fn map_locs(&self, f: &mut impl FnMut(Loc) -> Loc) -> E {
        match self {
            E::Loc(l) => E::Loc(f(*l)),
            E::F1(op, a) => E::F1(*op, Box::new(a.map_locs(f))),
            E::F2(op, a, b) => E::F2(*op, Box::new(a.map_locs(f)), Box::new(b.map_locs(f))),
            E::Arr(l, n, a) => E::Arr(*l, *n, Box::new(a.map_locs(f))),
            E::FTable(k, args) => E::FTable(*k, args.iter().map(|a| a.map_locs(f)).collect()),
            E::Call(name, args, span) => E::Call(name.clone(), args.iter().map(|a| a.map_locs(f)).collect(), *span),
            E::Random(op, k, args) => E::Random(*op, *k, args.iter().map(|a| a.map_locs(f)).collect()),
            E::AtTime(a) => E::AtTime(Box::new(a.map_locs(f))),
            e => e.clone(),
        }
    }

    /// Whether evaluating it does more than compute a value (a FUNCTION
    /// call, a random draw, `at_time`).
    fn has_effects(&self) -> bool {
        match self {
            E::Call(..) | E::Random(..) | E::AtTime(_) => true,
            E::F1(_, a) | E::Arr(_, _, a) => a.has_effects(),
            E::FTable(_, args) => args.iter().any(|a| a.has_effects()),
            E::F2(_, a, b) => a.has_effects() || b.has_effects(),
            _ => false,
        }
    }

    fn mentions(&self, x: &E) -> bool {
        self == x
            || match self {
                E::F1(_, a) | E::Arr(_, _, a) => a.mentions(x),
                E::FTable(_, args) => args.iter().any(|a| a.mentions(x)),
                E::F2(_, a, b) => a.mentions(x) || b.mentions(x),
                E::Call(_, args, _) => args.iter().any(|a| a.mentions(x)),
                _ => false,
            }
    }
}

/// f(a), computed now when a is a constant (the same arithmetic as at run time).
fn fold1(f: F1, a: E) -> E {
    match a {
        E::Num(x) => E::Num(crate::ir::f1(f, x)),
        a => E::F1(f, Box::new(a)),
    }
}

fn fold2(f: F2, a: E, b: E) -> E {
    match (a, b) {
        (E::Num(x), E::Num(y)) => E::Num(crate::ir::f2(f, x, y)),
        (a, b) => E::bin(f, a, b),
    }
}

// Simplifying constructors, as NEURON's translator drops zero terms and unit factors.
fn add(a: E, b: E) -> E {
    if a.is(0.0) {
        b
    } else if b.is(0.0) {
        a
    } else {
        E::bin(F2::Add, a, b)
    }
}
fn sub(a: E, b: E) -> E {
    if b.is(0.0) {
        a
    } else if a.is(0.0) {
        neg(b)
    } else {
        E::bin(F2::Sub, a, b)
    }
}
fn neg(a: E) -> E {
    match a {
        E::Num(v) => E::Num(-v),
        a => E::F1(F1::Neg, Box::new(a)),
    }
}
fn mul(a: E, b: E) -> E {
    if a.is(0.0) || b.is(0.0) {
        E::Num(0.0)
    } else if a.is(1.0) {
        b
    } else if b.is(1.0) {
        a
    } else {
        E::bin(F2::Mul, a, b)
    }
}
fn div(a: E, b: E) -> E {
    if a.is(0.0) {
        E::Num(0.0)
    } else if b.is(1.0) {
        a
    } else {
        E::bin(F2::Div, a, b)
    }
}

/// d e / d x, symbolically; None where the form cannot be differentiated.
fn deriv(e: &E, x: &E) -> Option<E> {
    if e == x {
        return Some(E::Num(1.0));
    }
    if !e.mentions(x) {
        return Some(E::Num(0.0));
    }
    Some(match e {
        E::F1(F1::Neg, a) => neg(deriv(a, x)?),
        E::F1(F1::Exp, a) => mul(e.clone(), deriv(a, x)?),
        E::F2(F2::Add, a, b) => add(deriv(a, x)?, deriv(b, x)?),
        E::F2(F2::Sub, a, b) => sub(deriv(a, x)?, deriv(b, x)?),
        E::F2(F2::Mul, a, b) => add(mul(deriv(a, x)?, (**b).clone()), mul((**a).clone(), deriv(b, x)?)),
        E::F2(F2::Div, a, b) => {
            let db = deriv(b, x)?;
            if db.is(0.0) {
                div(deriv(a, x)?, (**b).clone())
            } else {
                let num = sub(mul(deriv(a, x)?, (**b).clone()), mul((**a).clone(), db));
                div(num, mul((**b).clone(), (**b).clone()))
            }
        }
        E::F2(F2::Pow, a, b) if !b.mentions(x) => {
            let p = E::bin(F2::Pow, (**a).clone(), sub((**b).clone(), E::Num(1.0)));
            mul(mul((**b).clone(), p), deriv(a, x)?)
        }
        _ => return None,
    })
}

/// e with x replaced by 0, simplified.
fn at_zero(e: &E, x: &E) -> E {
    if e == x {
        return E::Num(0.0);
    }
    match e {
        E::F1(F1::Neg, a) => neg(at_zero(a, x)),
        E::F1(f, a) => E::F1(*f, Box::new(at_zero(a, x))),
        E::F2(op, a, b) => {
            let (a, b) = (at_zero(a, x), at_zero(b, x));
            match op {
                F2::Add => add(a, b),
                F2::Sub => sub(a, b),
                F2::Mul => mul(a, b),
                F2::Div => div(a, b),
                _ => E::bin(*op, a, b),
            }
        }
        E::Call(n, args, s) => E::Call(n.clone(), args.iter().map(|a| at_zero(a, x)).collect(), *s),
        E::FTable(k, args) => E::FTable(*k, args.iter().map(|a| at_zero(a, x)).collect()),
        E::Arr(b, n, a) => E::Arr(*b, *n, Box::new(at_zero(a, x))),
        e => e.clone(),
    }
}

/// How `x' = f` statements are integrated.
#[derive(Clone, Copy, PartialEq)]
enum Method {
    Cnexp,
    Euler,
    /// Backward Euler by Newton: `x' = f` and reactions accumulate f into
    /// the state's derivative register.
    Implicit,
    /// A KINETIC block for scopmath's sparse: reactions and CONSERVE fill
    /// the matrix of `kin`.
    Sparse,
}

/// Generates one block.
struct Gen<'c, 'm> {
    cx: &'c Ctx<'m>,
    b: Block,
    homes: HashMap<Loc, Reg>,
    written: Vec<Loc>,
    scopes: Vec<HashMap<String, Reg>>,
    /// Loop variables of FROM loops unrolled at compile time, innermost last.
    fixed: std::cell::RefCell<Vec<(String, f64)>>,
    mask: Option<Reg>,
    depth: usize,
    method: Option<Method>,
    /// In a TABLE build (the body at the table's points, not through the table).
    building: bool,
    /// Constant registers by value bits.
    consts: HashMap<u64, Reg>,
    /// Registers holding an expression's intermediate value, read once.
    temps: std::collections::HashSet<Reg>,
    /// In an implicit solve: each state and the register of its derivative.
    implicit: Vec<(E, Reg)>,
    /// COMPARTMENT volumes of KINETIC species.
    volumes: Vec<(E, E)>,
    /// CONSERVE laws of a KINETIC block: Σ c·x and the total.
    conserves: Vec<(Vec<(E, i64)>, E)>,
    /// SOLVE is allowed here (BREAKPOINT's state part, INITIAL).
    solving: bool,
    /// WATCH conditions met so far (in NET_RECEIVE), as `value > 0` expressions.
    watches: Vec<E>,
    /// Arrays this block indexes with run-time values (first elements);
    /// noted while names resolve.
    dynamic: std::cell::RefCell<Vec<Loc>>,
    /// Generating the variable step's derivatives: `x' = f` and reactions
    /// also accumulate ∂f/∂x of each state into `jac`.
    spec: bool,
    /// The state update under `secondorder` (dt is half the step): each
    /// solve other than cnexp ends with `x += dt*x'` as nocmodl's nrn_state.
    second_order: bool,
    jac: Vec<(E, Reg)>,
    /// Off-diagonal Jacobian terms of KINETIC schemes: ∂(x')/∂y as (x, y, register).
    offdiag: Vec<(E, E, Reg)>,
    /// NET_RECEIVE's number of weight arguments (0 elsewhere).
    nweights: usize,
    /// Lowering VERBATIM C: frames, C locals, loops.
    c: CState,
    /// The matrix of a KINETIC block being compiled for `METHOD sparse`.
    kin: Option<Box<kinetic::KinFill>>,
}

impl<'c, 'm> Gen<'c, 'm> {
    fn new(cx: &'c Ctx<'m>) -> Self {
        Gen { cx, b: Block::default(), homes: HashMap::new(), written: Vec::new(), scopes: vec![HashMap::new()], fixed: Default::default(), mask: None, depth: 0, method: None, building: false, consts: HashMap::new(), temps: Default::default(), implicit: Vec::new(), volumes: Vec::new(), conserves: Vec::new(), solving: true, watches: Vec::new(), dynamic: Default::default(), spec: false, second_order: false, jac: Vec::new(), offdiag: Vec::new(), nweights: 0, c: CState::default(), kin: None }
    }

    fn reg(&mut self) -> Reg {
        self.b.nregs += 1;
        self.b.nregs - 1
    }

    /// A register holding constant c (shared; never assigned).
    fn konst(&mut self, c: f64) -> Reg {
        if let Some(&r) = self.consts.get(&c.to_bits()) {
            return r;
        }
        let r = self.reg();
        self.consts.insert(c.to_bits(), r);
        self.b.consts.push((r, c));
        r
    }

    /// A new variable register starting at 0.
    fn zeroed(&mut self) -> Reg {
        let r = self.reg();
        self.b.ops.push(Op::Const(r, 0.0));
        r
    }

    fn tmp(&mut self) -> Reg {
        let r = self.reg();
        self.temps.insert(r);
        r
    }

    /// The ion's total current so far into the columns of the currents
    /// the mechanism both reads and writes (the start of each block).
    fn load_read_currents(&mut self) -> CResult<()> {
        for (k, c) in self.cx.read_currents.clone() {
            let r = self.home(Loc::Ion(k, IonField::Cur));
            self.assign(&E::Loc(Loc::Col(c)), r, Span::default())?;
        }
        Ok(())
    }

    fn home(&mut self, l: Loc) -> Reg {
        if let Some(&r) = self.homes.get(&l) {
            return r;
        }
        let r = self.reg();
        self.homes.insert(l, r);
        self.b.loads.push((r, l));
        r
    }

    fn lookup(&self, name: &str) -> Option<E> {
        if let Some((_, v)) = self.fixed.borrow().iter().rev().find(|(n, _)| n == name) {
            return Some(E::Num(*v));
        }
        for s in self.scopes.iter().rev() {
            if let Some(&r) = s.get(name) {
                return Some(E::Local(r));
            }
        }
        match self.cx.names.get(name) {
            Some(Name::Loc(l)) => Some(E::Loc(*l)),
            Some(Name::Const(c)) => Some(E::Num(*c)),
            Some(Name::Arr(..) | Name::Random(_)) => None,
            None => self.c_local(name).or_else(|| crate::ir::HocVar::named(name).map(|v| E::Loc(Loc::Hoc(v)))),
        }
    }

    /// `name` or `name[index]` as a variable.
    fn var(&self, v: &VarRef) -> CResult<E> {
        if let Some(k) = &v.at {
            return self.history_ref(v, k);
        }
        let name = &v.name.name;
        if let Some(ix) = &v.index {
            let first = format!("{name}[0]");
            if let Some(scope) = self.scopes.iter().rev().find(|s| s.contains_key(&first) || s.contains_key(name)) {
                if scope.contains_key(&first) {
                    return match self.resolve(ix)? {
                        E::Num(k) if k >= 0.0 && k.fract() == 0.0 => match scope.get(&format!("{name}[{k}]")) {
                            Some(&r) => Ok(E::Local(r)),
                            None => Err(self.cx.err(ix.span, format!("{name}[{k}]: index out of range"))),
                        },
                        _ => Err(self.cx.err(ix.span, format!("LOCAL array {name}: indexed by a value known only at run time (use a constant, or a FROM loop with constant bounds)"))),
                    };
                }
            }
        }
        match (&v.index, self.cx.names.get(name)) {
            (Some(ix), Some(&Name::Arr(base, n))) if self.scopes.iter().all(|s| !s.contains_key(name)) => {
                let k = match self.resolve(ix)? {
                    E::Num(k) if k >= 0.0 && k.fract() == 0.0 => k as usize,
                    E::Num(k) => return Err(self.cx.err(ix.span, format!("{name}[{k}]: not an index"))),
                    e => {
                        // Known only at run time: read and written in the data.
                        if !matches!(base, Loc::Col(_) | Loc::Global(_)) {
                            return Err(self.cx.err(ix.span, format!("{name}[…]: this array takes constant indices only")));
                        }
                        if (0..n).any(|k| self.homes.contains_key(&element(base, k))) {
                            if !self.cx.state_locs.contains(&base) {
                                self.cx.mixed.set(Some(base));
                            }
                            return Err(self.cx.err(ix.span, format!("{name} is indexed by constants and by run-time values in one block")));
                        }
                        self.dynamic.borrow_mut().push(base);
                        return Ok(E::Arr(base, n, Box::new(e)));
                    }
                };
                if k >= n {
                    return Err(self.cx.err(ix.span, format!("{name}[{k}]: index out of range (size {n})")));
                }
                if self.dynamic.borrow().contains(&base) || self.cx.in_data.contains(&base) {
                    // Already read and written in the data: stay there.
                    return Ok(E::Arr(base, n, Box::new(E::Num(k as f64))));
                }
                Ok(E::Loc(element(base, k)))
            }
            (Some(_), _) => Err(self.cx.err(v.span, format!("{name} is not an array"))),
            (None, Some(Name::Arr(..))) => Err(self.cx.err(v.span, format!("{name} is an array; give an index"))),
            (None, _) => self.lookup(name).ok_or_else(|| self.cx.err(v.span, format!("{name} is not declared"))),
        }
    }

    fn resolve(&self, e: &Expr) -> CResult<E> {
        Ok(match &e.kind {
            ExprKind::Num(n, _) => E::Num(n.value),
            ExprKind::Str(_) => return Err(self.cx.err(e.span, "a string is allowed only as an argument of printf")),
            ExprKind::Var(v) => {
                if v.prime > 0 {
                    // x' read in the block that computes it: the value the
                    // block gave it (nocmodl's Dx).
                    if v.prime == 1 && matches!(self.method, Some(Method::Implicit | Method::Euler)) {
                        let x = self.var(&VarRef { prime: 0, ..v.clone() })?;
                        if let Some((_, d)) = self.implicit.iter().find(|(s, _)| *s == x) {
                            return Ok(E::Local(*d));
                        }
                        return Err(self.cx.err(v.span, format!("{}' is read before the block assigns it (NEURON would read its value from the evaluation before)", v.name.name)));
                    }
                    return Err(self.cx.err(v.span, format!("{}' can only be assigned in a DERIVATIVE block", v.name.name)));
                }
                self.var(v)?
            }
            ExprKind::Unary(UnOp::Neg, a) => fold1(F1::Neg, self.resolve(a)?),
            ExprKind::Unary(UnOp::Not, a) => fold1(F1::Not, self.resolve(a)?),
            ExprKind::Binary(op, a, b) => {
                let f = match op {
                    BinOp::Or => F2::Or,
                    BinOp::And => F2::And,
                    BinOp::Lt => F2::Lt,
                    BinOp::Le => F2::Le,
                    BinOp::Gt => F2::Gt,
                    BinOp::Ge => F2::Ge,
                    BinOp::Eq => F2::Eq,
                    BinOp::Ne => F2::Ne,
                    BinOp::Add => F2::Add,
                    BinOp::Sub => F2::Sub,
                    BinOp::Mul => F2::Mul,
                    BinOp::Div => F2::Div,
                    BinOp::Pow => F2::Pow,
                };
                fold2(f, self.resolve(a)?, self.resolve(b)?)
            }
            ExprKind::Call(c) => self.resolve_call(c)?,
        })
    }

    fn resolve_call(&self, c: &Call) -> CResult<E> {
        if let Some(e) = self.random_call(c)? {
            return Ok(e);
        }
        let name = c.name.name.as_str();
        let args: Vec<E> = c.args.iter().map(|a| self.resolve(a)).collect::<CResult<_>>()?;
        let f1 = match name {
            "exp" => Some(F1::Exp),
            "log" => Some(F1::Log),
            "log10" => Some(F1::Log10),
            "fabs" => Some(F1::Fabs),
            "sqrt" => Some(F1::Sqrt),
            "sin" => Some(F1::Sin),
            "cos" => Some(F1::Cos),
            "tan" => Some(F1::Tan),
            "tanh" => Some(F1::Tanh),
            "sinh" => Some(F1::Sinh),
            "cosh" => Some(F1::Cosh),
            "atan" => Some(F1::Atan),
            "asin" => Some(F1::Asin),
            "acos" => Some(F1::Acos),
            "floor" => Some(F1::Floor),
            "ceil" => Some(F1::Ceil),
            _ => None,
        };
        let f2 = match name {
            "pow" => Some(F2::Pow),
            "fmod" => Some(F2::Fmod),
            "atan2" => Some(F2::Atan2),
            "fmin" => Some(F2::Min),
            "fmax" => Some(F2::Max),
            _ => None,
        };
        let want = |n: usize| -> CResult<()> {
            if args.len() != n {
                return Err(self.cx.err(c.span, format!("{name} takes {n} argument{}, given {}", if n == 1 { "" } else { "s" }, args.len())));
            }
            Ok(())
        };
        if let Some(f) = f1 {
            want(1)?;
            return Ok(fold1(f, args[0].clone()));
        }
        if let Some(f) = f2 {
            want(2)?;
            return Ok(fold2(f, args[0].clone(), args[1].clone()));
        }
        if name == "nrn_ghk" {
            // Goldman-Hodgkin-Katz current (mA/cm2 per unit permeability) as
            // NEURON's nrn_ghk(v, ci, co, z) computes it at celsius.
            want(4)?;
            let (v, ci, co, z) = (args[0].clone(), args[1].clone(), args[2].clone(), args[3].clone());
            let ktf = E::bin(
                F2::Div,
                E::bin(F2::Mul, E::Num(1000.0 * cable::ion::GAS_R), E::bin(F2::Add, E::Loc(Loc::Celsius), E::Num(273.15))),
                E::Num(cable::ion::FARADAY),
            );
            let temp = E::bin(F2::Div, E::bin(F2::Mul, z.clone(), v), ktf);
            let eco = E::bin(F2::Mul, co, E::F1(F1::Efun, Box::new(temp.clone())));
            let eci = E::bin(F2::Mul, ci, E::F1(F1::Efun, Box::new(E::F1(F1::Neg, Box::new(temp)))));
            let scale = E::bin(F2::Mul, E::bin(F2::Mul, E::Num(0.001), z), E::Num(cable::ion::FARADAY));
            return Ok(E::bin(F2::Mul, scale, E::bin(F2::Sub, eci, eco)));
        }
        let scop = match name {
            "scop_random" => Some((RandomOp::ScopRandom, 0)),
            "exprand" => Some((RandomOp::Exprand, 1)),
            "normrand" => Some((RandomOp::Normrand, 2)),
            "poisrand" => Some((RandomOp::Poisrand, 1)),
            "set_seed" => Some((RandomOp::SetSeed, 1)),
            _ => None,
        };
        if let Some((op, n)) = scop.filter(|_| !self.cx.funcs.contains_key(name)) {
            want(n)?;
            return Ok(E::Random(op, 0, args));
        }
        let user = self.cx.funcs.contains_key(name);
        if name == "gauss" && !user {
            // scopmath's gauss(x, mean, stddev): the normal density.
            want(3)?;
            let (x, mean, sd) = (args[0].clone(), args[1].clone(), args[2].clone());
            let z = E::bin(F2::Div, E::bin(F2::Sub, x, mean), sd.clone());
            let temp = E::F1(F1::Exp, Box::new(E::bin(F2::Mul, E::Num(-0.5), E::bin(F2::Pow, z, E::Num(2.0)))));
            let norm = E::bin(F2::Mul, E::F1(F1::Sqrt, Box::new(E::Num(6.28318530))), sd);
            return Ok(E::bin(F2::Div, temp, norm));
        }
        if name == "nrn_pointing" && !user {
            // Whether the POINTER is set.
            want(1)?;
            return match &c.args[0].kind {
                ExprKind::Var(v) if v.index.is_none() => match self.cx.names.get(&v.name.name) {
                    Some(Name::Loc(Loc::Ptr(k))) => Ok(E::Loc(Loc::PtrSet(*k))),
                    _ => Err(self.cx.err(c.span, format!("nrn_pointing: {} is not a POINTER", v.name.name))),
                },
                _ => Err(self.cx.err(c.span, "nrn_pointing takes a POINTER")),
            };
        }
        if name == "abs" && !user {
            // Not a function nocmodl knows: it passes the thread arguments
            // first, which C++ takes as std::abs(double) only when the
            // mechanism is not thread safe (checked when it is compiled).
            want(1)?;
            self.cx.abs_calls.borrow_mut().push(c.span);
            return Ok(fold1(F1::Fabs, args[0].clone()));
        }
        if name == "at_time" {
            want(1)?;
            return Ok(E::AtTime(Box::new(args[0].clone())));
        }
        if let Some(k) = self.cx.ftables.iter().position(|t| t.0 == name) {
            want(self.cx.ftables[k].1)?;
            return Ok(E::FTable(k, args));
        }
        match self.cx.funcs.get(name) {
            Some((f, true)) => {
                if f.args.len() != args.len() {
                    return Err(self.cx.err(c.span, format!("{name} takes {} arguments, given {}", f.args.len(), args.len())));
                }
                Ok(E::Call(name.to_string(), args, c.span))
            }
            // nocmodl's C function for a PROCEDURE returns 0.
            Some((f, false)) => {
                if f.args.len() != args.len() {
                    return Err(self.cx.err(c.span, format!("{name} takes {} arguments, given {}", f.args.len(), args.len())));
                }
                Ok(E::Call(name.to_string(), args, c.span))
            }
            None => Err(self.cx.err(c.span, format!("{name} is not a function this translator knows (no FUNCTION {name} in the file)"))),
        }
    }

    fn emit(&mut self, e: &E) -> CResult<Reg> {
        Ok(match e {
            E::Num(c) => self.konst(*c),
            E::Local(r) => *r,
            E::Loc(l) => self.home(*l),
            E::F1(f, a) => {
                if let E::Num(x) = **a {
                    return Ok(self.konst(crate::ir::f1(*f, x)));
                }
                let a = self.emit(a)?;
                let d = self.tmp();
                self.b.ops.push(Op::F1(*f, d, a));
                d
            }
            E::F2(f @ (F2::And | F2::Or), a, b) if b.has_effects() => {
                // C's && and ||: the right side runs only in the lanes the
                // left side has not decided.
                let ra = self.emit(a)?;
                let held = self.reg();
                self.b.ops.push(Op::Mov(held, ra));
                let z = self.konst(0.0);
                let go = self.reg();
                self.b.ops.push(Op::F2(if *f == F2::And { F2::Ne } else { F2::Eq }, go, held, z));
                let saved = self.mask;
                let m = self.and_mask_reg(go);
                self.mask = Some(m);
                let rb = self.emit(b);
                self.mask = saved;
                let rb = rb?;
                let d = self.reg();
                self.b.ops.push(Op::F2(*f, d, held, rb));
                d
            }
            E::F2(f, a, b) => {
                if let (E::Num(x), E::Num(y)) = (&**a, &**b) {
                    return Ok(self.konst(crate::ir::f2(*f, *x, *y)));
                }
                let a = self.emit(a)?;
                let b = self.emit(b)?;
                let d = self.tmp();
                self.b.ops.push(Op::F2(*f, d, a, b));
                d
            }
            E::Call(name, args, span) => {
                let mut regs = Vec::new();
                for a in args {
                    regs.push(self.emit(a)?);
                }
                match self.call(name, regs, *span)? {
                    Some(r) => r,
                    None => self.konst(0.0),
                }
            }
            E::FTable(k, args) => {
                let mut regs = Vec::new();
                for a in args {
                    regs.push(self.emit(a)?);
                }
                let first = self.b.nregs;
                self.b.nregs += regs.len() as u32;
                for (i, r) in regs.into_iter().enumerate() {
                    self.b.ops.push(Op::Mov(first + i as u32, r));
                }
                let d = self.tmp();
                self.b.ops.push(Op::FTable { k: *k as u32, args: first, n: args.len() as u32, dst: d });
                d
            }
            E::Arr(base, n, ix) => {
                let idx = self.emit(ix)?;
                let d = self.tmp();
                self.b.ops.push(Op::LoadArr { dst: d, base: *base, len: *n as u32, idx });
                d
            }
            E::AtTime(te) => {
                let te = self.emit(te)?;
                self.b.ops.push(Op::AtTime { mask: self.mask, t: te });
                let x = E::bin(F2::Sub, E::Local(te), E::Num(1e-11));
                let t = E::Loc(Loc::T);
                let after = E::bin(F2::Le, x.clone(), t.clone());
                let before = E::bin(F2::Gt, x, E::bin(F2::Sub, t, E::Loc(Loc::Dt)));
                self.emit(&E::bin(F2::And, after, before))?
            }
            E::Random(op, base, args) => {
                let mut regs = Vec::new();
                for a in args {
                    regs.push(self.emit(a)?);
                }
                let first = self.b.nregs;
                self.b.nregs += regs.len() as u32;
                for (k, r) in regs.into_iter().enumerate() {
                    self.b.ops.push(Op::Mov(first + k as u32, r));
                }
                let d = self.reg();
                self.b.ops.push(Op::Random { op: *op, base: *base as u32, args: first, n: args.len() as u32, dst: d, mask: self.mask });
                d
            }
        })
    }

    /// `random_xxx(r, args)`: the operation on RANDOM variable r, if the call is one.
    fn random_call(&self, c: &Call) -> CResult<Option<E>> {
        let name = c.name.name.as_str();
        let Some(kind) = name.strip_prefix("random_") else { return Ok(None) };
        let base = match c.args.first().map(|a| &a.kind) {
            Some(ExprKind::Var(v)) if v.index.is_none() => match self.cx.names.get(&v.name.name) {
                Some(&Name::Random(b)) => b,
                _ => return Err(self.cx.err(c.span, format!("{name}: {} is not a RANDOM variable", v.name.name))),
            },
            _ => return Err(self.cx.err(c.span, format!("{name} takes a RANDOM variable first"))),
        };
        let rest: Vec<E> = c.args[1..].iter().map(|a| self.resolve(a)).collect::<CResult<_>>()?;
        let op = match (kind, rest.len()) {
            ("uniform", 0 | 2) => RandomOp::Uniform,
            ("negexp", 0 | 1) => RandomOp::Negexp,
            ("normal", 0 | 2) => RandomOp::Normal,
            ("ipick", 0) => RandomOp::Ipick,
            ("dpick", 0) => RandomOp::Dpick,
            ("setseq", 1) => RandomOp::SetSeq,
            ("setids", 3) => RandomOp::SetIds,
            _ => return Err(self.cx.err(c.span, format!("{name} with {} arguments after the RANDOM variable is not an NMODL random function", rest.len()))),
        };
        Ok(Some(E::Random(op, base, rest)))
    }

    /// dst = src, respecting the mask.
    fn assign_reg(&mut self, dst: Reg, src: Reg) {
        match self.mask {
            Some(m) => self.b.ops.push(Op::Select(dst, m, src, dst)),
            None => {
                // An intermediate just computed is written straight to dst.
                if self.temps.remove(&src) {
                    match self.b.ops.last_mut() {
                        Some(Op::F1(_, d, _) | Op::F2(_, d, _, _)) if *d == src => {
                            *d = dst;
                            return;
                        }
                        _ => {}
                    }
                }
                self.b.ops.push(Op::Mov(dst, src))
            }
        }
    }

    fn assign(&mut self, target: &E, src: Reg, span: Span) -> CResult<()> {
        match target {
            E::Arr(base, n, ix) => {
                let idx = self.emit(ix)?;
                self.b.ops.push(Op::StoreArr { src, base: *base, len: *n as u32, idx, mask: self.mask });
            }
            E::Local(r) => {
                let src = if self.c_int_target(target) { self.op1(F1::Trunc, src) } else { src };
                self.assign_reg(*r, src)
            }
            E::Loc(l) => {
                let src = if self.c_int_target(target) { self.op1(F1::Trunc, src) } else { src };
                match l {
                    Loc::T | Loc::Dt | Loc::Celsius | Loc::Area | Loc::Diam | Loc::Flag | Loc::TableX | Loc::StateDiscon | Loc::PtrSet(_) => {
                        return Err(self.cx.err(span, "this variable cannot be assigned in a mechanism"));
                    }
                    _ => {}
                }
                let h = self.home(*l);
                self.assign_reg(h, src);
                if !self.written.contains(l) {
                    self.written.push(*l);
                }
            }
            _ => return Err(self.cx.err(span, "a constant cannot be assigned")),
        }
        Ok(())
    }

    /// Inlines a PROCEDURE or FUNCTION call (a TABLE lookup when it has one).
    fn call(&mut self, name: &str, args: Vec<Reg>, span: Span) -> CResult<Option<Reg>> {
        let Some(&(f, is_func)) = self.cx.funcs.get(name) else {
            return Err(self.cx.err(span, format!("{name} is not a PROCEDURE or FUNCTION of this file")));
        };
        if f.args.len() != args.len() {
            return Err(self.cx.err(span, format!("{name} takes {} arguments, given {}", f.args.len(), args.len())));
        }
        if self.depth > 32 {
            return Err(self.cx.err(span, format!("{name}: calls nest too deeply (recursion is not supported)")));
        }
        let result = if is_func { Some(self.zeroed()) } else { None };
        let table = self.cx.table_of.get(name).copied().filter(|_| !self.building);
        let mut jend = None;
        if let Some(tab) = table {
            let spec = &self.cx.tables[tab];
            let use_reg = self.home(Loc::Global(spec.usetable));
            let jz = self.b.ops.len();
            self.b.ops.push(Op::JumpIfZero(use_reg, 0));
            let out = self.b.nregs;
            self.b.nregs += spec.nout as u32;
            self.b.ops.push(Op::Table { tab, x: args[0], out, n: spec.nout as u32 });
            match result {
                Some(r) => self.b.ops.push(Op::Mov(r, out)),
                None => {
                    let stmt = self.cx.table_stmts[name];
                    let mut k = 0;
                    for v in &stmt.vars {
                        for l in self.cx.table_var(v)? {
                            self.assign(&E::Loc(l), out + k, v.span)?;
                            k += 1;
                        }
                    }
                }
            }
            jend = Some(self.b.ops.len());
            self.b.ops.push(Op::Jump(0));
            let here = self.b.ops.len() as u32;
            self.b.ops[jz] = Op::JumpIfZero(use_reg, here);
        }
        let mut scope = HashMap::new();
        for (a, &r) in f.args.iter().zip(&args) {
            // Arguments are copies where the body assigns them.
            if assigns(&f.body, &a.name.name) || self.cx.table_of.contains_key(name) {
                let c = self.reg();
                self.b.ops.push(Op::Mov(c, r));
                scope.insert(a.name.name.clone(), c);
            } else {
                scope.insert(a.name.name.clone(), r);
            }
        }
        if let Some(r) = result {
            scope.insert(name.to_string(), r);
        }
        self.scopes.push(scope);
        self.depth += 1;
        let saved = self.scopes.len();
        let saved_mask = self.mask;
        let framed = self.c_frame_push(&f.body, result);
        let r = self.block(&f.body);
        if framed {
            self.c_frame_pop();
        }
        self.mask = saved_mask;
        self.depth -= 1;
        self.scopes.truncate(saved - 1);
        r?;
        if let Some(j) = jend {
            let here = self.b.ops.len() as u32;
            self.b.ops[j] = Op::Jump(here);
        }
        Ok(result)
    }

    fn block(&mut self, b: &Block_) -> CResult<()> {
        if CFile::has_verbatim(b) {
            return self.verbatim_block(b);
        }
        self.scopes.push(HashMap::new());
        // A C `return` in a nested VERBATIM narrows the mask after it.
        let base = self.mask;
        let r = b.stmts.iter().try_for_each(|s| {
            let n = self.c.exits;
            self.stmt(s)?;
            if self.c.exits != n {
                self.c_refresh(base);
            }
            Ok(())
        });
        self.mask = base;
        self.scopes.pop();
        r
    }

    /// The current mask narrowed to the lanes where `cond` is nonzero.
    fn and_mask_reg(&mut self, cond: Reg) -> Reg {
        match self.mask {
            Some(outer) => {
                let d = self.reg();
                self.b.ops.push(Op::F2(F2::And, d, outer, cond));
                d
            }
            None => cond,
        }
    }

    fn with_mask(&mut self, cond: Reg, f: impl FnOnce(&mut Self) -> CResult<()>) -> CResult<()> {
        let m = match self.mask {
            Some(outer) => {
                let d = self.reg();
                self.b.ops.push(Op::F2(F2::And, d, outer, cond));
                d
            }
            None => cond,
        };
        // The body is skipped where no lane takes it (an `if` on a value the
        // same in every lane, or on one lane, runs one branch as C does).
        let skip = self.b.ops.len();
        self.b.ops.push(Op::JumpIfNone(m, 0));
        let saved = self.mask.replace(m);
        let r = f(self);
        self.mask = saved;
        let end = self.b.ops.len();
        if end == skip + 1 {
            self.b.ops.pop();
        } else {
            self.b.ops[skip] = Op::JumpIfNone(m, end as u32);
        }
        r
    }

    fn not(&mut self, c: Reg) -> Reg {
        let d = self.reg();
        self.b.ops.push(Op::F1(F1::Not, d, c));
        d
    }

    fn stmt(&mut self, s: &Stmt) -> CResult<()> {
        if self.kin.as_ref().is_some_and(|k| k.cvode) && kinetic::reads_flux(s) {
            // nocmodl's variable-step solve drops such statements.
            return Ok(());
        }
        match &s.kind {
            StmtKind::Local(vars) => {
                for v in vars {
                    match &v.size {
                        // A LOCAL array: one register per element, "name[k]".
                        Some(size) => {
                            let n = match size.value {
                                n @ 1..=10000 => n as usize,
                                n => return Err(self.cx.err(size.span, format!("LOCAL {}[{n}]: the size must be from 1 to 10000", v.name.name))),
                            };
                            for k in 0..n {
                                let r = self.zeroed();
                                self.scopes.last_mut().unwrap().insert(format!("{}[{k}]", v.name.name), r);
                            }
                        }
                        None => {
                            let r = self.zeroed();
                            self.scopes.last_mut().unwrap().insert(v.name.name.clone(), r);
                        }
                    }
                }
            }
            StmtKind::Assign { lhs, rhs } => {
                let target = self.var(lhs)?;
                let f = self.resolve(rhs)?;
                if lhs.prime > 0 {
                    return self.derivative(&target, f, lhs.span);
                }
                let r = self.emit(&f)?;
                self.assign(&target, r, lhs.span)?;
            }
            StmtKind::Call(c) => match c.name.name.as_str() {
                name if name.starts_with("random_") => {
                    let e = self.random_call(c)?.expect("a random_ call");
                    self.emit(&e)?;
                }
                "state_discontinuity" => self.state_discontinuity(c)?,
                "at_time" => {
                    if c.args.len() != 1 {
                        return Err(self.cx.err(c.span, "at_time takes 1 argument (the time)"));
                    }
                    let e = self.resolve(&c.args[0])?;
                    let t = self.emit(&e)?;
                    self.b.ops.push(Op::AtTime { mask: self.mask, t });
                }
                "net_send" => {
                    if c.args.len() != 2 {
                        return Err(self.cx.err(c.span, "net_send takes 2 arguments (delay, flag)"));
                    }
                    let d = self.resolve(&c.args[0])?;
                    let f = self.resolve(&c.args[1])?;
                    let (delay, flag) = (self.emit(&d)?, self.emit(&f)?);
                    self.b.ops.push(Op::NetSend { mask: self.mask, delay, flag });
                }
                "printf" => {
                    let Some(ExprKind::Str(fmt)) = c.args.first().map(|a| &a.kind) else {
                        return Err(self.cx.err(c.span, "printf needs a format string first"));
                    };
                    // String arguments of plain `%s` conversions go into
                    // the format now.
                    let (fmt, rest) = splice_strings(&unescape(fmt), &c.args[1..]).map_err(|span| self.cx.err(span, "a string is allowed only as the argument of a plain %s in printf"))?;
                    let vals: Vec<E> = rest.iter().map(|a| self.resolve(a)).collect::<CResult<_>>()?;
                    let mut regs = Vec::new();
                    for v in &vals {
                        regs.push(self.emit(v)?);
                    }
                    let args = self.b.nregs;
                    self.b.nregs += regs.len() as u32;
                    for (k, r) in regs.into_iter().enumerate() {
                        self.b.ops.push(Op::Mov(args + k as u32, r));
                    }
                    let fmt_index = self.b.strings.len() as u32;
                    self.b.strings.push(fmt);
                    self.b.ops.push(Op::Printf { mask: self.mask, fmt: fmt_index, args, n: vals.len() as u32 });
                }
                "net_move" => {
                    let t = self.time_arg(c)?;
                    self.b.ops.push(Op::NetMove { mask: self.mask, t });
                }
                "net_event" => {
                    let t = self.time_arg(c)?;
                    self.b.ops.push(Op::NetEvent { mask: self.mask, t });
                }
                name if self.cx.derivs.contains_key(name) && !self.cx.funcs.contains_key(name) => {
                    // nocmodl's C function of a DERIVATIVE block: under
                    // cnexp the step it takes in BREAKPOINT's SOLVE; under
                    // the other methods the derivatives (which go nowhere).
                    if !c.args.is_empty() {
                        return Err(self.cx.err(c.span, format!("{name} takes no arguments")));
                    }
                    let body = &self.cx.derivs[name].body;
                    let cnexp = self.cx.solved_by.get(name).copied().flatten().is_some_and(|m| !m.steadystate && m.name.name == "cnexp");
                    if cnexp {
                        let saved = self.method.replace(Method::Cnexp);
                        let r = self.block(body);
                        self.method = saved;
                        r?;
                    } else {
                        let saved = self.method.take();
                        let r = self.derivatives_at(body, None, c.span);
                        self.method = saved;
                        r?;
                    }
                }
                "return" => {
                    let value = match c.args.as_slice() {
                        [] => None,
                        [a] => {
                            let e = self.resolve(a)?;
                            Some(self.emit(&e)?)
                        }
                        _ => return Err(self.cx.err(c.span, "return takes at most 1 argument")),
                    };
                    self.nmodl_return(value)?;
                }
                name if self.cx.funcs.contains_key(name) => {
                    let args: Vec<E> = c.args.iter().map(|a| self.resolve(a)).collect::<CResult<_>>()?;
                    let mut regs = Vec::new();
                    for a in &args {
                        regs.push(self.emit(a)?);
                    }
                    self.call(name, regs, c.span)?;
                }
                name => {
                    // Built-in functions used as statements have no effect.
                    let e = self.resolve_call(c).map_err(|_| self.cx.err(c.span, format!("{name}: this call is not supported")))?;
                    self.emit(&e)?;
                }
            },
            StmtKind::If { cond, then, else_ifs, else_ } => {
                let c = self.resolve(cond)?;
                let c = self.emit(&c)?;
                // The condition as it was: a bare variable's register changes
                // when the branch assigns the variable.
                let held = self.reg();
                self.b.ops.push(Op::Mov(held, c));
                let c = held;
                self.with_mask(c, |g| g.block(then))?;
                if !else_ifs.is_empty() || else_.is_some() {
                    let nc = self.not(c);
                    let rest = (else_ifs.as_slice(), else_.as_ref());
                    self.with_mask(nc, |g| g.else_chain(rest.0, rest.1))?;
                }
            }
            StmtKind::While { cond, body } => {
                let top = self.b.ops.len();
                let c = self.resolve(cond)?;
                let c = self.emit(&c)?;
                self.loop_body(top, c, |g| g.block(body))?;
            }
            StmtKind::From { var, from, to, by, body } => {
                let lo = self.resolve(from)?;
                let hi = self.resolve(to)?;
                let step = match by {
                    Some(b) => self.resolve(b)?,
                    None => E::Num(1.0),
                };
                // Constant bounds: unrolled, so that indices into arrays are constants.
                if let (E::Num(a), E::Num(b), E::Num(st)) = (&lo, &hi, &step) {
                    let count = if *st > 0.0 { ((b - a) / st).floor() + 1.0 } else { -1.0 };
                    if (0.0..=4096.0).contains(&count) && !assigns(body, &var.name) {
                        let mut x = *a;
                        while x <= *b {
                            self.fixed_push(&var.name, x);
                            let r = self.block(body);
                            self.fixed_pop();
                            r?;
                            x += st;
                        }
                        return Ok(());
                    }
                }
                let i = self.reg();
                let lo = self.emit(&lo)?;
                self.b.ops.push(Op::Mov(i, lo));
                let mut scope = HashMap::new();
                scope.insert(var.name.clone(), i);
                self.scopes.push(scope);
                let top = self.b.ops.len();
                let hi = self.emit(&hi)?;
                let c = self.reg();
                self.b.ops.push(Op::F2(F2::Le, c, i, hi));
                let r = self.loop_body(top, c, |g| {
                    g.block(body)?;
                    let s = g.emit(&step)?;
                    let n = g.reg();
                    g.b.ops.push(Op::F2(F2::Add, n, i, s));
                    g.assign_reg(i, n);
                    Ok(())
                });
                self.scopes.pop();
                r?;
            }
            StmtKind::Watch(ws) => {
                for w in ws {
                    let (l, r) = (self.resolve(&w.lhs)?, self.resolve(&w.rhs)?);
                    // Crossing to a positive value triggers (nocmodl's _watch_cond).
                    let value = if w.above { E::bin(F2::Sub, l, r) } else { E::bin(F2::Sub, r, l) };
                    if value.has_local() {
                        return Err(self.cx.err(w.span, "a WATCH condition may use only the mechanism's variables (no arguments or LOCALs)"));
                    }
                    let k = self.watches.len() as u32;
                    if k >= 64 {
                        return Err(self.cx.err(w.span, "more than 64 WATCH conditions"));
                    }
                    self.watches.push(value);
                    let flag = self.konst(w.flag.value);
                    self.b.ops.push(Op::WatchOn { mask: self.mask, k, flag });
                }
            }
            StmtKind::Block(b) => self.block(b)?,
            StmtKind::Solve(sv) if self.cx.nonlinears.contains_key(&sv.name.name) => {
                let block = self.cx.nonlinears[&sv.name.name];
                self.nonlinear_solve(block, s.span)?
            }
            StmtKind::Solve(sv) if self.cx.linears.contains_key(&sv.name.name) => {
                let block = self.cx.linears[&sv.name.name];
                self.linear_solve(block, s.span)?
            }
            StmtKind::Solve(sv) if self.solving => solve(self, sv, s.span)?,
            StmtKind::Solve(sv) => return Err(self.cx.err(s.span, format!("SOLVE {} is not allowed in NET_RECEIVE", sv.name.name))),
            StmtKind::Reaction(rx) if self.method == Some(Method::Implicit) => self.reaction(rx)?,
            StmtKind::Reaction(rx) if self.method == Some(Method::Sparse) => self.sparse_reaction(rx)?,
            StmtKind::Conserve { lhs, rhs } if self.method == Some(Method::Sparse) => self.sparse_conserve(lhs, rhs, s.span)?,
            // Volumes were read before the block (nocmodl scales at its start).
            StmtKind::Compartment { .. } | StmtKind::LongitudinalDiffusion { .. } if self.method == Some(Method::Sparse) => {}
            StmtKind::LongitudinalDiffusion { .. } if self.method == Some(Method::Implicit) => {}
            StmtKind::Conserve { lhs, rhs } if self.method == Some(Method::Implicit) => {
                let terms = lhs.iter().map(|t| Ok((self.var(&t.var)?, t.coeff))).collect::<CResult<Vec<_>>>()?;
                let total = self.resolve(rhs)?;
                self.conserves.push((terms, total));
            }
            StmtKind::Compartment { index, volume, species } if self.method == Some(Method::Implicit) => {
                // `COMPARTMENT i, vol(i) {a b}`: element k of each array
                // species has vol(k). nocmodl drops the species that are not
                // STATEs.
                for sp in species {
                    let Some((base, len)) = self.state_name(&sp.name) else { continue };
                    for k in 0..len {
                        if let Some(ix) = index {
                            self.fixed_push(&ix.name, k as f64);
                        }
                        let vol = self.resolve(volume);
                        if index.is_some() {
                            self.fixed_pop();
                        }
                        self.volumes.push((E::Loc(element(base, k)), vol?));
                    }
                }
            }
            StmtKind::Reaction(_) | StmtKind::Conserve { .. } | StmtKind::Compartment { .. } => {
                return Err(self.cx.err(s.span, "reactions, CONSERVE and COMPARTMENT belong in a KINETIC block"));
            }
            StmtKind::Table(_) | StmtKind::UnitsOn | StmtKind::UnitsOff | StmtKind::Conductance { .. } => {}
            StmtKind::Verbatim(_) => self.verbatim_alone(s)?,
            StmtKind::Protect(inner) => self.stmt(inner)?,
            StmtKind::MutexLock | StmtKind::MutexUnlock => {}
            StmtKind::ForNetcons { args, body } => self.for_netcons(args, body, s.span)?,
            _ => return Err(self.cx.err(s.span, "this statement is not supported yet")),
        }
        Ok(())
    }

    /// `state_discontinuity(x, value)`: in NET_RECEIVE the assignment
    /// x = value; elsewhere the same, but only where NEURON allows it (a
    /// fixed step's first current evaluation, the state update, INITIAL;
    /// not finitialize's or fcurrent's current evaluation).
    fn state_discontinuity(&mut self, c: &Call) -> CResult<()> {
        let [x, value] = c.args.as_slice() else {
            return Err(self.cx.err(c.span, "state_discontinuity takes 2 arguments (a variable and its new value)"));
        };
        let ExprKind::Var(v) = &x.kind else {
            return Err(self.cx.err(x.span, "state_discontinuity: the first argument must be a variable"));
        };
        let target = self.var(v)?;
        let e = self.resolve(value)?;
        let r = self.emit(&e)?;
        if self.nweights > 0 {
            return self.assign(&target, r, v.span);
        }
        let allowed = self.home(Loc::StateDiscon);
        self.with_mask(allowed, |g| g.assign(&target, r, v.span))
    }

    /// The one argument (a time) of net_move or net_event, computed.
    fn time_arg(&mut self, c: &Call) -> CResult<Reg> {
        if c.args.len() != 1 {
            return Err(self.cx.err(c.span, format!("{} takes 1 argument (t)", c.name.name)));
        }
        let e = self.resolve(&c.args[0])?;
        self.emit(&e)
    }

    fn else_chain(&mut self, else_ifs: &[ElseIf], else_: Option<&Block_>) -> CResult<()> {
        match else_ifs.split_first() {
            Some((ei, rest)) => {
                let c = self.resolve(&ei.cond)?;
                let c = self.emit(&c)?;
                let held = self.reg();
                self.b.ops.push(Op::Mov(held, c));
                let c = held;
                self.with_mask(c, |g| g.block(&ei.body))?;
                if rest.is_empty() && else_.is_none() {
                    return Ok(());
                }
                let nc = self.not(c);
                self.with_mask(nc, |g| g.else_chain(rest, else_))
            }
            None => match else_ {
                Some(b) => self.block(b),
                None => Ok(()),
            },
        }
    }

    /// A loop whose condition (evaluated from `top`) is in `c`: the body runs
    /// under the mask until no active lane continues.
    fn loop_body(&mut self, top: usize, c: Reg, body: impl FnOnce(&mut Self) -> CResult<()>) -> CResult<()> {
        let m = match self.mask {
            Some(outer) => {
                let d = self.reg();
                self.b.ops.push(Op::F2(F2::And, d, outer, c));
                d
            }
            None => c,
        };
        let exit = self.b.ops.len();
        self.b.ops.push(Op::JumpIfNone(m, 0));
        let saved = self.mask.replace(m);
        let r = body(self);
        self.mask = saved;
        r?;
        self.b.ops.push(Op::Jump(top as u32));
        let end = self.b.ops.len() as u32;
        self.b.ops[exit] = Op::JumpIfNone(m, end);
        Ok(())
    }

    /// `x' = f` under the block's method.
    fn derivative(&mut self, x: &E, f: E, span: Span) -> CResult<()> {
        let Some(method) = self.method else {
            return Err(self.cx.err(span, "a derivative can only be assigned in a DERIVATIVE block that is SOLVEd"));
        };
        if method == Method::Sparse {
            return Err(self.cx.err(span, "a derivative equation is not allowed in a KINETIC block solved by sparse"));
        }
        if method == Method::Implicit {
            if self.spec {
                // A form nerve cannot differentiate leaves the Newton matrix
                // without this state's own term (the corrector still converges).
                let df = deriv(&f, x).unwrap_or(E::Num(0.0));
                self.add_jac(x, None, &df)?;
            }
            let d = self.deriv_reg(x);
            let r = self.emit(&f)?;
            self.assign_reg(d, r);
            return Ok(());
        }
        if method == Method::Euler {
            // The derivative: scopmath's euler moves the states when the
            // block is done (`euler_step`).
            let d = self.deriv_reg(x);
            let r = self.emit(&f)?;
            self.assign_reg(d, r);
            return Ok(());
        }
        let dt = E::Loc(Loc::Dt);
        let new = match method {
            Method::Implicit | Method::Sparse | Method::Euler => unreachable!(),
            Method::Cnexp => {
                let a = deriv(&f, x).ok_or_else(|| self.cx.err(span, "cnexp cannot differentiate this equation; use METHOD derivimplicit"))?;
                if a.is(0.0) {
                    add(x.clone(), mul(dt, f))
                } else {
                    // x + (1 - exp(dt*a)) * (-b/a - x), b = f at x = 0: one
                    // op over the lanes, the same operations in the same order.
                    let b = at_zero(&f, x);
                    let (a, nb, dt) = (self.emit(&a)?, self.emit(&neg(b))?, self.emit(&dt)?);
                    let xr = self.emit(x)?;
                    let d = self.tmp();
                    self.b.ops.push(Op::Cnexp { dst: d, x: xr, a, nb, dt });
                    return self.assign(x, d, span);
                }
            }
        };
        let r = self.emit(&new)?;
        self.assign(x, r, span)
    }

    /// A LINEAR block: its `~ lhs = rhs` equations become a matrix of
    /// coefficient registers filled as nocmodl's code fills its matrix (terms
    /// in order; an unknown's coefficient is the term with the unknown set to
    /// 1, anything else goes to the right-hand side), solved by simeq.
    fn linear_solve(&mut self, block: &Solvable, span: Span) -> CResult<()> {
        // The unknowns: SOLVEFOR names, else the STATEs in order of appearance.
        let mut unknowns: Vec<E> = Vec::new();
        if block.solvefor.is_empty() {
            for st in &block.body.stmts {
                if let StmtKind::Equation { lhs, rhs } = &st.kind {
                    for e in [lhs, rhs] {
                        self.collect_states(e, &mut unknowns);
                    }
                }
            }
        } else {
            for v in &block.solvefor {
                unknowns.push(self.lookup(&v.name).ok_or_else(|| self.cx.err(v.span, format!("{} is not declared", v.name)))?);
            }
        }
        let n = unknowns.len();
        if n == 0 {
            return Err(self.cx.err(span, format!("LINEAR {}: no unknowns", block.name.name)));
        }
        let coef: Vec<Reg> = (0..n * (n + 1)).map(|_| self.zeroed()).collect();
        let mut row = 0;
        self.scopes.push(HashMap::new());
        for st in &block.body.stmts {
            let StmtKind::Equation { lhs, rhs } = &st.kind else {
                let r = self.stmt(st);
                if r.is_err() {
                    self.scopes.pop();
                }
                r?;
                continue;
            };
            if row >= n {
                self.scopes.pop();
                return Err(self.cx.err(st.span, format!("LINEAR {}: more equations than unknowns ({n})", block.name.name)));
            }
            let mut terms = Vec::new();
            additive_terms(self.resolve(lhs)?, false, &mut terms);
            additive_terms(self.resolve(rhs)?, true, &mut terms);
            for (term, positive) in terms {
                let hit: Vec<usize> = (0..n).filter(|&k| term.mentions(&unknowns[k])).collect();
                let (target, value, add) = match hit.as_slice() {
                    [] => (coef[row * (n + 1) + n], term, !positive),
                    [k] => (coef[row * (n + 1) + k], substitute(&term, &unknowns[*k], &E::Num(1.0)), positive),
                    _ => {
                        self.scopes.pop();
                        return Err(self.cx.err(st.span, "a LINEAR equation must be linear in its unknowns"));
                    }
                };
                let v = self.emit(&value)?;
                let t = self.tmp();
                self.b.ops.push(Op::F2(if add { F2::Add } else { F2::Sub }, t, target, v));
                self.assign_reg(target, t);
            }
            row += 1;
        }
        self.scopes.pop();
        if row != n {
            return Err(self.cx.err(span, format!("LINEAR {}: {row} equations for {n} unknowns", block.name.name)));
        }
        let mut regs = Vec::new();
        for u in &unknowns {
            let E::Loc(l) = u else { return Err(self.cx.err(span, "LINEAR unknowns must be variables of the mechanism")) };
            regs.push(self.home(*l));
            if !self.written.contains(l) {
                self.written.push(*l);
            }
        }
        let k = self.b.linears.len() as u32;
        self.b.linears.push(crate::ir::LinearSpec { coef, unknowns: regs });
        self.b.ops.push(Op::Linear { mask: self.mask, k });
        Ok(())
    }

    /// A NONLINEAR block: its `~ lhs = rhs` equations as residuals lhs - rhs
    /// of a Newton system in the unknowns (SOLVEFOR names, else the STATEs
    /// they name), solved in place; the body runs once more at the solution.
    fn nonlinear_solve(&mut self, block: &Solvable, span: Span) -> CResult<()> {
        let mut unknowns: Vec<E> = Vec::new();
        if block.solvefor.is_empty() {
            for st in &block.body.stmts {
                if let StmtKind::Equation { lhs, rhs } = &st.kind {
                    self.collect_states(lhs, &mut unknowns);
                    self.collect_states(rhs, &mut unknowns);
                }
            }
        } else {
            for v in &block.solvefor {
                unknowns.push(self.lookup(&v.name).ok_or_else(|| self.cx.err(v.span, format!("{} is not declared", v.name)))?);
            }
        }
        let outer = std::mem::take(&mut self.b.ops);
        let saved_mask = self.mask.take();
        let mut resid = Vec::new();
        self.scopes.push(HashMap::new());
        for st in &block.body.stmts {
            let r = match &st.kind {
                StmtKind::Equation { lhs, rhs } => (|| {
                    let e = E::bin(F2::Sub, self.resolve(lhs)?, self.resolve(rhs)?);
                    let v = self.emit(&e)?;
                    let rr = self.reg();
                    self.b.ops.push(Op::Mov(rr, v));
                    resid.push(rr);
                    Ok(())
                })(),
                _ => self.stmt(st),
            };
            if r.is_err() {
                self.scopes.pop();
                self.b.ops = outer;
                return r;
            }
        }
        self.scopes.pop();
        if resid.len() != unknowns.len() || resid.is_empty() {
            self.b.ops = outer;
            return Err(self.cx.err(span, format!("NONLINEAR {}: {} equations for {} unknowns", block.name.name, resid.len(), unknowns.len())));
        }
        let mut states = Vec::new();
        for u in &unknowns {
            let E::Loc(l) = u else {
                self.b.ops = outer;
                return Err(self.cx.err(span, "NONLINEAR unknowns must be variables of the mechanism"));
            };
            states.push(self.home(*l));
            if !self.written.contains(l) {
                self.written.push(*l);
            }
        }
        let f_ops = std::mem::replace(&mut self.b.ops, outer);
        let k = self.b.newtons.len() as u32;
        self.b.newtons.push(crate::newton::NewtonSpec { ops: f_ops.clone(), states: states.clone(), resid, jit: Default::default() });
        self.b.ops.push(Op::Newton(k));
        let base = self.b.ops.len() as u32;
        for mut op in f_ops {
            if let Op::Jump(t) | Op::JumpIfZero(_, t) | Op::JumpIfNone(_, t) = &mut op {
                *t += base;
            }
            self.b.ops.push(op);
        }
        self.mask = saved_mask;
        Ok(())
    }

    /// The STATE variables an expression names, added to `out` in order of appearance.
    fn collect_states(&self, e: &Expr, out: &mut Vec<E>) {
        match &e.kind {
            ExprKind::Var(v) if v.index.is_none() => {
                if let Some(Name::Loc(l)) = self.cx.names.get(&v.name.name) {
                    let x = E::Loc(*l);
                    if self.cx.state_locs.contains(l) && !out.contains(&x) {
                        out.push(x);
                    }
                }
            }
            ExprKind::Unary(_, a) => self.collect_states(a, out),
            ExprKind::Binary(_, a, b) => {
                self.collect_states(a, out);
                self.collect_states(b, out);
            }
            ExprKind::Call(c) => c.args.iter().for_each(|a| self.collect_states(a, out)),
            _ => {}
        }
    }

    fn fixed_push(&self, name: &str, x: f64) {
        self.fixed.borrow_mut().push((name.to_string(), x));
    }

    fn fixed_pop(&self) {
        self.fixed.borrow_mut().pop();
    }

    fn is_state(&self, x: &E) -> bool {
        matches!(x, E::Loc(l) if self.cx.state_locs.contains(l))
    }

    /// After a DERIVATIVE block under euler: each state x += dt·x' (twice
    /// over the half step under secondorder 2).
    fn euler_step(&mut self, span: Span) -> CResult<()> {
        let dt = E::Loc(Loc::Dt);
        for (x, d) in std::mem::take(&mut self.implicit) {
            for _ in 0..if self.second_order { 2 } else { 1 } {
                let r = self.emit(&add(x.clone(), mul(dt.clone(), E::Local(d))))?;
                self.assign(&x, r, span)?;
            }
        }
        Ok(())
    }

    /// The derivative register of state x in an implicit solve.
    fn deriv_reg(&mut self, x: &E) -> Reg {
        if let Some((_, d)) = self.implicit.iter().find(|(s, _)| s == x) {
            return *d;
        }
        let d = self.zeroed();
        self.implicit.push((x.clone(), d));
        d
    }

    /// `FOR_NETCONS(a, b, …) { body }` in NET_RECEIVE: the body once for each
    /// NetCon that targets the instance, its names bound to that NetCon's
    /// weights. NET_RECEIVE's own weights go out before and come back after,
    /// since the loop may visit the NetCon being delivered.
    fn for_netcons(&mut self, args: &[crate::ast::Arg], body: &Block_, span: Span) -> CResult<()> {
        if self.nweights == 0 {
            return Err(self.cx.err(span, "FOR_NETCONS is only allowed in NET_RECEIVE"));
        }
        if args.len() > self.nweights {
            return Err(self.cx.err(span, format!("FOR_NETCONS names {} weights; NET_RECEIVE has {}", args.len(), self.nweights)));
        }
        for k in 0..self.nweights {
            let r = self.home(Loc::Arg(k));
            self.b.ops.push(Op::ArgStore { src: r, k: k as u32 });
        }
        let n = args.len() as u32;
        let first = self.b.nregs;
        self.b.nregs += n;
        let (idx, more) = (self.reg(), self.reg());
        self.b.ops.push(Op::ForNetcons { first, n, idx, more, next: false });
        let skip = self.b.ops.len();
        self.b.ops.push(Op::JumpIfZero(more, 0));
        let top = self.b.ops.len() as u32;
        let scope: HashMap<String, Reg> = args.iter().enumerate().map(|(k, a)| (a.name.name.clone(), first + k as u32)).collect();
        self.scopes.push(scope);
        let r = self.block(body);
        self.scopes.pop();
        r?;
        self.b.ops.push(Op::ForNetcons { first, n, idx, more, next: true });
        let done = self.b.ops.len();
        self.b.ops.push(Op::JumpIfZero(more, 0));
        self.b.ops.push(Op::Jump(top));
        let end = self.b.ops.len() as u32;
        self.b.ops[skip] = Op::JumpIfZero(more, end);
        self.b.ops[done] = Op::JumpIfZero(more, end);
        for k in 0..self.nweights {
            let r = self.home(Loc::Arg(k));
            self.b.ops.push(Op::ArgLoad { dst: r, k: k as u32 });
        }
        Ok(())
    }

    /// Adds `df` to ∂(x')/∂y of the Jacobian (variable step); y None: ∂(x')/∂x.
    fn add_jac(&mut self, x: &E, y: Option<&E>, df: &E) -> CResult<()> {
        let found = match y {
            None => self.jac.iter().find(|(s, _)| s == x).map(|e| e.1),
            Some(y) => self.offdiag.iter().find(|(s, u, _)| s == x && u == y).map(|e| e.2),
        };
        let j = match found {
            Some(j) => j,
            None => {
                let j = self.zeroed();
                match y {
                    None => self.jac.push((x.clone(), j)),
                    Some(y) => self.offdiag.push((x.clone(), y.clone(), j)),
                }
                j
            }
        };
        let r = self.emit(df)?;
        let t = self.tmp();
        self.b.ops.push(Op::F2(F2::Add, t, j, r));
        self.assign_reg(j, t);
        Ok(())
    }

    /// Gives every STATE of a scheme its derivative register, in nocmodl's
    /// order of the scheme's species.
    fn kinetic_species(&mut self, body: &Block_) -> CResult<()> {
        let (conserves, others) = self.species_order(body);
        for n in conserves.into_iter().filter_map(|c| c.1).chain(others) {
            for x in self.state_elements(&n).unwrap_or_default() {
                self.deriv_reg(&x);
            }
        }
        Ok(())
    }

    /// The STATE named `n` as its elements (one for a scalar).
    fn state_elements(&self, n: &str) -> Option<Vec<E>> {
        let xs: Vec<E> = match self.cx.names.get(n)? {
            Name::Loc(l) => vec![E::Loc(*l)],
            &Name::Arr(base, k) => (0..k).map(|i| E::Loc(element(base, i))).collect(),
            _ => return None,
        };
        xs.iter().all(|x| self.is_state(x)).then_some(xs)
    }

    /// A KINETIC reaction: its flux moves between the species' derivatives.
    fn reaction(&mut self, rx: &Reaction) -> CResult<()> {
        let species = |g: &Self, terms: &[ReactTerm]| -> CResult<Vec<(E, i64)>> { terms.iter().map(|t| Ok((g.var(&t.var)?, t.coeff))).collect() };
        let lhs = species(self, &rx.lhs)?;
        let (fwd, bwd, rhs): (E, Option<E>, Vec<(E, i64)>) = match &rx.kind {
            ReactionKind::Reversible { rhs, kf, kb } => {
                let rhs = species(self, rhs)?;
                let (df, db) = (kinetic::loose_depth(kf), kinetic::loose_depth(kb));
                (kinetic::side_flux(self.resolve(kf)?, df, &lhs), Some(kinetic::side_flux(self.resolve(kb)?, db, &rhs)), rhs)
            }
            // A sink's rate is pasted with its parentheses.
            ReactionKind::Sink { rate } => (kinetic::side_flux(self.resolve(rate)?, 0, &lhs), None, Vec::new()),
            // `~ x << (f)`: f flows into x.
            ReactionKind::Flux { rate } => (E::Num(0.0), Some(self.resolve(rate)?), Vec::new()),
        };
        // f_flux and b_flux name the last reaction's fluxes.
        let fr = self.emit(&fwd)?;
        let br = match &bwd {
            Some(b) => self.emit(b)?,
            None => self.konst(0.0),
        };
        let scope = self.scopes.last_mut().unwrap();
        scope.insert("f_flux".into(), fr);
        scope.insert("b_flux".into(), br);
        if self.spec {
            // ∂(x')/∂y for every state x the reaction moves and every state y
            // its flux depends on (NEURON solves a scheme's matrix whole).
            let species: Vec<E> = lhs.iter().chain(&rhs).map(|t| t.0.clone()).filter(|x| self.is_state(x)).collect();
            for (terms, minus) in [(&lhs, true), (&rhs, false)] {
                for (x, c) in terms.iter() {
                    if !self.is_state(x) {
                        continue;
                    }
                    let mut seen: Vec<&E> = Vec::new();
                    for y in &species {
                        if seen.contains(&y) {
                            continue;
                        }
                        seen.push(y);
                        let dflux = match &bwd {
                            Some(b) => sub(deriv(&fwd, y).unwrap_or(E::Num(0.0)), deriv(b, y).unwrap_or(E::Num(0.0))),
                            None => deriv(&fwd, y).unwrap_or(E::Num(0.0)),
                        };
                        if dflux.is(0.0) {
                            continue;
                        }
                        let scaled = mul(E::Num(*c as f64), dflux);
                        let term = if minus { neg(scaled) } else { scaled };
                        self.add_jac(x, (y != x).then_some(y), &term)?;
                    }
                }
            }
        }
        let flux = E::bin(F2::Sub, E::Local(fr), E::Local(br));
        let f = self.emit(&flux)?;
        for (terms, sign) in [(&lhs, F2::Sub), (&rhs, F2::Add)] {
            for (x, c) in terms.iter() {
                // Species that are not STATEs (a PARAMETER reservoir, an ion
                // read) only set the flux; they do not change.
                if !self.is_state(x) {
                    continue;
                }
                let d = self.deriv_reg(x);
                let amount = if *c == 1 {
                    f
                } else {
                    let k = self.konst(*c as f64);
                    let t = self.tmp();
                    self.b.ops.push(Op::F2(F2::Mul, t, k, f));
                    t
                };
                let t = self.tmp();
                self.b.ops.push(Op::F2(sign, t, d, amount));
                self.assign_reg(d, t);
            }
        }
        Ok(())
    }

    /// An implicit solve of `body`: its residuals become a Newton system,
    /// solved in place; then the body runs once more at the solution.
    /// The DERIVATIVE block run at the states' present values (and t as
    /// `t`): each state with its derivative, in order of appearance.
    fn derivatives_at(&mut self, body: &Block_, t: Option<Reg>, span: Span) -> CResult<Vec<(Loc, Reg)>> {
        let saved_t = t.and_then(|t| self.homes.insert(Loc::T, t));
        self.method = Some(Method::Implicit);
        self.implicit.clear();
        let r = self.block(body);
        self.method = None;
        if t.is_some() {
            match saved_t {
                Some(h) => self.homes.insert(Loc::T, h),
                None => self.homes.remove(&Loc::T),
            };
        }
        r?;
        if self.implicit.is_empty() {
            return Err(self.cx.err(span, "this block changes no STATE"));
        }
        let mut out = Vec::new();
        for (x, d) in std::mem::take(&mut self.implicit) {
            let E::Loc(l) = x else { return Err(self.cx.err(span, "runge needs STATE variables")) };
            out.push((l, d));
        }
        Ok(out)
    }

    /// `SOLVE … METHOD runge`: scopmath's fourth-order Runge-Kutta step over
    /// dt, with its operations in its order.
    fn runge_solve(&mut self, body: &Block_, span: Span) -> CResult<()> {
        let op2 = |g: &mut Self, f: F2, a: Reg, b: Reg| {
            let d = g.reg();
            g.b.ops.push(Op::F2(f, d, a, b));
            d
        };
        let h = self.home(Loc::Dt);
        let t0 = self.home(Loc::T);
        let (two, three, six) = (self.konst(2.0), self.konst(3.0), self.konst(6.0));
        let half_h = op2(self, F2::Div, h, two);
        // k1, at the present states: half an Euler step.
        let d1 = self.derivatives_at(body, None, span)?;
        let mut y0 = Vec::new();
        let mut w = Vec::new();
        for &(l, d) in &d1 {
            let y = self.home(l);
            let keep = self.reg();
            self.b.ops.push(Op::Mov(keep, y));
            let temp = op2(self, F2::Mul, half_h, d);
            let y1 = op2(self, F2::Add, y, temp);
            self.assign(&E::Loc(l), y1, span)?;
            let third = op2(self, F2::Div, temp, three);
            w.push(op2(self, F2::Add, keep, third));
            y0.push(keep);
        }
        // k2 and k3, at t + h/2.
        let t_mid = op2(self, F2::Add, t0, half_h);
        for stage in 0..2 {
            let d = self.derivatives_at(body, Some(t_mid), span)?;
            if d.len() != d1.len() {
                return Err(self.cx.err(span, "runge: the block gives derivatives of other states on another evaluation"));
            }
            for (k, &(l, dk)) in d.iter().enumerate() {
                let temp = op2(self, F2::Mul, h, dk);
                let step = if stage == 0 { op2(self, F2::Div, temp, two) } else { temp };
                let y = op2(self, F2::Add, y0[k], step);
                self.assign(&E::Loc(l), y, span)?;
                let third = op2(self, F2::Div, temp, three);
                w[k] = op2(self, F2::Add, w[k], third);
            }
        }
        // k4, at t + h: the new states.
        let t_end = op2(self, F2::Add, t_mid, half_h);
        let d4 = self.derivatives_at(body, Some(t_end), span)?;
        let sixth = op2(self, F2::Div, h, six);
        for (k, &(l, dk)) in d4.iter().enumerate() {
            let inc = op2(self, F2::Mul, sixth, dk);
            let y = op2(self, F2::Add, w[k], inc);
            self.assign(&E::Loc(l), y, span)?;
        }
        Ok(())
    }

    fn implicit_solve(&mut self, body: &Block_, kinetic: bool, steady: bool, span: Span) -> CResult<()> {
        let outer = std::mem::take(&mut self.b.ops);
        let saved_mask = self.mask.take();
        self.method = Some(Method::Implicit);
        self.implicit.clear();
        self.volumes.clear();
        self.conserves.clear();
        if kinetic {
            self.kinetic_species(body)?;
        }
        let r = self.block(body);
        self.method = None;
        r?;
        if self.implicit.is_empty() {
            return Err(self.cx.err(span, "this block changes no STATE"));
        }
        let dt = if steady { self.konst(1e9) } else { self.home(Loc::Dt) };
        let mut states = Vec::new();
        let mut resid = Vec::new();
        let mut olds = Vec::new();
        for (x, d) in self.implicit.clone() {
            let E::Loc(l) = x else { return Err(self.cx.err(span, "an implicit solve needs STATE variables")) };
            let xr = self.home(l);
            if !self.written.contains(&l) {
                self.written.push(l);
            }
            let old = self.reg();
            let val = match self.volumes.iter().find(|(s, _)| *s == x).map(|v| v.1.clone()) {
                Some(vol) => {
                    let v = self.emit(&vol)?;
                    let t = self.tmp();
                    self.b.ops.push(Op::F2(F2::Div, t, d, v));
                    t
                }
                None => d,
            };
            let (t1, t2, rr) = (self.tmp(), self.tmp(), self.reg());
            self.b.ops.push(Op::F2(F2::Sub, t1, xr, old));
            self.b.ops.push(Op::F2(F2::Div, t2, t1, dt));
            self.b.ops.push(Op::F2(F2::Sub, rr, val, t2));
            states.push(xr);
            resid.push(rr);
            olds.push(old);
        }
        // CONSERVE: the last species' equation becomes the conservation law.
        let mut replaced: Vec<usize> = Vec::new();
        for (terms, total) in self.conserves.clone() {
            let Some(k) = terms.iter().rev().filter_map(|(x, _)| self.implicit.iter().position(|(s, _)| s == x)).find(|k| !replaced.contains(k)) else {
                return Err(self.cx.err(span, "CONSERVE names no state of this block"));
            };
            replaced.push(k);
            let mut sum: Option<E> = None;
            for (x, c) in terms {
                // In amounts: each species times its COMPARTMENT volume.
                let vol = self.volumes.iter().find(|(s, _)| *s == x).map(|v| v.1.clone());
                let x = match vol {
                    Some(v) => E::bin(F2::Mul, x, v),
                    None => x,
                };
                let t = if c == 1 { x } else { E::bin(F2::Mul, E::Num(c as f64), x) };
                sum = Some(match sum {
                    None => t,
                    Some(s) => E::bin(F2::Add, s, t),
                });
            }
            let law = E::bin(F2::Sub, sum.unwrap_or(E::Num(0.0)), total);
            let v = self.emit(&law)?;
            self.b.ops.push(Op::Mov(resid[k], v));
        }
        let f_ops = std::mem::replace(&mut self.b.ops, outer);
        for (&x, &old) in states.iter().zip(&olds) {
            self.b.ops.push(Op::Mov(old, x));
        }
        let k = self.b.newtons.len() as u32;
        self.b.newtons.push(crate::newton::NewtonSpec { ops: f_ops.clone(), states: states.clone(), resid, jit: Default::default() });
        self.b.ops.push(Op::Newton(k));
        let base = self.b.ops.len() as u32;
        for mut op in f_ops {
            match &mut op {
                Op::Jump(t) | Op::JumpIfZero(_, t) | Op::JumpIfNone(_, t) => *t += base,
                _ => {}
            }
            self.b.ops.push(op);
        }
        if self.second_order && !steady {
            // x += dt*x', x' being what the solve leaves: for a KINETIC
            // scheme (sparse) the change over the step divided by dt, for
            // derivimplicit the derivative at the solution.
            for (k, (&x, &old)) in states.iter().zip(&olds).enumerate() {
                let d = if kinetic {
                    let (t1, d) = (self.tmp(), self.tmp());
                    self.b.ops.push(Op::F2(F2::Sub, t1, x, old));
                    self.b.ops.push(Op::F2(F2::Div, d, t1, dt));
                    d
                } else {
                    self.implicit[k].1
                };
                let t = self.tmp();
                self.b.ops.push(Op::F2(F2::Mul, t, dt, d));
                self.b.ops.push(Op::F2(F2::Add, x, x, t));
            }
        }
        self.mask = saved_mask;
        Ok(())
    }

    /// Stores for everything written, and the finished block.
    fn finish(mut self) -> Block {
        self.c_finish();
        for l in std::mem::take(&mut self.written) {
            if l != Loc::V {
                let r = self.homes[&l];
                self.b.stores.push((r, l));
            }
        }
        self.b
    }
}

type Block_ = crate::ast::Block;

/// A printf format with the string arguments of its `%s` conversions
/// written in (their `%` doubled), and the other arguments; Err(span) for a
/// string argument elsewhere.
fn splice_strings<'a>(fmt: &str, args: &'a [Expr]) -> Result<(String, Vec<&'a Expr>), Span> {
    let mut out = String::new();
    let mut rest = Vec::new();
    let mut next = args.iter();
    let mut it = fmt.char_indices().peekable();
    while let Some((_, ch)) = it.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        if let Some(&(_, '%')) = it.peek() {
            it.next();
            out.push_str("%%");
            continue;
        }
        let mut conv = String::from("%");
        while let Some(&(_, d)) = it.peek() {
            conv.push(d);
            it.next();
            if d.is_ascii_alphabetic() && !matches!(d, 'l' | 'h' | 'L' | 'q' | 'j' | 'z' | 't') {
                break;
            }
        }
        match next.next() {
            Some(a) => match &a.kind {
                ExprKind::Str(text) if conv == "%s" => out.push_str(&unescape(text).replace('%', "%%")),
                ExprKind::Str(_) => return Err(a.span),
                _ => {
                    out.push_str(&conv);
                    rest.push(a);
                }
            },
            None => out.push_str(&conv),
        }
    }
    for a in next {
        if matches!(a.kind, ExprKind::Str(_)) {
            return Err(a.span);
        }
        rest.push(a);
    }
    Ok((out, rest))
}

/// A C string literal's text with its escapes (`\n`, `\t`, `\\`, `\"`) applied.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

/// The additive terms of e, each with whether it counts positively on the
/// right-hand side (`lhs = rhs` is read as rhs - lhs).
fn additive_terms(e: E, positive: bool, out: &mut Vec<(E, bool)>) {
    match e {
        E::F2(F2::Add, a, b) => {
            additive_terms(*a, positive, out);
            additive_terms(*b, positive, out);
        }
        E::F2(F2::Sub, a, b) => {
            additive_terms(*a, positive, out);
            additive_terms(*b, !positive, out);
        }
        E::F1(F1::Neg, a) => additive_terms(*a, !positive, out),
        E::Num(x) if x < 0.0 => out.push((E::Num(-x), !positive)),
        e => out.push((e, positive)),
    }
}

/// e with x replaced by `by` (no simplification: the arithmetic stays nocmodl's).
fn substitute(e: &E, x: &E, by: &E) -> E {
    if e == x {
        return by.clone();
    }
    match e {
        E::F1(f, a) => E::F1(*f, Box::new(substitute(a, x, by))),
        E::F2(f, a, b) => E::F2(*f, Box::new(substitute(a, x, by)), Box::new(substitute(b, x, by))),
        E::Call(n, args, s) => E::Call(n.clone(), args.iter().map(|a| substitute(a, x, by)).collect(), *s),
        E::FTable(k, args) => E::FTable(*k, args.iter().map(|a| substitute(a, x, by)).collect()),
        E::Arr(b, n, a) => E::Arr(*b, *n, Box::new(substitute(a, x, by))),
        e => e.clone(),
    }
}

/// Whether a block assigns `name` anywhere.
fn assigns(b: &Block_, name: &str) -> bool {
    block_any(b, |s| match &s.kind {
        StmtKind::Assign { lhs, .. } => lhs.name.name == name,
        StmtKind::From { var, .. } => var.name == name,
        _ => false,
    })
}

/// Whether a statement of `b`, nested ones included, satisfies `f`.
fn block_any(b: &Block_, f: impl Fn(&Stmt) -> bool) -> bool {
    let mut hit = false;
    walk(b, &mut |s| hit = hit || f(s));
    hit
}

/// Visits every statement of a block, nested ones included, in order.
pub(crate) fn walk<'a>(b: &'a Block_, f: &mut impl FnMut(&'a Stmt)) {
    for s in &b.stmts {
        walk_stmt(s, f);
    }
}

fn walk_stmt<'a>(s: &'a Stmt, f: &mut impl FnMut(&'a Stmt)) {
    f(s);
    match &s.kind {
        StmtKind::If { then, else_ifs, else_, .. } => {
            walk(then, f);
            for e in else_ifs {
                walk(&e.body, f);
            }
            if let Some(e) = else_ {
                walk(e, f);
            }
        }
        StmtKind::While { body, .. } | StmtKind::From { body, .. } | StmtKind::ForNetcons { body, .. } | StmtKind::Block(body) | StmtKind::Initial(body) => walk(body, f),
        StmtKind::Protect(inner) => walk_stmt(inner, f),
        _ => {}
    }
}

/// Compiles a parsed module.
pub fn compile(m: &Module, file: &str) -> CResult<Compiled> {
    // A block keeps the elements it indexes by constants in registers; an
    // array some block also indexes by a run-time value is compiled again,
    // read and written in the data everywhere, as nocmodl's C does.
    let mut in_data = Vec::new();
    loop {
        let mixed = std::cell::Cell::new(None);
        match compile_with(m, file, &in_data, &mixed) {
            Err(e) => match mixed.get() {
                Some(base) if !in_data.contains(&base) => in_data.push(base),
                _ => return Err(e),
            },
            ok => return ok,
        }
    }
}

fn compile_with<'m>(m: &'m Module, file: &str, in_data: &[Loc], mixed: &'m std::cell::Cell<Option<Loc>>) -> CResult<Compiled> {
    let err = |span: Span, msg: String| {
        let shown = if span.file == 0 { file } else { m.files.get(span.file as usize).map_or(file, |f| f.as_str()) };
        ParseError { file: shown.to_string(), line: span.line, col: span.col, message: msg }
    };
    let mut kind = None;
    let mut name = String::new();
    let mut range: Vec<String> = Vec::new();
    let mut global: Vec<String> = Vec::new();
    let mut pointers: Vec<String> = Vec::new();
    let mut randoms: Vec<String> = Vec::new();
    let mut useions: Vec<&UseIon> = Vec::new();
    let mut nonspecific: Vec<String> = Vec::new();
    let mut electrode: Vec<String> = Vec::new();
    let mut names: HashMap<String, Name> = HashMap::new();
    let mut params: Vec<&ParamDecl> = Vec::new();
    let mut assigned: Vec<&VarDecl> = Vec::new();
    let mut states: Vec<&VarDecl> = Vec::new();
    let mut top_locals: Vec<&LocalVar> = Vec::new();
    let mut ba_items: Vec<(Ba, &Block_)> = Vec::new();
    let mut constructor_item: Option<&Block_> = None;
    let mut ftables: Vec<(String, usize)> = Vec::new();
    let mut funcs = HashMap::new();
    let mut derivs = HashMap::new();
    let mut kinetics = HashMap::new();
    let mut linears = HashMap::new();
    let mut nonlinears = HashMap::new();
    let mut discretes = HashMap::new();
    let (mut initials, mut breakpoint, mut net_receive) = (Vec::new(), None, None);
    let mut units = crate::units::UnitTable::standard();
    let mut top_pp = crate::verbatim::pp::Preproc::for_file(m.files.first().map_or(file, |f| f.as_str()));
    for item in &m.items {
        match &item.kind {
            ItemKind::Neuron(stmts) => {
                for s in stmts {
                    match &s.kind {
                        NeuronStmtKind::Suffix { kind: k, name: n } => {
                            kind = Some(match k {
                                SuffixKind::Suffix => MechKind::Density,
                                SuffixKind::PointProcess => MechKind::Point,
                                SuffixKind::ArtificialCell => MechKind::Artificial,
                            });
                            name = n.name.clone();
                        }
                        NeuronStmtKind::UseIon(u) => useions.push(u),
                        NeuronStmtKind::NonspecificCurrent(v) => nonspecific.extend(v.iter().map(|i| i.name.clone())),
                        NeuronStmtKind::ElectrodeCurrent(v) => electrode.extend(v.iter().map(|i| i.name.clone())),
                        NeuronStmtKind::Range(v) => range.extend(v.iter().map(|i| i.name.clone())),
                        NeuronStmtKind::Global(v) => global.extend(v.iter().map(|i| i.name.clone())),
                        NeuronStmtKind::Pointer(v) => pointers.extend(v.iter().map(|i| i.name.clone())),
                        NeuronStmtKind::BbcorePointer(v) => {
                            return Err(err(s.span, format!("BBCOREPOINTER {} holds C data, which nerve does not have", v[0].name)));
                        }
                        NeuronStmtKind::Random(v) => randoms.extend(v.iter().map(|i| i.name.clone())),
                        _ => {}
                    }
                }
            }
            ItemKind::Define { name: n, value } => {
                names.insert(n.name.clone(), Name::Const(*value as f64));
            }
            // `#define NAME number` in top-level C (or a header it
            // includes): the NMODL code nocmodl pastes after it sees the
            // name as that number.
            ItemKind::Verbatim(text) => {
                top_pp.run(crate::verbatim::lex::lex(text, item.span.line));
                for (name, x) in top_pp.numbers() {
                    names.entry(name).or_insert(Name::Const(x));
                }
            }
            ItemKind::Units(stmts) => {
                for s in stmts {
                    match &s.kind {
                        UnitsStmtKind::Value { name: n, value, .. } => {
                            names.insert(n.name.clone(), Name::Const(value.value));
                        }
                        UnitsStmtKind::Factor { name: n, from, to } => {
                            let v = units.factor(&from.text, &to.text).map_err(|e| err(s.span, e.to_string()))?;
                            names.insert(n.name.clone(), Name::Const(v));
                        }
                        UnitsStmtKind::Alias { name: n, def } => units.define(&n.text, &def.text).map_err(|e| err(s.span, e.to_string()))?,
                    }
                }
            }
            ItemKind::Constant(cs) => {
                for c in cs {
                    names.insert(c.name.name.clone(), Name::Const(c.value.value));
                }
            }
            ItemKind::Parameter(ps) => params.extend(ps),
            ItemKind::Assigned(vs) => assigned.extend(vs),
            ItemKind::State(vs) => states.extend(vs),
            ItemKind::Local(vs) => top_locals.extend(vs),
            // Several INITIAL blocks run one after the other (nocmodl appends them).
            ItemKind::Initial(b) => initials.push(b),
            ItemKind::Breakpoint(b) => breakpoint = Some(b),
            ItemKind::Procedure(c) => {
                funcs.insert(c.name.name.clone(), (c, false));
            }
            ItemKind::Function(c) => {
                funcs.insert(c.name.name.clone(), (c, true));
            }
            ItemKind::Derivative(s) => {
                if !block_any(&s.body, |st| matches!(&st.kind, StmtKind::Assign { lhs, .. } if lhs.prime > 0)) {
                    return Err(err(s.body.span, "No derivative equations in DERIVATIVE block".into()));
                }
                derivs.insert(s.name.name.clone(), s);
            }
            ItemKind::NetReceive { args, body } => net_receive = Some((args, body)),
            ItemKind::Kinetic(s) => {
                kinetics.insert(s.name.name.clone(), s);
            }
            ItemKind::Linear(s) => {
                linears.insert(s.name.name.clone(), s);
            }
            ItemKind::NonLinear(s) => {
                nonlinears.insert(s.name.name.clone(), s);
            }
            ItemKind::Discrete(s) => {
                discretes.insert(s.name.name.clone(), s);
            }
            ItemKind::FunctionTable { name: n, args, .. } => {
                if args.is_empty() || args.len() > 8 {
                    return Err(err(item.span, format!("FUNCTION_TABLE {}: a table takes 1 to 8 arguments", n.name)));
                }
                ftables.push((n.name.clone(), args.len()));
            }
            ItemKind::Before(k, b) | ItemKind::After(k, b) => {
                let before = matches!(item.kind, ItemKind::Before(..));
                let when = match (before, k) {
                    (true, BaKind::Initial) => Ba::BeforeInitial,
                    (false, BaKind::Initial) => Ba::AfterInitial,
                    (true, BaKind::Breakpoint) => Ba::BeforeBreakpoint,
                    (false, BaKind::Solve) => Ba::AfterSolve,
                    (true, BaKind::Step) => Ba::BeforeStep,
                    _ => return Err(err(item.span, "NEURON runs BEFORE INITIAL, AFTER INITIAL, BEFORE BREAKPOINT, AFTER SOLVE and BEFORE STEP only".into())),
                };
                ba_items.push((when, b));
            }
            // Only VERBATIM C that ends an instance's use of HOC objects
            // (NEURON's reference counting; nerve's objects count themselves).
            ItemKind::Destructor(_) => {}
            ItemKind::Constructor(b) if b.stmts.is_empty() => {}
            ItemKind::Constructor(b) => constructor_item = Some(b),
            ItemKind::Include(f) => return Err(err(item.span, format!("INCLUDE \"{f}\": included files are read only with the .mod file from disk"))),
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| err(m.span, "no SUFFIX, POINT_PROCESS or ARTIFICIAL_CELL in the NEURON block".into()))?;

    // Ions.
    let mut ions = Vec::new();
    let mut ion_names: HashMap<String, (usize, IonField)> = HashMap::new();
    let mut currents_written: Vec<(usize, String)> = Vec::new();
    let mut currents_read: Vec<String> = Vec::new();
    for (k, u) in useions.iter().enumerate() {
        let ion = &u.ion.name;
        let (mut conc, mut rev) = (0u8, 0u8);
        for r in &u.read {
            let f = IonField::of_name(ion, &r.name).ok_or_else(|| err(r.span, format!("{} is not a variable of ion {ion}", r.name)))?;
            match f {
                IonField::Ci | IonField::Co => conc = 1,
                IonField::Erev => rev = 1,
                IonField::Cur => currents_read.push(r.name.clone()),
                IonField::Dcur => {}
            }
            ion_names.insert(r.name.clone(), (k, f));
        }
        for w in &u.write {
            let f = IonField::of_name(ion, &w.name).ok_or_else(|| err(w.span, format!("{} is not a variable of ion {ion}", w.name)))?;
            match f {
                IonField::Ci | IonField::Co => conc = 3,
                IonField::Erev => rev = 3,
                IonField::Cur => currents_written.push((k, w.name.clone())),
                IonField::Dcur => {}
            }
            ion_names.insert(w.name.clone(), (k, f));
        }
        let writes = |f: IonField| u.write.iter().any(|w| IonField::of_name(ion, &w.name) == Some(f));
        ions.push(IonUse { ion: ion.clone(), valence: u.valence.as_ref().map(|n| n.value), conc, rev, writes_ci: writes(IonField::Ci), writes_co: writes(IonField::Co) });
    }

    // Variables: columns, globals, ion and special names.
    let mut vars: Vec<VarSpec> = Vec::new();
    let mut globals: Vec<VarSpec> = Vec::new();
    let special = |n: &str| -> Option<Loc> {
        match n {
            "v" => Some(Loc::V),
            "t" => Some(Loc::T),
            "dt" => Some(Loc::Dt),
            "celsius" => Some(Loc::Celsius),
            "area" => Some(Loc::Area),
            "diam" => Some(Loc::Diam),
            _ => None,
        }
    };
    let mut declare = |n: &Ident, size: Option<&Count>, default: f64, vk: VarKind, is_range: bool, names: &mut HashMap<String, Name>| -> CResult<()> {
        if let Some(l) = special(&n.name) {
            names.insert(n.name.clone(), Name::Loc(l));
            return Ok(());
        }
        if let Some(&(k, f)) = ion_names.get(&n.name) {
            if f == IonField::Cur && currents_written.iter().any(|(_, c)| c == &n.name) {
                // The mechanism's own share of the ion current: HOC sees it
                // (`ik_kpkj`) only when it is named RANGE, as with nocmodl.
                let mut s = VarSpec::new(&n.name, 0.0, VarKind::Assigned);
                s.hidden = !range.contains(&n.name);
                vars.push(s);
                names.insert(n.name.clone(), Name::Loc(Loc::Col(vars.len() - 1)));
            } else {
                names.insert(n.name.clone(), Name::Loc(Loc::Ion(k, f)));
            }
            return Ok(());
        }
        let len = match size {
            Some(c) if c.value < 1 || c.value > 100_000 => return Err(err(c.span, format!("{}: array size {} is out of range", n.name, c.value))),
            Some(c) => Some(c.value as usize),
            None => None,
        };
        let list = if is_range { &mut vars } else { &mut globals };
        let first = list.len();
        for k in 0..len.unwrap_or(1) {
            let mut spec = VarSpec::new(&n.name, default, vk);
            if len.is_some() {
                // Elements are `name[k]` (point processes reach them as obj.name[k]).
                spec.name = format!("{}[{k}]", n.name);
            }
            list.push(spec);
        }
        let base = if is_range { Loc::Col(first) } else { Loc::Global(first) };
        names.insert(n.name.clone(), match len {
            Some(n) => Name::Arr(base, n),
            None => Name::Loc(base),
        });
        Ok(())
    };
    let is_current = |n: &str| nonspecific.iter().chain(&electrode).any(|c| c == n);
    for p in &params {
        let r = range.contains(&p.name.name) || is_current(&p.name.name);
        // nocmodl writes defaults into the C it generates with %g.
        let default = p.value.as_ref().map_or(0.0, |v| c_default(v.value));
        declare(&p.name, p.size.as_ref(), default, VarKind::Parameter, r, &mut names)?;
    }
    // ASSIGNED variables named neither RANGE nor GLOBAL (nor currents) are the
    // mechanism's own: kept per instance, not visible from HOC (as in NEURON).
    let mut private: Vec<String> = Vec::new();
    for a in &assigned {
        let r = !global.contains(&a.name.name);
        declare(&a.name, a.size.as_ref(), 0.0, VarKind::Assigned, r, &mut names)?;
        if r && !range.contains(&a.name.name) && !is_current(&a.name.name) {
            private.push(a.name.name.clone());
        }
    }
    for l in &top_locals {
        declare(&l.name, l.size.as_ref(), 0.0, VarKind::Assigned, false, &mut names)?;
    }
    // Each STATE starts from its START value, or from `name0` when the file
    // declares that PARAMETER (nocmodl's initial-value convention).
    let mut state_init: Vec<(Loc, f64, String)> = Vec::new();
    let mut implicit0: Vec<(String, f64)> = Vec::new();
    for s in &states {
        declare(&s.name, s.size.as_ref(), 0.0, VarKind::State, true, &mut names)?;
        let start = s.start.as_ref().map_or(0.0, |v| c_default(v.value));
        let name = s.name.name.clone();
        match names.get(&s.name.name) {
            Some(Name::Loc(l @ Loc::Col(_))) => {
                state_init.push((*l, start, name.clone()));
                implicit0.push((name, start));
            }
            Some(&Name::Arr(base, n)) => {
                (0..n).for_each(|k| state_init.push((element(base, k), start, name.clone())));
                implicit0.push((name, start));
            }
            _ => {}
        }
    }
    // Every STATE s has a GLOBAL s0 it starts from (0 or its START value);
    // the file may declare it, or make it visible with GLOBAL s0.
    for (name, start) in implicit0 {
        let n0 = format!("{name}0");
        if !names.contains_key(&n0) {
            let mut spec = VarSpec::new(&n0, start, VarKind::Parameter);
            spec.hidden = !global.contains(&n0);
            globals.push(spec);
            names.insert(n0, Name::Loc(Loc::Global(globals.len() - 1)));
        }
    }
    let history = discrete::allocate(m, &states, &mut globals).map_err(|(span, msg)| err(span, msg))?;
    for v in vars.iter_mut() {
        let base = v.name.split('[').next().unwrap_or("");
        if private.iter().any(|p| p == base) {
            v.hidden = true;
        }
    }
    // Top-level LOCALs are the mechanism's own; HOC does not see them.
    for g in globals.iter_mut() {
        let base = g.name.split('[').next().unwrap_or("");
        if top_locals.iter().any(|l| l.name.name == base) {
            g.hidden = true;
        }
    }
    // RANDOM variables: a Random123 stream per instance, kept in four hidden
    // columns (id1, id2, id3 and the position seq·4 + which).
    let mut random_cols = Vec::new();
    for r in &randoms {
        let first = vars.len();
        for (part, default) in [("id1", 1.0), ("id2", 0.0), ("id3", 0.0), ("seq", 0.0)] {
            let mut s = VarSpec::new(&format!("{r}.{part}"), default, VarKind::Assigned);
            s.hidden = true;
            vars.push(s);
        }
        names.insert(r.clone(), Name::Random(first));
        random_cols.push(first);
    }
    for c in nonspecific.iter().chain(&electrode) {
        if !names.contains_key(c) {
            vars.push(VarSpec::new(c, 0.0, VarKind::Assigned));
            names.insert(c.clone(), Name::Loc(Loc::Col(vars.len() - 1)));
        }
    }
    for (k, p) in pointers.iter().enumerate() {
        names.insert(p.clone(), Name::Loc(Loc::Ptr(k)));
    }
    for n in ["v", "t", "dt", "celsius", "area", "diam"] {
        names.entry(n.to_string()).or_insert(Name::Loc(special(n).unwrap()));
    }
    for (n, &(k, f)) in &ion_names {
        names.entry(n.clone()).or_insert(Name::Loc(Loc::Ion(k, f)));
    }
    if let Some(g) = global.iter().find(|g| !names.contains_key(*g)) {
        return Err(err(m.span, format!("GLOBAL {g} is not declared in PARAMETER or ASSIGNED")));
    }
    // A RANGE name declared nowhere else is no variable: nocmodl ignores it
    // (and a use of it fails as an undeclared name).

    // Currents in the order NEURON sums them.
    let col_of = |n: &str, names: &HashMap<String, Name>| match names.get(n) {
        Some(Name::Loc(Loc::Col(c))) => Some(*c),
        _ => None,
    };
    let currents: Vec<(usize, usize)> = currents_written.iter().filter_map(|(k, n)| Some((*k, col_of(n, &names)?))).collect();
    if currents.len() > 8 {
        return Err(err(m.span, "a mechanism writes at most 8 ion currents".into()));
    }
    let other_currents: Vec<usize> = nonspecific.iter().chain(&electrode).filter_map(|n| col_of(n, &names)).collect();
    let read_currents: Vec<(usize, usize)> = currents_written.iter().filter(|(_, n)| currents_read.contains(n)).filter_map(|(k, n)| Some((*k, col_of(n, &names)?))).collect();

    // Tables.
    let mut table_stmts = HashMap::new();
    for (fname, (f, _)) in &funcs {
        for s in &f.body.stmts {
            if let StmtKind::Table(t) = &s.kind {
                if f.args.len() != 1 {
                    return Err(err(s.span, format!("TABLE in {fname}: a tabulated PROCEDURE or FUNCTION takes exactly one argument")));
                }
                table_stmts.insert(fname.clone(), t);
            }
        }
    }
    let usetable = if table_stmts.is_empty() {
        None
    } else {
        globals.push(VarSpec::new("usetable", 1.0, VarKind::Parameter));
        names.insert("usetable".into(), Name::Loc(Loc::Global(globals.len() - 1)));
        Some(globals.len() - 1)
    };
    let mut state_tol: HashMap<Loc, f64> = HashMap::new();
    for d in &states {
        let tol = d.abstol.as_ref().map_or(1.0, |n| n.value);
        match names.get(&d.name.name) {
            Some(&Name::Loc(l)) => {
                state_tol.insert(l, tol);
            }
            Some(&Name::Arr(base, n)) => (0..n).for_each(|k| {
                state_tol.insert(element(base, k), tol);
            }),
            _ => {}
        }
    }
    let state_locs: Vec<Loc> = states
        .iter()
        .flat_map(|d| match names.get(&d.name.name) {
            Some(&Name::Loc(l)) => vec![l],
            Some(&Name::Arr(base, n)) => (0..n).map(|k| element(base, k)).collect(),
            _ => vec![],
        })
        .collect();
    let mut solved_by = HashMap::new();
    if let Some(b) = breakpoint {
        walk(b, &mut |s| {
            if let StmtKind::Solve(sv) = &s.kind {
                solved_by.insert(sv.name.name.clone(), sv.method.as_ref());
            }
        });
    }
    let cfile = CFile::new(m, &mut globals, &mut vars, &pointers);
    let mut cx = Ctx {
        c: cfile,
        file: file.to_string(),
        files: m.files.clone(),
        seen_rank: m.names_seen.iter().enumerate().map(|(k, n)| (n.clone(), k)).collect(),
        names,
        funcs,
        derivs,
        kinetics,
        linears,
        nonlinears,
        discretes,
        history,
        state_locs,
        ftables: ftables.clone(),
        table_of: HashMap::new(),
        tables: Vec::new(),
        table_stmts,
        usetable,
        currents,
        other_currents,
        read_currents,
        in_data: in_data.to_vec(),
        mixed,
        abs_calls: Default::default(),
        solved_by,
    };
    let mut tab_names: Vec<&String> = cx.table_stmts.keys().collect();
    tab_names.sort();
    let tab_names: Vec<String> = tab_names.into_iter().cloned().collect();
    let mut offset = 0;
    for fname in tab_names {
        let spec = build_table(&cx, &fname, offset)?;
        offset += spec.size();
        cx.table_of.insert(fname, cx.tables.len());
        cx.tables.push(spec);
    }

    // INITIAL: states from their start values, then the block.
    let initial_block = |second_order: bool| -> CResult<Block> {
        let mut g = Gen::new(&cx);
        g.second_order = second_order;
        for (l, v, name) in &state_init {
            let c = match cx.names.get(&format!("{name}0")) {
                Some(&Name::Loc(l0 @ (Loc::Global(_) | Loc::Col(_)))) => g.home(l0),
                _ => g.konst(*v),
            };
            g.assign(&E::Loc(*l), c, m.span)?;
        }
        g.load_read_currents()?;
        g.history_init(m.span)?;
        for b in &initials {
            g.solving = true;
            g.block(b)?;
        }
        let mut initial = g.finish();
        regalloc::allocate(&mut initial, &[]);
        Ok(initial)
    };
    let initial = initial_block(false)?;
    // nrn_init moves a sparse steady state on by dt times its last change
    // over 1e9 under secondorder.
    let ss_sparse = initials.iter().any(|b| {
        b.stmts.iter().any(|s| matches!(&s.kind, StmtKind::Solve(sv) if cx.kinetics.contains_key(&sv.name.name) && sv.method.as_ref().is_some_and(|m| m.steadystate && m.name.name == "sparse")))
    });
    let initial_second_order = if ss_sparse { Some(initial_block(true)?) } else { None };

    // BREAKPOINT: SOLVEs make the state block; the rest is the current.
    let (mut current, mut state, mut state_second_order) = (None, None, None);
    let (mut ode, mut ode_unsupported) = (None, None);
    if let Some(bp) = breakpoint {
        // Without a current, the rest of BREAKPOINT follows the SOLVEs in
        // the state update (nocmodl's nrn_state), not the current evaluation.
        let no_currents = cx.currents.is_empty() && cx.other_currents.is_empty();
        let state_block = |second_order: bool| -> CResult<Option<Block>> {
            let mut sg = Gen::new(&cx);
            sg.second_order = second_order;
            sg.load_read_currents()?;
            let mut any_solve = false;
            for s in &bp.stmts {
                if let StmtKind::Solve(sv) = &s.kind {
                    any_solve = true;
                    solve(&mut sg, sv, s.span)?;
                }
            }
            if no_currents {
                for s in bp.stmts.iter().filter(|s| !matches!(s.kind, StmtKind::Solve(_))) {
                    any_solve = true;
                    sg.stmt(s)?;
                }
            }
            if !any_solve {
                return Ok(None);
            }
            let mut sb = sg.finish();
            regalloc::allocate(&mut sb, &[]);
            Ok(Some(sb))
        };
        state = state_block(false)?;
        if state.is_some() && halves_dt(&cx, m) {
            state_second_order = state_block(true)?;
        }
        let mut cg = Gen::new(&cx);
        cg.load_read_currents()?;
        if !no_currents {
            for s in bp.stmts.iter().filter(|s| !matches!(s.kind, StmtKind::Solve(_))) {
                cg.stmt(s)?;
            }
        }
        let mut total: Option<Reg> = None;
        let mut ion_regs = Vec::new();
        for &(k, c) in &cx.currents {
            let r = cg.home(Loc::Col(c));
            ion_regs.push((k, r));
            total = Some(sum(&mut cg, total, r));
        }
        for &c in &cx.other_currents {
            let r = cg.home(Loc::Col(c));
            total = Some(sum(&mut cg, total, r));
        }
        let total = total.unwrap_or_else(|| cg.konst(0.0));
        let mut cb = cg.finish();
        let keep: Vec<Reg> = std::iter::once(total).chain(ion_regs.iter().map(|r| r.1)).collect();
        let map = regalloc::allocate(&mut cb, &keep);
        let ion_regs = ion_regs.into_iter().map(|(k, r)| (k, map[r as usize])).collect();
        current = Some((cb, map[total as usize], ion_regs));
        if state.is_some() {
            match ode_block(&cx, bp, &state_tol)? {
                Ok(b) => ode = b,
                Err(why) => ode_unsupported = Some(why),
            }
        }
    }
    if !cx.currents.is_empty() || !cx.other_currents.is_empty() {
        if kind == MechKind::Artificial {
            return Err(err(m.span, "an ARTIFICIAL_CELL has no membrane current".into()));
        }
    } else if current.as_ref().is_some_and(|(b, _, _)| b.ops.is_empty() && b.stores.is_empty()) {
        current = None;
    }

    // NET_RECEIVE, and its INITIAL block (run per NetCon at finitialize).
    let mut nweights = 0;
    let mut net_init = None;
    let mut watch = None;
    let net_receive = match net_receive {
        Some((args, body)) => {
            nweights = args.len();
            let mut all_watches: Vec<E> = Vec::new();
            // The statements as one block: VERBATIM pieces and the NMODL
            // between them are one C function's body, as in nocmodl's output.
            let mut gen_for = |stmts: &mut dyn Iterator<Item = &Stmt>| -> CResult<Block> {
                let body_block = Block_ { stmts: stmts.cloned().collect(), span: body.span };
                let mut g = Gen::new(&cx);
                g.solving = false;
                g.nweights = args.len();
                g.watches = std::mem::take(&mut all_watches);
                let mut scope = HashMap::new();
                for (k, a) in args.iter().enumerate() {
                    let r = g.home(Loc::Arg(k));
                    scope.insert(a.name.name.clone(), r);
                    g.written.push(Loc::Arg(k));
                }
                let f = g.home(Loc::Flag);
                scope.insert("flag".to_string(), f);
                g.scopes.push(scope);
                g.block(&body_block)?;
                all_watches = std::mem::take(&mut g.watches);
                let mut b = g.finish();
                regalloc::allocate(&mut b, &[]);
                if let Some((_, l)) = b.loads.iter().find(|(_, l)| matches!(l, Loc::Ion(..) | Loc::Area | Loc::Diam | Loc::Ptr(_))) {
                    return Err(err(body.span, format!("NET_RECEIVE reads {l:?}, which nerve does not provide to events yet")));
                }
                Ok(b)
            };
            let inits: Vec<&Stmt> = body.stmts.iter().filter_map(|s| if let StmtKind::Initial(b) = &s.kind { Some(b.stmts.iter()) } else { None }).flatten().collect();
            if !inits.is_empty() {
                net_init = Some(gen_for(&mut inits.into_iter())?);
            }
            let b = gen_for(&mut body.stmts.iter().filter(|s| !matches!(s.kind, StmtKind::Initial(_))))?;
            if !all_watches.is_empty() {
                // One block computes every condition's value for the checks.
                let mut g = Gen::new(&cx);
                let mut regs = Vec::new();
                for w in &all_watches {
                    regs.push(g.emit(w)?);
                }
                let mut wb = g.finish();
                let map = regalloc::allocate(&mut wb, &regs);
                watch = Some((wb, regs.iter().map(|&r| map[r as usize]).collect()));
            }
            Some(b)
        }
        None => None,
    };
    // LONGITUDINAL_DIFFUSION statements of the KINETIC blocks.
    let mut diffusion = None;
    {
        let mut g = Gen::new(&cx);
        let mut outs: Vec<Diffusing> = Vec::new();
        for k in cx.kinetics.values() {
            for st in &k.body.stmts {
                let StmtKind::LongitudinalDiffusion { index, rate, species } = &st.kind else { continue };
                for sp in species {
                    let elements: Vec<(Loc, Option<usize>)> = match cx.names.get(&sp.name) {
                        Some(&Name::Arr(base, n)) => (0..n).map(|e| (element(base, e), Some(e))).collect(),
                        Some(&Name::Loc(l)) => vec![(l, None)],
                        _ => return Err(cx.err(sp.span, format!("LONGITUDINAL_DIFFUSION {}: not a variable of the mechanism", sp.name))),
                    };
                    for (l, e) in elements {
                        let at = |g: &Gen, ix: &Option<Ident>, ex: &Expr| -> CResult<E> {
                            if let (Some(ix), Some(e)) = (ix, e) {
                                g.fixed_push(&ix.name, e as f64);
                            }
                            let r = g.resolve(ex);
                            if ix.is_some() && e.is_some() {
                                g.fixed_pop();
                            }
                            r
                        };
                        let dc = at(&g, index, rate)?;
                        // Its volume: the COMPARTMENT that names the species (1 if none).
                        let mut vol = E::Num(1.0);
                        for c in &k.body.stmts {
                            if let StmtKind::Compartment { index: ci, volume, species: cs } = &c.kind {
                                if cs.iter().any(|c| c.name == sp.name) {
                                    vol = at(&g, ci, volume)?;
                                }
                            }
                        }
                        let (dr, vr) = (g.emit(&dc)?, g.emit(&vol)?);
                        let dflux = match current_flux(&g, &k.body, &sp.name, e.unwrap_or(0))? {
                            Some((f, ion)) => Some((g.emit(&f)?, ion)),
                            None => None,
                        };
                        let ode_state = ode.as_ref().and_then(|o| o.states.iter().position(|s| s.loc == l));
                        outs.push(Diffusing { loc: l, dc: dr, vol: vr, dflux, ode_state });
                    }
                }
            }
        }
        if !outs.is_empty() {
            let mut b = g.finish();
            let keep: Vec<Reg> = outs.iter().flat_map(|o| [o.dc, o.vol].into_iter().chain(o.dflux.map(|f| f.0))).collect();
            let map = regalloc::allocate(&mut b, &keep);
            for o in outs.iter_mut() {
                o.dc = map[o.dc as usize];
                o.vol = map[o.vol as usize];
                o.dflux = o.dflux.map(|(r, ion)| (map[r as usize], ion));
            }
            diffusion = Some((b, outs));
        }
    }

    let synonym = ode_synonym(&cx, m, &ions)?;

    let mut ftable_callables = Vec::new();
    // FUNCTION_TABLEs are callable from HOC like FUNCTIONs.
    for (k, (name, nargs)) in cx.ftables.iter().enumerate() {
        let mut g = Gen::new(&cx);
        let args: Vec<E> = (0..*nargs).map(|i| E::Loc(Loc::Arg(i))).collect();
        let d = g.emit(&E::FTable(k, args))?;
        let mut b = g.finish();
        let map = regalloc::allocate(&mut b, &[d]);
        ftable_callables.push((name.clone(), b, Some(map[d as usize]), *nargs));
    }

    // BEFORE/AFTER blocks.
    let mut ba = Vec::new();
    for (when, b) in ba_items {
        let mut g = Gen::new(&cx);
        g.block(b)?;
        let mut blk = g.finish();
        regalloc::allocate(&mut blk, &[]);
        ba.push((when, blk));
    }

    // CONSTRUCTOR: run for each new instance, with the arguments of its `new`.
    let constructor = match constructor_item {
        Some(b) => {
            let mut g = Gen::new(&cx);
            g.block(b)?;
            let mut blk = g.finish();
            regalloc::allocate(&mut blk, &[]);
            Some(blk)
        }
        None => None,
    };

    // FUNCTIONs and PROCEDUREs as HOC methods.
    let mut callables = std::mem::take(&mut ftable_callables);
    let mut fnames: Vec<&String> = cx.funcs.keys().collect();
    fnames.sort();
    for fname in fnames {
        let (f, _) = cx.funcs[fname];
        let mut g = Gen::new(&cx);
        let args: Vec<Reg> = (0..f.args.len()).map(|k| g.home(Loc::Arg(k))).collect();
        let r = g.call(fname, args, f.name.span)?;
        let mut b = g.finish();
        let keep: Vec<Reg> = r.into_iter().collect();
        let map = regalloc::allocate(&mut b, &keep);
        b.stores.retain(|(_, l)| !matches!(l, Loc::Arg(_)));
        if b.loads.iter().any(|(_, l)| matches!(l, Loc::V | Loc::Ion(..) | Loc::Area | Loc::Diam | Loc::Ptr(_))) {
            continue;
        }
        callables.push((fname.clone(), b, r.map(|r| map[r as usize]), f.args.len()));
    }
    let scop = |b: &Block| {
        let op_scop = |op: &Op| matches!(op, Op::Random { op, .. } if op.is_scop());
        b.ops.iter().any(op_scop) || b.newtons.iter().any(|n| n.ops.iter().any(op_scop)) || b.sparses.iter().any(|n| n.ops.iter().any(op_scop))
    };
    let sequential = std::iter::once(&initial)
        .chain(current.as_ref().map(|c| &c.0))
        .chain(&state)
        .chain(&net_receive)
        .chain(&net_init)
        .chain(ba.iter().map(|b| &b.1))
        .chain(callables.iter().map(|c| &c.1))
        .any(scop)
        // (DISCRETE histories are shared by the instances, read and shifted in turn)
        || !cx.history.is_empty();
    let methods = lower::methods(&cx);
    let local_globals: Vec<usize> = top_locals
        .iter()
        .filter_map(|l| match cx.names.get(&l.name.name) {
            Some(Name::Loc(Loc::Global(g))) => Some(*g),
            Some(Name::Arr(Loc::Global(g), _)) => Some(*g),
            _ => None,
        })
        .collect();
    let blocks = std::iter::once(&initial)
        .chain(current.as_ref().map(|c| &c.0))
        .chain(&state)
        .chain(&net_receive)
        .chain(&net_init)
        .chain(ba.iter().map(|b| &b.1))
        .chain(callables.iter().map(|c| &c.1))
        .chain(cx.tables.iter().map(|t| &t.build));
    let thread_safe = vectorize::thread_safe(m, blocks, |g| !local_globals.contains(&g));
    if let (true, Some(&span)) = (thread_safe, cx.abs_calls.borrow().first()) {
        return Err(err(span, "abs: nocmodl passes a thread safe mechanism's thread arguments to a function it does not know, so NEURON's C compile fails (use fabs)".into()));
    }
    let lazy_tables = !cx.tables.is_empty() && !thread_safe;
    Ok(Compiled {
        lazy_tables,
        methods,
        sequential,
        diffusion,
        synonym,
        ftables,
        ba,
        constructor,
        callables,
        name,
        kind,
        vars,
        globals,
        ions,
        electrode: !electrode.is_empty(),
        initial,
        current,
        state,
        state_second_order,
        initial_second_order,
        spec_in_current: !cx.read_currents.is_empty() && ode.is_some(),
        net_receive,
        net_init,
        watch,
        nweights,
        pointers,
        tables: cx.tables,
        ode,
        ode_unsupported,
        randoms: random_cols,
    })
}

/// The variable step's view of BREAKPOINT's SOLVEs: every DERIVATIVE and
/// KINETIC block evaluated for its derivatives (whatever the fixed step's
/// METHOD), with each state's own Jacobian term. Err(why) when a SOLVE has
/// no derivatives to give (a PROCEDURE, a LINEAR block).
fn ode_block(cx: &Ctx, bp: &Block_, tol: &HashMap<Loc, f64>) -> CResult<Result<Option<OdeBlock>, String>> {
    let mut g = Gen::new(cx);
    g.spec = true;
    g.load_read_currents()?;
    let mut after_step = false;
    for s in &bp.stmts {
        let StmtKind::Solve(sv) = &s.kind else { continue };
        let name = &sv.name.name;
        let method = sv.method.as_ref().map(|m| m.name.name.as_str());
        // A PROCEDURE the variable step calls after each of its steps.
        if cx.funcs.get(name).is_some_and(|f| !f.1) && matches!(method, Some("after_cvode" | "cvode_t" | "cvode_t_v")) {
            after_step = true;
            continue;
        }
        let body = if let Some(d) = cx.derivs.get(name) {
            &d.body
        } else if let Some(k) = cx.kinetics.get(name) {
            g.kinetic_species(&k.body)?;
            &k.body
        } else if cx.discretes.contains_key(name) {
            return Ok(Err(format!("SOLVE {name} is of a DISCRETE block")));
        } else {
            return Ok(Err(format!("SOLVE {name} has no derivatives for it (a PROCEDURE needs METHOD after_cvode)")));
        };
        g.method = Some(Method::Implicit);
        let r = g.block(body);
        g.method = None;
        r?;
    }
    if g.implicit.is_empty() {
        return Ok(Ok(None));
    }
    if after_step {
        return Ok(Err("it has states and an after_cvode PROCEDURE".into()));
    }
    let mut states = Vec::new();
    for (x, d) in g.implicit.clone() {
        let E::Loc(loc) = x else { continue };
        let jac = match g.jac.iter().find(|(s, _)| *s == x) {
            Some(&(_, j)) => j,
            None => g.konst(0.0),
        };
        let volume = match g.volumes.iter().find(|(s, _)| *s == x).map(|v| v.1.clone()) {
            Some(v) => Some(g.emit(&v)?),
            None => None,
        };
        // An ion concentration keeps the ion's tolerance (NEURON drops `<tol>` there).
        let atol = if matches!(loc, Loc::Ion(..)) { 1.0 } else { tol.get(&loc).copied().unwrap_or(1.0) };
        states.push(OdeState { loc, deriv: d, jac, volume, atol });
    }
    let index = |x: &E| states.iter().position(|s| E::Loc(s.loc) == *x);
    let mut offdiag: Vec<(usize, usize, Reg)> = g.offdiag.iter().filter_map(|(x, y, r)| Some((index(x)?, index(y)?, *r))).collect();
    let mut block = g.finish();
    let keep: Vec<Reg> = states.iter().flat_map(|s| [s.deriv, s.jac].into_iter().chain(s.volume)).chain(offdiag.iter().map(|o| o.2)).collect();
    let map = regalloc::allocate(&mut block, &keep);
    for s in states.iter_mut() {
        s.deriv = map[s.deriv as usize];
        s.jac = map[s.jac as usize];
        s.volume = s.volume.map(|v| map[v as usize]);
    }
    for o in offdiag.iter_mut() {
        o.2 = map[o.2 as usize];
    }
    let matsol = ode_matsol(cx, bp, &states)?;
    Ok(Ok(Some(OdeBlock { block, states, offdiag, matsol })))
}

/// The variable step's solve of BREAKPOINT's `METHOD sparse` KINETIC
/// schemes (nocmodl generates one only for those).
fn ode_matsol(cx: &Ctx, bp: &Block_, states: &[OdeState]) -> CResult<Option<OdeMatsol>> {
    let mut g = Gen::new(cx);
    g.load_read_currents()?;
    let mut rows = Vec::new();
    for s in &bp.stmts {
        let StmtKind::Solve(sv) = &s.kind else { continue };
        let Some(k) = cx.kinetics.get(&sv.name.name) else { continue };
        if sv.method.as_ref().map(|m| m.name.name.as_str()) != Some("sparse") {
            continue;
        }
        for (loc, b, x) in g.sparse_matsol(&k.body, s.span)? {
            if let Some(i) = states.iter().position(|st| st.loc == loc) {
                rows.push((i, b, x));
            }
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let mut block = g.finish();
    let keep: Vec<Reg> = rows.iter().flat_map(|r| [r.1, r.2]).collect();
    let map = regalloc::allocate(&mut block, &keep);
    for r in rows.iter_mut() {
        r.1 = map[r.1 as usize];
        r.2 = map[r.2 as usize];
    }
    let others = (0..states.len()).filter(|&k| !rows.iter().any(|r| r.0 == k)).collect();
    Ok(Some(OdeMatsol { block, rows, others }))
}

/// nocmodl's `_ode_synonym`: for each ion concentration the mechanism
/// WRITEs that is not a STATE, its first assignment in the file's blocks,
/// run with the states the variable step has just set, so that the ion's
/// reversal potential follows them within the same evaluation.
fn ode_synonym(cx: &Ctx, m: &Module, ions: &[IonUse]) -> CResult<Option<Block>> {
    let mut g = Gen::new(cx);
    for (k, u) in ions.iter().enumerate() {
        for (f, writes) in [(IonField::Ci, u.writes_ci), (IonField::Co, u.writes_co)] {
            let loc = Loc::Ion(k, f);
            if !writes || cx.state_locs.contains(&loc) {
                continue;
            }
            let name = f.hoc_name(&u.ion);
            let mut first: Option<&Expr> = None;
            for item in &m.items {
                let body = match &item.kind {
                    ItemKind::Procedure(c) | ItemKind::Function(c) => &c.body,
                    ItemKind::Derivative(s) | ItemKind::Kinetic(s) | ItemKind::Linear(s) | ItemKind::NonLinear(s) => &s.body,
                    _ => continue,
                };
                walk(body, &mut |st| {
                    if let StmtKind::Assign { lhs, rhs } = &st.kind {
                        if first.is_none() && lhs.name.name == name && lhs.prime == 0 && lhs.index.is_none() {
                            first = Some(rhs);
                        }
                    }
                });
                if first.is_some() {
                    break;
                }
            }
            // Only an assignment from the mechanism's own variables.
            let Some(Ok(value)) = first.map(|rhs| g.resolve(rhs)) else { continue };
            if value.has_local() {
                continue;
            }
            let r = g.emit(&value)?;
            let h = g.home(loc);
            g.b.ops.push(Op::Mov(h, r));
            g.written.push(loc);
        }
    }
    if g.written.is_empty() {
        return Ok(None);
    }
    let mut b = g.finish();
    regalloc::allocate(&mut b, &[]);
    Ok(Some(b))
}

/// The flux `~ X[k] << (…I…)` of a scheme into element `element` of species
/// `name`, when its rate reads an ion current I: the rate with I's dI/dv in
/// its place, and that ion (nocmodl's `dfdcur`, without `nrn_nernst_coef`).
fn current_flux(g: &Gen, body: &Block_, name: &str, element: usize) -> CResult<Option<(E, usize)>> {
    let mut found = None;
    let mut result = Ok(());
    walk(body, &mut |s| {
        let StmtKind::Reaction(rx) = &s.kind else { return };
        let (ReactionKind::Flux { rate }, [term]) = (&rx.kind, rx.lhs.as_slice()) else { return };
        if term.var.name.name != name || found.is_some() {
            return;
        }
        let at = match &term.var.index {
            None => Some(0.0),
            Some(ix) => match g.resolve(ix) {
                Ok(E::Num(k)) => Some(k),
                _ => None,
            },
        };
        if at != Some(element as f64) {
            return;
        }
        match g.resolve(rate) {
            Ok(f) => {
                let mut ion = None;
                let swapped = f.map_locs(&mut |l| match l {
                    Loc::Ion(k, IonField::Cur) => {
                        ion = Some(k);
                        Loc::Ion(k, IonField::Dcur)
                    }
                    l => l,
                });
                if let Some(k) = ion {
                    found = Some((swapped, k));
                }
            }
            Err(e) => result = Err(e),
        }
    });
    result.map(|_| found)
}

fn sum(g: &mut Gen, acc: Option<Reg>, r: Reg) -> Reg {
    match acc {
        None => {
            // _current = 0; _current += i  (0 + i keeps -0 and NaN as C does)
            let z = g.konst(0.0);
            let d = g.reg();
            g.b.ops.push(Op::F2(F2::Add, d, z, r));
            d
        }
        Some(a) => {
            let d = g.reg();
            g.b.ops.push(Op::F2(F2::Add, d, a, r));
            d
        }
    }
}

/// Whether nocmodl can translate a DERIVATIVE block by cnexp: not when an
/// equation's right side calls a FUNCTION with the equation's state in its
/// arguments (nocmodl's diffeq.ypp would differentiate it numerically).
fn cnexp_can(cx: &Ctx, body: &Block_) -> bool {
    fn calls_with(cx: &Ctx, e: &Expr, x: &str) -> bool {
        match &e.kind {
            ExprKind::Call(c) => {
                let user = cx.funcs.contains_key(&c.name.name) || cx.ftables.iter().any(|t| t.0 == c.name.name);
                (user && c.args.iter().any(|a| mentions(a, x))) || c.args.iter().any(|a| calls_with(cx, a, x))
            }
            ExprKind::Unary(_, a) => calls_with(cx, a, x),
            ExprKind::Binary(_, a, b) => calls_with(cx, a, x) || calls_with(cx, b, x),
            _ => false,
        }
    }
    fn mentions(e: &Expr, x: &str) -> bool {
        match &e.kind {
            ExprKind::Var(v) => v.name.name == x || v.index.as_ref().is_some_and(|i| mentions(i, x)),
            ExprKind::Call(c) => c.args.iter().any(|a| mentions(a, x)),
            ExprKind::Unary(_, a) => mentions(a, x),
            ExprKind::Binary(_, a, b) => mentions(a, x) || mentions(b, x),
            _ => false,
        }
    }
    let mut can = true;
    walk(body, &mut |s| {
        if let StmtKind::Assign { lhs, rhs } = &s.kind {
            if lhs.prime > 0 && calls_with(cx, rhs, &lhs.name.name) {
                can = false;
            }
        }
    });
    can
}

/// A SOLVE statement of BREAKPOINT, emitted into the state block.
fn solve(g: &mut Gen, sv: &Solve, span: Span) -> CResult<()> {
    let name = &sv.name.name;
    let method = sv.method.as_ref().map(|m| m.name.name.as_str());
    let steady = sv.method.as_ref().is_some_and(|m| m.steadystate);
    if let Some(d) = g.cx.derivs.get(name) {
        let m = match method {
            // nocmodl translates with derivimplicit what cnexp cannot.
            Some("cnexp") if !steady && !cnexp_can(g.cx, &d.body) => return g.implicit_solve(&d.body, false, steady, span),
            Some("cnexp") if !steady => Method::Cnexp,
            Some("euler") if !steady => Method::Euler,
            Some("derivimplicit" | "sparse") => return g.implicit_solve(&d.body, false, steady, span),
            // Without a METHOD nocmodl names derivimplicit but leaves the
            // block its plain form, the derivatives: the step computes them
            // and leaves the states (under secondorder 2, x += dt·x').
            None => {
                let ds = g.derivatives_at(&d.body, None, span)?;
                if g.second_order {
                    let dt = g.home(Loc::Dt);
                    for (l, d) in ds {
                        let x = g.home(l);
                        let t = g.tmp();
                        g.b.ops.push(Op::F2(F2::Mul, t, dt, d));
                        let y = g.tmp();
                        g.b.ops.push(Op::F2(F2::Add, y, x, t));
                        g.assign(&E::Loc(l), y, span)?;
                    }
                }
                return Ok(());
            }
            Some("runge") if !steady => return g.runge_solve(&d.body, span),
            Some(other) => return Err(g.cx.err(span, format!("SOLVE {name} METHOD {other}: nerve supports cnexp, euler, runge, derivimplicit and sparse"))),
        };
        g.method = Some(m);
        g.implicit.clear();
        let r = g.block(&d.body);
        g.method = None;
        r?;
        if m == Method::Euler {
            g.euler_step(span)?;
        }
        return Ok(());
    }
    if let Some(k) = g.cx.kinetics.get(name) {
        return match method {
            Some("sparse") => g.sparse_solve(&k.body, steady, span),
            None | Some("derivimplicit") => g.implicit_solve(&k.body, true, steady, span),
            Some(other) => Err(g.cx.err(span, format!("SOLVE {name} METHOD {other}: a KINETIC block is solved by sparse"))),
        };
    }
    if let Some(d) = g.cx.discretes.get(name) {
        return g.discrete_call(d, span);
    }
    if let Some((f, false)) = g.cx.funcs.get(name) {
        if !f.args.is_empty() {
            return Err(g.cx.err(span, format!("SOLVE {name}: a SOLVEd PROCEDURE takes no arguments")));
        }
        g.call(name, Vec::new(), span)?;
        return Ok(());
    }
    Err(g.cx.err(span, format!("SOLVE {name}: no DERIVATIVE, KINETIC, DISCRETE block or PROCEDURE of that name")))
}

/// Whether nocmodl's nrn_state halves dt under `secondorder`: a SOLVE of a
/// DERIVATIVE or KINETIC block by a method other than cnexp, in BREAKPOINT
/// or INITIAL.
fn halves_dt(cx: &Ctx, m: &Module) -> bool {
    m.items.iter().any(|item| {
        let (ItemKind::Breakpoint(b) | ItemKind::Initial(b)) = &item.kind else { return false };
        b.stmts.iter().any(|s| {
            let StmtKind::Solve(sv) = &s.kind else { return false };
            let name = &sv.name.name;
            let method = sv.method.as_ref().map(|m| m.name.name.as_str());
            (cx.derivs.contains_key(name) || cx.kinetics.contains_key(name)) && method != Some("cnexp")
        })
    })
}

/// The spec of the TABLE in callable `fname`.
fn build_table(cx: &Ctx, fname: &str, offset: usize) -> CResult<TableSpec> {
    let t = cx.table_stmts[fname];
    let (f, is_func) = cx.funcs[fname];
    let mut depend = Vec::new();
    for d in &t.depend {
        match cx.names.get(&d.name) {
            // A RANGE variable is compared at the instance the table is
            // checked for (NEURON's first instance, or HOC's setdata one).
            Some(Name::Loc(l @ (Loc::Global(_) | Loc::Col(_) | Loc::Celsius | Loc::Dt))) => depend.push(*l),
            _ => return Err(cx.err(d.span, format!("TABLE DEPEND {}: a dependency must be a PARAMETER, ASSIGNED or STATE of the mechanism, celsius or dt", d.name))),
        }
    }
    // FROM and TO.
    let mut bg = Gen::new(cx);
    bg.building = true;
    bg.b.nregs = 2;
    let lo = bg.resolve(&t.from)?;
    let hi = bg.resolve(&t.to)?;
    let (lo, hi) = (bg.emit(&lo)?, bg.emit(&hi)?);
    bg.b.ops.push(Op::Mov(0, lo));
    bg.b.ops.push(Op::Mov(1, hi));
    let mut bounds = bg.finish();
    regalloc::allocate(&mut bounds, &[0, 1]);
    // The body at x.
    let mut g = Gen::new(cx);
    g.building = true;
    let x = g.home(Loc::TableX);
    let res = g.call(fname, vec![x], f.name.span)?;
    let outs: Vec<Reg> = if is_func {
        vec![res.unwrap()]
    } else {
        let mut outs = Vec::new();
        for v in &t.vars {
            for l in cx.table_var(v)? {
                outs.push(g.home(l));
            }
        }
        outs
    };
    let mut build = g.finish();
    // What the body assigns stays assigned, in the instance the table is
    // built for (its values at the last point, TO), as in NEURON.
    build.stores.retain(|(_, l)| matches!(l, Loc::Global(_) | Loc::Col(_)));
    let map = regalloc::allocate(&mut build, &outs);
    let outs: Vec<Reg> = outs.iter().map(|&r| map[r as usize]).collect();
    Ok(TableSpec {
        name: fname.to_string(),
        n: t.with.value.max(1) as usize,
        nout: outs.len(),
        offset,
        depend,
        bounds,
        build,
        outs,
        usetable: cx.usetable.unwrap(),
    })
}

/// A declared default as the compiled mechanism holds it: nocmodl prints it
/// into C with `%g`, keeping six significant digits.
fn c_default(x: f64) -> f64 {
    cfmt::fmt_g(x, 6, false, false).parse().unwrap_or(x)
}

