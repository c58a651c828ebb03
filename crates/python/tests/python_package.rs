//! Builds nerve's Python package into a virtual environment made from PyPI
//! (maturin, numpy, pytest) and runs the Python tests (python/tests): the
//! `neuron` module on nerve, compared with NEURON 9.0.2's recorded output.
//!
//! The environment lives in the target folder and is reused; it needs
//! `python3` (3.9 or newer, or `$PYTHON`) on PATH and PyPI the first time.
//! The tests of `nerve run script.py` use this build's nerve program
//! (built by `cargo test --workspace`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{text}");
    assert!(out.status.success(), "{what} failed ({}):\n{text}", out.status);
}

#[test]
fn python_package_passes_its_tests() {
    let root = repo_root();
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let base = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(Command::new(&base).args(["-m", "venv"]).arg(&venv), "making the virtual environment");
    }
    run(Command::new(&python).args(["-m", "pip", "install", "-q", "maturin>=1.5,<2", "numpy", "pytest"]), "installing maturin, numpy and pytest");
    let path = format!("{}:{}", venv.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    run(
        Command::new(venv.join("bin/maturin")).args(["develop", "--release"]).current_dir(&root).env("VIRTUAL_ENV", &venv).env("PATH", &path),
        "building the package (maturin develop)",
    );
    // The nerve program of this build, for the tests of `nerve run script.py`.
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let program = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target folder").join(profile).join("nerve");
    let mut pytest = Command::new(&python);
    pytest.args(["-m", "pytest", "-q", "python/tests"]).current_dir(&root).env("PATH", &path);
    if program.exists() {
        pytest.env("NERVE_BIN", &program);
    }
    run(&mut pytest, "the Python tests");
}
