//! Lowering VERBATIM C into the mechanism's register code. This module is
//! a child of `compile` and extends its block generator: C values live in
//! registers (one lane per instance), `if`/loops/`break`/`continue`/`return`
//! become lane masks as NMODL's `if`/`while` do, and pointers are doubles
//! (see `verbatim::host`). Names are read as in nocmodl's output: a
//! mechanism variable by its own name, `_lx` for the local or argument `x`
//! of the enclosing FUNCTION/PROCEDURE (`_lf` for FUNCTION f's value),
//! `_ion_x` for the ion's value at the node, `_p_x` for POINTER x as C data.
//!
//! C that nerve does not take is not an error when the file loads: the
//! statement becomes an op that stops the run with `file:line: construct:
//! why` when a lane reaches it.

use std::collections::HashMap;

use super::{Block_, CResult, Ctx, Gen, Name, E};
use crate::ast::{ItemKind, Module, Stmt as NStmt, StmtKind};
use crate::ir::{Block, CFn, Loc, Op, Reg, F1, F2};
use crate::span::Span;
use crate::verbatim::ast::{self as c, BOp, Base, Init, Item, Ty, UOp, EK, SK};
use crate::verbatim::lex::{lex, Tok, T};
use crate::verbatim::{parse, pp};
use cable::mechanism::{VarKind, VarSpec};

/// A construct nerve does not take, and why (reported when it runs).
type U<T> = Result<T, String>;

/// A C static variable: its GLOBAL slot and type.
#[derive(Clone, Debug)]
struct Static {
    loc: Loc,
    ty: Ty,
}

/// The C of one .mod file: every VERBATIM block's tokens, the functions
/// and static variables of its top-level blocks.
#[derive(Default)]
pub(super) struct CFile {
    /// Preprocessed tokens of each VERBATIM, by the offset of its span.
    toks: HashMap<u32, Vec<Tok>>,
    funcs: HashMap<String, c::Func>,
    statics: HashMap<String, Static>,
    /// `_p_x` data of POINTER x: its column.
    handles: HashMap<String, usize>,
    /// C functions of the `static double f(void* vv)` form: HOC methods.
    pub(super) methods: Vec<String>,
    /// Top-level C that does not parse: (line, text).
    unsupported: Vec<(u32, String)>,
    /// `static` variables of functions, by line and name.
    local_statics: HashMap<(u32, String), Static>,
    /// Top-level arrays of numbers: their first hidden GLOBAL and length.
    arrays: HashMap<String, (Loc, usize)>,
}

impl CFile {
    /// Reads every VERBATIM block of `m` in file order; statics become
    /// hidden GLOBALs, `_p_x` of POINTERs hidden columns.
    pub(super) fn new(m: &Module, globals: &mut Vec<VarSpec>, vars: &mut Vec<VarSpec>, pointers: &[String]) -> CFile {
        let mut f = CFile::default();
        let mut pp = pp::Preproc::for_file(m.files.first().map_or("", |f| f.as_str()));
        for item in &m.items {
            match &item.kind {
                ItemKind::Verbatim(text) => {
                    let toks = pp.run(lex(text, item.span.line));
                    for it in parse::items(&toks) {
                        f.item(it, globals);
                    }
                }
                ItemKind::Initial(b) | ItemKind::Breakpoint(b) | ItemKind::Constructor(b) | ItemKind::Destructor(b) | ItemKind::Before(_, b) | ItemKind::After(_, b) => f.block_toks(b, &mut pp),
                ItemKind::NetReceive { body, .. } => f.block_toks(body, &mut pp),
                ItemKind::Procedure(c) | ItemKind::Function(c) => f.block_toks(&c.body, &mut pp),
                ItemKind::Derivative(s) | ItemKind::Kinetic(s) | ItemKind::Linear(s) | ItemKind::NonLinear(s) | ItemKind::Discrete(s) => f.block_toks(&s.body, &mut pp),
                _ => {}
            }
        }
        // Function-level statics keep their values: hidden GLOBALs too.
        let mut decls: Vec<c::Decl> = f.toks.values().flat_map(|t| parse::static_decls(t)).collect();
        for func in f.funcs.values() {
            statics_in(&func.body, &mut decls);
        }
        for d in decls {
            for n in d.names {
                if n.params.is_some() || !n.dims.is_empty() {
                    continue;
                }
                let init = match &n.init {
                    Some(Init::Expr(e)) => const_value(e).unwrap_or(0.0),
                    _ => 0.0,
                };
                let mut spec = VarSpec::new(&n.name, init, VarKind::Assigned);
                spec.hidden = true;
                globals.push(spec);
                f.local_statics.insert((n.line, n.name.clone()), Static { loc: Loc::Global(globals.len() - 1), ty: n.ty.clone() });
            }
        }
        for p in pointers {
            let name = format!("_p_{p}");
            let used = f.toks.values().any(|ts| ts.iter().any(|t| t.t == T::Id(name.clone()))) || f.funcs.values().any(|func| format!("{func:?}").contains(&format!("\"{name}\"")));
            if used {
                let mut s = VarSpec::new(&name, 0.0, VarKind::Assigned);
                s.hidden = true;
                vars.push(s);
                f.handles.insert(name, vars.len() - 1);
            }
        }
        f
    }

    fn block_toks(&mut self, b: &Block_, pp: &mut pp::Preproc) {
        for s in &b.stmts {
            self.stmt_toks(s, pp);
        }
    }

    fn stmt_toks(&mut self, s: &NStmt, pp: &mut pp::Preproc) {
        match &s.kind {
            StmtKind::Verbatim(text) => {
                let toks = pp.run(lex(text, s.span.line));
                self.toks.insert(s.span.lo, toks);
            }
            StmtKind::If { then, else_ifs, else_, .. } => {
                self.block_toks(then, pp);
                for e in else_ifs {
                    self.block_toks(&e.body, pp);
                }
                if let Some(b) = else_ {
                    self.block_toks(b, pp);
                }
            }
            StmtKind::While { body, .. } | StmtKind::From { body, .. } | StmtKind::Block(body) | StmtKind::Initial(body) | StmtKind::ForNetcons { body, .. } => self.block_toks(body, pp),
            StmtKind::Protect(inner) => self.stmt_toks(inner, pp),
            _ => {}
        }
    }

    fn item(&mut self, it: Item, globals: &mut Vec<VarSpec>) {
        match it {
            Item::Func(func) => {
                if func.params.len() == 1 && func.params[0].ty.ptr == 1 && func.params[0].ty.base == Base::Void && func.ret.is_ptr() == false && func.ret.base != Base::Void {
                    self.methods.push(func.name.clone());
                }
                self.funcs.insert(func.name.clone(), func);
            }
            Item::Decl(d) => {
                if d.is_extern || d.is_typedef {
                    return;
                }
                for n in d.names {
                    // Arrays of numbers with constant sizes: hidden GLOBALs.
                    if n.params.is_none() && !n.dims.is_empty() && !n.ty.is_ptr() && n.ty.base != Base::Char && !self.arrays.contains_key(&n.name) {
                        let len = n.dims.iter().map(|d| d.as_ref().and_then(const_value)).try_fold(1.0, |acc, k| k.map(|k| acc * k));
                        if let Some(len) = len.filter(|&l| l >= 1.0 && l <= 1e6) {
                            let items: Vec<f64> = match &n.init {
                                Some(Init::List(items)) => items.iter().map(|it| if let Init::Expr(e) = it { const_value(e).unwrap_or(0.0) } else { 0.0 }).collect(),
                                _ => Vec::new(),
                            };
                            let first = globals.len();
                            for k in 0..len as usize {
                                let mut spec = VarSpec::new(&format!("{}[{k}]", n.name), items.get(k).copied().unwrap_or(0.0), VarKind::Assigned);
                                spec.hidden = true;
                                globals.push(spec);
                            }
                            self.arrays.insert(n.name.clone(), (Loc::Global(first), len as usize));
                        }
                        continue;
                    }
                    // Prototypes, character arrays (rcsid strings) and names
                    // NEURON already gives are not storage nerve keeps.
                    if n.params.is_some() || !n.dims.is_empty() || self.statics.contains_key(&n.name) {
                        continue;
                    }
                    let init = match &n.init {
                        Some(Init::Expr(e)) => const_value(e).unwrap_or(0.0),
                        _ => 0.0,
                    };
                    let mut spec = VarSpec::new(&n.name, init, VarKind::Assigned);
                    spec.hidden = true;
                    globals.push(spec);
                    self.statics.insert(n.name.clone(), Static { loc: Loc::Global(globals.len() - 1), ty: n.ty.clone() });
                }
            }
            Item::Unsupported { line, what } => self.unsupported.push((line, what)),
        }
    }

    /// Whether a block holds VERBATIM pieces (then it is lowered as C).
    pub(super) fn has_verbatim(b: &Block_) -> bool {
        b.stmts.iter().any(|s| matches!(s.kind, StmtKind::Verbatim(_)))
    }

    /// Whether a FUNCTION/PROCEDURE body may return early: it holds
    /// VERBATIM or a `return(…)` anywhere.
    pub(super) fn any_verbatim(b: &Block_) -> bool {
        b.stmts.iter().any(|s| match &s.kind {
            StmtKind::Verbatim(_) => true,
            StmtKind::Call(c) => c.name.name == "return",
            StmtKind::If { then, else_ifs, else_, .. } => Self::any_verbatim(then) || else_ifs.iter().any(|e| Self::any_verbatim(&e.body)) || else_.as_ref().is_some_and(Self::any_verbatim),
            StmtKind::While { body, .. } | StmtKind::From { body, .. } | StmtKind::Block(body) => Self::any_verbatim(body),
            _ => false,
        })
    }
}

/// The `static` declarations in statements, nested ones included.
fn statics_in(stmts: &[c::Stmt], out: &mut Vec<c::Decl>) {
    for s in stmts {
        match &s.k {
            SK::Decl(d) if d.is_static => out.push(d.clone()),
            SK::Block(b) => statics_in(b, out),
            SK::If(_, a, b) => {
                statics_in(std::slice::from_ref(a), out);
                if let Some(b) = b {
                    statics_in(std::slice::from_ref(b), out);
                }
            }
            SK::While(_, b) | SK::Do(b, _) | SK::For(_, _, _, b) => statics_in(std::slice::from_ref(b), out),
            _ => {}
        }
    }
}

/// The value of a constant initializer.
fn const_value(e: &c::Expr) -> Option<f64> {
    match &e.k {
        EK::Int(v) => Some(*v as f64),
        EK::Real(v) => Some(*v),
        EK::Un(UOp::Neg, a) => const_value(a).map(|v| -v),
        EK::Un(UOp::Plus, a) | EK::Cast(_, a) => const_value(a),
        _ => None,
    }
}

/// A C value in a register, with its C type.
#[derive(Clone, Debug)]
struct CV {
    r: Reg,
    ty: Ty,
}

/// Where an lvalue lives.
#[derive(Clone, Debug, PartialEq)]
enum Place {
    /// A C local or an NMODL local/argument.
    Reg(Reg, Ty),
    /// A mechanism variable, C static or `_p_x`.
    Loc(Loc, Ty),
    /// A mechanism array element at an index known at run time.
    Arr(Loc, usize, Reg),
    /// `*p`.
    Mem(Reg, Ty),
}

impl Place {
    fn ty(&self) -> Ty {
        match self {
            Place::Reg(_, t) | Place::Loc(_, t) | Place::Mem(_, t) => t.clone(),
            Place::Arr(..) => Ty::double(),
        }
    }
}

#[derive(Clone, Debug)]
enum CVar {
    Reg(Reg, Ty),
    /// A local array: the register holding its pointer, the element type.
    Arr(Reg, Ty),
    /// A pointer that holds the address of a place (`pv = &_p_x`).
    Alias(Place, Ty),
    /// A `static` variable of a function (a hidden GLOBAL).
    Static(Loc, Ty),
}

/// A function being run (inlined): lanes that have returned, its value.
#[derive(Clone, Debug)]
struct Frame {
    ret: Option<Reg>,
    result: Option<(Reg, Ty)>,
    /// Loops open when the frame began.
    loops: usize,
}

/// Lanes that left the innermost loop (`break`) or its iteration (`continue`).
#[derive(Clone, Copy, Debug)]
struct Loop {
    brk: Reg,
    cont: Reg,
}

/// The generator's C state.
#[derive(Default)]
pub(super) struct CState {
    frames: Vec<Frame>,
    scopes: Vec<HashMap<String, CVar>>,
    loops: Vec<Loop>,
    /// Returns, breaks and continues lowered so far (masks narrow after one).
    pub(super) exits: u32,
    /// Lanes returned from the block itself (outside any function).
    root_ret: Option<Reg>,
    depth: usize,
}

/// NEURON's C functions of one double: the ops they are.
fn math1(name: &str) -> Option<F1> {
    Some(match name {
        "exp" | "hoc_Exp" => F1::Exp,
        "log" => F1::Log,
        "log10" => F1::Log10,
        "fabs" => F1::Fabs,
        "sqrt" => F1::Sqrt,
        "sin" => F1::Sin,
        "cos" => F1::Cos,
        "tan" => F1::Tan,
        "tanh" => F1::Tanh,
        "sinh" => F1::Sinh,
        "cosh" => F1::Cosh,
        "atan" => F1::Atan,
        "asin" => F1::Asin,
        "acos" => F1::Acos,
        "floor" => F1::Floor,
        "ceil" => F1::Ceil,
        _ => return None,
    })
}

fn math2(name: &str) -> Option<F2> {
    Some(match name {
        "pow" => F2::Pow,
        "fmod" => F2::Fmod,
        "atan2" => F2::Atan2,
        "fmin" => F2::Min,
        "fmax" => F2::Max,
        _ => return None,
    })
}

/// Named constants C code uses (math.h's, NEURON's).
fn named_const(name: &str) -> Option<f64> {
    Some(match name {
        "M_PI" => std::f64::consts::PI,
        "M_E" => std::f64::consts::E,
        "M_LN2" => std::f64::consts::LN_2,
        "M_LN10" => std::f64::consts::LN_10,
        "M_SQRT2" => std::f64::consts::SQRT_2,
        "M_PI_2" => std::f64::consts::FRAC_PI_2,
        "M_2_PI" => std::f64::consts::FRAC_2_PI,
        "M_1_PI" => std::f64::consts::FRAC_1_PI,
        "hoc_epsilon" => 1e-11,
        "INT_MAX" => i32::MAX as f64,
        "INT_MIN" => i32::MIN as f64,
        "LONG_MAX" => i64::MAX as f64,
        "RAND_MAX" => i32::MAX as f64,
        "DBL_MAX" => f64::MAX,
        "DBL_MIN" => f64::MIN_POSITIVE,
        "FLT_MAX" => f32::MAX as f64,
        "HUGE_VAL" | "INFINITY" => f64::INFINITY,
        // One thread: the instance's thread is NEURON's first (`_nt != nrn_threads` is false).
        "_nt" | "nrn_threads" => 1.0,
        "EXIT_FAILURE" => 1.0,
        "EXIT_SUCCESS" => 0.0,
        _ => return None,
    })
}

/// Arguments nocmodl passes to every FUNCTION/PROCEDURE, dropped in calls.
fn is_thread_arg(e: &c::Expr) -> bool {
    matches!(&e.k, EK::Id(n) if matches!(n.as_str(), "_p" | "_ppvar" | "_thread" | "_nt" | "_ml" | "_iml" | "_threadargs_"))
}

fn span_at(line: u32) -> Span {
    Span { lo: 0, hi: 0, line, col: 1, file: 0 }
}

impl Gen<'_, '_> {
    /// A register holding the value of `op`.
    fn op2(&mut self, f: F2, a: Reg, b: Reg) -> Reg {
        let d = self.reg();
        self.b.ops.push(Op::F2(f, d, a, b));
        d
    }

    pub(super) fn op1(&mut self, f: F1, a: Reg) -> Reg {
        let d = self.reg();
        self.b.ops.push(Op::F1(f, d, a));
        d
    }

    /// `mask & m` (or m alone).
    fn and_mask(&mut self, m: Reg) -> Reg {
        match self.mask {
            Some(outer) => self.op2(F2::And, outer, m),
            None => m,
        }
    }

    /// The lanes the current function and loop have left.
    fn exited(&mut self) -> Option<Reg> {
        let mut regs = Vec::new();
        match self.c.frames.last() {
            Some(f) => {
                regs.extend(f.ret);
                if self.c.loops.len() > f.loops {
                    let l = *self.c.loops.last().unwrap();
                    regs.extend([l.brk, l.cont]);
                }
            }
            None => {
                regs.extend(self.c.root_ret);
                if let Some(l) = self.c.loops.last() {
                    regs.extend([l.brk, l.cont]);
                }
            }
        }
        let mut acc: Option<Reg> = None;
        for r in regs {
            acc = Some(match acc {
                None => r,
                Some(a) => self.op2(F2::Or, a, r),
            });
        }
        acc
    }

    /// The mask after a statement that returned, broke or continued in some
    /// lanes: `base` without them.
    pub(super) fn c_refresh(&mut self, base: Option<Reg>) {
        let Some(x) = self.exited() else { return };
        self.mask = Some(match base {
            Some(b) => self.op2(F2::AndNot, b, x),
            None => self.op1(F1::Not, x),
        });
    }

    /// A function frame for an inlined FUNCTION/PROCEDURE whose body has
    /// VERBATIM (a C `return` may leave it early).
    pub(super) fn c_frame_push(&mut self, body: &Block_, result: Option<Reg>) -> bool {
        if !CFile::any_verbatim(body) {
            return false;
        }
        let ret = self.zeroed();
        self.c.frames.push(Frame { ret: Some(ret), result: result.map(|r| (r, Ty::double())), loops: self.c.loops.len() });
        true
    }

    pub(super) fn c_frame_pop(&mut self) {
        self.c.frames.pop();
    }

    /// Before the block is finished: the lanes-returned register of the
    /// block itself starts at 0 (its first op; jumps move by one).
    pub(super) fn c_finish(&mut self) {
        if let Some(r) = self.c.root_ret.take() {
            for op in self.b.ops.iter_mut() {
                if let Op::Jump(t) | Op::JumpIfZero(_, t) | Op::JumpIfNone(_, t) = op {
                    *t += 1;
                }
            }
            self.b.ops.insert(0, Op::Const(r, 0.0));
        }
    }

    /// A VERBATIM statement on its own.
    pub(super) fn verbatim_alone(&mut self, s: &NStmt) -> CResult<()> {
        let toks = self.cx.c.toks.get(&s.span.lo).cloned().unwrap_or_default();
        self.c_tokens(&toks, &[])
    }

    /// A block with VERBATIM pieces: its pieces and NMODL statements read
    /// as one C statement list.
    pub(super) fn verbatim_block(&mut self, b: &Block_) -> CResult<()> {
        let mut toks = Vec::new();
        for (k, s) in b.stmts.iter().enumerate() {
            match &s.kind {
                StmtKind::Verbatim(_) => toks.extend(self.cx.c.toks.get(&s.span.lo).cloned().unwrap_or_default()),
                _ => toks.push(Tok { t: T::Nmodl(k), line: s.span.line }),
            }
        }
        self.c_tokens(&toks, &b.stmts)
    }

    fn c_tokens(&mut self, toks: &[Tok], nmodl: &[NStmt]) -> CResult<()> {
        let stmts = parse::block_stmts(toks);
        self.scopes.push(HashMap::new());
        self.c.scopes.push(HashMap::new());
        let base = self.mask;
        let r = self.c_stmts(&stmts, nmodl);
        self.mask = base;
        self.c.scopes.pop();
        self.scopes.pop();
        r
    }

    fn c_stmts(&mut self, stmts: &[c::Stmt], nmodl: &[NStmt]) -> CResult<()> {
        let base = self.mask;
        let mark = self.stack_mark(stmts);
        for s in stmts {
            let n = self.c.exits;
            self.c_stmt(s, nmodl)?;
            if self.c.exits != n {
                self.c_refresh(base);
            }
        }
        if let Some(m) = mark {
            let d = self.reg();
            self.b.ops.push(Op::C { f: CFn::StackRelease, dst: d, args: m, n: 1, mask: None });
        }
        Ok(())
    }

    /// A stack mark if the statements declare local arrays.
    fn stack_mark(&mut self, stmts: &[c::Stmt]) -> Option<Reg> {
        let arrays = stmts.iter().any(|s| matches!(&s.k, SK::Decl(d) if d.names.iter().any(|n| !n.dims.is_empty())));
        if !arrays {
            return None;
        }
        let m = self.reg();
        self.b.ops.push(Op::C { f: CFn::StackMark, dst: m, args: m, n: 0, mask: None });
        Some(m)
    }

    /// A statement; C it cannot lower becomes a run-time error there.
    fn c_stmt(&mut self, s: &c::Stmt, nmodl: &[NStmt]) -> CResult<()> {
        match self.c_stmt_inner(s, nmodl) {
            Ok(r) => r,
            Err(why) => {
                self.fail_here(s.line, &why);
                Ok(())
            }
        }
    }

    /// An op that stops the run with `file:line: why` in the active lanes.
    fn fail_here(&mut self, line: u32, why: &str) {
        let msg = self.b.strings.len() as u32;
        self.b.strings.push(format!("{}:{line}: {why}", self.cx.file));
        self.b.ops.push(Op::Fail { mask: self.mask, msg });
    }

    /// Ok(Err) is an NMODL error (the file does not compile); Err is C nerve does not take.
    fn c_stmt_inner(&mut self, s: &c::Stmt, nmodl: &[NStmt]) -> U<CResult<()>> {
        match &s.k {
            SK::Nmodl(k) => {
                let Some(st) = nmodl.get(*k) else { return Ok(Ok(())) };
                return Ok(self.stmt(st));
            }
            SK::Empty => {}
            SK::Unsupported(text) => return Err(format!("{text}: C that nerve does not take")),
            SK::Expr(e) => {
                self.c_expr(e)?;
            }
            SK::Decl(d) => self.c_decl(d)?,
            SK::Block(b) => {
                self.c.scopes.push(HashMap::new());
                self.scopes.push(HashMap::new());
                let r = self.c_stmts(b, nmodl);
                self.scopes.pop();
                self.c.scopes.pop();
                return Ok(r);
            }
            SK::If(cond, then, els) => {
                let c = self.c_cond(cond)?;
                let base = self.mask;
                let m = self.and_mask(c);
                self.mask = Some(m);
                let r = self.c_stmt(then, nmodl);
                self.mask = base;
                if let Err(e) = r {
                    return Ok(Err(e));
                }
                if let Some(e) = els {
                    // Lanes that left in the then-branch stay out (they were
                    // not in the else-lanes anyway).
                    let nc = self.op1(F1::Not, c);
                    let m = self.and_mask(nc);
                    self.mask = Some(m);
                    let r = self.c_stmt(e, nmodl);
                    self.mask = base;
                    return Ok(r);
                }
            }
            SK::While(cond, body) => return self.c_loop(Some(cond), body, None, false, nmodl),
            SK::Do(body, cond) => return self.c_loop(Some(cond), body, None, true, nmodl),
            SK::For(init, cond, step, body) => {
                self.c.scopes.push(HashMap::new());
                let r = (|| {
                    if let Some(i) = init {
                        match self.c_stmt_inner(i, nmodl)? {
                            Ok(()) => {}
                            e => return Ok(e),
                        }
                    }
                    self.c_loop(cond.as_ref(), body, step.as_ref(), false, nmodl)
                })();
                self.c.scopes.pop();
                return r;
            }
            SK::Return(e) => self.c_return(e.as_ref())?,
            SK::Break | SK::Continue => {
                let Some(l) = self.c.loops.last().copied() else { return Err("break/continue outside a loop".into()) };
                if self.c.frames.last().is_some_and(|f| f.loops == self.c.loops.len()) {
                    return Err("break/continue outside a loop".into());
                }
                let target = if matches!(s.k, SK::Break) { l.brk } else { l.cont };
                self.mark_exit(target);
            }
        }
        Ok(Ok(()))
    }

    /// target |= the active lanes.
    fn mark_exit(&mut self, target: Reg) {
        match self.mask {
            Some(m) => {
                let d = self.op2(F2::Or, target, m);
                self.b.ops.push(Op::Mov(target, d));
            }
            None => self.b.ops.push(Op::Const(target, 1.0)),
        }
        self.c.exits += 1;
    }

    /// `return(value)` in NMODL code: nocmodl writes it into its C as it
    /// is, so it is C's return from the function around it (with the
    /// FUNCTION's value).
    pub(super) fn nmodl_return(&mut self, value: Option<Reg>) -> CResult<()> {
        let frame = self.c.frames.last().cloned();
        if let (Some(v), Some(Frame { result: Some((r, _)), .. })) = (value, &frame) {
            self.assign_reg(*r, v);
        }
        let ret = match frame.and_then(|f| f.ret) {
            Some(r) => r,
            None => match self.c.root_ret {
                Some(r) => r,
                None => {
                    let r = self.reg();
                    self.c.root_ret = Some(r);
                    r
                }
            },
        };
        self.mark_exit(ret);
        Ok(())
    }

    fn c_return(&mut self, e: Option<&c::Expr>) -> U<()> {
        let frame = self.c.frames.last().cloned();
        if let (Some(e), Some(Frame { result: Some((r, ty)), .. })) = (e, &frame) {
            let v = self.c_expr(e)?;
            let v = self.convert(v, ty);
            self.assign_reg(*r, v);
        } else if let Some(e) = e {
            // A PROCEDURE's `return 0;` (or a block's): the value goes nowhere.
            if !matches!(e.k, EK::Int(_) | EK::Real(_)) {
                self.c_expr(e)?;
            }
        }
        let ret = match frame.and_then(|f| f.ret) {
            Some(r) => r,
            None if self.c.frames.is_empty() => match self.c.root_ret {
                Some(r) => r,
                None => {
                    let r = self.reg();
                    self.c.root_ret = Some(r);
                    r
                }
            },
            None => return Err("return here".into()),
        };
        self.mark_exit(ret);
        Ok(())
    }

    /// A loop: the body runs under the lanes still in it until none is.
    fn c_loop(&mut self, cond: Option<&c::Expr>, body: &c::Stmt, step: Option<&c::Expr>, test_after: bool, nmodl: &[NStmt]) -> U<CResult<()>> {
        let outer = self.mask;
        let brk = self.zeroed();
        let top = self.b.ops.len();
        let cont = self.zeroed();
        // In the loop this iteration: outer lanes that have not left.
        let ret = self.c.frames.last().map_or(self.c.root_ret, |f| f.ret);
        let mut gone = brk;
        if let Some(r) = ret {
            gone = self.op2(F2::Or, brk, r);
        }
        let m = match outer {
            Some(o) => self.op2(F2::AndNot, o, gone),
            None => self.op1(F1::Not, gone),
        };
        self.mask = Some(m);
        let m = if let (Some(c), false) = (cond, test_after) {
            let cv = self.c_cond(c)?;
            // Lanes whose condition fails leave for good.
            let fail = self.op2(F2::AndNot, m, cv);
            let b2 = self.op2(F2::Or, brk, fail);
            self.b.ops.push(Op::Mov(brk, b2));
            self.op2(F2::And, m, cv)
        } else {
            m
        };
        let exit = self.b.ops.len();
        self.b.ops.push(Op::JumpIfNone(m, 0));
        self.mask = Some(m);
        self.c.loops.push(Loop { brk, cont });
        let r = self.c_stmt(body, nmodl);
        self.c.loops.pop();
        if let Err(e) = r {
            self.mask = outer;
            return Ok(Err(e));
        }
        // Lanes that continued are back; those that broke or returned are not.
        let mut gone = self.op2(F2::Or, brk, ret.unwrap_or(brk));
        gone = self.op2(F2::AndNot, gone, cont);
        let m2 = self.op2(F2::AndNot, m, gone);
        self.mask = Some(m2);
        if let Some(st) = step {
            self.c_expr(st)?;
        }
        if let (Some(c), true) = (cond, test_after) {
            let cv = self.c_cond(c)?;
            let fail = self.op2(F2::AndNot, m2, cv);
            let b2 = self.op2(F2::Or, brk, fail);
            self.b.ops.push(Op::Mov(brk, b2));
        }
        self.b.ops.push(Op::Jump(top as u32));
        let end = self.b.ops.len() as u32;
        self.b.ops[exit] = Op::JumpIfNone(m, end);
        self.mask = outer;
        if ret.is_some() {
            self.c.exits += 1;
        }
        Ok(Ok(()))
    }

    fn c_decl(&mut self, d: &c::Decl) -> U<()> {
        if d.is_extern || d.is_typedef {
            return Ok(());
        }
        if d.is_static {
            for n in &d.names {
                let Some(st) = self.cx.c.local_statics.get(&(n.line, n.name.clone())) else { return Err(format!("static {}: an array or function", n.name)) };
                let var = CVar::Static(st.loc, st.ty.clone());
                self.c.scopes.last_mut().unwrap().insert(n.name.clone(), var);
            }
            return Ok(());
        }
        for n in &d.names {
            if n.params.is_some() {
                continue;
            }
            if !n.dims.is_empty() {
                let mut len = 1.0;
                for dim in &n.dims {
                    let Some(k) = dim.as_ref().and_then(const_value) else { return Err(format!("{}: an array needs a constant size", n.name)) };
                    len *= k;
                }
                let kr = self.konst(len);
                let p = self.reg();
                self.b.ops.push(Op::C { f: CFn::Alloca, dst: p, args: kr, n: 1, mask: None });
                if let Some(Init::List(items)) = &n.init {
                    for (k, it) in items.iter().enumerate() {
                        if let Init::Expr(e) = it {
                            let v = self.c_expr(e)?;
                            let v = self.convert(v, &n.ty);
                            let kk = self.konst(k as f64);
                            let at = self.op2(F2::Add, p, kk);
                            self.b.ops.push(Op::Store { src: v, ptr: at, mask: self.mask });
                        }
                    }
                }
                let elem = n.ty.clone();
                self.c.scopes.last_mut().unwrap().insert(n.name.clone(), CVar::Arr(p, elem));
                continue;
            }
            let r = self.zeroed();
            self.c.scopes.last_mut().unwrap().insert(n.name.clone(), CVar::Reg(r, n.ty.clone()));
            match &n.init {
                Some(Init::Expr(e)) => {
                    if let Some(place) = self.address_of(e)? {
                        self.c.scopes.last_mut().unwrap().insert(n.name.clone(), CVar::Alias(place, n.ty.clone()));
                        continue;
                    }
                    let v = self.c_expr(e)?;
                    let v = self.convert(v, &n.ty);
                    self.assign_reg(r, v);
                }
                Some(Init::List(_)) => return Err(format!("{}: a brace initializer for a scalar", n.name)),
                None => {}
            }
        }
        Ok(())
    }

    /// `&place` (through casts): the place, if e takes an address.
    fn address_of(&mut self, e: &c::Expr) -> U<Option<Place>> {
        match &e.k {
            EK::Cast(_, a) => self.address_of(a),
            EK::Un(UOp::Addr, a) => Ok(Some(self.place(a)?)),
            _ => Ok(None),
        }
    }

    /// v converted to type ty (C's truncation to int).
    fn convert(&mut self, v: CV, ty: &Ty) -> Reg {
        if ty.is_int() && !v.ty.is_int() {
            return self.op1(F1::Trunc, v.r);
        }
        v.r
    }

    /// A condition: nonzero is true.
    fn c_cond(&mut self, e: &c::Expr) -> U<Reg> {
        let v = self.c_expr(e)?;
        let z = self.konst(0.0);
        Ok(self.op2(F2::Ne, v.r, z))
    }

    /// A name NMODL code uses without declaring it: nocmodl writes it as
    /// it is into its C, so it is the C variable in scope there — a local
    /// of the VERBATIM pieces around the statement (nocmodl pastes them and
    /// the statements into one C function), or a `static` of the file's
    /// top-level C.
    pub(super) fn c_local(&self, name: &str) -> Option<E> {
        match self.lookup_c(name) {
            Some(CVar::Reg(r, t)) if !t.is_ptr() => Some(E::Local(r)),
            Some(CVar::Static(l, t)) if !t.is_ptr() => Some(E::Loc(l)),
            Some(_) => None,
            None => self.cx.c.statics.get(name).filter(|s| !s.ty.is_ptr()).map(|s| E::Loc(s.loc)),
        }
    }

    /// Whether an NMODL assignment's target is an integer C variable (C
    /// truncates what is stored there).
    pub(super) fn c_int_target(&self, target: &E) -> bool {
        let local = self.c.scopes.iter().flat_map(|s| s.values()).any(|v| match (v, target) {
            (CVar::Reg(r, t), E::Local(x)) => r == x && t.is_int(),
            (CVar::Static(l, t), E::Loc(x)) => l == x && t.is_int(),
            _ => false,
        });
        local || matches!(target, E::Loc(Loc::Hoc(crate::ir::HocVar::Stoprun))) || matches!(target, E::Loc(x) if self.cx.c.statics.values().any(|s| s.loc == *x && s.ty.is_int()))
    }

    fn lookup_c(&self, name: &str) -> Option<CVar> {
        self.c.scopes.iter().rev().find_map(|s| s.get(name).cloned())
    }

    /// The place a name is.
    fn name_place(&mut self, name: &str) -> U<Place> {
        if let Some(v) = self.lookup_c(name) {
            return match v {
                CVar::Reg(r, t) => Ok(Place::Reg(r, t)),
                CVar::Static(l, t) => Ok(Place::Loc(l, t)),
                CVar::Arr(..) => Err(format!("{name} is an array")),
                CVar::Alias(..) => Err(format!("{name} holds an address")),
            };
        }
        if let Some(local) = name.strip_prefix("_l") {
            for s in self.scopes.iter().rev() {
                if let Some(&r) = s.get(local) {
                    return Ok(Place::Reg(r, Ty::double()));
                }
            }
        }
        if let Some(var) = name.strip_prefix("_ion_") {
            if let Some(Name::Loc(l @ Loc::Ion(..))) = self.cx.names.get(var) {
                return Ok(Place::Loc(*l, Ty::double()));
            }
            return Err(format!("{name}: {var} is not an ion variable the mechanism reads"));
        }
        if let Some(&col) = self.cx.c.handles.get(name) {
            return Ok(Place::Loc(Loc::Col(col), Ty { base: Base::Void, ptr: 1 }));
        }
        if let Some(s) = self.cx.c.statics.get(name) {
            return Ok(Place::Loc(s.loc, s.ty.clone()));
        }
        if let (None, Some(v)) = (self.cx.names.get(name), crate::ir::HocVar::named(name)) {
            let ty = if v == crate::ir::HocVar::Stoprun { Ty::int() } else { Ty::double() };
            return Ok(Place::Loc(Loc::Hoc(v), ty));
        }
        match self.cx.names.get(name) {
            Some(Name::Loc(l)) => Ok(Place::Loc(*l, Ty::double())),
            Some(Name::Arr(..)) => Err(format!("{name} is an array; C code must index it")),
            Some(Name::Const(_)) => Err(format!("{name} is a constant")),
            Some(Name::Random(_)) => Err(format!("{name} is a RANDOM variable")),
            None => Err(format!("{name} is not a name nerve knows here")),
        }
    }

    /// The place an lvalue expression is.
    fn place(&mut self, e: &c::Expr) -> U<Place> {
        match &e.k {
            EK::Id(name) => self.name_place(name),
            EK::Un(UOp::Deref, a) => self.deref_place(a),
            EK::Index(a, i) => {
                if let EK::Id(name) = &a.k {
                    // NET_RECEIVE's weights (nocmodl's `_args`).
                    if name == "_args" && self.nweights > 0 && self.lookup_c(name).is_none() {
                        return match const_value(i) {
                            Some(k) if k >= 0.0 && (k as usize) < self.nweights && k.fract() == 0.0 => Ok(Place::Loc(Loc::Arg(k as usize), Ty::double())),
                            Some(k) => Err(format!("_args[{k}]: NET_RECEIVE has {} arguments", self.nweights)),
                            None => Err("_args indexed by a value known only at run time".into()),
                        };
                    }
                    if self.lookup_c(name).is_none() {
                        if let Some(&Name::Arr(base, len)) = self.cx.names.get(name) {
                            let iv = self.c_expr(i)?;
                            return Ok(Place::Arr(base, len, iv.r));
                        }
                        if let (None, Some(&(base, len))) = (self.cx.names.get(name), self.cx.c.arrays.get(name)) {
                            let iv = self.c_expr(i)?;
                            return Ok(Place::Arr(base, len, iv.r));
                        }
                    }
                }
                let p = self.c_expr(a)?;
                if !p.ty.is_ptr() {
                    return Err("indexing something that is not a pointer or array".into());
                }
                let iv = self.c_expr(i)?;
                let at = self.op2(F2::Add, p.r, iv.r);
                Ok(Place::Mem(at, p.ty.deref()))
            }
            EK::Cast(_, a) => self.place(a),
            EK::Member(..) => Err("a struct member".into()),
            _ => Err("not something that can be assigned".into()),
        }
    }

    fn deref_place(&mut self, a: &c::Expr) -> U<Place> {
        // `*pv` where pv holds an address, `*&x`.
        if let EK::Id(n) = &a.k {
            if let Some(CVar::Alias(p, _)) = self.lookup_c(n) {
                return Ok(p);
            }
        }
        if let Some(p) = self.address_of(a)? {
            return Ok(p);
        }
        let p = self.c_expr(a)?;
        if !p.ty.is_ptr() {
            return Err("`*` of something that is not a pointer".into());
        }
        Ok(Place::Mem(p.r, p.ty.deref()))
    }

    fn read(&mut self, p: &Place) -> U<CV> {
        Ok(match p {
            Place::Reg(r, t) => CV { r: *r, ty: t.clone() },
            Place::Loc(l, t) => {
                let r = self.home(*l);
                CV { r, ty: t.clone() }
            }
            Place::Arr(base, len, idx) => {
                let d = self.reg();
                self.b.ops.push(Op::LoadArr { dst: d, base: *base, len: *len as u32, idx: *idx });
                self.note_dynamic(*base);
                CV { r: d, ty: Ty::double() }
            }
            Place::Mem(ptr, t) => {
                let d = self.reg();
                self.b.ops.push(Op::Load { dst: d, ptr: *ptr, mask: self.mask });
                CV { r: d, ty: t.clone() }
            }
        })
    }

    fn note_dynamic(&mut self, base: Loc) {
        if !self.dynamic.borrow().contains(&base) {
            self.dynamic.borrow_mut().push(base);
        }
    }

    fn write(&mut self, p: &Place, v: CV, line: u32) -> U<Reg> {
        let r = self.convert(v, &p.ty());
        match p {
            Place::Reg(d, _) => self.assign_reg(*d, r),
            Place::Loc(l, _) => {
                if matches!(l, Loc::Ptr(_)) {
                    // A POINTER's target through its name: as NMODL assigns it.
                    return Err("assigning through a POINTER".into());
                }
                self.assign(&E::Loc(*l), r, span_at(line)).map_err(|e| e.message)?;
            }
            Place::Arr(base, len, idx) => {
                self.note_dynamic(*base);
                self.b.ops.push(Op::StoreArr { src: r, base: *base, len: *len as u32, idx: *idx, mask: self.mask });
            }
            Place::Mem(ptr, _) => self.b.ops.push(Op::Store { src: r, ptr: *ptr, mask: self.mask }),
        }
        Ok(r)
    }

    fn num(&mut self, x: f64, int: bool) -> CV {
        CV { r: self.konst(x), ty: if int { Ty::int() } else { Ty::double() } }
    }

    /// An expression's value.
    fn c_expr(&mut self, e: &c::Expr) -> U<CV> {
        Ok(match &e.k {
            EK::Int(v) => self.num(*v as f64, true),
            EK::Real(v) => self.num(*v, false),
            EK::Str(s) => return Err(format!("the string \"{s}\" where nerve needs a number")),
            EK::Id(name) => {
                if let Some(CVar::Arr(p, t)) = self.lookup_c(name) {
                    return Ok(CV { r: p, ty: Ty { base: t.base, ptr: t.ptr + 1 } });
                }
                if let Some(c) = named_const(name) {
                    return Ok(self.num(c, false));
                }
                if self.lookup_c(name).is_none() && !name.starts_with("_l") {
                    if let Some(Name::Const(c)) = self.cx.names.get(name.as_str()) {
                        return Ok(self.num(*c, false));
                    }
                }
                let p = self.name_place(name)?;
                self.read(&p)?
            }
            EK::Un(op, a) => self.c_unary(*op, a, e.line)?,
            EK::Bin(BOp::And, a, b) | EK::Bin(BOp::Or, a, b) => {
                let and = matches!(e.k, EK::Bin(BOp::And, ..));
                let x = self.c_cond(a)?;
                // The right side runs only where the left does not decide.
                let base = self.mask;
                let sel = if and { x } else { self.op1(F1::Not, x) };
                let m = self.and_mask(sel);
                self.mask = Some(m);
                let y = self.c_cond(b);
                self.mask = base;
                let y = y?;
                let r = self.op2(if and { F2::And } else { F2::Or }, x, y);
                CV { r, ty: Ty::int() }
            }
            EK::Bin(BOp::Comma, a, b) => {
                self.c_expr(a)?;
                self.c_expr(b)?
            }
            EK::Bin(op, a, b) => {
                let x = self.c_expr(a)?;
                let y = self.c_expr(b)?;
                self.arith(*op, x, y)?
            }
            EK::Assign(op, lhs, rhs) => {
                // `x = _ion_x` where x is the ion variable itself: nothing to do.
                if let (None, EK::Id(l), EK::Id(r)) = (op, &lhs.k, &rhs.k) {
                    if r.strip_prefix("_ion_") == Some(l.as_str()) && self.lookup_c(l).is_none() {
                        if let Ok(Place::Loc(loc @ Loc::Ion(..), _)) = self.name_place(l) {
                            let h = self.home(loc);
                            return Ok(CV { r: h, ty: Ty::double() });
                        }
                    }
                }
                // A pointer variable given an address: `pv = (void**)&_p_x`.
                if op.is_none() {
                    if let EK::Id(n) = &lhs.k {
                        if let Some(CVar::Reg(_, t) | CVar::Alias(_, t)) = self.lookup_c(n) {
                            if let Some(place) = self.address_of(rhs)? {
                                for s in self.c.scopes.iter_mut().rev() {
                                    if s.contains_key(n) {
                                        s.insert(n.clone(), CVar::Alias(place, t));
                                        break;
                                    }
                                }
                                return Ok(self.num(0.0, true));
                            }
                        }
                    }
                }
                let p = self.place(lhs)?;
                let v = self.c_expr(rhs)?;
                let v = match op {
                    None => v,
                    Some(o) => {
                        let old = self.read(&p)?;
                        self.arith(*o, old, v)?
                    }
                };
                let ty = p.ty();
                let r = self.write(&p, v, e.line)?;
                CV { r, ty }
            }
            EK::Cond(c, a, b) => {
                let cv = self.c_cond(c)?;
                let base = self.mask;
                let m = self.and_mask(cv);
                self.mask = Some(m);
                let x = self.c_expr(a);
                let nc = self.op1(F1::Not, cv);
                let m = self.and_mask_from(base, nc);
                self.mask = Some(m);
                let y = self.c_expr(b);
                self.mask = base;
                let (x, y) = (x?, y?);
                let d = self.reg();
                self.b.ops.push(Op::Select(d, cv, x.r, y.r));
                let ty = if x.ty.is_int() && y.ty.is_int() { Ty::int() } else if x.ty.is_ptr() { x.ty } else { Ty::double() };
                CV { r: d, ty }
            }
            EK::Call(f, args) => {
                let EK::Id(name) = &f.k else { return Err("a call through a function pointer".into()) };
                self.c_call(name, args, e.line)?
            }
            EK::Index(..) => {
                let p = self.place(e)?;
                self.read(&p)?
            }
            EK::Member(_, f, _) => return Err(format!("->{f}: struct members")),
            EK::Cast(t, a) => {
                let v = self.c_expr(a)?;
                if t.is_int() && !v.ty.is_int() {
                    let r = self.op1(F1::Trunc, v.r);
                    CV { r, ty: t.clone() }
                } else {
                    CV { r: v.r, ty: t.clone() }
                }
            }
            EK::SizeofTy(_) | EK::SizeofExpr(_) => self.num(1.0, true),
        })
    }

    fn and_mask_from(&mut self, base: Option<Reg>, m: Reg) -> Reg {
        match base {
            Some(b) => self.op2(F2::And, b, m),
            None => m,
        }
    }

    fn c_unary(&mut self, op: UOp, a: &c::Expr, line: u32) -> U<CV> {
        Ok(match op {
            UOp::Neg => {
                let v = self.c_expr(a)?;
                let r = self.op1(F1::Neg, v.r);
                CV { r, ty: v.ty }
            }
            UOp::Plus => self.c_expr(a)?,
            UOp::Not => {
                let v = self.c_expr(a)?;
                let r = self.op1(F1::Not, v.r);
                CV { r, ty: Ty::int() }
            }
            UOp::BitNot => {
                let v = self.c_expr(a)?;
                let r = self.op1(F1::BitNot, v.r);
                CV { r, ty: Ty::int() }
            }
            UOp::Deref => {
                let p = self.deref_place(a)?;
                self.read(&p)?
            }
            UOp::Addr => return Err("taking an address (&) here".into()),
            UOp::PreInc | UOp::PreDec | UOp::PostInc | UOp::PostDec => {
                let p = self.place(a)?;
                let old = self.read(&p)?;
                // Keep the old value: the place's register changes.
                let keep = self.reg();
                self.b.ops.push(Op::Mov(keep, old.r));
                let one = self.konst(1.0);
                let f = if matches!(op, UOp::PreInc | UOp::PostInc) { F2::Add } else { F2::Sub };
                let new = self.op2(f, keep, one);
                let ty = old.ty.clone();
                let r = self.write(&p, CV { r: new, ty: ty.clone() }, line)?;
                if matches!(op, UOp::PreInc | UOp::PreDec) {
                    CV { r, ty }
                } else {
                    CV { r: keep, ty }
                }
            }
        })
    }

    /// x op y with C's conversions (int op int is int; `/` truncates).
    fn arith(&mut self, op: BOp, x: CV, y: CV) -> U<CV> {
        let ints = x.ty.is_int() && y.ty.is_int();
        let num_ty = if ints { Ty::int() } else { Ty::double() };
        Ok(match op {
            BOp::Add | BOp::Sub => {
                let f = if op == BOp::Add { F2::Add } else { F2::Sub };
                let r = self.op2(f, x.r, y.r);
                let ty = if x.ty.is_ptr() && y.ty.is_ptr() {
                    Ty::int()
                } else if x.ty.is_ptr() {
                    x.ty
                } else if y.ty.is_ptr() {
                    y.ty
                } else {
                    num_ty
                };
                CV { r, ty }
            }
            BOp::Mul => CV { r: self.op2(F2::Mul, x.r, y.r), ty: num_ty },
            BOp::Div => {
                let q = self.op2(F2::Div, x.r, y.r);
                if ints {
                    CV { r: self.op1(F1::Trunc, q), ty: num_ty }
                } else {
                    CV { r: q, ty: num_ty }
                }
            }
            BOp::Rem => {
                if !ints {
                    return Err("% of a double".into());
                }
                CV { r: self.op2(F2::Fmod, x.r, y.r), ty: num_ty }
            }
            BOp::Lt | BOp::Gt | BOp::Le | BOp::Ge | BOp::Eq | BOp::Ne => {
                let f = match op {
                    BOp::Lt => F2::Lt,
                    BOp::Gt => F2::Gt,
                    BOp::Le => F2::Le,
                    BOp::Ge => F2::Ge,
                    BOp::Eq => F2::Eq,
                    _ => F2::Ne,
                };
                CV { r: self.op2(f, x.r, y.r), ty: Ty::int() }
            }
            BOp::BitAnd | BOp::BitOr | BOp::BitXor | BOp::Shl | BOp::Shr => {
                if !ints {
                    return Err("a bitwise operator on a double".into());
                }
                let f = match op {
                    BOp::BitAnd => F2::BitAnd,
                    BOp::BitOr => F2::BitOr,
                    BOp::BitXor => F2::BitXor,
                    BOp::Shl => F2::Shl,
                    _ => F2::Shr,
                };
                CV { r: self.op2(f, x.r, y.r), ty: Ty::int() }
            }
            BOp::And | BOp::Or | BOp::Comma => unreachable!("handled by c_expr"),
        })
    }

    /// A C API call with arguments in consecutive registers.
    fn capi(&mut self, f: CFn, args: &[Reg]) -> Reg {
        let first = self.b.nregs;
        self.b.nregs += args.len() as u32;
        for (k, &a) in args.iter().enumerate() {
            self.b.ops.push(Op::Mov(first + k as u32, a));
        }
        let d = self.reg();
        self.b.ops.push(Op::C { f, dst: d, args: first, n: args.len() as u32, mask: self.mask });
        d
    }

    fn arg_values(&mut self, args: &[c::Expr]) -> U<Vec<CV>> {
        args.iter().map(|a| self.c_expr(a)).collect()
    }

    fn want(name: &str, args: &[c::Expr], n: usize) -> U<()> {
        if args.len() != n {
            return Err(format!("{name} takes {n} argument{}, given {}", if n == 1 { "" } else { "s" }, args.len()));
        }
        Ok(())
    }

    /// The string a literal argument holds.
    fn str_arg(e: &c::Expr) -> Option<String> {
        match &e.k {
            EK::Str(s) => Some(s.clone()),
            EK::Cast(_, a) => Self::str_arg(a),
            _ => None,
        }
    }

    fn ptr_ty() -> Ty {
        Ty { base: Base::Double, ptr: 1 }
    }

    fn obj_ty() -> Ty {
        Ty { base: Base::Void, ptr: 1 }
    }

    /// `n = vector_instance_px(vv, &x)` / `vector_arg_px(i, &x)`: x gets the
    /// data, the value is the size.
    fn vector_px(&mut self, v: Reg, out: &c::Expr, line: u32) -> U<CV> {
        let EK::Un(UOp::Addr, target) = &out.k else { return Err("the second argument must be &pointer".into()) };
        let p = self.place(target)?;
        self.write(&p, CV { r: v, ty: Self::ptr_ty() }, line)?;
        let n = self.capi(CFn::VecLen, &[v]);
        Ok(CV { r: n, ty: Ty::int() })
    }

    fn c_call(&mut self, name: &str, args: &[c::Expr], line: u32) -> U<CV> {
        let args: Vec<c::Expr> = args.iter().filter(|a| !is_thread_arg(a)).cloned().collect();
        let args = args.as_slice();
        if let Some(f) = math1(name) {
            Self::want(name, args, 1)?;
            let v = self.c_expr(&args[0])?;
            return Ok(CV { r: self.op1(f, v.r), ty: Ty::double() });
        }
        if let Some(f) = math2(name) {
            Self::want(name, args, 2)?;
            let (x, y) = (self.c_expr(&args[0])?, self.c_expr(&args[1])?);
            return Ok(CV { r: self.op2(f, x.r, y.r), ty: Ty::double() });
        }
        let int = |r: Reg| CV { r, ty: Ty::int() };
        let dbl = |r: Reg| CV { r, ty: Ty::double() };
        match name {
            "abs" => {
                // C++: std::abs of an int is an int, of a double fabs.
                Self::want(name, args, 1)?;
                let v = self.c_expr(&args[0])?;
                let r = self.op1(F1::Fabs, v.r);
                return Ok(if v.ty.is_int() { int(r) } else { dbl(r) });
            }
            "scop_random" | "exprand" | "normrand" | "poisrand" => {
                // scopmath's generator, as from NMODL code.
                let (op, n) = match name {
                    "scop_random" => (crate::ir::RandomOp::ScopRandom, 0),
                    "exprand" => (crate::ir::RandomOp::Exprand, 1),
                    "normrand" => (crate::ir::RandomOp::Normrand, 2),
                    _ => (crate::ir::RandomOp::Poisrand, 1),
                };
                Self::want(name, args, n)?;
                let mut vals = Vec::new();
                for a in args {
                    vals.push(E::Local(self.c_expr(a)?.r));
                }
                let r = self.emit(&E::Random(op, 0, vals)).map_err(|e| e.message)?;
                return Ok(dbl(r));
            }
            "ifarg" | "hoc_is_double_arg" | "hoc_is_str_arg" | "hoc_is_object_arg" | "hoc_is_pdouble_arg" => {
                Self::want(name, args, 1)?;
                let i = self.c_expr(&args[0])?;
                let k = self.capi(CFn::ArgKind, &[i.r]);
                let want = match name {
                    "ifarg" => {
                        let z = self.konst(0.0);
                        return Ok(int(self.op2(F2::Ne, k, z)));
                    }
                    "hoc_is_double_arg" => 1.0,
                    "hoc_is_str_arg" => 2.0,
                    "hoc_is_object_arg" => 3.0,
                    _ => 4.0,
                };
                let w = self.konst(want);
                return Ok(int(self.op2(F2::Eq, k, w)));
            }
            "getarg" | "hoc_getarg" => {
                Self::want(name, args, 1)?;
                let i = self.c_expr(&args[0])?;
                let base = self.konst(crate::verbatim::host::pointer(crate::verbatim::host::ARGS, 0));
                return Ok(CV { r: self.op2(F2::Add, base, i.r), ty: Self::ptr_ty() });
            }
            "vector_arg" | "nrn_random_arg" | "hoc_obj_getarg" | "vector_arg_obj" => {
                Self::want(name, args, 1)?;
                let i = self.c_expr(&args[0])?;
                let f = match name {
                    "vector_arg" => CFn::ArgVector,
                    "nrn_random_arg" => CFn::ArgRandom,
                    _ => CFn::ArgObject,
                };
                return Ok(CV { r: self.capi(f, &[i.r]), ty: Self::obj_ty() });
            }
            "vector_arg_px" => {
                Self::want(name, args, 2)?;
                let i = self.c_expr(&args[0])?;
                let v = self.capi(CFn::ArgVector, &[i.r]);
                return self.vector_px(v, &args[1], line);
            }
            "vector_instance_px" => {
                Self::want(name, args, 2)?;
                let v = self.c_expr(&args[0])?;
                return self.vector_px(v.r, &args[1], line);
            }
            "vector_capacity" | "vector_buffer_size" => {
                Self::want(name, args, 1)?;
                let v = self.c_expr(&args[0])?;
                let f = if name == "vector_capacity" { CFn::VecLen } else { CFn::VecCapacity };
                return Ok(int(self.capi(f, &[v.r])));
            }
            "vector_vec" | "vector_pobj" | "vector_new_vec" => {
                Self::want(name, args, 1)?;
                let v = self.c_expr(&args[0])?;
                return Ok(CV { r: v.r, ty: Self::ptr_ty() });
            }
            "vector_resize" => {
                Self::want(name, args, 2)?;
                let (v, n) = (self.c_expr(&args[0])?, self.c_expr(&args[1])?);
                self.capi(CFn::VecResize, &[v.r, n.r]);
                return Ok(self.num(0.0, true));
            }
            "vector_new" | "vector_new1" | "vector_new2" => {
                let n = match args.first() {
                    Some(a) => self.c_expr(a)?.r,
                    None => self.konst(0.0),
                };
                return Ok(CV { r: self.capi(CFn::VecNew, &[n]), ty: Self::obj_ty() });
            }
            "nrn_random_pick" => {
                Self::want(name, args, 1)?;
                let v = self.c_expr(&args[0])?;
                return Ok(dbl(self.capi(CFn::RandomPick, &[v.r])));
            }
            "hoc_obj_ref" | "hoc_obj_unref" | "fflush" | "srand" | "nrn_pragma" | "hoc_retpushx" => return Ok(self.num(0.0, true)),
            "drand48" | "rand" | "random" => {
                let r = self.capi(CFn::Drand48, &[]);
                if name == "drand48" {
                    return Ok(dbl(r));
                }
                let k = self.konst(2147483648.0);
                let m = self.op2(F2::Mul, r, k);
                return Ok(int(self.op1(F1::Trunc, m)));
            }
            "srand48" => {
                Self::want(name, args, 1)?;
                let s = self.c_expr(&args[0])?;
                self.capi(CFn::Srand48, &[s.r]);
                return Ok(self.num(0.0, true));
            }
            "malloc" | "emalloc" | "hoc_Emalloc" => {
                Self::want(name, args, 1)?;
                let n = self.c_expr(&args[0])?;
                return Ok(CV { r: self.capi(CFn::Malloc, &[n.r]), ty: Self::ptr_ty() });
            }
            "calloc" | "ecalloc" | "hoc_Ecalloc" => {
                Self::want(name, args, 2)?;
                let (n, s) = (self.c_expr(&args[0])?, self.c_expr(&args[1])?);
                return Ok(CV { r: self.capi(CFn::Calloc, &[n.r, s.r]), ty: Self::ptr_ty() });
            }
            "realloc" | "erealloc" | "hoc_Erealloc" => {
                Self::want(name, args, 2)?;
                let (p, n) = (self.c_expr(&args[0])?, self.c_expr(&args[1])?);
                return Ok(CV { r: self.capi(CFn::Realloc, &[p.r, n.r]), ty: p.ty });
            }
            "free" => {
                Self::want(name, args, 1)?;
                let p = self.c_expr(&args[0])?;
                self.capi(CFn::Free, &[p.r]);
                return Ok(self.num(0.0, true));
            }
            "hoc_execerror" | "hoc_execerr_ext" | "exit" | "abort" => {
                let text: Vec<String> = args.iter().filter_map(Self::str_arg).collect();
                let why = if text.is_empty() { format!("{name} called") } else { text.join(" ") };
                let msg = self.b.strings.len() as u32;
                self.b.strings.push(why);
                self.b.ops.push(Op::Fail { mask: self.mask, msg });
                return Ok(self.num(0.0, true));
            }
            "assert" => {
                // <assert.h>: the lanes where the condition is false stop the run.
                Self::want(name, args, 1)?;
                let c = self.c_cond(&args[0])?;
                let nc = self.op1(F1::Not, c);
                let m = self.and_mask(nc);
                let msg = self.b.strings.len() as u32;
                self.b.strings.push(format!("{}:{line}: Assertion failed", self.cx.file));
                self.b.ops.push(Op::Fail { mask: Some(m), msg });
                return Ok(self.num(0.0, true));
            }
            "printf" | "fprintf" | "Printf" | "nrnpy_pr" => return self.c_printf(name, args),
            "install_vector_method" => {
                Self::want(name, args, 2)?;
                let Some(method) = Self::str_arg(&args[0]) else { return Err("install_vector_method needs a literal name".into()) };
                let EK::Id(f) = &args[1].k else { return Err("install_vector_method needs a function name".into()) };
                let Some(k) = self.cx.c.methods.iter().position(|m| m == f) else { return Err(format!("{f} is not a C function of the form double {f}(void* vv)")) };
                let s = self.b.strings.len() as u32;
                self.b.strings.push(method);
                self.b.ops.push(Op::Install { mask: self.mask, name: s, method: k as u32 });
                return Ok(self.num(0.0, true));
            }
            _ => {}
        }
        // NMODL FUNCTIONs and PROCEDUREs (nocmodl's names for them).
        if let Some(&(f, is_func)) = self.cx.funcs.get(name) {
            if f.args.len() != args.len() {
                return Err(format!("{name} takes {} arguments, given {}", f.args.len(), args.len()));
            }
            let vals = self.arg_values(args)?;
            let regs: Vec<Reg> = vals.iter().map(|v| v.r).collect();
            let r = self.call(name, regs, span_at(line)).map_err(|e| e.message)?;
            return Ok(match (r, is_func) {
                (Some(r), _) => dbl(r),
                _ => self.num(0.0, true),
            });
        }
        if let Some(func) = self.cx.c.funcs.get(name) {
            let func = func.clone();
            return self.c_inline(&func, args);
        }
        if let Some((l, _)) = self.cx.c.unsupported.iter().find(|(_, t)| t.contains(name)) {
            return Err(format!("{name}(): its C at line {l} is C that nerve does not take"));
        }
        Err(format!("{name}(): not a function nerve's C subset has"))
    }

    /// A call of a C function of the file, inlined as FUNCTIONs are.
    fn c_inline(&mut self, f: &c::Func, args: &[c::Expr]) -> U<CV> {
        if self.c.depth >= 16 {
            return Err(format!("{}(): calls nest too deeply (recursion is not supported)", f.name));
        }
        if f.params.len() != args.len() {
            return Err(format!("{}() takes {} arguments, given {}", f.name, f.params.len(), args.len()));
        }
        let mut scope = HashMap::new();
        for (p, a) in f.params.iter().zip(args) {
            let v = self.c_expr(a)?;
            let v = self.convert(v, &p.ty);
            let r = self.reg();
            self.b.ops.push(Op::Mov(r, v));
            if let Some(n) = &p.name {
                scope.insert(n.clone(), CVar::Reg(r, p.ty.clone()));
            }
        }
        let result = (f.ret.base != Base::Void || f.ret.ptr > 0).then(|| (self.zeroed(), f.ret.clone()));
        let ret = self.zeroed();
        let saved_scopes = std::mem::replace(&mut self.c.scopes, vec![scope]);
        let saved_mask = self.mask;
        self.c.frames.push(Frame { ret: Some(ret), result: result.clone(), loops: self.c.loops.len() });
        self.c.depth += 1;
        let r = self.c_stmts(&f.body, &[]);
        self.c.depth -= 1;
        self.c.frames.pop();
        self.c.scopes = saved_scopes;
        self.mask = saved_mask;
        r.map_err(|e| e.message)?;
        Ok(match result {
            Some((r, ty)) => CV { r, ty },
            None => self.num(0.0, true),
        })
    }

    /// printf / fprintf(stderr|stdout, …): literal string arguments go into
    /// the format; the others are numbers.
    fn c_printf(&mut self, name: &str, args: &[c::Expr]) -> U<CV> {
        let (to_err, args) = match name {
            "fprintf" => match args.first().map(|a| &a.k) {
                Some(EK::Id(s)) if s == "stderr" => (true, &args[1..]),
                Some(EK::Id(s)) if s == "stdout" => (false, &args[1..]),
                _ => return Err("fprintf to a FILE other than stdout or stderr".into()),
            },
            _ => (false, args),
        };
        let Some(fmt) = args.first().and_then(Self::str_arg) else { return Err(format!("{name} needs a literal format")) };
        // Put literal strings into the format: `%s` with "abc" becomes abc.
        let mut out = String::new();
        let mut regs = Vec::new();
        let mut rest = &args[1..];
        let mut chars = fmt.chars().peekable();
        while let Some(ch) = chars.next() {
            if ch != '%' {
                out.push(ch);
                continue;
            }
            if chars.peek() == Some(&'%') {
                chars.next();
                out.push_str("%%");
                continue;
            }
            let mut spec = String::from("%");
            while let Some(&d) = chars.peek() {
                spec.push(d);
                chars.next();
                if d.is_ascii_alphabetic() && !matches!(d, 'l' | 'h' | 'L' | 'z') {
                    break;
                }
            }
            let Some((a, more)) = rest.split_first() else {
                out.push_str(&spec);
                continue;
            };
            rest = more;
            if spec.ends_with('s') {
                let Some(s) = Self::str_arg(a) else { return Err(format!("{name}: a %s argument that is not a literal string")) };
                out.push_str(&s.replace('%', "%%"));
                continue;
            }
            out.push_str(&spec.replace(['l', 'h', 'L', 'z'], ""));
            let v = self.c_expr(a)?;
            regs.push(v.r);
        }
        let first = self.b.nregs;
        self.b.nregs += regs.len() as u32;
        for (k, r) in regs.iter().enumerate() {
            self.b.ops.push(Op::Mov(first + k as u32, *r));
        }
        let s = self.b.strings.len() as u32;
        self.b.strings.push(out);
        let op = if to_err {
            Op::Eprintf { mask: self.mask, fmt: s, args: first, n: regs.len() as u32 }
        } else {
            Op::Printf { mask: self.mask, fmt: s, args: first, n: regs.len() as u32 }
        };
        self.b.ops.push(op);
        Ok(self.num(0.0, true))
    }
}

/// The mechanism's C methods (`double f(void* vv)`), each a block for one
/// instance-free call from HOC, with the register of its value.
pub(super) fn methods(cx: &Ctx) -> Vec<(String, Block, Option<Reg>)> {
    let mut out = Vec::new();
    for name in &cx.c.methods {
        let f = cx.c.funcs[name].clone();
        let mut g = Gen::new(cx);
        let this = g.capi(CFn::ThisVector, &[]);
        let mut scope = HashMap::new();
        if let Some(p) = &f.params[0].name {
            scope.insert(p.clone(), CVar::Reg(this, f.params[0].ty.clone()));
        }
        let result = g.zeroed();
        let ret = g.zeroed();
        g.c.scopes.push(scope);
        g.c.frames.push(Frame { ret: Some(ret), result: Some((result, f.ret.clone())), loops: 0 });
        if let Err(e) = g.c_stmts(&f.body, &[]) {
            g.fail_here(f.line, &e.message);
        }
        g.c.frames.pop();
        let mut b = g.finish();
        let map = crate::regalloc::allocate(&mut b, &[result]);
        out.push((name.clone(), b, Some(map[result as usize])));
    }
    out
}
