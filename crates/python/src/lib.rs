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
mod lfpykit;
mod members;
mod nrn;
mod returns;
mod run;

use pyo3::prelude::*;

/// Loads the .mod files of a folder (NEURON's load_mechanisms, nrn_load_dll).
#[pyfunction]
fn load_mod_dir(dir: &str) -> PyResult<usize> {
    interp::with_interp(|it| hoc::engine::load_mod_dir(it, std::path::Path::new(dir)).map_err(pyo3::exceptions::PyRuntimeError::new_err))
}

/// Compiles a .mod file without loading it (nrnivmodl's check); raises
/// ValueError with `file:line:col: what and why` if it does not compile.
#[pyfunction]
fn check_mod(path: &str) -> PyResult<()> {
    nmodl::load_file(std::path::Path::new(path)).map(|_| ()).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

/// Runs a HOC file as `nerve run FILE` does; false after an error (printed).
#[pyfunction]
fn run_file(path: &str) -> PyResult<bool> {
    interp::with_interp(|it| match it.run_file(std::path::Path::new(path)) {
        Ok(()) => Ok(true),
        Err(e) => run::failed(it, e),
    })
}

/// Runs `-c` statements as `nerve run -c STMT` does; false after an error.
#[pyfunction]
fn run_statement(stmt: &str) -> PyResult<bool> {
    interp::with_interp(|it| match it.run_text("-c", format!("{stmt}\n").into()) {
        Ok(()) => Ok(true),
        Err(e) => run::failed(it, e),
    })
}

/// Reads HOC as nrniv reads its standard input: errors are reported and
/// reading goes on.
#[pyfunction]
fn run_interactive(text: &str) -> PyResult<bool> {
    interp::with_interp(|it| {
        let mut errors = Vec::new();
        let r = it.run_interactive(text.into(), &mut |e| errors.push(e.clone()));
        for e in &errors {
            interp::print_error(it, e);
        }
        match r {
            Ok(()) => Ok(true),
            Err(e) => run::failed(it, e),
        }
    })
}

#[pymodule(gil_used = true)]
#[pyo3(name = "hoc")]
fn nerve_python(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<hocobj::HocObject>()?;
    m.add_class::<nrn::Section>()?;
    m.add_class::<nrn::Segment>()?;
    m.add_class::<nrn::Mechanism>()?;
    m.add("MECH_LIBRARY_HEADER", hoc::engine::MECH_LIBRARY_HEADER)?;
    m.add_function(wrap_pyfunction!(load_mod_dir, m)?)?;
    m.add_function(wrap_pyfunction!(check_mod, m)?)?;
    m.add_function(wrap_pyfunction!(run_file, m)?)?;
    m.add_function(wrap_pyfunction!(run_statement, m)?)?;
    m.add_function(wrap_pyfunction!(run_interactive, m)?)?;
    m.add_class::<lfpykit::NYHead>()?;
    m.add_class::<lfpykit::Recording>()?;
    m.add_function(wrap_pyfunction!(lfpykit::cell_model_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(lfpykit::four_sphere_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(lfpykit::infinite_conductor_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(lfpykit::meg_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(lfpykit::section_geometry, m)?)?;
    m.add_function(wrap_pyfunction!(lfpykit::segment_count, m)?)?;
    m.add_function(wrap_pyfunction!(lfpykit::record_matrix, m)?)?;
    Ok(())
}
