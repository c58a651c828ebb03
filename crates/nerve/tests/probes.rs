//! Probes from the command line (`--probes`) and from HOC (`LFPProbe`) give
//! the same signals, and bad probe files are refused before the run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn read_npy(path: &Path) -> (Vec<usize>, Vec<f64>) {
    let a: ndarray::ArrayD<f64> = ndarray_npy::read_npy(path).expect("npy");
    (a.shape().to_vec(), a.iter().copied().collect())
}

#[test]
fn cli_probes_and_hoc_probe_agree() {
    let out = std::env::temp_dir().join(format!("nerve-probe-test-{}", std::process::id()));
    let hoc = out.with_extension("hoc");
    std::fs::write(
        &hoc,
        format!(
            "load_file(\"{}\")\nobjref e, zs\nzs = new Vector(3)\nzs.indgen(0, 50)\ne = new LFPProbe(\"PointSourcePotential\", 20, 0, zs, 0.3)\nrun()\nfor i = 0, e.data(1).size() - 1 printf(\"v %.17g\\n\", e.data(1).x[i])\n",
            data().join("probe_cell.hoc").display()
        ),
    )
    .unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_nerve"))
        .args(["run", "--probes"])
        .arg(data().join("probes.json"))
        .arg("--out")
        .arg(&out)
        .arg(&hoc)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let (shape, psp) = read_npy(&out.join("psp.npy"));
    let (tshape, _) = read_npy(&out.join("t.npy"));
    assert_eq!(shape, vec![3, tshape[0]]);
    assert_eq!(tshape[0], 241, "t = 0 and 240 steps of 0.025 ms");
    let hoc_values: Vec<f64> = String::from_utf8_lossy(&run.stdout).lines().filter_map(|l| l.strip_prefix("v ")?.parse().ok()).collect();
    let row1 = &psp[tshape[0]..2 * tshape[0]];
    assert_eq!(hoc_values.len(), row1.len());
    // Same matrix and currents; the sums may be taken in another order.
    let scale = row1.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (a, b) in hoc_values.iter().zip(row1) {
        assert!((a - b).abs() <= 1e-12 * scale, "{a} vs {b}");
    }
    assert!(row1.iter().any(|&v| v.abs() > 1e-6), "the synapse drives a signal");
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["segments"], 12);
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_file(&hoc);
}

#[test]
fn bad_probe_file_is_refused_before_the_run() {
    let dir = std::env::temp_dir().join(format!("nerve-bad-probe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"probes": [{"name": "e", "type": "FourSphereVolumeConductor", "radii": [1, 2], "sigmas": [0.3, 1.5, 0.015, 0.3], "r_electrodes": [[0, 0, 1]]}]}"#).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_nerve"))
        .args(["run", "--probes"])
        .arg(&bad)
        .arg("--out")
        .arg(dir.join("out"))
        .arg(data().join("probe_cell.hoc"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("radii"), "{err}");
    assert!(run.stdout.is_empty(), "nothing ran");
    assert!(!dir.join("out").exists(), "no output written");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stimulus electrode in probes.json drives the axon as the same point
/// source played into e_extracellular from HOC does (the hoc-test checked
/// against NEURON), up to LFPy's segment midpoints (rounded to 1e-6 of the
/// section); its current is written beside the probes.
#[test]
fn stimulus_electrode_matches_the_played_point_source() {
    let out = std::env::temp_dir().join(format!("nerve-stim-test-{}", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_nerve"))
        .current_dir(data())
        .args(["run", "--probes", "stim_axon.json", "--out"])
        .arg(&out)
        .arg("stim_axon.hoc")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let ours = String::from_utf8_lossy(&run.stdout).to_string();
    let reference = std::fs::read_to_string(data().join("../../../../hoc-tests/extracellular/ext_hh_electrode.stdout")).unwrap();
    let numbers = |text: &str, prefix: &str| -> Vec<Vec<f64>> {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .map(|l| l.split(|c: char| c == ' ' || c == ':').filter_map(|w| w.parse().ok()).collect())
            .collect()
    };
    let (a, b) = (numbers(&ours, "t "), numbers(&reference, "t "));
    assert_eq!(a.len(), 4);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        for (p, q) in x.iter().zip(y) {
            assert!((p - q).abs() < 0.01 * (1.0 + q.abs() * 1e-2), "{x:?} vs {y:?}");
        }
    }
    assert_eq!(numbers(&ours, "spikes"), numbers(&reference, "spikes"));
    let (shape, t) = read_npy(&out.join("t.npy"));
    let (ishape, i) = read_npy(&out.join("stimulus_cathode.npy"));
    assert_eq!(shape, ishape);
    for (t, i) in t.iter().zip(&i) {
        let want = if (1.0..1.1).contains(t) { -150000.0 } else { 0.0 };
        assert_eq!(*i, want, "at t = {t}");
    }
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["stimuli"][0]["units"], "nA");
    // `nerve plot` draws a folder with stimuli (and nothing else).
    let png = out.join("stim.png");
    let plot = Command::new(env!("CARGO_BIN_EXE_nerve")).arg("plot").arg(&out).arg("-o").arg(&png).output().unwrap();
    assert!(plot.status.success(), "{}", String::from_utf8_lossy(&plot.stderr));
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    let _ = std::fs::remove_dir_all(&out);
}
