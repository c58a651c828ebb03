//! The executable form of a mechanism's blocks: straight-line register code
//! over lanes. Every register holds one value per lane (one lane per
//! instance), each op is a loop over the lanes that the compiler vectorises,
//! and `if`/`while` become masks (both branches run; assignments select).
//! Jumps only test values that are the same in every lane (`usetable`).

use std::fmt;

/// Instances evaluated together.
// 32 rather than 16: fewer op dispatches and loads per instance (the hh
// axon benchmark ran 11% faster); arrays of more than 32 lose Default.
pub const LANES: usize = 32;

pub type Reg = u32;

/// Where a block's variable lives between evaluations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loc {
    /// A per-instance column of the mechanism's data.
    Col(usize),
    /// A GLOBAL of the mechanism.
    Global(usize),
    /// The membrane potential at the instance's node (a local copy).
    V,
    T,
    Dt,
    Celsius,
    /// Field `f` of the mechanism's `k`th ion at the instance's node.
    Ion(usize, cable::ion::IonField),
    /// NET_RECEIVE argument k (a NetCon weight slot).
    Arg(usize),
    /// NET_RECEIVE's flag.
    Flag,
    /// The x values a TABLE is built at.
    TableX,
    /// The segment area (µm²).
    Area,
    /// The segment diameter (µm).
    Diam,
    /// What POINTER k of the instance points to.
    Ptr(usize),
    /// 1 where POINTER k of the instance is set, else 0 (`nrn_pointing`).
    PtrSet(usize),
    /// A variable of NEURON's C that HOC shares (`hoc_epsilon`, `stoprun`).
    Hoc(HocVar),
    /// 1 where `state_discontinuity()` outside NET_RECEIVE takes effect
    /// (NEURON's state_discon_allowed_ and not the second current
    /// evaluation), else 0.
    StateDiscon,
}

/// NEURON's C variables that are HOC variables too, which mod files use
/// without declaring them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HocVar {
    /// `hoc_epsilon`: HOC's `float_epsilon`.
    FloatEpsilon,
    /// `stoprun` (an int): HOC's `stoprun`, which ends the run loops.
    Stoprun,
}

impl HocVar {
    /// The variable C and NMODL code call `name`.
    pub fn named(name: &str) -> Option<HocVar> {
        match name {
            "hoc_epsilon" => Some(HocVar::FloatEpsilon),
            "stoprun" => Some(HocVar::Stoprun),
            _ => None,
        }
    }
}

/// What an NMODL `random_xxx(r, ...)` call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RandomOp {
    /// (0, 1), or (a, b) with two arguments.
    Uniform,
    /// Mean 1, or the given mean.
    Negexp,
    /// Standard, or (mu, sigma).
    Normal,
    Ipick,
    Dpick,
    /// random_setseq(r, seq·4 + which).
    SetSeq,
    /// random_setids(r, id1, id2, id3): also back to sequence 0.
    SetIds,
    /// The program-wide SCoP generator (no RANDOM variable; `base` unused):
    /// scop_random(), exprand(mean), normrand(mean, sd), poisrand(mean),
    /// set_seed(seed). Lanes draw in instance order.
    ScopRandom,
    Exprand,
    Normrand,
    Poisrand,
    SetSeed,
}

impl RandomOp {
    /// Whether it uses the program-wide SCoP generator.
    pub fn is_scop(self) -> bool {
        matches!(self, RandomOp::ScopRandom | RandomOp::Exprand | RandomOp::Normrand | RandomOp::Poisrand | RandomOp::SetSeed)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum F1 {
    Exp,
    Log,
    Log10,
    Fabs,
    Sqrt,
    Sin,
    Cos,
    Tan,
    Tanh,
    Sinh,
    Cosh,
    Atan,
    Asin,
    Acos,
    Floor,
    Ceil,
    Neg,
    Not,
    /// x/(exp(x) - 1), 1 - x/2 near 0 (NEURON's efun, inside nrn_ghk).
    Efun,
    /// C's conversion to int: toward zero.
    Trunc,
    /// C's `~` on an int.
    BitNot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum F2 {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Fmod,
    Atan2,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    /// a && !b (masks).
    AndNot,
    Min,
    Max,
    /// C's bitwise operators on ints.
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

/// What VERBATIM C calls in NEURON's C API or the C library (see
/// `verbatim::host`); arguments in consecutive registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CFn {
    /// (i): 0 no argument i, 1 a number, 2 a string, 3 an object, 4 a pointer.
    ArgKind,
    /// (i): object argument i as a pointer (any class, a Vector, a Random).
    ArgObject,
    ArgVector,
    ArgRandom,
    /// (): the Vector an installed method runs on.
    ThisVector,
    /// (v): size; (v): the size it can grow to; (v, n); (n): a new Vector.
    VecLen,
    VecCapacity,
    VecResize,
    VecNew,
    /// (r): the next value of Random r.
    RandomPick,
    Drand48,
    Srand48,
    /// (n) elements; (n, size); (p, n); (p).
    Malloc,
    Calloc,
    Realloc,
    Free,
    /// (n): a local array (until StackRelease).
    Alloca,
    /// (): the mark to release local arrays to; (mark).
    StackMark,
    StackRelease,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Const(Reg, f64),
    Mov(Reg, Reg),
    F1(F1, Reg, Reg),
    F2(F2, Reg, Reg, Reg),
    /// dst = mask != 0 ? a : b.
    Select(Reg, Reg, Reg, Reg),
    /// cnexp's update: dst = x + (1 - exp(dt·a))·(nb/a - x), nb = -f(x=0).
    Cnexp { dst: Reg, x: Reg, a: Reg, nb: Reg, dt: Reg },
    /// Table lookup: outputs to `out..out + n` from table `tab` at x.
    Table { tab: usize, x: Reg, out: Reg, n: u32 },
    /// Continue at `target` if lane 0 of the register is zero.
    JumpIfZero(Reg, u32),
    /// Continue at `target` if the mask is zero in every active lane.
    JumpIfNone(Reg, u32),
    Jump(u32),
    /// net_send(delay, flag) in the lanes of the mask.
    NetSend { mask: Option<Reg>, delay: Reg, flag: Reg },
    /// `at_time(t)`: t is a discontinuity of the input (the variable step stops there).
    AtTime { mask: Option<Reg>, t: Reg },
    /// FOR_NETCONS: loads the weights of the target's first NetCon (`next`
    /// false) or stores the registers into NetCon `idx` and loads the next;
    /// `more` becomes 1 while there is one to run the body for.
    ForNetcons { first: Reg, n: u32, idx: Reg, more: Reg, next: bool },
    /// NET_RECEIVE's own weight k from (ArgLoad) or to (ArgStore) a register,
    /// around a FOR_NETCONS loop that may visit the same NetCon.
    ArgLoad { dst: Reg, k: u32 },
    ArgStore { src: Reg, k: u32 },
    /// A RANDOM variable's stream (columns from `base`): a draw into dst, or a
    /// setting; `n` arguments in consecutive registers from `args`.
    Random { op: RandomOp, base: u32, args: Reg, n: u32, dst: Reg, mask: Option<Reg> },
    /// net_event(t) in the lanes of the mask.
    NetEvent { mask: Option<Reg>, t: Reg },
    /// The implicit system `Block::newtons[k]`, solved in place.
    Newton(u32),
    /// The KINETIC scheme `Block::sparses[k]`, solved in place.
    Sparse(u32),
    /// The linear system `Block::linears[k]`, solved by scopmath's simeq in
    /// the lanes of the mask.
    Linear { mask: Option<Reg>, k: u32 },
    /// dst = element idx (truncated, as C does) of the array at `base` (an
    /// instance column or GLOBAL run of `len`), read from the mechanism's
    /// data; NaN outside the array.
    LoadArr { dst: Reg, base: Loc, len: u32, idx: Reg },
    /// The array element idx = src, in the lanes of the mask.
    StoreArr { src: Reg, base: Loc, len: u32, idx: Reg, mask: Option<Reg> },
    /// dst = FUNCTION_TABLE k at its `n` arguments, in consecutive
    /// registers from `args` (what HOC gave through table_NAME_SUFFIX).
    FTable { k: u32, args: Reg, n: u32, dst: Reg },
    /// net_move(t) in the lanes of the mask.
    NetMove { mask: Option<Reg>, t: Reg },
    /// WATCH condition k on, posting `flag` when it becomes true (the first
    /// activation of a NET_RECEIVE run turns the instance's others off).
    WatchOn { mask: Option<Reg>, k: u32, flag: Reg },
    /// printf(Block::strings[fmt], args…) in the lanes of the mask; the
    /// arguments are in registers `args..args + n`.
    Printf { mask: Option<Reg>, fmt: u32, args: Reg, n: u32 },
    /// C's fprintf(stderr, …): as Printf, to the standard error.
    Eprintf { mask: Option<Reg>, fmt: u32, args: Reg, n: u32 },
    /// dst = *ptr (a C pointer, see `verbatim::host`) in the lanes of the mask.
    Load { dst: Reg, ptr: Reg, mask: Option<Reg> },
    /// *ptr = src in the lanes of the mask.
    Store { src: Reg, ptr: Reg, mask: Option<Reg> },
    /// A C API call in the lanes of the mask.
    C { f: CFn, dst: Reg, args: Reg, n: u32, mask: Option<Reg> },
    /// The run stops with Block::strings[msg] if a lane of the mask gets here.
    Fail { mask: Option<Reg>, msg: u32 },
    /// install_vector_method(Block::strings[name], C method k).
    Install { mask: Option<Reg>, name: u32, method: u32 },
}

/// A compiled block: constants and loads, ops, stores.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub nregs: u32,
    /// Registers holding a constant (never written by the ops).
    pub consts: Vec<(Reg, f64)>,
    pub loads: Vec<(Reg, Loc)>,
    pub ops: Vec<Op>,
    pub stores: Vec<(Reg, Loc)>,
    /// Implicit systems the ops solve (derivimplicit, KINETIC).
    pub newtons: Vec<crate::newton::NewtonSpec>,
    /// KINETIC schemes the ops solve by `METHOD sparse`.
    pub sparses: Vec<crate::sparse::SparseSpec>,
    /// printf formats.
    pub strings: Vec<String>,
    /// LINEAR systems.
    pub linears: Vec<LinearSpec>,
    /// The ops as native code, made when the block first runs.
    pub jit: crate::jit::Slot,
}

/// A LINEAR block's system: row-major coefficients with the right-hand side
/// in column n, in registers; the unknowns' registers.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearSpec {
    pub coef: Vec<Reg>,
    pub unknowns: Vec<Reg>,
}

/// What ops refer to besides registers: the mechanism's tables and the
/// block's implicit systems and strings.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub tables: &'a [f64],
    pub specs: &'a [TableSpec],
    pub newtons: &'a [crate::newton::NewtonSpec],
    pub sparses: &'a [crate::sparse::SparseSpec],
    pub strings: &'a [String],
    pub linears: &'a [LinearSpec],
    /// FUNCTION_TABLE contents (see `ftable_lookup`).
    pub ftables: &'a [Vec<f64>],
}

/// The mechanism's data that array elements indexed at run time live in,
/// and the instance of each lane.
pub struct Mem<'a> {
    pub cols: &'a mut [Vec<f64>],
    pub globals: &'a mut [f64],
    /// NET_RECEIVE's weight arguments (empty elsewhere).
    pub args: &'a mut [f64],
    pub inst: &'a [usize; LANES],
    /// Why the block could not be computed (the run stops with it).
    pub failure: Option<String>,
    /// HOC, for VERBATIM C.
    pub host: &'a dyn crate::verbatim::host::Host,
}

/// Element `k` of an array of `len` (C truncation of the index), or None.
fn element_at(k: f64, len: u32) -> Option<usize> {
    (k.is_finite() && k > -1.0 && (k as i64) < len as i64).then_some(k as i64 as usize)
}

/// A FUNCTION_TABLE's value at `args`, as NEURON's hoc_func_table computes
/// it. The table is `[]` (not given), `[1, value]` (a constant) or
/// `[2, n, dim…, values…]`: per argument its size m and either `0, min, max`
/// (evenly spaced) or `1, x0..x(m-1)` (increasing values), then the values in
/// row order (the last argument varying fastest). One or two arguments
/// interpolate linearly; more take the nearest point below. Arguments
/// outside a dimension take its end.
pub fn ftable_lookup(tab: &[f64], args: &[f64]) -> f64 {
    match tab.first().copied() {
        Some(1.0) => tab[1],
        Some(2.0) => {
            let n = tab[1] as usize;
            let mut pos = 2;
            let mut j = 0usize;
            let (mut fracs, mut sizes) = ([0.0; 2], [0usize; 2]);
            for (i, &x) in args.iter().enumerate().take(n) {
                let m = tab[pos] as usize;
                let (jj, frac);
                if tab[pos + 1] == 0.0 {
                    let (lo, hi) = (tab[pos + 2], tab[pos + 3]);
                    pos += 4;
                    (jj, frac) = if x <= lo {
                        (0, 0.0)
                    } else if x >= hi {
                        (m - 1, 0.0)
                    } else {
                        let d = (hi - lo) / (m - 1) as f64;
                        let x1 = (x - lo) / d;
                        let k = x1 as i64 as usize;
                        (k, x1 - k as f64)
                    };
                } else {
                    let xs = &tab[pos + 2..pos + 2 + m];
                    pos += 2 + m;
                    (jj, frac) = arg_index(xs, x);
                }
                if i < 2 {
                    fracs[i] = frac;
                    sizes[i] = m;
                }
                j = j * m + jj;
            }
            let vals = &tab[pos..];
            let inter = |frac: f64, j: usize| if frac > 0.0 { (1. - frac) * vals[j] + frac * vals[j + 1] } else { vals[j] };
            match n {
                1 => inter(fracs[0], j),
                2 => {
                    let y1 = inter(fracs[1], j);
                    if fracs[0] != 0.0 {
                        let y2 = inter(fracs[1], j + sizes[1]);
                        if fracs[0] > 0.0 {
                            (1. - fracs[0]) * y1 + fracs[0] * y2
                        } else {
                            y1
                        }
                    } else {
                        y1
                    }
                }
                _ => vals[j],
            }
        }
        _ => f64::NAN,
    }
}

/// Where x falls among increasing values: the index below it and the
/// fraction of the way to the next (NEURON's arg_index, by bisection).
fn arg_index(xs: &[f64], x: f64) -> (usize, f64) {
    let t1 = xs.len() - 1;
    if x <= xs[0] {
        return (0, 0.0);
    }
    if x >= xs[t1] {
        return (t1, 0.0);
    }
    let (mut a, mut b) = (0, t1);
    while a + 1 < b {
        let m = (a + b) / 2;
        if xs[m] <= x {
            a = m;
        } else {
            b = m;
        }
    }
    (a, (x - xs[a]) / (xs[a + 1] - xs[a]))
}

/// A TABLE: the outputs at N+1 points from `tmin`, and what it was built for.
#[derive(Clone, Debug, PartialEq)]
pub struct TableSpec {
    pub name: String,
    pub n: usize,
    pub nout: usize,
    /// Offset of this table's storage in `MechData::tables`:
    /// [made, tmin, mfac, saved depends…, outputs (nout × (n+1))].
    pub offset: usize,
    pub depend: Vec<Loc>,
    /// Computes FROM and TO into registers 0 and 1.
    pub bounds: Block,
    /// Runs the tabulated body at x = `Loc::TableX`.
    pub build: Block,
    /// Registers of `build` holding the outputs.
    pub outs: Vec<Reg>,
    /// Global index of `usetable`.
    pub usetable: usize,
}

impl TableSpec {
    pub fn size(&self) -> usize {
        3 + self.depend.len() + self.nout * (self.n + 1)
    }
}

/// NEURON's exp() for mechanisms: 0 below -700, exp(700) above 700.
#[inline(always)]
pub fn hoc_exp(x: f64) -> f64 {
    if x < -700.0 {
        0.0
    } else if x > 700.0 {
        700f64.exp()
    } else {
        x.exp()
    }
}

/// Side effects a block asks of its caller, lane by lane.
pub trait Effects {
    fn net_send(&mut self, lane: usize, delay: f64, flag: f64);
    fn net_event(&mut self, lane: usize, t: f64);
    /// net_move(t): the instance's pending self-event is to happen at t.
    fn net_move(&mut self, lane: usize, t: f64) {
        let _ = (lane, t);
    }
    /// `at_time(t)` was reached.
    fn at_time(&mut self, t: f64) {
        let _ = t;
    }
    /// The instance's NetCons for FOR_NETCONS (None: not in NET_RECEIVE).
    fn netcons(&mut self) -> Option<&mut dyn cable::mechanism::TargetNetCons> {
        None
    }
    /// WATCH condition k activated in a lane.
    fn watch(&mut self, lane: usize, k: usize, flag: f64) {
        let _ = (lane, k, flag);
    }
    /// Text from printf in a lane.
    fn print(&mut self, lane: usize, text: &str) {
        let _ = (lane, text);
    }
    /// The chunk is done: its lanes' text goes out in lane (instance) order,
    /// as NEURON prints instance by instance.
    fn end_chunk(&mut self) {}
}

/// Printed text per lane of a chunk (the lanes made at the first text).
#[derive(Default)]
pub struct LaneText(Vec<String>, bool);

impl LaneText {
    fn lanes(&mut self) -> &mut [String] {
        if self.0.is_empty() {
            self.0.resize(LANES, String::new());
        }
        &mut self.0
    }

    pub fn push(&mut self, lane: usize, text: &str) {
        self.lanes()[lane].push_str(text);
        self.1 = true;
    }
    /// Appends lane by lane this text then `other`'s to `out`, clearing both.
    pub fn interleave_into(&mut self, other: &mut LaneText, out: &mut String) {
        if !self.1 && !other.1 {
            return;
        }
        for (a, b) in self.lanes().iter_mut().zip(other.lanes().iter_mut()) {
            out.push_str(a);
            out.push_str(b);
            a.clear();
            b.clear();
        }
        (self.1, other.1) = (false, false);
    }

    /// Appends the lanes' text to `out` in lane order and clears them.
    pub fn drain_into(&mut self, out: &mut String) {
        if !self.1 {
            return;
        }
        for t in self.0.iter_mut().filter(|t| !t.is_empty()) {
            out.push_str(t);
            t.clear();
        }
        self.1 = false;
    }
}

/// One lane-wise function of one argument, as a scalar (constant folding).
pub fn f1(f: F1, x: f64) -> f64 {
    match f {
        F1::Exp => hoc_exp(x),
        F1::Log => x.ln(),
        F1::Log10 => x.log10(),
        F1::Fabs => x.abs(),
        F1::Sqrt => x.sqrt(),
        F1::Sin => x.sin(),
        F1::Cos => x.cos(),
        F1::Tan => x.tan(),
        F1::Tanh => x.tanh(),
        F1::Sinh => x.sinh(),
        F1::Cosh => x.cosh(),
        F1::Atan => x.atan(),
        F1::Asin => x.asin(),
        F1::Acos => x.acos(),
        F1::Floor => x.floor(),
        F1::Ceil => x.ceil(),
        F1::Neg => -x,
        F1::Not => (x == 0.0) as i32 as f64,
        F1::Efun => {
            if x.abs() < 1e-4 {
                1. - x / 2.
            } else {
                x / (x.exp() - 1.)
            }
        }
        F1::Trunc => x.trunc(),
        F1::BitNot => !(x as i64) as f64,
    }
}

/// One lane-wise function of two arguments, as a scalar.
#[inline(always)]
pub fn f2(f: F2, x: f64, y: f64) -> f64 {
    let t = |c: bool| c as i32 as f64;
    match f {
        F2::Add => x + y,
        F2::Sub => x - y,
        F2::Mul => x * y,
        F2::Div => x / y,
        F2::Pow => x.powf(y),
        F2::Fmod => x % y,
        F2::Atan2 => x.atan2(y),
        F2::Lt => t(x < y),
        F2::Le => t(x <= y),
        F2::Gt => t(x > y),
        F2::Ge => t(x >= y),
        F2::Eq => t(x == y),
        F2::Ne => t(x != y),
        F2::And => t(x != 0.0 && y != 0.0),
        F2::Or => t(x != 0.0 || y != 0.0),
        F2::AndNot => t(x != 0.0 && y == 0.0),
        F2::Min => x.min(y),
        F2::Max => x.max(y),
        F2::BitAnd => ((x as i64) & (y as i64)) as f64,
        F2::BitOr => ((x as i64) | (y as i64)) as f64,
        F2::BitXor => ((x as i64) ^ (y as i64)) as f64,
        F2::Shl => (x as i64).wrapping_shl(y as u32) as f64,
        F2::Shr => (x as i64).wrapping_shr(y as u32) as f64,
    }
}

type Lanes = [f64; LANES];

#[inline(always)]
fn get(r: &[f64], k: Reg) -> Lanes {
    r[k as usize * LANES..][..LANES].try_into().unwrap()
}

#[inline(always)]
fn put(r: &mut [f64], k: Reg) -> &mut Lanes {
    (&mut r[k as usize * LANES..][..LANES]).try_into().unwrap()
}

/// Applies `f` to the first `n` lanes (`n <= LANES`; a loop the compiler
/// vectorises). The padding lanes beyond repeat the last instance and are
/// never stored, so they are left as they are. A destination may be one of
/// the arguments (registers coincide or are disjoint), so lane `l` is read
/// before it is written and no copy is needed.
#[inline(always)]
fn map1(r: &mut [f64], n: usize, d: Reg, a: Reg, f: impl Fn(f64) -> f64) {
    let (d, a) = (d as usize * LANES, a as usize * LANES);
    assert!(n <= LANES && d.max(a) + LANES <= r.len());
    let p = r.as_mut_ptr();
    for l in 0..n {
        // SAFETY: d + l and a + l are within r (asserted above).
        unsafe { *p.add(d + l) = f(*p.add(a + l)) };
    }
}

#[inline(always)]
fn map2(r: &mut [f64], n: usize, d: Reg, a: Reg, b: Reg, f: impl Fn(f64, f64) -> f64) {
    let (d, a, b) = (d as usize * LANES, a as usize * LANES, b as usize * LANES);
    assert!(n <= LANES && d.max(a).max(b) + LANES <= r.len());
    let p = r.as_mut_ptr();
    for l in 0..n {
        // SAFETY: d + l, a + l and b + l are within r (asserted above).
        unsafe { *p.add(d + l) = f(*p.add(a + l), *p.add(b + l)) };
    }
}

/// Runs `ops` on registers `r` (`nregs × LANES`) for the first `n` lanes,
/// with AVX2's wider vectors where the CPU has them (the same arithmetic:
/// no FMA is enabled, so every operation rounds as the scalar one).
pub fn exec(ops: &[Op], r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem, fx: &mut dyn Effects) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { exec_avx2(ops, r, n, cx, mem, fx) };
        return;
    }
    exec_lanes(ops, r, n, cx, mem, fx)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn exec_avx2(ops: &[Op], r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem, fx: &mut dyn Effects) {
    exec_lanes(ops, r, n, cx, mem, fx)
}

#[inline(always)]
fn exec_lanes(ops: &[Op], r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem, fx: &mut dyn Effects) {
    let mut pc = 0usize;
    while pc < ops.len() {
        match ops[pc] {
            Op::JumpIfZero(c, target) => {
                if r[c as usize * LANES] == 0.0 {
                    pc = target as usize;
                    continue;
                }
            }
            Op::JumpIfNone(m, target) => {
                if none_set(r, m, n) {
                    pc = target as usize;
                    continue;
                }
            }
            Op::Jump(target) => {
                pc = target as usize;
                continue;
            }
            ref op => {
                if run_op(op, r, n, cx, mem, fx) {
                    return;
                }
            }
        }
        pc += 1;
    }
}

/// Whether the mask is zero in each of the first `n` lanes.
#[inline(always)]
pub(crate) fn none_set(r: &[f64], m: Reg, n: usize) -> bool {
    let m = m as usize * LANES;
    r[m..m + n].iter().all(|&x| x == 0.0)
}

/// Runs one op that is not a jump on the first `n` lanes; true when the
/// block must stop (an op failed).
#[inline(always)]
pub(crate) fn run_op(op: &Op, r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem, fx: &mut dyn Effects) -> bool {
    // Lanes at and beyond `n` are padding: the lane-wise ops skip them.
    let w = n.min(LANES);
    match *op {
        Op::Const(d, c) => put(r, d)[..w].fill(c),
        Op::Mov(d, a) => map1(r, w, d, a, |x| x),
        Op::F1(f, d, a) => match f {
            F1::Exp => map1(r, w, d, a, hoc_exp),
            F1::Neg => map1(r, w, d, a, |x| -x),
            F1::Fabs => map1(r, w, d, a, f64::abs),
            F1::Not => map1(r, w, d, a, |x| (x == 0.0) as i32 as f64),
            f => map1(r, w, d, a, |x| f1(f, x)),
        },
        Op::F2(f, d, a, b) => {
            let t = |c: bool| c as i32 as f64;
            match f {
                F2::Add => map2(r, w, d, a, b, |x, y| x + y),
                F2::Sub => map2(r, w, d, a, b, |x, y| x - y),
                F2::Mul => map2(r, w, d, a, b, |x, y| x * y),
                F2::Div => map2(r, w, d, a, b, |x, y| x / y),
                F2::Pow => map2(r, w, d, a, b, f64::powf),
                F2::Lt => map2(r, w, d, a, b, |x, y| t(x < y)),
                F2::Le => map2(r, w, d, a, b, |x, y| t(x <= y)),
                F2::Gt => map2(r, w, d, a, b, |x, y| t(x > y)),
                F2::Ge => map2(r, w, d, a, b, |x, y| t(x >= y)),
                F2::And => map2(r, w, d, a, b, |x, y| t(x != 0.0 && y != 0.0)),
                f => map2(r, w, d, a, b, |x, y| f2(f, x, y)),
            }
        }
        Op::Select(d, m, a, b) => {
            let (mk, x, y) = (get(r, m), get(r, a), get(r, b));
            let o = put(r, d);
            for l in 0..w {
                o[l] = if mk[l] != 0.0 { x[l] } else { y[l] };
            }
        }
        Op::Cnexp { dst, x, a, nb, dt } => {
            let (xs, av, nbv, dtv) = (get(r, x), get(r, a), get(r, nb), get(r, dt));
            let o = put(r, dst);
            for l in 0..w {
                o[l] = xs[l] + (1.0 - hoc_exp(dtv[l] * av[l])) * (nbv[l] / av[l] - xs[l]);
            }
        }
        Op::Table { tab, x, out, n: nout } => {
            let s = &cx.specs[tab];
            let Some(t) = cx.tables.get(s.offset..s.offset.saturating_add(s.size())) else {
                // Its storage could not be had (the error says why).
                mem.failure.get_or_insert_with(|| "a TABLE that could not be built".into());
                return true;
            };
            let (tmin, mfac) = (t[1], t[2]);
            let vals = &t[3 + s.depend.len()..];
            let np = s.n + 1;
            // Where each lane falls: interpolate at (i, theta), or an end, or NaN.
            let xs = get(r, x);
            let (mut ii, mut th, mut xi) = ([0usize; LANES], [0.0; LANES], [0.0; LANES]);
            for l in 0..w {
                xi[l] = mfac * (xs[l] - tmin);
                if xi[l] > 0.0 && xi[l] < s.n as f64 {
                    ii[l] = xi[l] as usize;
                    th[l] = xi[l] - ii[l] as f64;
                }
            }
            let nf = s.n as f64;
            if xi[..w].iter().all(|&x| x > 0.0 && x < nf) {
                // Every lane inside the table (the usual case): no branches.
                for k in 0..nout as usize {
                    let col = &vals[k * np..(k + 1) * np];
                    let o = put(r, out + k as Reg);
                    for l in 0..w {
                        let i = ii[l];
                        // SAFETY: 0 < xi < n gives i <= n - 1, so i + 1 <= n < np = col.len().
                        let (c0, c1) = unsafe { (*col.get_unchecked(i), *col.get_unchecked(i + 1)) };
                        o[l] = c0 + th[l] * (c1 - c0);
                    }
                }
            } else {
                for k in 0..nout as usize {
                    let col = &vals[k * np..(k + 1) * np];
                    let o = put(r, out + k as Reg);
                    for l in 0..w {
                        let i = ii[l];
                        o[l] = if xi[l] > 0.0 && xi[l] < nf {
                            col[i] + th[l] * (col[i + 1] - col[i])
                        } else if xi[l] <= 0.0 {
                            col[0]
                        } else if xi[l] >= nf {
                            col[s.n]
                        } else {
                            xi[l]
                        };
                    }
                }
            }
        }
        ref op => {
            rare_op(op, r, n, cx, mem, fx);
            return mem.failure.is_some() && matches!(op, Op::Fail { .. } | Op::Load { .. } | Op::Store { .. } | Op::C { .. } | Op::Install { .. });
        }
    }
    false
}

/// The ops that run seldom (events, solves, arrays, printing), kept out of
/// the hot loop of `exec_lanes`.
#[inline(never)]
fn rare_op(op: &Op, r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem, fx: &mut dyn Effects) {
    match *op {
        Op::NetSend { mask, delay, flag } => {
            for l in 0..n {
                if mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0) {
                    fx.net_send(l, r[delay as usize * LANES + l], r[flag as usize * LANES + l]);
                }
            }
        }
        Op::NetEvent { mask, t } => {
            for l in 0..n {
                if mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0) {
                    fx.net_event(l, r[t as usize * LANES + l]);
                }
            }
        }
        Op::AtTime { mask, t } => {
            for l in 0..n {
                if mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0) {
                    fx.at_time(r[t as usize * LANES + l]);
                }
            }
        }
        Op::ArgLoad { dst, k } => {
            let x = mem.args.get(k as usize).copied().unwrap_or(0.0);
            put(r, dst).fill(x);
        }
        Op::ArgStore { src, k } => {
            let x = r[src as usize * LANES];
            if let Some(a) = mem.args.get_mut(k as usize) {
                *a = x;
            }
        }
        Op::ForNetcons { first, n: nw, idx, more, next } => {
            let mut i = if next { r[idx as usize * LANES] as usize } else { 0 };
            let Some(nc) = fx.netcons() else {
                put(r, more).fill(0.0);
                return;
            };
            let reg = |k: u32| (first + k) as usize * LANES;
            if next {
                // The body's values go back to NetCon i (its own weights are the arguments).
                for k in 0..nw {
                    let x = r[reg(k)];
                    if nc.is_current(i) {
                        if let Some(a) = mem.args.get_mut(k as usize) {
                            *a = x;
                        }
                    } else {
                        nc.set_weight(i, k as usize, x);
                    }
                }
                i += 1;
            }
            let go = i < nc.count();
            if go {
                for k in 0..nw {
                    let x = if nc.is_current(i) { mem.args.get(k as usize).copied().unwrap_or(0.0) } else { nc.weight(i, k as usize) };
                    r[reg(k)..reg(k) + LANES].fill(x);
                }
            }
            put(r, idx).fill(i as f64);
            put(r, more).fill(if go { 1.0 } else { 0.0 });
        }
        Op::Random { op, args, n: nargs, dst, mask, .. } if op.is_scop() => {
            for l in 0..n {
                if !mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0) {
                    continue;
                }
                let a = |k: u32| if k < nargs { r[(args + k) as usize * LANES + l] } else { 0.0 };
                r[dst as usize * LANES + l] = match op {
                    RandomOp::Exprand => crate::scop::exprand(a(0)),
                    RandomOp::Normrand => crate::scop::normrand(a(0), a(1)),
                    RandomOp::Poisrand => crate::scop::poisrand(a(0)),
                    RandomOp::SetSeed => {
                        crate::scop::set_seed(a(0));
                        0.0
                    }
                    _ => crate::scop::scop_random(),
                };
            }
        }
        Op::Random { op, base, args, n: nargs, dst, mask } => {
            for l in 0..n {
                let i = mem.inst[l];
                if !mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0) || mem.cols[base as usize].len() <= i {
                    continue;
                }
                let a = |k: u32| if k < nargs { r[(args + k) as usize * LANES + l] } else { 0.0 };
                let (a0, a1, a2) = (a(0), a(1), a(2));
                let value = cable::random123::with_stream(mem.cols, base as usize, i, |s| match (op, nargs) {
                    (RandomOp::Uniform, 2) => a0 + s.uniform() * (a1 - a0),
                    (RandomOp::Uniform, _) | (RandomOp::Dpick, _) => s.uniform(),
                    (RandomOp::Negexp, 1) => s.negexp() * a0,
                    (RandomOp::Negexp, _) => s.negexp(),
                    (RandomOp::Normal, 2) => a0 + s.normal() * a1,
                    (RandomOp::Normal, _) => s.normal(),
                    (RandomOp::Ipick, _) => s.ipick() as f64,
                    (RandomOp::SetSeq, _) => {
                        s.set_seq4(a0);
                        0.0
                    }
                    (RandomOp::SetIds, _) => {
                        let id = |x: f64| x as i64 as u32;
                        s.set_ids(id(a0), id(a1), id(a2));
                        0.0
                    }
                    // (the SCoP generator's ops are taken above)
                    _ => 0.0,
                });
                r[dst as usize * LANES + l] = value;
            }
        }
        Op::Newton(k) => {
            if !crate::newton::newton(&cx.newtons[k as usize], r, n, cx, mem) {
                mem.failure = Some("the implicit (Newton) solve did not converge".into());
            }
        }
        Op::Sparse(k) => {
            // NEURON's generated code ignores scopmath's error codes.
            crate::sparse::sparse(&cx.sparses[k as usize], r, n, cx, mem);
        }
        Op::Linear { mask, k } => {
            let sys = &cx.linears[k as usize];
            let m = sys.unknowns.len();
            for l in 0..n {
                if !mask.is_none_or(|mk| r[mk as usize * LANES + l] != 0.0) {
                    continue;
                }
                let mut a: Vec<f64> = sys.coef.iter().map(|&c| r[c as usize * LANES + l]).collect();
                let mut x = vec![0.0; m];
                if crate::newton::simeq(m, &mut a, &mut x) {
                    for (i, &u) in sys.unknowns.iter().enumerate() {
                        r[u as usize * LANES + l] = x[i];
                    }
                } else {
                    mem.failure = Some("a LINEAR system is singular".into());
                }
            }
        }
        Op::LoadArr { dst, base, len, idx } => {
            let ks = get(r, idx);
            let o = put(r, dst);
            for l in 0..n.min(LANES) {
                o[l] = match (element_at(ks[l], len), base) {
                    (Some(k), Loc::Col(c)) => mem.cols[c + k].get(mem.inst[l]).copied().unwrap_or(f64::NAN),
                    (Some(k), Loc::Global(g)) => mem.globals[g + k],
                    _ => f64::NAN,
                };
            }
        }
        Op::StoreArr { src, base, len, idx, mask } => {
            for l in 0..n {
                if !mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0) {
                    continue;
                }
                let x = r[src as usize * LANES + l];
                match (element_at(r[idx as usize * LANES + l], len), base) {
                    (Some(k), Loc::Col(c)) => {
                        if let Some(slot) = mem.cols[c + k].get_mut(mem.inst[l]) {
                            *slot = x;
                        }
                    }
                    (Some(k), Loc::Global(g)) => mem.globals[g + k] = x,
                    _ => {}
                }
            }
        }
        Op::FTable { k, args, n: nargs, dst } => {
            let tab = &cx.ftables[k as usize];
            if tab.is_empty() {
                mem.failure = Some("table not specified in hoc_func_table".into());
            }
            let mut a = [0.0; 8];
            let nargs = (nargs as usize).min(a.len());
            for l in 0..n.min(LANES) {
                for (i, x) in a[..nargs].iter_mut().enumerate() {
                    *x = r[(args as usize + i) * LANES + l];
                }
                r[dst as usize * LANES + l] = ftable_lookup(tab, &a[..nargs]);
            }
        }
        Op::NetMove { mask, t } => {
            for l in 0..n {
                if mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0) {
                    fx.net_move(l, r[t as usize * LANES + l]);
                }
            }
        }
        Op::WatchOn { mask, k, flag } => {
            for l in 0..n {
                if mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0) {
                    fx.watch(l, k as usize, r[flag as usize * LANES + l]);
                }
            }
        }
        Op::Printf { mask, fmt, args, n: nargs } => {
            for l in 0..n {
                if mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0) {
                    let vals: Vec<cfmt::FmtArg> = (0..nargs).map(|k| cfmt::FmtArg::Num(r[(args + k) as usize * LANES + l])).collect();
                    match cfmt::sprintf(&cx.strings[fmt as usize], &vals) {
                        Ok(text) => fx.print(l, &text),
                        Err(e) => fx.print(l, &format!("printf: {e}\n")),
                    }
                }
            }
        }
        Op::Eprintf { mask, fmt, args, n: nargs } => {
            for l in 0..n {
                if mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0) {
                    let vals: Vec<cfmt::FmtArg> = (0..nargs).map(|k| cfmt::FmtArg::Num(r[(args + k) as usize * LANES + l])).collect();
                    match cfmt::sprintf(&cx.strings[fmt as usize], &vals) {
                        Ok(text) => eprint!("{text}"),
                        Err(e) => eprintln!("fprintf: {e}"),
                    }
                }
            }
        }
        Op::Load { .. } | Op::Store { .. } | Op::C { .. } | Op::Fail { .. } | Op::Install { .. } => crate::verbatim::run::c_op(op, r, n, cx, mem),
        _ => unreachable!("a hot op"),
    }
}

impl fmt::Display for Block {
    /// A readable listing (for snapshots and debugging).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (r, c) in &self.consts {
            writeln!(f, "  r{r} = {c:?}")?;
        }
        for (r, l) in &self.loads {
            writeln!(f, "  r{r} <- {l:?}")?;
        }
        for (k, op) in self.ops.iter().enumerate() {
            let s = match op {
                Op::Const(d, c) => format!("r{d} = {c:?}"),
                Op::Mov(d, a) => format!("r{d} = r{a}"),
                Op::F1(g, d, a) => format!("r{d} = {g:?}(r{a})"),
                Op::F2(g, d, a, b) => format!("r{d} = {g:?}(r{a}, r{b})"),
                Op::Select(d, m, a, b) => format!("r{d} = r{m} ? r{a} : r{b}"),
                Op::Cnexp { dst, x, a, nb, dt } => format!("r{dst} = cnexp(x r{x}, a r{a}, -b r{nb}, dt r{dt})"),
                Op::Table { tab, x, out, n } => format!("r{out}..+{n} = table{tab}(r{x})"),
                Op::JumpIfZero(c, t) => format!("if r{c} == 0 goto {t}"),
                Op::JumpIfNone(m, t) => format!("if none r{m} goto {t}"),
                Op::Jump(t) => format!("goto {t}"),
                Op::NetSend { mask, delay, flag } => format!("net_send(r{delay}, r{flag}) mask {mask:?}"),
                Op::NetEvent { mask, t } => format!("net_event(r{t}) mask {mask:?}"),
                Op::AtTime { mask, t } => format!("at_time(r{t}) mask {mask:?}"),
                Op::Random { op, base, args, n, dst, mask } => format!("r{dst} = random {op:?} col{base} r{args}..+{n} mask {mask:?}"),
                Op::ForNetcons { first, n, idx, more, next } => format!("r{more} = for_netcons{} r{first}..+{n} at r{idx}", if *next { " next" } else { "" }),
                Op::ArgLoad { dst, k } => format!("r{dst} = arg{k}"),
                Op::ArgStore { src, k } => format!("arg{k} = r{src}"),
                Op::Newton(k) => format!("newton {k}"),
                Op::Sparse(k) => format!("sparse {k}"),
                Op::WatchOn { mask, k, flag } => format!("watch {k} flag r{flag} mask {mask:?}"),
                Op::NetMove { mask, t } => format!("net_move(r{t}) mask {mask:?}"),
                Op::Linear { mask, k } => format!("linear {k} mask {mask:?}"),
                Op::FTable { k, args, n, dst } => format!("r{dst} = function_table{k}(r{args}..+{n})"),
                Op::LoadArr { dst, base, len, idx } => format!("r{dst} = {base:?}[r{idx}] (len {len})"),
                Op::StoreArr { src, base, len, idx, mask } => format!("{base:?}[r{idx}] (len {len}) = r{src} mask {mask:?}"),
                Op::Printf { mask, fmt, args, n } => format!("printf({:?}, r{args}..+{n}) mask {mask:?}", self.strings.get(*fmt as usize)),
                Op::Eprintf { mask, fmt, args, n } => format!("eprintf({:?}, r{args}..+{n}) mask {mask:?}", self.strings.get(*fmt as usize)),
                Op::Load { dst, ptr, mask } => format!("r{dst} = *r{ptr} mask {mask:?}"),
                Op::Store { src, ptr, mask } => format!("*r{ptr} = r{src} mask {mask:?}"),
                Op::C { f, dst, args, n, mask } => format!("r{dst} = {f:?}(r{args}..+{n}) mask {mask:?}"),
                Op::Fail { mask, msg } => format!("fail({:?}) mask {mask:?}", self.strings.get(*msg as usize)),
                Op::Install { mask, name, method } => format!("install_vector_method({:?}, {method}) mask {mask:?}", self.strings.get(*name as usize)),
            };
            writeln!(f, "  {k:3}: {s}")?;
        }
        for (r, l) in &self.stores {
            writeln!(f, "  r{r} -> {l:?}")?;
        }
        for (k, nw) in self.newtons.iter().enumerate() {
            let sub = Block { ops: nw.ops.clone(), ..Default::default() };
            writeln!(f, "  newton {k}: states {:?} residuals {:?}", nw.states, nw.resid)?;
            write!(f, "{sub}")?;
        }
        for (k, sp) in self.sparses.iter().enumerate() {
            let sub = Block { ops: sp.ops.clone(), ..Default::default() };
            let kind = if sp.linear { "linear" } else { "nonlinear" };
            let steady = if sp.steady { " steady" } else { "" };
            writeln!(f, "  sparse {k} ({kind}{steady}): states {:?} olds {:?} rhs {:?}", sp.states, sp.olds, sp.rhs)?;
            let mut elems = sp.elems.clone();
            elems.sort();
            writeln!(f, "  elements {elems:?}")?;
            write!(f, "{sub}")?;
            for st in &sp.steps {
                let s = match *st {
                    crate::sparse::Step::Pivot(p) => format!("pivot r{p}"),
                    crate::sparse::Step::Ratio { el, pivot, row, prow } => format!("q = r{el}/r{pivot}; r{row} -= r{prow}*q"),
                    crate::sparse::Step::Sub { dst, src } => format!("r{dst} -= r{src}*q"),
                    crate::sparse::Step::Back { row, el, col } => format!("r{row} -= r{el}*r{col}"),
                    crate::sparse::Step::Div { row, diag } => format!("r{row} /= r{diag}"),
                };
                writeln!(f, "    {s}")?;
            }
        }
        Ok(())
    }
}
