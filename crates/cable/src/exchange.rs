//! Spike exchange between processes, as NEURON's NetParEvent and
//! nrn_spike_exchange do it: an exchange event sits in the queue every
//! minimum-delay interval; when it is delivered, the spikes the output
//! ports sent since the last exchange go to every rank (an allgather), and
//! each rank posts them through the NetCons of its input ports. A spike
//! reaches another rank no later than one interval after it happened, and
//! its NetCons' delays are at least that long, so it arrives in time.

use std::collections::HashMap;
use std::rc::Rc;

use crate::comm::Comm;
use crate::events::{Event, Source};
use crate::model::Model;

/// What a model needs to exchange spikes with the other ranks.
pub struct Exchange {
    pub comm: Rc<dyn Comm>,
    /// Simulated time between exchanges (NEURON's usable mindelay).
    pub interval: f64,
    /// The NetCon anchoring each output gid whose spikes go out.
    outputs: HashMap<u32, i32>,
    /// The NetCons of each input port, in creation order.
    inputs: HashMap<i32, Vec<u32>>,
    /// Spikes of output ports since the last exchange: (gid, time).
    outbox: Vec<(i32, f64)>,
    /// Buffers: the outbox as numbers, every rank's spikes, their counts.
    flat: Vec<f64>,
    received_flat: Vec<f64>,
    counts: Vec<usize>,
    /// Spikes sent and received (spike_statistics), and the most sent at
    /// one exchange.
    pub sent: u64,
    pub most_sent: u64,
    pub received: u64,
    pub useful: u64,
}

impl Exchange {
    /// `outputs`: (anchor NetCon, gid) of every output port whose spikes go out.
    pub fn new(comm: Rc<dyn Comm>, interval: f64, outputs: &[(u32, i32)], model: &Model) -> Self {
        let mut inputs: HashMap<i32, Vec<u32>> = HashMap::new();
        for (k, nc) in model.netcons.iter().enumerate() {
            if let Some(nc) = nc {
                if let Source::Gid(g) = nc.source {
                    inputs.entry(g).or_default().push(k as u32);
                }
            }
        }
        Exchange {
            comm,
            interval,
            outputs: outputs.iter().copied().collect(),
            inputs,
            outbox: Vec::new(),
            flat: Vec::new(),
            received_flat: Vec::new(),
            counts: Vec::new(),
            sent: 0,
            most_sent: 0,
            received: 0,
            useful: 0,
        }
    }

    /// A spike of NetCon `nc`'s source at `ts`: kept for the next exchange
    /// if the NetCon anchors an output gid.
    pub(crate) fn note(&mut self, nc: u32, ts: f64) {
        if let Some(&gid) = self.outputs.get(&nc) {
            self.outbox.push((gid, ts));
        }
    }
}

impl Model {
    /// Queues the first exchange one interval from now (finitialize).
    pub(crate) fn exchange_start(&mut self) {
        if let Some(x) = &self.exchange {
            let at = self.t + x.interval;
            self.queue.push(at, Event::Exchange);
        }
    }

    /// The exchange event: spikes go out and come in, and the next exchange
    /// is queued one interval on.
    pub(crate) fn exchange_event(&mut self, tt: f64) {
        self.spike_exchange();
        if let Some(x) = &self.exchange {
            let at = tt + x.interval;
            self.queue.push(at, Event::Exchange);
        }
    }

    /// Sends this rank's spikes since the last exchange and posts those of
    /// the other ranks through the input ports' NetCons, rank by rank.
    pub fn spike_exchange(&mut self) {
        let Some(mut x) = self.exchange.take() else { return };
        let mut flat = std::mem::take(&mut x.flat);
        flat.clear();
        for &(g, ts) in &x.outbox {
            flat.push(g as f64);
            flat.push(ts);
        }
        x.sent += x.outbox.len() as u64;
        x.most_sent = x.most_sent.max(x.outbox.len() as u64);
        x.outbox.clear();
        let mut all = std::mem::take(&mut x.received_flat);
        let mut counts = std::mem::take(&mut x.counts);
        x.comm.allgatherv_into(&flat, &mut all, &mut counts);
        x.flat = flat;
        x.counts = counts;
        for pair in all.chunks_exact(2) {
            let (gid, ts) = (pair[0] as i32, pair[1]);
            x.received += 1;
            let Some(ncs) = x.inputs.get(&gid) else { continue };
            x.useful += 1;
            self.fire(ncs, ts);
        }
        x.received_flat = all;
        self.exchange = Some(x);
    }
}
