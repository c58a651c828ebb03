//! The current-balance equations as one sparse system, for models the
//! tree solve cannot take: extracellular layers and LinearMechanisms (as
//! NEURON switches to sparse13, treeset.cpp). Rows follow NEURON's layout
//! (nrn_matrix_node_alloc): each node's row, then its layers' rows, then
//! the extra equations of each LinearMechanism. The unknowns are the
//! internal potentials vi = v + vext[0], the layers' vext and the extra
//! states; the step is set up in NEURON's order (nrn_rhs, nrn_lhs with
//! nrn_rhs_ext, nrn_setup_ext, the LinearMechanisms), solved by
//! [`SparseLu`], and turned back into v (nrn_update_2d).

use crate::extracellular::{self as ecell, NONE};
use crate::linmod::LinearMechanism;
use crate::model::Model;
use crate::sparse::SparseLu;

/// The system's pattern and the slots each coefficient goes to.
#[derive(Debug)]
pub struct Equations {
    pub lu: SparseLu,
    /// Row of each tree node.
    pub row: Vec<u32>,
    /// Right-hand side, then solution.
    pub rhs: Vec<f64>,
    d_slot: Vec<u32>,
    a_slot: Vec<u32>,
    b_slot: Vec<u32>,
    /// Per layer of each node with layers (`k * nlayer + l`).
    ext_d: Vec<u32>,
    ext_x12: Vec<u32>,
    ext_x21: Vec<u32>,
    ext_a: Vec<u32>,
    ext_b: Vec<u32>,
}

impl Model {
    /// Whether the model needs the sparse system.
    pub fn has_nontree(&self) -> bool {
        !self.ext.is_empty() || self.linmods.iter().flatten().next().is_some()
    }

    /// Lays out the rows and the pattern (after the tree, the layers and
    /// the LinearMechanisms' nodes are known).
    pub(crate) fn lay_out_equations(&mut self) {
        if !self.has_nontree() {
            self.eqs = None;
            return;
        }
        let n = self.tree.len();
        let nl = self.ext.nlayer;
        let mut row = vec![0u32; n];
        let mut next = 0u32;
        for (i, r) in row.iter_mut().enumerate() {
            *r = next;
            next += 1;
            if self.ext.of_node[i] != NONE {
                next += nl as u32;
            }
        }
        // LinearMechanisms: rows of their node entries, then their own.
        for lm in self.linmods.iter_mut().flatten() {
            lm.rows.clear();
            for &(sec, x, layer) in &lm.nodes {
                let r = match self.sections.get(sec).and_then(|s| s.as_ref()) {
                    Some(_) => {
                        let nd = node_at(&self.sections, &self.sec_nodes, &self.sec_parent_node, sec, x) as usize;
                        if layer == 0 {
                            Some(row[nd])
                        } else if self.ext.of_node[nd] != NONE && layer <= nl {
                            Some(row[nd] + layer as u32)
                        } else {
                            None
                        }
                    }
                    None => None,
                };
                lm.rows.push(r);
            }
            for _ in 0..lm.extra() {
                lm.rows.push(Some(next));
                next += 1;
            }
        }
        let neq = next as usize;
        let mut entries: Vec<(usize, usize)> = Vec::new();
        let parent = &self.tree.parent;
        for i in self.tree.nroot..n {
            let (r, rp) = (row[i] as usize, row[parent[i] as usize] as usize);
            entries.push((rp, r));
            entries.push((r, rp));
        }
        for (k, &nd) in self.ext.nodes.iter().enumerate() {
            let r = row[nd as usize] as usize;
            for l in 0..nl {
                entries.push((r + l, r + l + 1));
                entries.push((r + l + 1, r + l));
            }
            if self.ext.parent_has[k] {
                let rp = row[self.ext.pnode[k] as usize] as usize;
                for l in 1..=nl {
                    entries.push((rp + l, r + l));
                    entries.push((r + l, rp + l));
                }
            }
        }
        for lm in self.linmods.iter().flatten() {
            for m in [&lm.c, &lm.g] {
                for (i, j) in LinearMechanism::nonzeros(m, lm.size) {
                    if let (Some(ri), Some(rj)) = (lm.rows[i], lm.rows[j]) {
                        entries.push((ri as usize, rj as usize));
                    }
                }
            }
        }
        let lu = match SparseLu::new(neq, entries) {
            Ok(lu) => lu,
            Err(e) => {
                self.error.get_or_insert(e);
                self.eqs = None;
                return;
            }
        };
        let slot = |r: u32, c: u32| lu.slot(r as usize, c as usize).expect("in the pattern") as u32;
        let d_slot = (0..n).map(|i| slot(row[i], row[i])).collect();
        let a_slot = (0..n).map(|i| if i < self.tree.nroot { NONE } else { slot(row[parent[i] as usize], row[i]) }).collect();
        let b_slot = (0..n).map(|i| if i < self.tree.nroot { NONE } else { slot(row[i], row[parent[i] as usize]) }).collect();
        let m = self.ext.len() * nl;
        let (mut ext_d, mut ext_x12, mut ext_x21, mut ext_a, mut ext_b) = (Vec::with_capacity(m), Vec::with_capacity(m), Vec::with_capacity(m), Vec::with_capacity(m), Vec::with_capacity(m));
        for (k, &nd) in self.ext.nodes.iter().enumerate() {
            let r = row[nd as usize];
            for l in 0..nl as u32 {
                ext_d.push(slot(r + l + 1, r + l + 1));
                ext_x12.push(slot(r + l, r + l + 1));
                ext_x21.push(slot(r + l + 1, r + l));
                if self.ext.parent_has[k] {
                    let rp = row[self.ext.pnode[k] as usize];
                    ext_a.push(slot(rp + l + 1, r + l + 1));
                    ext_b.push(slot(r + l + 1, rp + l + 1));
                } else {
                    ext_a.push(NONE);
                    ext_b.push(NONE);
                }
            }
        }
        for lm in self.linmods.iter_mut().flatten() {
            for (m, nz) in [(&lm.c, &mut lm.c_nz), (&lm.g, &mut lm.g_nz)] {
                nz.clear();
                for (i, j) in LinearMechanism::nonzeros(m, lm.size) {
                    if let (Some(ri), Some(rj)) = (lm.rows[i], lm.rows[j]) {
                        let diag = if ri == rj { row.binary_search(&ri).map_or(NONE, |nd| nd as u32) } else { NONE };
                        nz.push((i as u32, j as u32, slot(ri, rj), diag));
                    }
                }
            }
        }
        self.eqs = Some(Equations { lu, row, rhs: vec![0.0; neq], d_slot, a_slot, b_slot, ext_d, ext_x12, ext_x21, ext_a, ext_b });
    }

    /// The fixed step's matrix set-up after the membrane currents, in
    /// NEURON's order: the layers' and LinearMechanisms' right-hand sides,
    /// capacitance, their matrix parts, then the axial terms.
    pub(crate) fn setup_nontree(&mut self, cj: f64) {
        self.nontree_rhs();
        let cfac = 0.001 * cj;
        let t = &mut self.tree;
        for i in 0..t.len() {
            t.d[i] += cfac * t.cm[i];
        }
        if self.fast_imem {
            for i in 0..t.len() {
                t.sav_d[i] = t.d[i] - t.sav_d[i];
            }
        }
        self.nontree_lhs(cj);
        self.tree.axial();
    }

    /// The potentials of a LinearMechanism's nodes into its y (NEURON's v2y).
    fn linmod_v2y(&mut self, k: usize) {
        let Some(Some(lm)) = self.linmods.get_mut(k) else { return };
        let nl = self.ext.nlayer;
        for (i, &(sec, x, layer)) in lm.nodes.iter().enumerate() {
            if !self.sections.get(sec).is_some_and(|s| s.is_some()) {
                continue;
            }
            let nd = node_at(&self.sections, &self.sec_nodes, &self.sec_parent_node, sec, x) as usize;
            let e = self.ext.of_node[nd];
            if layer == 0 {
                lm.y[i] = self.tree.v[nd];
                if e != NONE {
                    lm.y[i] += self.ext.vext[e as usize * nl];
                }
            } else if e != NONE && layer <= nl {
                lm.y[i] = self.ext.vext[e as usize * nl + layer - 1];
            }
        }
    }

    /// At finitialize, after the INITIAL blocks: the LinearMechanisms'
    /// extra states start at y0 (or 0), their node entries at the nodes'
    /// potentials (NEURON's nrndae_init).
    pub(crate) fn init_linmods(&mut self) {
        if self.linmods.iter().flatten().next().is_some() && self.secondorder > 0 {
            self.error.get_or_insert_with(|| "NrnDAEs only work with secondorder==0 or daspk".into());
            return;
        }
        for k in 0..self.linmods.len() {
            self.linmod_v2y(k);
            let Some(Some(lm)) = self.linmods.get_mut(k) else { continue };
            let nn = lm.nodes.len();
            for i in nn..lm.size {
                lm.y[i] = lm.y0.as_ref().map_or(0.0, |y0| y0[i]);
            }
        }
    }

    /// The right-hand side parts after the membrane currents (nrn_rhs_ext,
    /// then the LinearMechanisms' b − g·y), before the axial terms.
    pub(crate) fn nontree_rhs(&mut self) {
        let nl = self.ext.nlayer;
        let ext_mech = self.ext_mech;
        if !self.ext.is_empty() {
            let ext = &mut self.ext;
            let tr = &mut self.tree;
            let cols = &self.data[ext_mech.expect("extracellular registered")].cols;
            ext.rhs.iter_mut().for_each(|x| *x = 0.0);
            for k in 0..ext.nodes.len() {
                let nd = ext.nodes[k] as usize;
                let r = tr.ext_rhs[nd] - tr.rhs[nd];
                ext.rhs[k * nl] = r;
                ext.sav_rhs[k] = r;
            }
            for k in 0..ext.nodes.len() {
                let pnd = ext.pnode[k];
                if pnd == NONE {
                    continue;
                }
                let (nd, pnd) = (ext.nodes[k] as usize, pnd as usize);
                if ext.parent_has[k] {
                    let pk = ext.of_node[pnd] as usize;
                    for j in 0..nl {
                        let dv = ext.vext[pk * nl + j] - ext.vext[k * nl + j];
                        ext.rhs[k * nl + j] -= ext.b[k * nl + j] * dv;
                        ext.rhs[pk * nl + j] += ext.a[k * nl + j] * dv;
                        if j == 0 {
                            tr.rhs[nd] -= tr.b[nd] * dv;
                            tr.rhs[pnd] += tr.a[nd] * dv;
                        }
                    }
                } else {
                    // The parent has no layers: vi = v + vext[0] here only;
                    // the layers end sealed.
                    let dv = -ext.vext[k * nl];
                    tr.rhs[nd] -= tr.b[nd] * dv;
                    tr.rhs[pnd] += tr.a[nd] * dv;
                }
                let i = ext.inst[k];
                if i == NONE {
                    continue;
                }
                let i = i as usize;
                let mut j = nl - 1;
                ext.rhs[k * nl + j] -= cols[ecell::xg(nl, j)][i] * (ext.vext[k * nl + j] - cols[ecell::e_ext(nl)][i]);
                while j > 0 {
                    j -= 1;
                    let x = cols[ecell::xg(nl, j)][i] * (ext.vext[k * nl + j] - ext.vext[k * nl + j + 1]);
                    ext.rhs[k * nl + j] -= x;
                    ext.rhs[k * nl + j + 1] += x;
                }
            }
            for &nd in &ext.children {
                let nd = nd as usize;
                let pnd = tr.parent[nd] as usize;
                let dv = ext.vext[ext.of_node[pnd] as usize * nl];
                tr.rhs[nd] -= tr.b[nd] * dv;
                tr.rhs[pnd] += tr.a[nd] * dv;
            }
        }
        if let Some(eqs) = self.eqs.as_mut() {
            eqs.rhs.iter_mut().for_each(|x| *x = 0.0);
        }
        for k in 0..self.linmods.len() {
            if self.linmods[k].is_none() {
                continue;
            }
            self.linmod_v2y(k);
            let Some(Some(lm)) = self.linmods.get_mut(k) else { continue };
            let Some(eqs) = self.eqs.as_mut() else { continue };
            let size = lm.size;
            for i in 0..size {
                let mut gy = 0.0;
                for j in 0..size {
                    gy += lm.g[i * size + j] * lm.y[j];
                }
                lm.work[i] = gy;
            }
            for i in 0..size {
                let f = lm.b[i] - lm.work[i];
                let Some(r) = lm.rows[i] else { continue };
                add_to_row(eqs, &mut self.tree.rhs, r, f);
            }
        }
    }

    /// The matrix parts after capacitance (nrn_setup_ext, then the
    /// LinearMechanisms' c·cj + g), before the axial terms.
    pub(crate) fn nontree_lhs(&mut self, cj: f64) {
        let nl = self.ext.nlayer;
        if !self.ext.is_empty() {
            let cfac = 0.001 * cj;
            let ext = &mut self.ext;
            let tr = &self.tree;
            let cols = &self.data[self.ext_mech.expect("extracellular registered")].cols;
            for v in [&mut ext.d, &mut ext.x12, &mut ext.x21] {
                v.iter_mut().for_each(|x| *x = 0.0);
            }
            for k in 0..ext.nodes.len() {
                let nd = ext.nodes[k] as usize;
                let d = tr.ext_d[nd] + tr.d[nd];
                ext.d[k * nl] = d;
                ext.x12[k * nl] -= d;
                ext.x21[k * nl] -= d;
                ext.sav_g[k] = d;
            }
            for k in 0..ext.nodes.len() {
                if ext.pnode[k] == NONE {
                    continue;
                }
                if ext.inst[k] != NONE {
                    let i = ext.inst[k] as usize;
                    let mut j = 0;
                    loop {
                        let mfac = cols[ecell::xg(nl, j)][i] + cols[ecell::xc(nl, j)][i] * cfac;
                        ext.d[k * nl + j] += mfac;
                        j += 1;
                        if j == nl {
                            break;
                        }
                        ext.d[k * nl + j] += mfac;
                        ext.x12[k * nl + j] -= mfac;
                        ext.x21[k * nl + j] -= mfac;
                    }
                }
                if ext.parent_has[k] {
                    let pk = ext.of_node[ext.pnode[k] as usize] as usize;
                    for j in 0..nl {
                        ext.d[k * nl + j] -= ext.b[k * nl + j];
                        ext.d[pk * nl + j] -= ext.a[k * nl + j];
                    }
                }
            }
        }
        // LinearMechanism entries on node diagonals join the node's d
        // before the axial terms (nrndae_lhs, then back into actual_d).
        for lm in self.linmods.iter().flatten() {
            for (nz, m, f) in [(&lm.c_nz, &lm.c, cj), (&lm.g_nz, &lm.g, 1.0)] {
                for &(i, j, _, nd) in nz {
                    if nd != NONE {
                        self.tree.d[nd as usize] += f * m[i as usize * lm.size + j as usize];
                    }
                }
            }
        }
    }

    /// Writes the matrix (after the axial terms), factors and solves it;
    /// the tree's rhs then holds Δvi, the layers' rhs Δvext.
    pub(crate) fn solve_nontree(&mut self, cj: f64) {
        self.fill_nontree_matrix(cj);
        let Some(eqs) = self.eqs.as_mut() else { return };
        let nl = self.ext.nlayer;
        for i in 0..self.tree.len() {
            eqs.rhs[eqs.row[i] as usize] += self.tree.rhs[i];
        }
        for k in 0..self.ext.nodes.len() {
            let r = eqs.row[self.ext.nodes[k] as usize] as usize;
            for l in 0..nl {
                eqs.rhs[r + 1 + l] += self.ext.rhs[k * nl + l];
            }
        }
        if let Err(e) = eqs.lu.solve(&mut eqs.rhs) {
            self.error.get_or_insert(e);
        }
        let tr = &mut self.tree;
        for i in 0..tr.len() {
            tr.rhs[i] = eqs.rhs[eqs.row[i] as usize];
        }
        let ext = &mut self.ext;
        for k in 0..ext.nodes.len() {
            let r = eqs.row[ext.nodes[k] as usize] as usize;
            for l in 0..nl {
                ext.rhs[k * nl + l] = eqs.rhs[r + 1 + l];
            }
        }
    }

    /// The matrix from the node, layer and LinearMechanism coefficients (after
    /// the axial terms), for a right-hand side the caller gives.
    pub(crate) fn fill_nontree_matrix(&mut self, cj: f64) {
        let Some(eqs) = self.eqs.as_mut() else { return };
        let nl = self.ext.nlayer;
        let tr = &self.tree;
        let vals = &mut eqs.lu.vals;
        vals.iter_mut().for_each(|x| *x = 0.0);
        for i in 0..tr.len() {
            vals[eqs.d_slot[i] as usize] = tr.d[i];
        }
        let ext = &self.ext;
        for k in 0..ext.nodes.len() {
            for l in 0..nl {
                let e = k * nl + l;
                vals[eqs.ext_d[e] as usize] = ext.d[e];
                vals[eqs.ext_x12[e] as usize] = ext.x12[e];
                vals[eqs.ext_x21[e] as usize] = ext.x21[e];
            }
        }
        for k in 0..ext.nodes.len() {
            for l in 0..nl {
                let e = k * nl + l;
                if eqs.ext_a[e] != NONE {
                    vals[eqs.ext_a[e] as usize] += ext.a[e];
                    vals[eqs.ext_b[e] as usize] += ext.b[e];
                }
            }
        }
        for lm in self.linmods.iter().flatten() {
            for (nz, m, f) in [(&lm.c_nz, &lm.c, cj), (&lm.g_nz, &lm.g, 1.0)] {
                for &(i, j, s, nd) in nz {
                    if nd == NONE {
                        vals[s as usize] += f * m[i as usize * lm.size + j as usize];
                    }
                }
            }
        }
        for i in tr.nroot..tr.len() {
            vals[eqs.a_slot[i] as usize] += tr.a[i];
            vals[eqs.b_slot[i] as usize] += tr.b[i];
        }
    }

    /// After the voltages took Δvi: the LinearMechanisms' y take their
    /// change, the layers theirs, v becomes vi − vext[0] again, and
    /// `i_membrane` is computed (nrndae_update, nrn_update_2d).
    pub(crate) fn update_nontree(&mut self) {
        let Some(eqs) = self.eqs.as_ref() else { return };
        for lm in self.linmods.iter_mut().flatten() {
            for i in 0..lm.size {
                if let Some(r) = lm.rows[i] {
                    lm.y[i] += eqs.rhs[r as usize];
                }
            }
        }
        let nl = self.ext.nlayer;
        let ext = &mut self.ext;
        let tr = &mut self.tree;
        for k in 0..ext.nodes.len() {
            let nd = ext.nodes[k] as usize;
            for l in 0..nl {
                ext.vext[k * nl + l] += ext.rhs[k * nl + l];
            }
            tr.v[nd] -= ext.rhs[k * nl];
        }
        if let Some(m) = self.ext_mech {
            let col = ecell::i_membrane(nl);
            for k in 0..ext.nodes.len() {
                let nd = ext.nodes[k] as usize;
                tr.rhs[nd] -= ext.rhs[k * nl];
                let im = ext.sav_g[k] * tr.rhs[nd] + ext.sav_rhs[k];
                if ext.inst[k] != NONE {
                    self.data[m].cols[col][ext.inst[k] as usize] = im;
                }
            }
        }
    }

    /// The internal potentials electrode mechanisms see (v + vext[0]).
    pub(crate) fn refresh_vi(&mut self) {
        if self.ext.is_empty() {
            return;
        }
        let nl = self.ext.nlayer;
        let tr = &mut self.tree;
        tr.vi.copy_from_slice(&tr.v);
        for (k, &nd) in self.ext.nodes.iter().enumerate() {
            tr.vi[nd as usize] = tr.v[nd as usize] + self.ext.vext[k * nl];
        }
    }
}

/// Adds f to equation row r: a node's row is the tree's rhs, any other
/// row the system's own.
fn add_to_row(eqs: &mut Equations, tree_rhs: &mut [f64], r: u32, f: f64) {
    match eqs.row.binary_search(&r) {
        Ok(nd) => tree_rhs[nd] += f,
        Err(_) => eqs.rhs[r as usize] += f,
    }
}

/// `Model::node_at` over borrowed parts (for use while other fields are borrowed).
fn node_at(sections: &[Option<crate::Section>], sec_nodes: &[Vec<u32>], sec_parent_node: &[u32], id: usize, x: f64) -> u32 {
    let s = sections[id].as_ref().expect("live section");
    let nx = s.node_x(x);
    if nx <= 0.0 {
        return sec_parent_node[id];
    }
    if nx >= 1.0 {
        return sec_nodes[id][s.nseg];
    }
    sec_nodes[id][s.seg_index(x)]
}
