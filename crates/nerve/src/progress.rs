//! A progress bar on stderr for runs that last more than a moment, shown
//! only when stderr is a terminal.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use cable::Model;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Appears once a run has taken longer than this.
const AFTER: Duration = Duration::from_millis(800);

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    tstop: f64,
    shown: bool,
}

impl Progress {
    /// None when stderr is not a terminal.
    pub fn new() -> Option<Self> {
        std::io::stderr().is_terminal().then(|| Progress { bar: None, started: Instant::now(), tstop: 0.0, shown: false })
    }
}

impl hoc::engine::StepObserver for Progress {
    fn on_init(&mut self, _model: &Model, tstop: f64) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        self.tstop = tstop.max(1e-9);
        self.started = Instant::now();
        self.shown = false;
        let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::hidden());
        bar.set_style(ProgressStyle::with_template("{bar:40} {msg} [{elapsed_precise} < {eta_precise}]").unwrap_or_else(|_| ProgressStyle::default_bar()));
        self.bar = Some(bar);
    }

    fn on_step(&mut self, model: &Model) {
        let Some(bar) = &self.bar else { return };
        if !self.shown && self.started.elapsed() > AFTER {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        let frac = (model.t / self.tstop).clamp(0.0, 1.0);
        bar.set_position((frac * 1000.0) as u64);
        if self.shown {
            bar.set_message(format!("t = {:.1} / {:.1} ms", model.t, self.tstop));
        }
        if frac >= 1.0 {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}
