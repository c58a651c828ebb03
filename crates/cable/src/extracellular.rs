//! NEURON's `extracellular` mechanism (extcelln.cpp): `nlayer` layers of
//! extracellular potential `vext` around each node of the sections that have
//! it, each layer joined to its neighbours along the section by `xraxial`
//! (MΩ/cm) and to the next layer by `xg` (S/cm²) and `xc` (µF/cm²), the last
//! layer to ground through `e_extracellular`. The membrane potential `v`
//! stays the unknown mechanisms see; the equations are written for the
//! internal potential vi = v + vext[0] and the layers, solved together by
//! [`crate::equations`], and turned back into v afterwards.
//!
//! Every node of such a section has layers, its x = 1 node and, for a root
//! section, its root node too (with no `xg`, `xc` or resistance of their
//! own). `vext` lives here, per node; the other variables are the
//! mechanism's columns, one instance per segment.

use crate::mechanism::{EventCtx, MechData, MechKind, Mechanism, NodeView, VarKind, VarSpec};

/// NEURON's default build: two layers.
pub const DEFAULT_NLAYER: usize = 2;

/// "No such node" in the index arrays.
pub const NONE: u32 = u32::MAX;

/// The catalogue entry: the variables HOC sees (`xraxial[i]`, `xg[i]`,
/// `xc[i]`, `e_extracellular`, `i_membrane`); the engine does the rest.
pub struct Extracellular {
    specs: Vec<VarSpec>,
    nlayer: usize,
}

impl Extracellular {
    pub fn new(nlayer: usize) -> Self {
        let mut specs = Vec::new();
        for (name, default) in [("xraxial", 1e9), ("xg", 1e9), ("xc", 0.0)] {
            for k in 0..nlayer {
                specs.push(VarSpec::new(&format!("{name}[{k}]"), default, VarKind::Parameter));
            }
        }
        specs.push(VarSpec::new("e_extracellular", 0.0, VarKind::Parameter));
        specs.push(VarSpec::new("i_membrane", 0.0, VarKind::Assigned));
        Extracellular { specs, nlayer }
    }

    pub fn nlayer(&self) -> usize {
        self.nlayer
    }
}

/// Column of `xraxial[k]`, `xg[k]`, `xc[k]`, `e_extracellular`, `i_membrane`.
pub fn xraxial(_nl: usize, k: usize) -> usize {
    k
}
pub fn xg(nl: usize, k: usize) -> usize {
    nl + k
}
pub fn xc(nl: usize, k: usize) -> usize {
    2 * nl + k
}
pub fn e_ext(nl: usize) -> usize {
    3 * nl
}
pub fn i_membrane(nl: usize) -> usize {
    3 * nl + 1
}

impl Mechanism for Extracellular {
    fn name(&self) -> &str {
        "extracellular"
    }
    fn kind(&self) -> MechKind {
        MechKind::Density
    }
    fn vars(&self) -> &[VarSpec] {
        &self.specs
    }
    fn suffixed(&self) -> bool {
        false
    }
    fn has_current(&self) -> bool {
        false
    }
    fn initialize(&self, data: &mut MechData, _: &mut NodeView, _: &mut dyn FnMut(u32, &mut EventCtx)) {
        let c = i_membrane(self.nlayer);
        for &i in &data.order {
            data.cols[c][i as usize] = 0.0;
        }
    }
}

/// The layers of the lowered model: which nodes have them, their
/// potentials, coupling coefficients and the step's equations.
#[derive(Default, Debug)]
pub struct Ext {
    pub nlayer: usize,
    /// Tree nodes with layers, in node order.
    pub nodes: Vec<u32>,
    /// Index into `nodes` of each tree node (NONE without layers).
    pub of_node: Vec<u32>,
    /// Mechanism instance of each (NONE for the x = 1 and root nodes).
    pub inst: Vec<u32>,
    /// Parent tree node of each (NONE for a root node), and whether that
    /// parent has layers too.
    pub pnode: Vec<u32>,
    pub parent_has: Vec<bool>,
    /// Tree nodes without layers whose parent has them.
    pub children: Vec<u32>,
    /// `vext[k * nlayer + l]`: the potentials (mV).
    pub vext: Vec<f64>,
    /// Axial coupling of each layer to the parent's, as the tree's a and b.
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    /// The step's equations: right-hand side, diagonal, and the elements
    /// linking each layer to the row before it (x12: row before, column of
    /// the layer; x21: the transpose position).
    pub rhs: Vec<f64>,
    pub d: Vec<f64>,
    pub x12: Vec<f64>,
    pub x21: Vec<f64>,
    /// Membrane conductance (with capacitance) and ionic current of each
    /// node, for `i_membrane`.
    pub sav_g: Vec<f64>,
    pub sav_rhs: Vec<f64>,
}

impl Ext {
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Layout for the given node marks: `inst_of[node]` is the instance of
    /// a segment node, NONE for other nodes with layers; nodes absent from
    /// `inst_of` have none. `parent` is the tree's parent array.
    pub fn lay_out(&mut self, nlayer: usize, has: &[bool], inst_of: &[u32], parent: &[u32], nroot: usize) {
        let n = has.len();
        self.nlayer = nlayer;
        self.nodes = (0..n as u32).filter(|&i| has[i as usize]).collect();
        self.of_node = vec![NONE; n];
        for (k, &nd) in self.nodes.iter().enumerate() {
            self.of_node[nd as usize] = k as u32;
        }
        self.inst = self.nodes.iter().map(|&nd| inst_of[nd as usize]).collect();
        self.pnode = self.nodes.iter().map(|&nd| if (nd as usize) < nroot { NONE } else { parent[nd as usize] }).collect();
        self.parent_has = self.pnode.iter().map(|&p| p != NONE && has[p as usize]).collect();
        self.children = (nroot as u32..n as u32).filter(|&i| !has[i as usize] && has[parent[i as usize] as usize]).collect();
        let m = self.nodes.len() * nlayer;
        self.vext = vec![0.0; m];
        for v in [&mut self.a, &mut self.b, &mut self.rhs, &mut self.d, &mut self.x12, &mut self.x21] {
            *v = vec![0.0; m];
        }
        self.sav_g = vec![0.0; self.nodes.len()];
        self.sav_rhs = vec![0.0; self.nodes.len()];
    }
}

/// ext_con_coef for one section: the half-segment resistances of each layer
/// (1e-4 · xraxial · dx/2 MΩ), summed into each node's resistance to its
/// parent, then a and b as for the cable (the parent's area for a, the
/// node's for b; rallbranch on the first node).
///
/// `xr[j * nl + l]` is xraxial of layer l in segment j; `area` holds the
/// areas of the section's nodes and `parea` its parent node's.
pub fn section_coefficients(nl: usize, nseg: usize, length: f64, rallbranch: f64, xr: &[f64], area: &[f64], parea: f64, a: &mut [f64], b: &mut [f64]) {
    let dx = length / nseg as f64;
    let half = |j: usize, l: usize| if j < nseg { 1e-4 * xr[j * nl + l] * (dx / 2.0) } else { 0.0 };
    for j in 0..=nseg {
        for l in 0..nl {
            let r = if j == 0 { half(0, l) } else { half(j, l) + half(j - 1, l) };
            let pa = if j == 0 { parea } else { area[j - 1] };
            let num = if j == 0 { -1.0e2 * rallbranch } else { -1.0e2 };
            a[j * nl + l] = num / (r * pa);
            b[j * nl + l] = -1.0e2 / (r * area[j]);
        }
    }
}

/// The layers' potentials of one section's nodes (x = 1 included) and of
/// its root node, kept across a re-lowering.
pub(crate) type SavedVext = Vec<Option<(Vec<f64>, Option<Vec<f64>>)>>;

impl crate::model::Model {
    pub(crate) fn save_vext(&self) -> SavedVext {
        let nl = self.ext.nlayer;
        (0..self.sections.len())
            .map(|id| {
                let nodes = self.sec_nodes.get(id)?;
                if nodes.is_empty() || !self.exists(id) || nodes.len() != self.sec(id).nseg + 1 {
                    return None;
                }
                let of = |nd: u32| self.ext.of_node.get(nd as usize).copied().filter(|&k| k != NONE);
                let mut v = Vec::with_capacity(nodes.len() * nl);
                for &nd in nodes {
                    let k = of(nd)? as usize;
                    v.extend_from_slice(&self.ext.vext[k * nl..(k + 1) * nl]);
                }
                let root = if self.sec(id).parent.is_none() { of(self.sec_parent_node[id]).map(|k| self.ext.vext[k as usize * nl..(k as usize + 1) * nl].to_vec()) } else { None };
                Some((v, root))
            })
            .collect()
    }

    /// Which nodes have layers (after the tree and the instances are laid
    /// out), their potentials carried over.
    pub(crate) fn lower_ext(&mut self, old: SavedVext) {
        let n = self.tree.len();
        let Some(m) = self.ext_mech else {
            self.ext = Ext::default();
            return;
        };
        let nl = self.ext.nlayer;
        let mut has = vec![false; n];
        let mut inst_of = vec![NONE; n];
        for &s in &self.order {
            let Some(ins) = self.inserted[s].iter().find(|i| i.mech == m) else { continue };
            let nodes = &self.sec_nodes[s];
            let nseg = nodes.len() - 1;
            for j in 0..nseg {
                has[nodes[j] as usize] = true;
                inst_of[nodes[j] as usize] = ins.inst[j];
            }
            has[nodes[nseg] as usize] = true;
            if self.sections[s].as_ref().is_some_and(|x| x.parent.is_none()) {
                has[self.sec_parent_node[s] as usize] = true;
            }
        }
        self.ext.lay_out(nl, &has, &inst_of, &self.tree.parent, self.tree.nroot);
        for (id, saved) in old.into_iter().enumerate() {
            let Some((v, root)) = saved else { continue };
            let Some(nodes) = self.sec_nodes.get(id) else { continue };
            if nodes.len() * nl != v.len() {
                continue;
            }
            for (j, &nd) in nodes.iter().enumerate() {
                let k = self.ext.of_node[nd as usize];
                if k != NONE {
                    let k = k as usize;
                    self.ext.vext[k * nl..(k + 1) * nl].copy_from_slice(&v[j * nl..(j + 1) * nl]);
                }
            }
            if let Some(r) = root {
                let k = self.ext.of_node[self.sec_parent_node[id] as usize];
                if k != NONE {
                    let k = k as usize;
                    self.ext.vext[k * nl..(k + 1) * nl].copy_from_slice(&r);
                }
            }
        }
        let len = if self.ext.is_empty() { 0 } else { n };
        self.tree.vi = vec![0.0; len];
        self.tree.ext_rhs = vec![0.0; len];
        self.tree.ext_d = vec![0.0; len];
        self.refresh_vi();
    }

    /// The layers' axial coefficients from xraxial and the geometry
    /// (ext_con_coef), after the tree's.
    pub(crate) fn ext_coefficients(&mut self) {
        let Some(m) = self.ext_mech else { return };
        if self.ext.is_empty() {
            return;
        }
        let nl = self.ext.nlayer;
        for &s in &self.order {
            let Some(ins) = self.inserted[s].iter().find(|i| i.mech == m) else { continue };
            let sec = self.sections[s].as_ref().expect("live section");
            let nodes = &self.sec_nodes[s];
            let nseg = nodes.len() - 1;
            let cols = &self.data[m].cols;
            let xr: Vec<f64> = (0..nseg).flat_map(|j| (0..nl).map(move |l| (j, l))).map(|(j, l)| cols[xraxial(nl, l)][ins.inst[j] as usize]).collect();
            let area: Vec<f64> = nodes.iter().map(|&nd| self.tree.area[nd as usize]).collect();
            let parea = self.tree.area[self.sec_parent_node[s] as usize];
            let k0 = self.ext.of_node[nodes[0] as usize] as usize;
            let span = k0 * nl..(k0 + nseg + 1) * nl;
            let (a, b) = (&mut self.ext.a[span.clone()], &mut self.ext.b[span]);
            section_coefficients(nl, nseg, sec.length(), sec.rallbranch, &xr, &area, parea, a, b);
        }
    }
}
