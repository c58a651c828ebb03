//! The native code gives the interpreter's bits: every mechanism of the
//! repository's .mod files runs in a cable of 37 segments (one full chunk of
//! lanes and one partial), each segment started at its own voltage, once on
//! the interpreter and once natively; every voltage and every instance
//! variable must be the same bits at the end.

use cable::mechanism::MechKind;
use cable::model::{Model, PointLoc};
use std::path::{Path, PathBuf};

fn mod_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs: Vec<PathBuf> = ["mod-files", "hoc-tests/nmodl", "crates/nmodl/tests/mods"].iter().map(|d| root.join(d)).collect();
    // More folders to check, e.g. a published model's: NERVE_JIT_MODS=dir:dir
    if let Some(more) = std::env::var_os("NERVE_JIT_MODS") {
        dirs.extend(std::env::split_paths(&more));
    }
    let mut files = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        files.extend(entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "mod")));
    }
    files.sort();
    files
}

/// The bits of every voltage and instance variable after 300 steps, or None
/// if the mechanism does not load or cannot run alone.
fn run(path: &Path, src: &str) -> Option<Vec<u64>> {
    let m = nmodl::load(src, &path.to_string_lossy()).ok()?;
    // (the program-wide generator of normrand and friends starts over)
    nmodl::scop::set_seed(1.0);
    let kind = m.c.kind;
    let mut model = Model::default();
    let k = model.add_mechanism(Box::new(m));
    let s = model.create_section("cable".into(), None);
    model.set_nseg(s, 37);
    match kind {
        MechKind::Density => model.insert(s, k),
        _ => {
            for i in 0..37 {
                model.new_point(k, PointLoc { sec: Some(s), x: (i as f64 + 0.5) / 37.0 });
            }
        }
    }
    model.finitialize(Some(-65.0));
    for (i, v) in model.tree.v.iter_mut().enumerate() {
        *v += i as f64 * 1.7 - 20.0;
    }
    for _ in 0..300 {
        model.fadvance(&mut |_| {}, &mut |_| {});
    }

    if model.take_error().is_some() {
        return None;
    }
    let mut bits: Vec<u64> = model.tree.v.iter().map(|v| v.to_bits()).collect();
    for col in &model.data[k].cols {
        bits.extend(col.iter().map(|x| if x.is_nan() { f64::NAN.to_bits() } else { x.to_bits() }));
    }
    Some(bits)
}

#[test]
fn native_code_gives_the_interpreters_bits() {
    let mut compared = 0;
    for path in mod_files() {
        let Ok(src) = std::fs::read_to_string(&path) else { continue };
        let reference = nmodl::jit::interpreted(|| run(&path, &src));
        let native = run(&path, &src);
        assert_eq!(reference.is_some(), native.is_some(), "{}: runs one way only", path.display());
        if let (Some(a), Some(b)) = (reference, native) {
            let first = a.iter().zip(&b).position(|(x, y)| x != y);
            assert!(first.is_none() && a.len() == b.len(), "{}: differs at value {first:?}", path.display());
            compared += 1;
        }
    }
    eprintln!("{compared} mechanisms compared");
    assert!(compared >= 20, "only {compared} mechanisms ran");
}
