//! The forward models of `field` for `neuron.lfpykit`: each function builds
//! one of LFPykit's models from plain numbers and returns its matrix; the
//! Python classes around them (python/neuron/lfpykit) give LFPykit's names,
//! signatures and array shapes. Arrays cross the boundary as the bytes of
//! C-ordered float64 arrays (numpy's `tobytes`/`frombuffer`).
//!
//! Also the link to the run: the segments of the model's sections as LFPy
//! sees them, and `record`, which has the time loop accumulate M ·
//! i_membrane_ (hoc's `MatrixProbe`) with no Python call per step.

use std::cell::RefCell;
use std::rc::Rc;

use field::{CellGeometry, FieldError, NYHeadData};
use hoc::engine::probe::MatrixProbe;
use ndarray::{Array2, ArrayView2};
use pyo3::exceptions::{PyRuntimeError, PyRuntimeWarning, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

fn floats(b: &[u8]) -> PyResult<Vec<f64>> {
    if !b.len().is_multiple_of(8) {
        return Err(PyValueError::new_err("an array of float64 was expected"));
    }
    Ok(b.chunks_exact(8).map(|c| f64::from_ne_bytes(c.try_into().expect("8 bytes"))).collect())
}

/// An n × 3 array's rows.
fn points(b: &[u8]) -> PyResult<Vec<[f64; 3]>> {
    let v = floats(b)?;
    if !v.len().is_multiple_of(3) {
        return Err(PyValueError::new_err("an array of shape (n, 3) was expected"));
    }
    Ok(v.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect())
}

fn to_bytes<'py>(py: Python<'py>, values: impl Iterator<Item = f64>) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &values.flat_map(f64::to_ne_bytes).collect::<Vec<u8>>())
}

fn matrix_bytes<'py>(py: Python<'py>, m: &Array2<f64>) -> (Bound<'py, PyBytes>, usize, usize) {
    (to_bytes(py, m.iter().copied()), m.nrows(), m.ncols())
}

fn value_error(e: FieldError) -> PyErr {
    PyValueError::new_err(e.0)
}

/// The segments: start and end points (n × 3 each), diameters and lengths.
fn geometry(start: &[u8], end: &[u8], diam: &[u8], length: &[u8]) -> PyResult<CellGeometry> {
    let g = CellGeometry { start: points(start)?, end: points(end)?, diam: floats(diam)?, length: floats(length)? };
    let n = g.start.len();
    if g.end.len() != n || g.diam.len() != n || g.length.len() != n {
        return Err(PyValueError::new_err(format!(
            "cell geometry: {n} start points, {} end points, {} diameters and {} lengths",
            g.end.len(),
            g.diam.len(),
            g.length.len()
        )));
    }
    Ok(g)
}

/// M of a model of the cell, from its `probes.json` description (`spec`,
/// whose `name` starts each error message).
#[pyfunction]
pub fn cell_model_matrix<'py>(py: Python<'py>, spec: &str, start: &[u8], end: &[u8], diam: &[u8], length: &[u8]) -> PyResult<(Bound<'py, PyBytes>, usize, usize)> {
    let geom = geometry(start, end, diam, length)?;
    let json: serde_json::Value = serde_json::from_str(spec).map_err(|e| PyValueError::new_err(format!("bad model description: {e}")))?;
    let unprefix = |e: FieldError| {
        let name = json.get("name").and_then(|n| n.as_str()).unwrap_or("");
        let prefix = format!("probe '{name}': ");
        PyValueError::new_err(format!("{name}: {}", e.0.strip_prefix(&prefix).unwrap_or(&e.0)))
    };
    let (_, probe) = field::probe_from_json(&json).map_err(unprefix)?;
    let m = probe.matrix(&geom).map_err(unprefix)?;
    Ok(matrix_bytes(py, &m))
}

/// FourSphereVolumeConductor: electrodes × 3, from the dipole moment at
/// `dipole_location` to mV.
#[pyfunction]
pub fn four_sphere_matrix<'py>(py: Python<'py>, electrodes: &[u8], radii: [f64; 4], sigmas: [f64; 4], iter_factor: f64, dipole_location: [f64; 3]) -> PyResult<(Bound<'py, PyBytes>, usize, usize)> {
    let mut model = field::FourSphereVolumeConductor::new(points(electrodes)?, radii, sigmas, dipole_location).map_err(value_error)?;
    model.iter_factor = iter_factor;
    Ok(matrix_bytes(py, &model.dipole_matrix().map_err(value_error)?))
}

/// InfiniteVolumeConductor: contacts × 3 for contacts at displacements `r`
/// from the dipole.
#[pyfunction]
pub fn infinite_conductor_matrix<'py>(py: Python<'py>, r: &[u8], sigma: f64) -> PyResult<(Bound<'py, PyBytes>, usize, usize)> {
    let model = field::InfiniteVolumeConductor::new(points(r)?, sigma, [0.0; 3]).map_err(value_error)?;
    Ok(matrix_bytes(py, &model.dipole_matrix()))
}

/// The MEG models: (sensors · 3) × 3, from the dipole moment to H (nA/µm).
#[pyfunction]
pub fn meg_matrix<'py>(py: Python<'py>, sensors: &[u8], dipole_location: [f64; 3], mu: f64, spherical: bool) -> PyResult<(Bound<'py, PyBytes>, usize, usize)> {
    let sensors = points(sensors)?;
    let m = if spherical {
        field::SphericallySymmetricVolCondMEG::new(sensors, dipole_location, mu).map_err(value_error)?.dipole_matrix()
    } else {
        field::InfiniteHomogeneousVolCondMEG::new(sensors, dipole_location, mu).map_err(value_error)?.dipole_matrix()
    };
    Ok(matrix_bytes(py, &m))
}

/// The New York head model's arrays, read once from the user's file.
#[pyclass(module = "hoc", name = "NYHeadData", frozen)]
pub struct NYHead(NYHeadData);

#[pymethods]
impl NYHead {
    #[new]
    fn new(path: &str) -> PyResult<Self> {
        NYHeadData::open(std::path::Path::new(path)).map(NYHead).map_err(value_error)
    }

    /// (bytes, shape) of `cortex`, `normals`, `lead_field` or `electrodes`.
    fn array<'py>(&self, py: Python<'py>, name: &str) -> PyResult<(Bound<'py, PyBytes>, Vec<usize>)> {
        let d = &self.0;
        Ok(match name {
            "cortex" => (to_bytes(py, d.cortex.iter().copied()), d.cortex.shape().to_vec()),
            "normals" => (to_bytes(py, d.normals.iter().copied()), d.normals.shape().to_vec()),
            "lead_field" => (to_bytes(py, d.lead_field.iter().copied()), d.lead_field.shape().to_vec()),
            "electrodes" => match &d.electrodes {
                Some(e) => (to_bytes(py, e.iter().copied()), e.shape().to_vec()),
                None => return Err(PyValueError::new_err("the head model's file has no electrode positions (sa/locs_3D)")),
            },
            _ => return Err(PyValueError::new_err(format!("no array {name}"))),
        })
    }

    /// The dipole at the vertex nearest `pos` (mm): the vertex, its position
    /// and normal, and the electrodes × 3 matrix (mV per nA·µm).
    #[allow(clippy::type_complexity)]
    fn at<'py>(&self, py: Python<'py>, pos: [f64; 3]) -> PyResult<(usize, [f64; 3], [f64; 3], (Bound<'py, PyBytes>, usize, usize))> {
        let m = self.0.at(pos, None).map_err(|e| PyRuntimeWarning::new_err(e.0))?;
        Ok((m.vertex, m.dipole_pos, m.normal, matrix_bytes(py, m.transformation_matrix())))
    }

    /// The moments `p` (3 × `nt`) rotated so that `orig_axis` lies along the
    /// cortex normal at the vertex nearest `pos`.
    fn rotate<'py>(&self, py: Python<'py>, pos: [f64; 3], orig_axis: [f64; 3], p: &[u8], nt: usize) -> PyResult<Bound<'py, PyBytes>> {
        let m = self.0.at(pos, Some(orig_axis)).map_err(|e| PyRuntimeWarning::new_err(e.0))?;
        let p = floats(p)?;
        let view = ArrayView2::from_shape((3, nt), &p).map_err(|e| PyValueError::new_err(format!("p must have shape (3, n): {e}")))?;
        Ok(to_bytes(py, m.rotate(view).iter().copied()))
    }
}

/// The segments of the model's sections as LFPy numbers them (sections in
/// creation order, segments by x; straight from the 3-D positions at the
/// segment's ends): start, end (n × 3), diameters, lengths (L/nseg).
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn section_geometry(py: Python<'_>) -> PyResult<(Bound<'_, PyBytes>, Bound<'_, PyBytes>, Bound<'_, PyBytes>, Bound<'_, PyBytes>)> {
    let g = crate::interp::with_interp(|it| Ok(hoc::engine::probe::segment_geometry(&it.eng.model).0))?;
    Ok((
        to_bytes(py, g.start.iter().flatten().copied()),
        to_bytes(py, g.end.iter().flatten().copied()),
        to_bytes(py, g.diam.iter().copied()),
        to_bytes(py, g.length.iter().copied()),
    ))
}

/// The number of segments of the model (the columns `record` expects).
#[pyfunction]
pub fn segment_count() -> PyResult<usize> {
    crate::interp::with_interp(|it| Ok(hoc::engine::probe::segment_count(&it.eng.model)))
}

/// A matrix followed by the run; its samples so far.
#[pyclass(unsendable, module = "hoc", name = "MatrixRecording")]
pub struct Recording(Rc<RefCell<MatrixProbe>>);

#[pymethods]
impl Recording {
    /// (bytes of the samples × outputs array, outputs); RuntimeError if the
    /// last run could not follow the matrix.
    fn samples<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyBytes>, usize)> {
        let p = self.0.borrow();
        if let Some(e) = &p.error {
            return Err(PyRuntimeError::new_err(e.clone()));
        }
        Ok((to_bytes(py, p.data.iter().copied()), p.outputs()))
    }
}

/// Has the run accumulate M · i_membrane_ (M: `outputs` rows over the
/// model's segments, row-major) at finitialize and after every step.
#[pyfunction]
pub fn record_matrix(m: &[u8], outputs: usize) -> PyResult<Recording> {
    let m = floats(m)?;
    crate::interp::with_interp(|it| hoc::engine::probe::attach_matrix(it, m, outputs).map(Recording).map_err(|e| PyValueError::new_err(e.to_string())))
}
