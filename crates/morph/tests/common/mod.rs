//! Comparison of a `Morphology` with a NEURON dump made by
//! `tests/fixtures/make_fixtures.py`.
#![allow(dead_code)]

use morph::Morphology;
use serde_json::Value;

fn f64_of(v: &Value) -> f64 {
    match v {
        Value::String(s) => s
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("not a number: {s}")),
        Value::Number(n) => n.as_f64().unwrap(),
        _ => panic!("not a number: {v}"),
    }
}

/// NEURON stores 3-D points as floats; the dump prints them widened.
fn f32_of(v: &Value) -> f32 {
    let d = f64_of(v);
    let f = d as f32;
    assert_eq!(f as f64, d, "dumped value {d} is not a float32");
    f
}

/// Every difference between `m` and the dump, as text (empty when equal).
pub fn differences(m: &Morphology, dump: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let secs = dump["sections"].as_array().expect("sections");
    if secs.len() != m.sections.len() {
        out.push(format!(
            "{} sections, NEURON has {}",
            m.sections.len(),
            secs.len()
        ));
    }
    for (i, (s, d)) in m.sections.iter().zip(secs).enumerate() {
        let name = s.hoc_name();
        let dname = d["name"].as_str().unwrap();
        // NEURON prints an array of one as name[0] too
        if name != dname {
            out.push(format!("section {i}: {name}, NEURON {dname}"));
            continue;
        }
        let parent = s.parent.map(|(p, x)| (m.sections[p].hoc_name(), x));
        let dparent = d["parent"]
            .as_str()
            .map(|p| (p.to_string(), d["parentx"].as_f64().unwrap()));
        if parent != dparent {
            out.push(format!("{name}: parent {parent:?}, NEURON {dparent:?}"));
        }
        let dstyle = match &d["style"] {
            Value::Null => None,
            v => {
                let a = v.as_array().unwrap();
                Some([f32_of(&a[0]), f32_of(&a[1]), f32_of(&a[2])])
            }
        };
        let bits = |o: Option<[f32; 3]>| o.map(|a| a.map(f32::to_bits));
        if bits(s.style) != bits(dstyle) {
            out.push(format!("{name}: style {:?}, NEURON {:?}", s.style, dstyle));
        }
        let dpts = d["points"].as_array().unwrap();
        if dpts.len() != s.points.len() {
            out.push(format!(
                "{name}: {} points, NEURON {}",
                s.points.len(),
                dpts.len()
            ));
        }
        for (k, (p, dp)) in s.points.iter().zip(dpts).enumerate() {
            let dp = dp.as_array().unwrap();
            let q = [
                f32_of(&dp[0]),
                f32_of(&dp[1]),
                f32_of(&dp[2]),
                f32_of(&dp[3]),
            ];
            // diam3d() returns |diam|; pt3dadd receives the sign
            let p = [p[0], p[1], p[2], p[3].abs()];
            if p.map(f32::to_bits) != q.map(f32::to_bits) {
                out.push(format!("{name} point {k}: {p:?}, NEURON {q:?}"));
            }
        }
    }
    out
}

pub fn load_dump(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}
