//! The New York head model on a small file in sa_nyhead.mat's layout
//! (MATLAB 7.3: HDF5 with a user block, chunked and deflate-compressed),
//! against what LFPykit 0.6.2's NYHeadModel computed from the same file.

use field::{probe_from_json, CellGeometry, NYHeadModel};
use ndarray::Array2;
use serde_json::{json, Value};
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("nyhead_small.json")).unwrap()).unwrap()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn close(a: &Array2<f64>, b: &Array2<f64>) {
    assert_eq!(a.shape(), b.shape());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-12 * y.abs().max(1e-30), "{x} vs {y}");
    }
}

#[test]
fn lead_field_and_rotation_equal_lfpykit() {
    let exp = expected();
    for (label, pos) in [("motorsensory_cortex", NYHeadModel::named_position("motorsensory_cortex").unwrap()), ("given", [0.0; 3])] {
        let e = &exp[label];
        let pos = match e["dipole_pos"].as_array() {
            Some(p) => [p[0].as_f64().unwrap(), p[1].as_f64().unwrap(), p[2].as_f64().unwrap()],
            None => pos,
        };
        let m = NYHeadModel::open(&data("nyhead_small.mat"), pos, Some([0.0, 0.0, 1.0])).unwrap();
        assert_eq!(m.vertex as u64, e["vertex"].as_u64().unwrap());
        close(m.transformation_matrix(), &matrix(&e["M"]));
        close(&m.rotate(matrix(&e["p"]).view()), &matrix(&e["p_rot"]));
    }
}

#[test]
fn probe_applies_the_lead_field_to_the_cells_dipole() {
    let file = data("nyhead_small.mat");
    let v = json!({"name": "eeg", "type": "NYHeadModel", "file": file.to_str().unwrap(), "rotate_to_normal": true});
    let (_, probe) = probe_from_json(&v).unwrap();
    let geom = CellGeometry { start: vec![[0.0, 0.0, 0.0], [0.0, 0.0, 10.0]], end: vec![[0.0, 0.0, 10.0], [5.0, 0.0, 30.0]], diam: vec![1.0, 1.0], length: Vec::new() };
    let m = probe.matrix(&geom).unwrap();
    let head = NYHeadModel::open(&file, NYHeadModel::named_position("motorsensory_cortex").unwrap(), Some([0.0, 0.0, 1.0])).unwrap();
    // One segment's column is the lead field times its rotated midpoint.
    let p = Array2::from_shape_vec((3, 1), vec![0.0, 0.0, 5.0]).unwrap();
    let col = head.transformation_matrix().dot(&head.rotate(p.view()));
    for i in 0..m.nrows() {
        assert!((m[[i, 0]] - col[[i, 0]]).abs() <= 1e-15 + 1e-12 * col[[i, 0]].abs());
    }
    assert_eq!(probe.output_dims(), vec![9]);
}

#[test]
fn bad_input_is_named() {
    let file = data("nyhead_small.mat");
    let err = |v: Value| probe_from_json(&v).err().expect("refused").0;
    assert!(err(json!({"name": "e", "type": "NYHeadModel"})).contains("field 'file' is required"));
    assert!(err(json!({"name": "e", "type": "NYHeadModel", "file": "/nonexistent/sa_nyhead.mat"})).contains("/nonexistent/sa_nyhead.mat"));
    assert!(err(json!({"name": "e", "type": "NYHeadModel", "file": file.to_str().unwrap(), "dipole_pos": "nowhere"})).contains("dipole_pos"));
    // 500 mm from every vertex.
    assert!(err(json!({"name": "e", "type": "NYHeadModel", "file": file.to_str().unwrap(), "dipole_pos": [500, 500, 500]})).contains("mm away"));
    // A file that is not HDF5.
    assert!(err(json!({"name": "e", "type": "NYHeadModel", "file": data("nyhead_small.json").to_str().unwrap()})).contains("HDF5"));
}
