//! Events: NetCons (connections carrying spikes with a delay and weights) and
//! the queue that delivers them, ordered by time, then by posting order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A point process that calls net_event (NetStim, VecStim…).
    Point { mech: u32, inst: u32 },
    /// A voltage threshold at a node of a section: (section, x).
    Voltage { sec: usize, x: f64 },
    None,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Point { mech: u32, inst: u32 },
    None,
}

#[derive(Clone, Debug)]
pub struct NetCon {
    pub source: Source,
    pub target: Target,
    pub weight: Vec<f64>,
    pub delay: f64,
    pub threshold: f64,
    pub active: bool,
    /// Spikes from this NetCon's source go to `Model::spikes` (NetCon.record).
    pub recording: bool,
    /// Above threshold at the last check (voltage sources).
    pub above: bool,
    /// When the threshold was last set (0: never). NetCons of one source
    /// share its threshold, as NEURON's PreSyn: the latest setting holds.
    pub threshold_set: u64,
}

impl NetCon {
    pub fn new(source: Source, target: Target, nweights: usize) -> Self {
        NetCon {
            source,
            target,
            weight: vec![0.0; nweights.max(1)],
            delay: 1.0,
            threshold: 10.0,
            active: true,
            recording: false,
            above: false,
            threshold_set: 0,
        }
    }

    pub fn reset(&mut self) {
        self.above = false;
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// `net_send`: to the instance itself, with the weights of NetCon `nc`
    /// (the one whose event posted it; u32::MAX for none).
    SelfEvent { mech: u32, inst: u32, flag: f64, nc: u32 },
    NetCon { nc: u32 },
    /// `CVode.event(t[, statement])`: ends a variable step at t; delivers
    /// nothing to the model. An id other than u32::MAX names the caller's
    /// statement to run then (the model lists it in `fired`).
    Stop { id: u32 },
}

#[derive(Clone, Debug)]
struct Item {
    t: f64,
    seq: u64,
    ev: Event,
}

impl PartialEq for Item {
    fn eq(&self, o: &Self) -> bool {
        self.t == o.t && self.seq == o.seq
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Item {
    fn cmp(&self, o: &Self) -> Ordering {
        // BinaryHeap is a max-heap: invert for earliest first.
        o.t.partial_cmp(&self.t).unwrap_or(Ordering::Equal).then(o.seq.cmp(&self.seq))
    }
}

#[derive(Clone, Default, Debug)]
pub struct EventQueue {
    heap: BinaryHeap<Item>,
    seq: u64,
    /// Events taken back (net_move) but still in the heap.
    cancelled: std::collections::HashSet<u64>,
}

impl EventQueue {
    /// Queues an event; returns its number (for `cancel`).
    pub fn push(&mut self, t: f64, ev: Event) -> u64 {
        self.seq += 1;
        self.heap.push(Item { t, seq: self.seq, ev });
        self.seq
    }

    /// The next event due at or before `tmax`, with its number.
    pub fn pop_until(&mut self, tmax: f64) -> Option<(f64, u64, Event)> {
        while self.heap.peek().is_some_and(|i| i.t <= tmax) {
            let i = self.heap.pop().unwrap();
            if !self.cancelled.is_empty() && self.cancelled.remove(&i.seq) {
                continue;
            }
            return Some((i.t, i.seq, i.ev));
        }
        None
    }

    /// The next event that is still due.
    pub fn peek(&mut self) -> Option<(f64, u64, Event)> {
        self.next_time()?;
        self.heap.peek().map(|i| (i.t, i.seq, i.ev))
    }

    /// Removes the next event (after `peek`).
    pub fn pop(&mut self) -> Option<(f64, u64, Event)> {
        self.next_time()?;
        self.heap.pop().map(|i| (i.t, i.seq, i.ev))
    }

    /// The time of the next event that is still due.
    pub fn next_time(&mut self) -> Option<f64> {
        while let Some(i) = self.heap.peek() {
            if !self.cancelled.is_empty() && self.cancelled.contains(&i.seq) {
                let seq = i.seq;
                self.heap.pop();
                self.cancelled.remove(&seq);
                continue;
            }
            return Some(i.t);
        }
        None
    }

    /// Takes back a queued event.
    pub fn cancel(&mut self, seq: u64) {
        self.cancelled.insert(seq);
    }

    pub fn clear(&mut self) {
        self.heap.clear();
        self.cancelled.clear();
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}
