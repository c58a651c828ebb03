//! EEG in the New York head model (Huang, Parra & Haufe 2016, NeuroImage
//! 140:150): a finite-element lead field from each of about 75,000 cortex
//! vertices to 231 scalp electrodes. The cell's current dipole moment is
//! placed at the vertex nearest a given position (mm); the EEG (mV) is the
//! lead field at that vertex (in the model's units, V per mA·m, that is
//! 1e-9 mV per nA·µm) times the moment, optionally rotated first so that the
//! cell's own axis lies along the cortex normal there (rotation about the
//! axis `orig × normal`, Rodrigues' formula).
//!
//! The model is the user's `sa_nyhead.mat` (MATLAB 7.3, which is HDF5), read
//! as LFPykit reads it: `sa/cortex75K/{vc, normals, V_fem}` with the
//! dimensions HDF5 gives them (vertices `3 × N`, lead field `3 × N × E`).

use ndarray::{Array2, Array3, ArrayView2, ArrayView3};

use crate::dipole::dipole_moment_matrix;
use crate::geometry::{CellGeometry, FieldError};
use crate::Probe;

/// Positions LFPykit names (mm).
pub const NAMED_POSITIONS: [(&str, [f64; 3]); 4] = [
    ("calcarine_sulcus", [5.0, -86.0, 2.0]),
    ("motorsensory_cortex", [18.0, 8.0, 71.0]),
    ("parietal_lobe", [54.0, -48.0, 55.9]),
    ("occipital_lobe", [-24.7, -103.3, -1.46]),
];

/// How far (mm) the nearest vertex may be from the position asked for.
pub const MAX_LOCATION_ERROR: f64 = 2.0;

/// The arrays of `sa_nyhead.mat` the model uses, read once: the dipole can
/// then be placed anywhere (LFPykit's `set_dipole_pos`) without reading the
/// file again.
#[derive(Clone, Debug)]
pub struct NYHeadData {
    /// Cortex vertices, `3 × N` (mm).
    pub cortex: Array2<f64>,
    /// Cortex normals, `3 × N`.
    pub normals: Array2<f64>,
    /// Lead field, `3 × N × E` (V per mA·m).
    pub lead_field: Array3<f64>,
    /// The electrodes' positions (`sa/locs_3D`, rows x, y, z first, one
    /// column per electrode; mm), when the file has them.
    pub electrodes: Option<Array2<f64>>,
}

impl NYHeadData {
    /// Reads `sa/cortex75K/{vc, normals, V_fem}` of `sa_nyhead.mat`.
    pub fn open(path: &std::path::Path) -> Result<Self, FieldError> {
        let fail = |what: &str, e: &dyn std::fmt::Display| FieldError(format!("{}: {what}: {e}", path.display()));
        let file = hdf5_pure::File::open_streaming(path).map_err(|e| fail("not a readable HDF5 (MATLAB 7.3) file", &e))?;
        let read = |name: &str, rank: usize| -> Result<(Vec<usize>, Vec<f64>), FieldError> {
            let ds = file.dataset(name).map_err(|e| fail(name, &e))?;
            let shape: Vec<usize> = ds.shape().map_err(|e| fail(name, &e))?.into_iter().map(|d| d as usize).collect();
            if shape.len() != rank || shape[0] != 3 {
                return Err(fail(name, &format!("expected 3 × … with {rank} dimensions, found {shape:?}")));
            }
            let data = ds.read_f64().map_err(|e| fail(name, &e))?;
            Ok((shape, data))
        };
        let (cs, cortex) = read("sa/cortex75K/vc", 2)?;
        let (ns, normals) = read("sa/cortex75K/normals", 2)?;
        let (ls, lead) = read("sa/cortex75K/V_fem", 3)?;
        let n = cs[1];
        if ns[1] != n || ls[1] != n {
            return Err(FieldError(format!("{}: vc, normals and V_fem disagree on the number of vertices", path.display())));
        }
        let cortex = Array2::from_shape_vec((cs[0], cs[1]), cortex).map_err(|e| fail("vc", &e))?;
        let normals = Array2::from_shape_vec((ns[0], ns[1]), normals).map_err(|e| fail("normals", &e))?;
        let lead_field = Array3::from_shape_vec((ls[0], ls[1], ls[2]), lead).map_err(|e| fail("V_fem", &e))?;
        let electrodes = match file.dataset("sa/locs_3D") {
            Err(_) => None,
            Ok(ds) => {
                let shape: Vec<usize> = ds.shape().map_err(|e| fail("locs_3D", &e))?.into_iter().map(|d| d as usize).collect();
                if shape.len() != 2 || shape[0] < 3 || shape[1] != ls[2] {
                    return Err(fail("locs_3D", &format!("expected at least 3 × {} (one column per electrode), found {shape:?}", ls[2])));
                }
                let data = ds.read_f64().map_err(|e| fail("locs_3D", &e))?;
                Some(Array2::from_shape_vec((shape[0], shape[1]), data).map_err(|e| fail("locs_3D", &e))?)
            }
        };
        Ok(NYHeadData { cortex, normals, lead_field, electrodes })
    }

    /// The model with the dipole at the vertex nearest `pos` (see
    /// [`NYHeadModel::from_arrays`]).
    pub fn at(&self, pos: [f64; 3], orig_axis: Option<[f64; 3]>) -> Result<NYHeadModel, FieldError> {
        NYHeadModel::from_arrays(self.cortex.view(), self.lead_field.view(), self.normals.view(), pos, orig_axis)
    }
}

#[derive(Clone, Debug)]
pub struct NYHeadModel {
    /// The cortex vertex the dipole sits at, and its position (mm).
    pub vertex: usize,
    pub dipole_pos: [f64; 3],
    /// The cortex's unit normal there.
    pub normal: [f64; 3],
    /// Electrodes × 3: mV per nA·µm of moment.
    lead: Array2<f64>,
    /// Applied to the moment before the lead field (identity if None).
    rotation: Option<[[f64; 3]; 3]>,
}

impl NYHeadModel {
    /// The model from `sa_nyhead.mat`, with the dipole at the vertex nearest
    /// `pos` (mm); with `orig_axis`, moments are rotated so that axis lies
    /// along the cortex normal.
    pub fn open(path: &std::path::Path, pos: [f64; 3], orig_axis: Option<[f64; 3]>) -> Result<Self, FieldError> {
        NYHeadData::open(path)?.at(pos, orig_axis)
    }

    /// The same from arrays already in memory: vertices `3 × N` (mm), lead
    /// field `3 × N × E`, normals `3 × N`.
    pub fn from_arrays(cortex: ArrayView2<f64>, lead_field: ArrayView3<f64>, normals: ArrayView2<f64>, pos: [f64; 3], orig_axis: Option<[f64; 3]>) -> Result<Self, FieldError> {
        let n = cortex.ncols();
        if n == 0 {
            return Err(FieldError("the head model has no cortex vertices".into()));
        }
        // The nearest vertex, by squared distance summed as LFPykit sums it.
        let d2 = |j: usize| (cortex[[0, j]] - pos[0]).powi(2) + (cortex[[1, j]] - pos[1]).powi(2) + (cortex[[2, j]] - pos[2]).powi(2);
        let mut vertex = 0;
        for j in 1..n {
            if d2(j) < d2(vertex) {
                vertex = j;
            }
        }
        let at = [cortex[[0, vertex]], cortex[[1, vertex]], cortex[[2, vertex]]];
        let err = ((at[0] - pos[0]).powi(2) + (at[1] - pos[1]).powi(2) + (at[2] - pos[2]).powi(2)).sqrt();
        if err > MAX_LOCATION_ERROR {
            return Err(FieldError(format!(
                "the nearest cortex vertex to {pos:?} mm is {at:?}, {err:.3} mm away (more than {MAX_LOCATION_ERROR} mm)"
            )));
        }
        let normal = [normals[[0, vertex]], normals[[1, vertex]], normals[[2, vertex]]];
        let e = lead_field.shape()[2];
        let mut lead = Array2::zeros((e, 3));
        for i in 0..e {
            for k in 0..3 {
                lead[[i, k]] = lead_field[[k, vertex, i]] * 1e-9;
            }
        }
        let rotation = orig_axis.map(|a| rotation_onto(a, normal));
        Ok(NYHeadModel { vertex, dipole_pos: at, normal, lead, rotation })
    }

    /// The position for a name LFPykit knows.
    pub fn named_position(name: &str) -> Option<[f64; 3]> {
        NAMED_POSITIONS.iter().find(|(n, _)| *n == name).map(|p| p.1)
    }

    /// Electrodes × 3: EEG (mV) per nA·µm of moment (LFPykit's
    /// `get_transformation_matrix`).
    pub fn transformation_matrix(&self) -> &Array2<f64> {
        &self.lead
    }

    /// The moments (3 × time) as the model sees them: rotated if asked for.
    pub fn rotate(&self, p: ArrayView2<f64>) -> Array2<f64> {
        match &self.rotation {
            None => p.to_owned(),
            Some(r) => Array2::from_shape_fn(p.raw_dim(), |(i, t)| r[i][0] * p[[0, t]] + r[i][1] * p[[1, t]] + r[i][2] * p[[2, t]]),
        }
    }
}

/// The rotation taking unit vector `a` (normalised) onto `b` (normalised):
/// angle acos(a·b) about a × b.
fn rotation_onto(a: [f64; 3], b: [f64; 3]) -> [[f64; 3]; 3] {
    let unit = |v: [f64; 3]| {
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        [v[0] / n, v[1] / n, v[2] / n]
    };
    let (a, b) = (unit(a), unit(b));
    let phi = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).acos();
    let mut ax = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    let len = (ax[0] * ax[0] + ax[1] * ax[1] + ax[2] * ax[2]).sqrt();
    if len > 1e-9 {
        ax = [ax[0] / len, ax[1] / len, ax[2] / len];
    }
    let [x, y, z] = ax;
    let (c, s) = (phi.cos(), phi.sin());
    [
        [c + x * x * (1.0 - c), -z * s + (1.0 - c) * x * y, y * s + (1.0 - c) * x * z],
        [z * s + (1.0 - c) * x * y, c + y * y * (1.0 - c), -x * s + (1.0 - c) * y * z],
        [-y * s + (1.0 - c) * x * z, x * s + (1.0 - c) * y * z, c + z * z * (1.0 - c)],
    ]
}

impl Probe for NYHeadModel {
    fn matrix(&self, geom: &CellGeometry) -> Result<Array2<f64>, FieldError> {
        let p = dipole_moment_matrix(geom);
        Ok(self.lead.dot(&self.rotate(p.view())))
    }
    fn output_dims(&self) -> Vec<usize> {
        vec![self.lead.nrows()]
    }
    fn units(&self) -> &'static str {
        "mV"
    }
}
