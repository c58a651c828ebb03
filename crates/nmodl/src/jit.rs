//! Native code for a block's ops, made with Cranelift the first time the
//! block runs. The arithmetic is the interpreter's (`ir`), op for op: the
//! same IEEE operations in the same order, no fused multiply-add, and the
//! same library functions (`exp`, `pow`, ...) called for each lane, so the
//! results are bit-identical. What differs is the shape: each run of
//! lane-wise ops between jumps becomes one loop over the lanes, with the
//! values of a lane kept in machine registers, instead of one dispatch and
//! one pass over the lanes per op. Ops that are not lane-wise (tables,
//! events, solves, VERBATIM C) call back into the interpreter for that op.
//!
//! `NERVE_JIT=0` keeps every block on the interpreter, the reference.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{types, AbiParam, Block as Label, InstBuilder, MemFlagsData, SigRef, Signature, UserFuncName, Value};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};

use crate::ir::{self, Block, Ctx, Effects, Loc, Mem, Op, Reg, F1, F2, LANES};

/// `(registers, lanes, frame) -> stop`: runs a block's ops on registers laid
/// out as the interpreter's (`reg * LANES + lane`).
type KernelFn = unsafe extern "C" fn(*mut f64, usize, *mut Frame) -> u32;

/// A block's compiled ops and the code memory that holds them.
pub struct Kernel {
    run: KernelFn,
    /// Registers the native code reads or writes: `r` must hold this many.
    need: usize,
    module: Option<JITModule>,
}

// SAFETY: the module is only used to free the code when the kernel is
// dropped; the code itself is immutable and may run on any thread.
unsafe impl Send for Kernel {}
unsafe impl Sync for Kernel {}

impl Drop for Kernel {
    fn drop(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: the function pointer dies with the kernel.
            unsafe { m.free_memory() };
        }
    }
}

/// Where a block keeps its kernel: made on first use, none if the ops could
/// not be compiled (they then stay on the interpreter). A clone starts empty,
/// as its ops may be changed before it runs.
#[derive(Default)]
pub struct Slot(OnceLock<Option<Arc<Kernel>>>);

impl Clone for Slot {
    fn clone(&self) -> Self {
        Slot::default()
    }
}

impl PartialEq for Slot {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

thread_local! {
    static DISABLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every block on the interpreter (on this thread): to check
/// the native code against the reference.
pub fn interpreted<T>(f: impl FnOnce() -> T) -> T {
    let was = DISABLED.replace(true);
    let out = f();
    DISABLED.set(was);
    out
}

fn enabled() -> bool {
    static ENV: OnceLock<bool> = OnceLock::new();
    *ENV.get_or_init(|| std::env::var("NERVE_JIT").map_or(true, |v| v != "0")) && !DISABLED.get()
}

/// Runs a block's ops as `ir::exec` does, natively when they compile.
pub fn exec_block(b: &Block, r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem, fx: &mut dyn Effects) {
    run(&b.ops, &b.jit, || uniform_inputs(b, cx), r, n, cx, mem, fx)
}

/// Runs ops that work on another block's registers (an implicit system's).
pub fn exec(ops: &[Op], slot: &Slot, r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem, fx: &mut dyn Effects) {
    run(ops, slot, Vec::new, r, n, cx, mem, fx)
}

#[allow(clippy::too_many_arguments)]
fn run(ops: &[Op], slot: &Slot, uniform: impl FnOnce() -> Vec<Reg>, r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem, fx: &mut dyn Effects) {
    if ops.is_empty() {
        return;
    }
    if !enabled() {
        return ir::exec(ops, r, n, cx, mem, fx);
    }
    let kernel = slot.0.get_or_init(|| compile(ops, &uniform()).map(Arc::new));
    match kernel {
        Some(k) if r.len() >= k.need * LANES && n <= LANES => {
            let mut frame = Frame { ops, r_len: r.len(), cx, mem, fx };
            // SAFETY: the code touches registers below `need` and lanes below
            // n, all within r (checked above); the frame outlives the call.
            unsafe { (k.run)(r.as_mut_ptr(), n, &mut frame) };
        }
        _ => ir::exec(ops, r, n, cx, mem, fx),
    }
}

/// What the native code hands back to the interpreter for ops it does not
/// compile.
pub struct Frame<'a, 'c, 'm> {
    ops: &'a [Op],
    r_len: usize,
    cx: &'a Ctx<'c>,
    mem: &'a mut Mem<'m>,
    fx: &'a mut dyn Effects,
}

/// Op `k` on the interpreter; nonzero when the block must stop.
extern "C" fn interpret_op(frame: *mut Frame, k: usize, r: *mut f64, n: usize) -> u32 {
    // SAFETY: called from a kernel with the frame and registers it was given.
    let (f, r) = unsafe { (&mut *frame, std::slice::from_raw_parts_mut(r, (*frame).r_len)) };
    ir::run_op(&f.ops[k], r, n, f.cx, f.mem, f.fx) as u32
}

/// 1 when mask register `m` is zero in every lane below n.
extern "C" fn none_set(r: *const f64, m: usize, n: usize) -> u32 {
    // SAFETY: m·LANES + n is within the registers (the kernel's `need`).
    let lanes = unsafe { std::slice::from_raw_parts(r.add(m * LANES), n) };
    lanes.iter().all(|&x| x == 0.0) as u32
}

extern "C" fn exp_c(x: f64) -> f64 {
    ir::hoc_exp(x)
}

extern "C" fn pow_c(x: f64, y: f64) -> f64 {
    x.powf(y)
}

extern "C" fn f1_c(f: u32, x: f64) -> f64 {
    ir::f1(F1_ALL[f as usize], x)
}

extern "C" fn f2_c(f: u32, x: f64, y: f64) -> f64 {
    ir::f2(F2_ALL[f as usize], x, y)
}

const F1_ALL: [F1; 21] = [
    F1::Exp,
    F1::Log,
    F1::Log10,
    F1::Fabs,
    F1::Sqrt,
    F1::Sin,
    F1::Cos,
    F1::Tan,
    F1::Tanh,
    F1::Sinh,
    F1::Cosh,
    F1::Atan,
    F1::Asin,
    F1::Acos,
    F1::Floor,
    F1::Ceil,
    F1::Neg,
    F1::Not,
    F1::Efun,
    F1::Trunc,
    F1::BitNot,
];

const F2_ALL: [F2; 23] = [
    F2::Add,
    F2::Sub,
    F2::Mul,
    F2::Div,
    F2::Pow,
    F2::Fmod,
    F2::Atan2,
    F2::Lt,
    F2::Le,
    F2::Gt,
    F2::Ge,
    F2::Eq,
    F2::Ne,
    F2::And,
    F2::Or,
    F2::AndNot,
    F2::Min,
    F2::Max,
    F2::BitAnd,
    F2::BitOr,
    F2::BitXor,
    F2::Shl,
    F2::Shr,
];

fn code<T: PartialEq>(all: &[T], f: T) -> i64 {
    all.iter().position(|g| *g == f).expect("every function is listed") as i64
}

/// Whether an op is computed lane by lane from the same lane of registers
/// (so a run of them can be one loop over the lanes).
fn lane_wise(op: &Op) -> bool {
    matches!(op, Op::Const(..) | Op::Mov(..) | Op::F1(..) | Op::F2(..) | Op::Select(..) | Op::Cnexp { .. })
}

/// The registers the native code itself reads or writes for an op.
fn native_regs(op: &Op) -> Vec<Reg> {
    match *op {
        Op::JumpIfZero(c, _) | Op::JumpIfNone(c, _) => vec![c],
        ref op if lane_wise(op) => sources(op).into_iter().chain([dests_lane(op)]).collect(),
        _ => vec![],
    }
}

/// Registers that hold one value in every lane whenever the block starts:
/// its constants, and what it loads from GLOBALs, t, dt, celsius and the
/// event's arguments, if no op ever writes them.
fn uniform_inputs(b: &Block, cx: &Ctx) -> Vec<Reg> {
    let same = |l: &Loc| matches!(l, Loc::Global(_) | Loc::T | Loc::Dt | Loc::Celsius | Loc::Arg(_) | Loc::Flag | Loc::StateDiscon | Loc::Hoc(_));
    let mut written = std::collections::HashSet::new();
    for op in &b.ops {
        written.extend(dests(op, cx));
    }
    let inputs = b.consts.iter().map(|&(r, _)| r).chain(b.loads.iter().filter(|(_, l)| same(l)).map(|&(r, _)| r));
    inputs.filter(|r| !written.contains(r)).collect()
}

/// Every register an op may write.
fn dests(op: &Op, cx: &Ctx) -> Vec<Reg> {
    match *op {
        Op::Const(d, _) | Op::Mov(d, _) | Op::F1(_, d, _) | Op::F2(_, d, _, _) | Op::Select(d, ..) => vec![d],
        Op::Cnexp { dst, .. } | Op::ArgLoad { dst, .. } | Op::Random { dst, .. } | Op::LoadArr { dst, .. } | Op::FTable { dst, .. } | Op::Load { dst, .. } | Op::C { dst, .. } => vec![dst],
        Op::Table { out, n, .. } => (out..out + n).collect(),
        Op::ForNetcons { first, n, idx, more, .. } => (first..first + n).chain([idx, more]).collect(),
        Op::Newton(k) => match cx.newtons.get(k as usize) {
            Some(nw) => nw.states.iter().chain(&nw.resid).copied().chain(nw.ops.iter().flat_map(|o| dests(o, cx))).collect(),
            None => vec![Reg::MAX],
        },
        Op::Sparse(k) => match cx.sparses.get(k as usize) {
            Some(sp) => sp.states.iter().chain(&sp.olds).chain(&sp.rhs).chain(&sp.elems).copied().chain(sp.ops.iter().flat_map(|o| dests(o, cx))).collect(),
            None => vec![Reg::MAX],
        },
        Op::Linear { k, .. } => cx.linears.get(k as usize).map_or(vec![Reg::MAX], |l| l.unknowns.clone()),
        Op::JumpIfZero(..) | Op::JumpIfNone(..) | Op::Jump(_) => vec![],
        Op::NetSend { .. } | Op::AtTime { .. } | Op::NetEvent { .. } | Op::NetMove { .. } | Op::WatchOn { .. } | Op::ArgStore { .. } | Op::StoreArr { .. } => vec![],
        Op::Printf { .. } | Op::Eprintf { .. } | Op::Store { .. } | Op::Fail { .. } | Op::Install { .. } => vec![],
    }
}

/// The register a lane-wise op writes.
fn dests_lane(op: &Op) -> Reg {
    match *op {
        Op::Const(d, _) | Op::Mov(d, _) | Op::F1(_, d, _) | Op::F2(_, d, _, _) | Op::Select(d, ..) | Op::Cnexp { dst: d, .. } => d,
        _ => Reg::MAX,
    }
}

/// The registers a lane-wise op reads.
fn sources(op: &Op) -> Vec<Reg> {
    match *op {
        Op::Const(..) => vec![],
        Op::Mov(_, a) | Op::F1(_, _, a) => vec![a],
        Op::F2(_, _, a, b) => vec![a, b],
        Op::Select(_, m, a, b) => vec![m, a, b],
        Op::Cnexp { x, a, nb, dt, .. } => vec![x, a, nb, dt],
        _ => vec![Reg::MAX],
    }
}

/// Compiles `ops`, or None if Cranelift cannot (the interpreter runs them).
/// `uniform` registers are the same in every lane at the start and wherever
/// control joins: a lane-wise op on such values alone is computed once, before
/// its loop over the lanes (the same operation on the same operands).
fn compile(ops: &[Op], uniform: &[Reg]) -> Option<Kernel> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").ok()?;
    flags.set("is_pic", "false").ok()?;
    let isa = cranelift_native::builder().ok()?.finish(settings::Flags::new(flags)).ok()?;
    let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr)]);
    sig.returns.push(AbiParam::new(types::I32));
    let id = module.declare_function("kernel", Linkage::Local, &sig).ok()?;
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    ctx.func.name = UserFuncName::user(0, id.as_u32());
    let mut fbc = FunctionBuilderContext::new();
    let need = {
        let b = FunctionBuilder::new(&mut ctx.func, &mut fbc);
        Emitter::new(b, module.target_config(), ops, uniform)?.emit()?
    };
    module.define_function(id, &mut ctx).ok()?;
    module.finalize_definitions().ok()?;
    let code = module.get_finalized_function(id);
    // SAFETY: the function was built with KernelFn's signature.
    let run = unsafe { std::mem::transmute::<*const u8, KernelFn>(code) };
    Some(Kernel { run, need, module: Some(module) })
}

struct Emitter<'a> {
    b: FunctionBuilder<'a>,
    ptr: types::Type,
    ops: &'a [Op],
    /// The label each jump target and each op after a jump starts.
    labels: HashMap<usize, Label>,
    /// Signatures of the functions called, by argument and result types.
    sigs: HashMap<(Vec<types::Type>, types::Type), SigRef>,
    mf: MemFlagsData,
    /// Registers the same in every lane where control joins.
    base: HashSet<Reg>,
    /// Registers the same in every lane here.
    uniform: HashSet<Reg>,
    config: cranelift_codegen::isa::TargetFrontendConfig,
    r: Value,
    n: Value,
    frame: Value,
}

impl<'a> Emitter<'a> {
    fn new(b: FunctionBuilder<'a>, config: cranelift_codegen::isa::TargetFrontendConfig, ops: &'a [Op], uniform: &[Reg]) -> Option<Self> {
        let base: HashSet<Reg> = uniform.iter().copied().collect();
        let v = Value::from_u32(0);
        let mf = MemFlagsData::trusted();
        let ptr = config.pointer_type();
        Some(Emitter { b, ptr, ops, labels: HashMap::new(), sigs: HashMap::new(), mf, uniform: base.clone(), base, config, r: v, n: v, frame: v })
    }

    /// Emits the function; returns the number of registers it touches.
    fn emit(mut self) -> Option<usize> {
        let ops = self.ops;
        let mut need = 0usize;
        for op in ops {
            for k in native_regs(op) {
                need = need.max(k as usize + 1);
            }
        }
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let p = self.b.block_params(entry);
        (self.r, self.n, self.frame) = (p[0], p[1], p[2]);
        let exit = self.b.create_block();
        self.labels.insert(ops.len(), exit);
        for (i, op) in ops.iter().enumerate() {
            match *op {
                Op::JumpIfZero(_, t) | Op::JumpIfNone(_, t) | Op::Jump(t) => {
                    if t as usize > ops.len() {
                        return None;
                    }
                    for at in [t as usize, i + 1] {
                        if !self.labels.contains_key(&at) {
                            let l = self.b.create_block();
                            self.labels.insert(at, l);
                        }
                    }
                }
                _ => {}
            }
        }
        let mut pc = 0;
        while pc < ops.len() {
            if let Some(&l) = self.labels.get(&pc) {
                self.uniform = self.base.clone();
                if self.b.current_block() != Some(l) {
                    self.b.ins().jump(l, &[]);
                    self.b.switch_to_block(l);
                }
            }
            match ops[pc] {
                Op::Jump(t) => {
                    let l = self.labels[&(t as usize)];
                    self.b.ins().jump(l, &[]);
                    let next = self.labels[&(pc + 1)];
                    // (a label no jump reaches is dropped as unreachable)
                    self.b.switch_to_block(next);
                    pc += 1;
                    continue;
                }
                Op::JumpIfZero(c, t) => {
                    let x = self.b.ins().load(types::F64, self.mf, self.r, (c as usize * LANES * 8) as i32);
                    let zero = self.b.ins().f64const(0.0);
                    let z = self.b.ins().fcmp(FloatCC::Equal, x, zero);
                    let (to, next) = (self.labels[&(t as usize)], self.labels[&(pc + 1)]);
                    self.b.ins().brif(z, to, &[], next, &[]);
                    self.b.switch_to_block(next);
                    pc += 1;
                    continue;
                }
                Op::JumpIfNone(m, t) => {
                    let mv = self.b.ins().iconst(self.ptr, m as i64);
                    let none = self.call(none_set as *const (), &[self.r, mv, self.n], types::I32);
                    let (to, next) = (self.labels[&(t as usize)], self.labels[&(pc + 1)]);
                    self.b.ins().brif(none, to, &[], next, &[]);
                    self.b.switch_to_block(next);
                    pc += 1;
                    continue;
                }
                ref op if lane_wise(op) => {
                    let mut end = pc + 1;
                    while end < ops.len() && lane_wise(&ops[end]) && !self.labels.contains_key(&end) {
                        end += 1;
                    }
                    self.lane_loop(pc, end);
                    pc = end;
                }
                _ => {
                    self.call_interpreter(pc);
                    self.uniform = self.base.clone();
                    pc += 1;
                }
            }
        }
        if self.b.current_block() != Some(exit) {
            self.b.ins().jump(exit, &[]);
            self.b.switch_to_block(exit);
        }
        let zero = self.b.ins().iconst(types::I32, 0);
        self.b.ins().return_(&[zero]);
        self.b.seal_all_blocks();
        self.b.finalize(self.config);
        Some(need)
    }

    /// Op `k` through the interpreter; returns 1 at once if it says stop.
    fn call_interpreter(&mut self, k: usize) {
        let kv = self.b.ins().iconst(self.ptr, k as i64);
        let stop = self.call(interpret_op as *const (), &[self.frame, kv, self.r, self.n], types::I32);
        let ret = self.b.create_block();
        let next = self.b.create_block();
        self.b.ins().brif(stop, ret, &[], next, &[]);
        self.b.switch_to_block(ret);
        let one = self.b.ins().iconst(types::I32, 1);
        self.b.ins().return_(&[one]);
        self.b.switch_to_block(next);
    }

    /// Ops `from..to` (all lane-wise) as one loop over the lanes below n;
    /// those on uniform values alone are computed once before it.
    fn lane_loop(&mut self, from: usize, to: usize) {
        let mut hoisted = vec![None; to - from];
        let mut pre: HashMap<Reg, Value> = HashMap::new();
        let lane0 = self.r;
        for (i, op) in self.ops[from..to].iter().enumerate() {
            let d = dests_lane(op);
            if sources(op).iter().all(|k| self.uniform.contains(k)) {
                let v = self.lane_value(op, lane0, &mut pre);
                pre.insert(d, v);
                hoisted[i] = Some(v);
                self.uniform.insert(d);
            } else {
                pre.remove(&d);
                self.uniform.remove(&d);
            }
        }
        let head = self.b.create_block();
        let body = self.b.create_block();
        let done = self.b.create_block();
        self.b.append_block_param(head, self.ptr);
        let zero = self.b.ins().iconst(self.ptr, 0);
        self.b.ins().jump(head, &[zero.into()]);
        self.b.switch_to_block(head);
        let l = self.b.block_params(head)[0];
        let more = self.b.ins().icmp(cranelift_codegen::ir::condcodes::IntCC::UnsignedLessThan, l, self.n);
        self.b.ins().brif(more, body, &[], done, &[]);
        self.b.switch_to_block(body);
        let off = self.b.ins().ishl_imm_u(l, 3);
        let base = self.b.ins().iadd(self.r, off);
        let mut vals: HashMap<Reg, Value> = HashMap::new();
        for (i, op) in self.ops[from..to].iter().enumerate() {
            let v = match hoisted[i] {
                Some(v) => v,
                None => self.lane_value(op, base, &mut vals),
            };
            self.set(base, &mut vals, dests_lane(op), v);
        }
        let next = self.b.ins().iadd_imm_u(l, 1);
        self.b.ins().jump(head, &[next.into()]);
        self.b.switch_to_block(done);
    }

    fn get(&mut self, base: Value, vals: &mut HashMap<Reg, Value>, k: Reg) -> Value {
        if let Some(&v) = vals.get(&k) {
            return v;
        }
        let v = self.b.ins().load(types::F64, self.mf, base, (k as usize * LANES * 8) as i32);
        vals.insert(k, v);
        v
    }

    fn set(&mut self, base: Value, vals: &mut HashMap<Reg, Value>, k: Reg, v: Value) {
        self.b.ins().store(self.mf, v, base, (k as usize * LANES * 8) as i32);
        vals.insert(k, v);
    }

    fn truth(&mut self, c: Value) -> Value {
        let (one, zero) = (self.b.ins().f64const(1.0), self.b.ins().f64const(0.0));
        self.b.ins().select(c, one, zero)
    }

    fn nonzero(&mut self, x: Value) -> Value {
        let zero = self.b.ins().f64const(0.0);
        self.b.ins().fcmp(FloatCC::NotEqual, x, zero)
    }

    /// Calls the Rust function at `f` with `args` (C's calling convention).
    fn call(&mut self, f: *const (), args: &[Value], ret: types::Type) -> Value {
        let params: Vec<types::Type> = args.iter().map(|&a| self.b.func.dfg.value_type(a)).collect();
        let sig = match self.sigs.get(&(params.clone(), ret)) {
            Some(&s) => s,
            None => {
                let mut s = Signature::new(self.b.func.signature.call_conv);
                s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
                s.returns.push(AbiParam::new(ret));
                let s = self.b.import_signature(s);
                self.sigs.insert((params, ret), s);
                s
            }
        };
        let fp = self.b.ins().iconst(self.ptr, f as usize as i64);
        let call = self.b.ins().call_indirect(sig, fp, args);
        self.b.inst_results(call)[0]
    }

    fn call1(&mut self, f: extern "C" fn(f64) -> f64, x: Value) -> Value {
        self.call(f as *const (), &[x], types::F64)
    }

    fn call2(&mut self, f: extern "C" fn(f64, f64) -> f64, x: Value, y: Value) -> Value {
        self.call(f as *const (), &[x, y], types::F64)
    }

    fn call_code1(&mut self, f: F1, x: Value) -> Value {
        let c = self.b.ins().iconst(types::I32, code(&F1_ALL, f));
        self.call(f1_c as *const (), &[c, x], types::F64)
    }

    fn call_code2(&mut self, f: F2, x: Value, y: Value) -> Value {
        let c = self.b.ins().iconst(types::I32, code(&F2_ALL, f));
        self.call(f2_c as *const (), &[c, x, y], types::F64)
    }

    /// The value a lane-wise op computes from the registers at `base` (one
    /// lane's, or lane 0's for a uniform op).
    fn lane_value(&mut self, op: &Op, base: Value, vals: &mut HashMap<Reg, Value>) -> Value {
        let v = match *op {
            Op::Const(d, c) => (d, self.b.ins().f64const(c)),
            Op::Mov(d, a) => (d, self.get(base, vals, a)),
            Op::F1(f, d, a) => {
                let x = self.get(base, vals, a);
                let v = match f {
                    F1::Exp => self.call1(exp_c, x),
                    F1::Neg => self.b.ins().fneg(x),
                    F1::Fabs => self.b.ins().fabs(x),
                    F1::Sqrt => self.b.ins().sqrt(x),
                    F1::Not => {
                        let zero = self.b.ins().f64const(0.0);
                        let c = self.b.ins().fcmp(FloatCC::Equal, x, zero);
                        self.truth(c)
                    }
                    f => self.call_code1(f, x),
                };
                (d, v)
            }
            Op::F2(f, d, a, b) => {
                let (x, y) = (self.get(base, vals, a), self.get(base, vals, b));
                let cmp = |e: &mut Self, cc: FloatCC| {
                    let c = e.b.ins().fcmp(cc, x, y);
                    e.truth(c)
                };
                let v = match f {
                    F2::Add => self.b.ins().fadd(x, y),
                    F2::Sub => self.b.ins().fsub(x, y),
                    F2::Mul => self.b.ins().fmul(x, y),
                    F2::Div => self.b.ins().fdiv(x, y),
                    F2::Pow => self.call2(pow_c, x, y),
                    F2::Lt => cmp(self, FloatCC::LessThan),
                    F2::Le => cmp(self, FloatCC::LessThanOrEqual),
                    F2::Gt => cmp(self, FloatCC::GreaterThan),
                    F2::Ge => cmp(self, FloatCC::GreaterThanOrEqual),
                    F2::Eq => cmp(self, FloatCC::Equal),
                    F2::Ne => cmp(self, FloatCC::NotEqual),
                    F2::And | F2::Or => {
                        let (p, q) = (self.nonzero(x), self.nonzero(y));
                        let c = if f == F2::And { self.b.ins().band(p, q) } else { self.b.ins().bor(p, q) };
                        self.truth(c)
                    }
                    f => self.call_code2(f, x, y),
                };
                (d, v)
            }
            Op::Select(d, m, a, b) => {
                let (mk, x, y) = (self.get(base, vals, m), self.get(base, vals, a), self.get(base, vals, b));
                let c = self.nonzero(mk);
                (d, self.b.ins().select(c, x, y))
            }
            Op::Cnexp { dst, x, a, nb, dt } => {
                let (xs, av, nbv, dtv) = (self.get(base, vals, x), self.get(base, vals, a), self.get(base, vals, nb), self.get(base, vals, dt));
                let e = self.b.ins().fmul(dtv, av);
                let e = self.call1(exp_c, e);
                let one = self.b.ins().f64const(1.0);
                let f = self.b.ins().fsub(one, e);
                let q = self.b.ins().fdiv(nbv, av);
                let q = self.b.ins().fsub(q, xs);
                let p = self.b.ins().fmul(f, q);
                (dst, self.b.ins().fadd(xs, p))
            }
            _ => unreachable!("only lane-wise ops reach here"),
        };
        v.1
    }
}
