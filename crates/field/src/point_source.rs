//! Point-source approximation of segment currents.
//!
//! A current `I` (nA) leaving a point into an infinite, homogeneous, isotropic
//! medium of conductivity `σ` (S/m) gives the potential (mV, distances in µm)
//!
//! ```text
//! φ(r) = I / (4π σ |r − r_s|)
//! ```
//!
//! (Nunez & Srinivasan 2006, eq. 4.8; Lindén et al. 2014, Front. Neuroinform.
//! 7:41, eq. 2). Each segment is a point at its midpoint, and the distance is
//! clamped from below at the segment radius. For a diagonal anisotropic
//! conductivity `[σx, σy, σz]` the potential is
//!
//! ```text
//! φ = I / (4π √(σy σz Δx² + σx σz Δy² + σx σy Δz²))
//! ```
//!
//! (Ness et al. 2015, Neuroinformatics 13:403, eq. 4), with the contact moved
//! radially out to the segment radius when it is closer.

use ndarray::Array2;

use crate::geometry::{CellGeometry, FieldError};
use crate::{Probe, FOUR_PI};

/// Absolute tolerance below which LFPykit treats a distance as zero.
pub(crate) const ATOL: f64 = 1e-8;

/// One row of M: isotropic point sources seen from `p`.
pub(crate) fn point_row_iso(geom: &CellGeometry, p: [f64; 3], sigma: f64, row: &mut [f64]) {
    for (i, out) in row.iter_mut().enumerate() {
        let m = geom.mid(i);
        let (dx, dy, dz) = (m[0] - p[0], m[1] - p[1], m[2] - p[2]);
        let mut r2 = dx * dx + dy * dy + dz * dz;
        let rl = geom.r_limit(i);
        if r2 < rl * rl {
            r2 = rl * rl;
        }
        *out = 1.0 / (FOUR_PI * sigma * r2.sqrt());
    }
}

/// `√(σy σz dx² + σx σz dy² + σx σy dz²)` for squared offsets clamped to
/// the segment radius `rl`: an exact hit is moved along x, a close contact is
/// moved radially out to `rl`.
pub(crate) fn aniso_point_sigma_r(d2: [f64; 3], rl: f64, s: [f64; 3]) -> f64 {
    let [mut dx2, mut dy2, mut dz2] = d2;
    let mut r2 = dx2 + dy2 + dz2;
    if r2.abs() < ATOL {
        dx2 = rl * rl;
        r2 = rl * rl;
    }
    if r2 < rl * rl {
        let f = rl * rl / r2;
        dx2 *= f;
        dy2 *= f;
        dz2 *= f;
    }
    (s[1] * s[2] * dx2 + s[0] * s[2] * dy2 + s[0] * s[1] * dz2).sqrt()
}

/// One row of M: anisotropic point sources seen from `p`.
pub(crate) fn point_row_aniso(geom: &CellGeometry, p: [f64; 3], s: [f64; 3], row: &mut [f64]) {
    for (i, out) in row.iter_mut().enumerate() {
        let m = geom.mid(i);
        let (dx, dy, dz) = (m[0] - p[0], m[1] - p[1], m[2] - p[2]);
        let sigma_r = aniso_point_sigma_r([dx * dx, dy * dy, dz * dz], geom.r_limit(i), s);
        *out = 1.0 / (FOUR_PI * sigma_r);
    }
}

/// Contact positions given as three equally long coordinate arrays (µm).
pub(crate) fn contacts_from_xyz(
    x: &[f64],
    y: &[f64],
    z: &[f64],
) -> Result<Vec<[f64; 3]>, FieldError> {
    if x.len() != y.len() || x.len() != z.len() {
        return Err(FieldError(format!(
            "x, y and z must have the same length (got {}, {}, {})",
            x.len(),
            y.len(),
            z.len()
        )));
    }
    Ok((0..x.len()).map(|i| [x[i], y[i], z[i]]).collect())
}

/// Extracellular potential of every segment as a point source at its
/// midpoint, in an infinite homogeneous isotropic medium (LFPykit's
/// `PointSourcePotential`): `M_ji = 1 / (4π σ max(|r_i − r_j|, d_i/2))`.
#[derive(Debug, Clone, PartialEq)]
pub struct PointSourcePotential {
    /// Contact positions (µm).
    pub contacts: Vec<[f64; 3]>,
    /// Extracellular conductivity (S/m).
    pub sigma: f64,
}

impl PointSourcePotential {
    pub fn new(contacts: Vec<[f64; 3]>, sigma: f64) -> Result<Self, FieldError> {
        check_sigma(sigma)?;
        Ok(Self { contacts, sigma })
    }
}

/// A conductivity must be a finite number greater than zero.
pub(crate) fn check_sigma(sigma: f64) -> Result<(), FieldError> {
    if !(sigma > 0.0 && sigma.is_finite()) {
        return Err(FieldError("sigma must be a number greater than zero".into()));
    }
    Ok(())
}

/// One row per contact, each filled by `row(geom, contact, sigma, row)`.
pub(crate) fn contact_matrix(
    geom: &CellGeometry,
    contacts: &[[f64; 3]],
    sigma: f64,
    row: fn(&CellGeometry, [f64; 3], f64, &mut [f64]),
) -> Result<Array2<f64>, FieldError> {
    geom.check()?;
    let mut m = Array2::zeros((contacts.len(), geom.len()));
    for (j, mut r) in m.rows_mut().into_iter().enumerate() {
        row(geom, contacts[j], sigma, r.as_slice_mut().unwrap());
    }
    Ok(m)
}

impl Probe for PointSourcePotential {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        contact_matrix(geom, &self.contacts, self.sigma, point_row_iso)
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![self.contacts.len()]
    }
    fn units(&self) -> &'static str {
        "mV"
    }
}
