//! Problems are reported with file and line: errors where NEURON's import
//! stops, diagnostics where it goes on.

use std::path::Path;

fn err_swc(text: &str) -> morph::MorphError {
    morph::parse_swc(text.as_bytes(), "t.swc").unwrap_err()
}
fn err_asc(text: &str) -> morph::MorphError {
    morph::parse_asc(text.as_bytes(), "t.asc").unwrap_err()
}

#[test]
fn display_is_file_line_message() {
    let e = err_swc("# nothing\n");
    assert_eq!(e.to_string(), format!("t.swc:0: {}", e.message));
    let e = morph::read_swc(Path::new("/nonexistent/x.swc")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/x.swc:0: could not open"),
        "{e}"
    );
    let e = morph::read_any(Path::new("x.obj")).unwrap_err();
    assert!(e.message.contains("unknown morphology format"));
}

#[test]
fn swc_errors() {
    let e = err_swc("1 1 0 0 0 1 -1\n2 3 1 0 0 1 1\n2 3 2 0 0 1 1\n");
    assert_eq!(e.line, 3);
    assert!(e.message.contains("duplicate id"), "{e}");
    let e = err_swc("1 1 0 0 0 1 -1\n2 3.5 1 0 0 1 1\n");
    assert_eq!(e.line, 2);
    let e = err_swc("1 1 0 0 0 1 -1\n2 3 1 0 0 1 7\n");
    assert_eq!(e.line, 2);
    assert!(e.message.contains("beyond"), "{e}");
    let e = err_swc("1 1 nan 0 0 1 -1\n2 3 1 0 0 1 1\n");
    assert!(e.message.contains("not finite"), "{e}");
}

#[test]
fn swc_diagnostics() {
    let text = "1 1 0 0 0 1 -1\nnot a point\n2 3 1 0 0 1 1\n\n3 3 5 5 0 1 -1\n4 3 6 5 0 1 3\n";
    let (m, d) = morph::parse_swc(text.as_bytes(), "t.swc").unwrap();
    assert_eq!(m.sections.len(), 3);
    let lines: Vec<usize> = d.iter().map(|d| d.line).collect();
    // the unparsable line, the blank line (NEURON reports it too), the second root
    assert_eq!(lines, vec![2, 4, 5], "{d:?}");
}

#[test]
fn asc_errors() {
    let e = err_asc("( (Dendrite)\n  (1 2 3 4)\n  (5 6 7\n   8 x)\n");
    assert_eq!(e.line, 4, "{e}");
    assert!(e.message.contains("parse error"), "{e}");
    let e = err_asc("");
    assert!(e.message.contains("parse error"));
    let e = err_asc("( (Dendrite) (1 2 3 4) (2 3 4 5) (Dot (1 2 3 4) \n");
    assert!(e.message.contains("never closes"), "{e}");
    let e = err_asc("(\"unclosed\n");
    assert_eq!(e.line, 1);
}

#[test]
fn asc_diagnostics() {
    let text = "( (Axon) (1 2 3 4) (5 6 7 8) )\n)\n( (Dendrite) (1 1 1 1) (2 2 2 2) )\n";
    let (m, d) = morph::parse_asc(text.as_bytes(), "t.asc").unwrap();
    assert_eq!(m.sections.len(), 1);
    assert_eq!(d[0].line, 2);
    assert!(d[0].message.contains("rest of the file is ignored"));
}

#[test]
fn morphml_errors() {
    let e = morph::parse_morphml(b"<a><segments/></a>", "t.xml").unwrap_err();
    assert!(e.message.contains("no namespace"), "{e}");
    // rdxml.py handles the elements before the XML error first
    let e = morph::parse_morphml(
        b"<?xml version=\"1.0\"?>\n<a xmlns=\"http://morphml.org/morphml/schema\">\n<b>\n</a>",
        "t.xml",
    )
    .unwrap_err();
    assert_eq!(e.line, 4, "{e}");
    // an unknown parent: the segment handler fails (NEURON prints
    // "morphml.segment  failed at  4") and reading goes on; the distal
    // point joins the current cable
    let text = "<morphml xmlns=\"http://morphml.org/morphml/schema\"><segments>\n\
                <segment id=\"0\" cable=\"0\"><proximal x=\"0\" y=\"0\" z=\"0\" diameter=\"1\"/>\n\
                <distal x=\"1\" y=\"0\" z=\"0\" diameter=\"1\"/></segment>\n\
                <segment id=\"1\" cable=\"1\" parent=\"9\"><distal x=\"2\" y=\"0\" z=\"0\" diameter=\"1\"/></segment>\n\
                </segments></morphml>";
    let (m, d) = morph::parse_morphml(text.as_bytes(), "t.xml").unwrap();
    assert_eq!(m.sections.len(), 1);
    assert_eq!(m.sections[0].points.len(), 3);
    assert_eq!(d[0].line, 4, "{d:?}");
    assert!(d[0].message.contains("morphml.segment failed"), "{d:?}");
}

#[test]
fn diagnostics_snapshot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../morphologies");
    let mut out = String::new();
    for f in [
        "custom_types_multiroot.swc",
        "contour_soma.asc",
        "soma_stack.asc",
    ] {
        let (_, diags) = morph::read_any(&root.join(f)).unwrap();
        out.push_str(&format!("{f}\n"));
        for d in diags {
            out.push_str(&format!("  {d}\n"));
        }
    }
    insta::assert_snapshot!(out);
}
