//! Extracellular electrodes in an infinite medium (LFPykit's
//! `RecExtElectrode`): point, line or root-as-point sources, isotropic or
//! anisotropic conductivity, point contacts or contacts with a finite surface.
//!
//! The source equations are those of [`crate::point_source`] (Lindén et al.
//! 2014; Ness et al. 2015 eq. 4 for anisotropy) and [`crate::line_source`]
//! (Holt & Koch 1999; Ness et al. 2015 eqs. 17–21 for anisotropy).
//!
//! # Contact surfaces
//!
//! A contact with a flat surface records the mean potential over it
//! (Lindén et al. 2014, eq. 9; Ness et al. 2015, eq. 7), estimated as the mean
//! over `n` points of the surface. LFPykit (through MEAutility) draws those
//! points uniformly at random at every call, so its matrix changes from call to
//! call. Here the points are fixed and evenly spread, so `M` is reproducible:
//!
//! * `circle` of radius `r`: a Vogel (sunflower) spiral,
//!   `ρ_k = r √((k + ½)/n)`, `φ_k = k · π(3 − √5)`, `k = 0..n`;
//! * `square`: LFPykit's `r` is the *half* side (MEAutility keeps points with
//!   `|u|, |v| < r`), so the square is `2r` wide; points form the 2-D Fibonacci
//!   lattice `u = r (2(k + ½)/n − 1)`, `v = r (2 frac(½ + k/φ) − 1)`.
//!
//! The in-plane axes are those of MEAutility: `u = N̂ × a / |N̂ × a|` with
//! `a = x̂` (or `ŷ` when `|N̂x| ≥ 0.9`), `v = N̂ × u`. For `N = x̂` this is the
//! square MEAutility samples. Unlike MEAutility we use the given normal for a
//! single contact too, and normalise it. [`RecExtElectrode::matrix_with_points`]
//! averages over any given point set (the tests feed it LFPykit's own random
//! points).

use ndarray::Array2;

use crate::geometry::{cross, norm, err, CellGeometry, FieldError};
use crate::line_source::{
    line_row_aniso, line_row_iso, root_as_point_row_aniso, root_as_point_row_iso,
};
use crate::point_source::{point_row_aniso, point_row_iso};
use crate::Probe;

/// How each segment is represented as a current source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Every segment a line source (`"linesource"`).
    LineSource,
    /// Every segment a point source at its midpoint (`"pointsource"`).
    PointSource,
    /// Segment 0 a point source, the rest line sources (`"root_as_point"`).
    RootAsPoint,
}

impl Method {
    /// Parses LFPykit's method names.
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "linesource" => Some(Method::LineSource),
            "pointsource" => Some(Method::PointSource),
            "root_as_point" => Some(Method::RootAsPoint),
            _ => None,
        }
    }
}

/// Extracellular conductivity (S/m).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Conductivity {
    Isotropic(f64),
    /// `[σx, σy, σz]` along the coordinate axes.
    Anisotropic([f64; 3]),
}

/// Shape of a contact surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactShape {
    /// A disc of radius `r`.
    Circle,
    /// A square of half side `r` (MEAutility's convention).
    Square,
}

/// Finite contact surfaces: the potential is averaged over `n` points.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactSurface {
    /// Radius (circle) or half side (square), µm.
    pub r: f64,
    /// Number of points averaged per contact (> 1).
    pub n: usize,
    /// Surface normal of each contact.
    pub normals: Vec<[f64; 3]>,
    pub shape: ContactShape,
}

/// The potential at point contacts or averaged over contact surfaces.
#[derive(Debug, Clone, PartialEq)]
pub struct RecExtElectrode {
    /// Contact centres (µm).
    pub contacts: Vec<[f64; 3]>,
    pub sigma: Conductivity,
    pub method: Method,
    pub surface: Option<ContactSurface>,
}

impl RecExtElectrode {
    pub fn new(
        contacts: Vec<[f64; 3]>,
        sigma: Conductivity,
        method: Method,
        surface: Option<ContactSurface>,
    ) -> Result<Self, FieldError> {
        check_sigma(sigma)?;
        if let Some(s) = &surface {
            check_surface(s, contacts.len())?;
        }
        Ok(Self {
            contacts,
            sigma,
            method,
            surface,
        })
    }

    /// The points averaged for each contact: one point per contact without a
    /// surface, else the deterministic point set described in the module doc.
    pub fn contact_points(&self) -> Vec<Vec<[f64; 3]>> {
        surface_points(&self.contacts, self.surface.as_ref())
    }

    /// M with contact `j` the mean over the potential at `points[j]`.
    pub fn matrix_with_points(
        &self,
        geom: &CellGeometry,
        points: &[Vec<[f64; 3]>],
    ) -> Result<Array2<f64>, FieldError> {
        geom.check()?;
        average_rows(geom.len(), points, |p, row| self.row(geom, p, row))
    }

    /// One row of M for a point contact at `p`.
    fn row(&self, geom: &CellGeometry, p: [f64; 3], row: &mut [f64]) -> Result<(), FieldError> {
        match (self.method, self.sigma) {
            (Method::LineSource, Conductivity::Isotropic(s)) => line_row_iso(geom, p, s, row),
            (Method::PointSource, Conductivity::Isotropic(s)) => point_row_iso(geom, p, s, row),
            (Method::RootAsPoint, Conductivity::Isotropic(s)) => {
                root_as_point_row_iso(geom, p, s, row)
            }
            (Method::LineSource, Conductivity::Anisotropic(s)) => line_row_aniso(geom, p, s, row)?,
            (Method::PointSource, Conductivity::Anisotropic(s)) => point_row_aniso(geom, p, s, row),
            (Method::RootAsPoint, Conductivity::Anisotropic(s)) => {
                root_as_point_row_aniso(geom, p, s, row)?
            }
        }
        Ok(())
    }
}

impl Probe for RecExtElectrode {
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

fn check_sigma(sigma: Conductivity) -> Result<(), FieldError> {
    let ok = match sigma {
        Conductivity::Isotropic(s) => s > 0.0 && s.is_finite(),
        Conductivity::Anisotropic(s) => s.iter().all(|v| *v > 0.0 && v.is_finite()),
    };
    if ok {
        Ok(())
    } else {
        err("sigma must be greater than zero")
    }
}

pub(crate) fn check_surface(s: &ContactSurface, n_contacts: usize) -> Result<(), FieldError> {
    if s.n <= 1 {
        return err(format!("n = {} must be larger than 1", s.n));
    }
    if !(s.r > 0.0 && s.r.is_finite()) {
        return err("r must be greater than zero");
    }
    if s.normals.len() != n_contacts {
        return err(format!(
            "N has {} normals for {} contacts",
            s.normals.len(),
            n_contacts
        ));
    }
    if s.normals
        .iter()
        .any(|v| norm(*v) == 0.0 || !norm(*v).is_finite())
    {
        return err("N must hold nonzero normal vectors");
    }
    Ok(())
}

/// Rows of M averaged over the points of each contact, `row(p, out)` filling
/// the row of a point contact at `p`.
pub(crate) fn average_rows(
    nseg: usize,
    points: &[Vec<[f64; 3]>],
    mut row: impl FnMut([f64; 3], &mut [f64]) -> Result<(), FieldError>,
) -> Result<Array2<f64>, FieldError> {
    let mut m = Array2::zeros((points.len(), nseg));
    let mut tmp = vec![0.0; nseg];
    for (j, pts) in points.iter().enumerate() {
        if pts.is_empty() {
            return err(format!("contact {j} has no points"));
        }
        let mut out = m.row_mut(j);
        if pts.len() == 1 {
            row(pts[0], out.as_slice_mut().unwrap())?;
            continue;
        }
        for p in pts {
            row(*p, &mut tmp)?;
            for (o, t) in out.iter_mut().zip(&tmp) {
                *o += *t;
            }
        }
        let n = pts.len() as f64;
        out.mapv_inplace(|v| v / n);
    }
    Ok(m)
}


/// In-plane unit axes `(u, v)` of a contact with normal `n` (MEAutility's).
pub(crate) fn plane_axes(n: [f64; 3]) -> ([f64; 3], [f64; 3]) {
    let nn = norm(n);
    let n = [n[0] / nn, n[1] / nn, n[2] / nn];
    let a = if n[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let u = cross(n, a);
    let un = norm(u);
    let u = [u[0] / un, u[1] / un, u[2] / un];
    (u, cross(n, u))
}

/// The averaged points of each contact (see the module doc).
pub(crate) fn surface_points(
    contacts: &[[f64; 3]],
    surface: Option<&ContactSurface>,
) -> Vec<Vec<[f64; 3]>> {
    let Some(s) = surface else {
        return contacts.iter().map(|c| vec![*c]).collect();
    };
    let golden_angle = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    let inv_phi = (5f64.sqrt() - 1.0) / 2.0;
    let nf = s.n as f64;
    contacts
        .iter()
        .zip(&s.normals)
        .map(|(c, normal)| {
            let (u, v) = plane_axes(*normal);
            (0..s.n)
                .map(|k| {
                    let kf = k as f64;
                    let (a, b) = match s.shape {
                        ContactShape::Circle => {
                            let rho = s.r * ((kf + 0.5) / nf).sqrt();
                            let phi = kf * golden_angle;
                            (rho * phi.cos(), rho * phi.sin())
                        }
                        ContactShape::Square => {
                            let fu = (kf + 0.5) / nf;
                            let fv = (0.5 + kf * inv_phi).fract();
                            (s.r * (2.0 * fu - 1.0), s.r * (2.0 * fv - 1.0))
                        }
                    };
                    [
                        c[0] + a * u[0] + b * v[0],
                        c[1] + a * u[1] + b * v[1],
                        c[2] + a * u[2] + b * v[2],
                    ]
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surface(shape: ContactShape, normal: [f64; 3], n: usize) -> ContactSurface {
        ContactSurface {
            r: 5.0,
            n,
            normals: vec![normal],
            shape,
        }
    }

    #[test]
    fn surface_points_lie_on_the_contact() {
        let c = [1.0, -2.0, 3.0];
        for normal in [[1.0, 0.0, 0.0], [0.0, 0.6, 0.8], [0.0, 0.0, 2.0]] {
            let nn = norm(normal);
            for shape in [ContactShape::Circle, ContactShape::Square] {
                let s = surface(shape, normal, 50);
                let pts = surface_points(&[c], Some(&s));
                assert_eq!(pts[0].len(), 50);
                let (u, v) = plane_axes(normal);
                for p in &pts[0] {
                    let d = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
                    let along_n = (d[0] * normal[0] + d[1] * normal[1] + d[2] * normal[2]) / nn;
                    assert!(along_n.abs() < 1e-12);
                    let du = d[0] * u[0] + d[1] * u[1] + d[2] * u[2];
                    let dv = d[0] * v[0] + d[1] * v[1] + d[2] * v[2];
                    match shape {
                        ContactShape::Circle => assert!(du.hypot(dv) < 5.0),
                        ContactShape::Square => assert!(du.abs() < 5.0 && dv.abs() < 5.0),
                    }
                }
            }
        }
    }

    #[test]
    fn square_on_x_normal_spans_y_and_z() {
        // MEAutility samples |y|, |z| < r for N = x.
        let s = surface(ContactShape::Square, [1.0, 0.0, 0.0], 400);
        let pts = &surface_points(&[[0.0; 3]], Some(&s))[0];
        let max_y = pts.iter().map(|p| p[1].abs()).fold(0.0, f64::max);
        let max_z = pts.iter().map(|p| p[2].abs()).fold(0.0, f64::max);
        assert!(max_y > 4.9 && max_y < 5.0 && max_z > 4.9 && max_z < 5.0);
        assert!(pts.iter().all(|p| p[0] == 0.0));
    }

    #[test]
    fn points_are_centred() {
        for shape in [ContactShape::Circle, ContactShape::Square] {
            let s = surface(shape, [0.3, 0.4, 0.5], 2000);
            let pts = &surface_points(&[[0.0; 3]], Some(&s))[0];
            for k in 0..3 {
                let mean: f64 = pts.iter().map(|p| p[k]).sum::<f64>() / 2000.0;
                assert!(mean.abs() < 0.02, "{shape:?} {k} {mean}");
            }
        }
    }
}
