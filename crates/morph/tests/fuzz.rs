//! Fuzzing the SWC, Neurolucida ASC and MorphML readers (see
//! fuzz/harness.rs): every input gives a morphology or an error.

#[path = "../../../fuzz/harness.rs"]
mod harness;

const SWC: &[&str] = &[" ", "\n", "#", "-1", "0", "1", "2", "3", "4", "5", "7", "10", "1e308", "nan", "inf", "-0", "0.5", "1 1 0 0 0 5 -1\n", "2 3 0 0 0 1 1\n", "\t", "\r\n"];
const ASC: &[&str] = &[
    "(", ")", "|", "<", ">", "\"", ";", "\n", " ", "0", "1", "-1", "1e308", "nan", ",", "(0 0 0 1)", "(CellBody)",
    "(Dendrite)", "(Axon)", "(Apical)", "(Closed)", "(Color Red)", "(Color RGB (1, 2, 3))", "Normal", "Incomplete",
    "Generated", "High", "Low", "Midpoint", "Origin", "(Name \"m\")", "(Dot", "(Spine", "(Sections", "(\"CellBody\"",
    "(ImageCoords", "(Resolution 1)", "(Marker", "set", "@", "(\n", ")\n", "|\n",
];
const MORPHML: &[&str] = &[
    "<", ">", "/>", "</", "=", "\"", " ", "\n", "<segment id=\"9\" parent=\"0\" cable=\"1\">", "</segment>",
    "<proximal x=\"0\" y=\"0\" z=\"0\" diameter=\"1\"/>", "<distal x=\"5\" y=\"1\" z=\"0\" diameter=\"1\"/>",
    "<parent segment=\"1\" fractionAlong=\"0.5\"/>", "<cable id=\"3\" name=\"x\">", "</cable>", "parent=\"", "cable=\"",
    "id=\"", "fract_along_parent=\"", "diameter=\"", "-1", "0", "1", "nan", "1e308", "<!--", "-->", "<![CDATA[", "]]>",
    "&amp;", "&#0;", "<?xml", "?>", "<meta:group>", "</meta:group>", "<segmentGroup id=\"g\">", "<member segment=\"0\"/>",
    "<include segmentGroup=\"g\"/>", "</segmentGroup>",
];

/// At most this many lines (a lone CR ends a line too, as in old Mac files).
fn lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1
}

/// A morphology holds together; an error names a line of the file.
fn check(r: morph::ReadResult, bytes: &[u8]) {
    match r {
        Ok((m, _)) => {
            for (i, s) in m.sections.iter().enumerate() {
                if let Some((p, x)) = s.parent {
                    assert!(p < m.sections.len() && p != i, "section {i}: parent {p}");
                    assert!((0.0..=1.0).contains(&x), "section {i}: x = {x}");
                }
            }
        }
        Err(e) => assert!(e.line <= lines(bytes) + 1, "error line {} past the end: {e}", e.line),
    }
}

#[test]
fn fuzz_swc() {
    harness::campaign("swc", SWC, |b| check(morph::parse_swc(b, "fuzz.swc"), b));
}

#[test]
fn fuzz_asc() {
    harness::campaign("asc", ASC, |b| check(morph::parse_asc(b, "fuzz.asc"), b));
}

#[test]
fn fuzz_morphml() {
    harness::campaign("morphml", MORPHML, |b| check(morph::parse_morphml(b, "fuzz.xml"), b));
}

/// Found by the SWC campaign (the check, not the reader, was wrong): lines
/// of old Mac files end in a lone CR, and what is said of a line names it.
#[test]
fn a_file_with_cr_line_ends_is_numbered_by_those_lines() {
    let (_, diags) = morph::parse_swc(b"1 1 0 0 0 1 -1\r2 3 1 0 0 1 1\r3 3 2 0 0 1 x\r", "cr.swc").unwrap();
    assert_eq!(diags.iter().map(|d| (d.line, d.message.as_str())).collect::<Vec<_>>(), [(3, "could not parse: 3 3 2 0 0 1 x")]);
    let input = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz_cr_lines.swc")).unwrap();
    check(morph::parse_swc(&input, "fuzz.swc"), &input);
}
