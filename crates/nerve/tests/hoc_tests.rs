//! Runs every `hoc-tests/TOPIC/*.hoc` script through `nerve run` and compares its
//! stdout (and, for error cases, stderr and exit status) with what NEURON
//! 9.0.2 printed for the same script.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hoc-tests")
}

/// First differing line, for a readable failure message.
fn first_difference(want: &str, got: &str) -> String {
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            return format!("line {}: expected {:?}, got {:?}", i + 1, w, g);
        }
    }
    format!("expected {} lines, got {}", want.lines().count(), got.lines().count())
}

/// The scripts of a folder that have NEURON's expected output, in name order.
fn scripts_in(dir: &Path) -> Vec<PathBuf> {
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "hoc") && p.with_extension("stdout").exists())
        .collect();
    scripts.sort();
    scripts
}

/// The topic folders of `hoc-tests/` (each script runs from its own folder).
fn topic_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(tests_dir())
        .expect("hoc-tests")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Every `hoc-tests/TOPIC/NAME.hoc` that has NEURON's `NAME.stdout`, run from
/// its folder. `nmodl/` holds .mod files written for the tests: nerve loads
/// the current directory's .mod files, as nrniv loads the library nrnivmodl
/// built there, and its expectations come from NEURON with those files
/// compiled by nrnivmodl.
#[test]
fn hoc_scripts_match_neuron() {
    // Scripts that need work of a later issue: they must still fail, so that
    // each is taken off the list as soon as it passes.
    let pending: Vec<String> = std::fs::read_to_string(tests_dir().join("pending.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    let mut scripts = Vec::new();
    for dir in topic_dirs() {
        scripts.extend(scripts_in(&dir).into_iter().map(|s| (dir.clone(), s)));
    }
    assert!(scripts.len() >= 200, "expected at least 200 hoc-tests, found {}", scripts.len());
    let mut failures = Vec::new();
    let mut pending_failed = 0;
    for (dir, script) in &scripts {
        let topic = dir.file_name().unwrap().to_string_lossy();
        let stem = script.file_stem().unwrap().to_string_lossy();
        let name = format!("{topic}/{stem}");
        if pending.iter().any(|p| *p == name) {
            if compare(dir, script).is_ok() {
                failures.push(format!("{name}: passes now; take it off hoc-tests/pending.txt"));
            } else {
                pending_failed += 1;
            }
            continue;
        }
        if let Err(e) = compare(dir, script) {
            failures.push(format!("{name}: {e}"));
        }
    }
    if !failures.is_empty() {
        panic!("{} of {} hoc-tests failed:\n{}", failures.len(), scripts.len(), failures.join("\n"));
    }
    eprintln!("{} hoc-tests match NEURON; {} pending (hoc-tests/pending.txt)", scripts.len() - pending_failed, pending_failed);
}

/// Runs a script and compares its stdout, stderr and exit status with NEURON's.
fn compare(dir: &Path, script: &Path) -> Result<(), String> {
    // graph/ shows NEURON with a display: Graphs keep their data.
    let graphs: &[&str] = if dir.file_name().is_some_and(|d| d == "graph") { &["--graphs"] } else { &[] };
    let out = Command::new(env!("CARGO_BIN_EXE_nerve"))
        .arg("run")
        .args(graphs)
        .arg(script.file_name().unwrap())
        .current_dir(dir)
        .env_remove("HOC_LIBRARY_PATH")
        .output()
        .expect("run nerve");
    let want = std::fs::read_to_string(script.with_extension("stdout")).unwrap();
    let got = String::from_utf8_lossy(&out.stdout);
    if want != got {
        return Err(format!("stdout differs: {}", first_difference(&want, &got)));
    }
    let got_err = String::from_utf8_lossy(&out.stderr);
    match std::fs::read_to_string(script.with_extension("stderr")) {
        Ok(want_err) if want_err != got_err => Err(format!("stderr differs: {}", first_difference(&want_err, &got_err))),
        Ok(_) if out.status.code() != Some(1) => Err(format!("exit status {:?}, expected 1", out.status.code())),
        Ok(_) => Ok(()),
        Err(_) if !out.status.success() => Err(format!("exit status {:?}; stderr: {}", out.status.code(), got_err.trim_end())),
        Err(_) => Ok(()),
    }
}

/// A .mod file that does not compile stops `nerve run --mod` before any HOC
/// runs: exit 1, the message with file:line:col, nothing on stdout.
#[test]
fn bad_mod_file_stops_the_run() {
    let dir = std::env::temp_dir().join(format!("nerve-badmod-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bad.mod"), "NEURON { SUFFIX a }\nBREAKPOINT { x = 1 }\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nerve")).args(["run", "--mod"]).arg(&dir).args(["-c", "print 1"]).output().expect("run nerve");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("nerve: ") && err.trim_end().ends_with("bad.mod:2:14: x is not declared"), "{err}");
}

/// mod-files/pas.mod, compiled, gives exactly the native pas's numbers (the
/// built-in catalogue keeps the native one for speed).
#[test]
fn compiled_pas_equals_native_pas() {
    let dir = std::env::temp_dir().join(format!("nerve-pas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Under its own name: a .mod file may not take a built-in's.
    let pas = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../mod-files/pas.mod")).unwrap();
    assert!(pas.contains("SUFFIX pas\n"));
    std::fs::write(dir.join("pasx.mod"), pas.replace("SUFFIX pas\n", "SUFFIX pasx\n")).unwrap();
    let script = "create soma, dend\nconnect dend(0), soma(1)\nforall { insert pas nseg = 5 L = 200 diam = 2 }\nsoma { g_pas = 3e-4 e_pas = -60 }\n\
        objref s\nsoma s = new IClamp(0.5)\ns.del = 1\ns.dur = 5\ns.amp = 0.1\nfinitialize(-70)\n\
        for i = 1, 400 { fadvance() if (i % 40 == 0) printf(\"%.17g %.17g %.17g\\n\", soma.v(0.5), dend.v(0.9), dend.i_pas(0.3)) }\n";
    let run = |extra: &[&std::ffi::OsStr]| {
        let script = if extra.is_empty() { script.to_string() } else { script.replace("pas", "pasx") };
        let out = Command::new(env!("CARGO_BIN_EXE_nerve")).arg("run").args(extra).args(["-c", &script]).output().expect("run nerve");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let native = run(&[]);
    let compiled = run(&["--mod".as_ref(), dir.as_os_str()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(native.lines().count(), 11);
    assert_eq!(native, compiled);
}
