//! nrniv's command line: `nerve FILE` without `run`, its options, and HOC
//! from standard input (errors reported, reading goes on, exit 0), checked
//! against what NEURON 9.0.2 does with the same input.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nerve-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn nerve(dir: &PathBuf, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nerve"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_file_runs_without_the_run_word() {
    let d = scratch("file");
    std::fs::write(d.join("one.hoc"), "x = 3\nprint x\n").unwrap();
    let out = nerve(&d, &["-nobanner", "-nogui", "one.hoc", "-c", "print x+1"], "print 99\n");
    assert!(out.status.success());
    // Standard input is not read when a file or statement is named.
    assert_eq!(text(&out.stdout), "3 \n4 \n");
}

#[test]
fn standard_input_goes_on_after_an_error() {
    let d = scratch("stdin");
    std::fs::write(d.join("one.hoc"), "x = 3\nprint x\n").unwrap();
    // NEURON: `printf 'print 1\nprint zz\nprint 2\n' | nrniv -nobanner -nogui one.hoc -`
    let out = nerve(&d, &["one.hoc", "-"], "print 1\nprint zz\nprint 2\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "3 \n1 \n2 \n");
    assert_eq!(text(&out.stderr), "nerve: undefined variable zz\n near line 2\n print zz\n         ^\n");
    // With nothing named, a pipe is read.
    let out = nerve(&d, &[], "print 5\n");
    assert_eq!(text(&out.stdout), "5 \n");
    let out = nerve(&d, &["run"], "print 6\n");
    assert_eq!(text(&out.stdout), "6 \n");
}

#[test]
fn a_dll_names_its_mod_folder() {
    let d = scratch("dll");
    let m = d.join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("leak.mod"), "NEURON { SUFFIX leak NONSPECIFIC_CURRENT i RANGE g }\nPARAMETER { g = 0.001 }\nASSIGNED { v i }\nBREAKPOINT { i = g*v }\n").unwrap();
    std::fs::create_dir_all(d.join("run")).unwrap();
    let out = nerve(&d.join("run"), &["-dll", "../m/x86_64/.libs/libnrnmech.so", "-c", "create s", "-c", "s insert leak", "-c", "print s.g_leak"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "0.001 \n");
}

#[test]
fn an_unknown_option_is_refused() {
    let d = scratch("opt");
    let out = nerve(&d, &["-frobnicate", "x.hoc"], "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), "nerve: unknown option -frobnicate\n");
}

/// A bad `--out` stops the run before anything runs (no stdout).
#[test]
fn a_bad_out_is_refused_before_the_run() {
    let d = scratch("out");
    std::fs::write(d.join("p.json"), r#"{"probes":[{"name":"d","type":"CurrentDipoleMoment"}]}"#).unwrap();
    std::fs::write(d.join("afile"), "").unwrap();
    std::fs::write(d.join("one.hoc"), "print 1\n").unwrap();
    let out = nerve(&d, &["run", "--probes", "p.json", "--out", "afile", "one.hoc"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(text(&out.stderr), "nerve: --out afile: exists and is not a folder\n");
    let out = nerve(&d, &["run", "--probes", "p.json", "--out", "afile/sub", "one.hoc"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
