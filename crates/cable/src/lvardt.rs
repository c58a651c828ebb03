//! The local variable time step (`CVode.use_local_dt(1)`, NEURON's lvardt):
//! one integrator per cell (a tree of connected sections), each with its
//! own state vector, step and time, over the global variable step's BDF
//! machinery. The integrators wait in a queue ordered by time (NEURON's
//! TQueue: the least held apart, the others in order of time, then of
//! arrival); the one furthest behind steps next. An event is delivered once
//! every integrator has reached its time: the receiving cell is
//! interpolated back to it and starts afresh there. Artificial cells have
//! no integrator. Threshold crossings are each cell's own (condition order
//! 1: at the start of its next step; order 2: interpolated within the step
//! and sent as an event of their own, abandoned if the cell goes back
//! before it).
//!
//! While a cell is worked on, its instances stand in for every
//! mechanism's `order`, its nodes in `Tree::cell`, and its integrator in
//! `Model::cvode`, so that the global step's code serves it unchanged.

use crate::cvode::{at_margin, VarStep};
use crate::events::Event;
use crate::mechanism::{Ba, MechKind};
use crate::model::Model;

/// The cells' integrators and their queue.
#[derive(Default)]
pub struct LocalStep {
    /// `CVode.use_local_dt(1)`.
    pub on: bool,
    cells: Vec<Cell>,
    /// The cell of each node.
    pub(crate) cell_of_node: Vec<u32>,
    /// The cell lent into the model, if any.
    pub(crate) current: Option<u32>,
    /// The integrator queue's least element (usize::MAX: none).
    least: usize,
    /// Arrivals into the queue so far (the order among equal times).
    arrivals: u64,
    /// Threshold detection state of each voltage source group.
    conds: Vec<Cond>,
    /// The presyn grouping `conds` and `Cell::groups` were made for.
    groups_key: Option<(usize, u64, u64)>,
    /// A `CVode.event` without a statement stopped the run.
    stopped: bool,
}

/// One cell's integrator (NEURON's Cvode of that cell).
#[derive(Default)]
struct Cell {
    /// Its nodes, ascending.
    nodes: Vec<u32>,
    /// Its instances of each mechanism, in the mechanism's order.
    orders: Vec<Vec<u32>>,
    /// Its nodes where each ion is present.
    ion_nodes: Vec<Vec<u32>>,
    vs: VarStep,
    /// The cell's time, the bounds of its last step.
    t: f64,
    t0: f64,
    tn: f64,
    /// The next step stops short of this at_time discontinuity.
    tstop: f64,
    initialize: bool,
    can_retreat: bool,
    prior2init: u32,
    /// Its place in the integrator queue.
    qt: f64,
    qseq: u64,
    /// Its voltage source groups (indices into the model's presyns).
    groups: Vec<u32>,
}

/// NEURON's ConditionEvent state for one voltage source.
#[derive(Default, Clone)]
struct Cond {
    flag: bool,
    valold: f64,
    told: f64,
    valthresh: f64,
    /// The threshold event on the queue, not yet delivered.
    qthresh: Option<u64>,
}

/// What ended `Model::local_solve`.
#[derive(Debug, PartialEq, Eq)]
pub enum Solved {
    /// Reached tout (or a `CVode.event` without a statement stopped it).
    Done,
    /// A `CVode.event` statement is due (`Model::fired`); solve again after it.
    Statement,
    Error,
}

impl LocalStep {
    /// Whether the local step governs the run.
    pub fn active(&self, cvode_active: bool) -> bool {
        self.on && cvode_active
    }

    /// The cell of a node (none for a node that is not lowered).
    pub fn cell_of(&self, node: u32) -> Option<u32> {
        self.cell_of_node.get(node as usize).copied()
    }

    fn first_rest(&self) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (k, c) in self.cells.iter().enumerate() {
            if k == self.least {
                continue;
            }
            if best.is_none_or(|b| {
                let o = &self.cells[b];
                c.qt < o.qt || (c.qt == o.qt && c.qseq < o.qseq)
            }) {
                best = Some(k);
            }
        }
        best
    }

    fn least_t(&self) -> f64 {
        if self.least == usize::MAX {
            f64::INFINITY
        } else {
            self.cells[self.least].qt
        }
    }

    fn enqueue(&mut self, k: usize) {
        self.arrivals += 1;
        self.cells[k].qseq = self.arrivals;
    }

    /// TQueue::move_least.
    fn move_least(&mut self, tnew: f64) {
        let b = self.least;
        if b == usize::MAX {
            return;
        }
        self.cells[b].qt = tnew;
        if let Some(nl) = self.first_rest() {
            if tnew > self.cells[nl].qt {
                self.least = nl;
                self.enqueue(b);
            }
        }
    }

    /// TQueue::move.
    fn move_to(&mut self, k: usize, tnew: f64) {
        if k == self.least {
            self.move_least(tnew);
        } else if tnew < self.least_t() {
            self.cells[k].qt = tnew;
            let old = self.least;
            self.enqueue(old);
            self.least = k;
        } else {
            self.cells[k].qt = tnew;
            self.enqueue(k);
        }
    }
}

impl Model {
    /// Whether the model is a system of ODEs alone (sections, and no
    /// extracellular layers or LinearMechanisms): NEURON's model type 1,
    /// the only kind the local step takes.
    pub fn is_ode_model(&self) -> bool {
        self.eqs.is_none() && !self.tree.v.is_empty()
    }

    /// Drops the cells' integrators (the method changed); the next run
    /// makes them afresh.
    pub fn local_forget(&mut self) {
        self.local.cells.clear();
        self.local.least = usize::MAX;
    }

    /// The cell a recordable variable belongs to under the local step.
    pub fn var_cell(&self, v: &crate::model::Var) -> Option<u32> {
        use crate::model::Var;
        let node = match *v {
            Var::V { sec, x } | Var::Imem { sec, x } | Var::ICap { sec, x } | Var::Range { sec, x, .. } | Var::Ion { sec, x, .. } => {
                if !self.exists(sec) {
                    return None;
                }
                self.node_at(sec, x)
            }
            Var::Mech { mech, inst, .. } => {
                if self.mechs[mech].kind() == MechKind::Artificial {
                    return None;
                }
                *self.data[mech].node.get(inst as usize)?
            }
            _ => return None,
        };
        self.local.cell_of(node)
    }

    /// Lends cell c's instances, nodes and integrator to the model.
    fn enter_cell(&mut self, c: usize) {
        self.swap_cell(c);
        self.local.current = Some(c as u32);
    }

    /// Takes them back.
    fn leave_cell(&mut self, c: usize) {
        self.local.current = None;
        self.swap_cell(c);
    }

    /// Exchanges cell c's instances, ion nodes, nodes and integrator with
    /// the model's (lending them, or taking them back).
    fn swap_cell(&mut self, c: usize) {
        let cell = &mut self.local.cells[c];
        for (d, o) in self.data.iter_mut().zip(cell.orders.iter_mut()) {
            std::mem::swap(&mut d.order, o);
        }
        for (ion, o) in self.ions.iter_mut().zip(cell.ion_nodes.iter_mut()) {
            std::mem::swap(&mut ion.nodes, o);
        }
        std::mem::swap(&mut self.cvode, &mut cell.vs);
        std::mem::swap(&mut self.tree.cell, &mut cell.nodes);
    }

    /// Splits the lowered model into cells: one per root node, with the
    /// nodes under it and the instances of mechanisms there.
    fn build_cells(&mut self) -> Result<(), String> {
        if self.eqs.is_some() {
            return Err("the local variable time step does not handle extracellular layers or LinearMechanisms".into());
        }
        let tr = &self.tree;
        let n = tr.len();
        let mut cell_of = vec![0u32; n];
        for (i, c) in cell_of.iter_mut().enumerate().take(tr.nroot) {
            *c = i as u32;
        }
        for i in tr.nroot..n {
            cell_of[i] = cell_of[tr.parent[i] as usize];
        }
        let mut cells: Vec<Cell> = (0..tr.nroot).map(|_| Cell::default()).collect();
        for (i, &c) in cell_of.iter().enumerate() {
            cells[c as usize].nodes.push(i as u32);
        }
        for c in cells.iter_mut() {
            c.orders = vec![Vec::new(); self.mechs.len()];
            c.ion_nodes = vec![Vec::new(); self.ions.len()];
        }
        for (k, ion) in self.ions.iter().enumerate() {
            for &nd in &ion.nodes {
                cells[cell_of[nd as usize] as usize].ion_nodes[k].push(nd);
            }
        }
        for (m, d) in self.data.iter().enumerate() {
            if self.mechs[m].kind() == MechKind::Artificial || d.order.is_empty() {
                continue;
            }
            if self.mechs[m].has_diffusion() {
                return Err(format!("the local variable time step does not handle the LONGITUDINAL_DIFFUSION of {}", self.mechs[m].name()));
            }
            for &inst in &d.order {
                let node = d.node[inst as usize] as usize;
                if let Some(&c) = cell_of.get(node) {
                    cells[c as usize].orders[m].push(inst);
                }
            }
        }
        for c in cells.iter_mut() {
            c.vs = self.cvode.settings();
            c.vs.active = true;
            c.vs.keep_layout = true;
        }
        self.local.cells = cells;
        self.local.cell_of_node = cell_of;
        self.local.least = usize::MAX;
        self.local.groups_key = None;
        Ok(())
    }

    /// Each cell's voltage source groups, after a regrouping.
    fn local_groups(&mut self) {
        self.refresh_presyns();
        let key = self.presyns.key;
        if key.is_some() && key == self.local.groups_key {
            return;
        }
        for c in self.local.cells.iter_mut() {
            c.groups.clear();
        }
        for (k, g) in self.presyns.groups.iter().enumerate() {
            if let Some(&c) = self.local.cell_of_node.get(g.node as usize) {
                self.local.cells[c as usize].groups.push(k as u32);
            }
        }
        self.local.conds = vec![Cond::default(); self.presyns.groups.len()];
        self.local.groups_key = key;
    }

    /// Starts every cell's integrator at t (finitialize, `CVode.re_init`).
    pub(crate) fn local_re_init(&mut self, reset_conditions: bool) {
        let t = self.t;
        let dt = self.dt;
        if let Err(e) = self.build_cells() {
            self.error.get_or_insert(e);
            return;
        }
        self.local_groups();
        if reset_conditions {
            for c in self.local.conds.iter_mut() {
                *c = Cond::default();
            }
        }
        self.local.stopped = false;
        let n = self.local.cells.len();
        for c in 0..n {
            self.local_init(c, t);
            self.local.cells[c].qt = t;
            if self.cvode.interpolate_thresholds {
                self.local_conditions(c);
            }
        }
        // The queue as NEURON fills it: the first cell least, the others in order.
        self.local.least = if n > 0 { 0 } else { usize::MAX };
        for c in 1..n {
            self.local.enqueue(c);
        }
        self.t = t;
        self.dt = dt;
    }

    /// Cvode::init: the cell's integrator starts afresh at t.
    fn local_init(&mut self, c: usize, t: f64) {
        self.enter_cell(c);
        self.t = t;
        self.cvode.re_init();
        self.cvode_init();
        let tstop = self.cvode.stops.iter().copied().find(|&s| s - at_margin(s) > t).map_or(f64::INFINITY, |s| s - at_margin(s));
        self.leave_cell(c);
        let cell = &mut self.local.cells[c];
        cell.t = t;
        cell.t0 = t;
        cell.tn = t;
        cell.tstop = tstop;
        cell.initialize = false;
        cell.can_retreat = false;
        cell.prior2init = 0;
    }

    /// Cvode::interpolate: the cell's state at tout within its last step.
    fn local_interpolate(&mut self, c: usize, tout: f64) {
        let cell = &mut self.local.cells[c];
        if cell.vs.neq() == 0 {
            cell.t = tout;
            return;
        }
        if !cell.can_retreat {
            // Within the start's domain: the cell stays where it started.
            self.t = tout;
            return;
        }
        if (tout - cell.t).abs() <= at_margin(cell.t) {
            cell.t = tout;
            return;
        }
        let tout = tout.clamp(cell.t0, cell.tn);
        self.enter_cell(c);
        self.cvode_set_time(tout);
        self.leave_cell(c);
        self.local.cells[c].t = tout;
    }

    /// NetCvode::local_retreat and Cvode::set_init_flag: the cell goes back
    /// to an event's time and starts afresh there.
    fn local_retreat_reinit(&mut self, c: usize, tt: f64, record: &mut dyn FnMut(&Model, u32, f64)) {
        self.local_interpolate(c, tt);
        self.local.move_to(c, tt);
        let cell = &mut self.local.cells[c];
        cell.initialize = true;
        cell.prior2init += 1;
        if cell.prior2init == 1 {
            self.local_record(c, record);
        }
    }

    /// Cvode::record_continuous: the cell's BEFORE STEP blocks and records.
    fn local_record(&mut self, c: usize, record: &mut dyn FnMut(&Model, u32, f64)) {
        let t = self.local.cells[c].t;
        self.enter_cell(c);
        let tsav = self.t;
        self.t = t;
        self.before_after(Ba::BeforeStep);
        self.t = tsav;
        self.leave_cell(c);
        record(self, c as u32, t);
    }

    /// Cvode::advance_tn: one step of the cell's integrator (or, at an
    /// at_time discontinuity, a start just past it).
    fn local_advance(&mut self, c: usize) {
        let (t, tstop) = (self.local.cells[c].t, self.local.cells[c].tstop);
        if self.local.cells[c].vs.neq() == 0 {
            let cell = &mut self.local.cells[c];
            cell.t += 1e9;
            cell.tn = cell.t;
            return;
        }
        if t >= tstop - at_margin(t) {
            self.local_init(c, tstop + 1.5 * at_margin(tstop));
            return;
        }
        self.enter_cell(c);
        self.t = t;
        let r = self.cvode_one_step(tstop);
        let (tn, h) = self.cvode.bdf.as_ref().map_or((t, 0.0), |b| (b.t(), b.last_h()));
        self.leave_cell(c);
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
        let cell = &mut self.local.cells[c];
        cell.t = tn;
        cell.tn = tn;
        cell.t0 = tn - h;
        cell.can_retreat = true;
    }

    /// The cell's voltage sources above threshold now send their spike
    /// (condition order 1, ConditionEvent::check).
    fn local_check(&mut self, c: usize) {
        let t = self.local.cells[c].t;
        for k in 0..self.local.cells[c].groups.len() {
            let gi = self.local.cells[c].groups[k] as usize;
            let g = &self.presyns.groups[gi];
            let val = self.tree.v[g.node as usize] - g.threshold;
            let cond = &mut self.local.conds[gi];
            if val > 0.0 {
                if !cond.flag {
                    cond.flag = true;
                    cond.valthresh = 0.0;
                    let ncs = std::mem::take(&mut self.presyns.groups[gi].ncs);
                    self.fire(&ncs, t);
                    self.presyns.groups[gi].ncs = ncs;
                }
            } else {
                cond.flag = false;
            }
        }
    }

    /// Threshold crossings within the cell's last step, by linear
    /// interpolation, put on the queue (condition order 2,
    /// ConditionEvent::condition).
    fn local_conditions(&mut self, c: usize) {
        let cell = &self.local.cells[c];
        let (t, inited) = (cell.t, cell.t0 == cell.tn);
        for k in 0..self.local.cells[c].groups.len() {
            let gi = self.local.cells[c].groups[k] as usize;
            if let Some(seq) = self.local.conds[gi].qthresh.take() {
                // The cell went back to before the crossing: it is abandoned.
                self.queue.cancel(seq);
                let cond = &mut self.local.conds[gi];
                cond.valthresh = 0.0;
                cond.flag = false;
            }
            let g = &self.presyns.groups[gi];
            let val = self.tree.v[g.node as usize] - g.threshold;
            let cond = &mut self.local.conds[gi];
            if !cond.flag && val >= 0.0 {
                cond.flag = true;
                cond.valthresh = 0.0;
                if inited {
                    let ncs = std::mem::take(&mut self.presyns.groups[gi].ncs);
                    self.fire(&ncs, t);
                    self.presyns.groups[gi].ncs = ncs;
                } else {
                    cond.valthresh = cond.valold;
                    let th = -cond.valold / (val - cond.valold);
                    let th = th * t + (1.0 - th) * cond.told;
                    cond.qthresh = Some(self.queue.push(th, Event::Threshold { group: gi as u32 }));
                }
            } else if cond.flag && cond.valold < cond.valthresh && val < cond.valthresh {
                cond.flag = false;
            }
            let cond = &mut self.local.conds[gi];
            cond.valold = val;
            cond.told = t;
        }
    }

    /// Cvode::handle_step for the cell furthest behind.
    fn local_handle_step(&mut self, c: usize, record: &mut dyn FnMut(&Model, u32, f64)) {
        let order2 = self.cvode.interpolate_thresholds;
        if !order2 {
            self.local_check(c);
            if self.queue.next_time().is_some_and(|te| te <= self.local.cells[c].t) {
                return;
            }
        }
        let cell = &self.local.cells[c];
        if cell.initialize {
            let t = cell.t;
            self.local_init(c, t);
            if order2 {
                self.local_conditions(c);
            }
        } else if cell.t < cell.tn {
            let tn = cell.tn;
            self.local_interpolate(c, tn);
        } else {
            self.local_record(c, record);
            self.local_advance(c);
            if order2 {
                self.local_conditions(c);
            }
        }
    }

    /// The cell an event acts on (none for artificial cells and statements).
    fn event_cell(&self, ev: &Event) -> Option<usize> {
        let (mech, inst) = match *ev {
            Event::SelfEvent { mech, inst, .. } => (mech, inst),
            Event::NetCon { nc } => match self.netcons.get(nc as usize) {
                Some(Some(crate::events::NetCon { target: crate::events::Target::Point { mech, inst }, active: true, .. })) => (*mech, *inst),
                _ => return None,
            },
            _ => return None,
        };
        if self.mechs[mech as usize].kind() == MechKind::Artificial {
            return None;
        }
        let node = *self.data[mech as usize].node.get(inst as usize)?;
        self.local.cell_of(node).map(|c| c as usize)
    }

    /// Delivers the least event (NetCvode::deliver_least_event).
    fn local_deliver_least(&mut self, record: &mut dyn FnMut(&Model, u32, f64)) {
        let Some((tt, seq, ev)) = self.queue.pop() else { return };
        match ev {
            Event::Threshold { group } => {
                let gi = group as usize;
                if let Some(c) = self.local.conds.get_mut(gi) {
                    c.qthresh = None;
                }
                if let Some(g) = self.presyns.groups.get_mut(gi) {
                    let ncs = std::mem::take(&mut g.ncs);
                    self.fire(&ncs, tt);
                    self.presyns.groups[gi].ncs = ncs;
                }
            }
            Event::Stop { id } => {
                // Every cell goes to the event's time.
                for c in 0..self.local.cells.len() {
                    self.local_interpolate(c, tt);
                    self.local.move_to(c, tt);
                    if id == u32::MAX {
                        self.local_record(c, record);
                    }
                }
                self.t = tt;
                if id == u32::MAX {
                    self.local.stopped = true;
                } else {
                    self.fired.push((id, tt));
                }
            }
            _ => {
                if let Some(c) = self.event_cell(&ev) {
                    self.local_retreat_reinit(c, tt, record);
                }
                self.deliver(tt, seq, ev);
            }
        }
    }

    /// NetCvode::local_microstep.
    fn local_microstep(&mut self, record: &mut dyn FnMut(&Model, u32, f64)) {
        let te = self.queue.next_time().unwrap_or(f64::INFINITY);
        if te <= self.local.least_t() {
            self.local_deliver_least(record);
        } else {
            let c = self.local.least;
            self.local_handle_step(c, record);
            let t = self.local.cells[c].t;
            self.local.move_least(t);
        }
    }

    /// `CVode.solve(tout)` under the local step: microsteps until every
    /// cell and every event has reached tout, then each cell is
    /// interpolated to tout and recorded there. `record(model, cell, t)`
    /// samples a cell's records at its time t.
    pub fn local_solve(&mut self, tout: f64, record: &mut dyn FnMut(&Model, u32, f64)) -> Solved {
        self.ensure_lowered();
        self.check_tables();
        if self.local.cells.is_empty() || self.local.least == usize::MAX {
            self.local_re_init(true);
        }
        let dt = self.dt;
        self.local.stopped = false;
        self.fired.clear();
        while self.local.least_t() < tout || self.queue.next_time().is_some_and(|te| te <= tout) {
            self.local_microstep(record);
            if self.error.is_some() {
                self.dt = dt;
                return Solved::Error;
            }
            if self.local.stopped {
                self.dt = dt;
                return Solved::Done;
            }
            if !self.fired.is_empty() {
                self.dt = dt;
                return Solved::Statement;
            }
        }
        for c in 0..self.local.cells.len() {
            self.local_interpolate(c, tout);
            self.local.move_to(c, tout);
            self.local_record(c, record);
        }
        self.t = tout;
        self.dt = dt;
        Solved::Done
    }

    /// `fadvance()` under the local step: microsteps until the least
    /// integrator's time or the next event's has passed; t is then the
    /// least of them.
    pub fn local_fadvance(&mut self, record: &mut dyn FnMut(&Model, u32, f64)) {
        if self.local.cells.is_empty() || self.local.least == usize::MAX {
            self.local_re_init(true);
        }
        let dt = self.dt;
        let tc = self.local.least_t();
        let te = self.queue.next_time().unwrap_or(f64::INFINITY);
        self.fired.clear();
        while self.local.least_t() <= tc && self.queue.next_time().unwrap_or(f64::INFINITY) <= te {
            self.local_microstep(record);
            if self.error.is_some() || self.local.stopped || !self.fired.is_empty() {
                break;
            }
        }
        let mut t = self.local.least_t();
        if te < t {
            t = te;
        }
        self.t = t;
        self.dt = dt;
    }
}
