//! nerve's Python extension, `neuron.hoc`: NEURON's HOC interface
//! (`hoc.HocObject`, the object behind `neuron.h`) and the `nrn` classes
//! (Section, Segment, Mechanism) on nerve's interpreter.
//!
//! The pure-Python `neuron` package around it (python/neuron) gives
//! scripts the names they import: `h`, `n`, `gui`, `units`,
//! `load_mechanisms`, `nrn`, and the `nrnivmodl` and `nerve` commands.

mod convert;
mod hocobj;
mod host;
mod interp;
mod nrn;
mod run;

use pyo3::prelude::*;

/// Loads the .mod files of a folder (NEURON's load_mechanisms, nrn_load_dll).
#[pyfunction]
fn load_mod_dir(dir: &str) -> PyResult<usize> {
    interp::with_interp(|it| hoc::engine::load_mod_dir(it, std::path::Path::new(dir)).map_err(pyo3::exceptions::PyRuntimeError::new_err))
}

#[pymodule(gil_used = true)]
#[pyo3(name = "hoc")]
fn nerve_python(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<hocobj::HocObject>()?;
    m.add_class::<nrn::Section>()?;
    m.add_class::<nrn::Segment>()?;
    m.add_class::<nrn::Mechanism>()?;
    m.add_function(wrap_pyfunction!(load_mod_dir, m)?)?;
    Ok(())
}
