//! Every model's M against LFPykit 0.6.2's, from the fixtures written by
//! `tests/fixtures/make_fixtures.py` (no Python at test time).
//!
//! Error measure: `max |M − M_lfpykit| / max |M_lfpykit|` per probe.

use field::{probe_from_json, CellGeometry, Conductivity, Method, RecExtElectrode};
use ndarray::Array2;
use serde_json::Value;

fn fixtures() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/lfpykit_fixtures.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn points(v: &Value) -> Vec<[f64; 3]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let p: Vec<f64> = p
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            [p[0], p[1], p[2]]
        })
        .collect()
}

fn geometry(v: &Value) -> CellGeometry {
    CellGeometry {
        start: points(&v["start"]),
        end: points(&v["end"]),
        diam: v["diam"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect(),
            length: Vec::new(),
    }
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    let (n, m) = (rows.len(), rows[0].len());
    Array2::from_shape_vec((n, m), rows.concat()).unwrap()
}

fn rel_err(got: &Array2<f64>, want: &Array2<f64>) -> f64 {
    assert_eq!(got.shape(), want.shape());
    let scale = want.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let diff = got
        .iter()
        .zip(want)
        .fold(0.0f64, |a, (g, w)| a.max((g - w).abs()));
    diff / scale
}

/// A `RecExtElectrode` with point contacts built from the case's fields.
fn electrode(probe: &Value) -> RecExtElectrode {
    let nums = |k: &str| -> Vec<f64> {
        probe[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let (x, y, z) = (nums("x"), nums("y"), nums("z"));
    let contacts = (0..x.len()).map(|i| [x[i], y[i], z[i]]).collect();
    let sigma = match &probe["sigma"] {
        Value::Array(a) => Conductivity::Anisotropic([
            a[0].as_f64().unwrap(),
            a[1].as_f64().unwrap(),
            a[2].as_f64().unwrap(),
        ]),
        v => Conductivity::Isotropic(v.as_f64().unwrap()),
    };
    let method = Method::parse(probe["method"].as_str().unwrap()).unwrap();
    RecExtElectrode::new(contacts, sigma, method, None).unwrap()
}

#[test]
fn every_model_matches_lfpykit() {
    let fx = fixtures();
    let geom = geometry(&fx["geometry"]);
    let mut failures = Vec::new();
    let mut types = std::collections::BTreeMap::<String, f64>::new();
    for case in fx["cases"].as_array().unwrap() {
        let probe = &case["probe"];
        let name = probe["name"].as_str().unwrap();
        let ty = probe["type"].as_str().unwrap();
        let tol = case["tol"].as_f64().unwrap();
        let g = match case.get("translate") {
            Some(t) => {
                let t = points(&Value::Array(vec![t.clone()]))[0];
                geom.translated(t)
            }
            None => geom.clone(),
        };
        let want = matrix(&case["M"]);
        let (pname, p) = probe_from_json(probe).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pname, name);
        let dims: usize = p.output_dims().iter().product();
        assert_eq!(
            dims,
            want.nrows(),
            "{name}: output dims {:?}",
            p.output_dims()
        );
        let got = if let Some(pts) = case.get("points") {
            // LFPykit's random contact points: average over the same ones
            let pts: Vec<Vec<[f64; 3]>> = pts.as_array().unwrap().iter().map(points).collect();
            let deterministic = p.matrix(&g).unwrap();
            assert_eq!(deterministic.shape(), want.shape());
            electrode(probe).matrix_with_points(&g, &pts).unwrap()
        } else {
            p.matrix(&g).unwrap_or_else(|e| panic!("{name}: {e}"))
        };
        let e = rel_err(&got, &want);
        println!("{name:34} {ty:32} rel err {e:.2e} (tol {tol:.0e})");
        let t = types.entry(ty.to_string()).or_insert(0.0);
        *t = t.max(e);
        if e.is_nan() || e > tol {
            failures.push(format!("{name}: {e:.3e} > {tol:.0e}"));
        }
    }
    println!("worst per type:");
    for (ty, e) in &types {
        println!("  {ty:32} {e:.2e}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The conformance cases' probes.json files (in `shared/`, beside the
/// repository, when present) all parse and give matrices of their dims.
#[test]
fn conformance_probe_files_parse() {
    let cases =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cases");
    let Ok(dirs) = std::fs::read_dir(&cases) else {
        eprintln!("no {}: skipped", cases.display());
        return;
    };
    let geom = geometry(&fixtures()["geometry"]);
    let mut checked = 0;
    for dir in dirs.flatten() {
        let Ok(text) = std::fs::read_to_string(dir.path().join("probes.json")) else {
            continue;
        };
        checked += 1;
        let v: Value = serde_json::from_str(&text).unwrap();
        for probe in v["probes"].as_array().unwrap() {
            let (name, p) =
                probe_from_json(probe).unwrap_or_else(|e| panic!("{}: {e}", dir.path().display()));
            let m = p.matrix(&geom).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                m.nrows(),
                p.output_dims().iter().product::<usize>(),
                "{name}"
            );
            assert_eq!(m.ncols(), geom.len());
        }
    }
    assert!(checked > 0, "no case in {} has a probes.json", cases.display());
}
