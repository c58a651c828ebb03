//! What this crate builds from the project's own morphologies
//! (`morphologies/`) against NEURON 9.0.2's Import3d on the same files
//! (`tests/fixtures/<file>.json`, made by `tests/fixtures/make_fixtures.py`):
//! names, order, parents and connection positions, pt3dstyle anchors and
//! every 3-D point, compared bit for bit.

mod common;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn check(file: &str) -> (morph::Morphology, Vec<morph::Diagnostic>) {
    let path = root().join("morphologies").join(file);
    let (m, diags) = morph::read_any(&path).unwrap_or_else(|e| panic!("{e}"));
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{file}.json"));
    let dump = common::load_dump(&fixture);
    let diff = common::differences(&m, &dump);
    assert!(
        diff.is_empty(),
        "{file} differs from NEURON:\n{}",
        diff.join("\n")
    );
    (m, diags)
}

fn counts(m: &morph::Morphology) -> Vec<(String, usize)> {
    m.counts().into_iter().collect()
}

fn c(v: &[(&str, usize)]) -> Vec<(String, usize)> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn one_point_soma() {
    let (m, _) = check("one_point_soma.swc");
    let soma = &m.sections[0];
    assert_eq!((soma.name.as_str(), soma.points.len()), ("soma", 3));
    // L = diam: the sphere becomes a 3-point cylinder along x
    assert_eq!(soma.points[2][0] - soma.points[0][0], soma.points[1][3]);
    assert!(m
        .sections
        .iter()
        .filter(|s| s.style.is_some())
        .all(|s| s.parent.unwrap().1 == 0.5));
    assert_eq!(
        counts(&m),
        c(&[("apic", 3), ("axon", 1), ("dend", 6), ("soma", 1)])
    );
}

#[test]
fn neuromorpho_three_point_soma() {
    let (m, _) = check("neuromorpho_3pt.swc");
    let soma = &m.sections[0];
    assert_eq!(soma.points.len(), 3);
    assert_eq!(soma.points[1], [10.5, -3.25, 2.0, 14.25]);
}

#[test]
fn soma_chain_with_branches() {
    let (m, diags) = check("soma_chain_branches.swc");
    assert_eq!(
        counts(&m),
        c(&[("apic", 1), ("axon", 1), ("dend", 6), ("soma", 3)])
    );
    assert!(diags
        .iter()
        .any(|d| d.line == 23 && d.message.contains("0 length")));
}

#[test]
fn custom_types_and_several_roots() {
    let (m, diags) = check("custom_types_multiroot.swc");
    assert_eq!(
        counts(&m),
        c(&[
            ("apic", 1),
            ("axon", 1),
            ("dend", 3),
            ("dend_0", 1),
            ("dend_5", 1),
            ("dend_7", 1),
            ("minus_1", 1),
            ("soma", 1)
        ])
    );
    // creation order is ascending type
    let kinds: Vec<i32> = m.sections.iter().map(|s| s.kind).collect();
    assert!(kinds.windows(2).all(|w| w[0] <= w[1]), "{kinds:?}");
    let lists: Vec<&str> = m.sections.iter().map(|s| s.list_name()).collect();
    assert_eq!(lists[0], "minus_1set");
    assert!(lists.contains(&"dendritic_5") && lists.contains(&"dendritic_0"));
    // as NEURON fills a cell template's lists (forsec matches "dend" in "dend_0")
    let names = |l: &str| -> Vec<String> {
        m.section_list(l)
            .iter()
            .map(|&i| m.sections[i].hoc_name())
            .collect()
    };
    assert_eq!(
        names("basal"),
        ["dend_0[0]", "dend[0]", "dend[1]", "dend[2]"]
    );
    assert_eq!(names("somatic"), ["soma[0]"]);
    assert_eq!(names("axonal"), ["axon[0]"]);
    assert_eq!(names("apical"), ["apic[0]"]);
    assert_eq!(names("dendritic_5"), ["dend_5[0]"]);
    assert_eq!(names("dendritic_0"), ["dend_0[0]"]);
    assert_eq!(names("minus_1set"), ["minus_1[0]"]);
    assert_eq!(names("all").len(), 10);
    assert!(diags
        .iter()
        .any(|d| d.line == 23 && d.message.contains("does not exist")));
    assert_eq!(
        diags
            .iter()
            .filter(|d| d.message.contains("more than one tree"))
            .count(),
        2
    );
}

#[test]
fn unsorted_ids_are_sorted() {
    let (m, diags) = check("unsorted_ids.swc");
    assert_eq!(m.sections.len(), 6);
    assert!(diags
        .iter()
        .any(|d| d.message.contains("not in ascending order")));
}

#[test]
fn contour_soma() {
    let (m, diags) = check("contour_soma.asc");
    assert_eq!(
        counts(&m),
        c(&[
            ("apic", 3),
            ("axon", 3),
            ("dend", 6),
            ("dend_0", 1),
            ("soma", 1)
        ])
    );
    let soma = m.sections.iter().find(|s| s.name == "soma").unwrap();
    assert_eq!(soma.points.len(), 21);
    assert!(diags
        .iter()
        .any(|d| d.message.contains("one point section")));
    assert_eq!(m.section_list("somatic").len(), 1);
    assert_eq!(m.section_list("all").len(), m.sections.len());
}

#[test]
fn soma_contour_stack() {
    let (m, diags) = check("soma_stack.asc");
    assert_eq!(
        counts(&m),
        c(&[("apic", 1), ("axon", 1), ("dend", 3), ("soma", 2)])
    );
    // the stack: one point per contour
    assert_eq!(m.sections[0].points.len(), 3);
    assert!(diags
        .iter()
        .any(|d| d.message.contains("less than three points")));
}

#[test]
fn morphml_cables() {
    let (m, _) = check("cables.xml");
    assert_eq!(counts(&m), c(&[("dend_0", 5)]));
    assert_eq!(m.sections[3].parent, Some((0, 0.333333)));
}

/// Every fixture has its morphology and is checked above.
#[test]
fn every_fixture_is_used() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if let Some(m) = name.strip_suffix(".json") {
            check(m);
            n += 1;
        }
    }
    assert_eq!(n, 8);
}
