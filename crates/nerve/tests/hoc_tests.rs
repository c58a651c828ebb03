//! Runs every `hoc-tests/*.hoc` script through `nerve run` and compares its
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

#[test]
fn hoc_scripts_match_neuron() {
    let dir = tests_dir();
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("hoc-tests folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "hoc") && p.with_extension("stdout").exists())
        .collect();
    scripts.sort();
    // Scripts that need work of a later issue: they must still fail, so that
    // each is taken off the list as soon as it passes.
    let pending: Vec<String> = std::fs::read_to_string(dir.join("pending.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert!(scripts.len() >= 60, "expected at least 60 hoc-tests, found {}", scripts.len());
    let mut failures = Vec::new();
    let mut pending_failed = 0;
    for script in &scripts {
        let name = script.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".hoc");
        if pending.iter().any(|p| p == stem) {
            if run_matches(&dir, script) {
                failures.push(format!("{name}: passes now; take it off hoc-tests/pending.txt"));
            } else {
                pending_failed += 1;
            }
            continue;
        }
        let out = Command::new(env!("CARGO_BIN_EXE_nerve"))
            .arg("run")
            .arg(&name)
            .current_dir(&dir)
            .env_remove("HOC_LIBRARY_PATH")
            .output()
            .expect("run nerve");
        let want = std::fs::read_to_string(script.with_extension("stdout")).unwrap();
        let got = String::from_utf8_lossy(&out.stdout);
        if want != got {
            failures.push(format!("{name}: stdout differs: {}", first_difference(&want, &got)));
            continue;
        }
        let err_path = script.with_extension("stderr");
        let got_err = String::from_utf8_lossy(&out.stderr);
        if err_path.exists() {
            let want_err = std::fs::read_to_string(&err_path).unwrap();
            if want_err != got_err {
                failures.push(format!("{name}: stderr differs: {}", first_difference(&want_err, &got_err)));
            } else if out.status.code() != Some(1) {
                failures.push(format!("{name}: exit status {:?}, expected 1", out.status.code()));
            }
        } else if !out.status.success() {
            failures.push(format!("{name}: exit status {:?}; stderr: {}", out.status.code(), got_err.trim_end()));
        }
    }
    if !failures.is_empty() {
        panic!("{} of {} hoc-tests failed:\n{}", failures.len(), scripts.len(), failures.join("\n"));
    }
    eprintln!("{} hoc-tests match NEURON; {} pending (hoc-tests/pending.txt)", scripts.len() - pending_failed, pending_failed);
}

/// Whether a script's stdout, stderr and exit status all match.
fn run_matches(dir: &Path, script: &Path) -> bool {
    let name = script.file_name().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nerve")).arg("run").arg(name).current_dir(dir).output().expect("run nerve");
    let want = std::fs::read_to_string(script.with_extension("stdout")).unwrap();
    if want != String::from_utf8_lossy(&out.stdout) {
        return false;
    }
    match std::fs::read_to_string(script.with_extension("stderr")) {
        Ok(e) => e == String::from_utf8_lossy(&out.stderr) && out.status.code() == Some(1),
        Err(_) => out.status.success(),
    }
}
