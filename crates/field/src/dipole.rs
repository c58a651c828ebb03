//! The current dipole moment and the dipole potential in an infinite medium.
//!
//! The current dipole moment of a cell is `P = Σ_i r_i I_i` (nA·µm) with
//! `r_i` the absolute midpoint of segment `i` (Lindén, Pettersen & Einevoll
//! 2010, J. Comput. Neurosci. 29:423, eq. 6; Nunez & Srinivasan 2006,
//! eq. 6.1); it is independent of the origin when `Σ I_i = 0`.
//!
//! A dipole `P` in an infinite homogeneous medium of conductivity `σ` gives
//! at displacement `R` from it (Nunez & Srinivasan 2006, eq. 6.2)
//!
//! ```text
//! φ = P · R / (4π σ |R|³)
//! ```

use ndarray::Array2;

use crate::geometry::{err, CellGeometry, FieldError};
use crate::{Probe, FOUR_PI};

/// The 3 × segments matrix `D` with `P = D · I`: column `i` is the midpoint of
/// segment `i` (µm).
pub fn dipole_moment_matrix(geom: &CellGeometry) -> Array2<f64> {
    let mut d = Array2::zeros((3, geom.len()));
    for i in 0..geom.len() {
        let m = geom.mid(i);
        for k in 0..3 {
            d[[k, i]] = m[k];
        }
    }
    d
}

/// `(dipole → output) · (3 × segments dipole matrix)`: the full M of a
/// dipole-based model.
pub(crate) fn through_dipole(
    dipole_to_output: &Array2<f64>,
    geom: &CellGeometry,
) -> Result<Array2<f64>, FieldError> {
    geom.check()?;
    Ok(dipole_to_output.dot(&dipole_moment_matrix(geom)))
}

/// The current dipole moment `P = Σ r_mid,i I_i` (nA·µm), output dims `[3]`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CurrentDipoleMoment;

impl Probe for CurrentDipoleMoment {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        geom.check()?;
        Ok(dipole_moment_matrix(geom))
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![3]
    }
    fn units(&self) -> &'static str {
        "nA·µm"
    }
}

/// Potential of the cell's current dipole in an infinite homogeneous medium.
#[derive(Debug, Clone, PartialEq)]
pub struct InfiniteVolumeConductor {
    /// Electrode positions (µm).
    pub electrodes: Vec<[f64; 3]>,
    /// Conductivity (S/m).
    pub sigma: f64,
    /// Where the dipole sits (µm).
    pub dipole_location: [f64; 3],
}

impl InfiniteVolumeConductor {
    pub fn new(
        electrodes: Vec<[f64; 3]>,
        sigma: f64,
        dipole_location: [f64; 3],
    ) -> Result<Self, FieldError> {
        if !(sigma > 0.0 && sigma.is_finite()) {
            return err("sigma must be greater than zero");
        }
        Ok(Self {
            electrodes,
            sigma,
            dipole_location,
        })
    }

    /// Electrodes × 3 matrix from the dipole moment (nA·µm) to mV.
    pub fn dipole_matrix(&self) -> Array2<f64> {
        let mut m = Array2::zeros((self.electrodes.len(), 3));
        for (j, e) in self.electrodes.iter().enumerate() {
            let r = [
                e[0] - self.dipole_location[0],
                e[1] - self.dipole_location[1],
                e[2] - self.dipole_location[2],
            ];
            let norm = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
            for k in 0..3 {
                m[[j, k]] = r[k] / (FOUR_PI * self.sigma * norm.powf(3.0));
            }
        }
        m
    }
}

impl Probe for InfiniteVolumeConductor {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        through_dipole(&self.dipole_matrix(), geom)
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![self.electrodes.len()]
    }
    fn units(&self) -> &'static str {
        "mV"
    }
}
