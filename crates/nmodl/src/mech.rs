//! A compiled .mod file as a [`cable::mechanism::Mechanism`]: its blocks run
//! over the instances in chunks of [`LANES`], as NEURON's translated
//! nrn_init, nrn_cur, nrn_state and NET_RECEIVE do per instance.

use cable::ion::{IonNodes, IonUse};
use cable::mechanism::{apply, Ba, EventCtx, MechData, MechKind, Mechanism, NodeView, PtrSrc, VarSpec};

use crate::compile::Compiled;
use crate::ir::{Block, Ctx, Effects, LaneText, Loc, Mem, Op, Reg, LANES};

pub struct NmodlMechanism {
    pub c: Compiled,
    /// Model ion type of each of `c.ions`.
    ion_types: Vec<usize>,
    /// Loads the second current evaluation (at v) repeats: v, and inputs
    /// the first evaluation overwrote. The others still hold their values.
    cur_reload: Vec<(Reg, Loc)>,
    /// Whether the current block reads a value it also stores (then the
    /// first evaluation's stores must happen, as in NEURON).
    cur_stateful: bool,
    /// HOC as the mechanism's VERBATIM C reaches it.
    host: std::rc::Rc<dyn crate::verbatim::host::Host>,
}

impl NmodlMechanism {
    /// Gives the mechanism's VERBATIM C its way to HOC.
    pub fn set_host(&mut self, host: std::rc::Rc<dyn crate::verbatim::host::Host>) {
        self.host = host;
    }

    /// The C functions HOC can install as methods (`install_vector_method`).
    pub fn methods(&self) -> impl Iterator<Item = &str> {
        self.c.methods.iter().map(|m| m.0.as_str())
    }

    /// The node values INITIAL, BREAKPOINT and the SOLVE blocks read: an
    /// ELECTRODE_CURRENT mechanism takes v as the internal potential
    /// (v + vext[0] under extracellular), as nocmodl's code does.
    fn env<'a>(&self, n: &NodeView<'a>, voff: f64) -> Env<'a> {
        let mut env = Env::nodes(n, voff);
        if self.c.electrode {
            env.v = n.vi;
        }
        env
    }

    pub fn new(c: Compiled) -> Self {
        let n = c.ions.len();
        let (mut cur_reload, mut cur_stateful) = (Vec::new(), false);
        if let Some((b, _, _)) = &c.current {
            let w = crate::regalloc::written(b);
            cur_reload = b.loads.iter().filter(|(r, l)| *l == Loc::V || *l == Loc::StateDiscon || w.contains(r)).copied().collect();
            cur_stateful = b.stores.iter().any(|(r, _)| b.loads.iter().any(|(q, _)| q == r));
        }
        NmodlMechanism { c, ion_types: (0..n).collect(), cur_reload, cur_stateful, host: std::rc::Rc::new(crate::verbatim::host::NoHost) }
    }
}

/// What loads read besides the mechanism's own data.
struct Env<'a> {
    v: &'a [f64],
    area: &'a [f64],
    diam: &'a [f64],
    voff: f64,
    t: f64,
    dt: f64,
    celsius: f64,
    flag: f64,
    xs: &'a [f64],
    /// Columns read as their defaults (a TABLE build has no instance).
    defaults: Option<&'a [VarSpec]>,
    /// v of the instance an event is delivered to (NET_RECEIVE).
    event_v: f64,
    /// `state_discontinuity()` takes effect.
    discon: bool,
}

impl<'a> Env<'a> {
    fn bare(t: f64, dt: f64, celsius: f64) -> Self {
        Env { v: &[], area: &[], diam: &[], voff: 0.0, t, dt, celsius, flag: 0.0, xs: &[], defaults: None, event_v: f64::NAN, discon: true }
    }
    fn nodes(n: &NodeView<'a>, voff: f64) -> Self {
        Env { v: n.v, area: n.area, diam: n.diam, voff, t: n.t, dt: n.dt, celsius: n.celsius, flag: 0.0, xs: &[], defaults: None, event_v: f64::NAN, discon: true }
    }
}

/// The instances one run of a block covers (at most LANES). The lanes
/// beyond are padding: neither loaded, computed nor stored.
struct Chunk {
    n: usize,
    inst: [usize; LANES],
    node: [usize; LANES],
    /// The first instance of a full chunk of consecutive instances (density
    /// mechanisms are laid out in node order, so most chunks are).
    run: Option<usize>,
    /// The first node when the chunk's nodes are consecutive too (segments
    /// of one section).
    node_run: Option<usize>,
}

impl Chunk {
    fn new(idx: &[u32], nodes: &[u32], no_nodes: bool) -> Self {
        let n = idx.len();
        let mut inst = [0; LANES];
        let mut node = [0; LANES];
        for l in 0..n {
            let i = idx[l] as usize;
            inst[l] = i;
            node[l] = if no_nodes { 0 } else { nodes[i] as usize };
        }
        let run = (n == LANES && idx.windows(2).all(|w| w[1] == w[0] + 1)).then_some(inst[0]);
        let node_run = (run.is_some() && !no_nodes && node.windows(2).all(|w| w[1] == w[0] + 1)).then_some(node[0]);
        Chunk { n, inst, node, run, node_run }
    }

    /// The chunk's values of a node array.
    fn at_nodes(&self, lanes: &mut [f64; LANES], a: &[f64]) {
        match self.node_run {
            Some(n0) => *lanes = a[n0..n0 + LANES].try_into().unwrap(),
            None => {
                for l in 0..self.n {
                    lanes[l] = a[self.node[l]];
                }
            }
        }
    }

    fn gather(&self, lanes: &mut [f64; LANES], col: &[f64]) {
        match self.run {
            Some(i0) => *lanes = col[i0..i0 + LANES].try_into().unwrap(),
            None => {
                for l in 0..self.n {
                    lanes[l] = col[self.inst[l]];
                }
            }
        }
    }

    fn scatter(&self, lanes: &[f64; LANES], col: &mut [f64]) {
        match self.run {
            Some(i0) => col[i0..i0 + LANES].copy_from_slice(lanes),
            None => {
                for l in 0..self.n {
                    col[self.inst[l]] = lanes[l];
                }
            }
        }
    }
}

/// Effects of blocks that send no events: only printed text, kept in
/// instance order.
#[derive(Default)]
struct Printer(LaneText, String);
impl Effects for Printer {
    fn net_send(&mut self, _: usize, _: f64, _: f64) {}
    fn net_event(&mut self, _: usize, _: f64) {}
    fn print(&mut self, lane: usize, text: &str) {
        self.0.push(lane, text);
    }
    fn end_chunk(&mut self) {
        self.0.drain_into(&mut self.1);
    }
}

/// Effects of TABLE builds: none (printing there would repeat per table point).
struct NoEffects;
impl Effects for NoEffects {
    fn net_send(&mut self, _: usize, _: f64, _: f64) {}
    fn net_event(&mut self, _: usize, _: f64) {}
}

/// Times `at_time` announces.
struct AtTimes<'a>(&'a mut Vec<f64>);
impl Effects for AtTimes<'_> {
    fn net_send(&mut self, _: usize, _: f64, _: f64) {}
    fn net_event(&mut self, _: usize, _: f64) {}
    fn at_time(&mut self, t: f64) {
        self.0.push(t);
    }
}

/// Events asked for by INITIAL, per lane, and its printed text.
#[derive(Default)]
struct Collect {
    sends: Vec<(usize, f64, f64)>,
    events: Vec<(usize, f64)>,
    text: LaneText,
    out: String,
}
impl Effects for Collect {
    fn print(&mut self, lane: usize, text: &str) {
        self.text.push(lane, text);
    }
    fn end_chunk(&mut self) {
        self.text.drain_into(&mut self.out);
    }
    fn net_send(&mut self, lane: usize, delay: f64, flag: f64) {
        self.sends.push((lane, delay, flag));
    }
    fn net_event(&mut self, lane: usize, t: f64) {
        self.events.push((lane, t));
    }
}

/// Effects of NET_RECEIVE: events through the context, WATCH activations kept.
struct EventEffects<'a, 'b>(&'a mut EventCtx<'b>, Vec<(usize, f64)>);
impl Effects for EventEffects<'_, '_> {
    fn watch(&mut self, _: usize, k: usize, flag: f64) {
        self.1.push((k, flag));
    }
    fn net_move(&mut self, _: usize, t: f64) {
        self.0.moved = Some(t);
    }
    fn net_send(&mut self, _: usize, delay: f64, flag: f64) {
        let t = self.0.t + delay;
        self.0.self_events.push((t, flag));
    }
    fn net_event(&mut self, _: usize, t: f64) {
        self.0.spikes.push(t);
    }
    fn print(&mut self, _: usize, text: &str) {
        self.0.out.push_str(text);
    }
    fn netcons(&mut self) -> Option<&mut dyn cable::mechanism::TargetNetCons> {
        match &mut self.0.netcons {
            Some(n) => Some(&mut **n),
            None => None,
        }
    }
}

impl NmodlMechanism {
    fn load(&self, b: &Block, r: &mut [f64], ch: &Chunk, d: &MechData, env: &Env, ions: &[IonNodes], args: &[f64]) {
        // Only the chunk's lanes are computed (and chunk 0 is the widest).
        for &(reg, c) in &b.consts {
            r[reg as usize * LANES..][..ch.n].fill(c);
        }
        self.load_list(&b.loads, r, ch, d, env, ions, args);
    }

    #[allow(clippy::too_many_arguments)]
    fn load_list(&self, loads: &[(Reg, Loc)], r: &mut [f64], ch: &Chunk, d: &MechData, env: &Env, ions: &[IonNodes], args: &[f64]) {
        for &(reg, loc) in loads {
            let lanes: &mut [f64; LANES] = (&mut r[reg as usize * LANES..][..LANES]).try_into().unwrap();
            match loc {
                Loc::Col(c) => match env.defaults {
                    Some(def) => lanes[..ch.n].fill(def[c].default),
                    None => ch.gather(lanes, &d.cols[c]),
                },
                Loc::Global(g) => lanes[..ch.n].fill(d.globals[g]),
                Loc::V if env.v.is_empty() => lanes[..ch.n].fill(env.event_v),
                Loc::V => {
                    ch.at_nodes(lanes, env.v);
                    if env.voff != 0.0 {
                        lanes[..ch.n].iter_mut().for_each(|x| *x += env.voff);
                    }
                }
                Loc::Area | Loc::Diam if env.area.is_empty() => lanes[..ch.n].fill(f64::NAN),
                Loc::Area => {
                    for l in 0..ch.n {
                        lanes[l] = env.area[ch.node[l]];
                    }
                }
                Loc::Diam => {
                    for l in 0..ch.n {
                        lanes[l] = env.diam[ch.node[l]];
                    }
                }
                Loc::Ptr(k) => {
                    for l in 0..ch.n {
                        lanes[l] = match d.ptr_src.get(k).and_then(|p| p.get(ch.inst[l])) {
                            Some(PtrSrc::V(n)) if !env.v.is_empty() => env.v[*n as usize],
                            Some(PtrSrc::Ion(t, f, n)) if !env.v.is_empty() => ions[*t].field(*f)[*n as usize],
                            Some(PtrSrc::Val) => d.ptr_val[k][ch.inst[l]],
                            _ => f64::NAN,
                        };
                    }
                }
                Loc::Hoc(v) => lanes[..ch.n].fill(self.host.hoc_var(v)),
                Loc::PtrSet(k) => {
                    for l in 0..ch.n {
                        let set = d.ptr_src.get(k).and_then(|p| p.get(ch.inst[l])).is_some_and(|s| !matches!(s, PtrSrc::Unset));
                        lanes[l] = if set { 1.0 } else { 0.0 };
                    }
                }
                Loc::T => lanes[..ch.n].fill(env.t),
                Loc::Dt => lanes[..ch.n].fill(env.dt),
                Loc::Celsius => lanes[..ch.n].fill(env.celsius),
                Loc::Ion(k, f) => match ions.get(self.ion_types[k]) {
                    Some(it) => ch.at_nodes(lanes, it.field(f)),
                    None => lanes[..ch.n].fill(f64::NAN),
                },
                Loc::Arg(k) => lanes[..ch.n].fill(args.get(k).copied().unwrap_or(0.0)),
                Loc::Flag => lanes[..ch.n].fill(env.flag),
                Loc::StateDiscon => lanes[..ch.n].fill(if env.discon { 1.0 } else { 0.0 }),
                Loc::TableX => {
                    lanes[..ch.n].copy_from_slice(env.xs);
                    let last = lanes[ch.n - 1];
                    lanes[ch.n..].fill(last);
                }
            }
        }
    }

    fn store(&self, b: &Block, r: &[f64], ch: &Chunk, d: &mut MechData, ions: &mut [IonNodes], args: &mut [f64]) {
        let n = ch.n;
        for &(reg, loc) in &b.stores {
            let lanes: &[f64; LANES] = r[reg as usize * LANES..][..LANES].try_into().unwrap();
            match loc {
                Loc::Col(c) => ch.scatter(lanes, &mut d.cols[c]),
                Loc::Global(g) => d.globals[g] = lanes[n - 1],
                Loc::Ion(k, f) => {
                    let a = ions[self.ion_types[k]].field_mut(f);
                    for l in 0..n {
                        a[ch.node[l]] = lanes[l];
                    }
                }
                Loc::Arg(k) => {
                    if let Some(a) = args.get_mut(k) {
                        *a = lanes[0];
                    }
                }
                Loc::Hoc(v) => self.host.set_hoc_var(v, lanes[n - 1]),
                // Through a POINTER: into an ion's field, or to be taken to
                // its target after the run (`cable::pointer`).
                Loc::Ptr(k) => {
                    for l in 0..n {
                        match d.ptr_src.get(k).and_then(|p| p.get(ch.inst[l])) {
                            Some(&PtrSrc::Ion(t, f, nd)) if !ions.is_empty() => ions[t].field_mut(f)[nd as usize] = lanes[l],
                            Some(PtrSrc::Val) => d.ptr_val[k][ch.inst[l]] = lanes[l],
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Runs a block over `idx` (at most LANES instances): load, execute, store.
    #[allow(clippy::too_many_arguments)]
    fn run(&self, b: &Block, work: &mut Vec<f64>, d: &mut MechData, idx: &[u32], env: &Env, ions: &mut [IonNodes], args: &mut [f64], fx: &mut dyn Effects) {
        self.run_chunk(b, work, d, idx, env, ions, args, fx, true);
    }

    /// `run`, with the constant registers filled only if `consts` (they hold
    /// from the previous chunk of the same block: no op writes them).
    #[allow(clippy::too_many_arguments)]
    /// Under the variable step, a mechanism that reads an ion current it
    /// writes evaluates its states' derivatives before its current, for
    /// what that evaluation assigns (nocmodl's `_ode_spec` call in nrn_cur).
    fn spec_for_current(&self, data: &mut MechData, nodes: &mut NodeView) {
        let Some(o) = &self.c.ode else { return };
        let mut work = std::mem::take(&mut data.work);
        let order = std::mem::take(&mut data.order);
        let env = self.env(nodes, 0.0);
        for (c, idx) in order.chunks(self.lanes()).enumerate() {
            self.run_chunk(&o.block, &mut work, data, idx, &env, nodes.ions, &mut [], &mut NoEffects, c == 0);
        }
        data.order = order;
        data.work = work;
    }

    fn run_chunk(&self, b: &Block, work: &mut Vec<f64>, d: &mut MechData, idx: &[u32], env: &Env, ions: &mut [IonNodes], args: &mut [f64], fx: &mut dyn Effects, consts: bool) {
        self.run_chunk_with(b, work, d, idx, env, ions, args, fx, consts, &mut |_| {});
    }

    /// `run_chunk` with `inputs` setting registers after the block's loads.
    #[allow(clippy::too_many_arguments)]
    fn run_chunk_with(&self, b: &Block, work: &mut Vec<f64>, d: &mut MechData, idx: &[u32], env: &Env, ions: &mut [IonNodes], args: &mut [f64], fx: &mut dyn Effects, consts: bool, inputs: &mut dyn FnMut(&mut [f64])) {
        let need = b.nregs as usize * LANES;
        if work.len() < need {
            work.resize(need, 0.0);
        }
        let ch = Chunk::new(idx, &d.node, env.defaults.is_some() || env.v.is_empty());
        if consts {
            self.load(b, work, &ch, d, env, ions, args);
        } else {
            self.load_list(&b.loads, work, &ch, d, env, ions, args);
        }
        inputs(work);
        let cx = Ctx { tables: &d.tables, specs: &self.c.tables, newtons: &b.newtons, sparses: &b.sparses, strings: &b.strings, linears: &b.linears, ftables: &d.ftables };
        let mut mem = Mem { cols: &mut d.cols, globals: &mut d.globals, args: &mut *args, inst: &ch.inst, failure: None, host: &*self.host };
        crate::jit::exec_block(b, work, idx.len(), &cx, &mut mem, fx);
        if let Some(why) = mem.failure {
            d.error.get_or_insert_with(|| format!("{}: {why}", self.c.name));
        }
        fx.end_chunk();
        if env.defaults.is_some() && b.stores.iter().any(|(_, l)| matches!(l, Loc::Col(_))) {
            // No instance: nothing of one to store.
            let mut b = b.clone();
            b.stores.retain(|(_, l)| !matches!(l, Loc::Col(_)));
            self.store(&b, work, &ch, d, ions, args);
        } else {
            self.store(b, work, &ch, d, ions, args);
        }
    }

    /// NET_RECEIVE (or its INITIAL) for one instance; the WATCH conditions it
    /// activates are recorded (the first turns the instance's others off).
    fn receive(&self, block: &Block, data: &mut MechData, inst: usize, weights: &mut [f64], flag: f64, ctx: &mut EventCtx) {
        if self.c.lazy_tables && uses_table(block) {
            self.check_tables_at(data, Some(inst), None, ctx.celsius, ctx.dt);
        }
        let mut work = std::mem::take(&mut data.work);
        let mut env = Env::bare(ctx.t, ctx.dt, ctx.celsius);
        env.flag = flag;
        env.event_v = ctx.v;
        let mut fx = EventEffects(ctx, Vec::new());
        self.run(block, &mut work, data, &[inst as u32], &env, &mut [], weights, &mut fx);
        for (n, &(k, f)) in fx.1.iter().enumerate() {
            if n == 0 {
                data.watch_on[inst] = 0;
                data.watch_new[inst] = 0;
            }
            data.watch_on[inst] |= 1 << k;
            data.watch_new[inst] |= 1 << k;
            data.watch_flag[inst][k] = f;
        }
        data.work = work;
    }

    /// Rebuilds the TABLEs whose dependencies changed. RANGE variables, in
    /// the dependencies and in the body, are those of instance `inst` (None:
    /// no instance, the declared defaults); what the body assigns stays in
    /// that instance. The membrane and ions are read at the instance's node
    /// from `nodes`; without them (a call from HOC) such a table is built
    /// with NaN there and built again at the next check.
    fn check_tables_at(&self, data: &mut MechData, inst: Option<usize>, mut nodes: Option<&mut NodeView>, celsius: f64, dt: f64) {
        if self.c.tables.is_empty() {
            return;
        }
        let need: usize = self.c.tables.iter().map(|t| t.size()).sum();
        if data.tables.len() < need {
            if data.tables.try_reserve_exact(need - data.tables.len()).is_err() {
                data.error.get_or_insert_with(|| format!("{}: out of memory for its TABLEs ({need} values)", self.c.name));
                return;
            }
            data.tables.resize(need, 0.0);
        }
        let inst = inst.filter(|&i| i < data.alive.len());
        let mut work = std::mem::take(&mut data.work);
        for s in &self.c.tables {
            if data.globals[s.usetable] == 0.0 {
                continue;
            }
            let dep = |l: &Loc, d: &MechData| match *l {
                Loc::Global(g) => d.globals[g],
                Loc::Col(c) => match inst {
                    Some(i) => d.cols[c][i],
                    None => self.c.vars[c].default,
                },
                Loc::Dt => dt,
                _ => celsius,
            };
            let t = &data.tables[s.offset..];
            let stale = t[0] == 0.0 || s.depend.iter().enumerate().any(|(k, l)| t[3 + k] != dep(l, data));
            if !stale {
                continue;
            }
            let reads_node = |b: &Block| b.loads.iter().any(|(_, l)| matches!(l, Loc::V | Loc::Ion(..) | Loc::Area | Loc::Diam | Loc::Ptr(_)));
            let at_node = inst.is_some() && nodes.is_some();
            let provisional = !at_node && (reads_node(&s.bounds) || reads_node(&s.build));
            let mut no_ions: [IonNodes; 0] = [];
            let (v, area, diam, ions): (&[f64], &[f64], &[f64], &mut [IonNodes]) = match nodes.as_deref_mut() {
                Some(n) if at_node => (n.v, n.area, n.diam, &mut *n.ions),
                _ => (&[], &[], &[], &mut no_ions),
            };
            let env_at = |xs| {
                let mut env = Env::bare(0.0, dt, celsius);
                if inst.is_none() {
                    env.defaults = Some(&self.c.vars);
                }
                (env.v, env.area, env.diam) = (v, area, diam);
                env.xs = xs;
                env
            };
            let idx = [inst.unwrap_or(0) as u32; LANES];
            self.run(&s.bounds, &mut work, data, &idx[..1], &env_at(&[]), ions, &mut [], &mut NoEffects);
            let (tmin, tmax) = (work[0], work[LANES]);
            let dx = (tmax - tmin) / s.n as f64;
            // The outputs go straight into the table's storage, a chunk of
            // points at a time (a table may hold 10^8 points).
            let first = s.offset + 3 + s.depend.len();
            let mut x = tmin;
            let mut at = 0;
            while at <= s.n {
                let m = LANES.min(s.n + 1 - at);
                let mut xs = [0.0; LANES];
                for xk in &mut xs[..m] {
                    *xk = x;
                    x += dx;
                }
                let mut env = env_at(&[]);
                env.xs = &xs[..m];
                self.run(&s.build, &mut work, data, &idx[..m], &env, ions, &mut [], &mut NoEffects);
                for (k, &r) in s.outs.iter().enumerate() {
                    let row = first + k * (s.n + 1) + at;
                    data.tables[row..row + m].copy_from_slice(&work[r as usize * LANES..r as usize * LANES + m]);
                }
                at += m;
            }
            let deps: Vec<f64> = s.depend.iter().map(|l| dep(l, data)).collect();
            let t = &mut data.tables[s.offset..s.offset + s.size()];
            t[0] = if provisional { 0.0 } else { 1.0 };
            t[1] = tmin;
            t[2] = 1.0 / dx;
            t[3..3 + deps.len()].copy_from_slice(&deps);
        }
        data.work = work;
    }

    /// A mechanism nocmodl would not make thread safe checks its TABLEs
    /// where their functions are called, with the calling instance: here,
    /// right before a block that looks one up runs, with the block's first
    /// instance (NEURON checks them at finitialize and before each step
    /// only for thread-safe mechanisms).
    fn lazy_tables_for(&self, block: &Block, data: &mut MechData, nodes: &mut NodeView) {
        if !self.c.lazy_tables || !uses_table(block) {
            return;
        }
        let first = data.order.first().map(|&i| i as usize);
        let (celsius, dt) = (nodes.celsius, nodes.dt);
        self.check_tables_at(data, first, Some(nodes), celsius, dt);
    }

    /// Instances per run of a block: one at a time when the mechanism draws
    /// from the SCoP generator (NEURON's order of draws), else LANES.
    fn lanes(&self) -> usize {
        if self.c.sequential {
            1
        } else {
            LANES
        }
    }

    /// Runs `b` over every instance; returns what it printed.
    fn run_all(&self, b: &Block, data: &mut MechData, env: &Env, ions: &mut [IonNodes]) -> String {
        let mut work = std::mem::take(&mut data.work);
        let order = std::mem::take(&mut data.order);
        let mut printer = Printer::default();
        for (k, idx) in order.chunks(self.lanes()).enumerate() {
            self.run_chunk(b, &mut work, data, idx, env, ions, &mut [], &mut printer, k == 0);
        }
        data.order = order;
        data.work = work;
        printer.1
    }

    /// The variable step's solve where `METHOD sparse` schemes form their
    /// own matrix (`OdeMatsol`); the other states divide by 1 − γ·jac.
    #[allow(clippy::too_many_arguments)]
    fn scheme_matsol(&self, ms: &crate::compile::OdeMatsol, ns: usize, data: &mut MechData, nodes: &mut NodeView, gamma: f64, b: &mut [f64], jac: &[f64]) {
        let n = data.order.len();
        for &k in &ms.others {
            for p in 0..n {
                b[p * ns + k] /= 1.0 - gamma * jac[p * ns + k];
            }
        }
        self.lazy_tables_for(&ms.block, data, nodes);
        let mut work = std::mem::take(&mut data.work);
        let order = std::mem::take(&mut data.order);
        let env = Env::nodes(nodes, 0.0);
        let lanes = self.lanes();
        for (c, idx) in order.chunks(lanes).enumerate() {
            let first = c * lanes;
            let mut put = |w: &mut [f64]| {
                for &(k, reg, _) in &ms.rows {
                    for l in 0..idx.len() {
                        w[reg as usize * LANES + l] = b[(first + l) * ns + k];
                    }
                }
            };
            self.run_chunk_with(&ms.block, &mut work, data, idx, &env, nodes.ions, &mut [], &mut NoEffects, c == 0, &mut put);
            for &(k, _, reg) in &ms.rows {
                for l in 0..idx.len() {
                    b[(first + l) * ns + k] = work[reg as usize * LANES + l];
                }
            }
        }
        data.order = order;
        data.work = work;
    }

    /// Each diffusing species' diffusion coefficient, volume and flux
    /// derivative at every instance (n values each, in that order by
    /// species), then room for a tree solve.
    fn diffusion_coefs(&self, data: &mut MechData, nodes: &mut NodeView) -> Vec<f64> {
        let Some((block, outs)) = &self.c.diffusion else { return Vec::new() };
        let n = data.order.len();
        let ne = outs.len();
        let mut buf = std::mem::take(&mut data.ldiff.buf);
        if buf.len() < 3 * ne * n + 4 * n {
            buf.resize(3 * ne * n + 4 * n, 0.0);
        }
        let mut work = std::mem::take(&mut data.work);
        let order = std::mem::take(&mut data.order);
        let env = Env::nodes(nodes, 0.0);
        let ktf = 1000.0 * cable::ion::GAS_R * (nodes.celsius + 273.15) / cable::ion::FARADAY;
        for (c, idx) in order.chunks(self.lanes()).enumerate() {
            self.run_chunk(block, &mut work, data, idx, &env, nodes.ions, &mut [], &mut NoEffects, c == 0);
            for (e, sp) in outs.iter().enumerate() {
                for l in 0..idx.len() {
                    let at = c * self.lanes() + l;
                    buf[e * n + at] = work[sp.dc as usize * LANES + l];
                    buf[(ne + e) * n + at] = work[sp.vol as usize * LANES + l];
                    // nrn_nernst_coef(type) * the flux at dI/dv.
                    buf[(2 * ne + e) * n + at] = match sp.dflux {
                        Some((r, k)) => ktf / nodes.ions[self.ion_types[k]].valence * work[r as usize * LANES + l],
                        None => 0.0,
                    };
                }
            }
        }
        data.work = work;
        data.order = order;
        buf
    }

    /// A diffusing species' value at the instance in position i.
    fn species(&self, loc: Loc, data: &MechData, nodes: &NodeView, i: usize) -> f64 {
        let inst = data.order[i] as usize;
        match loc {
            Loc::Col(c) => data.cols[c][inst],
            Loc::Ion(k, f) => nodes.ions[self.ion_types[k]].field(f)[data.node[inst] as usize],
            _ => 0.0,
        }
    }
}

/// The coupling of each instance to its parent (ldifus.cpp): with the mean
/// of the two diffusion constants, a = sign·af·dc/vol(parent) and
/// b = sign·bf·dc/vol.
fn couplings(ld: &cable::mechanism::LongDiff, dc: &[f64], vol: &[f64], sign: f64, a: &mut [f64], b: &mut [f64]) {
    for i in 0..dc.len() {
        let p = ld.parent[i];
        if p != usize::MAX {
            // (±1 times af is exact: NEURON's -af*dc/vol.)
            let dcm = (dc[i] + dc[p]) / 2.0;
            a[i] = sign * ld.af[i] * dcm / vol[p];
            b[i] = sign * ld.bf[i] * dcm / vol[i];
        }
    }
}

/// (1/dt + d − couplings) x = rhs on the tree of instances: the matrix set
/// up, eliminated leaves first, then substituted root first (NEURON's
/// nrn_tree_solve); x replaces rhs.
fn tree_solve(parent: &[usize], dt: f64, a: &[f64], b: &[f64], d: &mut [f64], rhs: &mut [f64]) {
    let n = d.len();
    for i in 0..n {
        d[i] += 1.0 / dt;
        let p = parent[i];
        if p != usize::MAX {
            d[i] -= b[i];
            d[p] -= a[i];
        }
    }
    for i in (1..n).rev() {
        let p = parent[i];
        if p != usize::MAX {
            let f = a[i] / d[i];
            d[p] -= f * b[i];
            rhs[p] -= f * rhs[i];
        }
    }
    for i in 0..n {
        let p = parent[i];
        if p != usize::MAX {
            rhs[i] -= b[i] * rhs[p];
        }
        rhs[i] /= d[i];
    }
}

impl Mechanism for NmodlMechanism {
    fn name(&self) -> &str {
        &self.c.name
    }
    fn kind(&self) -> MechKind {
        self.c.kind
    }
    fn vars(&self) -> &[VarSpec] {
        &self.c.vars
    }
    fn globals(&self) -> &[VarSpec] {
        &self.c.globals
    }
    fn pointers(&self) -> &[String] {
        &self.c.pointers
    }
    fn function_tables(&self) -> Vec<String> {
        self.c.ftables.iter().map(|t| t.0.clone()).collect()
    }
    fn function_table_arity(&self, k: usize) -> usize {
        self.c.ftables.get(k).map_or(1, |t| t.1)
    }
    fn ions(&self) -> &[IonUse] {
        &self.c.ions
    }
    fn bind_ions(&mut self, types: &[usize]) {
        self.ion_types = types.to_vec();
    }
    fn is_electrode(&self) -> bool {
        self.c.electrode
    }
    fn has_current(&self) -> bool {
        self.c.current.is_some()
    }
    fn weights(&self) -> usize {
        self.c.nweights
    }

    fn check_tables(&self, data: &mut MechData, nodes: &mut NodeView) {
        // Not thread safe: built where called (`lazy_tables_for`).
        if self.c.lazy_tables {
            return;
        }
        let first = data.order.first().map(|&i| i as usize);
        let (celsius, dt) = (nodes.celsius, nodes.dt);
        self.check_tables_at(data, first, Some(nodes), celsius, dt);
    }

    fn initialize(&self, data: &mut MechData, nodes: &mut NodeView, ev: &mut dyn FnMut(u32, &mut EventCtx)) {
        self.lazy_tables_for(&self.c.initial, data, nodes);
        let mut work = std::mem::take(&mut data.work);
        let order = std::mem::take(&mut data.order);
        let mut fx = Collect::default();
        let env = self.env(nodes, 0.0);
        let initial = match &self.c.initial_second_order {
            Some(b) if nodes.second_order => b,
            _ => &self.c.initial,
        };
        for idx in order.chunks(self.lanes()) {
            fx.sends.clear();
            fx.events.clear();
            self.run(initial, &mut work, data, idx, &env, nodes.ions, &mut [], &mut fx);
            if fx.sends.is_empty() && fx.events.is_empty() {
                continue;
            }
            for (l, &inst) in idx.iter().enumerate() {
                let mut evs: Vec<(f64, f64)> = fx.sends.iter().filter(|s| s.0 == l).map(|s| (env.t + s.1, s.2)).collect();
                let mut spikes: Vec<f64> = fx.events.iter().filter(|s| s.0 == l).map(|s| s.1).collect();
                if !evs.is_empty() || !spikes.is_empty() {
                    let mut out = String::new();
                    ev(inst, &mut EventCtx { t: env.t, dt: env.dt, celsius: env.celsius, self_events: &mut evs, spikes: &mut spikes, out: &mut out, moved: None, v: f64::NAN, netcons: None });
                }
            }
        }
        nodes.out.push_str(&fx.out);
        data.order = order;
        data.work = work;
    }

    fn currents(&self, data: &mut MechData, nodes: &mut NodeView) {
        let Some((block, total, ion_regs)) = &self.c.current else { return };
        self.lazy_tables_for(block, data, nodes);
        if nodes.cvode && self.c.spec_in_current {
            self.spec_for_current(data, nodes);
        }
        let point = self.c.kind == MechKind::Point;
        let mut work = std::mem::take(&mut data.work);
        let order = std::mem::take(&mut data.order);
        // Text of the evaluation at v + 0.001 and at v, per lane: NEURON
        // prints both evaluations of one instance before the next instance.
        let (mut first, mut second) = (Printer::default(), Printer::default());
        let mut text = String::new();
        let mut g1 = [0.0; LANES];
        // (the compiler allows at most 8 ion currents)
        let mut di_lanes;
        let di: &mut [[f64; LANES]] = if ion_regs.is_empty() {
            &mut []
        } else {
            di_lanes = [[0.0; LANES]; 8];
            &mut di_lanes[..ion_regs.len()]
        };
        let need = block.nregs as usize * LANES;
        if work.len() < need {
            work.resize(need, 0.0);
        }
        for (c, idx) in order.chunks(self.lanes()).enumerate() {
            let n = idx.len();
            let ch = Chunk::new(idx, &data.node, false);
            // At v + 0.001 mV: the total and ion currents for the conductances.
            let mut env = self.env(nodes, 0.001);
            env.discon = nodes.state_discon;
            if c == 0 {
                self.load(block, &mut work, &ch, data, &env, nodes.ions, &[]);
            } else {
                self.load_list(&block.loads, &mut work, &ch, data, &env, nodes.ions, &[]);
            }
            let cx = Ctx { tables: &data.tables, specs: &self.c.tables, newtons: &block.newtons, sparses: &block.sparses, strings: &block.strings, linears: &block.linears, ftables: &data.ftables };
            let mut mem = Mem { cols: &mut data.cols, globals: &mut data.globals, args: &mut [], inst: &ch.inst, failure: None, host: &*self.host };
            crate::jit::exec_block(block, &mut work, n, &cx, &mut mem, &mut first);
            if let Some(why) = mem.failure {
                data.error.get_or_insert_with(|| format!("{}: {why}", self.c.name));
            }
            if self.cur_stateful {
                self.store(block, &work, &ch, data, nodes.ions, &mut []);
            }
            g1[..n].copy_from_slice(&work[*total as usize * LANES..][..n]);
            for (k, &(_, r)) in ion_regs.iter().enumerate() {
                di[k][..n].copy_from_slice(&work[r as usize * LANES..][..n]);
            }
            // At v: what the instance keeps (state discontinuities happened in the first).
            let mut env = self.env(nodes, 0.0);
            env.discon = false;
            if self.cur_stateful {
                self.load_list(&block.loads, &mut work, &ch, data, &env, nodes.ions, &[]);
            } else {
                self.load_list(&self.cur_reload, &mut work, &ch, data, &env, nodes.ions, &[]);
            }
            let cx = Ctx { tables: &data.tables, specs: &self.c.tables, newtons: &block.newtons, sparses: &block.sparses, strings: &block.strings, linears: &block.linears, ftables: &data.ftables };
            let mut mem = Mem { cols: &mut data.cols, globals: &mut data.globals, args: &mut [], inst: &ch.inst, failure: None, host: &*self.host };
            crate::jit::exec_block(block, &mut work, n, &cx, &mut mem, &mut second);
            first.0.interleave_into(&mut second.0, &mut text);
            self.store(block, &work, &ch, data, nodes.ions, &mut []);
            if !point && ion_regs.is_empty() && !self.c.electrode && !nodes.imem {
                // A density current with no ions: the common case, kept tight.
                let cur: &[f64; LANES] = work[*total as usize * LANES..][..LANES].try_into().unwrap();
                for l in 0..n {
                    let ni = ch.node[l];
                    let g = (g1[l] - cur[l]) / 0.001;
                    data.g[ch.inst[l]] = g;
                    nodes.rhs[ni] -= cur[l];
                    nodes.d[ni] += g;
                }
                continue;
            }
            if !point && !self.c.electrode && !nodes.imem {
                // A density current with ions: each ion's sums, then the matrix.
                for (k, &(ion, r)) in ion_regs.iter().enumerate() {
                    let it = &mut nodes.ions[self.ion_types[ion]];
                    let cur: &[f64; LANES] = work[r as usize * LANES..][..LANES].try_into().unwrap();
                    for l in 0..n {
                        let ni = ch.node[l];
                        it.dcur[ni] += (di[k][l] - cur[l]) / 0.001;
                        it.cur[ni] += cur[l];
                    }
                }
                let cur: &[f64; LANES] = work[*total as usize * LANES..][..LANES].try_into().unwrap();
                for l in 0..n {
                    let ni = ch.node[l];
                    let g = (g1[l] - cur[l]) / 0.001;
                    data.g[ch.inst[l]] = g;
                    nodes.rhs[ni] -= cur[l];
                    nodes.d[ni] += g;
                }
                continue;
            }
            for l in 0..n {
                let inst = idx[l] as usize;
                let ni = data.node[inst] as usize;
                let mut rhs = work[*total as usize * LANES + l];
                let mut g = (g1[l] - rhs) / 0.001;
                let f = if point { 1.0e2 / nodes.area[ni] } else { 1.0 };
                for (k, &(ion, r)) in ion_regs.iter().enumerate() {
                    let i = work[r as usize * LANES + l];
                    let it = &mut nodes.ions[self.ion_types[ion]];
                    it.dcur[ni] += (di[k][l] - i) / 0.001 * f;
                    it.cur[ni] += i * f;
                }
                if point {
                    g *= f;
                    rhs *= f;
                }
                data.g[inst] = g;
                apply(nodes, ni, rhs, g, self.c.electrode);
            }
        }
        data.order = order;
        data.work = work;
        nodes.out.push_str(&text);
    }

    fn state(&self, data: &mut MechData, nodes: &mut NodeView) {
        let Some(block) = &self.c.state else { return };
        self.lazy_tables_for(block, data, nodes);
        let mut env = self.env(nodes, 0.0);
        let block = match &self.c.state_second_order {
            Some(b) if nodes.second_order => {
                env.dt *= 0.5;
                b
            }
            _ => block,
        };
        let text = self.run_all(block, data, &env, nodes.ions);
        nodes.out.push_str(&text);
    }

    fn has_net_init(&self) -> bool {
        self.c.net_init.is_some()
    }

    fn net_init(&self, data: &mut MechData, inst: usize, weights: &mut [f64], ctx: &mut EventCtx) {
        let Some(block) = &self.c.net_init else { return };
        self.receive(block, data, inst, weights, 0.0, ctx);
    }

    fn net_receive(&self, data: &mut MechData, inst: usize, weights: &mut [f64], flag: f64, ctx: &mut EventCtx) {
        let Some(block) = &self.c.net_receive else { return };
        self.receive(block, data, inst, weights, flag, ctx);
    }

    fn has_constructor(&self) -> bool {
        self.c.constructor.is_some()
    }

    fn construct(&self, data: &mut MechData, inst: usize, clock: (f64, f64, f64)) -> Result<(), String> {
        let Some(block) = &self.c.constructor else { return Ok(()) };
        let mut work = std::mem::take(&mut data.work);
        let env = Env::bare(clock.0, clock.1, clock.2);
        let mut printer = Printer::default();
        self.run(block, &mut work, data, &[inst as u32], &env, &mut [], &mut [], &mut printer);
        self.host.print(&printer.1);
        data.work = work;
        match data.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn call(&self, data: &mut MechData, inst: usize, name: &str, args: &[f64], clock: (f64, f64, f64)) -> Option<f64> {
        let (_, block, result, nargs) = self.c.callables.iter().find(|c| c.0 == name)?;
        if args.len() != *nargs || inst >= data.alive.len() {
            return None;
        }
        self.check_tables_at(data, Some(inst), None, clock.2, clock.1);
        let mut work = std::mem::take(&mut data.work);
        let mut a = args.to_vec();
        let env = Env::bare(clock.0, clock.1, clock.2);
        let mut printer = Printer::default();
        self.run(block, &mut work, data, &[inst as u32], &env, &mut [], &mut a, &mut printer);
        self.host.print(&printer.1);
        let r = result.map_or(1.0, |r| work[r as usize * LANES]);
        data.work = work;
        Some(r)
    }

    fn functions(&self) -> Vec<String> {
        self.c.callables.iter().map(|c| c.0.clone()).collect()
    }

    fn call_function(&self, data: &mut MechData, inst: Option<usize>, k: usize, args: &[f64], clock: (f64, f64, f64)) -> Result<f64, String> {
        let (name, block, result, nargs) = &self.c.callables[k];
        if args.len() < *nargs {
            return Err(format!("{name}_{}: argument {} missing", self.c.name, args.len() + 1));
        }
        // Instance variables (and tables) need an instance, as NEURON's
        // translated functions do; arguments and GLOBALs do not.
        let per_instance = block.loads.iter().chain(&block.stores).any(|(_, l)| !matches!(l, Loc::Arg(_) | Loc::Celsius | Loc::T | Loc::Dt | Loc::Global(_)))
            || block.ops.iter().any(|op| matches!(op, crate::ir::Op::Table { .. }));
        if per_instance && inst.is_none_or(|i| i >= data.alive.len()) {
            return Err(format!("No data for {name}_{}. Requires prior call to setdata_{} and that the specified mechanism instance still be in existence.", self.c.name, self.c.name));
        }
        self.check_tables_at(data, inst, None, clock.2, clock.1);
        let mut work = std::mem::take(&mut data.work);
        let mut a = args[..*nargs].to_vec();
        let mut env = Env::bare(clock.0, clock.1, clock.2);
        if !per_instance {
            env.defaults = Some(&self.c.vars);
        }
        let failed = data.error.take();
        let mut printer = Printer::default();
        self.run(block, &mut work, data, &[inst.unwrap_or(0) as u32], &env, &mut [], &mut a, &mut printer);
        self.host.print(&printer.1);
        // A PROCEDURE gives 1 to HOC, as NEURON's wrappers do.
        let r = result.map_or(1.0, |r| work[r as usize * LANES]);
        data.work = work;
        if let Some(e) = std::mem::replace(&mut data.error, failed) {
            return Err(e);
        }
        Ok(r)
    }

    fn call_method(&self, data: &mut MechData, k: usize, clock: (f64, f64, f64)) -> Result<f64, String> {
        let Some((_, block, result)) = self.c.methods.get(k) else {
            return Err(format!("{}: no method {k}", self.c.name));
        };
        let mut work = std::mem::take(&mut data.work);
        let mut env = Env::bare(clock.0, clock.1, clock.2);
        env.defaults = Some(&self.c.vars);
        let failed = data.error.take();
        let mut printer = Printer::default();
        self.run(block, &mut work, data, &[0], &env, &mut [], &mut [], &mut printer);
        self.host.print(&printer.1);
        let r = result.map_or(0.0, |r| work[r as usize * LANES]);
        data.work = work;
        if let Some(e) = std::mem::replace(&mut data.error, failed) {
            return Err(e);
        }
        Ok(r)
    }

    fn discontinuities(&self, data: &mut MechData, nodes: &mut NodeView, out: &mut Vec<f64>) {
        let Some((block, _, _)) = &self.c.current else { return };
        if !block.ops.iter().any(|op| matches!(op, Op::AtTime { .. })) {
            return;
        }
        let mut work = std::mem::take(&mut data.work);
        let order = std::mem::take(&mut data.order);
        let env = Env::nodes(nodes, 0.0);
        let mut fx = AtTimes(out);
        for (c, idx) in order.chunks(self.lanes()).enumerate() {
            self.run_chunk(block, &mut work, data, idx, &env, nodes.ions, &mut [], &mut fx, c == 0);
        }
        data.order = order;
        data.work = work;
    }

    fn random_streams(&self) -> &[usize] {
        &self.c.randoms
    }

    fn pointer_read(&self, k: usize) -> bool {
        let c = &self.c;
        let blocks = std::iter::once(&c.initial)
            .chain(c.current.as_ref().map(|x| &x.0))
            .chain(&c.state)
            .chain(&c.net_receive)
            .chain(&c.net_init)
            .chain(c.watch.as_ref().map(|x| &x.0))
            .chain(c.ba.iter().map(|x| &x.1))
            .chain(c.ode.as_ref().map(|o| &o.block))
            .chain(c.diffusion.as_ref().map(|x| &x.0));
        blocks.into_iter().any(|b| b.loads.iter().any(|(_, l)| *l == Loc::Ptr(k)))
    }

    fn pointer_written(&self, k: usize) -> bool {
        let c = &self.c;
        let blocks = std::iter::once(&c.initial)
            .chain(c.current.as_ref().map(|x| &x.0))
            .chain(&c.state)
            .chain(&c.net_receive)
            .chain(&c.net_init)
            .chain(c.ba.iter().map(|x| &x.1))
            .chain(c.ode.as_ref().map(|o| &o.block));
        blocks.into_iter().any(|b| b.stores.iter().any(|(_, l)| *l == Loc::Ptr(k)))
    }

    fn ode_count(&self) -> usize {
        self.c.ode.as_ref().map_or(0, |o| o.states.len())
    }

    fn ode_unsupported(&self) -> Option<String> {
        self.c.ode_unsupported.as_ref().map(|why| format!("{} cannot be used with CVODE: {why}", self.c.name))
    }

    fn ode_jac_len(&self) -> usize {
        self.c.ode.as_ref().map_or(0, |o| o.states.len() + o.offdiag.len())
    }

    fn ode_matsol(&self, data: &mut MechData, nodes: &mut NodeView, gamma: f64, b: &mut [f64], jac: &[f64]) {
        let Some(o) = &self.c.ode else { return };
        let ns = o.states.len();
        if let Some(ms) = &o.matsol {
            return self.scheme_matsol(ms, ns, data, nodes, gamma, b, jac);
        }
        if o.offdiag.is_empty() {
            for (x, j) in b.iter_mut().zip(jac) {
                *x /= 1.0 - gamma * j;
            }
            return;
        }
        // Each instance's scheme as one small dense system, by Gaussian
        // elimination with partial pivoting.
        let n = data.order.len();
        let m = &mut data.ode_scratch;
        m.resize(ns * ns + ns, 0.0);
        let (a, x) = m.split_at_mut(ns * ns);
        for p in 0..n {
            a.iter_mut().for_each(|v| *v = 0.0);
            for k in 0..ns {
                a[k * ns + k] = 1.0 - gamma * jac[p * ns + k];
                x[k] = b[p * ns + k];
            }
            for (e, &(row, col, _)) in o.offdiag.iter().enumerate() {
                a[row * ns + col] -= gamma * jac[(ns + e) * n + p];
            }
            for k in 0..ns {
                let piv = (k..ns).max_by(|&i, &j| a[i * ns + k].abs().total_cmp(&a[j * ns + k].abs())).unwrap_or(k);
                if piv != k {
                    for c in 0..ns {
                        a.swap(k * ns + c, piv * ns + c);
                    }
                    x.swap(k, piv);
                }
                let d = a[k * ns + k];
                if d == 0.0 {
                    continue;
                }
                for i in k + 1..ns {
                    let f = a[i * ns + k] / d;
                    if f != 0.0 {
                        for c in k..ns {
                            a[i * ns + c] -= f * a[k * ns + c];
                        }
                        x[i] -= f * x[k];
                    }
                }
            }
            for k in (0..ns).rev() {
                let mut s = x[k];
                for c in k + 1..ns {
                    s -= a[k * ns + c] * x[c];
                }
                let d = a[k * ns + k];
                x[k] = if d != 0.0 { s / d } else { s };
            }
            for k in 0..ns {
                b[p * ns + k] = x[k];
            }
        }
    }

    fn ode_names(&self) -> Vec<String> {
        let Some(o) = &self.c.ode else { return Vec::new() };
        let name = &self.c.name;
        o.states
            .iter()
            .map(|s| match s.loc {
                Loc::Col(c) if self.c.kind == MechKind::Density => format!("{}_{name}", self.c.vars[c].name),
                Loc::Col(c) => format!("{name}.{}", self.c.vars[c].name),
                Loc::Ion(k, cable::ion::IonField::Co) => format!("{}o", self.c.ions[k].ion),
                Loc::Ion(k, _) => format!("{}i", self.c.ions[k].ion),
                _ => String::new(),
            })
            .collect()
    }

    fn ode_atol(&self) -> Vec<f64> {
        self.c.ode.as_ref().map_or(Vec::new(), |o| o.states.iter().map(|s| s.atol).collect())
    }

    fn ode_gather(&self, data: &MechData, ions: &[IonNodes], y: &mut [f64]) {
        let Some(o) = &self.c.ode else { return };
        let ns = o.states.len();
        for (k, s) in o.states.iter().enumerate() {
            let y = y[k..].iter_mut().step_by(ns);
            match s.loc {
                Loc::Col(c) => data.order.iter().zip(y).for_each(|(&i, y)| *y = data.cols[c][i as usize]),
                Loc::Ion(j, f) => {
                    let a = ions[self.ion_types[j]].field(f);
                    data.order.iter().zip(y).for_each(|(&i, y)| *y = a[data.node[i as usize] as usize]);
                }
                _ => {}
            }
        }
    }

    fn ode_scatter(&self, data: &mut MechData, ions: &mut [IonNodes], y: &[f64]) {
        let Some(o) = &self.c.ode else { return };
        let ns = o.states.len();
        for (k, s) in o.states.iter().enumerate() {
            let y = y[k..].iter().step_by(ns);
            match s.loc {
                Loc::Col(c) => data.order.iter().zip(y).for_each(|(&i, y)| data.cols[c][i as usize] = *y),
                Loc::Ion(j, f) => {
                    let a = ions[self.ion_types[j]].field_mut(f);
                    data.order.iter().zip(y).for_each(|(&i, y)| a[data.node[i as usize] as usize] = *y);
                }
                _ => {}
            }
        }
    }

    fn ode_spec(&self, data: &mut MechData, nodes: &mut NodeView, ydot: &mut [f64], jac: &mut [f64]) {
        let Some(o) = &self.c.ode else { return };
        self.lazy_tables_for(&o.block, data, nodes);
        let n = data.order.len();
        let mut work = std::mem::take(&mut data.work);
        let order = std::mem::take(&mut data.order);
        let env = Env::nodes(nodes, 0.0);
        for (c, idx) in order.chunks(self.lanes()).enumerate() {
            self.run_chunk(&o.block, &mut work, data, idx, &env, nodes.ions, &mut [], &mut NoEffects, c == 0);
            let ns = o.states.len();
            for (k, s) in o.states.iter().enumerate() {
                for l in 0..idx.len() {
                    let (mut d, mut j) = (work[s.deriv as usize * LANES + l], work[s.jac as usize * LANES + l]);
                    if let Some(v) = s.volume {
                        let v = work[v as usize * LANES + l];
                        d /= v;
                        j /= v;
                    }
                    let at = (c * self.lanes() + l) * ns + k;
                    ydot[at] = d;
                    jac[at] = j;
                }
            }
            for (e, &(row, _, r)) in o.offdiag.iter().enumerate() {
                let base = (ns + e) * n + c * self.lanes();
                for l in 0..idx.len() {
                    let mut j = work[r as usize * LANES + l];
                    if let Some(v) = o.states[row].volume {
                        j /= work[v as usize * LANES + l];
                    }
                    jac[base + l] = j;
                }
            }
        }
        data.order = order;
        data.work = work;
    }

    fn has_diffusion(&self) -> bool {
        self.c.diffusion.is_some()
    }

    fn diffuse(&self, data: &mut MechData, nodes: &mut NodeView) {
        let Some((_, outs)) = &self.c.diffusion else { return };
        let mut buf = self.diffusion_coefs(data, nodes);
        let n = data.order.len();
        let ne = outs.len();
        let dt = nodes.dt;
        let (coef, solve) = buf.split_at_mut(3 * ne * n);
        for (e, o) in outs.iter().enumerate() {
            let [dc, vol] = [0, 1].map(|w| &coef[(w * ne + e) * n..(w * ne + e + 1) * n]);
            let (a, rest) = solve.split_at_mut(n);
            let (b, rest) = rest.split_at_mut(n);
            let (d, rhs) = rest.split_at_mut(n);
            couplings(&data.ldiff, dc, vol, -1.0, a, b);
            d.fill(0.0);
            for i in 0..n {
                rhs[i] = self.species(o.loc, data, nodes, i) / dt;
            }
            tree_solve(&data.ldiff.parent, dt, a, b, d, rhs);
            for (i, &x) in rhs.iter().enumerate() {
                let inst = data.order[i] as usize;
                match o.loc {
                    Loc::Col(c) => data.cols[c][inst] = x,
                    Loc::Ion(k, f) => nodes.ions[self.ion_types[k]].field_mut(f)[data.node[inst] as usize] = x,
                    _ => {}
                }
            }
        }
        data.ldiff.buf = buf;
    }

    fn ode_synonym(&self, data: &mut MechData, nodes: &mut NodeView) {
        if let Some(b) = &self.c.synonym {
            let env = Env::nodes(nodes, 0.0);
            self.run_all(b, data, &env, nodes.ions);
        }
    }

    fn ode_diffuse(&self, data: &mut MechData, nodes: &mut NodeView, ydot: &mut [f64]) {
        let (Some((_, outs)), Some(o)) = (&self.c.diffusion, &self.c.ode) else { return };
        let mut buf = self.diffusion_coefs(data, nodes);
        let n = data.order.len();
        let (ne, ns) = (outs.len(), o.states.len());
        let (coef, solve) = buf.split_at_mut(3 * ne * n);
        let (a, rest) = solve.split_at_mut(n);
        let b = &mut rest[..n];
        for (e, sp) in outs.iter().enumerate() {
            let Some(k) = sp.ode_state else { continue };
            let [dc, vol] = [0, 1].map(|w| &coef[(w * ne + e) * n..(w * ne + e + 1) * n]);
            couplings(&data.ldiff, dc, vol, 1.0, a, b);
            for i in 0..n {
                let p = data.ldiff.parent[i];
                if p != usize::MAX {
                    let dif = self.species(sp.loc, data, nodes, p) - self.species(sp.loc, data, nodes, i);
                    ydot[i * ns + k] += dif * b[i];
                    ydot[p * ns + k] -= dif * a[i];
                }
            }
        }
        data.ldiff.buf = buf;
    }

    fn ode_diffuse_solve(&self, data: &mut MechData, nodes: &mut NodeView, rhs_b: &mut [f64]) {
        let (Some((_, outs)), Some(o)) = (&self.c.diffusion, &self.c.ode) else { return };
        let mut buf = self.diffusion_coefs(data, nodes);
        let n = data.order.len();
        let (ne, ns) = (outs.len(), o.states.len());
        let dt = nodes.dt;
        let (coef, solve) = buf.split_at_mut(3 * ne * n);
        for (e, sp) in outs.iter().enumerate() {
            let Some(k) = sp.ode_state else { continue };
            let [dc, vol, dfdi] = [0, 1, 2].map(|w| &coef[(w * ne + e) * n..(w * ne + e + 1) * n]);
            let (a, rest) = solve.split_at_mut(n);
            let (b, rest) = rest.split_at_mut(n);
            let (d, rhs) = rest.split_at_mut(n);
            couplings(&data.ldiff, dc, vol, -1.0, a, b);
            for i in 0..n {
                d[i] = 0.0;
                if dfdi[i] != 0.0 {
                    d[i] += dfdi[i].abs() / vol[i] / self.species(sp.loc, data, nodes, i);
                }
            }
            for i in 0..n {
                rhs[i] = rhs_b[i * ns + k] / dt;
            }
            tree_solve(&data.ldiff.parent, dt, a, b, d, rhs);
            for i in 0..n {
                rhs_b[i * ns + k] = rhs[i];
            }
        }
        data.ldiff.buf = buf;
    }

    fn has_ba(&self, when: Ba) -> bool {
        self.c.ba.iter().any(|(w, _)| *w == when)
    }

    fn ba(&self, data: &mut MechData, nodes: &mut NodeView, when: Ba) {
        for (w, block) in &self.c.ba {
            if *w == when {
                self.lazy_tables_for(block, data, nodes);
                let env = Env::nodes(nodes, 0.0);
                let text = self.run_all(block, data, &env, nodes.ions);
                nodes.out.push_str(&text);
            }
        }
    }

    fn watch_count(&self) -> usize {
        self.c.watch.as_ref().map_or(0, |w| w.1.len())
    }

    fn watch(&self, data: &mut MechData, nodes: &mut NodeView, settle: bool, fire: &mut dyn FnMut(u32, f64)) {
        let Some((block, regs)) = &self.c.watch else { return };
        let mut work = std::mem::take(&mut data.work);
        let order = std::mem::take(&mut data.order);
        let env = Env::nodes(nodes, 0.0);
        let pick = |d: &MechData, i: u32| if settle { d.watch_new[i as usize] != 0 } else { d.watch_on[i as usize] != 0 };
        let mut buf = [0u32; LANES];
        for chunk in order.chunks(LANES) {
            let mut m = 0;
            for &i in chunk.iter().filter(|&&i| pick(data, i)) {
                buf[m] = i;
                m += 1;
            }
            if m == 0 {
                continue;
            }
            let idx = &buf[..m];
            self.run(block, &mut work, data, &idx, &env, nodes.ions, &mut [], &mut NoEffects);
            for (l, &i) in idx.iter().enumerate() {
                let i = i as usize;
                for (k, &r) in regs.iter().enumerate() {
                    let bit = 1u64 << k;
                    let value = work[r as usize * LANES + l];
                    if settle {
                        if data.watch_new[i] & bit != 0 {
                            // WatchCondition::activate: above if value >= -hoc_epsilon.
                            if value >= -1e-11 {
                                data.watch_above[i] |= bit;
                            } else {
                                data.watch_above[i] &= !bit;
                            }
                        }
                    } else if data.watch_on[i] & bit != 0 {
                        if value > 0.0 {
                            if data.watch_above[i] & bit == 0 {
                                data.watch_above[i] |= bit;
                                fire(i as u32, data.watch_flag[i][k]);
                            }
                        } else {
                            data.watch_above[i] &= !bit;
                        }
                    }
                }
                if settle {
                    data.watch_new[i] = 0;
                }
            }
        }
        data.order = order;
        data.work = work;
    }
}

/// Whether a block looks up a TABLE.
fn uses_table(b: &Block) -> bool {
    let table = |op: &crate::ir::Op| matches!(op, crate::ir::Op::Table { .. });
    b.ops.iter().any(table) || b.newtons.iter().any(|n| n.ops.iter().any(table)) || b.sparses.iter().any(|n| n.ops.iter().any(table))
}
