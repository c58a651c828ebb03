//! Running HOC text from Python: `h("code")`, and files and statements
//! for the `nerve` command of the Python package.

use hoc::Interp;

use crate::interp::print_error;

/// `h("code")`: runs the statements as top-level HOC (values echo as at
/// nrniv's prompt); an error is printed and the result is false.
pub fn run_hoc(it: &mut Interp, code: &str) -> pyo3::PyResult<bool> {
    let text = if code.ends_with('\n') { code.to_string() } else { format!("{code}\n") };
    let (frames, cur, this, iters) = (it.frames.len(), it.cur, it.this.clone(), it.iter_stack.len());
    match it.run_text("", text.into()) {
        Ok(()) => Ok(true),
        Err(e) if matches!(e.kind, hoc::ErrorKind::Quit(_)) => Err(crate::interp::hoc_error(it, e, "")),
        Err(e) => {
            print_error(it, &e);
            // What the error left behind goes, as NEURON's reset does.
            it.frames.truncate(frames);
            it.cur = cur;
            it.this = this;
            it.iter_stack.truncate(iters);
            Ok(false)
        }
    }
}

/// A run stopped by an error: printed as `nerve run` prints it; `quit()`
/// becomes SystemExit.
pub fn failed(it: &mut Interp, e: hoc::HocError) -> pyo3::PyResult<bool> {
    if matches!(e.kind, hoc::ErrorKind::Quit(_)) {
        return Err(crate::interp::hoc_error(it, e, ""));
    }
    print_error(it, &e);
    Ok(false)
}
