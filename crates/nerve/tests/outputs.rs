//! What `--probes`/`--out` gives beyond the forward models: the cell's
//! placement (LFPy's set_pos and set_rotation), per-segment outputs, a user's
//! matrix, every run of a script kept, and the documented probes.json.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nerve-outputs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read_npy(path: &Path) -> (Vec<usize>, Vec<f64>) {
    let a: ndarray::ArrayD<f64> = ndarray_npy::read_npy(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (a.shape().to_vec(), a.iter().copied().collect())
}

fn meta(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap()
}

/// Runs `nerve run --probes d/p.json --out d/out ARGS...` in `d`.
fn run(d: &Path, probes: &str, args: &[&str]) -> Output {
    std::fs::write(d.join("p.json"), probes).unwrap();
    Command::new(env!("CARGO_BIN_EXE_nerve"))
        .current_dir(d)
        .args(["run", "--probes", "p.json", "--out", "out"])
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn branch_cell(d: &Path, probes: &str) -> Output {
    std::fs::copy(data().join("branch_cell.hoc"), d.join("branch_cell.hoc")).unwrap();
    run(d, probes, &["branch_cell.hoc", "-c", "load_file(\"stdrun.hoc\")", "-c", "tstop = 0.1", "-c", "run()"])
}

/// The segment ends after `cell_position`/`rotation` equal LFPy 2.3.7's
/// cell.x, cell.y, cell.z after `set_rotation(...)` then `set_pos(...)`
/// (tests/data/lfpy_placement.json, computed by LFPy from the same cell).
#[test]
fn placement_matches_lfpy() {
    let want: Value = serde_json::from_str(&std::fs::read_to_string(data().join("lfpy_placement.json")).unwrap()).unwrap();
    let cases = [
        ("rotated", r#""cell_position": [0, 0, 0], "rotation": {"x": 0.3, "y": -0.7, "z": 1.1}"#, "moved and rotated"),
        ("moved_rotated", r#""soma_position": [5, -3, 20], "rotation": {"x": 0.3, "y": -0.7, "z": 1.1}"#, "moved and rotated"),
        ("moved", r#""cell_position": [5, -3, 20]"#, "moved"),
        ("y_only", r#""cell_position": [0, 0, 0], "rotation": {"y": -1.5707963267948966}"#, "moved and rotated"),
    ];
    for (case, placement, coords) in cases {
        let d = scratch(&format!("place-{case}"));
        let out = branch_cell(&d, &format!(r#"{{{placement}, "probes": [{{"name": "cell", "type": "geometry"}}]}}"#));
        ok(&out);
        for axis in ["x", "y", "z"] {
            let (shape, got) = read_npy(&d.join(format!("out/cell_{axis}.npy")));
            assert_eq!(shape, vec![9, 2]);
            let want: Vec<f64> = want[case][axis].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap())).collect();
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!((g - w).abs() <= 1e-12, "{case} {axis}[{k}]: {g} vs LFPy's {w}");
            }
        }
        let (_, d_got) = read_npy(&d.join("out/cell_d.npy"));
        let d_want: Vec<f64> = want[case]["d"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(d_got, d_want);
        let m = meta(&d.join("out"));
        assert_eq!(m["coordinates"], coords);
        assert_eq!(m["model_soma_position"], serde_json::json!([8.0, -0.5, 7.0]));
    }
}

/// Without placement the probes see the model's own coordinates, and
/// meta.json says so; a rotation alone turns the cell about its own soma.
#[test]
fn model_coordinates_are_stated() {
    let d = scratch("own");
    ok(&branch_cell(&d, r#"{"probes": [{"name": "cell", "type": "geometry"}]}"#));
    let m = meta(&d.join("out"));
    assert_eq!(m["coordinates"], "model");
    assert!(m.get("soma_position").is_none());
    let (_, mid) = read_npy(&d.join("out/cell_mid.npy"));
    assert!((mid[0] - 8.0).abs() < 1e-12 && (mid[1] + 0.5).abs() < 1e-12 && (mid[2] - 7.0).abs() < 1e-12, "{:?}", &mid[..3]);

    let d = scratch("own-rot");
    ok(&branch_cell(&d, r#"{"rotation": {"z": 0.4}, "probes": [{"name": "cell", "type": "geometry"}]}"#));
    assert_eq!(meta(&d.join("out"))["coordinates"], "rotated");
    let (_, mid) = read_npy(&d.join("out/cell_mid.npy"));
    assert!((mid[0] - 8.0).abs() < 1e-12 && (mid[1] + 0.5).abs() < 1e-12 && (mid[2] - 7.0).abs() < 1e-12, "the soma stays: {:?}", &mid[..3]);
}

#[test]
fn bad_placement_is_refused() {
    let d = scratch("badplace");
    for (probes, msg) in [
        (r#"{"cell_position": [0, 0, 0], "soma_position": [0, 0, 0], "probes": []}"#, "either 'cell_position' or 'soma_position'"),
        (r#"{"rotation": {"w": 1}, "probes": []}"#, "unknown axis 'w'"),
        (r#"{"rotation": [1, 2, 3], "probes": []}"#, "field 'rotation' must be"),
        (r#"{"cell_position": [0, 0], "probes": []}"#, "field 'cell_position' must be [x, y, z]"),
        (r#"{"cell_postion": [0, 0, 0], "probes": []}"#, "unknown top-level field 'cell_postion'"),
    ] {
        let out = branch_cell(&d, probes);
        assert_eq!(out.status.code(), Some(2), "{probes}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{probes}: {err}");
    }
}

/// imem and vmem are every segment's i_membrane_ and v, in the geometry's
/// order; a LinearModel applies the user's matrix to imem; the matrix
/// must have one column per segment.
#[test]
fn per_segment_outputs_and_linear_model() {
    let d = scratch("imem");
    // Row 0 sums every segment, row 1 takes the soma's current twice.
    let mut m = ndarray::Array2::<f64>::zeros((2, 12));
    m.row_mut(0).fill(1.0);
    m[[1, 0]] = 2.0;
    ndarray_npy::write_npy(d.join("m.npy"), &m).unwrap();
    std::fs::copy(data().join("probe_cell.hoc"), d.join("cell.hoc")).unwrap();
    let probes = r#"{"probes": [{"name": "i", "type": "imem"}, {"name": "v", "type": "vmem"},
        {"name": "k", "type": "LinearModel", "file": "m.npy", "units": "nA"}, {"name": "g", "type": "geometry"}]}"#;
    ok(&run(&d, probes, &["cell.hoc", "-c", "run()"]));
    let (ishape, i) = read_npy(&d.join("out/i.npy"));
    let (_, v) = read_npy(&d.join("out/v.npy"));
    let (kshape, k) = read_npy(&d.join("out/k.npy"));
    let (_, soma_v) = read_npy(&d.join("out/soma_v.npy"));
    let nt = 241;
    assert_eq!(ishape, vec![12, nt]);
    assert_eq!(kshape, vec![2, nt]);
    assert_eq!(&v[..nt], &soma_v[..], "segment 0 is the soma");
    for j in 0..nt {
        let total: f64 = (0..12).map(|s| i[s * nt + j]).sum();
        let scale = (0..12).map(|s| i[s * nt + j].abs()).fold(1e-300, f64::max);
        assert!((k[j] - total).abs() <= 1e-12 * scale, "t[{j}]: {} vs {total}", k[j]);
        assert_eq!(k[nt + j], 2.0 * i[j]);
    }
    // Current is conserved: the membrane currents sum to ~0 (no electrode).
    assert!(i.iter().any(|x| x.abs() > 1e-6));
    let m = meta(&d.join("out"));
    let units: Vec<&str> = m["probes"].as_array().unwrap().iter().map(|p| p["units"].as_str().unwrap()).collect();
    assert_eq!(units, ["nA", "mV", "nA", "um"]);
    assert_eq!(m["probes"][3]["files"][0], "g_x.npy");

    let bad = ndarray::Array2::<f64>::zeros((2, 5));
    ndarray_npy::write_npy(d.join("m.npy"), &bad).unwrap();
    let out = run(&d, probes, &["cell.hoc", "-c", "run()"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("probe 'k': the matrix has 5 columns; the model has 12 segments"), "{err}");
    let out = run(&d, r#"{"probes": [{"name": "k", "type": "LinearModel"}]}"#, &["cell.hoc"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("field 'file'"));
}

/// Each finitialize…run cycle of a script is kept in its own folder and
/// meta.json lists them; a finitialize without steps is not a run; one run
/// keeps the flat layout.
#[test]
fn every_run_is_kept() {
    let d = scratch("runs");
    std::fs::copy(data().join("probe_cell.hoc"), d.join("cell.hoc")).unwrap();
    let probes = r#"{"probes": [{"name": "dipole", "type": "CurrentDipoleMoment"}]}"#;
    let out = run(&d, probes, &["cell.hoc", "-c", "finitialize(-65)", "-c", "tstop = 2", "-c", "run()", "-c", "nc.weight = 0.02", "-c", "tstop = 3", "-c", "run()", "-c", "finitialize(-65)"]);
    ok(&out);
    let m = meta(&d.join("out"));
    assert_eq!(m["runs"], serde_json::json!(["run-1", "run-2"]));
    assert!(!d.join("out/t.npy").exists());
    let (s1, t1) = read_npy(&d.join("out/run-1/t.npy"));
    let (s2, _) = read_npy(&d.join("out/run-2/t.npy"));
    assert_eq!((s1[0], s2[0]), (81, 121));
    assert!((t1[80] - 2.0).abs() < 1e-9);
    let (p1, a) = read_npy(&d.join("out/run-1/dipole.npy"));
    let (p2, b) = read_npy(&d.join("out/run-2/dipole.npy"));
    assert_eq!((p1, p2), (vec![3, 81], vec![3, 121]));
    // The second run's synapse is twice as strong.
    let peak = |x: &[f64], n: usize| x[..n].iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(peak(&b, 121) > 1.2 * peak(&a, 81), "{} vs {}", peak(&b, 121), peak(&a, 81));
    assert_eq!(meta(&d.join("out/run-2"))["time_steps"], 121);

    let d = scratch("onerun");
    std::fs::copy(data().join("probe_cell.hoc"), d.join("cell.hoc")).unwrap();
    ok(&run(&d, probes, &["cell.hoc", "-c", "run()"]));
    assert!(d.join("out/t.npy").exists());
    assert!(meta(&d.join("out")).get("runs").is_none());
}

/// `nerve run --help` points to the reference.
#[test]
fn run_help_points_to_the_reference() {
    let out = Command::new(env!("CARGO_BIN_EXE_nerve")).args(["run", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("docs/probes.md"));
    assert!(repo().join("docs/probes.md").is_file());
}

// ---- probes.json against docs/probes.schema.json ----

/// Checks `v` against the subset of JSON Schema the project's schema uses:
/// type, required, properties, additionalProperties, items, minItems,
/// maxItems, enum, oneOf, const, $ref to #/$defs.
fn check(schema: &Value, root: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").ok_or_else(|| format!("{at}: unsupported $ref {r}"))?;
        return check(&root["$defs"][name], root, v, at);
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            return Err(format!("{at}: must be {c}"));
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            return Err(format!("{at}: {v} not one of {e:?}"));
        }
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        let fits: Vec<usize> = (0..alts.len()).filter(|&k| check(&alts[k], root, v, at).is_ok()).collect();
        if fits.len() != 1 {
            let why: Vec<String> = alts.iter().filter_map(|a| check(a, root, v, at).err()).collect();
            return Err(format!("{at}: fits {} of the alternatives ({})", fits.len(), why.join("; ")));
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "number" => v.is_number(),
            "integer" => v.as_f64().is_some_and(|x| x.fract() == 0.0),
            "boolean" => v.is_boolean(),
            _ => false,
        });
        if !fits {
            return Err(format!("{at}: {v} is not {types:?}"));
        }
    }
    if let Some(o) = v.as_object() {
        for req in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let k = req.as_str().unwrap();
            if !o.contains_key(k) {
                return Err(format!("{at}: '{k}' is required"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, val) in o {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check(s, root, val, &format!("{at}.{k}"))?,
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    return Err(format!("{at}: unknown field '{k}'"));
                }
                None => {}
            }
        }
    }
    if let Some(a) = v.as_array() {
        if let Some(n) = schema.get("minItems").and_then(Value::as_u64) {
            if (a.len() as u64) < n {
                return Err(format!("{at}: fewer than {n} items"));
            }
        }
        if let Some(n) = schema.get("maxItems").and_then(Value::as_u64) {
            if a.len() as u64 > n {
                return Err(format!("{at}: more than {n} items"));
            }
        }
        if let Some(items) = schema.get("items") {
            for (k, x) in a.iter().enumerate() {
                check(items, root, x, &format!("{at}[{k}]"))?;
            }
        }
    }
    Ok(())
}

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo().join("docs/probes.schema.json")).unwrap()).unwrap()
}

/// Every probes.json in examples/ and the tests' data fits the schema, and
/// the complete example runs and lists every probe type the reference
/// documents.
#[test]
fn examples_fit_the_schema() {
    let s = schema();
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [repo().join("examples"), data()] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            if p.extension().is_some_and(|x| x == "json") && text.contains("\"probes\"") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 3, "{files:?}");
    for p in &files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        check(&s, &s, &v, &p.display().to_string()).unwrap();
    }
    let example: Value = serde_json::from_str(&std::fs::read_to_string(repo().join("examples/probes.json")).unwrap()).unwrap();
    let types: Vec<&str> = example["probes"].as_array().unwrap().iter().map(|p| p["type"].as_str().unwrap()).collect();
    let doc = std::fs::read_to_string(repo().join("docs/probes.md")).unwrap();
    let schema_types: Vec<String> = s["$defs"]["probe"]["oneOf"].as_array().unwrap().iter().map(|alt| {
        let r = alt["$ref"].as_str().unwrap().trim_start_matches("#/$defs/");
        s["$defs"][r]["properties"]["type"]["const"].as_str().unwrap().to_string()
    }).collect();
    for t in &schema_types {
        assert!(doc.contains(&format!("| `{t}` |")), "docs/probes.md lacks {t}");
        if t != "NYHeadModel" {
            assert!(types.contains(&t.as_str()), "examples/probes.json lacks {t}");
        }
    }
    let d = scratch("example");
    for f in ["probes.json", "kernel.npy", "ball_and_stick.hoc"] {
        std::fs::copy(repo().join("examples").join(f), d.join(f)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_nerve")).current_dir(&d).args(["run", "--probes", "probes.json", "--out", "out", "ball_and_stick.hoc"]).output().unwrap();
    ok(&out);
    assert_eq!(meta(&d.join("out"))["probes"].as_array().unwrap().len(), types.len());
}

/// The schema refuses what nerve refuses: misspelt fields, missing ones,
/// wrong types.
#[test]
fn schema_refuses_bad_files() {
    let s = schema();
    for bad in [
        r#"{"probes": [{"name": "p", "type": "PointSourcePotential", "x": [1], "y": [2]}]}"#,
        r#"{"probes": [{"name": "p", "type": "LineSourcePotential", "x": [1], "y": [2], "z": [3], "sigmaa": 1}]}"#,
        r#"{"probes": [{"name": "p", "type": "Nope"}]}"#,
        r#"{"probes": [{"type": "CurrentDipoleMoment"}]}"#,
        r#"{"probes": [], "rotation": {"w": 1}}"#,
        r#"{"probes": [], "cell_position": [1, 2]}"#,
        r#"{"probs": []}"#,
        r#"{"probes": [{"name": "e", "type": "FourSphereVolumeConductor", "radii": [1, 2], "r_electrodes": [[0, 0, 1]], "dipole_location": [0, 0, 0]}]}"#,
        r#"{"probes": [], "stimuli": [{"name": "s", "type": "PointCurrentSource", "x": 0, "y": 0, "z": 0, "t": [0], "i": "x"}]}"#,
    ] {
        let v: Value = serde_json::from_str(bad).unwrap();
        assert!(check(&s, &s, &v, "file").is_err(), "the schema accepts {bad}");
        // nerve refuses it too
        let d = scratch("schema-bad");
        std::fs::write(d.join("one.hoc"), "x = 1\n").unwrap();
        let out = run(&d, bad, &["one.hoc"]);
        assert_eq!(out.status.code(), Some(2), "nerve accepts {bad}");
    }
}

// ---- --out FILE.h5 ----

fn h5_run(d: &Path, out: &str, extra: &[&str]) -> Output {
    std::fs::copy(data().join("probe_cell.hoc"), d.join("cell.hoc")).unwrap();
    std::fs::write(d.join("p.json"), r#"{"cell_position": [0, 0, 0], "probes": [{"name": "psp", "type": "PointSourcePotential", "x": [20, 20], "y": [0, 0], "z": [0, 50]},
        {"name": "i", "type": "imem"}, {"name": "cell", "type": "geometry"}]}"#).unwrap();
    Command::new(env!("CARGO_BIN_EXE_nerve")).current_dir(d).args(["run", "--probes", "p.json", "--out", out, "cell.hoc"]).args(extra).output().unwrap()
}

/// The HDF5 file holds the same numbers as the .npy files, the units and
/// meta.json as attributes, and the segment geometry; read back here with
/// hdf5-pure's reader.
#[test]
fn hdf5_holds_what_the_folder_holds() {
    use hdf5_pure::AttrValue;
    let d = scratch("h5");
    ok(&h5_run(&d, "out", &["-c", "run()"]));
    ok(&h5_run(&d, "res.h5", &["-c", "run()"]));
    let f = hdf5_pure::File::open(d.join("res.h5")).unwrap();
    for name in ["psp", "i", "t", "soma_v", "cell_x", "cell_d"] {
        let (shape, want) = read_npy(&d.join(format!("out/{name}.npy")));
        let ds = f.dataset(name).unwrap();
        assert_eq!(ds.shape().unwrap().iter().map(|&n| n as usize).collect::<Vec<_>>(), shape, "{name}");
        assert_eq!(ds.read_f64().unwrap(), want, "{name}");
    }
    let units = |name: &str| f.dataset(name).unwrap().attrs().unwrap()["units"].clone();
    assert_eq!(units("psp"), AttrValue::VarLenString("mV".into()));
    assert_eq!(units("i"), AttrValue::VarLenString("nA".into()));
    assert_eq!(units("t"), AttrValue::VarLenString("ms".into()));
    let (_, x) = read_npy(&d.join("out/cell_x.npy"));
    assert_eq!(f.dataset("geometry/x").unwrap().read_f64().unwrap(), x);
    let root = f.root().attrs().unwrap();
    assert_eq!(root["coordinates"], AttrValue::VarLenString("moved".into()));
    assert_eq!(root["segments"], AttrValue::I64(12));
    let AttrValue::VarLenString(m) = &root["meta"] else { panic!("meta: {:?}", root["meta"]) };
    let m: Value = serde_json::from_str(m).unwrap();
    assert_eq!(m, meta(&d.join("out")));

    // Several runs: one group each.
    ok(&h5_run(&d, "two.h5", &["-c", "tstop = 2", "-c", "run()", "-c", "tstop = 3", "-c", "run()"]));
    let f = hdf5_pure::File::open(d.join("two.h5")).unwrap();
    assert_eq!(f.dataset("run-1/t").unwrap().shape().unwrap(), vec![81]);
    assert_eq!(f.dataset("run-2/psp").unwrap().shape().unwrap(), vec![2, 121]);
    assert_eq!(f.dataset("run-2/geometry/d").unwrap().shape().unwrap(), vec![12]);
    assert_eq!(f.root().attrs().unwrap()["runs"], AttrValue::VarLenStringArray(vec!["run-1".into(), "run-2".into()]));

    // A probe may not take the file's own names; a folder is not a file.
    std::fs::write(d.join("g.json"), r#"{"probes": [{"name": "geometry", "type": "geometry"}]}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nerve")).current_dir(&d).args(["run", "--probes", "g.json", "--out", "g.h5", "cell.hoc"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("probe name 'geometry' is taken"));
    std::fs::create_dir_all(d.join("dir.h5")).unwrap();
    let out = h5_run(&d, "dir.h5", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.join("nothere/x.h5").exists());
    let out = h5_run(&d, "nothere/x.h5", &[]);
    assert_eq!(out.status.code(), Some(2));
}

/// A Python with h5py and numpy (from PyPI, in a virtual environment under
/// the target folder, made on first use).
fn h5py_python() -> PathBuf {
    // Made once per test process: tests run on threads, and two making the
    // same virtual environment at once break it.
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("h5py-venv");
            let python = venv.join("bin/python");
            if !python.exists() || !Command::new(&python).args(["-c", "import h5py, numpy"]).status().unwrap().success() {
                let base = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
                assert!(Command::new(&base).args(["-m", "venv"]).arg(&venv).status().unwrap().success(), "making the virtual environment");
                let pip = Command::new(&python).args(["-m", "pip", "install", "-q", "h5py", "numpy"]).status().unwrap();
                assert!(pip.success(), "pip install h5py numpy");
            }
            python
        })
        .clone()
}

/// h5py reads the file as a Python user would: datasets, units, geometry, meta.
#[test]
fn hdf5_reads_in_h5py() {
    let python = h5py_python();
    let d = scratch("h5py");
    ok(&h5_run(&d, "out", &["-c", "run()"]));
    ok(&h5_run(&d, "res.h5", &["-c", "run()"]));
    let script = r#"
import h5py, numpy as np, json, sys
f = h5py.File("res.h5", "r")
assert np.array_equal(f["psp"][()], np.load("out/psp.npy"))
assert f["psp"].attrs["units"] == "mV", f["psp"].attrs["units"]
assert f["psp"].attrs["type"] == "PointSourcePotential"
assert f["i"].shape == (12, 241)
assert f["t"].attrs["units"] == "ms"
assert np.array_equal(f["geometry/x"][()], np.load("out/cell_x.npy"))
assert f["geometry/d"].shape == (12,)
assert f.attrs["coordinates"] == "moved"
assert f.attrs["segments"] == 12
assert json.loads(f.attrs["meta"])["time_steps"] == 241
print("ok")
"#;
    let out = Command::new(&python).current_dir(&d).args(["-c", script]).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

// ---- record_dt ----

/// NEURON's Vector.record(&x, Dt) samples, from tests/data/record_dt.neuron.txt.
fn neuron_records() -> Vec<(String, Vec<(f64, f64)>)> {
    let text = std::fs::read_to_string(data().join("record_dt.neuron.txt")).unwrap();
    let mut out: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w[0].starts_with("dt") {
            out.push((w[0].to_string(), Vec::new()));
        } else {
            out.last_mut().unwrap().1.push((w[0].parse().unwrap(), w[1].parse().unwrap()));
        }
    }
    out
}

/// `--record-dt` and a probe's `record_dt` keep the samples NEURON's
/// Vector.record(&x, Dt) keeps, at its times: Dt a multiple of dt (0.1),
/// not a multiple (0.06: an event within half a step is taken at the
/// step's end), and below dt (0.01: samples repeat).
#[test]
fn record_dt_samples_as_neuron_records() {
    let d = scratch("recdt");
    std::fs::copy(data().join("record_dt.hoc"), d.join("rec.hoc")).unwrap();
    std::fs::copy(data().join("probe_cell.hoc"), d.join("probe_cell.hoc")).unwrap();
    let probes = r#"{"probes": [{"name": "v", "type": "vmem"}, {"name": "v6", "type": "vmem", "record_dt": 0.06},
        {"name": "v1", "type": "vmem", "record_dt": 0.01}, {"name": "psp", "type": "PointSourcePotential", "x": 20, "y": 0, "z": 0}]}"#;
    std::fs::write(d.join("p.json"), probes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nerve")).current_dir(&d).args(["run", "--probes", "p.json", "--out", "out", "--record-dt", "0.1", "rec.hoc"]).output().unwrap();
    ok(&out);
    let want = neuron_records();
    let o = d.join("out");
    let check = |file: &str, tfile: &str, row: usize, want: &[(f64, f64)]| {
        let (shape, v) = read_npy(&o.join(file));
        let (_, t) = read_npy(&o.join(tfile));
        assert_eq!(shape, vec![12, want.len()], "{file}");
        assert_eq!(t.len(), want.len(), "{tfile}");
        for (k, &(wt, wv)) in want.iter().enumerate() {
            assert_eq!(t[k], wt, "{tfile}[{k}]");
            let got = v[row * want.len() + k];
            assert!((got - wv).abs() <= 1e-9, "{file}[{row}, {k}] = {got}, NEURON {wv}");
        }
    };
    check("v.npy", "t.npy", 0, &want[0].1);
    check("v6.npy", "v6_t.npy", 6, &want[1].1);
    check("v1.npy", "v1_t.npy", 0, &want[2].1);
    let (pshape, _) = read_npy(&o.join("psp.npy"));
    assert_eq!(pshape, vec![1, 61]);
    let (_, soma_v) = read_npy(&o.join("soma_v.npy"));
    assert_eq!(soma_v.len(), 61);
    let m = meta(&o);
    assert_eq!(m["record_dt"], 0.1);
    assert_eq!(m["time_steps"], 61);
    assert_eq!(m["probes"][1]["t"], "v6_t.npy");

    let out = run(&d, r#"{"probes": [{"name": "v", "type": "vmem", "record_dt": 0}]}"#, &["rec.hoc"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'record_dt' must be a positive number"));
}

/// Under the variable step, `--record-dt` samples the interpolated solution
/// at its own times, as Vector.record(&x, Dt) does there
/// (record_dt_cvode.neuron.txt: NEURON 9.0.2, which also stops taking
/// samples before tstop); probes that ask for different intervals are an error.
#[test]
fn record_dt_under_the_variable_step() {
    let d = scratch("recdt-cvode");
    for f in ["record_dt_cvode.hoc", "record_dt.hoc", "probe_cell.hoc"] {
        std::fs::copy(data().join(f), d.join(f)).unwrap();
    }
    std::fs::write(d.join("p.json"), r#"{"probes": [{"name": "v", "type": "vmem"}]}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nerve")).current_dir(&d).args(["run", "--probes", "p.json", "--out", "out", "--record-dt", "0.1", "record_dt_cvode.hoc"]).output().unwrap();
    ok(&out);
    let text = std::fs::read_to_string(data().join("record_dt_cvode.neuron.txt")).unwrap();
    let want: Vec<(f64, f64)> = text
        .lines()
        .skip_while(|l| !l.starts_with("dt0.1 "))
        .skip(1)
        .take_while(|l| !l.starts_with("dt"))
        .map(|l| {
            let w: Vec<f64> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
            (w[0], w[1])
        })
        .collect();
    assert_eq!(want.len(), 60);
    let o = d.join("out");
    let (shape, v) = read_npy(&o.join("v.npy"));
    let (_, t) = read_npy(&o.join("t.npy"));
    let nt = t.len();
    assert_eq!(shape, vec![12, nt]);
    assert!(nt >= want.len());
    for (k, &(wt, wv)) in want.iter().enumerate() {
        assert!((t[k] - wt).abs() <= 1e-12, "t[{k}] = {}, NEURON {wt}", t[k]);
        assert!((v[k] - wv).abs() <= 1e-6, "v[0, {k}] = {}, NEURON {wv}", v[k]);
    }

    std::fs::write(d.join("p2.json"), r#"{"probes": [{"name": "v", "type": "vmem"}, {"name": "v6", "type": "vmem", "record_dt": 0.06}]}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nerve")).current_dir(&d).args(["run", "--probes", "p2.json", "--out", "out2", "--record-dt", "0.1", "record_dt_cvode.hoc"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("every output is sampled at one interval: record_dt 0.1 ms and 0.06 ms differ"), "{err}");
}

/// `--format sonata` writes bmtk's extracellular report of the one contact
/// probe: /ecp/data (time × channels), /ecp/time [start, stop, step] whose
/// numpy arange gives t, /ecp/channel_id; read back with h5py.
#[test]
fn sonata_report_reads_as_bmtk_writes_it() {
    let d = scratch("sonata");
    std::fs::copy(data().join("probe_cell.hoc"), d.join("cell.hoc")).unwrap();
    let probes = r#"{"probes": [{"name": "ecp", "type": "RecExtElectrode", "x": [20, 20, 20], "y": [0, 0, 0], "z": [0, 50, 100]}]}"#;
    ok(&run(&d, probes, &["cell.hoc", "-c", "run()"]));
    let sonata = |out: &str, extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_nerve")).current_dir(&d).args(["run", "--probes", "p.json", "--format", "sonata", "--out", out]).args(extra).args(["cell.hoc", "-c", "run()"]).output().unwrap()
    };
    ok(&sonata("ecp.h5", &[]));
    let f = hdf5_pure::File::open(d.join("ecp.h5")).unwrap();
    let (_, want) = read_npy(&d.join("out/ecp.npy"));
    let got = f.dataset("ecp/data").unwrap().read_f64().unwrap();
    assert_eq!(f.dataset("ecp/data").unwrap().shape().unwrap(), vec![241, 3]);
    for c in 0..3 {
        for j in 0..241 {
            assert_eq!(got[j * 3 + c], want[c * 241 + j]);
        }
    }
    let python = h5py_python();
    let script = r#"
import h5py, numpy as np
f = h5py.File("ecp.h5", "r")
data = f["/ecp/data"][()]
assert data.shape == (241, 3)
assert np.array_equal(data, np.load("out/ecp.npy").T)
t = np.arange(*f["/ecp/time"][()])
assert len(t) == 241 and np.allclose(t, np.load("out/t.npy"), atol=1e-9), (len(t), f["/ecp/time"][()])
assert list(f["/ecp/channel_id"][()]) == [0, 1, 2]
assert f["/ecp/data"].attrs["units"] == "mV" and f["/ecp/time"].attrs["units"] == "ms"
"#;
    let out = Command::new(&python).current_dir(&d).args(["-c", script]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // --record-dt: the step of /ecp/time.
    ok(&sonata("ecp2.h5", &["--record-dt", "0.1"]));
    let f = hdf5_pure::File::open(d.join("ecp2.h5")).unwrap();
    assert_eq!(f.dataset("ecp/data").unwrap().shape().unwrap(), vec![61, 3]);
    let time = f.dataset("ecp/time").unwrap().read_f64().unwrap();
    assert_eq!((time[0], time[2]), (0.0, 0.1));
    assert!((time[1] - 6.1).abs() < 1e-12);

    // One contact probe, an .h5 file.
    let out = sonata("ecp.npy", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --out FILE.h5"));
    std::fs::write(d.join("p.json"), r#"{"probes": [{"name": "d", "type": "CurrentDipoleMoment"}]}"#).unwrap();
    let out = sonata("x.h5", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exactly one probe of potentials at contacts"), "{}", String::from_utf8_lossy(&out.stderr));
}
