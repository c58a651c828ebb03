//! A run stopped by SIGINT or SIGTERM, or by a file-size limit, leaves in
//! its --out folder either every result complete or nothing: never a
//! hidden `.partial` file, never a file that looks complete and is not.

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

/// Every .npy of the folder reads back whole, with the shape meta.json gives.
fn check_complete(out: &Path) {
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    let nt = meta["time_steps"].as_u64().unwrap() as usize;
    let t: ndarray::ArrayD<f64> = ndarray_npy::read_npy(out.join("t.npy")).unwrap();
    assert_eq!(t.shape(), [nt]);
    let psp: ndarray::ArrayD<f64> = ndarray_npy::read_npy(out.join("psp.npy")).unwrap();
    let shape: Vec<usize> = meta["probes"][0]["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
    assert_eq!(psp.shape(), shape.as_slice());
}

#[test]
fn a_signal_during_the_run_leaves_nothing() {
    for (name, sig) in [("int", libc::SIGINT), ("term", libc::SIGTERM)] {
        let dir = scratch(name);
        model(&dir, 1e9, 3);
        let mut child = start(&dir);
        std::thread::sleep(Duration::from_millis(500));
        signal(&child, sig);
        let status = child.wait().unwrap();
        assert_eq!(killed_by(status), Some(sig), "{name}: {status:?}");
        assert_eq!(names(&dir.join("out")), Vec::<String>::new(), "{name}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_signal_while_results_are_written_waits_for_them_to_be_complete() {
    // About 100 MB of results: the signal is sent as soon as the first
    // temporary file appears.
    let dir = scratch("writing");
    model(&dir, 100.0, 3000);
    let out = dir.join("out");
    let mut caught = 0;
    for _ in 0..5 {
        let _ = std::fs::remove_dir_all(&out);
        let mut child = start(&dir);
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut sent = false;
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if names(&out).iter().any(|n| n.ends_with(".partial")) {
                signal(&child, libc::SIGTERM);
                sent = true;
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let status = child.wait().unwrap();
        let left = names(&out);
        assert!(!left.iter().any(|n| n.starts_with('.')), "{left:?}");
        check_complete(&out);
        if sent {
            assert_eq!(killed_by(status), Some(libc::SIGTERM), "{status:?}");
            caught += 1;
            break;
        }
    }
    assert!(caught > 0, "the signal never arrived while results were being written");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_size_limit_is_an_error_and_leaves_nothing() {
    let dir = scratch("fsize");
    model(&dir, 100.0, 3000);
    let nerve = env!("CARGO_BIN_EXE_nerve");
    let run = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -f 2048; exec '{nerve}' run --probes probes.json --out out main.hoc"))
        .current_dir(&dir)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{:?}: {err}", run.status);
    assert!(err.starts_with("nerve: out/psp.npy: File too large"), "{err}");
    assert_eq!(names(&dir.join("out")), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&dir);
}
