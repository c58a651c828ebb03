//! Native built-in mechanisms, with NEURON's equations and defaults: pas
//! (kept native for speed; mod-files/pas.mod is its twin), and those whose
//! NEURON versions need C — APCount, NetStim and VecStim.
//! The other built-ins are mod-files/*.mod, compiled by the nmodl crate.

use crate::mechanism::{EventCtx, MechData, MechKind, Mechanism, NodeView, VarKind::*, VarSpec};

/// The name, kind and variables every built-in mechanism reports.
macro_rules! meta {
    ($name:literal, $kind:ident) => {
        fn name(&self) -> &str {
            $name
        }
        fn kind(&self) -> MechKind {
            MechKind::$kind
        }
        fn vars(&self) -> &[VarSpec] {
            &self.0
        }
    };
}

macro_rules! specs {
    ($($n:literal = $d:expr, $k:expr);* $(;)?) => { vec![$(VarSpec::new($n, $d, $k)),*] };
}

/// Passive leak: i = g (v - e).
pub struct Pas(Vec<VarSpec>);
impl Pas {
    pub fn new() -> Self {
        Pas(specs!["g" = 0.001, Parameter; "e" = -70.0, Parameter; "i" = 0.0, Assigned])
    }
}
impl Mechanism for Pas {
    meta!("pas", Density);
    fn initialize(&self, _: &mut MechData, _: &mut NodeView, _: &mut dyn FnMut(u32, &mut EventCtx)) {}
    fn current(&self, d: &mut MechData, i: usize, v: f64, _t: f64) -> f64 {
        let c = &mut d.cols;
        c[2][i] = c[0][i] * (v - c[1][i]);
        c[2][i]
    }
    fn currents(&self, d: &mut MechData, n: &mut NodeView) {
        // Density instances are dense and in node order after lowering;
        // a cell of the local step runs a part of them.
        if d.order.len() != d.node.len() {
            let [g, e, cur] = &mut d.cols[..] else { unreachable!() };
            for &i in &d.order {
                let i = i as usize;
                let ni = d.node[i] as usize;
                let v = n.v[ni];
                let i1 = g[i] * ((v + 0.001) - e[i]);
                let i0 = g[i] * (v - e[i]);
                cur[i] = i0;
                let gg = (i1 - i0) / 0.001;
                d.g[i] = gg;
                n.rhs[ni] -= i0;
                n.d[ni] += gg;
            }
            return;
        }
        let len = d.order.len();
        let [g, e, cur] = &mut d.cols[..] else { unreachable!() };
        let (g, e, cur, gout, node) = (&g[..len], &e[..len], &mut cur[..len], &mut d.g[..len], &d.node[..len]);
        for i in 0..len {
            let ni = node[i] as usize;
            let v = n.v[ni];
            let i1 = g[i] * ((v + 0.001) - e[i]);
            let i0 = g[i] * (v - e[i]);
            cur[i] = i0;
            let gg = (i1 - i0) / 0.001;
            gout[i] = gg;
            n.rhs[ni] -= i0;
            n.d[ni] += gg;
        }
    }
}

/// Spike generator: `number` events every `interval` from `start`; with
/// `noise` > 0 the intervals are partly exponential, drawn as NEURON 9 draws
/// them: a Random123 stream per instance, ids (1, 0, n) for the n-th NetStim
/// made, restarted at finitialize (`seed(0)`); `seed(x)` and
/// `noiseFromRandom123(id1, id2[, id3])` as NEURON's.
pub struct NetStim(Vec<VarSpec>);
impl NetStim {
    pub fn new() -> Self {
        let mut specs = specs![
            "interval" = 10.0, Parameter; "number" = 10.0, Parameter; "start" = 50.0, Parameter; "noise" = 0.0, Parameter;
            "event" = 0.0, Assigned; "on" = 0.0, Assigned; "ispike" = 0.0, Assigned
        ];
        // event, on and ispike are the mechanism's own (not RANGE in NEURON).
        for s in &mut specs[4..] {
            s.hidden = true;
        }
        // The stream (RANDOM ranvar in NEURON's netstim.mod): id1, id2, id3, position.
        for part in ["ranvar.id1", "ranvar.id2", "ranvar.id3", "ranvar.seq"] {
            let mut s = VarSpec::new(part, 0.0, crate::mechanism::VarKind::Assigned);
            s.hidden = true;
            specs.push(s);
        }
        NetStim(specs)
    }

    /// An exponential deviate of mean 1 from instance i's stream.
    fn erand(c: &mut [Vec<f64>], i: usize) -> f64 {
        crate::random123::with_stream(c, STREAM, i, |s| s.negexp())
    }
}
const STREAM: usize = 7;
const INTERVAL: usize = 0;
const NUMBER: usize = 1;
const START: usize = 2;
const NOISE: usize = 3;
const EVENT: usize = 4;
const ON: usize = 5;
const ISPIKE: usize = 6;
impl NetStim {
    fn invl(&self, c: &mut [Vec<f64>], i: usize, mut mean: f64) -> f64 {
        if mean <= 0.0 {
            mean = 0.01;
        }
        let noise = c[NOISE][i];
        if noise == 0.0 {
            mean
        } else {
            (1.0 - noise) * mean + noise * mean * Self::erand(c, i)
        }
    }
    fn next_invl(&self, c: &mut [Vec<f64>], i: usize) {
        if c[NUMBER][i] > 0.0 {
            let m = c[INTERVAL][i];
            c[EVENT][i] = self.invl(c, i, m);
        }
        if c[ISPIKE][i] >= c[NUMBER][i] {
            c[ON][i] = 0.0;
        }
    }
    fn init_sequence(c: &mut [Vec<f64>], i: usize) {
        if c[NUMBER][i] > 0.0 {
            c[ON][i] = 1.0;
            c[EVENT][i] = 0.0;
            c[ISPIKE][i] = 0.0;
        }
    }
}
impl Mechanism for NetStim {
    meta!("NetStim", Artificial);
    fn has_current(&self) -> bool {
        false
    }
    fn weights(&self) -> usize {
        1
    }
    fn initialize(&self, d: &mut MechData, n: &mut NodeView, ev: &mut dyn FnMut(u32, &mut EventCtx)) {
        let order = d.order.clone();
        for i in order {
            let iu = i as usize;
            let c = &mut d.cols;
            // INITIAL's seed(0): the stream restarts.
            c[STREAM + 3][iu] = 0.0;
            c[ON][iu] = 0.0;
            c[ISPIKE][iu] = 0.0;
            c[NOISE][iu] = c[NOISE][iu].clamp(0.0, 1.0);
            if c[START][iu] >= 0.0 && c[NUMBER][iu] > 0.0 {
                c[ON][iu] = 1.0;
                let interval = c[INTERVAL][iu];
                let mut event = c[START][iu] + self.invl(c, iu, interval) - interval * (1.0 - c[NOISE][iu]);
                if event < 0.0 {
                    event = 0.0;
                }
                c[EVENT][iu] = event;
                let mut se = vec![(n.t + event, 3.0)];
                let mut sp = Vec::new();
                let mut ctx = EventCtx { t: n.t, dt: n.dt, celsius: n.celsius, self_events: &mut se, spikes: &mut sp, out: &mut *n.out, moved: None, v: f64::NAN, netcons: None };
                ev(i, &mut ctx);
            }
        }
    }
    fn random_streams(&self) -> &[usize] {
        &[STREAM]
    }
    /// netstim.mod's PROCEDURE seed(x), a method of every NetStim.
    fn functions(&self) -> Vec<String> {
        vec!["seed".into()]
    }
    fn call(&self, d: &mut MechData, i: usize, name: &str, a: &[f64], _clock: (f64, f64, f64)) -> Option<f64> {
        let c = &mut d.cols;
        match name {
            "seed" => {
                let x = a.first().copied().unwrap_or(0.0);
                crate::random123::with_stream(c, STREAM, i, |s| s.set_seq4(x));
                Some(1.0)
            }
            "noiseFromRandom123" => {
                let id = |k: usize| a.get(k).copied().unwrap_or(0.0) as u32;
                if a.len() >= 2 {
                    crate::random123::with_stream(c, STREAM, i, |s| s.set_ids(id(0), id(1), id(2)));
                }
                crate::random123::with_stream(c, STREAM, i, |s| s.set_seq(0, 0));
                Some(1.0)
            }
            _ => None,
        }
    }
    fn net_receive(&self, d: &mut MechData, i: usize, w: &mut [f64], flag: f64, ctx: &mut EventCtx) {
        let c = &mut d.cols;
        let t = ctx.t;
        if flag == 0.0 {
            if w[0] > 0.0 && c[ON][i] == 0.0 {
                Self::init_sequence(c, i);
                self.next_invl(c, i);
                c[EVENT][i] -= c[INTERVAL][i] * (1.0 - c[NOISE][i]);
                ctx.self_events.push((t + c[EVENT][i], 1.0));
            } else if w[0] < 0.0 {
                c[ON][i] = 0.0;
            }
        }
        if flag == 3.0 && c[ON][i] == 1.0 {
            Self::init_sequence(c, i);
            ctx.self_events.push((t, 1.0));
        }
        if flag == 1.0 && c[ON][i] == 1.0 {
            c[ISPIKE][i] += 1.0;
            ctx.spikes.push(t);
            self.next_invl(c, i);
            if c[ON][i] == 1.0 {
                ctx.self_events.push((t + c[EVENT][i], 1.0));
            }
        }
    }
}

/// Counts threshold crossings of the voltage at its location.
pub struct APCount(Vec<VarSpec>);
impl APCount {
    pub fn new() -> Self {
        APCount(specs!["n" = 0.0, Parameter; "thresh" = -20.0, Parameter; "time" = 0.0, Parameter; "firing" = 0.0, Assigned])
    }
    fn check(d: &mut MechData, i: usize, v: f64, t: f64) {
        let c = &mut d.cols;
        if v >= c[1][i] && c[3][i] == 0.0 {
            c[3][i] = 1.0;
            c[2][i] = t;
            c[0][i] += 1.0;
            d.lists[i].push(t);
        }
        if c[3][i] != 0.0 && v < c[1][i] && t > c[2][i] {
            c[3][i] = 0.0;
        }
    }
}
impl Mechanism for APCount {
    meta!("APCount", Point);
    fn has_current(&self) -> bool {
        false
    }
    fn initialize(&self, d: &mut MechData, n: &mut NodeView, _: &mut dyn FnMut(u32, &mut EventCtx)) {
        for k in 0..d.order.len() {
            let i = d.order[k] as usize;
            d.cols[0][i] = 0.0;
            d.cols[3][i] = 0.0;
            d.lists[i].clear();
            let v = n.v[d.node[i] as usize];
            Self::check(d, i, v, n.t);
        }
    }
    fn state(&self, d: &mut MechData, n: &mut NodeView) {
        for k in 0..d.order.len() {
            let i = d.order[k] as usize;
            let v = n.v[d.node[i] as usize];
            Self::check(d, i, v, n.t);
        }
    }
}

/// Spike generator playing the times of a vector (`VecStim.play(tvec)`).
pub struct VecStim(Vec<VarSpec>);
impl VecStim {
    pub fn new() -> Self {
        VecStim(specs!["index" = 0.0, Assigned; "etime" = 0.0, Assigned])
    }
    /// Moves to the next time of the list; index becomes -1 past the end.
    fn element(d: &mut MechData, i: usize) {
        let k = d.cols[0][i];
        if k >= 0.0 {
            match d.lists[i].get(k as usize) {
                Some(&t) => {
                    d.cols[1][i] = t;
                    d.cols[0][i] += 1.0;
                }
                None => d.cols[0][i] = -1.0,
            }
        }
    }
}
impl Mechanism for VecStim {
    meta!("VecStim", Artificial);
    fn replaceable(&self) -> bool {
        true
    }
    fn has_current(&self) -> bool {
        false
    }
    fn weights(&self) -> usize {
        1
    }
    fn initialize(&self, d: &mut MechData, n: &mut NodeView, ev: &mut dyn FnMut(u32, &mut EventCtx)) {
        for k in 0..d.order.len() {
            let i = d.order[k] as usize;
            d.cols[0][i] = 0.0;
            Self::element(d, i);
            if d.cols[0][i] > 0.0 {
                let mut se = vec![(n.t + (d.cols[1][i] - n.t), 1.0)];
                let mut sp = Vec::new();
                ev(i as u32, &mut EventCtx { t: n.t, dt: n.dt, celsius: n.celsius, self_events: &mut se, spikes: &mut sp, out: &mut *n.out, moved: None, v: f64::NAN, netcons: None });
            }
        }
    }
    fn net_receive(&self, d: &mut MechData, i: usize, _w: &mut [f64], flag: f64, ctx: &mut EventCtx) {
        if flag == 1.0 {
            let t = ctx.t;
            ctx.spikes.push(t);
            Self::element(d, i);
            if d.cols[0][i] > 0.0 {
                ctx.self_events.push((t + (d.cols[1][i] - t), 1.0));
            }
        }
    }
}

/// NEURON's obsolete current pulses (`fstim(i, loc, delay, dur, amp)`):
/// amp nA from delay to delay+dur, added at the node after every membrane
/// current and, like an electrode's, not part of i_membrane_. Not in the
/// catalogue: HOC adds it when a program first calls fstim.
pub struct FStim(Vec<VarSpec>);
impl FStim {
    pub fn new() -> Self {
        FStim(specs!["delay" = 1e20, Parameter; "dur" = 0.0, Parameter; "amp" = 0.0, Parameter])
    }
    /// Whether pulse i is on at t (NEURON's test, 1e-9 ms early at both ends).
    pub fn on(c: &[Vec<f64>], i: usize, t: f64) -> bool {
        !(t < c[0][i] - 1e-9 || t > c[0][i] + c[1][i] - 1e-9)
    }
}
impl Mechanism for FStim {
    meta!("fstim", Point);
    fn initialize(&self, _: &mut MechData, _: &mut NodeView, _: &mut dyn FnMut(u32, &mut EventCtx)) {}
    fn currents(&self, d: &mut MechData, n: &mut NodeView) {
        for k in 0..d.order.len() {
            let i = d.order[k] as usize;
            if !Self::on(&d.cols, i, n.t) {
                continue;
            }
            let ni = d.node[i] as usize;
            let mag_seg = 1.0e2 * d.cols[2][i] / n.area[ni];
            n.rhs[ni] += mag_seg;
            if n.imem {
                n.sav_rhs[ni] += mag_seg;
            }
        }
    }
    fn discontinuities(&self, d: &mut MechData, _: &mut NodeView, out: &mut Vec<f64>) {
        for k in 0..d.order.len() {
            let i = d.order[k] as usize;
            out.push(d.cols[0][i]);
            out.push(d.cols[0][i] + d.cols[1][i]);
        }
    }
}

/// NEURON's obsolete alpha-function synapses (`fsyn(i, loc, delay, tau,
/// gmax, erev)`): g = gmax·x·e^(1−x) with x = (t − delay)/tau for 0 < x < 10,
/// i = g·(v − erev). Not in the catalogue: HOC adds it at the first fsyn.
pub struct FSyn(Vec<VarSpec>);
impl FSyn {
    pub fn new() -> Self {
        FSyn(specs!["delay" = 1e20, Parameter; "tau" = 0.0, Parameter; "gmax" = 0.0, Parameter; "e" = 0.0, Parameter; "g" = 0.0, Assigned])
    }
    fn alpha(x: f64) -> f64 {
        if x > 0.0 && x < 10.0 {
            x * (-x + 1.0).exp()
        } else {
            0.0
        }
    }
    /// Conductance per area (S/cm²) of synapse i at t on a node of this area.
    pub fn g_seg(c: &[Vec<f64>], i: usize, t: f64, area: f64) -> f64 {
        let mag_seg = 1.0e2 * c[2][i] / area;
        if mag_seg == 0.0 {
            return 0.0;
        }
        mag_seg * Self::alpha((t - c[0][i]) / c[1][i])
    }
}
impl Mechanism for FSyn {
    meta!("fsyn", Point);
    fn initialize(&self, _: &mut MechData, _: &mut NodeView, _: &mut dyn FnMut(u32, &mut EventCtx)) {}
    fn currents(&self, d: &mut MechData, n: &mut NodeView) {
        for k in 0..d.order.len() {
            let i = d.order[k] as usize;
            let ni = d.node[i] as usize;
            let g = Self::g_seg(&d.cols, i, n.t, n.area[ni]);
            d.cols[4][i] = g;
            n.rhs[ni] -= g * (n.v[ni] - d.cols[3][i]);
            n.d[ni] += g;
        }
    }
    fn discontinuities(&self, d: &mut MechData, _: &mut NodeView, out: &mut Vec<f64>) {
        for k in 0..d.order.len() {
            out.push(d.cols[0][d.order[k] as usize]);
        }
    }
}

/// The built-in catalogue, in NEURON's mechanism order.
pub fn builtin() -> Vec<Box<dyn Mechanism>> {
    vec![
        Box::new(Pas::new()),
        Box::new(APCount::new()),
        Box::new(NetStim::new()),
        Box::new(VecStim::new()),
        Box::new(crate::extracellular::Extracellular::new(crate::extracellular::DEFAULT_NLAYER)),
    ]
}
