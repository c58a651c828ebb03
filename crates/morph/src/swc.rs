//! SWC as `Import3d_SWC_read` (read_swc.hoc) reads it: `rdfile`,
//! `check_pid`, `sectionify` (with `mark_branch` and the NeuroMorpho 3-point
//! soma) and `mksections`.

use crate::import3d::{Import, RawSection};
use crate::num::fmt_d;
use crate::num::{heq, hgt, hle, hlt, scan_float, veq, Width};
use crate::{Diagnostic, MorphError, Out};

/// Splits like NEURON's `fgets_unlimited`: "\n", "\r\n" and a lone "\r" end
/// a line; a last line without terminator still counts. A NUL ends the C
/// string, so whatever follows it on that line is invisible.
pub(crate) fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    lines_raw(bytes)
        .into_iter()
        .map(|l| match l.iter().position(|&b| b == 0) {
            Some(k) => &l[..k],
            None => l,
        })
        .collect()
}

/// What `File.gets` gives for each line: the text up to a NUL, with "\n"
/// at the end unless a NUL cut it off.
pub(crate) fn gets_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    lines_raw(bytes)
        .into_iter()
        .map(|l| match l.iter().position(|&b| b == 0) {
            Some(k) => l[..k].to_vec(),
            None => {
                let mut v = l.to_vec();
                v.push(b'\n');
                v
            }
        })
        .collect()
}

/// The lines with their terminators removed (NULs kept).
fn lines_raw(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\n' || c == b'\r' {
            out.push(&bytes[start..i]);
            if c == b'\r' && i + 1 < bytes.len() && bytes[i + 1] == b'\n' {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    if start < bytes.len() {
        out.push(&bytes[start..]);
    }
    out
}

struct Pts {
    id: Vec<f64>,
    typ: Vec<f64>,
    x: Vec<f64>,
    y: Vec<f64>,
    z: Vec<f64>,
    d: Vec<f64>,
    pid: Vec<f64>,
    iline: Vec<usize>,
}

fn err(file: &str, line: usize, message: impl Into<String>) -> MorphError {
    MorphError::new(file, line, message)
}

/// HOC's subscript rule: `(int)(x + float_epsilon)`, so -1 reads element 0.
fn sub(i: isize) -> usize {
    if i < 0 {
        0
    } else {
        i as usize
    }
}

pub(crate) fn import(
    bytes: &[u8],
    file: &str,
    diags: &mut Vec<Diagnostic>,
    out: &mut Out,
) -> Result<Import, MorphError> {
    let gets = gets_lines(bytes);
    // ---- rdfile / parse
    let mut p = Pts {
        id: Vec::new(),
        typ: Vec::new(),
        x: Vec::new(),
        y: Vec::new(),
        z: Vec::new(),
        d: Vec::new(),
        pid: Vec::new(),
        iline: Vec::new(),
    };
    for (k, line) in lines(bytes).into_iter().enumerate() {
        let lineno = k + 1;
        let mut a = [0f64; 7];
        let mut pos = 0;
        let mut n = 0;
        for slot in a.iter_mut() {
            match scan_float(line, pos, Width::F32) {
                Some((v, e)) => {
                    *slot = v;
                    pos = e;
                    n += 1;
                }
                None => break,
            }
        }
        if n == 7 {
            p.id.push(a[0]);
            p.typ.push(a[1]);
            p.x.push(a[2]);
            p.y.push(a[3]);
            p.z.push(a[4]);
            p.d.push(a[5] * 2.0);
            p.pid.push(a[6]);
            p.iline.push(lineno);
            continue;
        }
        let q = line
            .iter()
            .position(|&b| b != b' ' && b != b'\t')
            .unwrap_or(line.len());
        if q < line.len() && line[q] == b'#' {
            continue; // comment
        }
        // NEURON reports even a blank line as unparsable, then skips it.
        out.text
            .push_str(&format!("error {file} line {lineno}: could not parse: "));
        out.text.push_str(&String::from_utf8_lossy(&gets[k]));
        diags.push(Diagnostic {
            line: lineno,
            message: format!("could not parse: {}", String::from_utf8_lossy(line)),
        });
    }
    let n = p.id.len();
    // check_pid prints these before anything can fail
    for i in 0..n {
        if !hlt(p.pid[i], p.id[i]) {
            out.text.push_str(&format!(
                "error {file} line {}: index {i} pid={} is not less than id={}\n",
                p.iline[i],
                fmt_d(p.pid[i]),
                fmt_d(p.id[i])
            ));
        }
    }
    if n == 0 {
        return Err(err(
            file,
            0,
            "no data points (NEURON fails on an empty SWC file)",
        ));
    }

    // ---- check_pid
    for i in 0..n {
        let (id, pid, t) = (p.id[i], p.pid[i], p.typ[i]);
        // id2index_ is a Vector indexed by id (HOC subscripts truncate)
        if !id.is_finite() || id <= -1.0 + crate::num::EPS || id > 1e9 {
            return Err(err(
                file,
                p.iline[i],
                format!("id {id} cannot index NEURON's id2index_ Vector"),
            ));
        }
        if pid.is_nan() {
            return Err(err(file, p.iline[i], "parent id is not a number"));
        }
        if !t.is_finite() || t.fract() != 0.0 || t.abs() > i32::MAX as f64 {
            return Err(err(file, p.iline[i], format!("type {t} is not an integer")));
        }
    }
    let mut needsort = false;
    for i in 0..n {
        if i > 0 && hle(p.id[i], p.id[i - 1]) {
            needsort = true;
        }
        if !hlt(p.pid[i], p.id[i]) {
            diags.push(Diagnostic {
                line: p.iline[i],
                message: format!(
                    "pid={} is not less than id={} (NEURON says so and goes on)",
                    p.pid[i], p.id[i]
                ),
            });
        }
    }
    if needsort {
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&a, &b| p.id[a].total_cmp(&p.id[b]));
        let perm = |v: &Vec<f64>| -> Vec<f64> { idx.iter().map(|&k| v[k]).collect() };
        p = Pts {
            id: perm(&p.id),
            typ: perm(&p.typ),
            x: perm(&p.x),
            y: perm(&p.y),
            z: perm(&p.z),
            d: perm(&p.d),
            pid: perm(&p.pid),
            iline: idx.iter().map(|&k| p.iline[k]).collect(),
        };
        for i in 1..n {
            if heq(p.id[i], p.id[i - 1]) {
                return Err(err(
                    file,
                    p.iline[i],
                    format!("duplicate id {} (also on line {})", p.id[i], p.iline[i - 1]),
                ));
            }
        }
        diags.push(Diagnostic {
            line: 0,
            message: "ids are not in ascending order: points sorted by id \
                      (NEURON 9.0.2's Import3d_SWC_read stops on such a file)"
                .into(),
        });
    }
    let roots: Vec<usize> = (0..n).filter(|&i| hlt(p.pid[i], 0.0)).collect();
    if roots.len() > 1 {
        if !out.quiet {
            out.text
                .push_str(&format!("warning {file}: more than one tree:\n"));
            for &r in &roots {
                out.text
                    .push_str(&format!("  root at line {}\n", p.iline[r]));
            }
        }
        for &r in &roots[1..] {
            diags.push(Diagnostic {
                line: p.iline[r],
                message: "more than one tree: another root here".into(),
            });
        }
    }
    // id2index_: subscripts are (int)(x + float_epsilon); a later point
    // with the same subscript wins
    let key = |v: f64| (v + crate::num::EPS) as i64;
    let mut id2index: std::collections::HashMap<i64, usize> =
        std::collections::HashMap::with_capacity(n);
    let mut maxid = f64::NEG_INFINITY;
    for i in 0..n {
        id2index.insert(key(p.id[i]), i);
        maxid = maxid.max(p.id[i]);
    }
    // new Vector(id.max() + 1): the largest valid subscript
    let maxkey = (maxid + 1.0) as i64 - 1;
    let mut pix = vec![-1isize; n];
    for i in 0..n {
        if hlt(p.pid[i], 0.0) {
            continue;
        }
        if key(p.pid[i]) > maxkey {
            return Err(err(
                file,
                p.iline[i],
                format!(
                    "parent id {} is beyond every id: NEURON fails (subscript out of range)",
                    p.pid[i]
                ),
            ));
        }
        match id2index.get(&key(p.pid[i])) {
            Some(&k) => pix[i] = k as isize,
            None => diags.push(Diagnostic {
                line: p.iline[i],
                message: format!(
                    "parent id {} does not exist: the point is taken as a root",
                    p.pid[i]
                ),
            }),
        }
    }
    let typ: Vec<i32> = p.typ.iter().map(|&t| t as i32).collect();

    // ---- sectionify / mark_branch
    let mut nchild = vec![0f64; n];
    let mut connect2prox = vec![false; n];
    for i in 0..n {
        let pp = pix[i];
        if pp >= 0 {
            let pu = pp as usize;
            nchild[pu] += 1.0;
            if pp != i as isize - 1 {
                nchild[pu] += 0.01;
                if pp > 1 {
                    if typ[pu] != 1 && typ[sub(pix[pu])] == 1 {
                        connect2prox[i] = true;
                        nchild[pu] = 1.0;
                    }
                } else if pp == 0 && typ[pu] != 1 {
                    connect2prox[i] = true;
                    nchild[pu] = 1.0;
                }
            }
            if typ[pu] != typ[i] {
                nchild[pu] += 0.01;
            }
        }
    }
    let mut nchild_soma = vec![0f64; n];
    let mut nsoma_pts = usize::from(typ[0] == 1);
    for i in 1..n {
        if typ[i] == 1 {
            nsoma_pts += 1;
            let pp = pix[i];
            if pp >= 0 && typ[pp as usize] == 1 {
                nchild_soma[pp as usize] += 1.0;
            }
        }
    }
    let mut soma3geom = false;
    if nsoma_pts == 3 && n >= 3 && pix[1] == 0 && pix[2] == 0 {
        // neuromorph_3point_soma
        if heq(nchild[1], 0.0) && heq(nchild[2], 0.0) && heq(p.d[1], p.d[0]) && heq(p.d[2], p.d[0])
        {
            let mut len = 0.0;
            for i in 1..=2 {
                len += ((p.x[i] - p.x[0]).powi(2)
                    + (p.y[i] - p.y[0]).powi(2)
                    + (p.z[i] - p.z[0]).powi(2))
                .sqrt();
            }
            if p.d[0] == 0.0 {
                return Err(err(
                    file,
                    p.iline[0],
                    "3-point soma of diameter 0: NEURON fails with a division by zero",
                ));
            }
            if hlt((len / p.d[0] - 1.0).abs(), 0.01) {
                soma3geom = true;
                pix[2] = 1;
            }
        }
    }
    for i in 0..n - 1 {
        if typ[i] == 1 && typ[i + 1] == 1 && pix[i + 1] == i as isize {
            if i != 0 && hgt(nchild_soma[i], 1.0) {
                // more than one soma child: the soma branches here
            } else {
                nchild[i] = 1.0;
            }
        }
    }
    let sec2point: Vec<usize> = (0..n).filter(|&i| !veq(nchild[i], 1.0)).collect();
    let mut point2sec = vec![0usize; n];
    let mut si = 0;
    for i in 1..n {
        if si >= sec2point.len() {
            return Err(err(
                file,
                p.iline[i],
                "the points do not form sections: NEURON fails (subscript out of range)",
            ));
        }
        if i > sec2point[si] {
            si += 1;
        }
        point2sec[i] = si;
    }

    // ---- mksections
    let mut arena: Vec<RawSection> = Vec::with_capacity(sec2point.len());
    let mut sec_first: Vec<usize> = Vec::with_capacity(sec2point.len()); // Import3d_Section.id
    let mut isec = 0;
    let mut first = 0;
    let mk = |isec: usize,
              first: usize,
              i: usize,
              arena: &mut Vec<RawSection>,
              sec_first: &mut Vec<usize>,
              objects: &mut usize|
     -> Result<(), MorphError> {
        *objects += 1; // new Import3d_Section
        let mut sec = RawSection::new(p.iline[first], typ[first]);
        let pt = |k: usize| [p.x[k], p.y[k], p.z[k], p.d[k]];
        if isec == 0 {
            if connect2prox[first] {
                // sec.pid = sec.parentsec.id on a root: nil object
                return Err(err(
                    file,
                    p.iline[first],
                    "the root has a parent: NEURON fails (nil parentsec)",
                ));
            }
            let last = if soma3geom { 1 } else { i };
            sec.pts = (first..last).map(pt).collect();
        } else {
            let pf = pix[first];
            let ps = point2sec[sub(pf)];
            if ps >= arena.len() {
                return Err(err(
                    file,
                    p.iline[first],
                    "the parent's section comes later: NEURON fails (Arg out of range in pt2sec)",
                ));
            }
            let (psec_id, psec_n, psec_type) = (sec_first[ps], arena[ps].pts.len(), arena[ps].typ);
            sec.parent = Some(ps);
            let den_con_soma = psec_type == 1 && typ[first] != 1;
            let con_soma = psec_type == 1;
            let mut handled = false;
            if ps == 0 {
                handled = true;
                if den_con_soma && psec_n == 1 {
                    sec.parentx = 0.5;
                    if i - first > 1 {
                        sec.first = 1;
                    }
                } else if pf == psec_id as isize {
                    sec.parentx = 0.0;
                    if typ[first] != 1 && hgt(nchild_soma[sub(pf)], 1.0) {
                        sec.first = 1;
                    }
                } else {
                    handled = false;
                }
            }
            if !handled && con_soma {
                let offset: isize = if psec_id == 0 { -1 } else { -2 };
                if pf < psec_id as isize + psec_n as isize + offset {
                    sec.parentx = 0.5;
                    if den_con_soma && i - first > 1 {
                        sec.first = 1;
                    }
                } else if i - first > 1 && hgt(nchild_soma[sub(pf)], 1.0) && typ[first] != 1 {
                    sec.first = 1;
                }
            }
            sec.pts.push(pt(sub(pf)));
            sec.pts.extend((first..i).map(pt));
            if psec_type == 1 && sec.typ != 1 {
                sec.pts[0][3] = sec.pts[1][3];
            }
            if connect2prox[first] {
                sec.parentx = 0.0;
            }
        }
        arena.push(sec);
        sec_first.push(first);
        Ok(())
    };
    for i in 0..n {
        if point2sec[i] > isec {
            mk(isec, first, i, &mut arena, &mut sec_first, &mut out.objects)?;
            isec += 1;
            first = i;
        }
    }
    mk(isec, first, n, &mut arena, &mut sec_first, &mut out.objects)?;
    let list = (0..arena.len()).collect();
    Ok(Import { arena, list })
}
