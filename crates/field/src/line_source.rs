//! Line-source approximation of segment currents.
//!
//! A current `I` spread evenly along a straight segment of length `ΔS` in an
//! infinite homogeneous medium of conductivity `σ` gives, at a point whose
//! projection on the segment's axis lies a signed distance `h` beyond the
//! segment's end and at perpendicular distance `r` from the axis (`l = h + ΔS`),
//!
//! ```text
//! φ = I / (4π σ ΔS) · ln[(√(h² + r²) − h) / (√(l² + r²) − l)]
//! ```
//!
//! (Holt & Koch 1999, J. Comput. Neurosci. 6:169, eq. 11; Holt 1998, PhD
//! thesis, eqs. C.13–C.15). The logarithm is evaluated in one of three
//! algebraically equal forms chosen by the signs of `h` and `l` to avoid
//! cancellation, and `r²` is clamped from below at the squared segment radius.
//!
//! For a diagonal anisotropic conductivity `[σx, σy, σz]` the line integral of
//! the anisotropic point source (see [`crate::point_source`]) has closed forms
//! in terms of `a = Σ σ_jσ_k p_i²`, `b = −2 Σ σ_jσ_k Δr_i p_i` and
//! `c = Σ σ_jσ_k Δr_i²` (`p` the segment vector, `Δr` the contact relative to
//! the segment start; `(i, j, k)` cyclic):
//!
//! ```text
//! φ = I / (4π √a) · F(a, b, c)
//! F = asinh((2a + b)/√(4ac − b²)) − asinh(b/√(4ac − b²))       4ac − b² > 0
//! F = ln|(2a + b + 2√(a(a+b+c))) / (b + 2√(ac))|               4ac − b² < 0
//! ```
//!
//! and their limits for `b = 0` or `4ac = b²` (Ness et al. 2015,
//! Neuroinformatics 13:403, eqs. 17–21). A contact closer than the segment
//! radius is moved radially out to it first.

use ndarray::Array2;

use crate::geometry::{CellGeometry, FieldError};
use crate::point_source::{aniso_point_sigma_r, ATOL};
use crate::{Probe, FOUR_PI};

/// `ln` of the Holt & Koch ratio in the form that suits the signs of `h`, `l`.
fn holt_koch_log(h: f64, r2: f64, l: f64) -> f64 {
    if h < 0.0 && l < 0.0 {
        // both ends on the near side of the projection
        let bb = (h * h + r2).sqrt() - h;
        let cc = (l * l + r2).sqrt() - l;
        (bb / cc).ln()
    } else if h < 0.0 && l >= 0.0 {
        // the projection falls on the segment
        let bb = (h * h + r2).sqrt() - h;
        let cc = (l + (l * l + r2).sqrt()) / r2;
        (bb * cc).ln()
    } else if h >= 0.0 && l >= 0.0 {
        let bb = (l * l + r2).sqrt() + l;
        let cc = (h * h + r2).sqrt() + h;
        (bb / cc).ln()
    } else {
        0.0
    }
}

/// The isotropic line-source entry of segment `i` seen from `p`.
fn line_iso(geom: &CellGeometry, i: usize, p: [f64; 3], sigma: f64) -> f64 {
    let (s, e) = (geom.start[i], geom.end[i]);
    let rl = geom.r_limit(i);
    let ds = ((s[0] - e[0]).powi(2) + (s[1] - e[1]).powi(2) + (s[2] - e[2]).powi(2)).sqrt();
    if ds == 0.0 {
        // LFPykit gives NaN for a zero-length segment; it is a point source.
        return point_iso(geom.mid(i), p, rl, sigma);
    }
    let cc = (p[0] - e[0]) * (e[0] - s[0])
        + (p[1] - e[1]) * (e[1] - s[1])
        + (p[2] - e[2]) * (e[2] - s[2]);
    let h = cc / ds;
    let d2 = (e[0] - p[0]).powi(2) + (e[1] - p[1]).powi(2) + (e[2] - p[2]).powi(2);
    let mut r2 = (d2 - h * h).abs();
    if r2 < rl * rl {
        r2 = rl * rl;
    }
    let l = h + ds;
    1.0 / (FOUR_PI * sigma * ds) * holt_koch_log(h, r2, l)
}

fn point_iso(m: [f64; 3], p: [f64; 3], rl: f64, sigma: f64) -> f64 {
    let r = ((p[0] - m[0]).powi(2) + (p[1] - m[1]).powi(2) + (p[2] - m[2]).powi(2)).sqrt();
    1.0 / (FOUR_PI * sigma * r.max(rl))
}

/// One row of M: every segment an isotropic line source.
pub(crate) fn line_row_iso(geom: &CellGeometry, p: [f64; 3], sigma: f64, row: &mut [f64]) {
    for (i, out) in row.iter_mut().enumerate() {
        *out = line_iso(geom, i, p, sigma);
    }
}

/// One row of M: segment 0 (the root, normally the soma) a point source at
/// its midpoint, the others isotropic line sources.
pub(crate) fn root_as_point_row_iso(geom: &CellGeometry, p: [f64; 3], sigma: f64, row: &mut [f64]) {
    line_row_iso(geom, p, sigma, row);
    if let Some(out) = row.first_mut() {
        let m = geom.mid(0);
        let mut r_root =
            ((p[0] - m[0]).powi(2) + (p[1] - m[1]).powi(2) + (p[2] - m[2]).powi(2)).sqrt();
        let rl = geom.r_limit(0);
        if r_root < rl {
            r_root = rl;
        }
        *out = 1.0 / (FOUR_PI * sigma * 1.0) * (1.0 / r_root);
    }
}

/// Closest point to `p` on the segment `s`–`e` and its distance.
pub(crate) fn closest_on_segment(s: [f64; 3], e: [f64; 3], p: [f64; 3]) -> ([f64; 3], f64) {
    let d = [e[0] - s[0], e[1] - s[1], e[2] - s[2]];
    let delta = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    let u = (((p[0] - s[0]) * d[0] + (p[1] - s[1]) * d[1] + (p[2] - s[2]) * d[2]) / delta)
        .clamp(0.0, 1.0);
    let c = [s[0] + u * d[0], s[1] + u * d[1], s[2] + u * d[2]];
    let dist = ((c[0] - p[0]).powi(2) + (c[1] - p[1]).powi(2) + (c[2] - p[2]).powi(2)).sqrt();
    (c, dist)
}

/// `F(a, b, c)` and `a` of the anisotropic line source (Ness et al. 2015),
/// or `None` for a zero-length segment.
fn aniso_line_terms(
    geom: &CellGeometry,
    i: usize,
    p: [f64; 3],
    sg: [f64; 3],
) -> Result<Option<(f64, f64)>, FieldError> {
    let (s, e) = (geom.start[i], geom.end[i]);
    let rl = geom.r_limit(i);
    let d = [e[0] - s[0], e[1] - s[1], e[2] - s[2]];
    if d == [0.0; 3] {
        return Ok(None);
    }
    let (closest, rs) = closest_on_segment(s, e, p);
    let mut dr = [p[0] - s[0], p[1] - s[1], p[2] - s[2]];
    if rs < rl {
        // move the contact out to the segment's surface
        let mut disp = if rs >= ATOL {
            [p[0] - closest[0], p[1] - closest[1], p[2] - closest[2]]
        } else if d[0].abs() <= ATOL {
            [0.0, d[2], -d[1]]
        } else {
            [-d[1], d[0], 0.0]
        };
        let n = (disp[0] * disp[0] + disp[1] * disp[1] + disp[2] * disp[2]).sqrt();
        for v in disp.iter_mut() {
            *v /= n;
        }
        for k in 0..3 {
            dr[k] = closest[k] + disp[k] * rl - s[k];
        }
    }
    let (syz, sxz, sxy) = (sg[1] * sg[2], sg[0] * sg[2], sg[0] * sg[1]);
    let a = syz * (d[0] * d[0]) + sxz * (d[1] * d[1]) + sxy * (d[2] * d[2]);
    let b = -2.0 * (syz * dr[0] * d[0] + sxz * dr[1] * d[1] + sxy * dr[2] * d[2]);
    let c = syz * (dr[0] * dr[0]) + sxz * (dr[1] * dr[1]) + sxy * (dr[2] * dr[2]);
    let disc = 4.0 * a * c - b * b;
    let f = if b.abs() > ATOL && disc >= ATOL {
        let sq = disc.sqrt();
        ((2.0 * a + b) / sq).asinh() - (b / sq).asinh()
    } else if b.abs() > ATOL && disc <= -ATOL {
        ((2.0 * a + b + 2.0 * (a * (a + b + c)).sqrt()) / (b + 2.0 * (a * c).sqrt()))
            .abs()
            .ln()
    } else if disc.abs() < ATOL && (a - c).abs() >= ATOL {
        (signum0(b) * (a / c).sqrt() + 1.0).abs().ln().abs()
    } else if disc.abs() < ATOL {
        (1.0 + (a / c).sqrt()).abs().ln()
    } else if b.abs() <= ATOL {
        ((a / c).sqrt() + (a / c + 1.0).sqrt()).ln()
    } else {
        f64::NAN
    };
    if f.is_nan() {
        return Err(FieldError(format!(
            "anisotropic line source: NaN for segment {i} at contact {p:?}"
        )));
    }
    Ok(Some((f, a)))
}

/// `np.sign`: −1, 0 or 1.
fn signum0(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

fn aniso_point_at_mid(geom: &CellGeometry, i: usize, p: [f64; 3], sg: [f64; 3]) -> f64 {
    let m = geom.mid(i);
    let (dx, dy, dz) = (m[0] - p[0], m[1] - p[1], m[2] - p[2]);
    aniso_point_sigma_r([dx * dx, dy * dy, dz * dz], geom.r_limit(i), sg)
}

/// One row of M: every segment an anisotropic line source.
pub(crate) fn line_row_aniso(
    geom: &CellGeometry,
    p: [f64; 3],
    sg: [f64; 3],
    row: &mut [f64],
) -> Result<(), FieldError> {
    for (i, out) in row.iter_mut().enumerate() {
        *out = match aniso_line_terms(geom, i, p, sg)? {
            Some((f, a)) => 1.0 / FOUR_PI * f / a.sqrt(),
            None => 1.0 / (FOUR_PI * aniso_point_at_mid(geom, i, p, sg)),
        };
    }
    Ok(())
}

/// One row of M: segment 0 an anisotropic point source at its midpoint, the
/// others anisotropic line sources.
pub(crate) fn root_as_point_row_aniso(
    geom: &CellGeometry,
    p: [f64; 3],
    sg: [f64; 3],
    row: &mut [f64],
) -> Result<(), FieldError> {
    for (i, out) in row.iter_mut().enumerate() {
        let m = if i == 0 {
            None
        } else {
            aniso_line_terms(geom, i, p, sg)?
        };
        *out = match m {
            Some((f, a)) => 1.0 / FOUR_PI * (f / a.sqrt()),
            None => 1.0 / FOUR_PI * (1.0 / aniso_point_at_mid(geom, i, p, sg)),
        };
    }
    Ok(())
}

/// Extracellular potential of every segment as a line source with even
/// current density, in an infinite homogeneous isotropic medium (LFPykit's
/// `LineSourcePotential`; Holt & Koch 1999).
#[derive(Debug, Clone, PartialEq)]
pub struct LineSourcePotential {
    /// Contact positions (µm).
    pub contacts: Vec<[f64; 3]>,
    /// Extracellular conductivity (S/m).
    pub sigma: f64,
}

impl LineSourcePotential {
    pub fn new(contacts: Vec<[f64; 3]>, sigma: f64) -> Result<Self, FieldError> {
        crate::point_source::check_sigma(sigma)?;
        Ok(Self { contacts, sigma })
    }
}

impl Probe for LineSourcePotential {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        crate::point_source::contact_matrix(geom, &self.contacts, self.sigma, line_row_iso)
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![self.contacts.len()]
    }
    fn units(&self) -> &'static str {
        "mV"
    }
}
