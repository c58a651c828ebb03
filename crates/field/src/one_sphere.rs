//! A sphere of conductivity `σ_i` and radius `R` in a medium of conductivity
//! `σ_o` (LFPykit's `OneSphereVolumeConductor`).
//!
//! A point current `I` at distance `r_s < R` from the centre gives, at a point
//! `(r, θ)` with `θ` the angle from the source direction (Deng 2008, J.
//! Electrostatics 66:549, eqs. 13–14, with permittivities read as
//! conductivities):
//!
//! ```text
//! r ≤ R: φ = I/(4π σ_i) [ 1/|r − r_s| + (1/R) Σ_n (σ_i − σ_o)(n+1)/(σ_i n + σ_o(n+1)) (r r_s/R²)^n P_n(cos θ) ]
//! r > R: φ = I/(4π σ_i) (1/r) Σ_n σ_i (2n+1)/(σ_i n + σ_o(n+1)) (r_s/r)^n P_n(cos θ)
//! ```
//!
//! summed over `n = 0..n_max` (1000 by default), with `|r − r_s|` clamped from
//! below at the segment *diameter*. Each segment is a point source at its
//! midpoint. Observation points are given in spherical coordinates
//! `(r, θ, φ)`; as in LFPykit, the angle to a source at polar angle `θ_s` is
//! taken as `θ − θ_s` (exact for sources and points in one meridian plane).

use ndarray::Array2;

use crate::geometry::{err, CellGeometry, FieldError};
use crate::legendre::legendre_series;
use crate::{Probe, FOUR_PI};

/// Potential inside and outside a conducting sphere.
#[derive(Debug, Clone, PartialEq)]
pub struct OneSphereVolumeConductor {
    /// Observation points `[r (µm), θ (rad), φ (rad)]` about the sphere centre.
    pub points: Vec<[f64; 3]>,
    /// Sphere radius (µm).
    pub radius: f64,
    /// Conductivity inside the sphere (S/m).
    pub sigma_i: f64,
    /// Conductivity outside the sphere (S/m).
    pub sigma_o: f64,
    /// Number of Legendre terms.
    pub n_max: usize,
}

impl OneSphereVolumeConductor {
    pub fn new(
        points: Vec<[f64; 3]>,
        radius: f64,
        sigma_i: f64,
        sigma_o: f64,
        n_max: usize,
    ) -> Result<Self, FieldError> {
        if !(sigma_i > 0.0 && sigma_o > 0.0) {
            return err("sigma_i and sigma_o must both be positive");
        }
        if !(radius > 0.0 && radius.is_finite()) {
            return err("R must be greater than zero");
        }
        Ok(Self {
            points,
            radius,
            sigma_i,
            sigma_o,
            n_max,
        })
    }

    /// Potential (mV) at every observation point of a unit current at
    /// distance `rs` along the direction `θ_s`, clamped at `min_distance`.
    fn column(&self, rs: f64, theta_s: f64, min_distance: f64, out: &mut [f64]) {
        let (si, so, big_r) = (self.sigma_i, self.sigma_o, self.radius);
        let mut coeffs = vec![0.0; self.n_max];
        for (j, pt) in self.points.iter().enumerate() {
            let (r, theta) = (pt[0], pt[1] - theta_s);
            let cos_t = theta.cos();
            let phi = if r <= big_r {
                for (n, c) in coeffs.iter_mut().enumerate() {
                    let nf = n as f64;
                    *c = (si - so) * (nf + 1.0) / (si * nf + so * (nf + 1.0))
                        * (r * rs / (big_r * big_r)).powf(nf);
                }
                let series = legendre_series(&coeffs, cos_t) * (1.0 / big_r);
                let mut denom = (r * r + rs * rs - 2.0 * r * rs * cos_t).sqrt();
                if denom < min_distance {
                    denom = min_distance;
                }
                series + 1.0 / denom
            } else {
                for (n, c) in coeffs.iter_mut().enumerate() {
                    let nf = n as f64;
                    *c = si * (2.0 * nf + 1.0) / (si * nf + so * (nf + 1.0)) * (rs / r).powf(nf);
                }
                legendre_series(&coeffs, cos_t) * (1.0 / r)
            };
            out[j] = 1.0 / (FOUR_PI * si) * phi;
        }
    }
}

impl Probe for OneSphereVolumeConductor {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        geom.check()?;
        let mut m = Array2::zeros((self.points.len(), geom.len()));
        let mut col = vec![0.0; self.points.len()];
        for i in 0..geom.len() {
            let c = geom.mid(i);
            let rs = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
            if !(rs < self.radius) {
                return err(format!(
                    "segment {i} lies at {rs} µm from the centre, not inside the sphere of radius {}",
                    self.radius
                ));
            }
            // at the centre only the n = 0 term remains and the direction is moot
            let theta_s = if rs == 0.0 { 0.0 } else { (c[2] / rs).acos() };
            self.column(rs, theta_s, geom.diam[i], &mut col);
            m.column_mut(i).assign(&ndarray::ArrayView1::from(&col));
        }
        Ok(m)
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![self.points.len()]
    }
    fn units(&self) -> &'static str {
        "mV"
    }
}
