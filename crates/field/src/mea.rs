//! Microelectrode array under a tissue slice: the method of images
//! (LFPykit's `RecMEAElectrode`).
//!
//! The slice (conductivity `σ_T`) fills `z_shift < z < z_shift + h`; saline
//! (`σ_S`) lies above and the MEA glass (`σ_G`) below. With
//! `W_TS = (σ_T − σ_S)/(σ_T + σ_S)` and `W_TG = (σ_T − σ_G)/(σ_T + σ_G)`, a
//! point source at height `z'` in the slice gives at `(x, y, z)` (heights from
//! the slice bottom, `ρ` the lateral distance)
//!
//! ```text
//! φ = I/(4π σ_T) [ ω(z − z') + W_TS ω(z + z' − 2h) + W_TG ω(z + z')
//!     + Σ_{n≥1} (W_TS W_TG)^n ( W_TS ω(z + z' − 2(n+1)h) + W_TG ω(z + z' + 2nh)
//!                               + ω(z − z' + 2nh) + ω(z − z' − 2nh) ) ],
//! ω(d) = 1/√(ρ² + d²)
//! ```
//!
//! truncated after `steps − 1` terms (Ness et al. 2015, Neuroinformatics
//! 13:403, eq. 8). For contacts on the glass (`z = 0`) and `σ_G = 0` the
//! images of a line source integrate in closed form (Ness et al. 2015,
//! eqs. 9–10; Rottmann's integral tables) with `W = W_TS`:
//!
//! ```text
//! φ = 2I/(4π σ_T ΔS) [ Ω(−z₀) + Σ_{n≥1} W^n ( Ω(2nh − z₀) + Ω(−2nh − z₀) ) ]
//! ```
//!
//! `Ω` the line integral of `1/|r|` along the segment shifted by the given
//! height. As in LFPykit, a contact closer to a segment than its radius
//! replaces the segment's start height by the radius in the first term (and,
//! for `linesource`, in all terms); `root_as_point` treats segment 0 as a point
//! source with the images of a contact on the glass. The cell must lie inside
//! the slice; `squeeze_cell_factor` compresses its z-extent about the soma
//! (segment 0) midpoint first, as LFPykit does.

use ndarray::Array2;

use crate::electrode::{average_rows, check_surface, surface_points, ContactSurface, Method};
use crate::geometry::{err, CellGeometry, FieldError};
use crate::line_source::closest_on_segment;
use crate::point_source::ATOL;
use crate::{Probe, FOUR_PI};

/// Most image terms a `RecMEAElectrode` sums. A term weighs
/// `|W_TS W_TG|^n`, negligible after a few dozen for any slice that differs
/// from its saline; LFPykit's default is 20. Beyond this the matrix would take
/// hours for an ordinary cell.
pub const MAX_STEPS: usize = 10_000;

/// Electrodes on (or above) the glass of an in-vitro slice recording.
#[derive(Debug, Clone, PartialEq)]
pub struct RecMEAElectrode {
    /// Contact centres (µm).
    pub contacts: Vec<[f64; 3]>,
    /// Tissue conductivity (S/m).
    pub sigma_t: f64,
    /// Saline conductivity (S/m).
    pub sigma_s: f64,
    /// Glass (MEA plate) conductivity (S/m).
    pub sigma_g: f64,
    /// Slice thickness (µm).
    pub h: f64,
    /// Height of the slice bottom (µm).
    pub z_shift: f64,
    /// Number of image terms (the sum runs over n = 1..steps−1).
    pub steps: usize,
    pub method: Method,
    pub surface: Option<ContactSurface>,
    /// Relative squeeze of the cell along z about the soma, in (−1, 1).
    pub squeeze_cell_factor: Option<f64>,
}

impl RecMEAElectrode {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        contacts: Vec<[f64; 3]>,
        sigma_t: f64,
        sigma_s: f64,
        sigma_g: f64,
        h: f64,
        z_shift: f64,
        steps: usize,
        method: Method,
        surface: Option<ContactSurface>,
        squeeze_cell_factor: Option<f64>,
    ) -> Result<Self, FieldError> {
        if !(sigma_t > 0.0) || !(sigma_s >= 0.0) || !(sigma_g >= 0.0) {
            return err("sigma_T must be positive, sigma_S and sigma_G non-negative");
        }
        if !(h > 0.0 && h.is_finite()) {
            return err("h must be greater than zero");
        }
        if steps > MAX_STEPS {
            return err(format!(
                "steps = {steps} image terms is more than the {MAX_STEPS} computed at most (each adds a term per contact point and segment; LFPykit's default is 20)"
            ));
        }
        if method != Method::PointSource {
            if contacts.iter().any(|c| (c[2] - z_shift).abs() > 1e-9) {
                return err(format!(
                    "method '{}' is only supported for electrodes on the MEA plane z = z_shift; use method 'pointsource'",
                    method_name(method)
                ));
            }
            if sigma_g.abs() > 1e-9 {
                return err(format!(
                    "method '{}' is only supported for sigma_G = 0; use method 'pointsource'",
                    method_name(method)
                ));
            }
        }
        if let Some(f) = squeeze_cell_factor {
            if !(f.abs() < 1.0) {
                return err("squeeze_cell_factor must be in (-1, 1)");
            }
        }
        if let Some(s) = &surface {
            check_surface(s, contacts.len())?;
        }
        Ok(Self {
            contacts,
            sigma_t,
            sigma_s,
            sigma_g,
            h,
            z_shift,
            steps,
            method,
            surface,
            squeeze_cell_factor,
        })
    }

    /// The points averaged for each contact (see [`crate::electrode`]).
    pub fn contact_points(&self) -> Vec<Vec<[f64; 3]>> {
        surface_points(&self.contacts, self.surface.as_ref())
    }

    /// The geometry the images are computed for: squeezed if asked, and
    /// checked to lie inside the slice.
    pub fn slice_geometry(&self, geom: &CellGeometry) -> Result<CellGeometry, FieldError> {
        geom.check()?;
        let (lo, hi) = (self.z_shift, self.z_shift + self.h);
        let outside =
            |g: &CellGeometry| g.start.iter().chain(&g.end).any(|p| p[2] > hi || p[2] < lo);
        let mut g = geom.clone();
        if let Some(f) = self.squeeze_cell_factor {
            if g.is_empty() {
                return Ok(g);
            }
            if outside(&g) {
                let zs = g.mid(0)[2];
                if !(lo < zs && zs < hi) {
                    return err("soma position is not in the slice");
                }
            }
            // LFPykit's distort_cell_geometry(axis='z', nu=0)
            let pos = g.mid(0);
            let scale = [1.0, 1.0, 1.0 - f];
            for p in g.start.iter_mut().chain(g.end.iter_mut()) {
                for k in 0..3 {
                    p[k] = (p[k] - pos[k]) * scale[k] + pos[k];
                }
            }
        }
        if let Some(i) = (0..g.len()).find(|&i| {
            [g.start[i][2], g.end[i][2]]
                .iter()
                .any(|&z| z > hi || z < lo)
        }) {
            return err(format!(
                "segment {i} of the cell lies outside the slice {lo} <= z <= {hi}{}",
                if self.squeeze_cell_factor.is_some() {
                    "; increase squeeze_cell_factor, or move the cell"
                } else {
                    "; move the cell or set squeeze_cell_factor"
                }
            ));
        }
        Ok(g)
    }

    /// M with contact `j` the mean over the potential at `points[j]`.
    pub fn matrix_with_points(
        &self,
        geom: &CellGeometry,
        points: &[Vec<[f64; 3]>],
    ) -> Result<Array2<f64>, FieldError> {
        let g = self.slice_geometry(geom)?;
        average_rows(g.len(), points, |p, row| {
            match self.method {
                Method::PointSource => self.point_row(&g, p, row),
                Method::LineSource => self.line_row(&g, p, row, false),
                Method::RootAsPoint => {
                    self.line_row(&g, p, row, true);
                    if !row.is_empty() {
                        row[0] = self.root_point(&g, p);
                    }
                }
            }
            Ok(())
        })
    }

    fn point_row(&self, g: &CellGeometry, p: [f64; 3], row: &mut [f64]) {
        let (st, ss, sg, h) = (self.sigma_t, self.sigma_s, self.sigma_g, self.h);
        let z = p[2] - self.z_shift;
        let wts = (st - ss) / (st + ss);
        let wtg = (st - sg) / (st + sg);
        for (i, out) in row.iter_mut().enumerate() {
            let m = g.mid(i);
            let zm = m[2] - self.z_shift;
            let rl = g.r_limit(i);
            let (dx2, dy2, dz2) = (
                (p[0] - m[0]).powi(2),
                (p[1] - m[1]).powi(2),
                (z - zm).powi(2),
            );
            let mut dl2 = dx2 + dy2;
            if dl2 + dz2 < rl * rl {
                dl2 = rl * rl - dz2;
            }
            let omega = |d: f64| 1.0 / (dl2 + d * d).sqrt();
            let mut v = omega(z - zm);
            v += wts * omega(z + zm - 2.0 * h) + wtg * omega(z + zm);
            let mut images = 0.0;
            for n in 1..self.steps {
                let nf = n as f64;
                images += (wts * wtg).powf(nf)
                    * (wts * omega(z + zm - 2.0 * (nf + 1.0) * h)
                        + wtg * omega(z + zm + 2.0 * nf * h)
                        + omega(z - zm + 2.0 * nf * h)
                        + omega(z - zm - 2.0 * nf * h));
            }
            v += images;
            *out = v * (1.0 / (FOUR_PI * st));
        }
    }

    /// Line sources with images for a contact on the glass (`σ_G = 0`).
    /// `root` keeps the unshifted start height in the image terms, as
    /// LFPykit's `root_as_point` does.
    fn line_row(&self, g: &CellGeometry, p: [f64; 3], row: &mut [f64], root: bool) {
        let (st, ss, h) = (self.sigma_t, self.sigma_s, self.h);
        let w = (st - ss) / (st + ss);
        let zc = p[2] - self.z_shift;
        let pos = [p[0], p[1], zc];
        for (i, out) in row.iter_mut().enumerate() {
            let mut s = g.start[i];
            let mut e = g.end[i];
            s[2] -= self.z_shift;
            e[2] -= self.z_shift;
            let rl = g.r_limit(i);
            let (_, rs) = closest_on_segment(s, e, pos);
            let z0 = s[2];
            let z0c = if rs < rl { rl } else { z0 };
            let ds = ((s[0] - e[0]).powi(2) + (s[1] - e[1]).powi(2) + (s[2] - e[2]).powi(2)).sqrt();
            let fa = ds * ds;
            let (dx, dy, dz) = (e[0] - s[0], e[1] - s[1], e[2] - s[2]);
            let (ax, ay) = (p[0] - s[0], p[1] - s[1]);
            // ∫ dl / |r| along the segment for a contact `az` below its start
            let omega = |az: f64| {
                let fb = -ax * dx - ay * dy - az * dz;
                let fc = ax * ax + ay * ay + az * az;
                let b2ac = fb * fb - fa * fc;
                let (num, den) = if b2ac.abs() <= ATOL {
                    (fa + fb, fb)
                } else {
                    (
                        fa + fb + ds * (fa + 2.0 * fb + fc).sqrt(),
                        fb + ds * fc.sqrt(),
                    )
                };
                (num / den).ln()
            };
            let z0i = if root { z0 } else { z0c };
            let mut v = omega(-z0c);
            for n in 1..self.steps {
                let nh = 2.0 * n as f64 * h;
                v += w.powf(n as f64) * (omega(nh - z0i) + omega(-nh - z0i));
            }
            *out = v * (2.0 / (FOUR_PI * st * ds));
        }
    }

    /// Segment 0 as a point source with images, for a contact on the glass.
    fn root_point(&self, g: &CellGeometry, p: [f64; 3]) -> f64 {
        let (st, ss, h) = (self.sigma_t, self.sigma_s, self.h);
        let w = (st - ss) / (st + ss);
        let z = p[2] - self.z_shift;
        let m = g.mid(0);
        let zm = m[2] - self.z_shift;
        let rl = g.r_limit(0);
        let (dx2, dy2, dz2) = (
            (p[0] - m[0]).powi(2),
            (p[1] - m[1]).powi(2),
            (z - zm).powi(2),
        );
        let mut dl2 = dx2 + dy2;
        if dl2 + dz2 < rl * rl {
            dl2 = rl * rl - dz2;
        }
        let omega = |d: f64| 1.0 / (dl2 + d * d).sqrt();
        let mut v = omega(z - zm);
        v += w * omega(zm - 2.0 * h) + omega(zm);
        let mut images = 0.0;
        for n in 1..self.steps {
            let nf = n as f64;
            images += w.powf(nf)
                * (w * omega(zm - 2.0 * (nf + 1.0) * h)
                    + 2.0 * omega(zm + 2.0 * nf * h)
                    + omega(zm - 2.0 * nf * h));
        }
        v += images;
        v * (1.0 / (FOUR_PI * st))
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::LineSource => "linesource",
        Method::PointSource => "pointsource",
        Method::RootAsPoint => "root_as_point",
    }
}

impl Probe for RecMEAElectrode {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        self.matrix_with_points(geom, &self.contact_points())
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![self.contacts.len()]
    }
    fn units(&self) -> &'static str {
        "mV"
    }
}
