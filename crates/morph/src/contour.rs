//! Soma contours: `contourcenter`, `contour2centroid`,
//! `contourstack2centroid`, `approximate_contour_by_circle` and `stk_center`
//! (import3d_sec.hoc, import3d_gui.hoc), with NEURON's Vector operations
//! done in the same order.

use crate::num::{heq, hgt, hle, hlt};

/// `std::accumulate` of a product, as `Vector.dot`/`sumsq` do it.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |s, (x, y)| s + x * y)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |s, x| s + x) / v.len() as f64
}

/// First index of the largest / smallest element (std::max_element).
fn max_ind(v: &[f64]) -> usize {
    let mut k = 0;
    for i in 1..v.len() {
        if v[k] < v[i] {
            k = i;
        }
    }
    k
}
fn min_ind(v: &[f64]) -> usize {
    let mut k = 0;
    for i in 1..v.len() {
        if v[i] < v[k] {
            k = i;
        }
    }
    k
}

/// `yd.interpolate(xd, xs)` with `ys` the old `yd`.
fn interpolate(yd: &mut Vec<f64>, xd: &[f64], xs: &[f64]) {
    let ys = std::mem::take(yd);
    let ns = xs.len();
    let nd = xd.len();
    let mut out = vec![0.0; nd];
    let mut id = 0;
    while id < nd && xd[id] <= xs[0] {
        out[id] = ys[0];
        id += 1;
    }
    let mut is = 1;
    while is < ns && id < nd {
        if xs[is] <= xs[is - 1] {
            is += 1;
            continue;
        }
        while xd[id] <= xs[is] {
            let thet = (xd[id] - xs[is - 1]) / (xs[is] - xs[is - 1]);
            out[id] = (1. - thet) * ys[is - 1] + thet * ys[is];
            id += 1;
            if id >= nd {
                break;
            }
        }
        is += 1;
    }
    while id < nd {
        out[id] = ys[ns - 1];
        id += 1;
    }
    *yd = out;
}

/// `contourcenter($o1, $o2, $o3)`: resamples the contour to 101 points
/// evenly spaced along its (x, y) perimeter, in place, and returns their
/// mean.
pub(crate) fn contourcenter(
    x: &mut Vec<f64>,
    y: &mut Vec<f64>,
    z: &mut Vec<f64>,
) -> Result<[f64; 3], String> {
    let n = x.len();
    if n < 1 || y.len() != n || z.len() != n {
        return Err("contour without points".into());
    }
    // rows 0 and 1 are x and y; row 2 stays zero (only two rows are copied)
    let diff = |v: &[f64]| -> Vec<f64> {
        let mut r: Vec<f64> = v.to_vec();
        r.push(v[0]);
        (0..n).map(|i| (r[i + 1] - r[i]) / 1.0).collect()
    };
    let dx = diff(x);
    let dy = diff(y);
    let dz = vec![0.0; n];
    let mut perim = vec![0.0; n];
    for i in 1..n {
        let c = [dx[i - 1], dy[i - 1], dz[i - 1]];
        perim[i] = perim[i - 1] + dot(&c, &c).sqrt();
    }
    let step = perim[n - 1] / 100.0;
    let d: Vec<f64> = (0..101).map(|i| i as f64 * step + 0.0).collect();
    interpolate(x, &d, &perim);
    interpolate(y, &d, &perim);
    interpolate(z, &d, &perim);
    Ok([mean(x), mean(y), mean(z)])
}

/// NEURON's `Matrix.symmeig` of a 3×3 matrix: eigenvalues and the unit
/// eigenvectors as columns `vecs[row][col]`.
fn symmeig(a: [[f64; 3]; 3]) -> ([f64; 3], [[f64; 3]; 3]) {
    let m = dense::Mat::from_rows(&[&a[0], &a[1], &a[2]]);
    let (vals, vecs) = dense::eigen(&m);
    let row = |i: usize| [vecs.at(i, 0), vecs.at(i, 1), vecs.at(i, 2)];
    ([vals[0], vals[1], vals[2]], [row(0), row(1), row(2)])
}

/// `contour2centroid`: the contour becomes points along its principal axis
/// (normally 21) with the diameter across it.
pub(crate) fn contour2centroid(
    x: &mut Vec<f64>,
    y: &mut Vec<f64>,
    z: &mut Vec<f64>,
    dd: &mut Vec<f64>,
) -> Result<(), String> {
    let mean = contourcenter(x, y, z)?;
    let rows = [
        x.iter().map(|v| v - mean[0]).collect::<Vec<f64>>(),
        y.iter().map(|v| v - mean[1]).collect::<Vec<f64>>(),
        z.iter().map(|v| v - mean[2]).collect::<Vec<f64>>(),
    ];
    let mut m = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in i..3 {
            m[i][j] = dot(&rows[i], &rows[j]);
            m[j][i] = m[i][j];
        }
    }
    let (evals, evecs) = symmeig(m);
    let imax = max_ind(&evals);
    let imin = min_ind(&evals);
    let col = |c: usize| [evecs[0][c], evecs[1][c], evecs[2][c]];
    let mut major = col(imax);
    let absm = [major[0].abs(), major[1].abs(), major[2].abs()];
    if hlt(major[max_ind(&absm)], 0.0) {
        for v in major.iter_mut() {
            *v *= -1.0;
        }
    }
    let mid = 3usize.wrapping_sub(imin).wrapping_sub(imax);
    if mid > 2 {
        return Err("Failed to compute soma centroid from contour.".into());
    }
    let mut minor = col(mid);
    minor[2] = 0.0;
    let mag = |v: &[f64; 3]| dot(v, v).sqrt();
    if hlt(mag(&minor) / (mag(&major) + 1e-100), 1e-6) {
        return Err("Failed to compute soma centroid from contour.".into());
    }
    let mm = mag(&minor);
    for v in minor.iter_mut() {
        *v /= mm;
    }
    let npt = rows[0].len();
    let mut d = Vec::with_capacity(npt);
    let mut rad = Vec::with_capacity(npt);
    for i in 0..npt {
        let pt = [rows[0][i], rows[1][i], rows[2][i]];
        d.push(dot(&pt, &major));
        rad.push(dot(&pt, &minor));
    }
    let imax = max_ind(&d);
    d.rotate_left(imax);
    rad.rotate_left(imax);
    let imin = min_ind(&d);
    let mut side2 = d[imin..].to_vec();
    let mut rad2 = rad[imin..].to_vec();
    d.truncate(imin);
    d.reverse();
    rad.truncate(imin);
    rad.reverse();
    make_increasing(&mut d, &mut rad);
    make_increasing(&mut side2, &mut rad2);
    let mut t: Vec<f64> = d.iter().chain(side2.iter()).copied().collect();
    if t.len() < 2 {
        return Err("soma contour too degenerate for a centroid".into());
    }
    t.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let i0 = t[1];
    let j0 = t[t.len() - 2];
    let step = (j0 - i0) / 20.0;
    let xn = ((j0 - i0) / step + 1e-9).floor() + 1.0;
    if !xn.is_finite() || !(1.0..=1e6).contains(&xn) {
        return Err("soma contour too degenerate for a centroid".into());
    }
    let t: Vec<f64> = (0..xn as usize).map(|k| k as f64 * step + i0).collect();
    if d.is_empty() || side2.is_empty() {
        return Err("soma contour too degenerate for a centroid".into());
    }
    interpolate(&mut rad, &t, &d);
    interpolate(&mut rad2, &t, &side2);
    let n = t.len();
    x.clear();
    y.clear();
    z.clear();
    dd.clear();
    for i in 0..n {
        x.push(major[0] * t[i] + mean[0]);
        y.push(major[1] * t[i] + mean[1]);
        z.push(major[2] * t[i] + mean[2]);
        dd.push((rad[i] - rad2[i]).abs());
    }
    if n >= 2 {
        dd[0] = (dd[0] + dd[1]) / 2.0;
        dd[n - 1] = (dd[n - 1] + dd[n - 2]) / 2.0;
    }
    Ok(())
}

/// The "make it convex" loops of contour2centroid.
fn make_increasing(d: &mut Vec<f64>, rad: &mut Vec<f64>) {
    if d.is_empty() {
        return;
    }
    let mut j = d.len() as isize - 1;
    while j > 0 {
        let ju = j as usize;
        if hle(d[ju], d[ju - 1]) {
            d.remove(ju);
            rad.remove(ju);
            if ju != d.len() {
                j += 1;
            }
        }
        j -= 1;
    }
}

fn rows(raw: &[[f64; 4]]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    (
        raw.iter().map(|p| p[0]).collect(),
        raw.iter().map(|p| p[1]).collect(),
        raw.iter().map(|p| p[2]).collect(),
    )
}

/// `approximate_contour_by_circle`: center and a diameter.
fn approximate_contour_by_circle(raw: &[[f64; 4]]) -> Result<([f64; 3], f64), String> {
    let n = raw.len();
    let mut perim = 0.0;
    for i in 0..n {
        let a = raw[i];
        let b = raw[(i + 1) % n];
        let c = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
        perim += dot(&c, &c).sqrt();
    }
    let (mut x, mut y, mut z) = rows(raw);
    let center = contourcenter(&mut x, &mut y, &mut z)?;
    let r: Vec<f64> = (0..x.len())
        .map(|i| {
            let a = (x[i] - center[0]) * (x[i] - center[0]);
            let b = (y[i] - center[1]) * (y[i] - center[1]);
            let c = (z[i] - center[2]) * (z[i] - center[2]);
            (a + b + c).sqrt()
        })
        .collect();
    Ok((center, mean(&r) + perim / (2.0 * std::f64::consts::PI)))
}

/// `contourstack2centroid`: one point per contour of the stack.
pub(crate) fn contourstack2centroid(
    main: &[[f64; 4]],
    stack: &[&[[f64; 4]]],
    x: &mut Vec<f64>,
    y: &mut Vec<f64>,
    z: &mut Vec<f64>,
    dd: &mut Vec<f64>,
) -> Result<(), String> {
    x.clear();
    y.clear();
    z.clear();
    dd.clear();
    for raw in std::iter::once(main).chain(stack.iter().copied()) {
        let (c, d) = approximate_contour_by_circle(raw)?;
        dd.push(d);
        x.push(c[0]);
        y.push(c[1]);
        z.push(c[2]);
    }
    Ok(())
}

/// `stk_center`: the middle of the path through the contour centers.
pub(crate) fn stk_center(main: &[[f64; 4]], stack: &[&[[f64; 4]]]) -> Result<[f64; 3], String> {
    let mut centroid: Vec<[f64; 3]> = Vec::with_capacity(stack.len() + 1);
    let (mut x, mut y, mut z) = rows(main);
    centroid.push(contourcenter(&mut x, &mut y, &mut z)?);
    let mut lenvec = vec![0.0];
    let mut len = 0.0;
    for (i, raw) in stack.iter().enumerate() {
        let (mut x, mut y, mut z) = rows(raw);
        let c = contourcenter(&mut x, &mut y, &mut z)?;
        centroid.push(c);
        let p = centroid[i];
        let dv = [c[0] - p[0], c[1] - p[1], c[2] - p[2]];
        len += dot(&dv, &dv).sqrt();
        lenvec.push(len);
    }
    len /= 2.0;
    if heq(len, 0.0) {
        return Ok(centroid[0]);
    }
    let i = match lenvec.iter().position(|&l| hgt(l, len)) {
        Some(i) if i >= 1 => i,
        _ => return Err("soma contour stack: no center found".into()),
    };
    let th = (len - lenvec[i - 1]) / (lenvec[i] - lenvec[i - 1]);
    let mut c = [0.0; 3];
    for j in 0..3 {
        c[j] = th * centroid[i][j] + (1.0 - th) * centroid[i - 1][j];
    }
    Ok(c)
}

fn edgelen(a: &[f64; 4], b: &[f64; 3]) -> f64 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    dot(&d, &d).sqrt()
}

/// `stk_contour_indices`: the contour's point indices counterclockwise,
/// starting at the point nearest `to`, the first repeated at the end.
fn stk_contour_indices(raw: &[[f64; 4]], to: [f64; 3]) -> Result<Vec<usize>, String> {
    let n = raw.len();
    if n < 2 {
        return Err("soma stack contour with fewer than two points".into());
    }
    let mut idx: Vec<usize> = (0..n).collect();
    let (mut x, mut y, mut z) = rows(raw);
    let c = contourcenter(&mut x, &mut y, &mut z)?;
    let a = [raw[0][0] - c[0], raw[0][1] - c[1]];
    let b = [raw[1][0] - c[0], raw[1][1] - c[1]];
    if hgt(a[0] * b[1] - a[1] * b[0], 0.0) {
        idx.reverse();
    }
    let mut imin: isize = -1;
    let mut dmin = 1e9;
    for (i, &k) in idx.iter().enumerate() {
        let d = edgelen(&raw[k], &to);
        if hlt(d, dmin) {
            dmin = d;
            imin = i as isize;
        }
    }
    // Vector.rotate(-imin)
    let r = (-imin).rem_euclid(n as isize) as usize;
    idx.rotate_right(r);
    idx.push(idx[0]);
    Ok(idx)
}

/// `mk_stk_triang_vec(c1, c2)`: the triangle strip between two contours,
/// as pairs of point indices (into `c1`, into `c2`).
fn mk_stk_triang_vec(c1: &[[f64; 4]], c2: &[[f64; 4]]) -> Result<Vec<(usize, usize)>, String> {
    let to = [c1[0][0], c1[0][1], c1[0][2]];
    let i1 = stk_contour_indices(c1, to)?;
    let i2 = stk_contour_indices(c2, to)?;
    let (n1, n2) = (i1.len() - 1, i2.len() - 1);
    let (mut i, mut j) = (0, 0);
    let mut trv = Vec::new();
    while i < n1 || j < n2 {
        trv.push((i1[i], i2[j]));
        if i < n1 && j < n2 {
            let sq = |v: f64| v * v;
            let d1 = sq(c1[i1[i]][0] - c2[i2[j + 1]][0]) + sq(c1[i1[i]][1] - c2[i2[j + 1]][1]);
            let d2 = sq(c1[i1[i + 1]][0] - c2[i2[j]][0]) + sq(c1[i1[i + 1]][1] - c2[i2[j]][1]);
            if hlt(d2, d1) {
                i += 1;
            } else {
                j += 1;
            }
        } else if i < n1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    trv.push((i1[i], i2[j]));
    Ok(trv)
}

/// `accurate_triangle_area` (Kahan).
fn accurate_triangle_area(a: f64, b: f64, c: f64) -> Result<f64, String> {
    let mut s = [a, b, c];
    s.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
    if s[0] - (s[2] - s[1]) < 0.0 {
        return Err("accurate_triangle_area: not a triangle".into());
    }
    Ok(0.25
        * ((s[2] + (s[1] + s[0]))
            * (s[0] - (s[2] - s[1]))
            * (s[0] + (s[2] - s[1]))
            * (s[2] + (s[1] - s[0])))
            .sqrt())
}

fn stk_triang_area1(
    m1: &[[f64; 4]],
    m2: &[[f64; 4]],
    trv: &[(usize, usize)],
) -> Result<f64, String> {
    let col = |m: &[[f64; 4]], k: usize| [m[k][0], m[k][1], m[k][2]];
    let mut area = 0.0;
    let (mut i1, mut i2) = trv[0];
    let mut a = edgelen(&m1[i1], &col(m2, i2));
    for &(j1, j2) in &trv[1..] {
        let b = edgelen(&m1[j1], &col(m2, j2));
        let c = if i1 == j1 {
            edgelen(&m2[i2], &col(m2, j2))
        } else {
            edgelen(&m1[i1], &col(m1, j1))
        };
        area += accurate_triangle_area(a, b, c)?;
        i1 = j1;
        i2 = j2;
        a = b;
    }
    Ok(area)
}

/// `stk_triang_area()` of a contour stack: the area of the triangle strips
/// between successive contours, as `contourstack2centroid` prints it.
pub(crate) fn stk_triang_area(main: &[[f64; 4]], stack: &[&[[f64; 4]]]) -> Result<f64, String> {
    let mut area = 0.0;
    let mut prev = main;
    for &c in stack {
        let trv = mk_stk_triang_vec(prev, c)?;
        area += stk_triang_area1(prev, c, &trv)?;
        prev = c;
    }
    Ok(area)
}
