//! The shared conformance reconstructions, when `shared/` sits beside the
//! workspace: section counts and point counts NEURON 9.0.2 gives.

use std::path::PathBuf;

fn shared(rel: &str) -> Option<PathBuf> {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance");
    if !base.is_dir() {
        eprintln!("no shared/conformance: skipped");
        return None;
    }
    let p = base.join(rel);
    assert!(p.is_file(), "{} is missing from shared/conformance", p.display());
    Some(p)
}

fn counts(m: &morph::Morphology) -> Vec<(String, usize)> {
    m.counts().into_iter().collect()
}

#[test]
fn neuromorph_neuron_swc() {
    let Some(p) = shared("cases/swc_import/Neuron.swc") else {
        return;
    };
    let (m, diags) = morph::read_swc(&p).unwrap();
    let want: Vec<(String, usize)> = [("apic", 21), ("axon", 21), ("dend", 42), ("soma", 1)]
        .iter()
        .map(|(k, n)| (k.to_string(), *n))
        .collect();
    assert_eq!(counts(&m), want);
    assert_eq!(m.sections[0].points.len(), 3);
    // NEURON reports the file's two blank lines as unparsable
    let lines: Vec<usize> = diags.iter().map(|d| d.line).collect();
    assert_eq!(lines, vec![28, 32], "{diags:?}");
}

#[test]
fn hay_cell1_asc() {
    let Some(p) = shared("cases/hay_bac_fixed/morphologies/cell1.asc") else {
        return;
    };
    let (m, _) = morph::read_asc(&p).unwrap();
    let want: Vec<(String, usize)> = [("apic", 109), ("axon", 1), ("dend", 84), ("soma", 1)]
        .iter()
        .map(|(k, n)| (k.to_string(), *n))
        .collect();
    assert_eq!(counts(&m), want);
    let soma = m.sections.iter().find(|s| s.name == "soma").unwrap();
    assert_eq!(soma.points.len(), 21);
    assert!(m
        .sections
        .iter()
        .filter(|s| s.name != "soma")
        .all(|s| s.points.len() >= 2));
}
