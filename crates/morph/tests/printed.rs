//! What NEURON prints while Import3d reads a morphology, byte for byte:
//! each fixture in `tests/fixtures/printed/` (made by
//! `tests/fixtures/make_printed.py` from NEURON's own output) lists imports
//! done one after the other in one process, with the `Import3d_Section`
//! counter carried over, and where NEURON stopped.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/printed");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

fn text(v: &Value) -> Option<&str> {
    v.as_str()
}

/// Every difference between this crate and one fixture.
fn check(fixture: &Path) -> Vec<String> {
    let f: Value = serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let dir = root().join(f["dir"].as_str().unwrap());
    let mut diffs = Vec::new();
    let mut first = 0usize;
    for imp in f["imports"].as_array().unwrap() {
        let file = imp["file"].as_str().unwrap();
        assert_eq!(
            imp["first"].as_u64().unwrap() as usize,
            first,
            "{file}: counter"
        );
        let quiet = imp["quiet"].as_bool().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let r = match Path::new(file).extension().and_then(|e| e.to_str()) {
            Some("swc") => morph::parse_swc_printed(&bytes, file, first, quiet),
            Some("asc") => morph::parse_asc_printed(&bytes, file, first, quiet),
            _ => morph::parse_morphml_printed(&bytes, file, first, quiet),
        };
        let same = |diffs: &mut Vec<String>, what: &str, ours: &str, theirs: Option<&str>| {
            if Some(ours) != theirs {
                diffs.push(format!(
                    "{file} {what}:\n  nerve  {ours:?}\n  NEURON {theirs:?}"
                ));
            }
        };
        match (r, imp["error"].as_str()) {
            (Ok((_, _, p)), None) => {
                same(&mut diffs, "input", &p.input, text(&imp["input"]));
                same(&mut diffs, "gui", &p.gui, text(&imp["gui"]));
                same(
                    &mut diffs,
                    "instantiate",
                    &p.instantiate,
                    text(&imp["instantiate"]),
                );
                let objects = imp["objects"].as_u64().unwrap() as usize;
                if p.section_objects != objects {
                    diffs.push(format!(
                        "{file}: {} Import3d_Section objects, NEURON {objects}",
                        p.section_objects
                    ));
                }
                // make_printed.py's probe object takes the next index
                first += objects + 1;
            }
            (Err(e), Some(phase)) => {
                let p = &e.printed;
                same(&mut diffs, "input", &p.input, text(&imp["input"]));
                let ours = match e.phase {
                    morph::Phase::Input => "input",
                    morph::Phase::Gui => "gui",
                    morph::Phase::Instantiate => "instantiate",
                };
                if ours != phase {
                    diffs.push(format!("{file}: stops in {ours}, NEURON in {phase} ({e})"));
                }
                if phase == "instantiate" {
                    same(
                        &mut diffs,
                        "instantiate",
                        &p.instantiate,
                        text(&imp["instantiate"]),
                    );
                }
                break;
            }
            (Ok(_), Some(phase)) => {
                diffs.push(format!("{file}: read, NEURON stops in {phase}"));
                break;
            }
            (Err(e), None) => {
                diffs.push(format!("{file}: {e}, NEURON reads it"));
                break;
            }
        }
    }
    diffs
}

#[test]
fn printed_like_neuron() {
    let mut all = Vec::new();
    let list = fixtures();
    assert!(list.len() >= 30, "fixtures missing");
    for f in list {
        let d = check(&f);
        if !d.is_empty() {
            all.push(format!("{}:\n{}", f.display(), d.join("\n")));
        }
    }
    assert!(all.is_empty(), "{}", all.join("\n\n"));
}

#[test]
fn counter_names_the_sections_removed() {
    // one import after another: Import3d_Section[N] counts on
    let root = root().join("morphologies");
    let (_, _, a) = morph::read_asc_printed(&root.join("contour_soma.asc"), 0, false).unwrap();
    let (_, _, b) =
        morph::read_asc_printed(&root.join("contour_soma.asc"), a.section_objects, false).unwrap();
    assert_eq!(a.section_objects, 15);
    assert!(
        a.instantiate.contains("Import3d_Section[9] "),
        "{}",
        a.instantiate
    );
    assert!(
        b.instantiate.contains("Import3d_Section[24] "),
        "{}",
        b.instantiate
    );
    // the file name is printed as given
    assert!(a.input.contains(&format!(
        "\n{} problems\n",
        root.join("contour_soma.asc").display()
    )));
}

#[test]
fn could_not_open() {
    let e = morph::read_swc_printed(Path::new("no/such.swc"), 0, false).unwrap_err();
    assert_eq!(e.printed.input, "could not open no/such.swc\n");
    assert_eq!(e.phase, morph::Phase::Input);
    let e = morph::read_asc_printed(Path::new("no/such.asc"), 0, true).unwrap_err();
    assert_eq!(e.printed.input, "could not open no/such.asc\n");
    // MorphML fails in Python: a traceback on stderr only
    let e = morph::read_morphml_printed(Path::new("no/such.xml"), 0, false).unwrap_err();
    assert_eq!(e.printed.input, "");
}

#[test]
fn unsorted_ids_go_on() {
    // NEURON 9.0.2 stops (its sort fails); nerve sorts and goes on
    let p = root().join("morphologies/unsorted_ids.swc");
    let (m, _, printed) = morph::read_swc_printed(&p, 3, false).unwrap();
    assert!(!m.sections.is_empty());
    assert!(printed.section_objects > 0);
}
