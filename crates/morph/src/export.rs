//! Writing a [`Morphology`] back as SWC text that [`crate::parse_swc`]
//! (Import3d's SWC reader) turns into an equal `Morphology`.
//!
//! Import3d is inverted section by section, in `connect_order` (the reader's
//! file order, which also fixes the creation order within each type):
//! a root section's points are written as they are, except that a 3-point
//! cylinder Import3d made from a one-point soma (`sphere_rep`, L = diam) is
//! written as its single centre point; a child section's first point (the
//! parent point Import3d prepends) is left out and its first own point is
//! given the parent point found at its connection position; a "wire" child
//! (pt3dstyle) is written as a child of its parent's single point. Every
//! value is written as decimal text that reads (float, then `%.8g`, then
//! float, diam = 2 × radius) back to the stored `f32`, bit for bit.
//!
//! The text is read back before it is returned: where Import3d would build
//! something else (the Morphology has no SWC form: wires off a contour
//! soma, MorphML cables that do not start at their parent's point, ...)
//! the result is an [`ExportError`] saying which section and why.
//!
//! [`to_swc_plain`] writes any tree of sections as SWC the way
//! reconstructions are usually written: parents before children, a child
//! hung on the point of its parent nearest its connection position (the
//! soma's middle point for the classic `connect dend(0), soma(0.5)`), its
//! first point left out where it repeats that point (except under a soma,
//! whose children Import3d starts at their own first point). Import3d reads such a file into the same
//! tree and points, though not always into the same sections.

use crate::num::{g8, scan_float, Width};
use crate::{MSection, Morphology};
use std::fmt;

/// Why a [`Morphology`] has no SWC form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError {
    pub message: String,
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write as SWC: {}", self.message)
    }
}

impl std::error::Error for ExportError {}

fn fail<T>(message: impl Into<String>) -> Result<T, ExportError> {
    Err(ExportError {
        message: message.into(),
    })
}

/// What SWC's `%f` reads from `text`.
fn read_f32(text: &str) -> Option<f32> {
    scan_float(text.as_bytes(), 0, Width::F32).map(|(v, _)| v as f32)
}

/// Shortest decimal text that `%f` reads as exactly `v`.
fn text_of(v: f32) -> Option<String> {
    for t in [format!("{v}"), format!("{v:e}"), format!("{v:.9e}")] {
        if read_f32(&t).map(f32::to_bits) == Some(v.to_bits()) {
            return Some(t);
        }
    }
    None
}

/// `f32` neighbours of `centre` (itself first, then alternately outwards).
fn neighbours(centre: f32, k: u32) -> impl Iterator<Item = f32> {
    let up = |v: f32, n: u32| {
        let mut v = v;
        for _ in 0..n {
            v = next_up(v);
        }
        v
    };
    let down = |v: f32, n: u32| {
        let mut v = v;
        for _ in 0..n {
            v = next_down(v);
        }
        v
    };
    std::iter::once(centre).chain((1..=k).flat_map(move |n| [up(centre, n), down(centre, n)]))
}

fn next_up(v: f32) -> f32 {
    if v.is_nan() || v == f32::INFINITY {
        return v;
    }
    if v == 0.0 {
        return f32::from_bits(1);
    }
    let b = v.to_bits();
    f32::from_bits(if v > 0.0 { b + 1 } else { b - 1 })
}

fn next_down(v: f32) -> f32 {
    -next_up(-v)
}

const SEARCH: u32 = 16;

/// File values `v` (as read) with `g8(v) == target`.
fn coord_candidates(target: f32) -> Vec<f32> {
    if !target.is_finite() {
        return Vec::new();
    }
    neighbours(target, SEARCH)
        .filter(|&v| v.is_finite() && g8(v as f64).to_bits() == target.to_bits())
        .filter(|&v| text_of(v).is_some())
        .collect()
}

/// File radii `r` (as read) with `g8(2 r) == target`.
fn radius_candidates(target: f32) -> Vec<f32> {
    if !target.is_finite() {
        return Vec::new();
    }
    neighbours(target / 2.0, SEARCH)
        .filter(|&r| r.is_finite() && g8(2.0 * r as f64).to_bits() == target.to_bits())
        .filter(|&v| text_of(v).is_some())
        .collect()
}

/// One SWC point as read: x, y, z, radius.
type Raw = [f32; 4];

fn encode_point(p: &[f32; 4], what: &str) -> Result<Raw, ExportError> {
    let mut raw = [0f32; 4];
    for k in 0..3 {
        match coord_candidates(p[k]).first() {
            Some(&v) => raw[k] = v,
            None => return fail(format!("{what}: coordinate {} has no SWC text", p[k])),
        }
    }
    match radius_candidates(p[3]).first() {
        Some(&r) => raw[3] = r,
        None => return fail(format!("{what}: diameter {} has no SWC radius", p[3])),
    }
    Ok(raw)
}

/// The centre point of a one-point soma that `sphere_rep` made into `pts`.
fn sphere_centre(pts: &[[f32; 4]]) -> Option<Raw> {
    if pts.len() != 3 {
        return None;
    }
    let (a, b, c) = (pts[0], pts[1], pts[2]);
    let same = |u: f32, v: f32| u.to_bits() == v.to_bits();
    if !(same(a[1], b[1]) && same(b[1], c[1]) && same(a[2], b[2]) && same(b[2], c[2])) {
        return None;
    }
    if !(same(a[3], b[3]) && same(b[3], c[3])) {
        return None;
    }
    let y = *coord_candidates(b[1]).first()?;
    let z = *coord_candidates(b[2]).first()?;
    for x in coord_candidates(b[0]) {
        for r in radius_candidates(b[3]) {
            let (xf, rf) = (x as f64, r as f64);
            // sphere_rep: x -+ d/2 with d = 2 r
            if same(g8(xf - rf), a[0]) && same(g8(xf + rf), c[0]) {
                return Some([x, y, z, r]);
            }
        }
    }
    None
}

struct Written {
    /// File points (as read), in order.
    pts: Vec<Raw>,
    /// Id of the first file point.
    first_id: usize,
    /// Written as the one point of a `sphere_rep` soma.
    sphere: bool,
}

fn bits_eq(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits()
}

/// Writes `m` as SWC text that Import3d (as [`crate::parse_swc`]) reads
/// back into an equal `Morphology`, or says why there is none.
pub fn to_swc(m: &Morphology) -> Result<String, ExportError> {
    let n = m.sections.len();
    let mut choice = vec![0usize; n];
    // a section's parent point can be ambiguous (equal points, or a later
    // root that Import3d hangs on the first point): try the alternatives
    // of the section Import3d reads back differently
    for _ in 0..(4 * n + 8) {
        let (text, ncand) = layout(m, &choice)?;
        match check(m, &text)? {
            None => return Ok(text),
            Some((k, msg)) => {
                if k < n && choice[k] + 1 < ncand[k] {
                    choice[k] += 1;
                } else {
                    return fail(msg);
                }
            }
        }
    }
    fail("no arrangement of parent points reads back equal")
}

/// SWC text of any tree of sections (see the module's doc).
pub fn to_swc_plain(m: &Morphology) -> Result<String, ExportError> {
    let n = m.sections.len();
    if n == 0 {
        return fail("no sections (an SWC file needs at least one point)");
    }
    if let Some(sec) = m.sections.iter().find(|s| s.points.is_empty()) {
        return fail(format!("{} has no 3-D points", sec.hoc_name()));
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    let order: Vec<usize> = if m.connect_order.len() == n { m.connect_order.clone() } else { (0..n).collect() };
    for &s in &order {
        match m.sections[s].parent {
            Some((p, _)) if p < n => children[p].push(s),
            _ => roots.push(s),
        }
    }
    // SWC id of each section's first point; ids run in this order.
    let mut first_id = vec![0usize; n];
    let mut lines = Vec::new();
    let mut next_id = 1usize;
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(s) = stack.pop() {
        let sec = &m.sections[s];
        let (mut pts, mut pid): (&[[f32; 4]], i64) = (&sec.points, -1);
        if let Some((p, x)) = sec.parent.filter(|&(p, _)| p < n) {
            let k = point_at(&m.sections[p].points, x);
            let anchor = m.sections[p].points[k];
            pid = (first_id[p] + k) as i64;
            // Import3d starts a child of a soma at its own first point and
            // a child of anything else at its parent's point.
            if m.sections[p].kind != 1 && pts.len() > 1 && pts[0][..3] == anchor[..3] {
                pts = &pts[1..];
            }
        }
        first_id[s] = next_id;
        for p in pts {
            let t: Vec<String> = p.iter().enumerate().map(|(c, &v)| text_of(if c == 3 { v / 2.0 } else { v }).unwrap_or_else(|| v.to_string())).collect();
            lines.push(format!("{next_id} {} {} {} {} {} {pid}", sec.kind, t[0], t[1], t[2], t[3]));
            pid = next_id as i64;
            next_id += 1;
        }
        if pts.len() < sec.points.len() {
            // The skipped first point is the parent's: ids of this section
            // are counted from it.
            first_id[s] -= 1;
        }
        stack.extend(children[s].iter().rev());
    }
    let mut text = lines.join("\n");
    text.push('\n');
    Ok(text)
}

/// The point of `pts` whose arc position is nearest `x` (0 to 1).
fn point_at(pts: &[[f32; 4]], x: f64) -> usize {
    let mut arc = vec![0.0f64; pts.len()];
    for k in 1..pts.len() {
        let d: f64 = (0..3).map(|c| (pts[k][c] as f64 - pts[k - 1][c] as f64).powi(2)).sum();
        arc[k] = arc[k - 1] + d.sqrt();
    }
    let total = arc[arc.len() - 1];
    let target = x * total;
    (0..pts.len()).min_by(|&a, &b| (arc[a] - target).abs().total_cmp(&(arc[b] - target).abs())).unwrap_or(0)
}

fn layout(m: &Morphology, choice: &[usize]) -> Result<(String, Vec<usize>), ExportError> {
    let n = m.sections.len();
    let mut ncand = vec![1usize; n];
    if n == 0 {
        return fail("no sections (an SWC file needs at least one point)");
    }
    let mut seen = vec![false; n];
    if m.connect_order.len() != n
        || m
            .connect_order
            .iter()
            .any(|&k| k >= n || std::mem::replace(&mut seen[k], true))
    {
        return fail("connect_order is not a permutation of the sections");
    }
    let mut written: Vec<Option<Written>> = (0..n).map(|_| None).collect();
    let mut lines: Vec<String> = Vec::new();
    let mut next_id = 1usize;
    for &s in &m.connect_order {
        let sec: &MSection = &m.sections[s];
        let what = sec.hoc_name();
        if sec.points.is_empty() {
            return fail(format!("{what} has no 3-D points"));
        }
        let mut sphere = false;
        let (own, pid): (Vec<Raw>, i64) = match sec.parent {
            None => {
                if sec.style.is_some() {
                    return fail(format!("{what} is a root with a pt3dstyle anchor"));
                }
                match sphere_centre(&sec.points) {
                    Some(c) => {
                        sphere = true;
                        (vec![c], -1)
                    }
                    None => (
                        sec.points
                            .iter()
                            .map(|p| encode_point(p, &what))
                            .collect::<Result<_, _>>()?,
                        -1,
                    ),
                }
            }
            Some((p, px)) => {
                let pname = m.sections.get(p).map(|q| q.hoc_name()).unwrap_or_default();
                let Some(pw) = written.get(p).and_then(|w| w.as_ref()) else {
                    return fail(format!(
                        "{what} is connected before its parent {pname} (connect_order): \
                         SWC ids of a parent point must come first"
                    ));
                };
                let psec = &m.sections[p];
                let (own_pts, anchor, need_d): (&[[f32; 4]], [f32; 3], Option<f32>) =
                    match sec.style {
                        Some(st) => {
                            (&sec.points[..], st, None)
                        }
                        None => {
                            if sec.points.len() < 2 {
                                return fail(format!(
                                    "{what} has one point: a child section starts with its \
                                     parent's point"
                                ));
                            }
                            let q = sec.points[0];
                            let dia = if psec.kind == 1 && sec.kind != 1 {
                                None
                            } else {
                                Some(q[3])
                            };
                            (&sec.points[1..], [q[0], q[1], q[2]], dia)
                        }
                    };
                let k = pw.pts.len();
                let order: Vec<usize> = if px >= 1.0 {
                    (0..k).rev().collect()
                } else {
                    (0..k).collect()
                };
                let matches = |r: Raw| {
                    (0..3).all(|c| bits_eq(g8(r[c] as f64), anchor[c]))
                        && need_d.is_none_or(|d| bits_eq(g8(2.0 * r[3] as f64), d))
                };
                let mut cands: Vec<i64> = order
                    .into_iter()
                    .filter(|&j| matches(pw.pts[j]))
                    .map(|j| (pw.first_id + j) as i64)
                    .collect();
                // a later root (pid -1): Import3d hangs it on the file's
                // first point (HOC subscript -1 reads element 0)
                if pw.first_id == 1 && matches(pw.pts[0]) {
                    let root_first = if psec.kind == 1 {
                        px == 0.5 && (!pw.sphere || sec.kind == 1)
                    } else {
                        px == 1.0
                    };
                    if root_first {
                        cands.insert(0, -1);
                    } else {
                        cands.push(-1);
                    }
                }
                // a zero-length two-point section that chk_valid removed
                // left its point (with its own diameter) on its child: write
                // it again, Import3d removes it again and reattaches
                let mut phantom: Option<(i64, Raw)> = None;
                if let Some(d) = need_d {
                    let coords = |r: Raw| (0..3).all(|c| bits_eq(g8(r[c] as f64), anchor[c]));
                    if let Some(j) = (0..k).rev().find(|&j| coords(pw.pts[j])) {
                        let mut r = pw.pts[j];
                        if let Some(&rad) = radius_candidates(d).first() {
                            r[3] = rad;
                            phantom = Some(((pw.first_id + j) as i64, r));
                        }
                    }
                }
                let total = cands.len() + usize::from(phantom.is_some());
                ncand[s] = total.max(1);
                let pick = choice[s].min(total.saturating_sub(1));
                let pid = if pick < cands.len() {
                    cands[pick]
                } else if let Some((ppid, r)) = phantom {
                    let t = if sec.kind == 2 { 3 } else { 2 };
                    let tx: Vec<String> = r.iter().map(|&v| text_of(v).unwrap()).collect();
                    lines.push(format!(
                        "{next_id} {t} {} {} {} {} {ppid}",
                        tx[0], tx[1], tx[2], tx[3]
                    ));
                    next_id += 1;
                    (next_id - 1) as i64
                } else {
                    return fail(format!(
                        "{what} starts at ({}, {}, {}), which is no point of its parent \
                         {pname}: SWC connects a section only to a point of its parent",
                        anchor[0], anchor[1], anchor[2]
                    ));
                };
                (
                    own_pts
                        .iter()
                        .map(|p| encode_point(p, &what))
                        .collect::<Result<_, _>>()?,
                    pid,
                )
            }
        };
        let first_id = next_id;
        for (k, r) in own.iter().enumerate() {
            let parent = if k == 0 { pid } else { (next_id - 1) as i64 };
            let t: Vec<String> = r.iter().map(|&v| text_of(v).unwrap()).collect();
            lines.push(format!(
                "{next_id} {} {} {} {} {} {parent}",
                sec.kind, t[0], t[1], t[2], t[3]
            ));
            next_id += 1;
        }
        written[s] = Some(Written {
            pts: own,
            first_id,
            sphere,
        });
    }
    let mut text = lines.join("\n");
    text.push('\n');
    Ok((text, ncand))
}

/// Reads `text` back and says where it differs from `m`.
fn check(m: &Morphology, text: &str) -> Result<Option<(usize, String)>, ExportError> {
    let back = match crate::parse_swc(text.as_bytes(), "<export>") {
        Ok((b, _)) => b,
        Err(e) => return fail(format!("Import3d fails on the SWC form: {e}")),
    };
    if back == *m {
        return Ok(None);
    }
    if back.sections.len() != m.sections.len() {
        return fail(format!(
            "Import3d would make {} sections of the SWC form, not {} (sections that \
             SWC's sectionify cannot keep apart, or that chk_valid removes)",
            back.sections.len(),
            m.sections.len()
        ));
    }
    for (k, (a, b)) in m.sections.iter().zip(&back.sections).enumerate() {
        if a != b {
            let field = if a.name != b.name || a.index != b.index || a.kind != b.kind {
                "name/type"
            } else if a.parent != b.parent {
                "parent or connection position"
            } else if a.style != b.style {
                "pt3dstyle anchor"
            } else {
                "3-D points"
            };
            return Ok(Some((k, format!(
                "section {k} ({}): Import3d would read its SWC form back with another {field} \
                 ({:?} vs {:?}): no SWC file gives this section",
                a.hoc_name(),
                a.parent,
                b.parent
            ))));
        }
    }
    Ok(Some((
        usize::MAX,
        "Import3d would connect the sections of the SWC form in another order".into(),
    )))
}
