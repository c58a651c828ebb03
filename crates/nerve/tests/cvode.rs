//! The variable time step against NEURON 9.0.2's CVODE. Each script in
//! `hoc-tests/cvode/` prints one row per step (t and some values); the
//! `.neuron` file holds what NEURON printed. Two adaptive integrators agree
//! within their tolerance, not bit for bit, so rows are compared as traces:
//! on a common time grid, by spike times, and by step counts.

use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hoc-tests/cvode")
}

type Rows = Vec<Vec<f64>>;

/// Rows of at least two numbers (other lines are what HOC printed besides).
fn rows(text: &str) -> Rows {
    text.lines()
        .filter_map(|l| {
            let v: Option<Vec<f64>> = l.split_whitespace().map(|w| w.parse().ok()).collect();
            v.filter(|v| v.len() >= 2)
        })
        .collect()
}

fn neuron(name: &str) -> Rows {
    rows(&std::fs::read_to_string(dir().join(format!("{name}.neuron"))).unwrap())
}

fn nerve(name: &str) -> Rows {
    let out = Command::new(env!("CARGO_BIN_EXE_nerve")).current_dir(dir()).args(["run", &format!("{name}.hoc")]).output().unwrap();
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    rows(&String::from_utf8_lossy(&out.stdout))
}

/// Column c at time t, linear between rows (the later row where t repeats).
fn at(r: &Rows, c: usize, t: f64) -> f64 {
    let k = r.partition_point(|row| row[0] <= t).clamp(1, r.len() - 1);
    let (a, b) = (&r[k - 1], &r[k]);
    if b[0] == a[0] {
        return b[c];
    }
    a[c] + (b[c] - a[c]) * (t - a[0]) / (b[0] - a[0])
}

/// Largest and RMS difference of column c on a 0.01 ms grid over both traces.
fn diff(a: &Rows, b: &Rows, c: usize) -> (f64, f64) {
    let tend = a.last().unwrap()[0].min(b.last().unwrap()[0]);
    let (mut max, mut sum, mut n) = (0.0f64, 0.0, 0);
    let mut t = 0.0;
    while t <= tend {
        let d = (at(a, c, t) - at(b, c, t)).abs();
        max = max.max(d);
        sum += d * d;
        n += 1;
        t += 0.01;
    }
    (max, (sum / n as f64).sqrt())
}

/// Upward crossings of 0 mV by column 1, by linear interpolation.
fn spikes(r: &Rows) -> Vec<f64> {
    r.windows(2).filter(|w| w[0][1] < 0.0 && w[1][1] >= 0.0).map(|w| w[0][0] + (w[1][0] - w[0][0]) * (0.0 - w[0][1]) / (w[1][1] - w[0][1])).collect()
}

#[test]
fn passive_cell_with_current_steps() {
    let (ours, theirs) = (nerve("passive"), neuron("passive"));
    // Same steps as CVODE, up to round-off in the step sizes.
    assert!((ours.len() as f64 - theirs.len() as f64).abs() <= 2.0, "{} steps, NEURON {}", ours.len(), theirs.len());
    for c in [1, 2] {
        let (max, rms) = diff(&ours, &theirs, c);
        assert!(max < 1e-4 && rms < 1e-5, "column {c}: max {max}, rms {rms}");
    }
    // Both sides of each discontinuity are recorded at its time.
    for te in [2.0, 5.0, 6.0, 8.0] {
        let n = ours.iter().filter(|r| (r[0] - te).abs() < 1e-9).count();
        assert_eq!(n, 2, "rows at t = {te}");
    }
}

#[test]
fn events_and_spikes() {
    let (ours, theirs) = (nerve("hh_events"), neuron("hh_events"));
    let (s1, s2) = (spikes(&ours), spikes(&theirs));
    assert_eq!(s1.len(), 4);
    assert_eq!(s1.len(), s2.len());
    for (a, b) in s1.iter().zip(&s2) {
        assert!((a - b).abs() < 0.02, "spike at {a}, NEURON {b}");
    }
    let (_, rms) = diff(&ours, &theirs, 1);
    assert!(rms < 0.5, "rms {rms} mV");
    // The synaptic event at 6 ms is recorded before and after delivery.
    assert_eq!(ours.iter().filter(|r| r[0] == 6.0).count(), 2);
    // Steps adapt: short on the upstrokes, long at rest.
    let h: Vec<f64> = ours.windows(2).map(|w| w[1][0] - w[0][0]).filter(|&h| h > 0.0).collect();
    assert!(h.iter().cloned().fold(f64::INFINITY, f64::min) < 0.01);
    assert!(h.iter().cloned().fold(0.0, f64::max) > 1.0);
}

#[test]
fn tighter_tolerance_costs_steps_and_gains_accuracy() {
    let (loose, tight) = (nerve("hh_events"), nerve("hh_events_tight"));
    let reference = neuron("hh_events_tight");
    assert!(tight.len() as f64 > 2.0 * loose.len() as f64, "{} vs {} steps", tight.len(), loose.len());
    let (_, rms_loose) = diff(&loose, &reference, 1);
    let (_, rms_tight) = diff(&tight, &reference, 1);
    assert!(rms_tight < 0.5 * rms_loose, "rms {rms_tight} (atol 1e-5) vs {rms_loose} (atol 1e-3)");
    let (s1, s2) = (spikes(&tight), spikes(&reference));
    assert_eq!(s1.len(), s2.len());
    for (a, b) in s1.iter().zip(&s2) {
        assert!((a - b).abs() < 0.005, "spike at {a}, NEURON {b}");
    }
}

#[test]
fn kinetic_scheme() {
    let (ours, theirs) = (nerve("kinetic"), neuron("kinetic"));
    let (s1, s2) = (spikes(&ours), spikes(&theirs));
    assert!(!s1.is_empty());
    assert_eq!(s1.len(), s2.len());
    for (a, b) in s1.iter().zip(&s2) {
        assert!((a - b).abs() < 0.05, "spike at {a}, NEURON {b}");
    }
    // The state's absolute tolerance is 1e-3; NEURON solves the scheme's
    // Newton matrix whole, nerve by its diagonal, so the steps differ.
    let (_, rms) = diff(&ours, &theirs, 2);
    assert!(rms < 5e-3, "open state rms {rms}");
    let (_, rms) = diff(&ours, &theirs, 1);
    assert!(rms < 1.0, "v rms {rms}");
}

#[test]
fn samples_at_given_times() {
    let split = |r: Rows| -> (Rows, Rows) {
        // Rows of v every 0.5 ms, then rows of m at 0.25 ms steps (time restarts at 0).
        let k = r.iter().skip(1).position(|row| row[0] == 0.0).map_or(r.len(), |k| k + 1);
        let (a, b) = r.split_at(k);
        (a.to_vec(), b.to_vec())
    };
    let (v1, m1) = split(nerve("record_times"));
    let (v2, m2) = split(neuron("record_times"));
    assert_eq!((v1.len(), m1.len()), (v2.len(), m2.len()));
    assert_eq!((v1.len(), m1.len()), (21, 41));
    for (a, b) in v1.iter().zip(&v2) {
        assert_eq!(a[0], b[0]);
        assert!((a[1] - b[1]).abs() < 0.01, "v at {}: {} vs NEURON {}", a[0], a[1], b[1]);
    }
    for (a, b) in m1.iter().zip(&m2) {
        assert!((a[1] - b[1]).abs() < 2e-4, "m at {}: {} vs NEURON {}", a[0], a[1], b[1]);
    }
}

#[test]
fn played_inputs_are_discontinuities() {
    let (ours, theirs) = (nerve("play"), neuron("play"));
    assert!((ours.len() as f64 - theirs.len() as f64).abs() <= 0.03 * theirs.len() as f64, "{} steps, NEURON {}", ours.len(), theirs.len());
    let (s1, s2) = (spikes(&ours), spikes(&theirs));
    assert_eq!(s1.len(), s2.len());
    for (a, b) in s1.iter().zip(&s2) {
        assert!((a - b).abs() < 0.02, "spike at {a}, NEURON {b}");
    }
    for te in [1.0, 3.0, 6.0, 9.0] {
        assert_eq!(ours.iter().filter(|r| (r[0] - te).abs() < 1e-9).count(), 2, "rows at t = {te}");
    }
}

/// Upward crossings of 0 mV by column c.
fn spikes_in(r: &Rows, c: usize) -> Vec<f64> {
    r.windows(2).filter(|w| w[0][c] < 0.0 && w[1][c] >= 0.0).map(|w| w[0][0] + (w[1][0] - w[0][0]) * (0.0 - w[0][c]) / (w[1][c] - w[0][c])).collect()
}

/// Extracellular layers make the system implicit: NEURON integrates it
/// with IDA, nerve with its BDF in implicit form (M y' = f).
#[test]
fn extracellular_layers_under_the_variable_step() {
    let (ours, theirs) = (nerve("ext_passive"), neuron("ext_passive"));
    // v (axon, soma) and vext[0]: the largest differences sit at the steps
    // of e_extracellular, where the two integrators' rows fall differently.
    for (c, tol) in [(1, 0.05), (2, 1e-3), (3, 0.05)] {
        let (max, rms) = diff(&ours, &theirs, c);
        assert!(max < tol && rms < 0.1 * tol, "column {c}: max {max}, rms {rms}");
    }
    // Each played step is a discontinuity, recorded on both sides.
    for te in [1.2, 2.0, 3.0] {
        assert_eq!(ours.iter().filter(|r| (r[0] - te).abs() < 1e-9).count(), 2, "rows at t = {te}");
    }
}

#[test]
fn point_electrode_fires_an_hh_axon_under_the_variable_step() {
    let (ours, theirs) = (nerve("ext_hh_electrode"), neuron("ext_hh_electrode"));
    for c in 1..=3 {
        let (s1, s2) = (spikes_in(&ours, c), spikes_in(&theirs, c));
        assert_eq!(s1.len(), 1, "column {c}");
        assert_eq!(s1.len(), s2.len());
        assert!((s1[0] - s2[0]).abs() < 0.01, "column {c}: spike at {}, NEURON {}", s1[0], s2[0]);
        let (max, _) = diff(&ours, &theirs, c);
        assert!(max < 0.5, "column {c}: max {max} mV");
    }
}

/// A gap junction as two POINTER half-gaps (gap.mod): NEURON's steps, to
/// round-off.
#[test]
fn pointer_gap_junction_under_the_variable_step() {
    let (ours, theirs) = (nerve("gap_pointer"), neuron("gap_pointer"));
    assert_eq!(ours.len(), theirs.len());
    for c in 1..=3 {
        let (max, _) = diff(&ours, &theirs, c);
        assert!(max < 1e-6, "column {c}: max {max}");
    }
    for c in 1..=2 {
        let (s1, s2) = (spikes_in(&ours, c), spikes_in(&theirs, c));
        assert_eq!(s1.len(), 1);
        assert!((s1[0] - s2[0]).abs() < 1e-6);
    }
}

/// LinearMechanisms (a gap junction, an electrode's RC filter with its own
/// state) make the system implicit, as extracellular layers do.
#[test]
fn linear_mechanisms_under_the_variable_step() {
    let (ours, theirs) = (nerve("linmod_gap"), neuron("linmod_gap"));
    for c in 1..=3 {
        let (s1, s2) = (spikes_in(&ours, c), spikes_in(&theirs, c));
        assert_eq!(s1.len(), 1, "column {c}");
        assert!((s1[0] - s2[0]).abs() < 0.01, "column {c}: spike at {}, NEURON {}", s1[0], s2[0]);
        let (max, _) = diff(&ours, &theirs, c);
        assert!(max < 0.5, "column {c}: max {max} mV");
    }
    // The filter's own state (y[1] of the second mechanism).
    let (max, _) = diff(&ours, &theirs, 4);
    assert!(max < 0.05, "electrode state: max {max}");
}
