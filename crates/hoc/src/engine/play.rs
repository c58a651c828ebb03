//! `Vector.play`: values driven into a variable during a run, as NEURON's
//! VecPlayStep (a value at each event time) and VecPlayContinuous (linear
//! interpolation at every half step, with events at the sample times).
//! A play into HOC — a statement run with `$1` the value, or a variable of
//! the program — leaves its values due with their times in `due`, for the
//! interpreter to apply once the model lets go (`run_hoc_plays`).

use std::rc::Rc;

use cable::model::{Model, Var};

use crate::error::HResult;
use crate::interp::Interp;
use crate::value::{ObjRef, Place};

/// A play's target outside the model.
#[derive(Clone)]
pub enum HocTarget {
    /// `vec.play("stmt", ...)`: the statement with `$1` read as `hoc_ac_`
    /// (a statement without `$1` is assigned the value), compiled once.
    Stmt(Rc<[crate::ast::Stmt]>),
    /// `vec.play(&x, ...)` with x a variable of the program.
    Place(Place),
}

/// NEURON's text for a played statement: `$1` becomes `hoc_ac_`, and a
/// statement without it becomes an assignment of `hoc_ac_`.
pub fn stmt_text(stmt: &str) -> String {
    if stmt.contains("$1") {
        format!("{}\n", stmt.replace("$1", "hoc_ac_"))
    } else {
        format!("{stmt}=hoc_ac_\n")
    }
}

/// Applies the values plays into HOC have due, in order of time, with `t`
/// at each value's time while its statement runs.
pub fn run_hoc_plays(it: &mut Interp) -> HResult<()> {
    let mut due: Vec<(f64, usize, f64, HocTarget)> = Vec::new();
    for (k, p) in it.eng.plays.iter_mut().enumerate() {
        if let Some(h) = &p.hoc {
            for (te, y) in p.due.drain(..) {
                due.push((te, k, y, h.clone()));
            }
        }
    }
    if due.is_empty() {
        return Ok(());
    }
    due.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let t_sym = it.eng.clock.t;
    let t_now = it.global_num(t_sym);
    for (te, _, y, target) in due {
        match target {
            HocTarget::Place(p) => it.write_place(&p, y)?,
            HocTarget::Stmt(code) => {
                it.gslots[t_sym as usize] = crate::value::Slot::Num(te);
                it.set_global_num("hoc_ac_", y);
                let r = it.in_context(None, |it| it.run_parsed(&code));
                it.gslots[t_sym as usize] = crate::value::Slot::Num(t_now);
                r?;
            }
        }
    }
    it.sync_to_model();
    Ok(())
}

pub struct Play {
    pub var: Var,
    /// A Vector element played into instead of `var` (`y.play(&b.x[k], t)`,
    /// as LinearCircuit's sources drive their LinearMechanism's b).
    pub elem: Option<(ObjRef, usize)>,
    /// The Vector of values (read when the run starts); None for values
    /// given once and for all (`Play::with_values`).
    pub src: Option<ObjRef>,
    /// Sample times: a Vector, or every `dt` from 0.
    pub tvec: Option<ObjRef>,
    pub every: f64,
    pub continuous: bool,
    /// A target in HOC instead of `var`, and its values due (time, value).
    pub hoc: Option<HocTarget>,
    pub due: Vec<(f64, f64)>,
    y: Vec<f64>,
    t: Vec<f64>,
    /// Step play: next index to play, and its event time.
    index: usize,
    /// Continuous play: NEURON's last and upper-bound indices.
    last: usize,
    ubound: usize,
    /// Time of the pending event, if any.
    next_event: Option<f64>,
}

impl Play {
    pub fn new(var: Var, src: ObjRef, tvec: Option<ObjRef>, every: f64, continuous: bool) -> Self {
        Play { var, elem: None, src: Some(src), tvec, every, continuous, hoc: None, due: Vec::new(), y: Vec::new(), t: Vec::new(), index: 0, last: 0, ubound: 0, next_event: None }
    }

    /// A step play of fixed values at given times, as `y.play(&var, t)`.
    pub fn with_values(var: Var, y: Vec<f64>, t: Vec<f64>) -> Self {
        Play { var, elem: None, src: None, tvec: None, every: 0.0, continuous: false, hoc: None, due: Vec::new(), y, t, index: 0, last: 0, ubound: 0, next_event: None }
    }

    /// Sets the played variable (at time `te`).
    fn write(&mut self, m: &mut Model, y: f64, te: f64) {
        if self.hoc.is_some() {
            self.due.push((te, y));
            return;
        }
        match &self.elem {
            Some((o, k)) => {
                let _ = crate::builtins::vector::with_vec(o, |v| {
                    if let Some(x) = v.data.get_mut(*k) {
                        *x = y;
                    }
                });
            }
            None => {
                m.write_var(&self.var, y);
            }
        }
    }

    /// At finitialize: read the vectors and post the first event.
    pub fn init(&mut self) {
        self.due.clear();
        if let Some(src) = &self.src {
            self.y = vec_data(src);
            self.t = self.tvec.as_ref().map(vec_data).unwrap_or_default();
        }
        self.index = 0;
        self.last = 0;
        self.ubound = 0;
        self.next_event = if self.continuous || self.tvec.is_some() || self.src.is_none() {
            self.t.first().copied()
        } else {
            Some(0.0)
        };
        if self.y.is_empty() {
            self.next_event = None;
        }
    }

    /// When a step play next changes its variable (None for continuous plays).
    pub fn next_step_time(&self) -> Option<f64> {
        if self.continuous {
            None
        } else {
            self.next_event
        }
    }

    /// Delivers this play's events due by `until` (their value set at their time).
    pub fn deliver(&mut self, m: &mut Model, until: f64) {
        while let Some(te) = self.next_event.filter(|&te| te <= until) {
            if self.continuous {
                self.last = self.ubound;
                self.next_event = None;
                if self.ubound + 1 < self.t.len() {
                    self.ubound += 1;
                    self.next_event = Some(self.t[self.ubound]);
                }
                self.set_continuous(m, te);
            } else {
                if let Some(&y) = self.y.get(self.index) {
                    self.write(m, y, te);
                }
                self.index += 1;
                self.next_event = None;
                if self.index < self.y.len() {
                    self.next_event = match (&self.tvec, &self.src) {
                        (None, Some(_)) => Some(te + self.every),
                        _ => self.t.get(self.index).copied(),
                    };
                }
            }
        }
    }

    /// Continuous play: the interpolated value at `tt`.
    pub fn set_continuous(&mut self, m: &mut Model, tt: f64) {
        if self.continuous && !self.y.is_empty() && !self.t.is_empty() {
            let v = self.interpolate(tt);
            self.write(m, v, tt);
        }
    }

    fn interpolate(&mut self, tt: f64) -> f64 {
        let (t, y) = (&self.t, &self.y);
        let n = t.len().min(y.len());
        if n == 0 {
            return 0.0;
        }
        let ub = self.ubound.min(n - 1);
        if tt >= t[ub] {
            self.last = ub;
            if self.last == 0 {
                return y[0];
            }
        } else if tt <= t[0] {
            self.last = 0;
            return y[0];
        } else {
            while self.last > 0 && tt < t[self.last] {
                self.last -= 1;
            }
            while self.last < n - 1 && tt >= t[self.last] {
                self.last += 1;
            }
        }
        let (x0, x1) = (y[self.last - 1], y[self.last]);
        let (t0, t1) = (t[self.last - 1], t[self.last]);
        if t0 == t1 {
            return (x0 + x1) / 2.0;
        }
        let th = (tt - t0) / (t1 - t0);
        x0 + (x1 - x0) * th
    }
}

fn vec_data(o: &ObjRef) -> Vec<f64> {
    crate::builtins::vector::with_vec(o, |v| v.data.clone()).unwrap_or_default()
}
