//! Progress of runs that last more than a moment, on stderr: a bar on a
//! terminal, otherwise (a batch log) a line at every tenth of the simulated
//! time, `[nerve] t = 300/600 ms, 2.1 s elapsed, ETA 2.0 s`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use cable::Model;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Appears once a run has taken longer than this.
const AFTER: Duration = Duration::from_millis(800);

pub struct Progress {
    /// The bar on a terminal; None for lines.
    bar: Option<ProgressBar>,
    terminal: bool,
    started: Instant,
    tstop: f64,
    shown: bool,
    /// Tenths of tstop already reported (line mode).
    tenths: u32,
}

impl Progress {
    pub fn new() -> Self {
        Progress { bar: None, terminal: std::io::stderr().is_terminal(), started: Instant::now(), tstop: 0.0, shown: false, tenths: 0 }
    }

    fn line(&mut self, t: f64) {
        let frac = (t / self.tstop).clamp(0.0, 1.0);
        let tenth = (frac * 10.0 + 1e-9).floor() as u32;
        if tenth <= self.tenths {
            return;
        }
        self.tenths = tenth;
        if self.started.elapsed() <= AFTER {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = if frac > 0.0 { elapsed * (1.0 - frac) / frac } else { 0.0 };
        eprintln!("[nerve] t = {}/{} ms, {elapsed:.1} s elapsed, ETA {eta:.1} s", short(t), short(self.tstop));
    }
}

/// A time as people write it: no trailing zeros.
fn short(t: f64) -> String {
    let s = format!("{t:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl hoc::engine::StepObserver for Progress {
    fn samples_state(&self) -> bool {
        false
    }

    fn on_init(&mut self, _model: &Model, tstop: f64) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        self.tstop = tstop.max(1e-9);
        self.started = Instant::now();
        self.shown = false;
        self.tenths = 0;
        if self.terminal {
            let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::hidden());
            bar.set_style(ProgressStyle::with_template("{bar:40} {msg} [{elapsed_precise} < {eta_precise}]").unwrap_or_else(|_| ProgressStyle::default_bar()));
            self.bar = Some(bar);
        }
    }

    fn on_step(&mut self, model: &Model) {
        if !self.terminal {
            if self.tstop > 0.0 {
                self.line(model.t);
            }
            return;
        }
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

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn times_are_short() {
        assert_eq!(short(300.0), "300");
        assert_eq!(short(0.025), "0.025");
        assert_eq!(short(1.5), "1.5");
    }
}
