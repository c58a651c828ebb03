//! The Mechanism interface: what the engine needs of a membrane mechanism or
//! point process, whether built in or compiled from NMODL. Instance data is
//! structure-of-arrays: one column per variable, one row per instance.

/// How a mechanism attaches to the cable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MechKind {
    /// Inserted into sections; one instance per segment.
    Density,
    /// Placed at a point (`new IClamp(x)`); currents scale by 100/area.
    Point,
    /// A point process with no membrane current (NetStim).
    Artificial,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    Parameter,
    Assigned,
    State,
}

/// One range variable of a mechanism.
#[derive(Clone, Debug)]
pub struct VarSpec {
    pub name: String,
    pub default: f64,
    pub kind: VarKind,
    /// Kept per instance but not visible from HOC (an NMODL mechanism's own
    /// copy of the ion current it writes).
    pub hidden: bool,
}

impl VarSpec {
    pub fn new(name: &str, default: f64, kind: VarKind) -> Self {
        VarSpec { name: name.to_string(), default, kind, hidden: false }
    }
}

/// When a mechanism's BEFORE/AFTER blocks run (NEURON's nrn_ba points).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ba {
    /// At finitialize, before the INITIAL blocks.
    BeforeInitial,
    /// At finitialize, after INITIAL and NET_RECEIVE INITIAL blocks.
    AfterInitial,
    /// Before the currents of each step (and of fcurrent).
    BeforeBreakpoint,
    /// After the states of each step.
    AfterSolve,
    /// Before recording, at finitialize and at the end of each step.
    BeforeStep,
}

/// Instance data of one mechanism type.
#[derive(Clone, Debug, Default)]
pub struct MechData {
    /// `cols[var][instance]`.
    pub cols: Vec<Vec<f64>>,
    /// Node of each instance (valid after lowering).
    pub node: Vec<u32>,
    pub alive: Vec<bool>,
    /// Conductance from the last current evaluation, per instance.
    pub g: Vec<f64>,
    /// Alive instances in node order; what the time loop visits.
    pub order: Vec<u32>,
    /// A list of numbers per instance, for mechanisms that keep one
    /// (VecStim's spike times, APCount's recorded times).
    pub lists: Vec<Vec<f64>>,
    /// Values shared by all instances (an NMODL mechanism's GLOBALs).
    pub globals: Vec<f64>,
    /// Storage the mechanism keeps for itself (TABLEs and their dependencies).
    pub tables: Vec<f64>,
    /// Scratch space reused by every evaluation, so the time loop allocates nothing.
    pub work: Vec<f64>,
    /// Scratch for the variable step's per-instance matrix solves.
    pub ode_scratch: Vec<f64>,
    /// POINTER targets as set by the user, `[pointer][instance]`.
    pub ptr_var: Vec<Vec<Option<crate::model::Var>>>,
    /// The same, resolved to node arrays at lowering.
    pub ptr_src: Vec<Vec<PtrSrc>>,
    /// Values of the POINTERs whose source is `PtrSrc::Val`, `[pointer][instance]`,
    /// and where they come from (`crate::pointer`).
    pub ptr_val: Vec<Vec<f64>>,
    pub ptr_ext: Vec<crate::pointer::PtrLink>,
    /// WATCH conditions per instance: active (bit k for condition k), above
    /// (the condition held when last checked), and activated since the last
    /// check (their `above` is still to be taken from the present state).
    pub watch_on: Vec<u64>,
    pub watch_above: Vec<u64>,
    pub watch_new: Vec<u64>,
    /// Flag each activated condition sends, per instance and condition.
    pub watch_flag: Vec<Vec<f64>>,
    /// Number of WATCH conditions of the mechanism (0: none).
    pub watch_n: usize,
    /// FUNCTION_TABLE contents given from HOC, one per table.
    pub ftables: Vec<Vec<f64>>,
    /// Why the mechanism could not compute (a failed solve, a table never
    /// given); the engine stops the run with it.
    pub error: Option<String>,
    /// LONGITUDINAL_DIFFUSION between instances, for those that have it
    /// (set at lowering, by instance position in `order`).
    pub ldiff: LongDiff,
}

/// The tree along which a mechanism's species diffuse: for each instance (by
/// position in `order`) the position of its parent instance (usize::MAX for
/// none) and NEURON's geometric factors af, bf (ldifus.cpp).
#[derive(Clone, Debug, Default)]
pub struct LongDiff {
    pub parent: Vec<usize>,
    pub af: Vec<f64>,
    pub bf: Vec<f64>,
    /// Scratch for the mechanism's solve (kept, so steps allocate nothing).
    pub buf: Vec<f64>,
}

/// Where a POINTER reads from after lowering.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PtrSrc {
    Unset,
    /// The membrane potential of a node.
    V(u32),
    /// A field of an ion type at a node.
    Ion(usize, crate::ion::IonField, u32),
    /// A variable elsewhere, its value in `MechData::ptr_val`.
    Val,
}

impl MechData {
    pub fn new(nvars: usize) -> Self {
        MechData { cols: vec![Vec::new(); nvars], ..Default::default() }
    }

    /// Empty data for mechanism `m`, its globals at their defaults.
    pub fn for_mechanism(m: &dyn Mechanism) -> Self {
        let mut d = MechData::new(m.vars().len());
        d.globals = m.globals().iter().map(|g| g.default).collect();
        d.ptr_var = vec![Vec::new(); m.pointers().len()];
        d.watch_n = m.watch_count();
        d.ftables = vec![Vec::new(); m.function_tables().len()];
        d
    }

    /// Adds an instance with default values; returns its index.
    pub fn add(&mut self, specs: &[VarSpec]) -> u32 {
        for (c, s) in self.cols.iter_mut().zip(specs) {
            c.push(s.default);
        }
        self.node.push(u32::MAX);
        self.alive.push(true);
        self.g.push(0.0);
        self.lists.push(Vec::new());
        self.ptr_var.iter_mut().for_each(|p| p.push(None));
        self.push_watch();
        (self.alive.len() - 1) as u32
    }

    /// Adds an instance copying the values of instance `from`.
    pub fn add_copy(&mut self, from: u32) -> u32 {
        for c in self.cols.iter_mut() {
            let v = c[from as usize];
            c.push(v);
        }
        self.node.push(u32::MAX);
        self.alive.push(true);
        self.g.push(0.0);
        self.lists.push(Vec::new());
        for p in self.ptr_var.iter_mut() {
            let v = p[from as usize];
            p.push(v);
        }
        self.push_watch();
        (self.alive.len() - 1) as u32
    }

    fn push_watch(&mut self) {
        if self.watch_n > 0 {
            self.watch_on.push(0);
            self.watch_above.push(0);
            self.watch_new.push(0);
            self.watch_flag.push(vec![0.0; self.watch_n]);
        }
    }

    pub fn free(&mut self, i: u32) {
        self.alive[i as usize] = false;
    }
}

/// The node arrays a mechanism reads and writes during a step.
pub struct NodeView<'a> {
    pub v: &'a [f64],
    /// What ELECTRODE_CURRENT mechanisms take as v: the internal potential
    /// v + vext[0] where the node has extracellular layers, else v.
    pub vi: &'a [f64],
    /// Per node, what ELECTRODE_CURRENT mechanisms add to the first
    /// extracellular layer's equation (current, conductance); empty when
    /// the model has no extracellular layers.
    pub ext_rhs: &'a mut [f64],
    pub ext_d: &'a mut [f64],
    pub area: &'a [f64],
    pub diam: &'a [f64],
    pub rhs: &'a mut [f64],
    pub d: &'a mut [f64],
    /// Electrode-current bookkeeping for i_membrane_ (see treeset.cpp).
    pub sav_rhs: &'a mut [f64],
    pub sav_d: &'a mut [f64],
    pub t: f64,
    pub dt: f64,
    pub celsius: f64,
    /// Whether i_membrane_ bookkeeping (sav_rhs, sav_d) is kept.
    pub imem: bool,
    /// Per-node values of each ion species, indexed as the model's ion types.
    pub ions: &'a mut [crate::ion::IonNodes],
    /// Text the mechanisms print (NMODL printf), passed on by the caller.
    pub out: &'a mut String,
    /// Whether `state_discontinuity()` in a current evaluation takes effect
    /// (a fixed step's; not finitialize's or fcurrent's).
    pub state_discon: bool,
    /// The fixed step's state update (and INITIAL) under `secondorder` != 0
    /// (NEURON's translated nrn_state then halves dt for implicit solves;
    /// nrn_init moves a sparse steady state on by dt).
    pub second_order: bool,
    /// The variable step is active (NEURON's `_nt->_vcv`).
    pub cvode: bool,
}

/// Context for NET_RECEIVE and INITIAL: the time and the ways to emit events.
pub struct EventCtx<'a> {
    pub t: f64,
    /// The time step and temperature NET_RECEIVE sees (`dt`, `celsius`).
    pub dt: f64,
    pub celsius: f64,
    /// Self-events (`net_send(delay, flag)`) to post: (time, flag).
    pub self_events: &'a mut Vec<(f64, f64)>,
    /// Times of output events (`net_event(t)`).
    pub spikes: &'a mut Vec<f64>,
    /// Text printed (NMODL printf).
    pub out: &'a mut String,
    /// `net_move(t)`: the instance's last self-event is to happen at t instead.
    pub moved: Option<f64>,
    /// The membrane potential at the instance's node (NaN where it has none).
    pub v: f64,
    /// The NetCons that target the instance (FOR_NETCONS), if known.
    pub netcons: Option<&'a mut dyn TargetNetCons>,
}

/// The weight vectors of the NetCons that target one instance, in creation
/// order, for NMODL's FOR_NETCONS.
pub trait TargetNetCons {
    fn count(&self) -> usize;
    /// Whether NetCon i is the one whose event is being delivered (its
    /// weights are NET_RECEIVE's own arguments).
    fn is_current(&self, i: usize) -> bool;
    fn weight(&self, i: usize, k: usize) -> f64;
    fn set_weight(&mut self, i: usize, k: usize, x: f64);
}

pub trait Mechanism {
    fn name(&self) -> &str;
    fn kind(&self) -> MechKind;
    /// Built into nerve but not into NEURON (models bring their own): a
    /// model's mechanism of the same name replaces it.
    fn replaceable(&self) -> bool {
        false
    }
    fn vars(&self) -> &[VarSpec];
    /// ELECTRODE_CURRENT: current injected into the cell, sign flipped, not in i_membrane_.
    fn is_electrode(&self) -> bool {
        false
    }
    /// Whether HOC names the variables `name_mechanism` (NMODL's rule); the
    /// C-coded `extracellular` names its own (`xg`, `e_extracellular`).
    fn suffixed(&self) -> bool {
        true
    }
    /// HOC's name of variable k: `g_pas`, `a_arr[1]`, or `xg[1]` for a
    /// mechanism that names its own.
    fn hoc_name(&self, k: usize) -> String {
        let name = &self.vars()[k].name;
        if !self.suffixed() {
            return name.clone();
        }
        match name.split_once('[') {
            Some((base, idx)) => format!("{base}_{}[{idx}", self.name()),
            None => format!("{name}_{}", self.name()),
        }
    }
    /// POINTER variables: each instance reads another variable of the model.
    fn pointers(&self) -> &[String] {
        &[]
    }
    /// Whether the simulation reads POINTER k (INITIAL, BREAKPOINT, events).
    fn pointer_read(&self, k: usize) -> bool {
        let _ = k;
        true
    }
    /// Whether the mechanism assigns POINTER k.
    fn pointer_written(&self, k: usize) -> bool {
        let _ = k;
        false
    }
    /// GLOBAL variables: one value for all instances, kept in `MechData::globals`.
    fn globals(&self) -> &[VarSpec] {
        &[]
    }
    /// The ions this mechanism uses (USEION).
    fn ions(&self) -> &[crate::ion::IonUse] {
        &[]
    }
    /// Whether it writes an ion concentration (NEURON runs such mechanisms
    /// right after the ions, before every other mechanism).
    fn writes_concentration(&self) -> bool {
        self.ions().iter().any(|u| u.conc == 3)
    }
    /// Tells the mechanism which model ion type each of its `ions()` is.
    fn bind_ions(&mut self, types: &[usize]) {
        let _ = types;
    }
    /// Rebuilds TABLEs whose dependencies changed (at finitialize and every
    /// step); a table's body may read an instance's membrane and ions.
    fn check_tables(&self, data: &mut MechData, nodes: &mut NodeView) {
        let _ = (data, nodes);
    }
    /// Whether the mechanism has a current (BREAKPOINT) computation.
    fn has_current(&self) -> bool {
        true
    }
    /// Number of NetCon weight slots NET_RECEIVE takes (0: receives no events).
    fn weights(&self) -> usize {
        0
    }
    /// INITIAL for the instances in `data.order`.
    fn initialize(&self, data: &mut MechData, nodes: &mut NodeView, ev: &mut dyn FnMut(u32, &mut EventCtx));
    /// The membrane current at `v` of one instance (mA/cm², or nA for point processes).
    fn current(&self, data: &mut MechData, inst: usize, v: f64, t: f64) -> f64 {
        let _ = (data, inst, v, t);
        0.0
    }
    /// BREAKPOINT for all instances: currents onto rhs, conductances onto d.
    /// Mechanisms override this with a loop of their own when they can.
    fn currents(&self, data: &mut MechData, nodes: &mut NodeView) {
        add_currents(self.kind(), self.is_electrode(), &|d: &mut MechData, i, v, t| self.current(d, i, v, t), data, nodes);
    }
    /// Advances states by dt at the new voltage.
    fn state(&self, data: &mut MechData, nodes: &mut NodeView) {
        let _ = (data, nodes);
    }
    /// Variable step: the number of states per instance it integrates.
    fn ode_count(&self) -> usize {
        0
    }
    /// Variable step: why this mechanism cannot run under it, if so.
    fn ode_unsupported(&self) -> Option<String> {
        None
    }
    /// Each state's tolerance scale (multiplies CVode.atol).
    fn ode_atol(&self) -> Vec<f64> {
        vec![1.0; self.ode_count()]
    }
    /// Each state's name as `CVode.atolscale` takes it (`m_hh`, `cai`, `ExpSyn.g`).
    fn ode_names(&self) -> Vec<String> {
        vec![String::new(); self.ode_count()]
    }
    /// Copies the states into y instance by instance, as NEURON lays them
    /// out: `y[p * ns + k]` is state k of the instance at position p of
    /// `data.order` (ns states each).
    fn ode_gather(&self, data: &MechData, ions: &[crate::ion::IonNodes], y: &mut [f64]) {
        let _ = (data, ions, y);
    }
    /// Sets the states from y (the layout of `ode_gather`).
    fn ode_scatter(&self, data: &mut MechData, ions: &mut [crate::ion::IonNodes], y: &[f64]) {
        let _ = (data, ions, y);
    }
    /// The states' derivatives at the present v and states into ydot, and
    /// each state's ∂f/∂x into jac (the layout of `ode_gather`).
    fn ode_spec(&self, data: &mut MechData, nodes: &mut NodeView, ydot: &mut [f64], jac: &mut [f64]) {
        let _ = (data, nodes, ydot, jac);
    }
    /// Values per instance `ode_spec` writes into jac: each state's ∂f/∂x
    /// first (in the layout of `ode_gather`), then whatever else the
    /// mechanism's `ode_matsol` uses.
    fn ode_jac_len(&self) -> usize {
        self.ode_count()
    }
    /// Solves (I − γJ)x = b for the mechanism's states (b in the layout of
    /// `ode_gather`), J from the last `ode_spec` or, where the mechanism
    /// forms its own matrix, at the present states and `nodes` (whose dt is
    /// γ). By default J is diagonal.
    fn ode_matsol(&self, data: &mut MechData, nodes: &mut NodeView, gamma: f64, b: &mut [f64], jac: &[f64]) {
        let _ = (data, nodes);
        for (x, j) in b.iter_mut().zip(jac) {
            *x /= 1.0 - gamma * j;
        }
    }
    /// Variable step: the times at which the mechanism's input jumps
    /// (NMODL `at_time(t)` in BREAKPOINT), evaluated at the present state.
    fn discontinuities(&self, data: &mut MechData, nodes: &mut NodeView, out: &mut Vec<f64>) {
        let _ = (data, nodes, out);
    }
    /// First column of each RANDOM variable's stream (id1, id2, id3, seq·4 + which).
    fn random_streams(&self) -> &[usize] {
        &[]
    }
    /// FUNCTION_TABLEs, filled from HOC by `table_NAME_SUFFIX(...)`.
    fn function_tables(&self) -> Vec<String> {
        Vec::new()
    }
    /// How many arguments FUNCTION_TABLE k takes.
    fn function_table_arity(&self, k: usize) -> usize {
        let _ = k;
        1
    }
    /// FUNCTIONs and PROCEDUREs a density mechanism offers to HOC as
    /// `name_suffix(args)`.
    fn functions(&self) -> Vec<String> {
        Vec::new()
    }
    /// Calls function k of `functions()` on an instance (None: with no
    /// instance, for functions that use no instance variables). Err says why not.
    fn call_function(&self, data: &mut MechData, inst: Option<usize>, k: usize, args: &[f64], clock: (f64, f64, f64)) -> Result<f64, String> {
        let _ = (data, inst, k, args, clock);
        Err("no such function".into())
    }
    /// Whether new instances run code (NMODL's CONSTRUCTOR).
    fn has_constructor(&self) -> bool {
        false
    }
    /// Runs that code for a new instance (the arguments of its `new` reach
    /// it through the mechanism's own link to HOC). Err says why it failed.
    fn construct(&self, data: &mut MechData, inst: usize, clock: (f64, f64, f64)) -> Result<(), String> {
        let _ = (data, inst, clock);
        Ok(())
    }
    /// A mechanism-specific HOC method (`ns.seed(x)`, an NMODL FUNCTION);
    /// `clock` is (t, dt, celsius). None if it has none by that name.
    fn call(&self, data: &mut MechData, inst: usize, name: &str, args: &[f64], clock: (f64, f64, f64)) -> Option<f64> {
        let _ = (data, inst, name, args, clock);
        None
    }
    /// Whether species of the mechanism diffuse along the cable
    /// (LONGITUDINAL_DIFFUSION).
    /// Runs method k of those the mechanism adds to a HOC class (its
    /// arguments come through the mechanism's own link to HOC).
    fn call_method(&self, data: &mut MechData, k: usize, clock: (f64, f64, f64)) -> Result<f64, String> {
        let _ = (data, k, clock);
        Err(format!("{} adds no methods", self.name()))
    }

    fn has_diffusion(&self) -> bool {
        false
    }
    /// One step of longitudinal diffusion, after all states (NEURON's
    /// staggered backward Euler).
    fn diffuse(&self, data: &mut MechData, nodes: &mut NodeView) {
        let _ = (data, nodes);
    }
    /// Under the variable step, right after the states were set: ion
    /// concentrations that follow from them (nocmodl's `_ode_synonym`).
    fn ode_synonym(&self, data: &mut MechData, nodes: &mut NodeView) {
        let _ = (data, nodes);
    }
    /// Under the variable step: longitudinal diffusion's terms added to the
    /// states' derivatives (ydot in the layout of `ode_gather`).
    fn ode_diffuse(&self, data: &mut MechData, nodes: &mut NodeView, ydot: &mut [f64]) {
        let _ = (data, nodes, ydot);
    }
    /// Under the variable step: after `ode_matsol`, b solved through the
    /// diffusion's tree of instances (dt of `nodes` is γ).
    fn ode_diffuse_solve(&self, data: &mut MechData, nodes: &mut NodeView, b: &mut [f64]) {
        let _ = (data, nodes, b);
    }
    /// Whether the mechanism has a block for this BEFORE/AFTER point.
    fn has_ba(&self, when: Ba) -> bool {
        let _ = when;
        false
    }
    /// Runs the mechanism's BEFORE/AFTER block for this point.
    fn ba(&self, data: &mut MechData, nodes: &mut NodeView, when: Ba) {
        let _ = (data, nodes, when);
    }
    /// How many WATCH conditions the mechanism has (at most 64).
    fn watch_count(&self) -> usize {
        0
    }
    /// WATCH: evaluates the active conditions of every instance. With
    /// `settle`, newly activated ones only take their present state; else a
    /// condition that became true calls `fire(instance, flag)`.
    fn watch(&self, data: &mut MechData, nodes: &mut NodeView, settle: bool, fire: &mut dyn FnMut(u32, f64)) {
        let _ = (data, nodes, settle, fire);
    }
    /// NET_RECEIVE's INITIAL block, run at finitialize for each NetCon that
    /// targets the instance, with that NetCon's weights. Without one
    /// (`has_net_init` false) finitialize zeroes every weight but the first.
    fn net_init(&self, data: &mut MechData, inst: usize, weights: &mut [f64], ctx: &mut EventCtx) {
        let _ = (data, inst, weights, ctx);
    }
    fn has_net_init(&self) -> bool {
        false
    }
    /// NET_RECEIVE for one instance.
    fn net_receive(&self, data: &mut MechData, inst: usize, weights: &mut [f64], flag: f64, ctx: &mut EventCtx) {
        let _ = (data, inst, weights, flag, ctx);
    }
}

/// The BREAKPOINT step every current-carrying mechanism shares: the current at
/// v and the conductance by a 0.001 mV difference, added to the matrix as
/// NEURON's translated code does (rhs in nrn_cur, d in nrn_jacob).
pub fn add_currents(
    kind: MechKind,
    electrode: bool,
    current: &dyn Fn(&mut MechData, usize, f64, f64) -> f64,
    data: &mut MechData,
    nodes: &mut NodeView,
) {
    let point = kind == MechKind::Point;
    for k in 0..data.order.len() {
        let i = data.order[k] as usize;
        let ni = data.node[i] as usize;
        let v = if electrode { nodes.vi[ni] } else { nodes.v[ni] };
        let g_local = current(data, i, v + 0.001, nodes.t);
        let mut rhs = current(data, i, v, nodes.t);
        let mut g = (g_local - rhs) / 0.001;
        if point {
            let f = 1.0e2 / nodes.area[ni];
            g *= f;
            rhs *= f;
        }
        data.g[i] = g;
        apply(nodes, ni, rhs, g, electrode);
    }
}

/// Adds one instance's current and conductance to its node.
#[inline(always)]
pub fn apply(nodes: &mut NodeView, ni: usize, rhs: f64, g: f64, electrode: bool) {
    if electrode {
        nodes.rhs[ni] += rhs;
        nodes.d[ni] -= g;
        if nodes.imem {
            nodes.sav_rhs[ni] += rhs;
            nodes.sav_d[ni] -= g;
        }
        if !nodes.ext_rhs.is_empty() {
            nodes.ext_rhs[ni] += rhs;
            nodes.ext_d[ni] += g;
        }
    } else {
        nodes.rhs[ni] -= rhs;
        nodes.d[ni] += g;
    }
}
