//! What the readers hand to `Import3d_GUI.instantiate()`, and that step
//! itself (import3d_gui.hoc): `chk_valid`, `set_nameindex`, creation in
//! ascending type order, `connect`, `pt3dstyle`, contour centroids, the
//! spherical-soma cylinder and `pt3dadd` through `%.8g`.

use crate::num::{g6, g8, veq};
use crate::{contour, Diagnostic, MSection, MorphError, Morphology, Out};

/// One `Import3d_Section`.
#[derive(Debug, Clone)]
pub(crate) struct RawSection {
    /// Source line of its first own point (for messages).
    pub line: usize,
    /// The line NEURON prints for it (`iline.x[id]`); `None` when the
    /// reader has no `iline` (MorphML).
    pub iline: Option<usize>,
    /// raw x, y, z and d of every point, the parent's point included.
    pub pts: Vec<[f64; 4]>,
    /// 1 when the first point is only the `pt3dstyle` anchor (a "wire").
    pub first: usize,
    /// Index into `Import::arena`.
    pub parent: Option<usize>,
    pub parentx: f64,
    pub typ: i32,
    pub contour: bool,
    /// A contour stack: the other contours (arena indices), in order.
    pub contour_list: Vec<usize>,
    /// Part of another contour's stack: not instantiated.
    pub subsidiary: bool,
}

impl RawSection {
    pub fn new(line: usize, typ: i32) -> RawSection {
        RawSection {
            line,
            iline: Some(line),
            pts: Vec::new(),
            first: 0,
            parent: None,
            parentx: 1.0,
            typ,
            contour: false,
            contour_list: Vec::new(),
            subsidiary: false,
        }
    }
}

/// A reader's result: every section ever made (`arena`) and the reader's
/// `sections` list (`list`, arena indices in list order).
pub(crate) struct Import {
    pub arena: Vec<RawSection>,
    pub list: Vec<usize>,
}

pub(crate) fn type_name(t: i32) -> String {
    match t {
        1 => "soma".into(),
        2 => "axon".into(),
        3 => "dend".into(),
        4 => "apic".into(),
        t if t < 0 => format!("minus_{}", -(t as i64)),
        t => format!("dend_{t}"),
    }
}

fn err(file: &str, line: usize, message: impl Into<String>) -> MorphError {
    MorphError::new(file, line, message)
}

fn finite(file: &str, line: usize, v: f64) -> Result<f64, MorphError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(err(
            file,
            line,
            format!("coordinate or diameter {v} is not finite: NEURON cannot pt3dadd it"),
        ))
    }
}

pub(crate) fn instantiate(
    mut imp: Import,
    file: &str,
    diags: &mut Vec<Diagnostic>,
    out: &mut Out,
) -> Result<Morphology, MorphError> {
    chk_valid(&mut imp, file, diags, out)?;
    let arena = &imp.arena;
    let list: Vec<usize> = imp
        .list
        .iter()
        .copied()
        .filter(|&a| !arena[a].subsidiary)
        .collect();

    // set_nameindex + creation in ascending type order
    let mut by_type: std::collections::BTreeMap<i32, Vec<usize>> = Default::default();
    for &a in &list {
        by_type.entry(arena[a].typ).or_default().push(a);
    }
    let mut out_index = vec![usize::MAX; arena.len()];
    let mut order = Vec::with_capacity(list.len());
    for (_, secs) in by_type.iter() {
        for &a in secs {
            out_index[a] = order.len();
            order.push(a);
        }
    }
    let mut nameindex = vec![0usize; arena.len()];
    for secs in by_type.values() {
        for (k, &a) in secs.iter().enumerate() {
            nameindex[a] = k;
        }
    }

    let mut sections = Vec::with_capacity(order.len());
    for &a in &order {
        let sec = &arena[a];
        let parent = match sec.parent {
            None => None,
            Some(p) => {
                let o = out_index[p];
                if o == usize::MAX {
                    return Err(err(file, sec.line, "section's parent was not created"));
                }
                let px = g6(sec.parentx);
                if !(0.0..=1.0).contains(&px) {
                    return Err(err(
                        file,
                        sec.line,
                        format!("connection position {px} is out of range [0, 1]: NEURON's connect fails"),
                    ));
                }
                Some((o, px))
            }
        };
        let style = if sec.first == 1 && !sec.pts.is_empty() {
            let p = sec.pts[0];
            Some([
                g8(finite(file, sec.line, p[0])?),
                g8(finite(file, sec.line, p[1])?),
                g8(finite(file, sec.line, p[2])?),
            ])
        } else {
            None
        };
        let own = &sec.pts[sec.first.min(sec.pts.len())..];
        let mut xx: Vec<f64> = own.iter().map(|p| p[0]).collect();
        let mut yy: Vec<f64> = own.iter().map(|p| p[1]).collect();
        let mut zz: Vec<f64> = own.iter().map(|p| p[2]).collect();
        let mut dd: Vec<f64> = own.iter().map(|p| p[3]).collect();
        if sec.contour {
            let r = if sec.contour_list.is_empty() {
                contour::contour2centroid(&mut xx, &mut yy, &mut zz, &mut dd)
            } else {
                let stack: Vec<&[[f64; 4]]> = sec
                    .contour_list
                    .iter()
                    .map(|&c| &arena[c].pts[..])
                    .collect();
                let area = contour::stk_triang_area(&sec.pts, &stack)
                    .map_err(|m| err(file, sec.line, m))?;
                out.text.push_str(&format!(
                    "stk_triang_area = {}\n",
                    crate::num::fmt_g(area, 6)
                ));
                contour::contourstack2centroid(&sec.pts, &stack, &mut xx, &mut yy, &mut zz, &mut dd)
            };
            r.map_err(|m| err(file, sec.line, m))?;
        }
        if dd.len() == 1 {
            // sphere_rep: a 3-point cylinder with L = diam
            let (x, y, z, d) = (xx[0], yy[0], zz[0], dd[0]);
            xx = vec![x - d / 2.0, x, x + d / 2.0];
            yy = vec![y; 3];
            zz = vec![z; 3];
            dd = vec![d; 3];
        }
        let mut points = Vec::with_capacity(dd.len());
        for j in 0..dd.len() {
            points.push([
                g8(finite(file, sec.line, xx[j])?),
                g8(finite(file, sec.line, yy[j])?),
                g8(finite(file, sec.line, zz[j])?),
                g8(finite(file, sec.line, dd[j])?),
            ]);
        }
        sections.push(MSection {
            name: type_name(sec.typ),
            index: nameindex[a],
            kind: sec.typ,
            parent,
            points,
            style,
        });
    }
    let connect_order = list.iter().map(|&a| out_index[a]).collect();
    Ok(Morphology {
        sections,
        connect_order,
    })
}

/// chk_valid: one-point and zero-length two-point non-root sections are
/// removed, their children reattached to the removed section's parent.
/// NEURON prints what it removes, naming the `Import3d_Section` objects
/// (arena index = creation order).
fn chk_valid(
    imp: &mut Import,
    file: &str,
    diags: &mut Vec<Diagnostic>,
    out: &mut Out,
) -> Result<(), MorphError> {
    let mut i = imp.list.len();
    while i > 0 {
        i -= 1;
        let a = imp.list[i];
        let sec = &imp.arena[a];
        if sec.parent.is_none() {
            continue;
        }
        let n = sec.pts.len().saturating_sub(sec.first);
        let no_iline = || {
            err(
                file,
                sec.line,
                "a section to remove: NEURON's chk_valid fails here (the reader has no iline)",
            )
        };
        let remove = if n <= 1 {
            let il = sec.iline.ok_or_else(no_iline)?;
            out.text.push_str(&format!(
                "One point section {} ending at line {il} has been removed\n",
                out.sec_name(a)
            ));
            diags.push(Diagnostic {
                line: sec.line,
                message: "one point section has been removed".into(),
            });
            true
        } else if n <= 2 {
            let p = sec.pts[sec.first];
            let q = sec.pts[sec.first + 1];
            if veq(p[0], q[0]) && veq(p[1], q[1]) && veq(p[2], q[2]) {
                let il = sec.iline.ok_or_else(no_iline)?;
                out.text.push_str(&format!(
                    "Two point section ending at line {il} with 0 length has been removed\n"
                ));
                diags.push(Diagnostic {
                    line: sec.line,
                    message: "two point section with 0 length has been removed".into(),
                });
                true
            } else {
                false
            }
        } else {
            false
        };
        if remove {
            imp.list.remove(i);
            let (pp, px) = (imp.arena[a].parent, imp.arena[a].parentx);
            for k in i..imp.list.len() {
                let c = imp.list[k];
                if imp.arena[c].parent == Some(a) {
                    imp.arena[c].parent = pp;
                    imp.arena[c].parentx = px;
                    out.text
                        .push_str(&format!("\tand child {} reattached\n", out.sec_name(c)));
                    diags.push(Diagnostic {
                        line: imp.arena[c].line,
                        message: "and child reattached".into(),
                    });
                }
            }
        }
    }
    Ok(())
}
