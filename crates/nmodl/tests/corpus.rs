//! Parses real-world .mod files when the source mirrors are on this machine:
//! NEURON's built-in mechanisms (src/nrnoc) and the channels of Hay et al.
//! 2011 (ModelDB 139653, mod/). The mirrors are bare git repositories, read
//! with `git`; when they (or git) are absent the test passes silently.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Candidate mirror roots: $NERVE_MIRRORS and a .mirror beside the
/// workspace.
fn mirror_roots() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(d) = std::env::var_os("NERVE_MIRRORS") {
        v.push(PathBuf::from(d));
    }
    v.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../.mirror"));
    v
}

fn git(repo: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// (name, text) of every `*.mod` under `dir` in the mirror `name`.
fn mod_files(name: &str, dir: &str) -> Option<Vec<(String, String)>> {
    let repo = mirror_roots()
        .into_iter()
        .map(|r| r.join(name).join("repo"))
        .find(|p| p.exists())?;
    let list = git(&repo, &["ls-tree", "-r", "--name-only", "HEAD", "--", dir])?;
    let mut files = Vec::new();
    for path in String::from_utf8_lossy(&list)
        .lines()
        .filter(|p| p.ends_with(".mod"))
    {
        let bytes = git(&repo, &["show", &format!("HEAD:{path}")])?;
        files.push((
            format!("{name}/{path}"),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    Some(files)
}

fn parse_all(name: &str, dir: &str) {
    let Some(files) = mod_files(name, dir) else {
        eprintln!("{name}: mirror not found, skipped");
        return;
    };
    let mut failed = Vec::new();
    for (path, src) in &files {
        if let Err(e) = nmodl::parse(src, path) {
            failed.push(e.to_string());
        }
    }
    eprintln!(
        "{name}/{dir}: {} of {} .mod files parsed",
        files.len() - failed.len(),
        files.len()
    );
    assert!(failed.is_empty(), "failed to parse:\n{}", failed.join("\n"));
}

#[test]
fn neuron_builtin_mechanisms() {
    parse_all("neuronsimulator+nrn", "src/nrnoc");
}

#[test]
fn hay_2011_channels() {
    parse_all("ModelDBRepository+139653", "mod");
}

/// Every .mod file in NEURON's repository (examples, demos, the test suites
/// of its translators, ...).
#[test]
fn all_of_neurons_mod_files() {
    parse_all("neuronsimulator+nrn", ".");
}
