//! The readers never panic: random line soups, token soups and bytes give
//! a morphology that holds together, or an error with its line.

use morph::{Morphology, ReadResult};
use proptest::prelude::*;

/// A result either way; when it is a morphology, it is consistent.
fn sane(r: &ReadResult, nlines: usize) {
    match r {
        Ok((m, diags)) => {
            consistent(m);
            for d in diags {
                assert!(
                    d.line <= nlines + 1,
                    "diagnostic line {} past the end ({nlines})",
                    d.line
                );
            }
        }
        Err(e) => {
            assert!(
                e.line <= nlines + 1,
                "error line {} past the end ({nlines}): {e}",
                e.line
            );
            assert!(e.to_string().starts_with("soup:"));
        }
    }
}

fn consistent(m: &Morphology) {
    let mut next_index = std::collections::BTreeMap::new();
    for (i, s) in m.sections.iter().enumerate() {
        let n = next_index.entry(s.name.clone()).or_insert(0usize);
        assert_eq!(s.index, *n, "indices run 0.. within a name");
        *n += 1;
        if let Some((p, x)) = s.parent {
            assert!(p < m.sections.len() && p != i);
            assert!((0.0..=1.0).contains(&x));
        }
        for p in &s.points {
            assert!(p.iter().all(|v| v.is_finite()));
        }
        assert!(!s.list_name().is_empty());
    }
    // no cycles
    for i in 0..m.sections.len() {
        let mut k = i;
        let mut steps = 0;
        while let Some((p, _)) = m.sections[k].parent {
            k = p;
            steps += 1;
            assert!(steps <= m.sections.len(), "parent cycle");
        }
    }
}

fn swc_line() -> impl Strategy<Value = String> {
    let num = prop_oneof![
        (-5i32..40).prop_map(|v| v.to_string()),
        (-100.0f64..100.0).prop_map(|v| format!("{v}")),
        Just("1e40".to_string()),
        Just("nan".to_string()),
        Just("0.5".to_string()),
        Just("-1".to_string()),
    ];
    prop_oneof![
        4 => proptest::collection::vec(num, 5..9).prop_map(|v| v.join(" ")),
        1 => (1i32..30, -3i32..8, 0i32..30).prop_map(|(i, t, p)| format!("{i} {t} {i}.5 {p} 0 1 {}", p - 1)),
        1 => Just("# comment".to_string()),
        1 => Just(String::new()),
        1 => Just("   \t ".to_string()),
        1 => "[ -~]{0,30}",
    ]
}

fn asc_token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("(".to_string()),
        Just(")".to_string()),
        Just("|".to_string()),
        Just(",".to_string()),
        Just("<".to_string()),
        Just(">".to_string()),
        Just("\"CellBody\"".to_string()),
        Just("\"Soma\"".to_string()),
        Just("\"x\"".to_string()),
        Just("\"".to_string()),
        Just("(Axon)".to_string()),
        Just("(Dendrite)".to_string()),
        Just("(Apical)".to_string()),
        Just("(Color Red)".to_string()),
        Just("(Color RGB (1, 2, 3))".to_string()),
        Just("(Set \"s\"".to_string()),
        Just("(Dot".to_string()),
        Just("Normal".to_string()),
        Just("Incomplete".to_string()),
        Just("S1".to_string()),
        Just(";c\n".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("@".to_string()),
        (-50.0f64..50.0, -50.0f64..50.0, -5.0f64..5.0, 0.0f64..3.0)
            .prop_map(|(x, y, z, d)| format!("({x:.2} {y:.2} {z:.2} {d:.2})")),
        (-50i32..50).prop_map(|v| v.to_string()),
    ]
}

/// A plausible ASC file with random damage.
fn asc_file() -> impl Strategy<Value = String> {
    let pts = proptest::collection::vec((-20.0f64..20.0, -20.0f64..20.0, 0.1f64..2.0), 2..12);
    (
        pts,
        proptest::collection::vec(asc_token(), 0..20),
        any::<bool>(),
    )
        .prop_map(|(p, junk, soma)| {
            let mut s = String::new();
            if soma {
                s.push_str("(\"CellBody\" (Color Red) (CellBody)\n");
                for k in 0..8 {
                    let t = k as f64 * std::f64::consts::PI / 4.0;
                    s.push_str(&format!(
                        "  ({:.2} {:.2} 0 0.1)\n",
                        5.0 * t.cos(),
                        3.0 * t.sin()
                    ));
                }
                s.push_str(")\n");
            }
            s.push_str("( (Dendrite)\n");
            for (i, (x, y, d)) in p.iter().enumerate() {
                s.push_str(&format!("  ({x:.2} {y:.2} 0 {d:.2})\n"));
                if i == p.len() / 2 {
                    s.push_str(&junk.join(" "));
                    s.push('\n');
                }
            }
            s.push_str(")\n");
            s
        })
}

fn morphml_file() -> impl Strategy<Value = String> {
    let seg = (
        0i32..8,
        -1i32..8,
        0i32..4,
        any::<bool>(),
        -10.0f64..10.0,
        0.0f64..3.0,
    );
    proptest::collection::vec(seg, 0..10).prop_map(|segs| {
        let mut s = String::from(
            "<?xml version=\"1.0\"?>\n<morphml xmlns=\"http://morphml.org/morphml/schema\">\n<segments>\n",
        );
        for (id, parent, cable, prox, x, d) in segs {
            let par = if parent >= 0 { format!(" parent=\"{parent}\"") } else { String::new() };
            s.push_str(&format!("<segment id=\"{id}\" cable=\"{cable}\"{par}>\n"));
            if prox {
                s.push_str(&format!("<proximal x=\"{x}\" y=\"0\" z=\"0\" diameter=\"{d}\"/>\n"));
            }
            s.push_str(&format!("<distal x=\"{}\" y=\"1\" z=\"0\" diameter=\"{d}\"/>\n</segment>\n", x + 1.0));
        }
        s.push_str("</segments>\n<cables><cable id=\"1\" fractAlongParent=\"0.5\"/></cables>\n</morphml>\n");
        s
    })
}

fn nlines(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n' || c == b'\r').count() + 1
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn swc_line_soup(lines in proptest::collection::vec(swc_line(), 0..40), crlf in any::<bool>()) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        sane(&morph::parse_swc(text.as_bytes(), "soup"), nlines(text.as_bytes()));
    }

    #[test]
    fn swc_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        sane(&morph::parse_swc(&bytes, "soup"), nlines(&bytes));
    }

    #[test]
    fn asc_token_soup(tokens in proptest::collection::vec(asc_token(), 0..80)) {
        let text = tokens.join(" ");
        sane(&morph::parse_asc(text.as_bytes(), "soup"), nlines(text.as_bytes()));
    }

    #[test]
    fn asc_damaged_file(text in asc_file()) {
        sane(&morph::parse_asc(text.as_bytes(), "soup"), nlines(text.as_bytes()));
    }

    #[test]
    fn asc_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        sane(&morph::parse_asc(&bytes, "soup"), nlines(&bytes));
    }

    #[test]
    fn morphml_soup(text in morphml_file()) {
        sane(&morph::parse_morphml(text.as_bytes(), "soup"), nlines(text.as_bytes()));
    }

    #[test]
    fn morphml_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut b = b"<?xml version=\"1.0\"?><morphml xmlns=\"http://morphml.org/morphml/schema\">".to_vec();
        b.extend(bytes);
        sane(&morph::parse_morphml(&b, "soup"), nlines(&b));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut s = String::from("( (Dendrite) (0 0 0 1) (1 0 0 1)\n");
    for i in 0..5000 {
        s.push_str(&format!("( ({i} 1 0 1) ({i} 2 0 1)\n"));
    }
    let e = morph::parse_asc(s.as_bytes(), "deep.asc").unwrap_err();
    assert!(e.message.contains("nested"), "{e}");
    let mut s = String::new();
    for _ in 0..5000 {
        s.push_str("(Set \"a\" ");
    }
    assert!(morph::parse_asc(s.as_bytes(), "sets.asc").is_err());
    let mut x = String::from("<?xml version=\"1.0\"?>");
    for _ in 0..20000 {
        x.push_str("<a xmlns=\"http://morphml.org/morphml/schema\">");
    }
    assert!(morph::parse_morphml(x.as_bytes(), "deep.xml").is_err());
}
