//! POINTERs to variables outside the node arrays: another mechanism's
//! variable or GLOBAL, t, or a cell the program's language keeps for one of
//! its own variables. Their values are brought into the pointing
//! mechanism's `MechData::ptr_val` right before it runs and, when it assigns
//! the POINTER, taken back right after, so that mechanisms running one after
//! another see each other's values as NEURON's do through C pointers.

use crate::mechanism::MechData;

/// A resolved POINTER target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PtrTarget {
    /// Column `var` of instance `inst` of mechanism `mech`.
    Col { mech: usize, var: usize, inst: u32 },
    /// GLOBAL `var` of mechanism `mech`.
    Global { mech: usize, var: usize },
    /// `Model::ptr_cells[k]`.
    Cell(usize),
    T,
}

/// POINTER `k` of instance `inst` reads `target`; `write`: the mechanism
/// assigns it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PtrLink {
    pub k: usize,
    pub inst: u32,
    pub target: PtrTarget,
    pub write: bool,
}

/// Before mechanism `m` runs: its POINTERs' values from their targets.
pub fn pull(data: &mut [MechData], m: usize, cells: &[f64], t: f64) {
    if data[m].ptr_ext.is_empty() {
        return;
    }
    let links = std::mem::take(&mut data[m].ptr_ext);
    for l in &links {
        let x = match l.target {
            PtrTarget::Col { mech, var, inst } => data[mech].cols[var][inst as usize],
            PtrTarget::Global { mech, var } => data[mech].globals[var],
            PtrTarget::Cell(c) => cells[c],
            PtrTarget::T => t,
        };
        data[m].ptr_val[l.k][l.inst as usize] = x;
    }
    data[m].ptr_ext = links;
}

/// After mechanism `m` ran: the values it assigned to its POINTERs, to their targets.
pub fn push(data: &mut [MechData], m: usize, cells: &mut [f64]) {
    if data[m].ptr_ext.is_empty() {
        return;
    }
    let links = std::mem::take(&mut data[m].ptr_ext);
    for l in links.iter().filter(|l| l.write) {
        let x = data[m].ptr_val[l.k][l.inst as usize];
        match l.target {
            PtrTarget::Col { mech, var, inst } => data[mech].cols[var][inst as usize] = x,
            PtrTarget::Global { mech, var } => data[mech].globals[var] = x,
            PtrTarget::Cell(c) => cells[c] = x,
            PtrTarget::T => {}
        }
    }
    data[m].ptr_ext = links;
}
