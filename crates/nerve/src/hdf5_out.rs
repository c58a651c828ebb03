//! `--out FILE.h5`: a run's results as one HDF5 file, written by a pure-Rust
//! writer (no C library). One dataset per output, named as the .npy files
//! of `--out DIR` are, with its units as an attribute; `t`; a `geometry`
//! group with the segments (LFPy's cell.x, y, z, d); meta.json's keys as
//! attributes of the root (and the whole of it as the `meta` attribute).
//! A script with several runs gets one group per run, `run-1`, `run-2`, ….
//! `--format sonata` writes bmtk's extracellular report instead.

use hdf5_pure::{AttrValue, FileBuilder, GroupBuilder};
use serde_json::Value;

use crate::probes::Array;
use field::CellGeometry;

/// Whether `--out` names an HDF5 file rather than a folder.
pub fn names_hdf5(path: &std::path::Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "h5" | "hdf5"))
}

/// Names an HDF5 file keeps for itself; no probe may take them.
pub const RESERVED: [&str; 2] = ["geometry", "meta"];

/// The bytes of the file: one run at the root, several in `run-N` groups.
pub fn file(runs: &[(Vec<Array>, Value)], geometries: &[&CellGeometry], names: &[String], top: &Value) -> Result<Vec<u8>, String> {
    let mut b = FileBuilder::new();
    if runs.len() == 1 {
        fill(&mut Node::File(&mut b), &runs[0], geometries[0]);
    } else {
        for ((run, geom), name) in runs.iter().zip(geometries).zip(names) {
            let mut g = b.create_group(name);
            fill(&mut Node::Group(&mut g), run, geom);
            b.add_group(g.finish());
        }
        attrs(&mut Node::File(&mut b), top);
    }
    b.finish().map_err(|e| format!("HDF5: {e}"))
}

/// The root or a group: both take datasets, groups and attributes.
enum Node<'a> {
    File(&'a mut FileBuilder),
    Group(&'a mut GroupBuilder),
}

impl Node<'_> {
    fn dataset(&mut self, name: &str, shape: &[usize], data: &[f64], units: &str, extra: Vec<(&str, AttrValue)>) {
        let shape: Vec<u64> = shape.iter().map(|&n| n as u64).collect();
        let d = match self {
            Node::File(b) => b.create_dataset(name),
            Node::Group(g) => g.create_dataset(name),
        };
        d.with_f64_data(data).with_shape(&shape).set_attr("units", AttrValue::VarLenString(units.into()));
        for (k, v) in extra {
            d.set_attr(k, v);
        }
    }

    fn attr(&mut self, name: &str, v: AttrValue) {
        match self {
            Node::File(b) => b.set_attr(name, v),
            Node::Group(g) => g.set_attr(name, v),
        }
    }

    fn group(&mut self, name: &str, fill: impl FnOnce(&mut Node)) {
        match self {
            Node::File(b) => {
                let mut g = b.create_group(name);
                fill(&mut Node::Group(&mut g));
                b.add_group(g.finish());
            }
            Node::Group(p) => {
                let mut g = p.create_group(name);
                fill(&mut Node::Group(&mut g));
                p.add_group(g.finish());
            }
        }
    }
}

/// One run's datasets, its geometry group and its meta attributes.
fn fill(node: &mut Node, (arrays, meta): &(Vec<Array>, Value), geom: &CellGeometry) {
    let probes = meta.get("probes").and_then(Value::as_array);
    for a in arrays {
        let mut extra = Vec::new();
        if let Some(p) = a.probe.and_then(|k| probes?.get(k)) {
            if let Some(t) = p.get("type").and_then(Value::as_str) {
                extra.push(("type", AttrValue::VarLenString(t.into())));
            }
            extra.push(("probe", AttrValue::VarLenString(p.to_string())));
        }
        node.dataset(&a.name, &a.shape, &a.data, &a.units, extra);
    }
    node.group("geometry", |g| {
        let n = geom.len();
        let pair = |d: usize| -> Vec<f64> { (0..n).flat_map(|k| [geom.start[k][d], geom.end[k][d]]).collect() };
        for (d, axis) in ["x", "y", "z"].iter().enumerate() {
            g.dataset(axis, &[n, 2], &pair(d), "um", vec![]);
        }
        let mid: Vec<f64> = (0..n).flat_map(|k| geom.mid(k)).collect();
        g.dataset("mid", &[n, 3], &mid, "um", vec![]);
        g.dataset("d", &[n], &geom.diam, "um", vec![]);
        let length: Vec<f64> = (0..n).map(|k| geom.length(k)).collect();
        g.dataset("length", &[n], &length, "um", vec![]);
    });
    attrs(node, meta);
}

/// meta.json's keys as attributes: numbers, strings and lists of numbers or
/// strings as such, anything else as JSON text; all of it as `meta`.
fn attrs(node: &mut Node, meta: &Value) {
    if let Some(o) = meta.as_object() {
        for (k, v) in o {
            let a = match v {
                Value::Number(n) if n.is_u64() || n.is_i64() => AttrValue::I64(n.as_i64().unwrap_or(i64::MAX)),
                Value::Number(n) => AttrValue::F64(n.as_f64().unwrap_or(f64::NAN)),
                Value::String(s) => AttrValue::VarLenString(s.clone()),
                Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_number) => AttrValue::F64Array(a.iter().filter_map(Value::as_f64).collect()),
                Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_string) => AttrValue::VarLenStringArray(a.iter().filter_map(|s| s.as_str().map(String::from)).collect()),
                other => AttrValue::VarLenString(other.to_string()),
            };
            node.attr(k, a);
        }
    }
    node.attr("meta", AttrValue::VarLenString(meta.to_string()));
}

/// bmtk's extracellular report (its `ecp.h5`) of one probe's (channels,
/// time) array: `/ecp/data` (time × channels, mV), `/ecp/time` = [t0, t0 +
/// samples × step, step] (ms, so numpy's arange gives the sample times) and
/// `/ecp/channel_id` = 0, 1, ….
pub fn sonata(a: &Array, step: f64) -> Result<Vec<u8>, String> {
    let (channels, nt) = (a.shape[0], a.shape[1]);
    let mut data = vec![0.0; channels * nt];
    for c in 0..channels {
        for j in 0..nt {
            data[j * channels + c] = a.data[c * nt + j];
        }
    }
    let mut b = FileBuilder::new();
    let mut g = b.create_group("ecp");
    g.create_dataset("data").with_f64_data(&data).with_shape(&[nt as u64, channels as u64]).set_attr("units", AttrValue::VarLenString(a.units.clone()));
    let t0 = 0.0;
    g.create_dataset("time").with_f64_data(&[t0, t0 + nt as f64 * step, step]).set_attr("units", AttrValue::VarLenString("ms".into()));
    let ids: Vec<i64> = (0..channels as i64).collect();
    g.create_dataset("channel_id").with_i64_data(&ids);
    b.add_group(g.finish());
    b.finish().map_err(|e| format!("HDF5: {e}"))
}
