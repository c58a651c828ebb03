//! `nerve convert MODEL --to json|swc|hoc|neuroml`: the instantiated model of a HOC
//! program (or of a reconstruction imported as Import3d does) written as a
//! canonical JSON description, an SWC file or a HOC program. SWC and HOC
//! written here load back to the same JSON.

use std::fmt::Write as _;
use std::path::Path;

use cable::mechanism::{MechKind, VarKind};
use cable::{Model, SecId};
use serde_json::{json, Value};

/// Loads MODEL: a .hoc program is run; .swc/.asc/.xml are imported at the top level.
pub fn load(path: &Path) -> Result<hoc::Interp, String> {
    let mut it = hoc::Interp::new(Box::new(std::io::sink()));
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let r = match ext.as_str() {
        "hoc" | "ses" => it.run_file(path),
        "swc" | "asc" | "xml" | "nml" => {
            let (m, _diags) = morph::read_any(path).map_err(|e| e.to_string())?;
            hoc::engine::import3d::instantiate(&mut it, &m, None)
        }
        _ => return Err(format!("{}: not a .hoc, .swc, .asc or .xml file", path.display())),
    };
    match r {
        Ok(()) => Ok(it),
        Err(e) if matches!(e.kind, hoc::ErrorKind::Quit(_)) => Ok(it),
        Err(e) => Err(hoc::report(&e).trim_end().to_string()),
    }
}

/// Section names without an object prefix (`Cell[0].soma[0]` → `soma[0]`).
fn local_name(name: &str) -> &str {
    match name.rfind("].") {
        Some(i) if name[..i].contains('[') => &name[i + 2..],
        _ => name,
    }
}

fn sections(m: &Model) -> Vec<SecId> {
    (0..m.sections.len()).filter(|&s| m.exists(s)).collect()
}

/// The canonical description: sections in creation order with their
/// connection, geometry and per-segment parameters.
pub fn to_json(it: &mut hoc::Interp) -> Value {
    let m = &mut it.eng.model;
    m.ensure_lowered();
    let m = &it.eng.model;
    let mut out = Vec::new();
    for s in sections(m) {
        let sec = m.sec(s);
        let parent = sec.parent.map(|(p, x)| json!({"section": local_name(&m.sec(p).name), "x": x, "end": sec.orientation}));
        let pts: Vec<Value> = sec.pt3d.iter().map(|p| json!([p.x as f64, p.y as f64, p.z as f64, p.d as f64])).collect();
        let mut segs = Vec::new();
        for (j, x) in sec.centers().into_iter().enumerate() {
            let mut mechs = serde_json::Map::new();
            for ins in m.inserted_in_order(s) {
                let mech = &m.mechs[ins.mech];
                let mut vars = serde_json::Map::new();
                for (k, v) in mech.vars().iter().enumerate() {
                    if v.kind == VarKind::Parameter {
                        vars.insert(v.name.clone(), json!(m.data[ins.mech].cols[k][ins.inst[j] as usize]));
                    }
                }
                mechs.insert(mech.name().to_string(), Value::Object(vars));
            }
            segs.push(json!({"x": x, "diam": sec.diam[j], "cm": sec.cm[j], "mechanisms": mechs}));
        }
        out.push(json!({
            "name": local_name(&sec.name),
            "parent": parent,
            "nseg": sec.nseg,
            "L": sec.length(),
            "Ra": sec.ra,
            "rallbranch": sec.rallbranch,
            "pt3d": pts,
            "pt3dstyle": sec.logical_connection.map(|p| json!([p[0] as f64, p[1] as f64, p[2] as f64])),
            "segments": segs,
        }));
    }
    json!({"format": "nerve model", "version": 1, "sections": out})
}

/// A HOC program that rebuilds the model (sections, connections, 3-D points,
/// parameters and density mechanisms).
pub fn to_hoc(it: &mut hoc::Interp) -> String {
    let m = &it.eng.model;
    let mut out = String::from("// Written by nerve convert: the model's sections, geometry and membrane.\n");
    let secs = sections(m);
    // create: one statement per array name, in order of first appearance
    let mut groups: Vec<(String, usize, bool)> = Vec::new();
    for &s in &secs {
        let name = local_name(&m.sec(s).name);
        let (base, array) = match name.find('[') {
            Some(i) => (&name[..i], true),
            None => (name, false),
        };
        match groups.iter_mut().find(|g| g.0 == base) {
            Some(g) => g.1 += 1,
            None => groups.push((base.to_string(), 1, array)),
        }
    }
    for (base, n, array) in &groups {
        if *array {
            let _ = writeln!(out, "create {base}[{n}]");
        } else {
            let _ = writeln!(out, "create {base}");
        }
    }
    // connections in the order they were made (it orders siblings)
    let mut children: Vec<SecId> = secs.iter().copied().filter(|&s| m.sec(s).parent.is_some()).collect();
    children.sort_by_key(|&s| m.sec(s).serial);
    for &s in &children {
        let sec = m.sec(s);
        let (p, x) = sec.parent.unwrap();
        let _ = writeln!(out, "connect {}({}), {}({:?})", local_name(&sec.name), sec.orientation, local_name(&m.sec(p).name), x);
    }
    for &s in &secs {
        let sec = m.sec(s);
        let _ = writeln!(out, "{} {{", local_name(&sec.name));
        if !sec.pt3d.is_empty() {
            let _ = writeln!(out, "  pt3dclear()");
            for p in &sec.pt3d {
                let _ = writeln!(out, "  pt3dadd({:?}, {:?}, {:?}, {:?})", p.x as f64, p.y as f64, p.z as f64, p.d as f64);
            }
            if let Some(st) = sec.logical_connection {
                let _ = writeln!(out, "  pt3dstyle(1, {:?}, {:?}, {:?})", st[0] as f64, st[1] as f64, st[2] as f64);
            }
        } else {
            let _ = writeln!(out, "  L = {:?}", sec.l);
        }
        let _ = writeln!(out, "  nseg = {}", sec.nseg);
        let _ = writeln!(out, "  Ra = {:?}", sec.ra);
        if sec.rallbranch != 1.0 {
            let _ = writeln!(out, "  rallbranch = {:?}", sec.rallbranch);
        }
        let centers = sec.centers();
        for ins in m.inserted_in_order(s) {
            if m.mechs[ins.mech].kind() == MechKind::Density {
                let _ = writeln!(out, "  insert {}", m.mechs[ins.mech].name());
            }
        }
        for (j, x) in centers.iter().enumerate() {
            if sec.pt3d.is_empty() {
                let _ = writeln!(out, "  diam({x:?}) = {:?}", sec.diam[j]);
            }
            let _ = writeln!(out, "  cm({x:?}) = {:?}", sec.cm[j]);
            for ins in m.inserted_in_order(s) {
                let mech = &m.mechs[ins.mech];
                for (k, v) in mech.vars().iter().enumerate() {
                    if v.kind == VarKind::Parameter {
                        let _ = writeln!(out, "  {}({x:?}) = {:?}", mech.hoc_name(k), m.data[ins.mech].cols[k][ins.inst[j] as usize]);
                    }
                }
            }
        }
        let _ = writeln!(out, "}}");
    }
    out
}

/// SWC type of a section from its name (soma 1, axon 2, dend 3, apic 4, dend_N N, minus_N -N).
fn swc_type(name: &str) -> i64 {
    let base = name.split('[').next().unwrap_or(name);
    match base {
        "soma" => 1,
        "axon" => 2,
        "dend" => 3,
        "apic" => 4,
        b => b
            .strip_prefix("dend_")
            .and_then(|n| n.parse().ok())
            .or_else(|| b.strip_prefix("minus_").and_then(|n| n.parse::<i64>().ok()).map(|n| -n))
            .unwrap_or(3),
    }
}

/// The model's sections as Import3d would describe them (for the SWC writer).
fn model_morphology(m: &Model) -> Result<morph::Morphology, String> {
    let secs = sections(m);
    let pos: std::collections::HashMap<SecId, usize> = secs.iter().enumerate().map(|(i, &s)| (s, i)).collect();
    let mut out = morph::Morphology::default();
    for &s in &secs {
        let sec = m.sec(s);
        let name = local_name(&sec.name);
        let (base, index) = match name.find('[') {
            Some(i) => (&name[..i], name[i + 1..name.len() - 1].parse::<usize>().map_err(|_| format!("{name}: not an indexed section name"))?),
            None => (name, 0),
        };
        if sec.pt3d.is_empty() {
            return Err(format!("{}: no 3-D points; run define_shape() in the model first", sec.name));
        }
        out.sections.push(morph::MSection {
            name: base.to_string(),
            index,
            kind: swc_type(name) as i32,
            parent: sec.parent.map(|(p, x)| (pos[&p], x)),
            points: sec.pt3d.iter().map(|p| [p.x, p.y, p.z, p.d]).collect(),
            style: sec.logical_connection,
        });
    }
    let mut order: Vec<usize> = (0..secs.len()).collect();
    order.sort_by_key(|&i| m.sec(secs[i]).serial);
    out.connect_order = order;
    Ok(out)
}

/// 3-D points for a model whose sections lack them, as define_shape() makes them.
fn shaped(m: &mut Model) {
    if sections(m).iter().any(|&s| m.sec(s).pt3d.is_empty()) {
        m.define_shape();
    }
}

/// The model as a NeuroML2 cell named after its file.
pub fn to_neuroml(it: &mut hoc::Interp, path: &Path) -> Result<String, String> {
    shaped(&mut it.eng.model);
    it.eng.model.ensure_lowered();
    let id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "cell".into());
    crate::neuroml::to_neuroml(&it.eng.model, &id)
}

/// An SWC file of the model's sections (3-D points from define_shape
/// where the model has none). Written so that Import3d reads it back into
/// the same sections where an SWC file can say that; otherwise as plain
/// SWC (`morph::to_swc_plain`), with a note saying why.
pub fn to_swc(it: &mut hoc::Interp) -> Result<(String, Option<String>), String> {
    shaped(&mut it.eng.model);
    let morph = model_morphology(&it.eng.model)?;
    match morph::to_swc(&morph) {
        Ok(s) => Ok((format!("# Written by nerve convert\n{s}"), None)),
        Err(exact) => {
            let s = morph::to_swc_plain(&morph).map_err(|e| e.to_string())?;
            let note = format!("written as plain SWC; Import3d will read it into the same tree and points, not the same sections ({})", exact.message);
            Ok((format!("# Written by nerve convert\n{s}"), Some(note)))
        }
    }
}
