//! LinearMechanism (NEURON's linmod.cpp, nrndae.cpp): equations
//! c·dy/dt + g·y = b laid over the current-balance equations. The first
//! entries of y are potentials of given nodes — the internal potential
//! v + vext[0] (layer 0) or an extracellular layer's vext (layer k ≥ 1) —
//! and their rows add to those nodes' equations; the remaining entries are
//! new states with equations of their own. c and g are read entry by entry
//! where they were non-zero when the model was laid out.

use crate::section::SecId;

/// One LinearMechanism as the user gave it, and its place in the equations.
#[derive(Clone, Debug)]
pub struct LinearMechanism {
    /// Number of equations (the size of y, b and the square c and g).
    pub size: usize,
    /// c and g, row-major `size × size`.
    pub c: Vec<f64>,
    pub g: Vec<f64>,
    pub b: Vec<f64>,
    /// The unknowns: potentials of the nodes (kept up to date each step),
    /// then the states of the extra equations.
    pub y: Vec<f64>,
    /// Start values of the extra states (else 0).
    pub y0: Option<Vec<f64>>,
    /// The nodes of the first y entries: section, position and layer
    /// (0: internal potential; k: vext[k - 1]).
    pub nodes: Vec<(SecId, f64, usize)>,
    /// Equation row of each y entry (None: a layer the node does not have,
    /// taken as ground), set at layout.
    pub(crate) rows: Vec<Option<u32>>,
    /// Non-zero entries of c and g as (i, j, matrix slot, node whose
    /// diagonal it is or NONE).
    pub(crate) c_nz: Vec<(u32, u32, u32, u32)>,
    pub(crate) g_nz: Vec<(u32, u32, u32, u32)>,
    /// Scratch for g·y.
    pub(crate) work: Vec<f64>,
}

impl LinearMechanism {
    /// Checks the shapes NEURON requires.
    pub fn new(size: usize, c: Vec<f64>, g: Vec<f64>, y: Vec<f64>, y0: Option<Vec<f64>>, b: Vec<f64>, nodes: Vec<(SecId, f64, usize)>) -> Result<Self, String> {
        if c.len() != size * size || g.len() != size * size {
            return Err("LinearMechanism: c and g must be square matrices of the size of y".into());
        }
        if b.len() != size || y.len() != size {
            return Err("LinearMechanism: y and b must have the size of c and g".into());
        }
        if y0.as_ref().is_some_and(|v| v.len() != size) {
            return Err("LinearMechanism: y0 must have the size of y".into());
        }
        if nodes.len() > size {
            return Err("LinearMechanism: more nodes than equations".into());
        }
        Ok(LinearMechanism { size, c, g, b, y, y0, nodes, rows: Vec::new(), c_nz: Vec::new(), g_nz: Vec::new(), work: vec![0.0; size] })
    }

    /// Number of equations beyond those of the nodes.
    pub fn extra(&self) -> usize {
        self.size - self.nodes.len()
    }

    /// (i, j) of the entries of a matrix that are non-zero.
    pub(crate) fn nonzeros(m: &[f64], size: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..size * size).filter(move |&k| m[k] != 0.0).map(move |k| (k / size, k % size))
    }
}

impl crate::model::Model {
    /// Adds a LinearMechanism; returns its index.
    pub fn add_linmod(&mut self, lm: LinearMechanism) -> usize {
        self.linmods.push(Some(lm));
        self.mark_structure();
        self.linmods.len() - 1
    }

    /// Removes a LinearMechanism (its HOC object went away).
    pub fn remove_linmod(&mut self, k: usize) {
        if let Some(slot) = self.linmods.get_mut(k) {
            if slot.take().is_some() {
                self.mark_structure();
            }
        }
    }
}
