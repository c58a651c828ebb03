//! The variable step when extracellular layers or LinearMechanisms make
//! the cable's equations implicit. NEURON switches `cvode.active(1)` to its
//! DAE solver (IDA, `Cvode::res`/`psol` in nrndaspk.cpp) for such models;
//! here the same BDF integrator runs in its implicit form M y' = f(y)
//! ([`crate::bdf`]) on the same unknowns and matrices:
//!
//! - y is the sparse system's rows — the internal potential vi = v + vext[0]
//!   of each node, each layer's vext, the LinearMechanisms' own states —
//!   followed by the mechanisms' states;
//! - f is what the fixed step's set-up puts on the right-hand side (membrane
//!   and electrode currents, the layers' and LinearMechanisms' terms, axial
//!   currents), and the states' derivatives;
//! - M holds the capacitances: 1e-3·cm·(vi' − vext[0]') into the node's row
//!   and out of its first layer's, 1e-3·xc between layers and to ground,
//!   the LinearMechanisms' c; identity for the states. Rows without any
//!   (nodes without membrane, layers without xc) are algebraic;
//! - the Newton matrix M − γJ is the fixed step's matrix with 1/dt = 1/γ
//!   (conductances of the latest evaluation), each state's own term beside;
//! - a restart begins, as NEURON's does, with two backward-Euler steps of
//!   1e-9 ms that bring the algebraic rows to consistency, and a third whose
//!   change over 1e-9 ms gives y'.

use crate::cvode::{Layout, System};
use crate::extracellular::{self as ecell, NONE};
use crate::model::{view, Model};

/// NEURON's `Daspk::dteps_`: the backward-Euler steps of the consistent start (ms).
const DTEPS: f64 = 1e-9;

impl System<'_> {
    /// The model set from y: v = vi − vext[0], the layers, the
    /// LinearMechanisms' own states, the mechanisms' states.
    pub(crate) fn dae_scatter(&mut self, y: &[f64]) {
        let m = &mut *self.m;
        let Some(eqs) = m.eqs.as_ref() else { return };
        let nl = m.ext.nlayer;
        for i in 0..m.tree.len() {
            m.tree.v[i] = y[eqs.row[i] as usize];
        }
        for (k, &nd) in m.ext.nodes.iter().enumerate() {
            let r = eqs.row[nd as usize] as usize;
            for l in 0..nl {
                m.ext.vext[k * nl + l] = y[r + 1 + l];
            }
            m.tree.v[nd as usize] -= m.ext.vext[k * nl];
        }
        for lm in m.linmods.iter_mut().flatten() {
            for i in lm.nodes.len()..lm.size {
                if let Some(r) = lm.rows[i] {
                    lm.y[i] = y[r as usize];
                }
            }
        }
        for &(mi, off, len, _, _) in &self.lay.mechs {
            m.mechs[mi].ode_scatter(&mut m.data[mi], &mut m.ions, &y[off..off + len]);
        }
        m.ode_synonyms(self.lay);
    }

    /// f(y): the right-hand side of every row (Cvode::res before the
    /// capacitive terms) and the states' derivatives.
    pub(crate) fn dae_rhs(&mut self, y: &[f64], ydot: &mut [f64]) {
        self.dae_scatter(y);
        let m = &mut *self.m;
        m.do_transfer();
        m.membrane_currents();
        let n = m.tree.len();
        self.dsave[..n].copy_from_slice(&m.tree.d);
        if !m.tree.ext_d.is_empty() {
            self.dsave[n..2 * n].copy_from_slice(&m.tree.ext_d);
        }
        m.nontree_rhs();
        m.tree.axial();
        let Some(eqs) = m.eqs.as_ref() else { return };
        let neq = self.lay.neq;
        ydot[..neq].copy_from_slice(&eqs.rhs);
        for i in 0..n {
            ydot[eqs.row[i] as usize] = m.tree.rhs[i];
        }
        let nl = m.ext.nlayer;
        for (k, &nd) in m.ext.nodes.iter().enumerate() {
            let r = eqs.row[nd as usize] as usize;
            for l in 0..nl {
                ydot[r + 1 + l] += m.ext.rhs[k * nl + l];
            }
        }
        for &(mi, off, len, joff, jlen) in &self.lay.mechs {
            let mut nodes = view(&mut m.tree, &mut m.ions, &mut m.out, m.t, m.dt, m.celsius, m.fast_imem);
            crate::pointer::pull(&mut m.data, mi, &m.ptr_cells, m.t);
            m.mechs[mi].ode_spec(&mut m.data[mi], &mut nodes, &mut ydot[off..off + len], &mut self.jac[joff..joff + jlen]);
        }
        m.ode_diffusion(self.lay, ydot, false);
    }

    /// out = M x.
    pub(crate) fn dae_mass(&mut self, x: &[f64], out: &mut [f64]) {
        let m = &*self.m;
        let Some(eqs) = m.eqs.as_ref() else { return };
        let neq = self.lay.neq;
        out[..neq].iter_mut().for_each(|v| *v = 0.0);
        let tr = &m.tree;
        for i in 0..tr.len() {
            if !tr.has_cap[i] {
                continue;
            }
            let r = eqs.row[i] as usize;
            if m.ext.of_node[i] != NONE {
                let c = 1e-3 * tr.cm[i] * (x[r] - x[r + 1]);
                out[r] += c;
                out[r + 1] -= c;
            } else {
                out[r] += 1e-3 * tr.cm[i] * x[r];
            }
        }
        if let Some(em) = m.ext_mech {
            let nl = m.ext.nlayer;
            let cols = &m.data[em].cols;
            for (k, &nd) in m.ext.nodes.iter().enumerate() {
                let i = m.ext.inst[k];
                if i == NONE {
                    continue;
                }
                let i = i as usize;
                let j = eqs.row[nd as usize] as usize + 1;
                out[j + nl - 1] += 1e-3 * cols[ecell::xc(nl, nl - 1)][i] * x[j + nl - 1];
                for l in (0..nl - 1).rev() {
                    let c = 1e-3 * cols[ecell::xc(nl, l)][i] * (x[j + l] - x[j + l + 1]);
                    out[j + l] += c;
                    out[j + l + 1] -= c;
                }
            }
        }
        for lm in m.linmods.iter().flatten() {
            for &(i, j, _, _) in &lm.c_nz {
                if let (Some(ri), Some(rj)) = (lm.rows[i as usize], lm.rows[j as usize]) {
                    out[ri as usize] += lm.c[i as usize * lm.size + j as usize] * x[rj as usize];
                }
            }
        }
        out[neq..].copy_from_slice(&x[neq..]);
    }

    /// Solves (M − γJ) x = b: the rows by the fixed step's matrix with
    /// 1/dt = 1/γ, the states by their own terms.
    pub(crate) fn dae_solve(&mut self, gamma: f64, b: &mut [f64]) {
        let cj = 1.0 / gamma;
        let m = &mut *self.m;
        let n = m.tree.len();
        m.tree.d.copy_from_slice(&self.dsave[..n]);
        if !m.tree.ext_d.is_empty() {
            m.tree.ext_d.copy_from_slice(&self.dsave[n..2 * n]);
        }
        let cfac = 0.001 * cj;
        for i in 0..n {
            m.tree.d[i] += cfac * m.tree.cm[i];
        }
        m.nontree_lhs(cj);
        m.tree.axial_d();
        m.fill_nontree_matrix(cj);
        let neq = self.lay.neq;
        for x in b[..neq].iter_mut() {
            *x *= cj;
        }
        if let Some(eqs) = m.eqs.as_mut() {
            if let Err(e) = eqs.lu.solve(&mut b[..neq]) {
                m.error.get_or_insert(e);
            }
        }
        for &(mi, off, len, joff, jlen) in &self.lay.mechs {
            let mut nodes = view(&mut m.tree, &mut m.ions, &mut m.out, m.t, m.dt, m.celsius, m.fast_imem);
            m.mechs[mi].ode_matsol(&mut m.data[mi], &mut nodes, gamma, &mut b[off..off + len], &self.jac[joff..joff + jlen]);
        }
        m.ode_diffusion(self.lay, b, true);
    }
}

impl Model {
    /// The rows' values from the model (vi = v + vext[0], the layers, the
    /// LinearMechanisms' own states).
    pub(crate) fn dae_gather(&self, y: &mut [f64]) {
        let Some(eqs) = self.eqs.as_ref() else { return };
        let nl = self.ext.nlayer;
        for i in 0..self.tree.len() {
            y[eqs.row[i] as usize] = self.tree.v[i];
        }
        for (k, &nd) in self.ext.nodes.iter().enumerate() {
            let r = eqs.row[nd as usize] as usize;
            y[r] += self.ext.vext[k * nl];
            for l in 0..nl {
                y[r + 1 + l] = self.ext.vext[k * nl + l];
            }
        }
        for lm in self.linmods.iter().flatten() {
            for i in lm.nodes.len()..lm.size {
                if let Some(r) = lm.rows[i] {
                    y[r as usize] = lm.y[i];
                }
            }
        }
    }

    /// NEURON's daspk start: two backward-Euler steps of DTEPS from the
    /// present state (no state updates) give y; a third, not applied, gives
    /// the rows' y' as its change over DTEPS.
    pub(crate) fn dae_consistent(&mut self, lay: &Layout, y: &mut [f64], ydot: &mut [f64]) {
        let (t0, dt, so) = (self.t, self.dt, self.secondorder);
        self.dt = DTEPS;
        self.secondorder = 0;
        for _ in 0..2 {
            self.setup_matrix();
            self.solve_nontree(1.0 / DTEPS);
            for i in 0..self.tree.len() {
                self.tree.v[i] += self.tree.rhs[i];
            }
            self.update_nontree();
        }
        self.dae_gather(y);
        self.t = t0 + DTEPS;
        self.setup_matrix();
        self.solve_nontree(1.0 / DTEPS);
        if let Some(eqs) = self.eqs.as_ref() {
            for (d, &x) in ydot[..lay.neq].iter_mut().zip(&eqs.rhs) {
                *d = x / DTEPS;
            }
        }
        self.t = t0;
        self.dt = dt;
        self.secondorder = so;
    }

    /// After an implicit step: i_membrane_ (nA) and the layers'
    /// i_membrane (mA/cm²) as ionic plus capacitive current, the latter from
    /// the integrator's y' (Cvode::res).
    pub(crate) fn dae_membrane_current(&mut self, ydot: &[f64]) {
        let Some(eqs) = self.eqs.as_ref() else { return };
        let nl = self.ext.nlayer;
        let tr = &mut self.tree;
        for i in 0..tr.len() {
            let r = eqs.row[i] as usize;
            let k = self.ext.of_node[i];
            let cdvm = if !tr.has_cap[i] {
                0.0
            } else if k != NONE {
                1e-3 * tr.cm[i] * (ydot[r] - ydot[r + 1])
            } else {
                1e-3 * tr.cm[i] * ydot[r]
            };
            if self.fast_imem {
                tr.imem[i] = (tr.sav_rhs[i] + cdvm) * tr.area[i] * 0.01;
            }
            if k != NONE {
                let k = k as usize;
                if let (Some(m), true) = (self.ext_mech, self.ext.inst[k] != NONE) {
                    // sav_rhs of the layers is the ionic current here.
                    self.data[m].cols[ecell::i_membrane(nl)][self.ext.inst[k] as usize] = self.ext.sav_rhs[k] + cdvm;
                }
            }
        }
    }
}
