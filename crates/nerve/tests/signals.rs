//! A run stopped by SIGINT or SIGTERM, or by a file-size limit, leaves in
//! its --out folder the samples streamed up to the last block: every .npy
//! a whole array, every time series of the same length, and meta.json
//! saying the run did not complete. Never a hidden file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nerve-signals-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A soma and `contacts` point-source contacts, run to `tstop` ms.
fn model(dir: &Path, tstop: f64, contacts: usize) {
    let hoc = format!("load_file(\"stdrun.hoc\")\ncreate soma\nsoma {{ L = 20 diam = 20 insert hh }}\nobjref stim\nsoma stim = new IClamp(0.5)\n{{stim.del = 1 stim.dur = 1e9 stim.amp = 0.1}}\ntstop = {tstop}\nrun()\n");
    std::fs::write(dir.join("main.hoc"), hoc).unwrap();
    let zs: Vec<String> = (0..contacts).map(|k| (k as f64).to_string()).collect();
    let json = format!(
        "{{\"probes\": [{{\"name\": \"psp\", \"type\": \"PointSourcePotential\", \"x\": [{}], \"y\": [{}], \"z\": [{}], \"sigma\": 0.3}}]}}",
        vec!["30"; contacts].join(","),
        vec!["0"; contacts].join(","),
        zs.join(",")
    );
    std::fs::write(dir.join("probes.json"), json).unwrap();
}

fn start(dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_nerve"))
        .args(["run", "--probes", "probes.json", "--out", "out", "main.hoc"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nerve")
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).map(|d| d.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned())).collect()).unwrap_or_default();
    v.sort();
    v
}

fn signal(child: &Child, sig: libc::c_int) {
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
}

fn killed_by(status: std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(&status)
}

/// Every .npy of the folder reads back whole, with the shape meta.json
/// gives (complete) or with as many samples as t.npy (a stopped run);
/// the number of samples.
fn check_complete(out: &Path, complete: bool) -> usize {
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["complete"], complete);
    let t: ndarray::ArrayD<f64> = ndarray_npy::read_npy(out.join("t.npy")).unwrap();
    let nt = t.len();
    let psp: ndarray::ArrayD<f64> = ndarray_npy::read_npy(out.join("psp.npy")).unwrap();
    let soma_v: ndarray::ArrayD<f64> = ndarray_npy::read_npy(out.join("soma_v.npy")).unwrap();
    let mut shape: Vec<usize> = meta["probes"][0]["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
    if complete {
        assert_eq!(meta["time_steps"].as_u64().unwrap() as usize, nt);
    } else {
        *shape.last_mut().unwrap() = nt;
    }
    assert_eq!(psp.shape(), shape.as_slice());
    assert_eq!(soma_v.len(), nt);
    for k in 1..nt {
        assert!(t[k] > t[k - 1], "t[{k}]");
    }
    nt
}

#[test]
fn a_signal_during_the_run_leaves_the_blocks_written() {
    for (name, sig) in [("int", libc::SIGINT), ("term", libc::SIGTERM)] {
        let dir = scratch(name);
        model(&dir, 1e9, 3);
        let out = dir.join("out");
        let mut child = start(&dir);
        // Once a few blocks are on disk.
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline && std::fs::metadata(out.join("t.npy")).map_or(true, |m| m.len() < 256 + 8 * 1024) {
            std::thread::sleep(Duration::from_millis(20));
        }
        signal(&child, sig);
        let status = child.wait().unwrap();
        assert_eq!(killed_by(status), Some(sig), "{name}: {status:?}");
        assert!(!names(&out).iter().any(|n| n.starts_with('.')), "{name}");
        assert!(check_complete(&out, false) >= 1024, "{name}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_signal_while_a_block_is_written_waits_for_it() {
    // Blocks of 3000 contacts × 256 samples (6 MB): signals sent at
    // different moments of the run each leave whole arrays.
    let dir = scratch("writing");
    model(&dir, 1e9, 3000);
    let out = dir.join("out");
    for wait_ms in [150, 230, 310, 390, 470] {
        let _ = std::fs::remove_dir_all(&out);
        let mut child = start(&dir);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline && !out.join("meta.json").exists() {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(wait_ms));
        signal(&child, libc::SIGTERM);
        let status = child.wait().unwrap();
        assert_eq!(killed_by(status), Some(libc::SIGTERM), "{status:?}");
        assert!(!names(&out).iter().any(|n| n.starts_with('.')));
        check_complete(&out, false);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_that_ends_leaves_complete_results() {
    let dir = scratch("whole");
    model(&dir, 20.0, 300);
    let run = start(&dir).wait_with_output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(check_complete(&dir.join("out"), true), 801);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_size_limit_is_an_error_and_leaves_the_blocks_written() {
    let dir = scratch("fsize");
    model(&dir, 100.0, 3000);
    let nerve = env!("CARGO_BIN_EXE_nerve");
    let run = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -f 16384; exec '{nerve}' run --probes probes.json --out out main.hoc"))
        .current_dir(&dir)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{:?}: {err}", run.status);
    assert!(err.starts_with("nerve: out/psp.npy: File too large"), "{err}");
    let out = dir.join("out");
    let psp: ndarray::ArrayD<f64> = ndarray_npy::read_npy(out.join("psp.npy")).unwrap();
    assert!(psp.shape()[1] >= 256 && psp.shape()[1] % 256 == 0, "{:?}", psp.shape());
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["complete"], false);
    let _ = std::fs::remove_dir_all(&dir);
}
