//! The Model: sections, inserted mechanisms, point processes and NetCons as
//! the user builds them, and the lowered node arrays the integrator runs on.
//! Structural edits mark the model dirty; it is lowered again on demand.

use crate::events::{Event, EventQueue, NetCon, Target};
use crate::geometry::section_geometry;
use crate::ion::{style, IonField, IonNodes, IonType};
use crate::mechanism::{Ba, EventCtx, MechData, MechKind, Mechanism, NodeView, PtrSrc};
use crate::section::{PropTag, SecId, Section};
use crate::tree::Tree;

/// The node arrays as mechanisms see them during a step.
pub(crate) fn view<'a>(t: &'a mut Tree, ions: &'a mut [IonNodes], out: &'a mut String, time: f64, dt: f64, celsius: f64, imem: bool) -> NodeView<'a> {
    let vi = if t.vi.is_empty() { &t.v } else { &t.vi };
    NodeView { v: &t.v, vi, ext_rhs: &mut t.ext_rhs, ext_d: &mut t.ext_d, area: &t.area, diam: &t.diam, rhs: &mut t.rhs, d: &mut t.d, sav_rhs: &mut t.sav_rhs, sav_d: &mut t.sav_d, t: time, dt, celsius, imem, ions, out, state_discon: false, second_order: false, cvode: false }
}

/// The NetCons that target one instance, for FOR_NETCONS.
struct Targets<'a> {
    ids: &'a [u32],
    netcons: &'a mut [Option<NetCon>],
    /// The NetCon whose event is being delivered (its weights are lent out).
    current: u32,
}

impl crate::mechanism::TargetNetCons for Targets<'_> {
    fn count(&self) -> usize {
        self.ids.len()
    }
    fn is_current(&self, i: usize) -> bool {
        self.ids.get(i) == Some(&self.current)
    }
    fn weight(&self, i: usize, k: usize) -> f64 {
        let nc = self.ids.get(i).and_then(|&j| self.netcons.get(j as usize)?.as_ref());
        nc.and_then(|n| n.weight.get(k)).copied().unwrap_or(0.0)
    }
    fn set_weight(&mut self, i: usize, k: usize, x: f64) {
        let Some(&j) = self.ids.get(i) else { return };
        if let Some(Some(n)) = self.netcons.get_mut(j as usize) {
            if let Some(w) = n.weight.get_mut(k) {
                *w = x;
            }
        }
    }
}

/// Voltage sources as NEURON's PreSyns: NetCons watching the same node
/// with the same threshold share one test (and fire in creation order).
#[derive(Default)]
pub(crate) struct PreSyns {
    /// (NetCon count, lowerings, NetCon edits) when grouped.
    pub(crate) key: Option<(usize, u64, u64)>,
    pub(crate) groups: Vec<PreSyn>,
    /// NetCons of each point-process source, in creation order.
    pub(crate) points: std::collections::HashMap<(u32, u32), Vec<u32>>,
    /// NetCons of each target, in creation order.
    pub(crate) targets: std::collections::HashMap<(u32, u32), Vec<u32>>,
}

pub(crate) struct PreSyn {
    pub(crate) node: u32,
    pub(crate) threshold: f64,
    /// When that threshold was set (see `NetCon::threshold_set`).
    pub(crate) set: u64,
    pub(crate) above: bool,
    pub(crate) ncs: Vec<u32>,
}

/// A section's node values (nseg segments, then the x = 1 node) for
/// `nseg` segments: segment j takes those of the old segment holding its
/// centre (NEURON's node_realloc), the x = 1 node keeps its own.
fn resegment<T: Copy>(old: &[T], nseg: usize) -> Vec<T> {
    let n1 = old.len() - 1;
    if n1 == nseg || n1 == 0 {
        return old.to_vec();
    }
    (0..nseg).map(|j| old[((n1 as f64 * (j as f64 + 0.5) / nseg as f64) as usize).min(n1 - 1)]).chain(std::iter::once(old[n1])).collect()
}

/// Default resting potential of nodes that have not been initialised.
pub const DEFAULT_V: f64 = -65.0;

/// A density mechanism inserted in a section: its type and one instance per segment.
#[derive(Clone, Debug)]
pub struct Inserted {
    pub mech: usize,
    pub inst: Vec<u32>,
    /// When it was inserted (for listings in insertion order).
    pub serial: u64,
}

/// A variable of the model a recording or pointer can name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Var {
    V { sec: SecId, x: f64 },
    Imem { sec: SecId, x: f64 },
    /// The capacitive current density of a segment (NEURON's `i_cap`).
    ICap { sec: SecId, x: f64 },
    /// A variable of a point process instance.
    Mech { mech: usize, var: usize, inst: u32 },
    /// A variable of a density mechanism at a position of a section.
    Range { mech: usize, var: usize, sec: SecId, x: f64 },
    /// A GLOBAL of a mechanism.
    Global { mech: usize, var: usize },
    /// A field of an ion species at a position of a section (`ena(0.5)`).
    Ion { ion: usize, field: IonField, sec: SecId, x: f64 },
    /// An extracellular layer's potential at a node (`vext[layer](x)`).
    Vext { layer: usize, sec: SecId, x: f64 },
    T,
    /// `Model::ptr_cells[k]`: a variable of the program's own that POINTERs
    /// point to, kept in step with it around each run call.
    Cell(usize),
}

/// Where a point process sits.
#[derive(Clone, Copy, Debug)]
pub struct PointLoc {
    pub sec: Option<SecId>,
    pub x: f64,
}

pub struct Model {
    pub sections: Vec<Option<Section>>,
    /// How many sections are connected to each section.
    nchildren: Vec<u32>,
    pub inserted: Vec<Vec<Inserted>>,
    serial: u64,
    pub mechs: Vec<Box<dyn Mechanism>>,
    pub data: Vec<MechData>,
    /// The order mechanisms run in each phase: concentration writers right
    /// after the ions (newest first), then the others in catalogue order.
    pub run_order: Vec<usize>,
    pub ion_types: Vec<IonType>,
    /// Ion types present in each section, in the order they arrived (with the
    /// first mechanism that uses them, or `insert x_ion`); they stay when that
    /// mechanism is uninserted, as in NEURON.
    pub ion_in: Vec<Vec<usize>>,
    /// Per-node values of each ion type (after lowering).
    pub ions: Vec<IonNodes>,
    /// When each ion was last needed in a section (insertion serials), for
    /// listings in NEURON's property order.
    pub ion_serial: std::collections::HashMap<(SecId, usize), u64>,
    /// Styles set by `ion_style()`, per (section, ion type), in place of
    /// those the mechanisms imply.
    pub ion_style_set: std::collections::HashMap<(SecId, usize), u32>,
    /// The ion styles the mechanisms inserted in a section have implied so
    /// far: NEURON promotes an ion's style and never demotes it, even when
    /// the mechanism goes (psection shows this).
    pub ion_style_seen: std::collections::HashMap<(SecId, usize), u32>,
    /// Location of each point-process instance, per mechanism.
    pub points: Vec<Vec<PointLoc>>,
    pub netcons: Vec<Option<NetCon>>,
    pub queue: EventQueue,
    pub tree: Tree,
    /// Node indices of each section: nseg centres then x = 1; empty if not lowered.
    pub sec_nodes: Vec<Vec<u32>>,
    /// The x = 0 node of each section (its parent's node, or its own root node).
    pub sec_parent_node: Vec<u32>,
    /// Root sections in the order their nodes were laid out.
    pub roots: Vec<SecId>,
    /// Sections in node order (roots' trees breadth-first).
    pub order: Vec<SecId>,
    structure_dirty: bool,
    /// Sections were created, deleted, connected or re-segmented since the
    /// last lowering (not only mechanisms inserted): the lowered node
    /// arrays no longer describe the sections.
    topology_dirty: bool,
    geometry_dirty: bool,
    pub t: f64,
    pub dt: f64,
    pub celsius: f64,
    pub secondorder: i32,
    /// Changes whenever sections or their connections change (NEURON's structure counter).
    pub structure_version: u64,
    /// Keep i_membrane_ (NEURON's cvode.use_fast_imem(1)).
    pub fast_imem: bool,
    /// Values POINTERs reach through `Var::Cell`.
    pub ptr_cells: Vec<f64>,
    /// `state_discontinuity()` outside NET_RECEIVE takes effect: only in a
    /// fixed step's current evaluation (NEURON's state_discon_allowed_ is
    /// off for finitialize's and fcurrent's).
    pub(crate) state_discon: bool,
    /// The variable step's system is being evaluated (its state lent out of
    /// `cvode` meanwhile).
    pub(crate) in_variable_step: bool,
    /// `pt3dconst(1)`: 3-D points are authoritative; L and diam assignments
    /// do not change them (and so do not last), define_shape leaves them.
    pub pt3dconst: bool,
    /// Text mechanisms printed (NMODL printf) that the caller has not taken yet.
    pub out: String,
    /// Why a mechanism could not compute, if one could not; the caller
    /// stops the run (`take_error`).
    pub error: Option<String>,
    /// See [`Model::take_geometry_error`].
    geometry_error: Option<String>,
    /// Spikes of recording NetCons as (time, NetCon index), in the order they
    /// happened; the caller drains it. Cleared by finitialize.
    pub spikes: Vec<(f64, u32)>,
    /// Spikes of sources above threshold at finitialize, recorded at the first step.
    init_spikes: Vec<(f64, u32)>,
    scratch_events: Vec<(f64, f64)>,
    scratch_spikes: Vec<f64>,
    scratch_weights: Vec<f64>,
    scratch_fired: Vec<(u32, f64)>,
    /// The variable time step and its settings.
    pub cvode: crate::cvode::VarStep,
    /// The local variable time step: an integrator per cell.
    pub local: crate::lvardt::LocalStep,
    /// An event was delivered to a mechanism of the cell since last cleared
    /// (the variable step restarts after those).
    pub(crate) delivered_to_cell: bool,
    /// A `CVode.event` without a statement was delivered (NEURON stops there).
    pub(crate) stop_delivered: bool,
    /// Ids of `Event::Stop`s with a statement, delivered and not yet taken by the caller.
    pub fired: Vec<(u32, f64)>,
    /// Voltage sources grouped for the threshold tests.
    pub(crate) presyns: PreSyns,
    /// Bumped by whoever changes a NetCon's source or threshold, or drops one.
    pub netcon_edits: u64,
    /// How many times the model was lowered (node numbers may have changed).
    lowerings: u64,
    /// Random123 streams created so far (the next gets id3 = this + 1).
    pub streams_made: u32,
    /// The last self-event each instance posted and has not received yet:
    /// (mechanism, instance) → (event number, flag, NetCon) — what net_move moves.
    last_send: std::collections::HashMap<(u32, u32), (u64, f64, u32)>,
    /// The `extracellular` mechanism's place in the catalogue, and the
    /// layers of the lowered model.
    pub ext_mech: Option<usize>,
    pub ext: crate::extracellular::Ext,
    /// LinearMechanisms (None where one was removed).
    pub linmods: Vec<Option<crate::linmod::LinearMechanism>>,
    /// The sparse system, when layers or LinearMechanisms make the
    /// equations other than a tree.
    pub(crate) eqs: Option<crate::equations::Equations>,
    /// Gap-junction value transfer (ParallelContext source_var/target_var).
    pub transfer: crate::transfer::Transfer,
    /// Spike exchange with other processes, when the run spans several.
    pub exchange: Option<crate::exchange::Exchange>,
}

impl Default for Model {
    fn default() -> Self {
        Self::new(crate::mechs::builtin())
    }
}

impl Model {
    pub fn new(mechs: Vec<Box<dyn Mechanism>>) -> Self {
        let mut model = Model {
            sections: Vec::new(),
            nchildren: Vec::new(),
            inserted: Vec::new(),
            serial: 0,
            mechs: Vec::new(),
            data: Vec::new(),
            run_order: Vec::new(),
            ion_types: vec![IonType::new("na", 1.0), IonType::new("k", 1.0)],
            ion_in: Vec::new(),
            ion_style_set: std::collections::HashMap::new(),
            ion_serial: std::collections::HashMap::new(),
            ions: Vec::new(),
            points: Vec::new(),
            netcons: Vec::new(),
            queue: EventQueue::default(),
            tree: Tree::default(),
            sec_nodes: Vec::new(),
            sec_parent_node: Vec::new(),
            roots: Vec::new(),
            order: Vec::new(),
            structure_dirty: true,
            topology_dirty: true,
            geometry_dirty: true,
            t: 0.0,
            dt: 0.025,
            celsius: 6.3,
            secondorder: 0,
            structure_version: 0,
            fast_imem: false,
            ptr_cells: Vec::new(),
            state_discon: false,
            in_variable_step: false,
            pt3dconst: false,
            ion_style_seen: std::collections::HashMap::new(),
            init_spikes: Vec::new(),
            out: String::new(),
            error: None,
            geometry_error: None,
            spikes: Vec::new(),
            scratch_events: Vec::new(),
            scratch_spikes: Vec::new(),
            scratch_weights: Vec::new(),
            scratch_fired: Vec::new(),
            cvode: Default::default(),
            local: Default::default(),
            delivered_to_cell: false,
            stop_delivered: false,
            fired: Vec::new(),
            presyns: PreSyns::default(),
            netcon_edits: 0,
            lowerings: 0,
            streams_made: 0,
            last_send: std::collections::HashMap::new(),
            ext_mech: None,
            ext: Default::default(),
            linmods: Vec::new(),
            eqs: None,
            transfer: Default::default(),
            exchange: None,
        };
        for m in mechs {
            model.add_mechanism(m);
        }
        model
    }

    pub fn mech_index(&self, name: &str) -> Option<usize> {
        self.mechs.iter().position(|m| m.name() == name)
    }

    /// Adds a mechanism type to the catalogue (or replaces one of the same name).
    pub fn add_mechanism(&mut self, mut m: Box<dyn Mechanism>) -> usize {
        let types: Vec<usize> = m.ions().to_vec().iter().map(|u| self.ion_type(&u.ion, u.valence)).collect();
        m.bind_ions(&types);
        let data = MechData::for_mechanism(&*m);
        // Every `SUFFIX nothing` file is a library of its own: none replaces another.
        let same = if m.name() == "nothing" { None } else { self.mech_index(m.name()) };
        let i = match same {
            Some(i) => {
                self.data[i] = data;
                self.mechs[i] = m;
                self.inserted.iter_mut().for_each(|l| l.retain(|ins| ins.mech != i));
                self.points[i].clear();
                i
            }
            None => {
                self.data.push(data);
                self.points.push(Vec::new());
                self.mechs.push(m);
                self.mechs.len() - 1
            }
        };
        if self.mechs[i].name() == "extracellular" {
            self.ext_mech = Some(i);
            self.ext.nlayer = (self.mechs[i].vars().len() - 2) / 3;
        }
        let (writers, others): (Vec<usize>, Vec<usize>) = (0..self.mechs.len()).partition(|&k| self.mechs[k].writes_concentration());
        // pas precedes the ions in NEURON's order; writers follow them, newest first.
        let (first, rest): (Vec<usize>, Vec<usize>) = others.into_iter().partition(|&k| self.mechs[k].name() == "pas");
        self.run_order = first.into_iter().chain(writers.into_iter().rev()).chain(rest).collect();
        self.mark_structure();
        i
    }

    /// The index of ion type `name`, registering it (with `valence`, default 1) if new.
    pub fn ion_type(&mut self, name: &str, valence: Option<f64>) -> usize {
        if let Some(i) = self.ion_types.iter().position(|t| t.name == name) {
            return i;
        }
        let z = valence.unwrap_or(if name == "ca" { 2.0 } else { 1.0 });
        self.ion_types.push(IonType::new(name, z));
        self.mark_structure();
        self.ion_types.len() - 1
    }

    /// Whether ion type `ion` is present in a section.
    pub fn ion_present(&self, sec: SecId, ion: usize) -> bool {
        self.ion_in.get(sec).is_some_and(|l| l.contains(&ion))
    }

    /// `ion_style()`: the style of an ion in a section (NEURON's bitmap:
    /// concentration 0-3, +4 initialised, reversal potential ×8, +32
    /// initialised, +64 advanced), optionally setting it; None if the ion is
    /// not in the section.
    pub fn ion_style(&mut self, sec: SecId, ion: usize, set: Option<u32>) -> Option<u32> {
        if !self.ion_present(sec, ion) {
            return None;
        }
        self.ensure_lowered();
        let node = self.sec_nodes[sec][0] as usize;
        let old = self.ions[ion].style[node];
        if let Some(st) = set {
            self.ion_style_set.insert((sec, ion), st);
            let nseg = self.sec(sec).nseg;
            for &n in &self.sec_nodes[sec][..nseg] {
                let x = &mut self.ions[ion].style[n as usize];
                *x = st | (*x & (style::CI_WRITTEN | style::CO_WRITTEN));
            }
        }
        Some(old)
    }

    /// Makes ion type `ion` present in a section (`insert na_ion`).
    pub fn insert_ion(&mut self, sec: SecId, ion: usize) {
        self.serial += 1;
        self.ion_serial.insert((sec, ion), self.serial);
        if !self.ion_present(sec, ion) {
            self.ion_in[sec].push(ion);
            self.mark_structure();
        }
    }

    /// Removes an ion from a section (`uninsert na_ion`).
    pub fn uninsert_ion(&mut self, sec: SecId, ion: usize) {
        if let Some(s) = self.sections[sec].as_mut() {
            s.props.iter_mut().for_each(|l| l.retain(|&p| p != PropTag::Ion(ion)));
        }
        self.ion_in[sec].retain(|&i| i != ion);
        self.mark_structure();
    }

    /// The ions mechanism `mech` uses become present in a section. An
    /// inserted mechanism moves them after itself in NEURON's property
    /// order (need_memb); a point process only adds those not there yet.
    fn need_ions(&mut self, sec: SecId, mech: usize) {
        let names: Vec<String> = self.mechs[mech].ions().iter().map(|u| u.ion.clone()).collect();
        let density = self.mechs[mech].kind() == MechKind::Density;
        for n in names {
            if let Some(k) = self.ion_types.iter().position(|t| t.name == n) {
                if density || !self.ion_present(sec, k) {
                    self.insert_ion(sec, k);
                }
            }
        }
    }

    // ------------------------------------------------------------ editing

    pub fn mark_structure(&mut self) {
        self.structure_dirty = true;
        self.geometry_dirty = true;
        self.structure_version += 1;
    }

    /// A structural edit that moves or adds nodes (sections, connections, nseg).
    fn mark_topology(&mut self) {
        self.topology_dirty = true;
        self.mark_structure();
    }

    pub fn mark_geometry(&mut self) {
        self.geometry_dirty = true;
    }

    pub fn create_section(&mut self, name: String, owner: Option<u64>) -> SecId {
        self.serial += 1;
        let mut s = Section::new(name, self.serial);
        s.owner = owner;
        self.sections.push(Some(s));
        self.nchildren.push(0);
        self.inserted.push(Vec::new());
        self.ion_in.push(Vec::new());
        self.mark_topology();
        self.sections.len() - 1
    }

    pub fn sec(&self, id: SecId) -> &Section {
        self.sections[id].as_ref().expect("deleted section")
    }

    pub fn sec_mut(&mut self, id: SecId) -> &mut Section {
        self.geometry_dirty = true;
        self.sections[id].as_mut().expect("deleted section")
    }

    pub fn exists(&self, id: SecId) -> bool {
        self.sections.get(id).is_some_and(|s| s.is_some())
    }

    pub fn delete_section(&mut self, id: SecId) {
        if !self.exists(id) {
            return;
        }
        // Children become roots, as in NEURON.
        if self.nchildren[id] > 0 {
            for s in self.sections.iter_mut().flatten() {
                if s.parent.is_some_and(|(p, _)| p == id) {
                    s.parent = None;
                }
            }
        }
        if let Some((p, _)) = self.sec(id).parent {
            self.nchildren[p] -= 1;
        }
        for ins in std::mem::take(&mut self.inserted[id]) {
            for i in ins.inst {
                self.data[ins.mech].free(i);
            }
        }
        for (m, locs) in self.points.iter_mut().enumerate() {
            for (i, loc) in locs.iter_mut().enumerate() {
                if loc.sec == Some(id) {
                    loc.sec = None;
                    self.data[m].free(i as u32);
                }
            }
        }
        self.sections[id] = None;
        self.mark_topology();
    }

    /// Connects `child`'s end `child_end` (0 or 1) to `parent` at `x`.
    pub fn connect(&mut self, child: SecId, child_end: f64, parent: SecId, x: f64) -> Result<(), String> {
        // Only a section with children can be an ancestor of the parent.
        let mut p = Some(parent);
        while let Some(s) = p {
            if s == child {
                return Err(format!("{} connection would form a loop", self.sec(child).name));
            }
            p = if self.nchildren[child] == 0 { None } else { self.sec(s).parent.map(|(q, _)| q) };
        }
        if let Some((old, _)) = self.sec(child).parent {
            self.nchildren[old] -= 1;
        }
        self.nchildren[parent] += 1;
        let c = self.sections[child].as_mut().expect("deleted section");
        c.parent = Some((parent, x));
        c.orientation = child_end;
        self.serial += 1;
        c.serial = self.serial;
        self.mark_topology();
        Ok(())
    }

    pub fn disconnect(&mut self, child: SecId) {
        if let Some(c) = self.sections[child].as_mut() {
            if let Some((p, _)) = c.parent.take() {
                self.nchildren[p] -= 1;
            }
        }
        self.mark_topology();
    }

    pub fn set_nseg(&mut self, id: SecId, n: usize) {
        let n = n.max(1);
        if self.sec(id).nseg == n {
            return;
        }
        let props = self.realloc_props(id, n);
        self.sec_mut(id).props = props;
        let map = self.sec_mut(id).set_nseg(n);
        for ins in self.inserted[id].iter_mut() {
            let d = &mut self.data[ins.mech];
            let new: Vec<u32> = map.iter().map(|&k| d.add_copy(ins.inst[k])).collect();
            for &i in &ins.inst {
                d.free(i);
            }
            ins.inst = new;
        }
        for k in 0..self.inserted[id].len() {
            let ins = &self.inserted[id][k];
            let (mech, inst) = (ins.mech, ins.inst.clone());
            for i in inst.into_iter().rev() {
                self.new_streams(mech, i);
            }
        }
        self.mark_topology();
    }

    /// The ion types a mechanism uses, in its USEION order.
    fn ion_tags(&self, mech: usize) -> Vec<usize> {
        self.mechs[mech].ions().iter().filter_map(|u| self.ion_types.iter().position(|t| t.name == u.ion)).collect()
    }

    /// A mechanism joins a node's property list: at the head, then its ions
    /// are brought (or added) to the head in turn (NEURON's need_memb).
    fn props_add_mech(list: &mut Vec<PropTag>, mech: usize, ions: &[usize]) {
        if !list.contains(&PropTag::Mech(mech)) {
            list.insert(0, PropTag::Mech(mech));
        }
        for &t in ions {
            list.retain(|&p| p != PropTag::Ion(t));
            list.insert(0, PropTag::Ion(t));
        }
    }

    /// The nodes' property lists after nseg changes to n: nodes are kept or
    /// cloned as NEURON's node_realloc sprinkles them, a clone's list being
    /// built by adding the original's entries head first.
    fn realloc_props(&self, id: SecId, n2: usize) -> Vec<Vec<PropTag>> {
        let old = &self.sec(id).props;
        let n1 = old.len();
        let clone = |list: &Vec<PropTag>| -> Vec<PropTag> {
            let mut new = Vec::with_capacity(list.len());
            for &p in list {
                match p {
                    PropTag::Mech(m) => Self::props_add_mech(&mut new, m, &self.ion_tags(m)),
                    PropTag::Point(..) => {}
                    p if !new.contains(&p) => new.insert(0, p),
                    _ => {}
                }
            }
            new
        };
        let mut out: Vec<Option<Vec<PropTag>>> = vec![None; n2];
        if n1 < n2 {
            for (i1, l) in old.iter().enumerate() {
                let i2 = (n2 as f64 * ((i1 as f64 + 0.5) / n1 as f64)) as usize;
                out[i2.min(n2 - 1)] = Some(l.clone());
            }
            for i2 in 0..n2 {
                if out[i2].is_none() {
                    let i1 = (n1 as f64 * ((i2 as f64 + 0.5) / n2 as f64)) as usize;
                    out[i2] = Some(clone(&old[i1.min(n1 - 1)]));
                }
            }
        } else {
            for (i2, o) in out.iter_mut().enumerate() {
                let i1 = (n1 as f64 * ((i2 as f64 + 0.5) / n2 as f64)) as usize;
                *o = Some(old[i1.min(n1 - 1)].clone());
            }
        }
        let mut out: Vec<Vec<PropTag>> = out.into_iter().map(|l| l.unwrap_or_default()).collect();
        // point processes on nodes that went find their new node
        let sec = self.sec(id);
        for list in old {
            for &p in list {
                if let PropTag::Point(m, i) = p {
                    if !out.iter().any(|l| l.contains(&p)) {
                        let x = sec.node_x(self.points[m][i as usize].x);
                        let k = ((n2 as f64 * x) as usize).min(n2 - 1);
                        out[k].insert(0, p);
                    }
                }
            }
        }
        out
    }

    /// `insert x_ion`: the ion at the head of each node's list (if absent).
    pub fn props_insert_ion(&mut self, id: SecId, ion: usize) {
        for list in self.sections[id].as_mut().expect("deleted section").props.iter_mut() {
            if !list.contains(&PropTag::Ion(ion)) {
                list.insert(0, PropTag::Ion(ion));
            }
        }
    }

    pub fn insert(&mut self, id: SecId, mech: usize) {
        if self.inserted[id].iter().any(|i| i.mech == mech) {
            return;
        }
        let ions = self.ion_tags(mech);
        for list in self.sections[id].as_mut().expect("deleted section").props.iter_mut() {
            Self::props_add_mech(list, mech, &ions);
        }
        for u in self.mechs[mech].ions().to_vec() {
            if let Some(t) = self.ion_types.iter().position(|t| t.name == u.ion) {
                let e = self.ion_style_seen.entry((id, t)).or_insert(0);
                *e = style::promote(*e, u.conc as u32, u.rev as u32);
                // a style ion_style() set is promoted by the mechanisms inserted after
                if let Some(set) = self.ion_style_set.get_mut(&(id, t)) {
                    *set = style::promote(*set, u.conc as u32, u.rev as u32);
                }
            }
        }
        let n = self.sec(id).nseg;
        let specs = self.mechs[mech].vars().to_vec();
        let inst: Vec<u32> = (0..n).map(|_| self.data[mech].add(&specs)).collect();
        // NEURON makes a section's instances from its last segment back.
        for &i in inst.iter().rev() {
            self.new_streams(mech, i);
        }
        // Keep mechanisms in catalogue order, as NEURON's property lists are.
        let pos = self.inserted[id].iter().position(|i| i.mech > mech).unwrap_or(self.inserted[id].len());
        self.serial += 1;
        let serial = self.serial;
        self.inserted[id].insert(pos, Inserted { mech, inst, serial });
        self.need_ions(id, mech);
        self.mark_structure();
    }

    pub fn uninsert(&mut self, id: SecId, mech: usize) {
        if let Some(s) = self.sections[id].as_mut() {
            s.props.iter_mut().for_each(|l| l.retain(|&p| p != PropTag::Mech(mech)));
        }
        if let Some(pos) = self.inserted[id].iter().position(|i| i.mech == mech) {
            let ins = self.inserted[id].remove(pos);
            for i in ins.inst {
                self.data[mech].free(i);
            }
            self.mark_structure();
        }
    }

    /// Root sections in creation order.
    pub fn roots_in_order(&self) -> Vec<SecId> {
        (0..self.sections.len()).filter(|&s| self.exists(s) && self.sec(s).parent.is_none()).collect()
    }

    /// Density mechanisms of a section in the order they were inserted.
    pub fn inserted_in_order(&self, id: SecId) -> Vec<&Inserted> {
        let mut v: Vec<&Inserted> = self.inserted[id].iter().collect();
        v.sort_by_key(|i| i.serial);
        v
    }

    pub fn is_inserted(&self, id: SecId, mech: usize) -> bool {
        self.inserted[id].iter().any(|i| i.mech == mech)
    }

    /// Instance of density mechanism `mech` at segment `seg` of a section.
    pub fn density_instance(&self, id: SecId, mech: usize, seg: usize) -> Option<u32> {
        self.inserted[id].iter().find(|i| i.mech == mech).map(|i| i.inst[seg])
    }

    /// Gives each RANDOM stream of a new instance NEURON's default ids
    /// (1, 0, n) for the n-th stream created (nrnran123_newstream()).
    fn new_streams(&mut self, mech: usize, inst: u32) {
        for k in 0..self.mechs[mech].random_streams().len() {
            let base = self.mechs[mech].random_streams()[k];
            self.streams_made += 1;
            let cols = &mut self.data[mech].cols;
            for (j, v) in [1.0, 0.0, self.streams_made as f64, 0.0].into_iter().enumerate() {
                cols[base + j][inst as usize] = v;
            }
        }
    }

    /// Creates a point process; `loc` may be None until it is placed.
    pub fn new_point(&mut self, mech: usize, loc: PointLoc) -> u32 {
        let specs = self.mechs[mech].vars().to_vec();
        let i = self.data[mech].add(&specs);
        self.new_streams(mech, i);
        if self.points[mech].len() <= i as usize {
            self.points[mech].resize(i as usize + 1, PointLoc { sec: None, x: 0.5 });
        }
        self.points[mech][i as usize] = loc;
        if let Some(s) = loc.sec {
            self.need_ions(s, mech);
        }
        self.props_place_point(mech, i, loc);
        self.mark_structure();
        i
    }

    pub fn move_point(&mut self, mech: usize, inst: u32, loc: PointLoc) {
        if let Some(s) = loc.sec {
            self.need_ions(s, mech);
        }
        self.props_remove_point(mech, inst);
        self.points[mech][inst as usize] = loc;
        self.data[mech].alive[inst as usize] = true;
        self.props_place_point(mech, inst, loc);
        self.mark_structure();
    }

    pub fn free_point(&mut self, mech: usize, inst: u32) {
        self.props_remove_point(mech, inst);
        self.data[mech].free(inst);
        self.points[mech][inst as usize].sec = None;
        self.mark_structure();
    }

    /// A point process leaves its node's property list.
    fn props_remove_point(&mut self, mech: usize, inst: u32) {
        let Some(old) = self.points[mech].get(inst as usize).and_then(|l| l.sec) else { return };
        if let Some(s) = self.sections.get_mut(old).and_then(|s| s.as_mut()) {
            s.props.iter_mut().for_each(|l| l.retain(|&p| p != PropTag::Point(mech, inst)));
        }
    }

    /// A point process joins the head of its node's property list (a
    /// segment node; the end nodes are not listed), its ions after it.
    fn props_place_point(&mut self, mech: usize, inst: u32, loc: PointLoc) {
        let Some(sec) = loc.sec.filter(|&s| self.exists(s)) else { return };
        if loc.x <= 0.0 || loc.x >= 1.0 {
            return;
        }
        let ions = self.ion_tags(mech);
        let s = self.sections[sec].as_mut().expect("section");
        let k = s.seg_index(loc.x);
        if let Some(list) = s.props.get_mut(k) {
            list.insert(0, PropTag::Point(mech, inst));
            for t in ions {
                list.retain(|&p| p != PropTag::Ion(t));
                list.insert(0, PropTag::Ion(t));
            }
        }
    }

    // ------------------------------------------------------------ lowering

    /// Lowers the model if its structure or geometry changed.
    pub fn ensure_lowered(&mut self) {
        if self.structure_dirty {
            self.lower_structure();
            self.lowerings += 1;
        }
        if self.geometry_dirty {
            self.lower_geometry();
        }
    }

    fn children_lists(&self) -> Vec<Vec<SecId>> {
        let mut ch: Vec<Vec<SecId>> = vec![Vec::new(); self.sections.len()];
        for (id, s) in self.sections.iter().enumerate() {
            if let Some(s) = s {
                if let Some((p, _)) = s.parent {
                    ch[p].push(id);
                }
            }
        }
        // Siblings by position on the parent; at equal positions the newest first.
        for list in ch.iter_mut() {
            list.sort_by(|&a, &b| {
                let (sa, sb) = (self.sec(a), self.sec(b));
                let (xa, xb) = (sa.parent.unwrap().1, sb.parent.unwrap().1);
                xa.partial_cmp(&xb).unwrap_or(std::cmp::Ordering::Equal).then(sb.serial.cmp(&sa.serial))
            });
        }
        ch
    }

    fn lower_structure(&mut self) {
        // Keep voltages across re-lowering, per section segment; a section
        // whose nseg changed takes each new segment's values from the old
        // segment holding its centre, as NEURON moves its nodes.
        let old_v: Vec<Option<Vec<f64>>> = (0..self.sections.len())
            .map(|id| {
                let nodes = self.sec_nodes.get(id)?;
                if nodes.is_empty() || !self.exists(id) {
                    return None;
                }
                let v: Vec<f64> = nodes.iter().map(|&n| self.tree.v[n as usize]).collect();
                Some(resegment(&v, self.sec(id).nseg))
            })
            .collect();
        let old_root_v: Vec<Option<f64>> = (0..self.sections.len())
            .map(|id| {
                if self.exists(id) && self.sec(id).parent.is_none() {
                    self.sec_parent_node.get(id).and_then(|&n| self.tree.v.get(n as usize).copied())
                } else {
                    None
                }
            })
            .collect();
        // And each ion's E, ci, co, per section segment.
        let old_ions: Vec<Vec<Option<Vec<[f64; 3]>>>> = self
            .ions
            .iter()
            .map(|ion| {
                old_v
                    .iter()
                    .enumerate()
                    .map(|(id, v)| {
                        v.as_ref()?;
                        let nodes = &self.sec_nodes[id];
                        let vals: Vec<[f64; 3]> = nodes.iter().map(|&n| [ion.erev[n as usize], ion.ci[n as usize], ion.co[n as usize]]).collect();
                        Some(resegment(&vals, self.sec(id).nseg))
                    })
                    .collect()
            })
            .collect();
        let old_vext = self.save_vext();
        let children = self.children_lists();
        self.roots = (0..self.sections.len()).filter(|&id| self.exists(id) && self.sec(id).parent.is_none()).collect();
        let mut parent: Vec<u32> = vec![u32::MAX; self.roots.len()];
        self.sec_nodes = vec![Vec::new(); self.sections.len()];
        self.sec_parent_node = vec![u32::MAX; self.sections.len()];
        for (k, &r) in self.roots.iter().enumerate() {
            self.sec_parent_node[r] = k as u32;
        }
        self.order.clear();
        let mut next = self.roots.len() as u32;
        for &r in &self.roots.clone() {
            let mut queue = std::collections::VecDeque::from([r]);
            while let Some(s) = queue.pop_front() {
                queue.extend(children[s].iter().copied());
                self.order.push(s);
                if let Some((p, x)) = self.sec(s).parent {
                    self.sec_parent_node[s] = self.node_at(p, x);
                }
                let nn = self.sec(s).nseg + 1;
                let mut nodes = Vec::with_capacity(nn);
                for j in 0..nn {
                    parent.push(if j == 0 { self.sec_parent_node[s] } else { next - 1 });
                    nodes.push(next);
                    next += 1;
                }
                self.sec_nodes[s] = nodes;
            }
        }
        let n = next as usize;
        let mut t = Tree { nroot: self.roots.len(), parent, ..Default::default() };
        t.v = vec![DEFAULT_V; n];
        for v in [&mut t.area, &mut t.a, &mut t.b, &mut t.d, &mut t.rhs, &mut t.sav_d, &mut t.sav_rhs, &mut t.cm, &mut t.imem, &mut t.icap, &mut t.diam] {
            *v = vec![0.0; n];
        }
        t.has_cap = vec![false; n];
        for (id, v) in old_v.into_iter().enumerate() {
            if let Some(v) = v {
                for (k, &nd) in self.sec_nodes[id].iter().enumerate() {
                    t.v[nd as usize] = v[k];
                }
            }
            if let Some(rv) = old_root_v[id] {
                t.v[self.sec_parent_node[id] as usize] = rv;
            }
        }
        t.validate();
        t.prepare();
        self.tree = t;
        // Mechanism instances: nodes and visiting order.
        for d in self.data.iter_mut() {
            d.node.iter_mut().for_each(|n| *n = u32::MAX);
        }
        self.compact_density();
        for m in 0..self.mechs.len() {
            if self.mechs[m].kind() == MechKind::Density {
                continue;
            }
            let artificial = self.mechs[m].kind() == MechKind::Artificial;
            for (i, loc) in self.points[m].iter().enumerate() {
                if !self.data[m].alive[i] {
                    continue;
                }
                if artificial {
                    self.data[m].node[i] = 0;
                } else if let Some(sec) = loc.sec.filter(|&s| self.sections.get(s).is_some_and(|x| x.is_some())) {
                    self.data[m].node[i] = self.node_at(sec, loc.x);
                }
            }
            let d = &mut self.data[m];
            let mut order: Vec<u32> = (0..d.alive.len() as u32).filter(|&i| d.alive[i as usize] && d.node[i as usize] != u32::MAX).collect();
            // Node order; at one node the newest first, as NEURON lists
            // properties. Artificial cells have no node: creation order.
            if !artificial {
                order.sort_by_key(|&i| (d.node[i as usize], std::cmp::Reverse(i)));
            }
            d.order = order;
        }
        self.lower_ions(old_ions);
        self.lower_pointers();
        self.lower_ext(old_vext);
        self.lay_out_equations();
        self.structure_dirty = false;
        self.topology_dirty = false;
        self.geometry_dirty = true;
    }

    /// POINTER targets resolved to nodes.
    fn lower_pointers(&mut self) {
        for m in 0..self.data.len() {
            let vars = std::mem::take(&mut self.data[m].ptr_var);
            let mut links = Vec::new();
            let mut src: Vec<Vec<PtrSrc>> = Vec::with_capacity(vars.len());
            for (k, p) in vars.iter().enumerate() {
                let write = self.mechs[m].pointer_written(k);
                src.push(
                    p.iter()
                        .enumerate()
                        .map(|(inst, v)| {
                            let Some(v) = v else { return PtrSrc::Unset };
                            if let Some(s) = self.pointer_source(v) {
                                return s;
                            }
                            match self.pointer_target(v) {
                                Some(target) => {
                                    links.push(crate::pointer::PtrLink { k, inst: inst as u32, target, write });
                                    PtrSrc::Val
                                }
                                None => PtrSrc::Unset,
                            }
                        })
                        .collect(),
                );
            }
            let d = &mut self.data[m];
            d.ptr_val = vars.iter().map(|p| vec![0.0; p.len()]).collect();
            d.ptr_var = vars;
            d.ptr_src = src;
            d.ptr_ext = links;
        }
    }

    /// A POINTER target in the node arrays.
    fn pointer_source(&self, v: &Var) -> Option<PtrSrc> {
        match *v {
            Var::V { sec, x } if self.exists(sec) => Some(PtrSrc::V(self.node_at(sec, x))),
            Var::Ion { ion, field, sec, x } if self.exists(sec) => Some(match self.ion_node(ion, sec, x) {
                Some(n) => PtrSrc::Ion(ion, field, n as u32),
                None => PtrSrc::Unset,
            }),
            _ => None,
        }
    }

    /// A POINTER target elsewhere.
    fn pointer_target(&self, v: &Var) -> Option<crate::pointer::PtrTarget> {
        use crate::pointer::PtrTarget;
        match *v {
            Var::Mech { mech, var, inst } => (self.data.get(mech)?.cols.get(var)?.len() > inst as usize).then_some(PtrTarget::Col { mech, var, inst }),
            Var::Range { mech, var, sec, x } => {
                let inst = self.range_instance(mech, sec, x)?;
                (self.data[mech].cols.get(var)?.len() > inst as usize).then_some(PtrTarget::Col { mech, var, inst })
            }
            Var::Global { mech, var } => (self.data.get(mech)?.globals.len() > var).then_some(PtrTarget::Global { mech, var }),
            Var::Cell(c) => (c < self.ptr_cells.len()).then_some(PtrTarget::Cell(c)),
            Var::T => Some(PtrTarget::T),
            _ => None,
        }
    }

    /// `setpointer`: pointer k of an instance reads and writes `target`.
    pub fn set_pointer(&mut self, mech: usize, inst: u32, k: usize, target: Var) -> Result<(), String> {
        if matches!(target, Var::Imem { .. } | Var::ICap { .. } | Var::Vext { .. }) {
            return Err("a POINTER cannot point to a computed membrane current or to vext".into());
        }
        let p = self.data.get_mut(mech).and_then(|d| d.ptr_var.get_mut(k)).and_then(|p| p.get_mut(inst as usize)).ok_or("no such POINTER")?;
        *p = Some(target);
        self.mark_structure();
        Ok(())
    }

    /// The first POINTER of a live instance that is not set: (mechanism, pointer).
    pub fn unset_pointer(&mut self) -> Option<(usize, usize)> {
        self.ensure_lowered();
        for (m, d) in self.data.iter().enumerate() {
            for (k, p) in d.ptr_src.iter().enumerate() {
                // A POINTER only FUNCTIONs read is NEURON's business only when called.
                if self.mechs[m].pointer_read(k) && d.order.iter().any(|&i| p[i as usize] == PtrSrc::Unset) {
                    return Some((m, k));
                }
            }
        }
        None
    }

    /// Ion arrays for the new node layout: values kept per section segment,
    /// presence and style from the mechanisms of each section.
    fn lower_ions(&mut self, old: Vec<Vec<Option<Vec<[f64; 3]>>>>) {
        let n = self.tree.len();
        let mut ions: Vec<IonNodes> = self.ion_types.iter().map(|t| IonNodes::new(t, n)).collect();
        for (k, ion) in ions.iter_mut().enumerate() {
            for (id, vals) in old.get(k).into_iter().flatten().enumerate() {
                if let Some(vals) = vals {
                    for (j, &nd) in self.sec_nodes[id].iter().enumerate() {
                        let nd = nd as usize;
                        [ion.erev[nd], ion.ci[nd], ion.co[nd]] = vals[j];
                    }
                }
            }
        }
        let mut uses: Vec<(SecId, usize)> = Vec::new();
        for &s in &self.order {
            for ins in &self.inserted[s] {
                uses.extend(std::iter::repeat(s).zip(std::iter::once(ins.mech)));
            }
        }
        for (m, locs) in self.points.iter().enumerate() {
            for (k, l) in locs.iter().enumerate() {
                if let Some(s) = l.sec.filter(|&s| self.exists(s) && self.data[m].alive[k]) {
                    uses.push((s, m));
                }
            }
        }
        for (s, m) in uses {
            for u in self.mechs[m].ions() {
                let Some(k) = self.ion_types.iter().position(|t| t.name == u.ion) else { continue };
                let nseg = self.sec(s).nseg;
                for &nd in &self.sec_nodes[s][..nseg] {
                    let st = &mut ions[k].style[nd as usize];
                    *st = style::promote(*st, u.conc as u32, u.rev as u32);
                    if u.writes_ci {
                        *st |= style::CI_WRITTEN;
                    }
                    if u.writes_co {
                        *st |= style::CO_WRITTEN;
                    }
                }
            }
        }
        for &s in &self.order {
            let nseg = self.sec(s).nseg;
            for &k in &self.ion_in[s] {
                let set = self.ion_style_set.get(&(s, k)).copied();
                for &nd in &self.sec_nodes[s][..nseg] {
                    let st = &mut ions[k].style[nd as usize];
                    // ion_style() keeps whether a mechanism writes the concentrations
                    let written = *st & (style::CI_WRITTEN | style::CO_WRITTEN);
                    *st = set.map_or(*st, |x| x | written) | 0o1000;
                }
            }
        }
        for ion in ions.iter_mut() {
            ion.nodes = (0..n as u32).filter(|&i| ion.style[i as usize] & 0o1000 != 0).collect();
            ion.style.iter_mut().for_each(|s| *s &= !0o1000);
        }
        self.ions = ions;
    }

    /// Re-lays each density mechanism's instances in node order, contiguous,
    /// so the time loop runs over dense columns (`order` becomes 0..n).
    fn compact_density(&mut self) {
        for m in 0..self.mechs.len() {
            if self.mechs[m].kind() != MechKind::Density {
                continue;
            }
            let mut old_ids = Vec::new();
            for &s in &self.order {
                for ins in self.inserted[s].iter_mut().filter(|i| i.mech == m) {
                    for id in ins.inst.iter_mut() {
                        old_ids.push(*id);
                        *id = (old_ids.len() - 1) as u32;
                    }
                }
            }
            let d = &mut self.data[m];
            let pick = |col: &Vec<f64>| old_ids.iter().map(|&i| col[i as usize]).collect::<Vec<f64>>();
            d.cols = d.cols.iter().map(pick).collect();
            d.ptr_var = d.ptr_var.iter().map(|p| old_ids.iter().map(|&i| p[i as usize]).collect()).collect();
            d.g = vec![0.0; old_ids.len()];
            d.lists = vec![Vec::new(); old_ids.len()];
            d.alive = vec![true; old_ids.len()];
            d.node = vec![u32::MAX; old_ids.len()];
            d.order = (0..old_ids.len() as u32).collect();
        }
        for &s in &self.order {
            for ins in &self.inserted[s] {
                for (j, &i) in ins.inst.iter().enumerate() {
                    self.data[ins.mech].node[i as usize] = self.sec_nodes[s][j];
                }
            }
        }
    }

    /// The node at position x of a section (after lowering): x = 0 is the
    /// parent's node, x = 1 the end node, else the centre of the segment holding x.
    pub fn node_at(&self, id: SecId, x: f64) -> u32 {
        let s = self.sec(id);
        let nx = s.node_x(x);
        if nx <= 0.0 {
            return self.sec_parent_node[id];
        }
        if nx >= 1.0 {
            return self.sec_nodes[id][s.nseg];
        }
        self.sec_nodes[id][s.seg_index(x)]
    }

    /// `node_at` for an existing section once the model is lowered.
    fn lowered_node_at(&self, id: SecId, x: f64) -> Option<u32> {
        (self.exists(id) && !self.structure_dirty && self.sec_nodes.get(id).is_some_and(|n| !n.is_empty())).then(|| self.node_at(id, x))
    }

    fn lower_geometry(&mut self) {
        let t = &mut self.tree;
        t.area.iter_mut().for_each(|a| *a = 100.0);
        t.a.iter_mut().for_each(|a| *a = 0.0);
        t.b.iter_mut().for_each(|a| *a = 0.0);
        let mut rinv = vec![0.0; t.len()];
        for &id in &self.order {
            let s = self.sections[id].as_mut().unwrap();
            let g = section_geometry(s);
            if g.zero_diam {
                self.geometry_error.get_or_insert_with(|| format!("{} diameter diam = 0. Setting to 1e-6", s.name));
            }
            for (k, &nd) in self.sec_nodes[id].iter().enumerate() {
                t.area[nd as usize] = g.area[k];
                rinv[nd as usize] = g.rinv[k];
                if k < s.nseg {
                    t.has_cap[nd as usize] = true;
                    t.cm[nd as usize] = s.cm[k];
                    t.diam[nd as usize] = s.diam[k];
                } else {
                    t.cm[nd as usize] = 0.0;
                }
            }
        }
        for &id in &self.order {
            let s = self.sections[id].as_ref().unwrap();
            let nodes = &self.sec_nodes[id];
            let first = nodes[0] as usize;
            let parea = t.area[self.sec_parent_node[id] as usize];
            t.a[first] = -1.0e2 * s.rallbranch * rinv[first] / parea;
            for j in 1..nodes.len() {
                let nd = nodes[j] as usize;
                t.a[nd] = -1.0e2 * rinv[nd] / t.area[nodes[j - 1] as usize];
            }
            for &nd in nodes {
                let nd = nd as usize;
                t.b[nd] = -1.0e2 * rinv[nd] / t.area[nd];
            }
        }
        t.rinv = rinv;
        self.lower_diffusion();
        self.ext_coefficients();
        self.geometry_dirty = false;
    }

    /// For mechanisms with LONGITUDINAL_DIFFUSION: each instance's parent
    /// instance and the factors af, bf, by NEURON's rules (ldifus.cpp): the
    /// parent node's instance, else the grandparent's (through a zero-area
    /// node), else the parent section's first segment's.
    fn lower_diffusion(&mut self) {
        let n = self.tree.len();
        // Section and segment index of every segment node.
        let mut at: Vec<Option<(SecId, usize)>> = vec![None; n];
        for &s in &self.order {
            let nseg = self.sec(s).nseg;
            for (j, &nd) in self.sec_nodes[s][..nseg].iter().enumerate() {
                at[nd as usize] = Some((s, j));
            }
        }
        for m in 0..self.mechs.len() {
            if !self.mechs[m].has_diffusion() {
                continue;
            }
            let d = &self.data[m];
            let mut pos = vec![usize::MAX; n];
            for (k, &i) in d.order.iter().enumerate() {
                pos[d.node[i as usize] as usize] = k;
            }
            let len = d.order.len();
            let mut ld = crate::mechanism::LongDiff { parent: vec![usize::MAX; len], af: vec![0.0; len], bf: vec![0.0; len], buf: Vec::new() };
            for k in 0..len {
                let node = d.node[d.order[k] as usize] as usize;
                let Some((sec, j)) = at[node] else { continue };
                let mut p = usize::MAX;
                let pn = self.tree.parent.get(node).copied().unwrap_or(u32::MAX);
                if pn != u32::MAX {
                    p = pos[pn as usize];
                    if p == usize::MAX {
                        let gp = self.tree.parent.get(pn as usize).copied().unwrap_or(u32::MAX);
                        if gp != u32::MAX {
                            p = pos[gp as usize];
                        }
                        if p == usize::MAX {
                            if let Some((ps, _)) = self.sec(sec).parent {
                                p = pos[self.sec_nodes[ps][0] as usize];
                            }
                        }
                    }
                }
                if p == usize::MAX || p >= k {
                    continue;
                }
                let pnode = d.node[d.order[p] as usize] as usize;
                let Some((psec, _)) = at[pnode] else { continue };
                let s = self.sec(sec);
                let rall = if j == 0 { s.rallbranch } else { 1.0 };
                let dxc = s.length() / s.nseg as f64;
                let ps = self.sec(psec);
                let dxp = ps.length() / ps.nseg as f64;
                ld.parent[k] = p;
                ld.af[k] = 2.0 * rall / dxp / (dxc + dxp);
                ld.bf[k] = 2.0 / dxc / (dxc + dxp);
            }
            self.data[m].ldiff = ld;
        }
    }

    /// Area (µm²) of the segment holding x (0 at the ends), as `area(x)`.
    pub fn area(&mut self, id: SecId, x: f64) -> f64 {
        self.ensure_lowered();
        if x <= 0.0 || x >= 1.0 {
            return 0.0;
        }
        let nd = self.node_at(id, x);
        self.tree.area[nd as usize]
    }

    /// Axial resistance (MΩ) between the node at x and its parent node, as `ri(x)`.
    pub fn ri(&mut self, id: SecId, x: f64) -> f64 {
        self.ensure_lowered();
        let nd = if x <= 0.0 { self.sec_parent_node[id] } else { self.node_at(id, x) } as usize;
        if nd < self.tree.nroot {
            return 1e30;
        }
        match self.tree.rinv[nd] {
            0.0 => 1e30,
            rinv => 1.0 / rinv,
        }
    }

    // ------------------------------------------------------------ simulation

    /// `finitialize(v)`: t = 0, v set, INITIAL blocks, events at t = 0, one current evaluation.
    pub fn finitialize(&mut self, v_init: Option<f64>) {
        self.finitialize_with(v_init, &mut |_| {});
    }

    /// `finitialize` with `play_init` run where NEURON starts Vector.play
    /// (t = 0, queue cleared, before v is set).
    pub fn finitialize_with(&mut self, v_init: Option<f64>, play_init: &mut dyn FnMut(&mut Model)) {
        self.finit_begin(v_init, play_init);
        self.finit_mechanisms();
        self.finit_end();
    }

    /// finitialize, first part: t = 0, the queue cleared, plays started, v set.
    pub fn finit_begin(&mut self, v_init: Option<f64>, play_init: &mut dyn FnMut(&mut Model)) {
        self.ensure_lowered();
        self.t = 0.0;
        self.queue.clear();
        self.exchange_start();
        self.last_send.clear();
        self.fired.clear();
        play_init(self);
        if let Some(v) = v_init {
            self.tree.v.iter_mut().for_each(|x| *x = v);
        }
        self.refresh_vi();
        self.do_transfer();
    }

    /// finitialize, second part: ions, INITIAL blocks, NET_RECEIVE INITIAL blocks.
    pub fn finit_mechanisms(&mut self) {
        self.ensure_lowered();
        self.check_tables();
        for d in self.data.iter_mut() {
            d.watch_on.iter_mut().chain(d.watch_new.iter_mut()).for_each(|w| *w = 0);
        }
        self.before_after(Ba::BeforeInitial);
        // extcell_init: the layers start at 0.
        self.ext.vext.iter_mut().for_each(|x| *x = 0.0);
        self.refresh_vi();
        for (ion, t) in self.ions.iter_mut().zip(&self.ion_types) {
            ion.initialize(t, self.celsius);
        }
        for k in 0..self.run_order.len() {
            let m = self.run_order[k];
            let mut posted: Vec<(u32, Vec<(f64, f64)>)> = Vec::new();
            {
                let t = &mut self.tree;
                let mut nodes = view(t, &mut self.ions, &mut self.out, self.t, self.dt, self.celsius, self.fast_imem);
                nodes.second_order = self.secondorder != 0;
                let mut collect = |inst: u32, ctx: &mut EventCtx| {
                    posted.push((inst, std::mem::take(ctx.self_events)));
                };
                crate::pointer::pull(&mut self.data, m, &self.ptr_cells, self.t);
                self.mechs[m].initialize(&mut self.data[m], &mut nodes, &mut collect);
                crate::pointer::push(&mut self.data, m, &mut self.ptr_cells);
            }
            for (inst, evs) in posted {
                for (tt, flag) in evs {
                    let seq = self.queue.push(tt, Event::SelfEvent { mech: m as u32, inst, flag, nc: u32::MAX });
                    self.last_send.insert((m as u32, inst), (seq, flag, u32::MAX));
                }
            }
        }
        self.init_linmods();
        for nc in self.netcons.iter_mut().flatten() {
            nc.reset();
        }
        // NET_RECEIVE INITIAL blocks (init_net_events), NetCon by NetCon.
        for k in 0..self.netcons.len() {
            let Some(Some(nc)) = self.netcons.get_mut(k) else { continue };
            let Target::Point { mech, inst } = nc.target else { continue };
            let (mech, inst) = (mech as usize, inst as usize);
            if !self.data[mech].alive[inst] {
                continue;
            }
            if !self.mechs[mech].has_net_init() {
                nc.weight.iter_mut().skip(1).for_each(|w| *w = 0.0);
                continue;
            }
            let mut w = std::mem::take(&mut nc.weight);
            let (mut evs, mut spikes) = (Vec::new(), Vec::new());
            let mut ctx = EventCtx { t: self.t, dt: self.dt, celsius: self.celsius, self_events: &mut evs, spikes: &mut spikes, out: &mut self.out, moved: None, v: f64::NAN, netcons: None };
            self.mechs[mech].net_init(&mut self.data[mech], inst, &mut w, &mut ctx);
            if let Some(Some(nc)) = self.netcons.get_mut(k) {
                nc.weight = w;
            }
            for (t, flag) in evs {
                let seq = self.queue.push(t, Event::SelfEvent { mech: mech as u32, inst: inst as u32, flag, nc: k as u32 });
                self.last_send.insert((mech as u32, inst as u32), (seq, flag, k as u32));
            }
        }
        self.spikes.clear();
        self.init_spikes.clear();
        self.before_after(Ba::AfterInitial);
    }

    /// finitialize, last part: events at t = 0, one current evaluation, and
    /// the variable step started if it is on.
    pub fn finit_end(&mut self) {
        self.ensure_lowered();
        self.watches(true);
        self.init_thresholds();
        self.deliver_and_settle(self.t);
        self.spike_exchange();
        self.setup_matrix();
        self.tree.icap.fill(0.0);
        if self.fast_imem {
            let t = &mut self.tree;
            for i in 0..t.len() {
                t.imem[i] = (t.rhs[i] + t.sav_rhs[i]) * t.area[i] * 0.01;
            }
        }
        self.before_after(Ba::BeforeStep);
        self.cvode.re_init();
        if self.cvode.active && self.local.on {
            self.local_re_init(true);
        } else if self.cvode.active {
            // The start's evaluations see dt as the integrator's (unset)
            // step; HOC's dt is left as it was.
            let dt = self.dt;
            self.cvode_init();
            self.dt = dt;
        }
    }

    /// `fcurrent()`: currents and conductances for the present state, no step.
    pub fn fcurrent(&mut self) {
        self.ensure_lowered();
        self.setup_matrix();
    }

    /// Matrix set-up (treeset.cpp): currents onto rhs and conductances onto d
    /// in mechanism order, then capacitance, then the axial terms.
    pub(crate) fn setup_matrix(&mut self) {
        self.membrane_currents();
        let cj = if self.secondorder != 0 { 2.0 / self.dt } else { 1.0 / self.dt };
        if self.eqs.is_some() {
            return self.setup_nontree(cj);
        }
        let imem = self.fast_imem;
        let t = &mut self.tree;
        let n = t.len();
        let cfac = 0.001 * cj;
        let (d, cm) = (&mut t.d[..n], &t.cm[..n]);
        for i in 0..n {
            d[i] += cfac * cm[i];
        }
        if imem {
            for i in 0..n {
                t.sav_d[i] = t.d[i] - t.sav_d[i];
            }
        }
        t.axial();
    }

    /// The membrane part of the matrix set-up: rhs and d zeroed, then every
    /// mechanism's current and conductance (BEFORE BREAKPOINT blocks first).
    pub(crate) fn membrane_currents(&mut self) {
        self.before_after(Ba::BeforeBreakpoint);
        self.refresh_vi();
        let imem = self.fast_imem;
        let t = &mut self.tree;
        if t.cell.is_empty() {
            t.rhs.fill(0.0);
            t.d.fill(0.0);
            t.ext_rhs.fill(0.0);
            t.ext_d.fill(0.0);
            if imem {
                t.sav_rhs.fill(0.0);
                t.sav_d.fill(0.0);
            }
        } else {
            // One cell of the local variable step: only its nodes.
            for &i in &t.cell {
                let i = i as usize;
                t.rhs[i] = 0.0;
                t.d[i] = 0.0;
                if imem {
                    t.sav_rhs[i] = 0.0;
                    t.sav_d[i] = 0.0;
                }
            }
        }
        for (ion, it) in self.ions.iter_mut().zip(&self.ion_types) {
            ion.current_phase(it, self.celsius);
        }
        {
            let mut nodes = view(t, &mut self.ions, &mut self.out, self.t, self.dt, self.celsius, imem);
            nodes.state_discon = self.state_discon;
            nodes.cvode = self.cvode.active || self.in_variable_step;
            for &m in &self.run_order {
                let mech = &self.mechs[m];
                if mech.has_current() && mech.kind() != MechKind::Artificial && !self.data[m].order.is_empty() {
                    crate::pointer::pull(&mut self.data, m, &self.ptr_cells, self.t);
                    mech.currents(&mut self.data[m], &mut nodes);
                    crate::pointer::push(&mut self.data, m, &mut self.ptr_cells);
                }
            }
        }
        let n = t.len();
        if imem {
            for i in 0..n {
                t.sav_rhs[i] -= t.rhs[i];
            }
        }
    }

    /// One fixed step (`fadvance()`) in NEURON's order; `record` samples the
    /// new state before the events due at the new time are delivered.
    /// `play` sets continuously played variables after each half step.
    pub fn fadvance(&mut self, play: &mut dyn FnMut(&mut Model), record: &mut dyn FnMut(&Model)) {
        self.ensure_lowered();
        self.check_tables();
        // spikes of sources above threshold at finitialize are recorded in the first step
        if !self.init_spikes.is_empty() {
            let pending = std::mem::take(&mut self.init_spikes);
            self.spikes.extend(pending);
        }
        if self.cvode.active {
            self.cvode_advance(play, record);
            self.check_voltage(self.t);
            return;
        }
        self.check_thresholds();
        self.deliver_and_settle(self.t + 0.5 * self.dt);
        self.t += 0.5 * self.dt;
        play(self);
        self.state_discon = true;
        self.setup_matrix();
        self.state_discon = false;
        if self.eqs.is_some() {
            let cj = if self.secondorder != 0 { 2.0 / self.dt } else { 1.0 / self.dt };
            self.solve_nontree(cj);
        } else {
            self.tree.solve();
        }
        if self.secondorder == 2 {
            for ion in self.ions.iter_mut() {
                ion.second_order(&self.tree.rhs);
            }
        }
        let t = &mut self.tree;
        let n = t.len();
        let (v, rhs) = (&mut t.v[..n], &t.rhs[..n]);
        if self.secondorder != 0 {
            for i in 0..n {
                v[i] += 2.0 * rhs[i];
            }
        } else {
            for i in 0..n {
                v[i] += rhs[i];
            }
        }
        self.update_nontree();
        self.check_voltage(self.t + 0.5 * self.dt);
        let t = &mut self.tree;
        if self.fast_imem {
            for i in 0..n {
                t.imem[i] = (t.sav_d[i] * t.rhs[i] + t.sav_rhs[i]) * t.area[i] * 0.01;
            }
        }
        // i_cap from the voltage change (nrn_capacity_current).
        let cfac = 0.001 * if self.secondorder != 0 { 2.0 / self.dt } else { 1.0 / self.dt };
        for i in 0..n {
            t.icap[i] = cfac * t.cm[i] * t.rhs[i];
        }
        self.t += 0.5 * self.dt;
        play(self);
        self.do_transfer();
        self.refresh_vi();
        {
            let t = &mut self.tree;
            let mut nodes = view(t, &mut self.ions, &mut self.out, self.t, self.dt, self.celsius, self.fast_imem);
            nodes.second_order = self.secondorder != 0;
            for &m in &self.run_order {
                if !self.data[m].order.is_empty() {
                    crate::pointer::pull(&mut self.data, m, &self.ptr_cells, self.t);
                    self.mechs[m].state(&mut self.data[m], &mut nodes);
                    crate::pointer::push(&mut self.data, m, &mut self.ptr_cells);
                }
            }
        }
        // Longitudinal diffusion after all states (NEURON's nonvint).
        for k in 0..self.run_order.len() {
            let m = self.run_order[k];
            if self.data[m].order.is_empty() || !self.mechs[m].has_diffusion() {
                continue;
            }
            let t = &mut self.tree;
            let mut nodes = view(t, &mut self.ions, &mut self.out, self.t, self.dt, self.celsius, self.fast_imem);
            self.mechs[m].diffuse(&mut self.data[m], &mut nodes);
        }
        self.before_after(Ba::AfterSolve);
        self.before_after(Ba::BeforeStep);
        record(self);
        self.deliver_and_settle(self.t);
    }

    /// The mechanisms' BEFORE/AFTER blocks for one point, in mechanism order.
    pub(crate) fn before_after(&mut self, when: Ba) {
        for k in 0..self.run_order.len() {
            let m = self.run_order[k];
            if self.data[m].order.is_empty() || !self.mechs[m].has_ba(when) {
                continue;
            }
            let t = &mut self.tree;
            let mut nodes = view(t, &mut self.ions, &mut self.out, self.t, self.dt, self.celsius, self.fast_imem);
            crate::pointer::pull(&mut self.data, m, &self.ptr_cells, self.t);
            self.mechs[m].ba(&mut self.data[m], &mut nodes, when);
            crate::pointer::push(&mut self.data, m, &mut self.ptr_cells);
        }
    }

    /// NEURON's error of the geometry update that found a diameter of 0
    /// (it goes on with 1e-6): reported by whatever made the update.
    pub fn take_geometry_error(&mut self) -> Option<String> {
        self.geometry_error.take()
    }

    /// The first error a mechanism reported since the last call.
    /// A membrane potential that is no longer a finite number stops the run,
    /// naming the time and the segment (NEURON would go on with nan).
    fn check_voltage(&mut self, t: f64) {
        let Some(node) = self.tree.v.iter().position(|v| !v.is_finite()) else { return };
        let place = self.order.iter().find_map(|&id| {
            let s = self.sections[id].as_ref()?;
            let x = match self.sec_nodes[id].iter().position(|&nd| nd as usize == node) {
                Some(k) if k < s.nseg => (k as f64 + 0.5) / s.nseg as f64,
                Some(_) => 1.0,
                None if self.sec_parent_node[id] as usize == node && node < self.tree.nroot => 0.0,
                None => return None,
            };
            Some(format!("{}({x})", s.name))
        });
        let v = self.tree.v[node];
        let t = (t * 1e9).round() / 1e9;
        self.error.get_or_insert_with(|| format!("v is {v} at t = {t} ms in {}: the simulation blew up", place.unwrap_or_else(|| format!("node {node}"))));
    }

    pub fn take_error(&mut self) -> Option<String> {
        if let Some(e) = self.geometry_error.take() {
            self.error.get_or_insert(e);
        }
        for d in self.data.iter_mut() {
            if let Some(e) = d.error.take() {
                self.error.get_or_insert(e);
            }
        }
        self.error.take()
    }

    /// Rebuilds the mechanisms' TABLEs whose dependencies changed.
    pub(crate) fn check_tables(&mut self) {
        let mut nodes = view(&mut self.tree, &mut self.ions, &mut self.out, self.t, self.dt, self.celsius, self.fast_imem);
        for (m, d) in self.mechs.iter().zip(self.data.iter_mut()) {
            m.check_tables(d, &mut nodes);
        }
    }

    /// The node of an ion field at x, if the ion is present in the section.
    fn ion_node(&self, ion: usize, sec: SecId, x: f64) -> Option<usize> {
        if !self.exists(sec) || !self.ion_present(sec, ion) || self.ions.len() <= ion {
            return None;
        }
        let s = self.sec(sec);
        Some(*self.sec_nodes.get(sec)?.get(s.seg_index(x))? as usize)
    }

    /// Reads an engine variable (None if it names nothing that exists).
    pub fn read_var(&self, v: &Var) -> Option<f64> {
        match *v {
            Var::V { sec, x } => self.tree.v.get(self.lowered_node_at(sec, x)? as usize).copied(),
            Var::Imem { sec, x } => self.tree.imem.get(self.lowered_node_at(sec, x)? as usize).copied(),
            Var::ICap { sec, x } => {
                let s = self.exists(sec).then(|| self.sec(sec))?;
                Some(self.tree.icap[*self.sec_nodes.get(sec)?.get(s.seg_index(x))? as usize])
            }
            Var::Mech { mech, var, inst } => self.data.get(mech)?.cols.get(var)?.get(inst as usize).copied(),
            Var::Range { mech, var, sec, x } => {
                let inst = self.range_instance(mech, sec, x)?;
                self.data[mech].cols.get(var)?.get(inst as usize).copied()
            }
            Var::Ion { ion, field, sec, x } => Some(self.ions.get(ion)?.field(field)[self.ion_node(ion, sec, x)?]),
            Var::Global { mech, var } => self.data.get(mech)?.globals.get(var).copied(),
            Var::Vext { layer, sec, x } => self.vext_index(layer, sec, x).map(|k| k.map_or(0.0, |k| self.ext.vext[k])),
            Var::T => Some(self.t),
            Var::Cell(c) => self.ptr_cells.get(c).copied(),
        }
    }

    /// Where `vext[layer](x)` lives: Some(Some(k)) at a node with layers,
    /// Some(None) at a node without that borders a section with them (it
    /// reads as 0, as in NEURON), None where the section has none.
    pub fn vext_index(&self, layer: usize, sec: SecId, x: f64) -> Option<Option<usize>> {
        let m = self.ext_mech?;
        if !self.exists(sec) || layer >= self.ext.nlayer || !self.is_inserted(sec, m) {
            return None;
        }
        let nd = self.node_at(sec, x) as usize;
        match self.ext.of_node.get(nd) {
            Some(&k) if k != crate::extracellular::NONE => Some(Some(k as usize * self.ext.nlayer + layer)),
            _ => Some(None),
        }
    }

    pub fn write_var(&mut self, v: &Var, value: f64) -> bool {
        match *v {
            Var::V { sec, x } if self.exists(sec) => {
                self.ensure_lowered();
                let n = self.node_at(sec, x) as usize;
                self.tree.v[n] = value;
                true
            }
            Var::Mech { mech, var, inst } => match self.data.get_mut(mech).and_then(|d| d.cols.get_mut(var)).and_then(|c| c.get_mut(inst as usize)) {
                Some(x) => {
                    *x = value;
                    true
                }
                None => false,
            },
            Var::Range { mech, var, sec, x } => match self.range_instance(mech, sec, x) {
                Some(inst) => match self.data[mech].cols.get_mut(var) {
                    Some(c) => {
                        c[inst as usize] = value;
                        // xraxial enters the layers' coefficients.
                        if Some(mech) == self.ext_mech && var < self.ext.nlayer {
                            self.geometry_dirty = true;
                        }
                        true
                    }
                    None => false,
                },
                None => false,
            },
            Var::Vext { layer, sec, x } => {
                self.ensure_lowered();
                match self.vext_index(layer, sec, x) {
                    Some(Some(k)) => {
                        self.ext.vext[k] = value;
                        self.refresh_vi();
                        true
                    }
                    Some(None) => true,
                    None => false,
                }
            }
            Var::Global { mech, var } => match self.data.get_mut(mech).and_then(|d| d.globals.get_mut(var)) {
                Some(g) => {
                    *g = value;
                    true
                }
                None => false,
            },
            Var::Ion { ion, field, sec, x } => {
                // After mechanism inserts alone the lowered nodes still stand
                // for the same sections and segments, and lowering carries
                // each segment's ion values over: the value can go there now
                // (a loop of `insert … cai = …` stays linear).
                let in_place = self.structure_dirty && !self.topology_dirty && self.ions.len() > ion && self.exists(sec) && self.sec_nodes.get(sec).is_some_and(|n| n.len() == self.sec(sec).nseg + 1);
                if !in_place {
                    self.ensure_lowered();
                }
                match self.ion_node(ion, sec, x) {
                    Some(n) => {
                        self.ions[ion].field_mut(field)[n] = value;
                        true
                    }
                    None => false,
                }
            }
            Var::T => {
                self.t = value;
                true
            }
            Var::Cell(c) => match self.ptr_cells.get_mut(c) {
                Some(x) => {
                    *x = value;
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    fn range_instance(&self, mech: usize, sec: SecId, x: f64) -> Option<u32> {
        if !self.exists(sec) {
            return None;
        }
        let s = self.sec(sec);
        self.density_instance(sec, mech, s.seg_index(x))
    }

    /// Whether two NetCons watch the same source: one point process, or one
    /// segment's voltage (NEURON gives such NetCons a single PreSyn).
    pub fn same_source(&self, a: usize, b: usize) -> bool {
        use crate::events::Source;
        let (Some(Some(na)), Some(Some(nb))) = (self.netcons.get(a), self.netcons.get(b)) else { return false };
        match (&na.source, &nb.source) {
            (Source::Point { .. }, Source::Point { .. }) | (Source::Gid(_), Source::Gid(_)) => na.source == nb.source,
            (&Source::Voltage { sec: sa, x: xa }, &Source::Voltage { sec: sb, x: xb }) if sa == sb && self.exists(sa) => {
                let s = self.sec(sa);
                let node = |x: f64| if x <= 0.0 { -1 } else if x >= 1.0 { s.nseg as i64 } else { s.seg_index(x) as i64 };
                node(xa) == node(xb)
            }
            _ => false,
        }
    }

    pub(crate) fn watch_check(&mut self) {
        self.watches(false);
    }

    /// WATCH conditions of every mechanism that has them: activated ones take
    /// their present state (`settle`), or those that became true post their
    /// flag as an event at t.
    fn watches(&mut self, settle: bool) {
        let t = self.t;
        for m in 0..self.mechs.len() {
            if self.data[m].watch_n == 0 || self.data[m].order.is_empty() {
                continue;
            }
            if settle && self.data[m].watch_new.iter().all(|&w| w == 0) {
                continue;
            }
            let mut fired = std::mem::take(&mut self.scratch_fired);
            fired.clear();
            {
                let tr = &mut self.tree;
                let mut nodes = view(tr, &mut self.ions, &mut self.out, t, self.dt, self.celsius, self.fast_imem);
                crate::pointer::pull(&mut self.data, m, &self.ptr_cells, t);
                self.mechs[m].watch(&mut self.data[m], &mut nodes, settle, &mut |inst, flag| fired.push((inst, flag)));
            }
            for &(inst, flag) in &fired {
                self.queue.push(t, Event::SelfEvent { mech: m as u32, inst, flag, nc: u32::MAX });
            }
            self.scratch_fired = fired;
        }
    }

    /// Delivers events up to `tmax`, then settles the WATCH conditions they activated.
    pub(crate) fn deliver_and_settle(&mut self, tmax: f64) {
        self.deliver_events(tmax);
        self.watches(true);
    }

    /// Voltage sources crossing their threshold upward send a spike at t + 1e-10.
    fn check_thresholds(&mut self) {
        self.watch_check();
        self.refresh_presyns();
        let t = self.t;
        let mut groups = std::mem::take(&mut self.presyns.groups);
        for g in groups.iter_mut() {
            if self.tree.v[g.node as usize] - g.threshold > 0.0 {
                if !g.above {
                    g.above = true;
                    self.fire(&g.ncs, t + 1e-10);
                }
            } else {
                g.above = false;
            }
        }
        self.presyns.groups = groups;
    }

    /// A voltage source crossed its threshold at ts: its NetCons record the
    /// spike and post their events, in creation order.
    pub(crate) fn fire(&mut self, ncs: &[u32], ts: f64) {
        for &k in ncs {
            let Some(Some(nc)) = self.netcons.get(k as usize) else { continue };
            if nc.recording {
                self.spikes.push((ts, k));
            }
            if nc.active && !matches!(nc.target, Target::None) {
                let at = ts + nc.delay;
                self.queue.push(at, Event::NetCon { nc: k });
            }
            if let Some(x) = &mut self.exchange {
                x.note(k, ts);
            }
        }
    }

    /// finitialize's threshold check (NEURON's init_events clears every
    /// PreSyn's flag, then delivering the t = 0 events checks them): a
    /// source already above threshold sends a spike at t + 1e-10.
    fn init_thresholds(&mut self) {
        self.refresh_presyns();
        let t = self.t;
        let mut groups = std::mem::take(&mut self.presyns.groups);
        for g in groups.iter_mut() {
            g.above = self.tree.v[g.node as usize] - g.threshold > 0.0;
            if g.above {
                let before = self.spikes.len();
                self.fire(&g.ncs, t + 1e-10);
                // recorded when NEURON delivers the spike, in the first step
                let fired: Vec<(f64, u32)> = self.spikes.drain(before..).collect();
                self.init_spikes.extend(fired);
            }
        }
        self.presyns.groups = groups;
    }

    /// Regroups the voltage sources if NetCons, their thresholds or the
    /// node layout changed since the last grouping.
    pub(crate) fn refresh_presyns(&mut self) {
        let key = (self.netcons.len(), self.lowerings, self.netcon_edits);
        if self.presyns.key == Some(key) {
            return;
        }
        let old = std::mem::take(&mut self.presyns.groups);
        let mut groups: Vec<PreSyn> = Vec::new();
        let mut points: std::collections::HashMap<(u32, u32), Vec<u32>> = Default::default();
        let mut targets: std::collections::HashMap<(u32, u32), Vec<u32>> = Default::default();
        for k in 0..self.netcons.len() {
            let Some(nc) = &self.netcons[k] else { continue };
            if let crate::events::Source::Point { mech, inst } = nc.source {
                points.entry((mech, inst)).or_default().push(k as u32);
            }
            if let Target::Point { mech, inst } = nc.target {
                targets.entry((mech, inst)).or_default().push(k as u32);
            }
            let crate::events::Source::Voltage { sec, x } = nc.source else { continue };
            if !self.exists(sec) {
                continue;
            }
            let node = self.node_at(sec, x);
            match groups.iter_mut().find(|g| g.node == node) {
                Some(g) => {
                    g.ncs.push(k as u32);
                    if nc.threshold_set >= g.set {
                        g.set = nc.threshold_set;
                        g.threshold = nc.threshold;
                    }
                }
                None => {
                    // A source keeps its state across regroupings.
                    let above = old.iter().find(|g| g.node == node).map_or(nc.above, |g| g.above);
                    groups.push(PreSyn { node, threshold: nc.threshold, set: nc.threshold_set, above, ncs: vec![k as u32] });
                }
            }
        }
        self.presyns = PreSyns { key: Some(key), groups, points, targets };
    }

    /// The threshold NetCon k's source tests (the latest one set on any
    /// NetCon of that source).
    pub fn source_threshold(&self, k: usize) -> Option<f64> {
        let nc = self.netcons.get(k)?.as_ref()?;
        let mut best = (nc.threshold_set, nc.threshold);
        for j in 0..self.netcons.len() {
            if let Some(Some(o)) = self.netcons.get(j) {
                if o.threshold_set > best.0 && self.same_source(k, j) {
                    best = (o.threshold_set, o.threshold);
                }
            }
        }
        Some(best.1)
    }

    /// Sets the threshold of NetCon k's source.
    pub fn set_threshold(&mut self, k: usize, th: f64) {
        self.netcon_edits += 1;
        let stamp = self.netcon_edits;
        if let Some(Some(nc)) = self.netcons.get_mut(k) {
            nc.threshold = th;
            nc.threshold_set = stamp;
        }
    }

    /// Delivers queued events up to and including `tmax`.
    pub fn deliver_events(&mut self, tmax: f64) {
        let tsav = self.t;
        while let Some((tt, seq, ev)) = self.queue.pop_until(tmax) {
            self.deliver(tt, seq, ev);
        }
        self.t = tsav;
    }

    /// Whether an event only concerns artificial cells (or nothing at all):
    /// the variable step delivers those without stopping.
    pub(crate) fn event_is_artificial(&self, ev: &Event) -> bool {
        let mech = match *ev {
            Event::SelfEvent { mech, .. } => mech as usize,
            Event::NetCon { nc } => match self.netcons.get(nc as usize) {
                Some(Some(NetCon { target: Target::Point { mech, .. }, .. })) => *mech as usize,
                _ => return true,
            },
            Event::Stop { .. } => return false,
            Event::Exchange | Event::Threshold { .. } => return true,
        };
        self.mechs[mech].kind() == MechKind::Artificial
    }

    /// Delivers one event taken from the queue.
    pub(crate) fn deliver(&mut self, tt: f64, seq: u64, ev: Event) {
        match ev {
            Event::SelfEvent { mech, inst, flag, nc } => {
                if self.last_send.get(&(mech, inst)).is_some_and(|l| l.0 == seq) {
                    self.last_send.remove(&(mech, inst));
                }
                // The posting NetCon's weights, as NEURON passes them (they may change).
                if let Some(Some(n)) = self.netcons.get_mut(nc as usize) {
                    let mut w = std::mem::take(&mut n.weight);
                    self.receive(mech as usize, inst, &mut w, flag, tt, nc);
                    if let Some(Some(n)) = self.netcons.get_mut(nc as usize) {
                        n.weight = w;
                    }
                    return;
                }
                let mut w = std::mem::take(&mut self.scratch_weights);
                w.clear();
                w.resize(self.mechs[mech as usize].weights().max(1), 0.0);
                self.receive(mech as usize, inst, &mut w, flag, tt, u32::MAX);
                self.scratch_weights = w;
            }
            Event::Stop { id } => {
                if id != u32::MAX {
                    // A statement may change the cell: the integrator restarts.
                    self.fired.push((id, tt));
                    self.delivered_to_cell = true;
                } else {
                    self.stop_delivered = true;
                }
            }
            Event::Threshold { group } => {
                self.refresh_presyns();
                if let Some(g) = self.presyns.groups.get_mut(group as usize) {
                    let ncs = std::mem::take(&mut g.ncs);
                    self.fire(&ncs, tt);
                    self.presyns.groups[group as usize].ncs = ncs;
                }
            }
            Event::NetCon { nc } => {
                let Some(Some(n)) = self.netcons.get_mut(nc as usize) else { return };
                let Target::Point { mech, inst } = n.target else { return };
                if !n.active {
                    return;
                }
                // NET_RECEIVE may change the weights: lend them, then put them back.
                let mut w = std::mem::take(&mut n.weight);
                self.receive(mech as usize, inst, &mut w, 0.0, tt, nc);
                if let Some(Some(n)) = self.netcons.get_mut(nc as usize) {
                    n.weight = w;
                }
            }
            Event::Exchange => self.exchange_event(tt),
        }
    }

    fn receive(&mut self, mech: usize, inst: u32, w: &mut [f64], flag: f64, tt: f64, nc: u32) {
        if !self.data[mech].alive[inst as usize] {
            return;
        }
        self.scratch_events.clear();
        self.scratch_spikes.clear();
        let mut evs = std::mem::take(&mut self.scratch_events);
        let mut spikes = std::mem::take(&mut self.scratch_spikes);
        let node = self.data[mech].node[inst as usize];
        self.delivered_to_cell |= self.mechs[mech].kind() != MechKind::Artificial;
        let v = if self.mechs[mech].kind() == MechKind::Artificial { f64::NAN } else { self.tree.v.get(node as usize).copied().unwrap_or(f64::NAN) };
        self.refresh_presyns();
        let moved = {
            let ids = self.presyns.targets.get(&(mech as u32, inst)).map_or(&[][..], |v| v.as_slice());
            let mut targets = Targets { ids, netcons: &mut self.netcons, current: nc };
            let mut ctx = EventCtx { t: tt, dt: self.dt, celsius: self.celsius, self_events: &mut evs, spikes: &mut spikes, out: &mut self.out, moved: None, v, netcons: Some(&mut targets) };
            self.mechs[mech].net_receive(&mut self.data[mech], inst as usize, w, flag, &mut ctx);
            ctx.moved
        };
        for &(t, f) in &evs {
            let seq = self.queue.push(t, Event::SelfEvent { mech: mech as u32, inst, flag: f, nc });
            self.last_send.insert((mech as u32, inst), (seq, f, nc));
        }
        // net_move: the pending self-event goes to the new time (none pending: nothing moves).
        if let Some(tnew) = moved {
            if let Some((seq, f, n)) = self.last_send.get(&(mech as u32, inst)).copied() {
                let ev = Event::SelfEvent { mech: mech as u32, inst, flag: f, nc: n };
                let seq = self.queue.move_to(seq, tnew, ev);
                self.last_send.insert((mech as u32, inst), (seq, f, n));
            }
        }
        for &ts in &spikes {
            self.point_spiked(mech as u32, inst, ts);
        }
        self.scratch_events = evs;
        self.scratch_spikes = spikes;
    }

    /// A point process emitted a spike (net_event): every NetCon from it fires.
    fn point_spiked(&mut self, mech: u32, inst: u32, ts: f64) {
        self.refresh_presyns();
        let Some(ncs) = self.presyns.points.remove(&(mech, inst)) else { return };
        self.fire(&ncs, ts);
        self.presyns.points.insert((mech, inst), ncs);
    }
}
