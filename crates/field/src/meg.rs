//! Magnetic field `H` (nA/µm) of the cell's current dipole, for MEG.
//!
//! Both models return `H`; the field `B = μ H` follows by multiplying with
//! the permeability `mu` (T·m/A), which the models store but, as in LFPykit,
//! do not apply. Output dims are `[sensors, 3]` (x, y, z of `H` per sensor).
//!
//! * Infinite homogeneous conductor (Biot–Savart for the primary current;
//!   Hämäläinen et al. 1993, Rev. Mod. Phys. 65:413, eq. 9; Nunez &
//!   Srinivasan 2006): `H = p × R / (4π |R|³)`, `R` from dipole to sensor.
//! * Spherically symmetric conductor (Sarvas 1987, Phys. Med. Biol. 32:11,
//!   eq. 25; Hämäläinen et al. 1993, eq. 34), dipole at `r_p`, sensor at `r`
//!   (outside the conductor), `a = r − r_p`:
//!
//! ```text
//! H = (F p × r_p − (p × r_p · r) ∇F) / (4π F²)
//! F  = a (r a + r² − r_p · r)
//! ∇F = (a²/r + a·r/a + 2a + 2r) r − (a + 2r + a·r/a) r_p
//! ```

use ndarray::Array2;

use crate::dipole::through_dipole;
use crate::geometry::{cross, dot, norm, err, CellGeometry, FieldError};
use crate::{Probe, FOUR_PI};

/// Permeability of vacuum (T·m/A), LFPykit's default `mu`.
pub const MU_0: f64 = 4.0 * std::f64::consts::PI * 1e-7;


const UNIT: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// `H` of the dipole in an infinite homogeneous volume conductor.
#[derive(Debug, Clone, PartialEq)]
pub struct InfiniteHomogeneousVolCondMEG {
    /// Sensor positions (µm).
    pub sensor_locations: Vec<[f64; 3]>,
    /// Where the dipole sits (µm).
    pub dipole_location: [f64; 3],
    /// Permeability (T·m/A); not applied (`H`, not `B`, is returned).
    pub mu: f64,
}

impl InfiniteHomogeneousVolCondMEG {
    pub fn new(
        sensor_locations: Vec<[f64; 3]>,
        dipole_location: [f64; 3],
        mu: f64,
    ) -> Result<Self, FieldError> {
        for (i, s) in sensor_locations.iter().enumerate() {
            let r = [
                s[0] - dipole_location[0],
                s[1] - dipole_location[1],
                s[2] - dipole_location[2],
            ];
            if r.iter().all(|v| v.abs() <= 1e-8) {
                return err(format!("sensor {i} coincides with the dipole location"));
            }
        }
        Ok(Self {
            sensor_locations,
            dipole_location,
            mu,
        })
    }

    /// (sensors·3) × 3 matrix from the dipole moment (nA·µm) to `H` (nA/µm);
    /// row `3 i + c` is component `c` at sensor `i`.
    pub fn dipole_matrix(&self) -> Array2<f64> {
        let mut m = Array2::zeros((3 * self.sensor_locations.len(), 3));
        let d = self.dipole_location;
        for (i, s) in self.sensor_locations.iter().enumerate() {
            let r = [s[0] - d[0], s[1] - d[1], s[2] - d[2]];
            let denom = FOUR_PI * (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt().powf(3.0);
            for (j, p) in UNIT.iter().enumerate() {
                let h = cross(*p, r);
                for c in 0..3 {
                    m[[3 * i + c, j]] = h[c] / denom;
                }
            }
        }
        m
    }
}

impl Probe for InfiniteHomogeneousVolCondMEG {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        through_dipole(&self.dipole_matrix(), geom)
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![self.sensor_locations.len(), 3]
    }
    fn units(&self) -> &'static str {
        "nA/µm"
    }
}

/// `H` of the dipole in a spherically symmetric conductor centred at the
/// origin (Sarvas 1987).
#[derive(Debug, Clone, PartialEq)]
pub struct SphericallySymmetricVolCondMEG {
    /// Sensor positions (µm), each farther from the centre than the dipole.
    pub sensors: Vec<[f64; 3]>,
    /// Where the dipole sits (µm).
    pub dipole_location: [f64; 3],
    /// Permeability (T·m/A); not applied (`H`, not `B`, is returned).
    pub mu: f64,
}

impl SphericallySymmetricVolCondMEG {
    pub fn new(
        sensors: Vec<[f64; 3]>,
        dipole_location: [f64; 3],
        mu: f64,
    ) -> Result<Self, FieldError> {
        let rp = norm(dipole_location);
        for (i, s) in sensors.iter().enumerate() {
            if !(norm(*s) > rp) {
                return err(format!(
                    "sensor {i} must lie farther from the centre than the dipole (|r| = {} <= |r_p| = {rp})",
                    norm(*s)
                ));
            }
        }
        Ok(Self {
            sensors,
            dipole_location,
            mu,
        })
    }

    /// (sensors·3) × 3 matrix from the dipole moment (nA·µm) to `H` (nA/µm);
    /// row `3 i + c` is component `c` at sensor `i`.
    pub fn dipole_matrix(&self) -> Array2<f64> {
        let rp = self.dipole_location;
        let mut m = Array2::zeros((3 * self.sensors.len(), 3));
        for (j, p) in UNIT.iter().enumerate() {
            let pxr = cross(*p, rp);
            for (i, r) in self.sensors.iter().enumerate() {
                let a = [r[0] - rp[0], r[1] - rp[1], r[2] - rp[2]];
                let an = norm(a);
                let rn = norm(*r);
                let f = an * (rn * an + rn.powf(2.0) - dot(rp, *r));
                let ar = dot(a, *r) / an;
                let c1 = an.powf(2.0) / rn + ar + 2.0 * an + 2.0 * rn;
                let c2 = an + 2.0 * rn + ar;
                let pxr_r = dot(pxr, *r);
                for c in 0..3 {
                    let grad = c1 * r[c] - c2 * rp[c];
                    m[[3 * i + c, j]] =
                        (f * pxr[c] - pxr_r * grad) / f.powf(2.0) / 4.0 / std::f64::consts::PI;
                }
            }
        }
        m
    }
}

impl Probe for SphericallySymmetricVolCondMEG {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        through_dipole(&self.dipole_matrix(), geom)
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![self.sensors.len(), 3]
    }
    fn units(&self) -> &'static str {
        "nA/µm"
    }
}
