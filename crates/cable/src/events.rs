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
    /// A cell on another process, known by its gid (an input port, see `netpar`).
    Gid(i32),
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
    /// The NetCon itself is gone; it stays only so that its source keeps
    /// recording or keeps its gid (NEURON's PreSyn outliving its NetCons).
    pub detached: bool,
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
            detached: false,
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
    /// The spike exchange between processes (NEURON's NetParEvent).
    Exchange,
    /// Under the local variable step with condition order 2: a voltage
    /// source (a group of `Model::presyns`) crossed its threshold at the
    /// event's time; delivering it sends the spike.
    Threshold { group: u32 },
}

#[derive(Clone, Debug)]
struct Item {
    t: f64,
    /// When it (last) entered the queue proper: the order among equal times.
    arrival: u64,
    /// Its number (what `cancel` and `move_to` name).
    seq: u64,
    ev: Event,
}

impl PartialEq for Item {
    fn eq(&self, o: &Self) -> bool {
        self.t == o.t && self.arrival == o.arrival
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
        o.t.partial_cmp(&self.t).unwrap_or(Ordering::Equal).then(o.arrival.cmp(&self.arrival))
    }
}

/// The event queue in NEURON's order (tqueue.cpp): the earliest event is
/// kept apart from the rest, which are first by time and, at equal times,
/// by arrival. An event that arrives earlier than the kept one takes its
/// place and sends it back into the rest, behind the events of its time
/// already there; simultaneous events are delivered in that order.
#[derive(Clone, Default, Debug)]
pub struct EventQueue {
    least: Option<Item>,
    heap: BinaryHeap<Item>,
    seq: u64,
    arrivals: u64,
    /// Events taken back (net_move) but still in the heap.
    cancelled: std::collections::HashSet<u64>,
}

impl EventQueue {
    fn arrival(&mut self) -> u64 {
        self.arrivals += 1;
        self.arrivals
    }

    /// Puts an item in the queue as NEURON's TQueue::insert does.
    fn insert(&mut self, mut item: Item) {
        match &self.least {
            Some(l) if item.t < l.t => {
                let mut old = self.least.take().unwrap();
                old.arrival = self.arrival();
                self.heap.push(old);
                self.least = Some(item);
            }
            Some(_) => {
                item.arrival = self.arrival();
                self.heap.push(item);
            }
            None => self.least = Some(item),
        }
    }

    /// The first live item of the rest.
    fn pop_rest(&mut self) -> Option<Item> {
        while let Some(i) = self.heap.pop() {
            if !self.cancelled.is_empty() && self.cancelled.remove(&i.seq) {
                continue;
            }
            return Some(i);
        }
        None
    }

    /// Queues an event; returns its number (for `cancel` and `move_to`).
    pub fn push(&mut self, t: f64, ev: Event) -> u64 {
        self.seq += 1;
        let arrival = self.arrival();
        self.insert(Item { t, arrival, seq: self.seq, ev });
        self.seq
    }

    /// The next event due at or before `tmax`, with its number.
    pub fn pop_until(&mut self, tmax: f64) -> Option<(f64, u64, Event)> {
        if self.least.as_ref().is_some_and(|i| i.t <= tmax) {
            return self.pop();
        }
        None
    }

    /// The next event.
    pub fn peek(&mut self) -> Option<(f64, u64, Event)> {
        self.least.as_ref().map(|i| (i.t, i.seq, i.ev))
    }

    /// Removes the next event (after `peek`).
    pub fn pop(&mut self) -> Option<(f64, u64, Event)> {
        let i = self.least.take()?;
        self.least = self.pop_rest();
        Some((i.t, i.seq, i.ev))
    }

    /// The time of the next event.
    pub fn next_time(&mut self) -> Option<f64> {
        self.least.as_ref().map(|i| i.t)
    }

    /// Takes back a queued event.
    pub fn cancel(&mut self, seq: u64) {
        if self.least.as_ref().is_some_and(|i| i.seq == seq) {
            self.least = self.pop_rest();
        } else {
            self.cancelled.insert(seq);
        }
    }

    /// Moves queued event `seq` (which is `ev`) to time `tnew` as NEURON's
    /// TQueue::move does (net_move); returns its new number.
    pub fn move_to(&mut self, seq: u64, tnew: f64, ev: Event) -> u64 {
        self.seq += 1;
        let new_seq = self.seq;
        if self.least.as_ref().is_some_and(|i| i.seq == seq) {
            let mut b = self.least.take().unwrap();
            b.t = tnew;
            b.seq = new_seq;
            match self.pop_rest() {
                Some(n) if tnew > n.t => {
                    self.least = Some(n);
                    b.arrival = self.arrival();
                    self.heap.push(b);
                }
                next => {
                    self.heap.extend(next);
                    self.least = Some(b);
                }
            }
            return new_seq;
        }
        // Elsewhere in the queue: taken out and put back at its new time.
        self.cancelled.insert(seq);
        let arrival = self.arrival();
        self.insert(Item { t: tnew, arrival, seq: new_seq, ev });
        new_seq
    }

    pub fn clear(&mut self) {
        self.least = None;
        self.heap.clear();
        self.cancelled.clear();
    }

    pub fn len(&self) -> usize {
        self.heap.len() + self.least.is_some() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.least.is_none() && self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(q: &mut EventQueue) -> Vec<(f64, u32)> {
        let mut out = Vec::new();
        while let Some((t, _, ev)) = q.pop() {
            if let Event::NetCon { nc } = ev {
                out.push((t, nc));
            }
        }
        out
    }

    #[test]
    fn an_earlier_arrival_sends_the_kept_event_behind_its_equals() {
        let mut q = EventQueue::default();
        q.push(5.0, Event::NetCon { nc: 0 });
        q.push(5.0, Event::NetCon { nc: 1 });
        q.push(3.0, Event::NetCon { nc: 2 });
        q.push(5.0, Event::NetCon { nc: 3 });
        assert_eq!(order(&mut q), vec![(3.0, 2), (5.0, 1), (5.0, 0), (5.0, 3)]);
    }

    #[test]
    fn moving_follows_neurons_tqueue() {
        // The kept event moved to a time equal to the next one's stays first.
        let mut q = EventQueue::default();
        let a = q.push(1.0, Event::NetCon { nc: 0 });
        q.push(2.0, Event::NetCon { nc: 1 });
        q.move_to(a, 2.0, Event::NetCon { nc: 0 });
        assert_eq!(order(&mut q), vec![(2.0, 0), (2.0, 1)]);
        // Moved past the next one, it goes behind the events of its new time.
        let mut q = EventQueue::default();
        let a = q.push(1.0, Event::NetCon { nc: 0 });
        q.push(2.0, Event::NetCon { nc: 1 });
        q.push(3.0, Event::NetCon { nc: 2 });
        q.move_to(a, 3.0, Event::NetCon { nc: 0 });
        assert_eq!(order(&mut q), vec![(2.0, 1), (3.0, 2), (3.0, 0)]);
        // One from further back moved before the kept one takes its place.
        let mut q = EventQueue::default();
        q.push(2.0, Event::NetCon { nc: 0 });
        q.push(2.0, Event::NetCon { nc: 1 });
        let c = q.push(4.0, Event::NetCon { nc: 2 });
        q.move_to(c, 1.0, Event::NetCon { nc: 2 });
        assert_eq!(order(&mut q), vec![(1.0, 2), (2.0, 1), (2.0, 0)]);
    }

    #[test]
    fn a_cancelled_first_event_gives_way_at_once() {
        let mut q = EventQueue::default();
        let a = q.push(5.0, Event::NetCon { nc: 0 });
        q.push(6.0, Event::NetCon { nc: 1 });
        q.push(6.0, Event::NetCon { nc: 2 });
        q.cancel(a);
        q.push(1.0, Event::NetCon { nc: 3 });
        assert_eq!(order(&mut q), vec![(1.0, 3), (6.0, 2), (6.0, 1)]);
    }
}
