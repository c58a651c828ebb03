//! NeuroML v1 MorphML as `Import3d_MorphML` reads it (read_morphml.hoc with
//! neuron/neuroml/rdxml.py and its handler modules): one section per cable,
//! in the order cables first appear among the segments, holding the cable's
//! proximal and distal points as given (no parent point is prepended), the
//! parent from the first segment's parent, the connection from
//! `fractAlongParent`. NEURON gives every MorphML section type 0, so all
//! are named `dend_0`.
//!
//! rdxml.py calls a Python function per element, named after the second to
//! last part of the namespace URI and the element name ("morphml.segment");
//! it prints "ignore <tag>" for an element without one, and when a function
//! raises, prints "<module.element>  failed at  <line>" and goes on with
//! whatever the function had done before. That is followed here step by
//! step, with the Python object's attributes (which exist only once some
//! element has set them).

use std::collections::HashMap;

use crate::import3d::{Import, RawSection};
use crate::xml::{self, Event};
use crate::{Diagnostic, MorphError, Out};

#[derive(Clone)]
struct Point {
    line: usize,
    x: f64,
    y: f64,
    z: f64,
    d: f64,
}

struct Cable {
    id: i128,
    first: usize,
    pcnt: usize,
    px: f64,
    parent_cable_id: i128,
    line: usize,
}

struct BioParm {
    group_index: i128,
}

struct BioMech {
    name: String,
    parms: Vec<BioParm>,
}

/// The `XML2Nrn` object: `None` for an attribute not set yet.
#[derive(Default)]
struct X2n {
    in_cablegroup: Option<bool>,
    points: Option<Vec<Point>>,
    cables: Option<Vec<Cable>>,
    /// `cable_`: Some(None) is Python's None
    cable: Option<Option<usize>>,
    id: Option<i128>,
    cid: Option<i128>,
    pid: Option<i128>,
    nprox: Option<i128>,
    cableid2index: Option<HashMap<i128, usize>>,
    /// the `cid_` of the point recorded for a segment id
    ptid2pt: Option<HashMap<i128, i128>>,
    /// cable groups: (name, number of cables listed)
    cablegroups: Option<Vec<(String, usize)>>,
    groupname2index: Option<HashMap<String, usize>>,
    biomechs: Option<Vec<BioMech>>,
    is_physiological_units: Option<bool>,
}

/// A Python exception: the handler stops there.
struct Raised;

type Py<T> = Result<T, Raised>;

fn attr<T>(a: &Option<T>) -> Py<&T> {
    a.as_ref().ok_or(Raised)
}
fn attr_mut<T>(a: &mut Option<T>) -> Py<&mut T> {
    a.as_mut().ok_or(Raised)
}

/// Python's `str.strip()` white space (for the ASCII range and the
/// characters an XML file can hold).
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// Python's `int(str)` in base 10.
fn py_int(s: Option<&str>) -> Py<i128> {
    let t = py_strip(s.ok_or(Raised)?);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if !underscores_ok(digits)
        || digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return Err(Raised);
    }
    let v: i128 = digits.replace('_', "").parse().map_err(|_| Raised)?;
    Ok(if neg { -v } else { v })
}

/// Underscores only between digits.
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let before = i > 0 && b[i - 1].is_ascii_digit();
            let after = i + 1 < b.len() && b[i + 1].is_ascii_digit();
            if !before || !after {
                return false;
            }
        }
    }
    true
}

/// Python's `float(str)`.
fn py_float(s: Option<&str>) -> Py<f64> {
    let t = py_strip(s.ok_or(Raised)?);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        let v = if lower == "nan" {
            f64::NAN
        } else {
            f64::INFINITY
        };
        return Ok(if t.starts_with('-') { -v } else { v });
    }
    let ok_chars = body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b'_'));
    if body.is_empty() || !ok_chars || !underscores_ok(body) {
        return Err(Raised);
    }
    t.replace('_', "").parse::<f64>().map_err(|_| Raised)
}

/// What `eval("module.name")` finds.
enum Handler {
    /// one of the handler functions
    Func(&'static str, &'static str),
    /// a callable that raises when called with (x2n, node)
    Fails,
    /// a callable that takes the call quietly (`BioParm(x2n, node)`)
    Quiet,
    /// a value that is false (`debug`, `__doc__`): "ignore"
    Falsy,
}

fn lookup(module: &str, name: &str) -> Option<Handler> {
    const FUNCS: &[(&str, &[&str])] = &[
        (
            "neuroml",
            &["biophysics", "cell", "cell_end", "cells", "neuroml"],
        ),
        (
            "metadata",
            &["notes", "properties", "property", "tag", "value"],
        ),
        (
            "morphml",
            &[
                "cable",
                "cablegroup",
                "cables",
                "distal",
                "proximal",
                "segment",
                "segments",
                "segments_end",
            ],
        ),
        (
            "biophysics",
            &[
                "group",
                "mechanism",
                "mechanism_end",
                "parameter",
                "spec_axial_resistance",
                "spec_capacitance",
            ],
        ),
        ("xml2nrn", &[]),
    ];
    let (m, funcs) = FUNCS.iter().find(|(m, _)| *m == module)?;
    if let Some(f) = funcs.iter().find(|f| **f == name) {
        return Some(Handler::Func(m, f));
    }
    // what `from .xml2nrn import *` brings (not into metadata)
    if *m != "metadata" {
        match name {
            "BioParm" => return Some(Handler::Quiet),
            "Point" | "Cable" | "CableGroup" | "BioMech" | "LineNo" | "XML2Nrn" => {
                return Some(Handler::Fails)
            }
            "debug" => return Some(Handler::Falsy),
            _ => {}
        }
    }
    match name {
        "__doc__" => Some(Handler::Falsy),
        "__name__" | "__file__" | "__package__" | "__cached__" | "__loader__" | "__spec__"
        | "__builtins__" => Some(Handler::Fails),
        _ => None,
    }
}

struct Node<'a> {
    attrs: &'a [(String, String)],
    text: Option<&'a str>,
    line: usize,
    batch: usize,
}

impl Node<'_> {
    fn get(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }
}

fn call(f: &str, x: &mut X2n, node: &Node, out: &mut Out) -> Py<()> {
    match f {
        "neuroml.biophysics" => x.is_physiological_units = Some(true),
        "neuroml.cell" => x.biomechs = Some(Vec::new()),
        "morphml.cable" => {
            if *attr(&x.in_cablegroup)? {
                let groups = attr_mut(&mut x.cablegroups)?;
                let last = groups.len().checked_sub(1).ok_or(Raised)?;
                let key = py_int(node.get("id"))?;
                attr(&x.cableid2index)?.get(&key).ok_or(Raised)?;
                groups[last].1 += 1;
            } else {
                attr(&x.cables)?;
                let key = py_int(node.get("id"))?;
                let idx = *attr(&x.cableid2index)?.get(&key).ok_or(Raised)?;
                let px = match node.get("fractAlongParent") {
                    Some(v) => py_float(Some(v))?,
                    None => 1.0,
                };
                attr_mut(&mut x.cables)?[idx].px = px;
            }
        }
        "morphml.cablegroup" => {
            x.in_cablegroup = Some(true);
            let name = node.get("name").unwrap_or("None").to_string();
            let groups = attr_mut(&mut x.cablegroups)?;
            groups.push((name.clone(), 0));
            let k = groups.len() - 1;
            if let Some(g) = x.groupname2index.as_mut() {
                g.insert(name, k);
            }
        }
        "morphml.distal" => {
            let id = *attr(&x.id)?;
            attr(&x.pid)?;
            let cid = *attr(&x.cid)?;
            attr_mut(&mut x.ptid2pt)?.insert(id, cid);
            let mut pt = Point {
                line: node.line,
                x: py_float(node.get("x"))?,
                y: py_float(node.get("y"))?,
                z: py_float(node.get("z"))?,
                d: py_float(node.get("diameter"))?,
            };
            let c = attr(&x.cable)?.ok_or(Raised)?;
            let cables = attr_mut(&mut x.cables)?;
            let points = attr_mut(&mut x.points)?;
            if cables[c].pcnt == 1 {
                let prox = points.last_mut().ok_or(Raised)?;
                if prox.x == pt.x && prox.y == pt.y && prox.z == pt.z && prox.d == pt.d {
                    // "Prox and distal same, assuming spherical segment"
                    pt.y += pt.d / 2.0;
                    prox.y -= prox.d / 2.0;
                }
            }
            points.push(pt);
            cables[c].pcnt += 1;
        }
        "morphml.proximal" => {
            *attr_mut(&mut x.nprox)? += 1;
            attr(&x.pid)?;
            attr(&x.cid)?;
            let pt = Point {
                line: node.line,
                x: py_float(node.get("x"))?,
                y: py_float(node.get("y"))?,
                z: py_float(node.get("z"))?,
                d: py_float(node.get("diameter"))?,
            };
            attr_mut(&mut x.points)?.push(pt);
            let c = attr(&x.cable)?.ok_or(Raised)?;
            attr_mut(&mut x.cables)?[c].pcnt += 1;
        }
        "morphml.segment" => {
            x.id = Some(py_int(node.get("id"))?);
            let cid = py_int(node.get("cable"))?;
            x.cid = Some(cid);
            let mut parent_cable_id = -1;
            match node.get("parent") {
                Some(p) => {
                    let pid = py_int(Some(p))?;
                    x.pid = Some(pid);
                    parent_cable_id = *attr(&x.ptid2pt)?.get(&pid).ok_or(Raised)?;
                }
                None => x.pid = Some(-1),
            }
            let cur = *attr(&x.cable)?;
            let new = match cur {
                None => true,
                Some(c) => attr(&x.cables)?[c].id != cid,
            };
            if new {
                let first = attr(&x.points)?.len();
                let pid = x.pid.unwrap_or(-1);
                let _ = pid;
                let k = attr(&x.cables)?.len();
                attr_mut(&mut x.cableid2index)?.insert(cid, k);
                let cables = attr_mut(&mut x.cables)?;
                cables.push(Cable {
                    id: cid,
                    first,
                    pcnt: 0,
                    px: -1.0,
                    parent_cable_id,
                    line: node.line,
                });
                x.cable = Some(Some(k));
            }
        }
        "morphml.segments" => {
            x.in_cablegroup = Some(false);
            x.points = Some(Vec::new());
            x.cables = Some(Vec::new());
            x.cable = Some(None);
            x.id = Some(-1);
            x.cid = Some(-1);
            x.pid = Some(-1);
            x.nprox = Some(0);
            x.cableid2index = Some(HashMap::new());
            x.ptid2pt = Some(HashMap::new());
            x.cablegroups = Some(Vec::new());
            x.groupname2index = Some(HashMap::new());
        }
        "biophysics.group" => {
            let name = py_strip(node.text.ok_or(Raised)?).to_string();
            let gi = *attr(&x.groupname2index)?.get(&name).ok_or(Raised)?;
            let mechs = attr_mut(&mut x.biomechs)?;
            let m = mechs.last_mut().ok_or(Raised)?;
            m.parms.last_mut().ok_or(Raised)?.group_index = gi as i128;
        }
        "biophysics.mechanism" => {
            let mut name = node.get("name").unwrap_or("None").to_string();
            if let Some(pc) = node.get("passiveConductance") {
                if pc == "true" || pc == "1" {
                    out.text.push_str(&format!(
                        "Substituting passive conductance {name}  in file for inbuilt mechanism pas as attribute passiveConductance = true \n"
                    ));
                    name = "pas".into();
                }
            }
            attr_mut(&mut x.biomechs)?.push(BioMech {
                name,
                parms: Vec::new(),
            });
        }
        "biophysics.mechanism_end" => {
            let mechs = attr(&x.biomechs)?;
            let m = mechs.last().ok_or(Raised)?;
            for p in &m.parms {
                let groups = attr(&x.cablegroups)?;
                let n = groups.len() as i128;
                let i = if p.group_index < 0 {
                    p.group_index + n
                } else {
                    p.group_index
                };
                if i < 0 || i >= n {
                    return Err(Raised);
                }
            }
        }
        "biophysics.parameter" => {
            let value = py_float(node.get("value"))?;
            let _ = value;
            if node.get("name").is_some() {
                // name.encode("ascii") + "_" + ...: bytes plus str raises
                return Err(Raised);
            }
            let mechs = attr_mut(&mut x.biomechs)?;
            let m = mechs.last_mut().ok_or(Raised)?;
            let _ = &m.name;
            m.parms.push(BioParm { group_index: -1 });
        }
        "biophysics.spec_axial_resistance" | "biophysics.spec_capacitance" => {
            let name = if f.ends_with("resistance") {
                "Ra"
            } else {
                "cm"
            };
            attr_mut(&mut x.biomechs)?.push(BioMech {
                name: name.into(),
                parms: Vec::new(),
            });
        }
        // cells, neuroml, cell_end, cables, segments_end, metadata.*: pass
        _ => {}
    }
    Ok(())
}

pub(crate) fn import(
    bytes: &[u8],
    file: &str,
    diags: &mut Vec<Diagnostic>,
    out: &mut Out,
) -> Result<Import, MorphError> {
    let e = |line: usize, m: String| MorphError::new(file, line, m);
    let (events, xml_err) = xml::parse(bytes);
    let mut x = X2n::default();
    let mut ig: Option<usize> = None;
    let mut neuroml2 = false;
    for ev in &events {
        let (ns, local, line, batch, id, start) = match ev {
            Event::Start {
                ns,
                local,
                line,
                batch,
                id,
                ..
            } => (ns, local, *line, *batch, *id, true),
            Event::End {
                ns,
                local,
                line,
                batch,
                id,
            } => (ns, local, *line, *batch, *id, false),
        };
        if ig == Some(id) {
            continue;
        }
        // rdxml.handle: module = second to last '/'-separated part of "{uri"
        let module = match ns {
            Some(u) => {
                neuroml2 |= u.contains("neuroml2");
                let braced = format!("{{{u}");
                let parts: Vec<&str> = braced.split('/').collect();
                if parts.len() < 2 {
                    return Err(e(
                        line,
                        format!("namespace '{u}' has no module part: NEURON's rdxml fails"),
                    ));
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
        let name = if start {
            local.clone()
        } else {
            format!("{local}_end")
        };
        let tag = format!("{module}.{local}");
        let h = lookup(&module, &name);
        let (attrs, text) = match ev {
            Event::Start {
                attrs,
                text,
                text_batch,
                ..
            } => (
                &attrs[..],
                if *text_batch <= batch {
                    text.as_deref()
                } else {
                    None
                },
            ),
            _ => (&[][..], None),
        };
        let node = Node {
            attrs,
            text,
            line,
            batch,
        };
        let failed = match h {
            None | Some(Handler::Falsy) => {
                if start {
                    let full = match ns {
                        Some(u) => format!("{{{u}}}{local}"),
                        None => local.clone(),
                    };
                    out.text.push_str(&format!("ignore {full}\n"));
                    ig = Some(id);
                }
                false
            }
            Some(Handler::Quiet) => false,
            Some(Handler::Fails) => true,
            Some(Handler::Func(m, f)) => call(&format!("{m}.{f}"), &mut x, &node, out).is_err(),
        };
        if failed {
            out.text
                .push_str(&format!("{tag}  failed at  {}\n", node.batch));
            diags.push(Diagnostic {
                line,
                message: format!("{tag} failed (NEURON's rdxml.py says so and goes on)"),
            });
        }
    }
    if let Some(xe) = xml_err {
        return Err(e(xe.line, xe.message));
    }
    // Import3d_MorphML.parsed
    let (Some(cables), Some(points), Some(cableid2index)) =
        (&x.cables, &x.points, &x.cableid2index)
    else {
        let m = if neuroml2 {
            "NeuroML2 is not read: NEURON's Import3d_MorphML reads NeuroML v1 MorphML only"
        } else {
            "no MorphML <segments> found"
        };
        return Err(e(if neuroml2 { 1 } else { 0 }, m.into()));
    };
    let mut arena = Vec::with_capacity(cables.len());
    let mut self_parent = None;
    for (i, cab) in cables.iter().enumerate() {
        out.objects += 1; // new Import3d_Section
        if cab.pcnt == 0 {
            // new Import3d_Section(first, 0): its Matrix(3, 0) fails
            return Err(e(
                cab.line,
                "cable without points: NEURON fails (Matrix of 0 columns)".into(),
            ));
        }
        let mut sec = RawSection::new(cab.line, 0);
        sec.iline = None; // Import3d_MorphML has no iline
        sec.pts = points[cab.first..cab.first + cab.pcnt]
            .iter()
            .map(|p| [p.x, p.y, p.z, p.d])
            .collect();
        if let Some(pt) = points.get(cab.first) {
            sec.line = pt.line;
        }
        if cab.parent_cable_id >= 0 {
            let ip = *cableid2index
                .get(&cab.parent_cable_id)
                .ok_or_else(|| e(cab.line, "parent cable unknown".into()))?;
            if ip > i {
                return Err(e(cab.line, "cable's parent cable comes later".into()));
            }
            if ip == i && self_parent.is_none() {
                self_parent = Some(cab.line);
            }
            sec.parent = Some(ip);
            sec.parentx = cab.px;
        }
        arena.push(sec);
    }
    if let Some(line) = self_parent {
        return Err(e(line, "cable is its own parent".into()));
    }
    let list = (0..arena.len()).collect();
    Ok(Import { arena, list })
}
