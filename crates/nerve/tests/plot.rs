//! `nerve plot` on a small output folder made here: a linear probe, a
//! two-contact probe, a current dipole moment, EEG, MEG and soma_v.npy.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ndarray::{Array, ArrayD, Dimension, IxDyn};
use ndarray_npy::write_npy;

fn nerve(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nerve")).args(args).output().expect("nerve runs")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nerve-plot-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn npy(dir: &Path, name: &str, shape: &[usize], f: impl Fn(&[usize]) -> f64) {
    let a: ArrayD<f64> = Array::from_shape_fn(IxDyn(shape), |ix| f(ix.slice()));
    write_npy(dir.join(name), &a).unwrap();
}

/// A folder shaped like the output of `nerve run --probes … --out DIR`.
fn synthetic_run(dir: &Path) {
    let nt = 400;
    let dt = 0.025;
    let t = |i: usize| i as f64 * dt;
    let psp = |i: usize| {
        let s = (t(i) - 2.0).max(0.0);
        (-s / 3.0).exp() - (-s / 0.5).exp()
    };
    npy(dir, "t.npy", &[nt], |ix| t(ix[0]));
    npy(dir, "soma_v.npy", &[nt], |ix| -65.0 + 8.0 * psp(ix[0]));
    npy(dir, "lfp.npy", &[6, nt], |ix| 1e-3 * (ix[0] as f64 - 2.5) * psp(ix[1]));
    npy(dir, "pair.npy", &[2, nt], |ix| if ix[0] == 0 { 2e-4 } else { -1e-4 } * psp(ix[1]));
    npy(dir, "dipole.npy", &[3, nt], |ix| [1.0, -2.0, 10.0][ix[0]] * psp(ix[1]));
    npy(dir, "eeg.npy", &[2, nt], |ix| [1e-8, 5e-9][ix[0]] * psp(ix[1]));
    npy(dir, "meg.npy", &[2, 3, nt], |ix| 1e-7 * (ix[0] + ix[1]) as f64 * psp(ix[2]));
    let meta = serde_json::json!({
        "segments": 12,
        "time_steps": nt,
        "units": {"t": "ms", "geometry": "um", "current": "nA", "soma_v": "mV"},
        "probes": [
            {"name": "lfp", "type": "LineSourcePotential", "x": [10, 10, 10, 10, 10, 10], "y": [0, 0, 0, 0, 0, 0],
             "z": [0, 20, 40, 60, 80, 100], "sigma": 0.3, "units": "mV", "shape": [6, nt]},
            {"name": "pair", "type": "RecExtElectrode", "method": "pointsource", "x": [-20, 20],
             "y": [0, 0], "z": [0, 50], "units": "mV", "shape": [2, nt]},
            {"name": "dipole", "type": "CurrentDipoleMoment", "units": "nA·µm", "shape": [3, nt]},
            {"name": "eeg", "type": "FourSphereVolumeConductor", "r_electrodes": [[0, 0, 90000], [0, 9000, 89000]],
             "dipole_location": [0, 0, 78000], "units": "mV", "shape": [2, nt]},
            {"name": "meg", "type": "InfiniteHomogeneousVolCondMEG", "sensor_locations": [[0, 0, 1000], [1000, 0, 0]],
             "dipole_location": [0, 0, 0], "units": "nA/µm", "shape": [2, 3, nt]}
        ]
    });
    std::fs::write(dir.join("meta.json"), serde_json::to_string_pretty(&meta).unwrap()).unwrap();
}

#[test]
fn plot_writes_png_and_svg() {
    let dir = scratch("ok");
    synthetic_run(&dir);
    let d = dir.to_str().unwrap();

    let out = nerve(&["plot", d]);
    assert!(out.status.success(), "nerve plot failed: {}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(dir.join("figure.png")).expect("DIR/figure.png written");
    assert!(png.len() > 10_000, "PNG is only {} bytes", png.len());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    let svg_path = dir.join("fig.svg");
    let out = nerve(&["plot", d, "-o", svg_path.to_str().unwrap()]);
    assert!(out.status.success(), "nerve plot -o fig.svg failed: {}", String::from_utf8_lossy(&out.stderr));
    let svg = std::fs::read_to_string(&svg_path).expect("fig.svg written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for title in ["soma — membrane potential", "lfp — LineSourcePotential", "dipole — current dipole moment", "eeg — EEG", "meg — MEG"] {
        assert!(svg.contains(title), "SVG lacks the panel {title:?}");
    }
    // The colour map of the linear probe, with its colour bar.
    assert!(svg.contains("φ (µV)"), "SVG lacks the colour bar label");
    assert!(svg.contains("colour: symmetric log"), "the map's scale is stated");
    // MEG as B in fT (1e-7 nA/µm × µ0 = 0.126 fT: drawn in aT), traces by position.
    assert!(svg.contains("B = µ0·H"), "MEG drawn as B");
    assert!(svg.contains("fT") || svg.contains("aT"), "MEG in tesla");
    assert!(svg.contains("1000, 0, 0 µm"), "MEG sensors labelled by position");
    assert!(svg.contains("0, 9, 89 mm"), "EEG electrodes labelled by position");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `nerve plot` expecting a clean failure whose message contains `want`.
fn fails_with(args: &[&str], want: &str) {
    let out = nerve(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "expected exit 1 for {args:?}, stderr: {err}");
    assert!(err.contains(want), "expected {want:?} in stderr for {args:?}, got: {err}");
    assert!(!err.contains("panicked"), "nerve panicked: {err}");
}

#[test]
fn plot_reports_bad_folders() {
    let dir = scratch("bad");
    let d = dir.to_str().unwrap();
    fails_with(&["plot", dir.join("missing").to_str().unwrap()], "no such folder");
    fails_with(&["plot", d], "no meta.json");

    synthetic_run(&dir);
    fails_with(&["plot", d, "-o", dir.join("fig.jpg").to_str().unwrap()], ".png or .svg");

    std::fs::write(dir.join("lfp.npy"), b"not an npy file").unwrap();
    fails_with(&["plot", d], "lfp.npy");

    synthetic_run(&dir);
    npy(&dir, "dipole.npy", &[2, 400], |_| 0.0);
    fails_with(&["plot", d], "probe 'dipole'");

    synthetic_run(&dir);
    npy(&dir, "t.npy", &[10], |ix| ix[0] as f64);
    fails_with(&["plot", d], "like t.npy");
    let _ = std::fs::remove_dir_all(&dir);
}
