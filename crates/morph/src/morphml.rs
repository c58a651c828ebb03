//! NeuroML v1 MorphML as `Import3d_MorphML` reads it (read_morphml.hoc with
//! neuron/neuroml/rdxml.py and morphml.py): one section per cable, in the
//! order cables first appear among the segments, holding the cable's
//! proximal and distal points as given (no parent point is prepended), the
//! parent from the first segment's parent, the connection from
//! `fractAlongParent`. NEURON gives every MorphML section type 0, so all
//! are named `dend_0`.

use std::collections::HashMap;

use crate::import3d::{Import, RawSection};
use crate::num::veq;
use crate::xml::{self, Event};
use crate::{Diagnostic, MorphError};

struct Point {
    cid: i64,
    line: usize,
    x: f64,
    y: f64,
    z: f64,
    d: f64,
}

struct Cable {
    id: i64,
    first: usize,
    pcnt: usize,
    px: f64,
    parent_cable_id: i64,
    line: usize,
}

#[derive(Default)]
struct State {
    started: bool,
    in_cablegroup: bool,
    points: Vec<Point>,
    cables: Vec<Cable>,
    cur: Option<usize>, // index of cable_
    cur_id: i64,
    cid: i64,
    cableid2index: HashMap<i64, usize>,
    ptid2pt: HashMap<i64, usize>,
}

/// Python's `float(str)` for the forms morphologies use.
fn py_float(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.contains('_') {
        return t.replace('_', "").parse().ok();
    }
    t.parse().ok()
}

fn py_int(s: &str) -> Option<i64> {
    s.trim().replace('_', "").parse().ok()
}

pub(crate) fn import(
    bytes: &[u8],
    file: &str,
    diags: &mut Vec<Diagnostic>,
) -> Result<Import, MorphError> {
    let e = |line: usize, m: String| MorphError {
        file: file.to_string(),
        line,
        message: m,
    };
    let events = xml::parse(bytes).map_err(|x| e(x.line, x.message))?;
    let mut st = State::default();
    let neuroml2 = events.iter().any(|ev| match ev {
        Event::Start { ns: Some(u), .. } => u.contains("neuroml2"),
        _ => false,
    });
    if neuroml2 {
        return Err(e(
            1,
            "NeuroML2 is not read: NEURON's Import3d_MorphML reads NeuroML v1 MorphML only".into(),
        ));
    }
    for ev in &events {
        let (ns, local, line, start) = match ev {
            Event::Start {
                ns, local, line, ..
            } => (ns, local, *line, true),
            Event::End { ns, local, line } => (ns, local, *line, false),
        };
        // rdxml.handle: module = second to last '/'-separated part of "{uri"
        let module = match ns {
            Some(u) => {
                let braced = format!("{{{u}");
                let parts: Vec<&str> = braced.split('/').collect();
                if parts.len() < 2 {
                    return Err(e(line, format!("namespace '{u}' has no module part: NEURON's rdxml fails")));
                }
                parts[parts.len() - 2].to_string()
            }
            None => {
                return Err(e(
                    line,
                    format!("element <{local}> has no namespace: NEURON's rdxml fails (NeuroML v1 MorphML expected)"),
                ))
            }
        };
        if !start || module != "morphml" {
            continue;
        }
        let attrs = match ev {
            Event::Start { attrs, .. } => attrs,
            _ => continue,
        };
        let get = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
        match local.as_str() {
            "segments" => {
                st = State {
                    started: true,
                    ..State::default()
                };
            }
            "segment" => {
                if !st.started {
                    return Err(e(line, "<segment> outside <segments>".into()));
                }
                let id = get("id")
                    .and_then(py_int)
                    .ok_or_else(|| e(line, "segment without integer id".into()))?;
                let cid = get("cable")
                    .and_then(py_int)
                    .ok_or_else(|| e(line, "segment without integer cable".into()))?;
                let mut parent_cable_id = -1;
                if let Some(p) = get("parent") {
                    let pid = py_int(p).ok_or_else(|| {
                        e(line, format!("segment parent '{p}' is not an integer"))
                    })?;
                    let k = *st.ptid2pt.get(&pid).ok_or_else(|| {
                        e(
                            line,
                            format!("parent segment {pid} has not been seen (no distal point)"),
                        )
                    })?;
                    parent_cable_id = st.points[k].cid;
                }
                st.cur_id = id;
                st.cid = cid;
                let new = match st.cur {
                    None => true,
                    Some(c) => st.cables[c].id != cid,
                };
                if new {
                    st.cableid2index.insert(cid, st.cables.len());
                    st.cables.push(Cable {
                        id: cid,
                        first: st.points.len(),
                        pcnt: 0,
                        px: -1.0,
                        parent_cable_id,
                        line,
                    });
                    st.cur = Some(st.cables.len() - 1);
                }
            }
            "proximal" | "distal" => {
                let c = st
                    .cur
                    .ok_or_else(|| e(line, format!("<{local}> outside a segment")))?;
                let mut v = [0.0; 4];
                for (k, name) in ["x", "y", "z", "diameter"].iter().enumerate() {
                    v[k] = get(name)
                        .and_then(py_float)
                        .ok_or_else(|| e(line, format!("<{local}> needs a number in {name}")))?;
                }
                let mut pt = Point {
                    cid: st.cid,
                    line,
                    x: v[0],
                    y: v[1],
                    z: v[2],
                    d: v[3],
                };
                if local == "distal" {
                    st.ptid2pt.insert(st.cur_id, st.points.len());
                    if st.cables[c].pcnt == 1 {
                        let prox = st.points.last_mut().expect("a cable with a point");
                        if prox.x == pt.x && prox.y == pt.y && prox.z == pt.z && prox.d == pt.d {
                            // "Prox and distal same, assuming spherical segment"
                            pt.y += pt.d / 2.0;
                            prox.y -= prox.d / 2.0;
                        }
                    }
                }
                st.points.push(pt);
                st.cables[c].pcnt += 1;
            }
            "cablegroup" => st.in_cablegroup = true,
            "cable" => {
                let id = get("id").and_then(py_int);
                let idx = id.and_then(|i| st.cableid2index.get(&i).copied());
                match idx {
                    None => diags.push(Diagnostic {
                        line,
                        message: "<cable> refers to no cable of the segments (ignored)".into(),
                    }),
                    Some(k) if !st.in_cablegroup => {
                        st.cables[k].px = match get("fractAlongParent") {
                            Some(v) => py_float(v).ok_or_else(|| {
                                e(line, format!("fractAlongParent '{v}' is not a number"))
                            })?,
                            None => 1.0,
                        };
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    if !st.started {
        return Err(e(0, "no MorphML <segments> found".into()));
    }
    // Import3d_MorphML.parsed
    let mut arena = Vec::with_capacity(st.cables.len());
    for (i, cab) in st.cables.iter().enumerate() {
        let mut sec = RawSection::new(cab.line, 0);
        sec.pts = st.points[cab.first..cab.first + cab.pcnt]
            .iter()
            .map(|p| [p.x, p.y, p.z, p.d])
            .collect();
        if let Some(pt) = st.points.get(cab.first) {
            sec.line = pt.line;
        }
        if cab.parent_cable_id >= 0 {
            let ip = *st
                .cableid2index
                .get(&cab.parent_cable_id)
                .ok_or_else(|| e(cab.line, "parent cable unknown".into()))?;
            if ip >= i {
                return Err(e(
                    cab.line,
                    "cable's parent cable comes later (or is itself)".into(),
                ));
            }
            sec.parent = Some(ip);
            sec.parentx = cab.px;
            // chk_valid would print with swc.iline, which Import3d_MorphML lacks
            let n = sec.pts.len();
            let zero2 = n == 2 && {
                let (p, q) = (sec.pts[0], sec.pts[1]);
                veq(p[0], q[0]) && veq(p[1], q[1]) && veq(p[2], q[2])
            };
            if n <= 1 || zero2 {
                return Err(e(
                    sec.line,
                    "cable with fewer than two distinct points: NEURON's chk_valid fails on MorphML".into(),
                ));
            }
        } else if sec.pts.is_empty() {
            return Err(e(cab.line, "cable without points".into()));
        }
        arena.push(sec);
    }
    let list = (0..arena.len()).collect();
    Ok(Import { arena, list })
}
