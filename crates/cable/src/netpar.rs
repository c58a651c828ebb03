//! Networks across processes and threads, as NEURON's ParallelContext keeps
//! them (netpar.cpp, multicore.cpp): global cell identifiers (gids), the
//! minimum-delay interval, and how cells are split among threads.
//!
//! A gid is an *output port* of this process once `set_gid2node` names it
//! here, and has a spike source once `cell` ties it to a NetCon's source
//! (that NetCon is kept as the port's anchor, as NEURON keeps the PreSyn of
//! a gid alive). A NetCon connected to a gid that is not here gets
//! `Source::Gid`: an *input port*, standing for a source on another process.
//! In one process an input port never fires. Under MPI the spikes of output
//! ports are exchanged every minimum-delay interval (an allgather) and
//! delivered through the NetCons of the input ports that want them; with
//! threads the interval is where the threads meet. [`NetPar`] holds what
//! both need: the ports, the interval and the partition.

use std::collections::{HashMap, HashSet};

use crate::events::{NetCon, Source, Target};
use crate::model::Model;
use crate::section::SecId;

/// Bad use of gids and intervals, with NEURON's messages.
#[derive(Clone, Debug, PartialEq)]
pub enum NetParError {
    /// `set_gid2node` of a gid that NetCons already use as an input port.
    AlreadyInput(i32),
    /// `set_gid2node` twice.
    AlreadyOutput(i32),
    /// `cell` of a gid that NetCons use as an input port.
    CellOfInput(i32),
    /// `cell` of a gid never given to `set_gid2node` on this rank.
    NotSet { gid: i32, rank: usize },
    /// `cell` with a source that already has another gid.
    OtherGid { gid: i32, other: i32 },
    /// `gid_connect` to a gid of this process that has no cell yet.
    NoCell { gid: i32, rank: usize },
    /// `threshold` of a gid without a spike source.
    NotSpikeSource,
    /// A gid that is not an output port of this process (NEURON asserts).
    Missing(i32),
    /// `psolve` with an interval shorter than the step.
    MindelayZero,
    /// `finitialize` with threads and an interval shorter than the step.
    UsableMindelayZero,
    /// `partition` naming a section that is not a root, or twice, or not all cells.
    Partition(String),
}

impl std::fmt::Display for NetParError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetParError::AlreadyInput(g) => write!(
                f,
                "gid={g} already exists as an input port. Setup all the output ports on this process before using them as input ports."
            ),
            NetParError::AlreadyOutput(g) => write!(f, "gid={g} already exists on this process as an output port"),
            NetParError::CellOfInput(g) => write!(f, "gid={g} is in the input list. Must register with pc.set_gid2node prior to connecting"),
            NetParError::NotSet { gid, rank } => write!(f, "gid={gid} has not been set on rank {rank}"),
            NetParError::OtherGid { gid, other } => write!(f, "Can't associate gid {gid}. PreSyn already associated with gid {other}."),
            NetParError::NoCell { gid, rank } => write!(f, "gid {gid} owned by {rank} but no associated cell"),
            NetParError::NotSpikeSource => write!(f, "gid not associated with spike generation location"),
            NetParError::Missing(g) => write!(f, "gid={g} is not an output port of this process"),
            NetParError::MindelayZero => write!(f, "mindelay is 0 (or less than dt for fixed step method)"),
            NetParError::UsableMindelayZero => write!(f, "usable mindelay is 0 (or less than dt for fixed step method)"),
            NetParError::Partition(m) => write!(f, "{m}"),
        }
    }
}

/// An output port: a gid whose cell lives on this process.
#[derive(Clone, Copy, Debug)]
struct OutPort {
    /// The NetCon whose source is the cell's spike source (None until `cell`).
    anchor: Option<u32>,
    /// Its spikes go to other processes (NEURON's output_index_ >= 0).
    output: bool,
}

/// What makes NetCons share a source, as NEURON's PreSyn: one point
/// process, the voltage of one node, or one gid on another process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceKey {
    Point(u32, u32),
    Node(SecId, i64),
    Gid(i32),
}

/// The source of NetCon `nc` (None for a NetCon without one, or freed).
pub fn source_key(model: &Model, nc: usize) -> Option<SourceKey> {
    match &model.netcons.get(nc)?.as_ref()?.source {
        Source::Point { mech, inst } => Some(SourceKey::Point(*mech, *inst)),
        Source::Gid(g) => Some(SourceKey::Gid(*g)),
        &Source::Voltage { sec, x } if model.exists(sec) => {
            let s = model.sec(sec);
            let node = if x <= 0.0 {
                -1
            } else if x >= 1.0 {
                s.nseg as i64
            } else {
                s.seg_index(x) as i64
            };
            Some(SourceKey::Node(sec, node))
        }
        _ => None,
    }
}

/// How `psolve` steps a fixed-step run to tstop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FixedSteps {
    /// Exactly this many steps.
    Count(usize),
    /// Step while t <= this time (NEURON's loop for three steps or fewer).
    While(f64),
}

/// Gids, the exchange interval and the thread partition of one process.
#[derive(Debug)]
pub struct NetPar {
    /// This process's rank and the number of processes.
    pub rank: usize,
    pub nhost: usize,
    out: HashMap<i32, OutPort>,
    /// Anchor NetCons of the output ports (kept when their objects go).
    anchors: HashSet<u32>,
    /// Gids NetCons were connected to as input ports (some may have no NetCon left).
    inputs: HashSet<i32>,
    /// The exchange interval (NEURON's mindelay_): 0 until `set_maxstep`.
    pub mindelay: f64,
    /// The argument of the last `set_maxstep` (0: none yet).
    pub maxstep_arg: f64,
    /// Threads the cells are divided among.
    pub nthread: usize,
    /// Root sections each thread was given by `partition` (None: NEURON's default).
    partitions: Vec<Option<Vec<SecId>>>,
}

impl Default for NetPar {
    fn default() -> Self {
        NetPar {
            rank: 0,
            nhost: 1,
            out: HashMap::new(),
            anchors: HashSet::new(),
            inputs: HashSet::new(),
            mindelay: 0.0,
            maxstep_arg: 0.0,
            nthread: 1,
            partitions: vec![None],
        }
    }
}

impl NetPar {
    // ------------------------------------------------------------ gids

    /// `set_gid2node(gid, node)`: the gid's cell will live on `node`.
    pub fn set_gid2node(&mut self, model: &Model, gid: i32, node: usize) -> Result<(), NetParError> {
        if node != self.rank {
            return Ok(());
        }
        if self.is_input(model, gid) {
            return Err(NetParError::AlreadyInput(gid));
        }
        if self.out.contains_key(&gid) {
            return Err(NetParError::AlreadyOutput(gid));
        }
        self.out.insert(gid, OutPort { anchor: None, output: false });
        Ok(())
    }

    /// `gid_exists(gid)`: 0 not here, 1 set here without a cell, 2 with a
    /// cell whose spikes stay here, 3 with a cell whose spikes go out.
    pub fn exists(&self, gid: i32) -> i32 {
        match self.out.get(&gid) {
            None => 0,
            Some(OutPort { anchor: None, .. }) => 1,
            Some(OutPort { output: false, .. }) => 2,
            Some(_) => 3,
        }
    }

    /// `cell(gid, netcon[, output])`: the NetCon's source becomes the gid's
    /// spike source.
    pub fn cell(&mut self, model: &Model, gid: i32, nc: usize, output: bool) -> Result<(), NetParError> {
        if self.is_input(model, gid) {
            return Err(NetParError::CellOfInput(gid));
        }
        if !self.out.contains_key(&gid) {
            return Err(NetParError::NotSet { gid, rank: self.rank });
        }
        if let Some(other) = self.gid_of_source(model, nc).filter(|&g| g != gid) {
            return Err(NetParError::OtherGid { gid, other });
        }
        let port = self.out.get_mut(&gid).unwrap();
        port.anchor = Some(nc as u32);
        port.output = output;
        self.anchors.insert(nc as u32);
        Ok(())
    }

    /// `outputcell(gid)`: the gid's spikes go to other processes.
    pub fn outputcell(&mut self, gid: i32) -> Result<(), NetParError> {
        match self.out.get_mut(&gid) {
            Some(p) if p.anchor.is_some() => {
                p.output = true;
                Ok(())
            }
            _ => Err(NetParError::Missing(gid)),
        }
    }

    /// The NetCon that anchors a gid's spike source.
    pub fn anchor(&self, gid: i32) -> Result<usize, NetParError> {
        match self.out.get(&gid) {
            Some(OutPort { anchor: Some(nc), .. }) => Ok(*nc as usize),
            _ => Err(NetParError::Missing(gid)),
        }
    }

    /// Whether NetCon `nc` anchors a gid (its source outlives its object).
    pub fn is_anchor(&self, nc: usize) -> bool {
        self.anchors.contains(&(nc as u32))
    }

    /// Output gids with a spike source whose spikes go out, in gid order.
    pub fn output_gids(&self) -> Vec<i32> {
        self.output_anchors().into_iter().map(|(_, g)| g).collect()
    }

    /// (anchor NetCon, gid) of the output gids whose spikes go out.
    pub fn output_anchors(&self) -> Vec<(u32, i32)> {
        let mut v: Vec<(u32, i32)> = self.out.iter().filter(|(_, p)| p.output).filter_map(|(&g, p)| Some((p.anchor?, g))).collect();
        v.sort_unstable_by_key(|&(_, g)| g);
        v
    }

    /// `threshold(gid[, th])`: the threshold of a gid's spike source.
    pub fn threshold(&self, model: &mut Model, gid: i32, set: Option<f64>) -> Result<f64, NetParError> {
        let nc = match self.out.get(&gid) {
            Some(OutPort { anchor: Some(nc), .. }) => *nc as usize,
            _ => return Err(NetParError::NotSpikeSource),
        };
        if let Some(th) = set {
            model.set_threshold(nc, th);
        }
        Ok(model.source_threshold(nc).unwrap_or(10.0))
    }

    /// The source a NetCon from `gid` gets: the cell's own source if the gid
    /// is here, else an input port.
    pub fn source_of(&mut self, model: &Model, gid: i32) -> Result<Source, NetParError> {
        match self.out.get(&gid) {
            Some(OutPort { anchor: Some(nc), .. }) => Ok(model.netcons[*nc as usize].as_ref().map_or(Source::None, |n| n.source.clone())),
            Some(OutPort { anchor: None, .. }) => Err(NetParError::NoCell { gid, rank: self.rank }),
            None => {
                self.inputs.insert(gid);
                Ok(Source::Gid(gid))
            }
        }
    }

    /// `gid_connect(gid, target)`: a new NetCon from the gid to a point
    /// process (delay 1, weights 0, the source's threshold).
    pub fn connect(&mut self, model: &mut Model, gid: i32, target: Target, nweights: usize) -> Result<usize, NetParError> {
        let source = self.source_of(model, gid)?;
        model.netcons.push(Some(NetCon::new(source, target, nweights)));
        model.netcon_edits += 1;
        Ok(model.netcons.len() - 1)
    }

    /// The gid whose spikes NetCon `nc` carries (NetCon.srcgid), or -1.
    pub fn gid_of(&self, model: &Model, nc: usize) -> i32 {
        match model.netcons.get(nc) {
            Some(Some(NetCon { source: Source::Gid(g), .. })) => *g,
            Some(Some(_)) => self.gid_of_source(model, nc).unwrap_or(-1),
            _ => -1,
        }
    }

    fn gid_of_source(&self, model: &Model, nc: usize) -> Option<i32> {
        let key = source_key(model, nc);
        let same = |a: u32| a as usize == nc || (key.is_some() && source_key(model, a as usize) == key);
        self.out.iter().filter(|(_, p)| p.anchor.is_some_and(same)).map(|(&g, _)| g).min()
    }

    /// Whether a live NetCon is connected to `gid` as an input port.
    fn is_input(&self, model: &Model, gid: i32) -> bool {
        self.inputs.contains(&gid) && model.netcons.iter().flatten().any(|n| n.source == Source::Gid(gid))
    }

    /// `gid_clear()`: forgets every gid; NetCons of input ports lose their source.
    pub fn clear(&mut self, model: &mut Model) {
        for n in model.netcons.iter_mut().flatten() {
            if matches!(n.source, Source::Gid(_)) {
                n.source = Source::None;
            }
        }
        model.netcon_edits += 1;
        self.out.clear();
        self.anchors.clear();
        self.inputs.clear();
    }

    // ------------------------------------------------------------ the interval

    /// `set_maxstep(max)`: the exchange interval becomes the smallest NetCon
    /// delay that spans processes (every NetCon delay with threads), at most
    /// `max`; returns it.
    pub fn set_maxstep(&mut self, model: &Model, max: f64) -> f64 {
        self.maxstep_arg = max;
        let all = self.nthread > 1;
        let mut md = max;
        for n in model.netcons.iter().flatten().filter(|n| !n.detached) {
            let spans = all || matches!(n.source, Source::Gid(_));
            if spans && n.delay < md {
                md = n.delay;
            }
        }
        self.mindelay = md;
        md
    }

    /// Checks the interval before `psolve` (fixed step: at least dt).
    pub fn check_interval(&self, dt: f64, variable_step: bool) -> Result<(), NetParError> {
        let (least, md) = if variable_step { (1e-9, self.mindelay) } else { (dt, self.mindelay - 1e-10) };
        if md < least {
            return Err(NetParError::MindelayZero);
        }
        Ok(())
    }

    /// At finitialize: with threads the interval is taken again (100 ms at
    /// most unless `set_maxstep` said otherwise) and, less one step under the
    /// fixed step, must still be a step long.
    pub fn at_initialize(&mut self, model: &Model, dt: f64, variable_step: bool) -> Result<(), NetParError> {
        if self.nthread <= 1 {
            return Ok(());
        }
        self.check_partition(model)?;
        if self.maxstep_arg == 0.0 {
            self.maxstep_arg = 100.0;
        }
        let md = self.set_maxstep(model, self.maxstep_arg);
        let usable = if variable_step { md } else { md - dt };
        if usable < 1e-9 || (!variable_step && usable < dt) {
            return Err(NetParError::UsableMindelayZero);
        }
        Ok(())
    }

    /// How `psolve(tstop)` steps from t under the fixed step.
    pub fn fixed_steps(t: f64, tstop: f64, dt: f64) -> FixedSteps {
        let tstop = tstop * (1.0 + 1e-11);
        let n = ((tstop - t) / dt + 1e-9) as i64;
        if n > 3 {
            FixedSteps::Count(n as usize)
        } else {
            FixedSteps::While(tstop - dt)
        }
    }

    // ------------------------------------------------------------ threads

    /// `nthread(n)`: the number of threads; partitions given before are dropped.
    pub fn set_nthread(&mut self, n: usize) {
        let n = n.max(1);
        if n != self.nthread {
            self.nthread = n;
            self.partitions = vec![None; n];
        }
    }

    /// `partition(i, roots)`: thread i runs the cells of these root
    /// sections (None: back to NEURON's default split).
    pub fn partition(&mut self, thread: usize, roots: Option<Vec<SecId>>) {
        if let Some(p) = self.partitions.get_mut(thread) {
            *p = roots;
        }
    }

    /// The root sections of each thread: those `partition` gave it, else
    /// NEURON's default split of the roots in order into nthread contiguous
    /// blocks (the first ones one larger when they do not divide evenly).
    pub fn thread_roots(&self, model: &Model) -> Vec<Vec<SecId>> {
        let roots = model.roots_in_order();
        let n = self.nthread;
        let total = roots.len();
        let mut next = roots.into_iter();
        (0..n)
            .map(|i| {
                let block: Vec<SecId> = next.by_ref().take((i..total).step_by(n).count()).collect();
                match &self.partitions[i] {
                    Some(p) => p.iter().copied().filter(|&s| model.exists(s)).collect(),
                    None => block,
                }
            })
            .collect()
    }

    /// Checks a user partition as a run starts: all threads have one or
    /// none, and together they name every root section once. One that
    /// names a deleted section is dropped (the model changed).
    pub fn check_partition(&mut self, model: &Model) -> Result<(), NetParError> {
        let given = self.partitions.iter().filter(|p| p.is_some()).count();
        if given == 0 {
            return Ok(());
        }
        if given < self.nthread {
            return Err(NetParError::Partition("some threads have a user defined partition and some do not".into()));
        }
        if self.partitions.iter().flatten().flatten().any(|&s| !model.exists(s)) {
            self.partitions = vec![None; self.nthread];
            return Ok(());
        }
        let mut seen = HashSet::new();
        for (i, p) in self.partitions.iter().enumerate() {
            for &s in p.as_ref().unwrap() {
                let name = &model.sec(s).name;
                if model.sec(s).parent.is_some() {
                    return Err(NetParError::Partition(format!("{name} in thread partition {i} is not a root section")));
                }
                if !seen.insert(s) {
                    return Err(NetParError::Partition(format!("{name} appeared again in partition {i}")));
                }
            }
        }
        let total = model.roots_in_order().len();
        if seen.len() != total {
            return Err(NetParError::Partition(format!(
                "The total number of cells, {total}, is different than the number of user partition cells, {}\n",
                seen.len()
            )));
        }
        Ok(())
    }

    /// The thread a section's cell runs on.
    pub fn thread_of(&self, model: &Model, sec: SecId) -> usize {
        let mut root = sec;
        while let Some((p, _)) = model.sec(root).parent {
            root = p;
        }
        self.thread_roots(model).iter().position(|p| p.contains(&root)).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_steps_follow_neuron() {
        assert_eq!(NetPar::fixed_steps(0.0, 100.0, 0.025), FixedSteps::Count(4000));
        assert_eq!(NetPar::fixed_steps(0.0, 0.05, 0.025), FixedSteps::While(0.05 * (1.0 + 1e-11) - 0.025));
        assert_eq!(NetPar::fixed_steps(10.0, 10.0, 0.025), FixedSteps::While(10.0 * (1.0 + 1e-11) - 0.025));
    }

    #[test]
    fn interval_is_the_smallest_delay_to_an_input_port() {
        let mut m = Model::default();
        let mut np = NetPar::default();
        let a = np.connect(&mut m, 7, Target::None, 1).unwrap();
        m.netcons[a].as_mut().unwrap().delay = 1.5;
        m.netcons.push(Some(NetCon::new(Source::None, Target::None, 1)));
        m.netcons.last_mut().unwrap().as_mut().unwrap().delay = 0.1;
        assert_eq!(np.set_maxstep(&m, 10.0), 1.5);
        assert!(np.check_interval(0.025, false).is_ok());
        np.set_nthread(2);
        assert_eq!(np.set_maxstep(&m, 10.0), 0.1);
        assert_eq!(np.gid_of(&m, a), 7);
        assert_eq!(np.exists(7), 0);
        assert_eq!(np.set_gid2node(&m, 7, 0), Err(NetParError::AlreadyInput(7)));
    }

    #[test]
    fn a_gid_is_set_once() {
        let m = Model::default();
        let mut np = NetPar::default();
        np.set_gid2node(&m, 3, 0).unwrap();
        assert_eq!(np.exists(3), 1);
        assert_eq!(np.set_gid2node(&m, 3, 0), Err(NetParError::AlreadyOutput(3)));
        np.set_gid2node(&m, 4, 1).unwrap();
        assert_eq!(np.exists(4), 0);
        assert_eq!(np.set_maxstep(&m, 10.0), 10.0);
    }
}
