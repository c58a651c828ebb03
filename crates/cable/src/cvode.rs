//! The variable time step (`CVode.active(1)`). The membrane potentials of
//! the nodes with membrane and every mechanism's states form one ODE system,
//! integrated by [`Bdf`]. Its Newton matrix is NEURON's: the tree matrix
//! with 1e-3·cm/γ added on the diagonal for the voltages, and 1 − γ·∂f/∂x
//! for each state on its own. Nodes without membrane (section ends, root
//! nodes) follow their neighbours algebraically. Events, `CVode.event(t)`
//! and input discontinuities (`at_time`) end a step exactly at their time;
//! the integrator restarts there when they changed the cell (a bare
//! `CVode.event` only stops the run). As in NEURON, mechanisms see dt = the
//! integrator's step h while f is evaluated (1e-8 before the first step)
//! and γ while the Newton matrix is solved; the first step is chosen at the
//! first fadvance after a start; each mechanism's states are laid out
//! instance by instance.
//!
//! Extracellular layers and LinearMechanisms make the system implicit
//! (M y' = f, M singular); it then runs as [`crate::dae`] lays it out.

use crate::bdf::{Bdf, OdeSystem, Stats};
use crate::mechanism::Ba;
use crate::model::{view, Model};

/// Settings and state of the variable step.
pub struct VarStep {
    pub active: bool,
    pub atol: f64,
    pub rtol: f64,
    /// Largest step (0: none).
    pub maxstep: f64,
    /// Highest BDF order (1 to 5).
    pub maxorder: usize,
    pub minstep: f64,
    pub(crate) bdf: Option<Bdf>,
    lay: Layout,
    /// The mechanisms' Jacobian parts at the last evaluation.
    jac: Vec<f64>,
    /// The membrane conductances on the diagonal at the last evaluation.
    dsave: Vec<f64>,
    /// Start afresh before the next step (after finitialize, events, discontinuities).
    restart: bool,
    /// Discontinuity times the mechanisms announced (`at_time`), ascending.
    pub(crate) stops: Vec<f64>,
    /// The at_time discontinuity the last step stopped short of.
    at_stop: Option<f64>,
    /// The next time the caller changes an input (set before each step).
    pub external_stop: Option<f64>,
    /// `condition_order(2)`: threshold crossings interpolated within the step.
    pub interpolate_thresholds: bool,
    /// Each NetCon's source voltage at the start of the step (NaN: none).
    vprev: Vec<f64>,
    tprev: f64,
    y: Vec<f64>,
    ydot: Vec<f64>,
    /// The model was set back within the last step (the integrator restarts).
    retreated: bool,
    /// Counters of the integrations since finitialize.
    pub stats: Stats,
    /// The equations stay as first laid out (a cell of the local step,
    /// whose layout is made anew with the cells).
    pub(crate) keep_layout: bool,
    /// `CVode.atolscale(name, scale)`: tolerance scales by state name ("v" too).
    pub atolscale: std::collections::HashMap<String, f64>,
}

impl Default for VarStep {
    fn default() -> Self {
        VarStep {
            active: false,
            atol: 1e-3,
            rtol: 0.0,
            maxstep: 0.0,
            maxorder: 5,
            minstep: 0.0,
            bdf: None,
            lay: Layout::default(),
            jac: Vec::new(),
            dsave: Vec::new(),
            restart: true,
            stops: Vec::new(),
            at_stop: None,
            external_stop: None,
            interpolate_thresholds: false,
            vprev: Vec::new(),
            tprev: 0.0,
            y: Vec::new(),
            ydot: Vec::new(),
            retreated: false,
            stats: Stats::default(),
            keep_layout: false,
            atolscale: Default::default(),
        }
    }
}

impl VarStep {
    /// Makes the next step start the integration afresh from the model's state.
    pub fn re_init(&mut self) {
        self.restart = true;
    }

    /// The number of equations (after the first step).
    pub fn neq(&self) -> usize {
        self.lay.n
    }

    /// A fresh integrator with the same settings (a cell's, under the local step).
    pub(crate) fn settings(&self) -> VarStep {
        VarStep {
            active: self.active,
            atol: self.atol,
            rtol: self.rtol,
            maxstep: self.maxstep,
            maxorder: self.maxorder,
            minstep: self.minstep,
            interpolate_thresholds: self.interpolate_thresholds,
            atolscale: self.atolscale.clone(),
            ..VarStep::default()
        }
    }
}

/// dt as mechanisms see it while f is evaluated: the integrator's step
/// size, 1e-8 before one is chosen (NEURON's stand-in for h = 0).
pub(crate) fn cvode_dt(h: f64) -> f64 {
    if h == 0.0 {
        1e-8
    } else {
        h
    }
}

/// How far short of an at_time discontinuity a step stops (NEURON's margin).
pub fn at_margin(te: f64) -> f64 {
    100.0 * f64::EPSILON * te.abs()
}

/// Where the ODE system's unknowns live in the model.
#[derive(Default)]
pub(crate) struct Layout {
    /// Nodes whose voltage is y[k], in node order.
    pub(crate) cap: Vec<u32>,
    /// Nodes without membrane and their neighbours with the coupling conductance.
    nocap: Vec<u32>,
    nb_start: Vec<usize>,
    nb: Vec<(u32, f64)>,
    /// (mechanism, offset in y, number of values, offset in jac, its length)
    /// of each mechanism with states.
    pub(crate) mechs: Vec<(usize, usize, usize, usize, usize)>,
    /// Length of the Jacobian store (mechanisms' parts after the voltages' room).
    njac: usize,
    pub(crate) n: usize,
    /// The implicit form: y starts with the rows of the sparse system
    /// (`neq` of them) instead of the membrane potentials.
    pub(crate) dae: bool,
    pub(crate) neq: usize,
}

/// The model as the integrator sees it.
pub(crate) struct System<'a> {
    pub(crate) m: &'a mut Model,
    pub(crate) lay: &'a Layout,
    pub(crate) jac: &'a mut [f64],
    pub(crate) dsave: &'a mut [f64],
}

impl System<'_> {
    fn scatter(&mut self, y: &[f64]) {
        if self.lay.dae {
            return self.dae_scatter(y);
        }
        let m = &mut *self.m;
        for (k, &nd) in self.lay.cap.iter().enumerate() {
            m.tree.v[nd as usize] = y[k];
        }
        for &(mi, off, len, _, _) in &self.lay.mechs {
            m.mechs[mi].ode_scatter(&mut m.data[mi], &mut m.ions, &y[off..off + len]);
        }
        m.ode_synonyms(self.lay);
    }

    /// Current balance at the nodes without membrane, after the membrane
    /// currents: v = (g·v_old + I + Σ g_j v_j) / (g + Σ g_j), with g and I
    /// what point processes there contribute (NEURON's nocap_v).
    fn nocap_v(&mut self) {
        let tr = &mut self.m.tree;
        for (k, &nd) in self.lay.nocap.iter().enumerate() {
            let nd = nd as usize;
            let (mut num, mut den) = (tr.d[nd] * tr.v[nd] + tr.rhs[nd], tr.d[nd]);
            for &(j, gj) in &self.lay.nb[self.lay.nb_start[k]..self.lay.nb_start[k + 1]] {
                num += gj * tr.v[j as usize];
                den += gj;
            }
            if den > 0.0 {
                tr.v[nd] = num / den;
            }
        }
    }
}

impl System<'_> {
    /// f(t, y) at the model's present t.
    fn evaluate(&mut self, y: &[f64], ydot: &mut [f64]) {
        if self.lay.dae {
            return self.dae_rhs(y, ydot);
        }
        self.scatter(y);
        let m = &mut *self.m;
        m.do_transfer();
        m.membrane_currents();
        self.nocap_v();
        let m = &mut *self.m;
        // The membrane's conductances, before the axial terms join them:
        // NEURON's Newton matrix adds the capacitance first.
        m.tree.save_d(self.dsave);
        m.tree.axial();
        let tr = &mut m.tree;
        for (k, &nd) in self.lay.cap.iter().enumerate() {
            let nd = nd as usize;
            // i_cap is the net current onto the membrane (nrn_div_capacity).
            tr.icap[nd] = tr.rhs[nd];
            ydot[k] = tr.rhs[nd] / (1e-3 * tr.cm[nd]);
        }
        for &(mi, off, len, joff, jlen) in &self.lay.mechs {
            let mut nodes = view(&mut m.tree, &mut m.ions, &mut m.out, m.t, m.dt, m.celsius, m.fast_imem);
            crate::pointer::pull(&mut m.data, mi, &m.ptr_cells, m.t);
            m.mechs[mi].ode_spec(&mut m.data[mi], &mut nodes, &mut ydot[off..off + len], &mut self.jac[joff..joff + jlen]);
        }
        m.ode_diffusion(self.lay, ydot, false);
    }
}

impl OdeSystem for System<'_> {
    fn implicit(&self) -> bool {
        self.lay.dae
    }

    fn mass(&mut self, x: &[f64], out: &mut [f64]) {
        self.dae_mass(x, out);
    }

    fn rhs(&mut self, t: f64, y: &[f64], ydot: &mut [f64]) {
        self.m.t = t;
        self.m.in_variable_step = true;
        self.evaluate(y, ydot);
        self.m.in_variable_step = false;
    }

    fn step_size(&mut self, h: f64) {
        self.m.dt = cvode_dt(h);
    }

    fn solve(&mut self, gamma: f64, b: &mut [f64]) {
        // NEURON's dt while the Newton matrix is solved is γ.
        self.m.dt = gamma;
        if self.lay.dae {
            return self.dae_solve(gamma, b);
        }
        let tr = &mut self.m.tree;
        tr.restore_d_clear_rhs(self.dsave);
        // NEURON's order: conductances, then 1e-3·cj·cm, then the axial
        // terms; the right-hand side scaled by the same 1e-3·cj·cm.
        let cfac = 1e-3 * (1.0 / gamma);
        for (k, &nd) in self.lay.cap.iter().enumerate() {
            let nd = nd as usize;
            let c = cfac * tr.cm[nd];
            tr.d[nd] += c;
            tr.rhs[nd] = b[k] * c;
        }
        tr.axial_d();
        tr.solve();
        for (k, &nd) in self.lay.cap.iter().enumerate() {
            b[k] = tr.rhs[nd as usize];
        }
        let m = &mut *self.m;
        for &(mi, off, len, joff, jlen) in &self.lay.mechs {
            let mut nodes = view(&mut m.tree, &mut m.ions, &mut m.out, m.t, m.dt, m.celsius, m.fast_imem);
            m.mechs[mi].ode_matsol(&mut m.data[mi], &mut nodes, gamma, &mut b[off..off + len], &self.jac[joff..joff + jlen]);
        }
        m.ode_diffusion(self.lay, b, true);
    }
}

impl Model {
    /// The concentrations that follow the states just set (NEURON's
    /// ode_synonym, after scatter_y).
    pub(crate) fn ode_synonyms(&mut self, lay: &Layout) {
        for &(mi, ..) in &lay.mechs {
            let mut nodes = view(&mut self.tree, &mut self.ions, &mut self.out, self.t, self.dt, self.celsius, self.fast_imem);
            self.mechs[mi].ode_synonym(&mut self.data[mi], &mut nodes);
        }
    }

    /// Longitudinal diffusion after every mechanism, as NEURON's
    /// long_difus_solve: its terms added to the derivatives in `x`, or
    /// (`solve`) `x` solved through each species' tree.
    pub(crate) fn ode_diffusion(&mut self, lay: &Layout, x: &mut [f64], solve: bool) {
        for &(mi, off, len, _, _) in &lay.mechs {
            if !self.mechs[mi].has_diffusion() {
                continue;
            }
            let mut nodes = view(&mut self.tree, &mut self.ions, &mut self.out, self.t, self.dt, self.celsius, self.fast_imem);
            let (mech, data, x) = (&self.mechs[mi], &mut self.data[mi], &mut x[off..off + len]);
            if solve {
                mech.ode_diffuse_solve(data, &mut nodes, x);
            } else {
                mech.ode_diffuse(data, &mut nodes, x);
            }
        }
    }

    /// Lays out the ODE system and starts the integrator at the present state.
    fn cvode_start(&mut self, tout: f64) -> Result<(), String> {
        for (m, d) in self.mechs.iter().zip(&self.data) {
            if d.order.is_empty() {
                continue;
            }
            if let Some(why) = m.ode_unsupported() {
                return Err(why);
            }
        }
        let mut cv = std::mem::take(&mut self.cvode);
        if cv.keep_layout && !cv.lay.dae && cv.bdf.as_ref().is_some_and(|b| b.len() == cv.lay.n) {
            // A cell of the local step starting afresh: same equations, same tolerances.
            let mut bdf = cv.bdf.take().expect("checked");
            let (mut y, mut ydot) = (std::mem::take(&mut cv.y), std::mem::take(&mut cv.ydot));
            self.gather_y(&cv.lay, &mut y);
            {
                let mut sys = System { m: self, lay: &cv.lay, jac: &mut cv.jac, dsave: &mut cv.dsave };
                let t0 = sys.m.t;
                bdf.init(t0, &y, tout);
                sys.step_size(0.0);
                sys.rhs(t0, &y, &mut ydot);
            }
            cv.y = y;
            cv.ydot = ydot;
            cv.bdf = Some(bdf);
            cv.restart = false;
            self.cvode = cv;
            return Ok(());
        }
        let tr = &self.tree;
        let n = tr.len();
        let mut lay = Layout::default();
        if let Some(eqs) = &self.eqs {
            lay.dae = true;
            lay.neq = eqs.lu.len();
        }
        let mut nbs: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        for i in tr.nroot..n {
            let p = tr.parent[i] as usize;
            if !tr.has_cap[i] {
                nbs[i].push((p as u32, -tr.b[i]));
            }
            if !tr.has_cap[p] {
                nbs[p].push((i as u32, -tr.a[i]));
            }
        }
        lay.nb_start.push(0);
        let cell = self.local.current;
        for i in 0..n {
            if lay.dae {
                break;
            }
            if cell.is_some_and(|c| self.local.cell_of_node[i] != c) {
                continue;
            }
            if tr.has_cap[i] {
                lay.cap.push(i as u32);
            } else {
                lay.nocap.push(i as u32);
                lay.nb.extend_from_slice(&nbs[i]);
                lay.nb_start.push(lay.nb.len());
            }
        }
        // Voltages: a scale can only tighten (NEURON takes min(1, scale)).
        let vscale = cv.atolscale.get("v").map_or(1.0, |&s| s.min(1.0));
        let nv = if lay.dae { lay.neq } else { lay.cap.len() };
        let mut atol: Vec<f64> = vec![cv.atol * vscale; nv];
        let mut off = nv;
        let mut joff = 0;
        for &m in &self.run_order {
            let count = self.mechs[m].ode_count();
            let ni = self.data[m].order.len();
            if count == 0 || ni == 0 {
                continue;
            }
            let jlen = self.mechs[m].ode_jac_len() * ni;
            lay.mechs.push((m, off, count * ni, joff, jlen));
            let scales: Vec<f64> = self.mechs[m].ode_atol().into_iter().zip(self.mechs[m].ode_names()).map(|(s, name)| cv.atolscale.get(&name).copied().unwrap_or(s)).collect();
            for _ in 0..ni {
                atol.extend(scales.iter().map(|s| cv.atol * s));
            }
            off += count * ni;
            joff += jlen;
        }
        lay.n = off;
        lay.njac = joff;
        cv.y.resize(off, 0.0);
        cv.jac.resize(lay.njac, 0.0);
        cv.dsave.resize(if lay.dae { 2 * n } else { n }, 0.0);
        cv.ydot.resize(off, 0.0);
        if lay.dae {
            // A consistent start: the algebraic rows solved, y' from the
            // currents (NEURON's daspk initialisation).
            let mut ydot = std::mem::take(&mut cv.ydot);
            self.dae_consistent(&lay, &mut cv.y, &mut ydot);
            self.gather_y(&lay, &mut cv.y);
            let mut sys = System { m: self, lay: &lay, jac: &mut cv.jac, dsave: &mut cv.dsave };
            let t0 = sys.m.t;
            let mut f = vec![0.0; off];
            sys.rhs(t0, &cv.y, &mut f);
            ydot[lay.neq..].copy_from_slice(&f[lay.neq..]);
            cv.ydot = ydot;
        } else {
            self.gather_y(&lay, &mut cv.y);
        }
        let mut bdf = match cv.bdf.take() {
            Some(b) if b.len() == off => b,
            _ => Bdf::new(off),
        };
        bdf.atol = atol;
        bdf.rtol = cv.rtol;
        bdf.hmax_inv = if cv.maxstep > 0.0 { 1.0 / cv.maxstep } else { 0.0 };
        bdf.hmin = cv.minstep;
        bdf.max_order = cv.maxorder.clamp(1, 5);
        let y = std::mem::take(&mut cv.y);
        {
            let mut sys = System { m: self, lay: &lay, jac: &mut cv.jac, dsave: &mut cv.dsave };
            let t0 = sys.m.t;
            if lay.dae {
                bdf.init_implicit(&mut sys, t0, &y, &cv.ydot, tout);
            } else {
                bdf.init(t0, &y, tout);
                // NEURON evaluates f once at the start, the step not yet chosen.
                let mut ydot = std::mem::take(&mut cv.ydot);
                sys.step_size(0.0);
                sys.rhs(t0, &y, &mut ydot);
                cv.ydot = ydot;
            }
        }
        cv.y = y;
        cv.lay = lay;
        cv.bdf = Some(bdf);
        cv.restart = false;
        self.cvode = cv;
        Ok(())
    }

    /// The discontinuity times the mechanisms announce at the present state.
    fn cvode_stops(&mut self) {
        let mut stops = std::mem::take(&mut self.cvode.stops);
        stops.clear();
        for k in 0..self.run_order.len() {
            let m = self.run_order[k];
            if self.data[m].order.is_empty() {
                continue;
            }
            let mut nodes = view(&mut self.tree, &mut self.ions, &mut self.out, self.t, self.dt, self.celsius, self.fast_imem);
            crate::pointer::pull(&mut self.data, m, &self.ptr_cells, self.t);
            self.mechs[m].discontinuities(&mut self.data[m], &mut nodes, &mut stops);
        }
        stops.sort_by(|a, b| a.total_cmp(b));
        stops.dedup();
        self.cvode.stops = stops;
    }

    /// Starts the integrator after finitialize (or `CVode.re_init()`); a
    /// mechanism the variable step cannot integrate is an error.
    pub(crate) fn cvode_init(&mut self) {
        // A fresh start has no discontinuity reached yet to restart past.
        self.cvode.at_stop = None;
        self.cvode_stops();
        // NEURON looks ahead 1e5 ms at most: the integrator starts afresh
        // there, and learns of later discontinuities then.
        let horizon = self.t + 1e5;
        let next_at = self.cvode.stops.iter().copied().find(|&s| s > self.t && s < horizon).unwrap_or(horizon);
        let tout = next_at - at_margin(next_at);
        if let Err(e) = self.cvode_start(tout) {
            self.error.get_or_insert(e);
        }
        if self.cvode.lay.n > 0 {
            self.cvode.stops.retain(|&s| s < horizon);
            self.cvode.stops.push(horizon);
        }
    }

    /// `CVode.re_init()`: under the variable step the integrator starts
    /// afresh at once, from the present state and t, and keeps its own time
    /// from then on (NEURON's does: a later `t = x` does not move it).
    pub fn cvode_re_init(&mut self) {
        self.ensure_lowered();
        self.cvode.re_init();
        if self.cvode.active && self.local.on {
            self.local_re_init(false);
        } else if self.cvode.active {
            let dt = self.dt;
            self.cvode_init();
            self.dt = dt;
            self.cvode.retreated = false;
        }
    }

    /// One `fadvance()` under `CVode.active(1)`, in NEURON's manner: the
    /// previous step's end is recorded first; events due now are delivered
    /// first, in a fadvance of their own (the integrator restarts when they
    /// changed the cell; a bare `CVode.event` only stops there); after a
    /// step was taken back to an event that did not restart it, the next
    /// fadvance goes on to the step's end; otherwise one integrator step is
    /// taken, ending early at the next event or at_time.
    pub(crate) fn cvode_advance(&mut self, play: &mut dyn FnMut(&mut Model), record: &mut dyn FnMut(&Model)) {
        if self.error.is_some() {
            return;
        }
        if !self.cvode.restart && !self.cvode.retreated {
            // The integrator's own time, whatever `t` was set to since its last step.
            if let Some(tb) = self.cvode.bdf.as_ref().map(|b| b.t()) {
                self.t = tb;
            }
        }
        record(self);
        if self.cvode.restart || self.cvode.bdf.is_none() {
            // A start asked for from HOC (CVode.re_init, activation) leaves dt as it was.
            let dt = self.dt;
            self.cvode_init();
            self.dt = dt;
            self.cvode.retreated = false;
            if self.error.is_some() || self.cvode_deliver_due() {
                return;
            }
        } else {
            if self.cvode_deliver_due() {
                return;
            }
            if std::mem::take(&mut self.cvode.retreated) {
                // NEURON interpolates on to the end of the step it had taken.
                let tn = self.cvode.bdf.as_ref().map_or(self.t, |b| b.t());
                self.cvode_set_time(tn);
                return;
            }
            if let Some(te) = self.cvode.at_stop.take() {
                // NEURON restarts past the stop time by one and a half margins.
                let ts = te - at_margin(te);
                self.t = ts + 1.5 * at_margin(ts);
                self.cvode_init();
                return;
            }
        }
        let next_at = self.cvode.stops.iter().copied().find(|&s| s - at_margin(s) > self.t);
        // A value the caller changes at a known time (Vector.play) is a discontinuity too.
        let next_at = match self.cvode.external_stop.filter(|&s| s - at_margin(s) > self.t) {
            Some(e) if next_at.is_none_or(|a| e < a) => Some(e),
            _ => next_at,
        };
        let at_stop = next_at.map_or(f64::INFINITY, |s| s - at_margin(s));
        let stop = at_stop;
        let mut cv = std::mem::take(&mut self.cvode);
        self.refresh_presyns();
        cv.vprev.clear();
        for g in &self.presyns.groups {
            cv.vprev.push(self.tree.v[g.node as usize]);
        }
        cv.tprev = self.t;
        self.cvode = cv;
        let r = self.bdf_step(stop);
        if self.t >= at_stop {
            self.cvode.at_stop = next_at;
        }
        if let Err(e) = r {
            self.error = Some(e);
            return;
        }
        // The mechanisms are left at the accepted solution, as NEURON
        // evaluates f(tn, yn) once more after every step (the last Newton
        // evaluation was at the iterate before the final correction).
        let t1 = self.t;
        self.cvode_set_time(t1);
        play(self);
        self.before_after(Ba::AfterSolve);
        self.before_after(Ba::BeforeStep);
        // condition_order(2) tests the thresholds at the step's end, with
        // the crossing interpolated within it.
        if self.cvode.interpolate_thresholds {
            self.cvode_thresholds();
        }
        self.watch_check();
        // Events the step passed: those for artificial cells are delivered as
        // it stands; the first for the cell (or a CVode.event) takes the
        // state back to its time, where the next fadvance delivers it.
        while let Some((te, seq, ev)) = self.queue.peek() {
            if te > self.t {
                break;
            }
            if !self.event_is_artificial(&ev) {
                self.cvode_retreat(te);
                break;
            }
            self.queue.pop();
            let tsav = self.t;
            self.deliver(te, seq, ev);
            self.t = tsav;
        }
        // condition_order(1) tests them where the next step starts (NEURON's
        // check at the start of handle_step): at the step's end, or where an
        // event took the state back to, so a step undone is not tested.
        if !self.cvode.interpolate_thresholds {
            self.cvode_thresholds();
        }
    }

    /// The SOLVE blocks outside the system, then one BDF step not past
    /// `stop`; t and dt become the step's.
    fn bdf_step(&mut self, stop: f64) -> Result<(), String> {
        self.nonode_states();
        let mut cv = std::mem::take(&mut self.cvode);
        let mut bdf = cv.bdf.take().expect("started");
        let r = {
            let mut sys = System { m: self, lay: &cv.lay, jac: &mut cv.jac, dsave: &mut cv.dsave };
            bdf.step(&mut sys, stop)
        };
        self.t = bdf.t();
        self.dt = bdf.last_h();
        cv.stats = bdf.stats.clone();
        cv.bdf = Some(bdf);
        self.cvode = cv;
        r.map(|_| ()).map_err(|e| format!("CVode: {e}"))
    }

    /// One step of the integrator, not past `stop`, the model left at the
    /// step's end (a cell's step under the local variable step).
    pub(crate) fn cvode_one_step(&mut self, stop: f64) -> Result<(), String> {
        self.bdf_step(stop)?;
        let t1 = self.t;
        self.cvode_set_time(t1);
        self.before_after(Ba::AfterSolve);
        Ok(())
    }

    /// Delivers the events due at the present time; true when that ends the
    /// fadvance: they reached the cell (or ran a statement), and the
    /// integrator restarts, or a bare `CVode.event` stopped the run there.
    fn cvode_deliver_due(&mut self) -> bool {
        if !self.queue.next_time().is_some_and(|te| te <= self.t) {
            return false;
        }
        self.delivered_to_cell = false;
        self.stop_delivered = false;
        self.deliver_and_settle(self.t);
        if self.delivered_to_cell {
            self.cvode.retreated = false;
            self.cvode_init();
            return true;
        }
        self.stop_delivered
    }

    /// The SOLVE blocks of mechanisms without states in the system (`after_cvode`,
    /// APCount's check, VClamp's update): NEURON runs them before each step,
    /// at the step's start with dt as the last evaluation left it.
    fn nonode_states(&mut self) {
        for k in 0..self.run_order.len() {
            let m = self.run_order[k];
            if self.data[m].order.is_empty() || self.mechs[m].ode_count() > 0 {
                continue;
            }
            let mut nodes = view(&mut self.tree, &mut self.ions, &mut self.out, self.t, self.dt, self.celsius, self.fast_imem);
            crate::pointer::pull(&mut self.data, m, &self.ptr_cells, self.t);
            self.mechs[m].state(&mut self.data[m], &mut nodes);
            crate::pointer::push(&mut self.data, m, &mut self.ptr_cells);
        }
    }

    /// Sets the model to the integrator's solution at t within the last step
    /// (interpolated), or back to the step's end; for samples taken at
    /// given times. False if t is not within the last step.
    pub fn cvode_set_time(&mut self, t: f64) -> bool {
        let Some(bdf) = &self.cvode.bdf else { return false };
        let (t0, t1) = (bdf.t() - bdf.last_h(), bdf.t());
        if !(t >= t0 && t <= t1) {
            return false;
        }
        let keep = self.cvode.retreated;
        self.cvode_retreat_to(t);
        self.cvode.retreated = keep;
        true
    }

    /// Sets the model to the integrator's interpolated solution at te.
    fn cvode_retreat(&mut self, te: f64) {
        if te >= self.t {
            return;
        }
        self.cvode_retreat_to(te);
    }

    fn cvode_retreat_to(&mut self, te: f64) {
        let mut cv = std::mem::take(&mut self.cvode);
        if let Some(bdf) = &cv.bdf {
            bdf.interpolate(te, &mut cv.y);
            let mut ydot = std::mem::take(&mut cv.ydot);
            ydot.resize(cv.lay.n, 0.0);
            let mut sys = System { m: self, lay: &cv.lay, jac: &mut cv.jac, dsave: &mut cv.dsave };
            sys.step_size(bdf.h());
            sys.rhs(te, &cv.y, &mut ydot);
            cv.ydot = ydot;
            cv.retreated = true;
        }
        self.cvode = cv;
        self.t = te;
        self.cvode_membrane_current(te);
    }

    /// i_membrane_ (and the layers' i_membrane) after the system was
    /// evaluated at time t: the ionic current plus, in the implicit form,
    /// the capacitive current from the integrator's y'.
    fn cvode_membrane_current(&mut self, t: f64) {
        if self.cvode.lay.dae {
            let mut cv = std::mem::take(&mut self.cvode);
            if let Some(bdf) = &cv.bdf {
                bdf.interpolate_dydt(t, &mut cv.ydot);
                self.dae_membrane_current(&cv.ydot);
            }
            self.cvode = cv;
            return;
        }
        if self.fast_imem {
            let t = &mut self.tree;
            for i in 0..t.len() {
                t.imem[i] = (t.rhs[i] + t.sav_rhs[i]) * t.area[i] * 0.01;
            }
        }
    }

    /// The model's values of the variable step's unknowns.
    fn gather_y(&self, lay: &Layout, y: &mut [f64]) {
        if lay.dae {
            self.dae_gather(y);
        } else {
            for (k, &nd) in lay.cap.iter().enumerate() {
                y[k] = self.tree.v[nd as usize];
            }
        }
        for &(mi, o, len, _, _) in &lay.mechs {
            self.mechs[mi].ode_gather(&self.data[mi], &self.ions, &mut y[o..o + len]);
        }
    }

    /// The present values of the variable step's unknowns (`CVode.states`).
    pub fn cvode_states(&mut self) -> Vec<f64> {
        self.ensure_lowered();
        if self.cvode.bdf.is_none() || self.cvode.restart {
            self.cvode_init();
        }
        let lay = &self.cvode.lay;
        let mut y = vec![0.0; lay.n];
        self.gather_y(lay, &mut y);
        y
    }

    /// f(t, y) of the variable step's system (`CVode.f`, `CVode.dstates`);
    /// the model is left at (t, y).
    pub fn cvode_f(&mut self, t: f64, y: &[f64]) -> Vec<f64> {
        let mut cv = std::mem::take(&mut self.cvode);
        let mut ydot = vec![0.0; cv.lay.n];
        if y.len() == cv.lay.n {
            let mut sys = System { m: self, lay: &cv.lay, jac: &mut cv.jac, dsave: &mut cv.dsave };
            let dt = sys.m.dt;
            sys.step_size(cv.bdf.as_ref().map_or(0.0, |b| b.h()));
            sys.rhs(t, y, &mut ydot);
            sys.m.dt = dt;
        }
        self.cvode = cv;
        ydot
    }

    /// Voltage sources that crossed their threshold during the step: the
    /// crossing time by linear interpolation over the step.
    fn cvode_thresholds(&mut self) {
        let (t0, t1) = (self.cvode.tprev, self.t);
        let mut groups = std::mem::take(&mut self.presyns.groups);
        for (k, g) in groups.iter_mut().enumerate() {
            let v1 = self.tree.v[g.node as usize];
            let v0 = self.cvode.vprev.get(k).copied().unwrap_or(f64::NAN);
            if v1 - g.threshold > 0.0 {
                if !g.above {
                    g.above = true;
                    // condition_order(1): the step end; (2): linear interpolation.
                    let interp = self.cvode.interpolate_thresholds && v0.is_finite() && v1 > v0 && v0 < g.threshold;
                    let ts = if interp { t0 + (t1 - t0) * (g.threshold - v0) / (v1 - v0) } else { t1 };
                    self.fire(&g.ncs, ts);
                }
            } else {
                g.above = false;
            }
        }
        self.presyns.groups = groups;
    }
}
