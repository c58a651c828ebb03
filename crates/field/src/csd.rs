//! Ground-truth current source density of the cell in volumes of space.
//!
//! The CSD of a volume `V` is the net membrane current leaving the cell inside
//! it divided by `V`, `C = (1/V) Σ_i f_i I_i` with `f_i` the fraction of
//! segment `i`'s length inside the volume, since each segment's current is
//! spread evenly along it (Pettersen et al. 2006, J. Neurosci. Methods
//! 154:116, eq. 2 and 2008, J. Comput. Neurosci. 24:291; Hagen et al. 2017,
//! J. Neurosci. 37:5123, eq. 11).
//!
//! * [`LaminarCurrentSourceDensity`]: cylinders about the z-axis, as LFPykit
//!   computes them. The fraction of a segment that leaves a cylinder is
//!   found in the (ρ, z) half-plane, treating the segment as a straight line
//!   between its end points' (ρ, z); only segments with at least one end
//!   inside count. Output in nA/µm³.
//! * [`VolumetricCurrentSourceDensity`]: a rectangular grid of bins. Each
//!   segment is cut into `ceil(L/dl)` equal pieces whose midpoints are binned;
//!   as in LFPykit 0.6.2 the result is the *fraction* of the current per bin,
//!   not divided by the bin volume (so the output is in nA, whatever LFPykit's
//!   docstring says).

use ndarray::Array2;

use crate::geometry::{err, CellGeometry, FieldError};
use crate::Probe;

/// CSD in cylinders `z0 ≤ z < z1`, `ρ ≤ r` about the z-axis.
#[derive(Debug, Clone, PartialEq)]
pub struct LaminarCurrentSourceDensity {
    /// Lower and upper z of each cylinder (µm).
    pub z: Vec<[f64; 2]>,
    /// Radius of each cylinder (µm).
    pub r: Vec<f64>,
}

impl LaminarCurrentSourceDensity {
    pub fn new(z: Vec<[f64; 2]>, r: Vec<f64>) -> Result<Self, FieldError> {
        if z.len() != r.len() {
            return err(format!("{} z bins but {} radii", z.len(), r.len()));
        }
        if z.iter().any(|b| !(b[1] > b[0])) {
            return err("each z bin must have its lower edge below its upper edge");
        }
        if r.iter().any(|v| !(*v > 0.0)) {
            return err("each radius r must be greater than zero");
        }
        Ok(Self { z, r })
    }
}

/// Where the lines through `(r0, z0)–(r1, z1)` and `(r2, z2)–(r3, z3)` cross,
/// and whether that point lies in the first segment's bounding box.
#[allow(clippy::too_many_arguments)]
fn intersect(
    r0: f64,
    z0: f64,
    r1: f64,
    z1: f64,
    r2: f64,
    z2: f64,
    r3: f64,
    z3: f64,
) -> (f64, f64, bool) {
    let denom = (r0 - r1) * (z2 - z3) - (z0 - z1) * (r2 - r3);
    let pr = ((r0 * z1 - z0 * r1) * (r2 - r3) - (r0 - r1) * (r2 * z3 - r3 * z2)) / denom;
    let pz = ((r0 * z1 - z0 * r1) * (z2 - z3) - (z0 - z1) * (r2 * z3 - r3 * z2)) / denom;
    let hit = r0.min(r1) <= pr && pr <= r0.max(r1) && z0.min(z1) <= pz && pz <= z0.max(z1);
    (pr, pz, hit)
}

impl Probe for LaminarCurrentSourceDensity {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        geom.check()?;
        let nseg = geom.len();
        let mut m = Array2::zeros((self.z.len(), nseg));
        let rho = |p: [f64; 3]| (p[0] * p[0] + p[1] * p[1]).sqrt();
        for (v, (&[zlo, zhi], &rv)) in self.z.iter().zip(&self.r).enumerate() {
            // the cylinder's bottom, top and side in the (ρ, z) plane
            let walls = [(0.0, zlo, rv, zlo), (0.0, zhi, rv, zhi), (rv, zlo, rv, zhi)];
            for k in 0..nseg {
                let (s, e) = (geom.start[k], geom.end[k]);
                let (rho0, rho1, z0, z1) = (rho(s), rho(e), s[2], e[2]);
                let in0r = rho0 <= rv;
                let in1r = rho1 <= rv;
                let in0 = z0 >= zlo && z0 < zhi && in0r;
                let in1 = z1 >= zlo && z1 < zhi && in1r;
                let frac = if in0 && in1 {
                    Some(1.0)
                } else if in0 || in1 {
                    // one end inside: measure from it to where the segment leaves
                    let (other_in_r, z_in, z_out, rho_in) = if in0 {
                        (in1r, z0, z1, rho0)
                    } else {
                        (in0r, z1, z0, rho1)
                    };
                    let mut f = None;
                    if other_in_r {
                        // leaves through the bottom or top
                        let z_cross = if z_out >= zhi { zhi } else { zlo };
                        let dz = z1 - z0;
                        if dz.abs() > 1e-8 {
                            let t = (z_cross - z0) / dz;
                            if (0.0..=1.0).contains(&t) {
                                f = Some(if in0 { t.abs() } else { (1.0 - t).abs() });
                            }
                        }
                    }
                    if f.is_none() {
                        // the last wall hit decides
                        let mut last = None;
                        for &(r2, z2, r3, z3) in &walls {
                            let (pr, pz, hit) = intersect(rho0, z0, rho1, z1, r2, z2, r3, z3);
                            if hit {
                                let l = ((pr - rho_in).powi(2) + (pz - z_in).powi(2)).sqrt();
                                last = Some(l / geom.length(k));
                            }
                        }
                        f = last;
                    }
                    f
                } else {
                    None
                };
                if let Some(f) = frac {
                    m[[v, k]] = f;
                }
            }
            let vol = std::f64::consts::PI * (rv * rv) * (zhi - zlo);
            m.row_mut(v).mapv_inplace(|x| x / vol);
        }
        Ok(m)
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![self.z.len()]
    }
    fn units(&self) -> &'static str {
        "nA/µm³"
    }
}

/// Fraction of each segment's current in each bin of a rectangular grid.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumetricCurrentSourceDensity {
    /// Bin edges along x, y and z (µm), increasing.
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub z: Vec<f64>,
    /// Longest piece a segment is cut into before binning (µm).
    pub dl: f64,
}

impl VolumetricCurrentSourceDensity {
    pub fn new(x: Vec<f64>, y: Vec<f64>, z: Vec<f64>, dl: f64) -> Result<Self, FieldError> {
        for (name, e) in [("x", &x), ("y", &y), ("z", &z)] {
            if e.len() < 2 || e.windows(2).any(|w| !(w[1] > w[0])) {
                return err(format!(
                    "{name} must hold at least two increasing bin edges"
                ));
            }
        }
        if !(dl > 0.0 && dl.is_finite()) {
            return err("dl must be greater than zero");
        }
        Ok(Self { x, y, z, dl })
    }
}

/// `np.linspace(start, stop, n)`, evaluated the same way.
fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    let delta = stop - start;
    let mut y: Vec<f64> = (0..n).map(|i| i as f64).collect();
    if n > 1 {
        let div = (n - 1) as f64;
        let step = delta / div;
        if step == 0.0 {
            y.iter_mut().for_each(|v| *v = *v / div * delta);
        } else {
            y.iter_mut().for_each(|v| *v *= step);
        }
    } else {
        y.iter_mut().for_each(|v| *v *= delta);
    }
    y.iter_mut().for_each(|v| *v += start);
    if n > 1 {
        y[n - 1] = stop;
    }
    y
}

/// Bin of `v` among `edges` as `np.histogramdd` assigns it (the last edge
/// belongs to the last bin), or `None` outside.
fn bin_of(edges: &[f64], v: f64) -> Option<usize> {
    let last = *edges.last()?;
    let idx = edges.partition_point(|&e| e <= v);
    let idx = if v == last { idx - 1 } else { idx };
    if idx >= 1 && idx < edges.len() {
        Some(idx - 1)
    } else {
        None
    }
}

/// The most pieces one segment is cut into for binning.
const MAX_PIECES: f64 = 1e7;

impl Probe for VolumetricCurrentSourceDensity {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        geom.check()?;
        let (nx, ny, nz) = (self.x.len() - 1, self.y.len() - 1, self.z.len() - 1);
        let bins = nx.checked_mul(ny).and_then(|b| b.checked_mul(nz)).unwrap_or(usize::MAX);
        let mut m = crate::geometry::zeros_checked(bins, geom.len())?;
        for i in 0..geom.len() {
            let pieces = (geom.length(i) / self.dl).ceil();
            if pieces > MAX_PIECES {
                return err(format!("dl = {} cuts segment {i} ({} µm) into {pieces:e} pieces; at most {MAX_PIECES:e} are taken", self.dl, geom.length(i)));
            }
            let n = pieces as usize;
            if n == 0 {
                continue;
            }
            let (s, e) = (geom.start[i], geom.end[i]);
            let pts: Vec<Vec<f64>> = (0..3)
                .map(|k| {
                    let d = (s[k] - e[k]) / n as f64;
                    linspace(s[k] - d / 2.0, e[k] + d / 2.0, n)
                })
                .collect();
            let w = 1.0 / n as f64;
            for ((&px, &py), &pz) in pts[0].iter().zip(&pts[1]).zip(&pts[2]) {
                let bins = (
                    bin_of(&self.x, px),
                    bin_of(&self.y, py),
                    bin_of(&self.z, pz),
                );
                if let (Some(bx), Some(by), Some(bz)) = bins {
                    m[[(bx * ny + by) * nz + bz, i]] += w;
                }
            }
        }
        Ok(m)
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![self.x.len() - 1, self.y.len() - 1, self.z.len() - 1]
    }
    fn units(&self) -> &'static str {
        "nA"
    }
}
