//! `nerve convert --to neuroml`: the model's sections as one NeuroML2 cell.
//!
//! Morphology: one segment per pair of consecutive 3-D points, written
//! parents first; a section's first segment names its parent segment and
//! the fraction along it that matches the section's connection position;
//! one `segmentGroup` per section (its name with `[i]` as `_i`).
//! Membrane, per section (the values of its first segment): the specific
//! capacitance, the axial resistivity, and each density mechanism's
//! conductance parameters (`g…`) as `channelDensity` elements named after
//! the mechanism, with the ion and reversal potential where the model
//! says them: the ion whose name follows the `g`, or the mechanism's own
//! `e`-parameter (`gl` → `el`, `g` → `e`).

use std::fmt::Write as _;

use cable::mechanism::VarKind;
use cable::model::Var;
use cable::ion::IonField;
use cable::{Model, SecId};

/// The NeuroML2 document of the model's cell, `id` naming it.
pub fn to_neuroml(m: &Model, id: &str) -> Result<String, String> {
    let secs: Vec<SecId> = (0..m.sections.len()).filter(|&s| m.exists(s)).collect();
    if secs.is_empty() {
        return Err("no sections: nothing to write as NeuroML".into());
    }
    if let Some(&s) = secs.iter().find(|&&s| m.sec(s).pt3d.len() < 2) {
        return Err(format!("{}: fewer than two 3-D points", m.sec(s).name));
    }
    let order = parents_first(m, &secs);
    // Per section: the id of its first segment.
    let mut first_seg = vec![usize::MAX; m.sections.len()];
    let mut next = 0usize;
    let mut morph = String::new();
    for &s in &order {
        let sec = m.sec(s);
        first_seg[s] = next;
        let group = group_name(&sec.name);
        for k in 0..sec.pt3d.len() - 1 {
            let _ = writeln!(morph, "      <segment id=\"{next}\" name=\"{group}_{k}\">");
            if k > 0 {
                let _ = writeln!(morph, "        <parent segment=\"{}\"/>", next - 1);
            } else if let Some((p, x)) = sec.parent {
                let (seg, frac) = segment_at(&m.sec(p).pt3d, x);
                let _ = writeln!(morph, "        <parent segment=\"{}\" fractionAlong=\"{}\"/>", first_seg[p] + seg, num(frac));
            }
            for (tag, q) in [("proximal", &sec.pt3d[k]), ("distal", &sec.pt3d[k + 1])] {
                let _ = writeln!(
                    morph,
                    "        <{tag} x=\"{}\" y=\"{}\" z=\"{}\" diameter=\"{}\"/>",
                    q.x,
                    q.y,
                    q.z,
                    q.d.abs()
                );
            }
            morph.push_str("      </segment>\n");
            next += 1;
        }
    }
    for &s in &order {
        let sec = m.sec(s);
        let _ = writeln!(morph, "      <segmentGroup id=\"{}\">", group_name(&sec.name));
        for k in 0..sec.pt3d.len() - 1 {
            let _ = writeln!(morph, "        <member segment=\"{}\"/>", first_seg[s] + k);
        }
        morph.push_str("      </segmentGroup>\n");
    }

    let (mut membrane, mut intra) = (String::new(), String::new());
    for &s in &order {
        let sec = m.sec(s);
        let group = group_name(&sec.name);
        let x = sec.centers()[0];
        let _ = writeln!(membrane, "        <specificCapacitance value=\"{} uF_per_cm2\" segmentGroup=\"{group}\"/>", num(sec.cm[0]));
        for ins in m.inserted_in_order(s) {
            let mech = &m.mechs[ins.mech];
            let name = mech.name();
            if name.ends_with("_ion") || name == "extracellular" {
                continue;
            }
            let params: Vec<(usize, &str)> = mech.vars().iter().enumerate().filter(|(_, v)| v.kind == VarKind::Parameter).map(|(k, v)| (k, v.name.as_str())).collect();
            let value = |k: usize| m.read_var(&Var::Range { mech: ins.mech, var: k, sec: s, x });
            for &(k, p) in params.iter().filter(|(_, p)| p.starts_with('g')) {
                let Some(g) = value(k) else { continue };
                let rest = p[1..].trim_end_matches("bar");
                let ion = mech.ions().iter().map(|u| u.ion.as_str()).find(|i| !rest.is_empty() && rest.starts_with(i));
                let erev = match ion {
                    Some(i) => m.ion_types.iter().position(|t| t.name == i).and_then(|t| m.read_var(&Var::Ion { ion: t, field: IonField::Erev, sec: s, x })),
                    None => params.iter().find(|(_, q)| *q == format!("e{rest}")).and_then(|&(k, _)| value(k)),
                };
                let _ = write!(
                    membrane,
                    "        <channelDensity id=\"{name}_{p}_{group}\" ionChannel=\"{name}\" condDensity=\"{} S_per_cm2\" segmentGroup=\"{group}\" ion=\"{}\"",
                    num(g),
                    ion.unwrap_or("non_specific")
                );
                if let Some(e) = erev {
                    let _ = write!(membrane, " erev=\"{} mV\"", num(e));
                }
                membrane.push_str("/>\n");
            }
        }
        let _ = writeln!(intra, "        <resistivity value=\"{} ohm_cm\" segmentGroup=\"{group}\"/>", num(sec.ra));
    }

    let id = group_name(id);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<neuroml xmlns=\"http://www.neuroml.org/schema/neuroml2\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.neuroml.org/schema/neuroml2 https://raw.github.com/NeuroML/NeuroML2/development/Schemas/NeuroML2/NeuroML_v2.3.xsd\" id=\"{id}\">"
    );
    let _ = writeln!(out, "  <cell id=\"{id}\">");
    out.push_str("    <morphology id=\"morphology\">\n");
    out.push_str(&morph);
    out.push_str("    </morphology>\n");
    out.push_str("    <biophysicalProperties id=\"biophysics\">\n      <membraneProperties>\n");
    out.push_str(&membrane);
    out.push_str("      </membraneProperties>\n      <intracellularProperties>\n");
    out.push_str(&intra);
    out.push_str("      </intracellularProperties>\n    </biophysicalProperties>\n  </cell>\n</neuroml>\n");
    Ok(out)
}

/// The sections with every parent before its children (roots in creation order).
fn parents_first(m: &Model, secs: &[SecId]) -> Vec<SecId> {
    let mut children: Vec<Vec<SecId>> = vec![Vec::new(); m.sections.len()];
    let mut roots = Vec::new();
    for &s in secs {
        match m.sec(s).parent {
            Some((p, _)) if m.exists(p) => children[p].push(s),
            _ => roots.push(s),
        }
    }
    let mut out = Vec::with_capacity(secs.len());
    let mut stack: Vec<SecId> = roots.into_iter().rev().collect();
    while let Some(s) = stack.pop() {
        out.push(s);
        stack.extend(children[s].iter().rev());
    }
    out
}

/// The segment (between points k and k+1) at arc position `x` of a
/// section's points, and the fraction along it.
fn segment_at(pts: &[cable::Pt3d], x: f64) -> (usize, f64) {
    let mut arc = vec![0.0f64; pts.len()];
    for k in 1..pts.len() {
        let (a, b) = (&pts[k - 1], &pts[k]);
        let d = ((b.x - a.x) as f64).powi(2) + ((b.y - a.y) as f64).powi(2) + ((b.z - a.z) as f64).powi(2);
        arc[k] = arc[k - 1] + d.sqrt();
    }
    let target = x.clamp(0.0, 1.0) * arc[pts.len() - 1];
    let nseg = pts.len() - 1;
    let k = (0..nseg).find(|&k| target <= arc[k + 1]).unwrap_or(nseg - 1);
    let len = arc[k + 1] - arc[k];
    let frac = if len > 0.0 { ((target - arc[k]) / len).clamp(0.0, 1.0) } else { 1.0 };
    (k, frac)
}

/// A NeuroML id from a section name: `Cell[0].dend[3]` → `dend_3`.
fn group_name(name: &str) -> String {
    let local = match name.rfind("].") {
        Some(i) => &name[i + 2..],
        None => name,
    };
    let mut id: String = local.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    while id.ends_with('_') {
        id.pop();
    }
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert(0, '_');
    }
    id
}

/// A number as the shortest text that reads back to it (3-D points,
/// stored as `f32`, are written as their `f32` text).
fn num(v: f64) -> String {
    format!("{v}")
}
