//! Gap junctions by value transfer (NEURON's partrans.cpp, behind
//! ParallelContext's `source_var`, `target_var` and `setup_transfer`):
//! each source variable, named by an integer id, is copied to every target
//! variable with that id before the values are used — at finitialize once
//! v is set, in each fixed step after the voltage update (so the states
//! and the next step's currents see the new values), and in the variable
//! step before each current evaluation. A voltage source at a node with
//! extracellular layers gives its internal potential v + vext[0].

use crate::model::{Model, Var};

/// The sources and targets as registered, and their resolved form.
#[derive(Default, Debug)]
pub struct Transfer {
    sources: Vec<(u64, Var)>,
    targets: Vec<(u64, Var)>,
    /// Target index → source index, valid after `setup_transfer`.
    links: Vec<usize>,
    /// Whether `setup_transfer` has run since the last change.
    ready: bool,
}

impl Transfer {
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty() && self.targets.is_empty()
    }
}

impl Model {
    /// `source_var(&v(x), sgid)`: the variable's value goes to the targets
    /// with id `sgid`.
    pub fn transfer_source(&mut self, sgid: u64, var: Var) -> Result<(), String> {
        if self.transfer.sources.iter().any(|&(s, _)| s == sgid) {
            return Err(format!("source var sgid {sgid} already in use."));
        }
        self.transfer.sources.push((sgid, var));
        self.transfer.ready = false;
        Ok(())
    }

    /// `target_var([pp,] &var, sgid)`: the variable takes the value of
    /// source `sgid` (a point process's or a density mechanism's variable).
    pub fn transfer_target(&mut self, sgid: u64, var: Var) -> Result<(), String> {
        if !matches!(var, Var::Mech { .. } | Var::Range { .. }) {
            return Err("target_var: the target must be a variable of a mechanism".into());
        }
        self.transfer.targets.push((sgid, var));
        self.transfer.ready = false;
        Ok(())
    }

    /// `setup_transfer()`: every target must have a source.
    pub fn setup_transfer(&mut self) -> Result<(), String> {
        let mut links = Vec::with_capacity(self.transfer.targets.len());
        for &(sgid, _) in &self.transfer.targets {
            match self.transfer.sources.iter().position(|&(s, _)| s == sgid) {
                Some(k) => links.push(k),
                None => return Err(format!("No source_var for target_var sid = {sgid}\n")),
            }
        }
        self.transfer.links = links;
        self.transfer.ready = true;
        Ok(())
    }

    /// Drops every source and target (`ParallelContext.gid_clear()`).
    pub fn clear_transfer(&mut self) {
        self.transfer = Transfer::default();
    }

    /// Copies each source's value to its targets.
    pub(crate) fn do_transfer(&mut self) {
        if self.transfer.targets.is_empty() {
            return;
        }
        if !self.transfer.ready {
            self.error.get_or_insert_with(|| "ParallelContext.setup_transfer() needs to be called.".into());
            return;
        }
        for t in 0..self.transfer.targets.len() {
            let (_, src) = self.transfer.sources[self.transfer.links[t]];
            let value = match src {
                Var::V { sec, x } if self.exists(sec) => {
                    let nd = self.node_at(sec, x) as usize;
                    let e = self.ext.of_node.get(nd).copied().unwrap_or(crate::extracellular::NONE);
                    if e == crate::extracellular::NONE {
                        self.tree.v[nd]
                    } else {
                        self.tree.v[nd] + self.ext.vext[e as usize * self.ext.nlayer]
                    }
                }
                ref v => self.read_var(v).unwrap_or(0.0),
            };
            let (_, dst) = self.transfer.targets[t];
            self.write_var(&dst, value);
        }
    }
}
