//! The one HOC interpreter of the process and how Python code reaches it.
//!
//! Python objects (`h`, sections, segments, …) never hold the interpreter:
//! each operation borrows it for its own duration through [`with_interp`].
//! The interpreter is single-threaded (its objects are `Rc`), so it lives in
//! a thread-local, and every Python class of this package is `unsendable`.
//!
//! HOC calls back into Python (FInitializeHandler(f), NetCon.record(f),
//! cvode.event(t, f), PythonObject methods, nrnpython) while it is running,
//! and that Python code uses `h` again. A stack of interpreter pointers makes
//! this sound:
//!
//! * the bottom entry is the interpreter this thread owns (leaked, so its
//!   address never changes);
//! * when HOC calls the host it lends `&mut Interp`; [`lend`] pushes a pointer
//!   derived from that reference for the duration of the callback, during
//!   which the lender does not touch the interpreter;
//! * an operation uses only the top entry, and marks it busy while it runs:
//!   Python code reached from inside an operation without passing through
//!   HOC (a `__float__` of an argument, say) that tries to use the
//!   interpreter gets an error instead of a second mutable alias.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use hoc::Interp;
use pyo3::exceptions::{PyRuntimeError, PySystemExit};
use pyo3::prelude::*;

use crate::host::PyHost;

struct Entry {
    it: *mut Interp,
    busy: bool,
}

thread_local! {
    static STACK: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    /// Python sections whose last reference went away: deleted at the next use.
    static DEAD_SECTIONS: RefCell<Vec<cable::SecId>> = const { RefCell::new(Vec::new()) };
    /// A Python exception raised inside a callback, carried through HOC's
    /// unwinding to be raised again where Python called HOC.
    static PENDING: RefCell<Option<PyErr>> = const { RefCell::new(None) };
    /// Whether `nerve`'s command line runs this process (errors print as `nerve:`).
    pub static PROGRAM: Cell<&'static str> = const { Cell::new("nerve") };
}

/// HOC output goes to Python's `sys.stdout`, so that it interleaves with
/// Python's own prints (NEURON does the same when Python is the host).
struct PyStdout;

impl std::io::Write for PyStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        Python::attach(|py| -> PyResult<()> {
            let out = py.import("sys")?.getattr("stdout")?;
            out.call_method1("write", (text.as_ref(),))?;
            Ok(())
        })
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Python::attach(|py| -> PyResult<()> {
            py.import("sys")?.getattr("stdout")?.call_method0("flush")?;
            Ok(())
        })
        .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

fn new_root() -> *mut Interp {
    let mut it = Interp::new(Box::new(PyStdout));
    it.foreign = Some(Rc::new(PyHost));
    Box::leak(Box::new(it))
}

/// Resets an entry's busy mark however the operation ends.
struct Busy(usize);

impl Drop for Busy {
    fn drop(&mut self) {
        STACK.with(|s| {
            if let Some(e) = s.borrow_mut().get_mut(self.0) {
                e.busy = false;
            }
        });
    }
}

/// Runs `f` on the interpreter (see the module comment for the rules).
pub fn with_interp<R>(f: impl FnOnce(&mut Interp) -> PyResult<R>) -> PyResult<R> {
    let got = STACK.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_empty() {
            s.push(Entry { it: new_root(), busy: false });
        }
        let i = s.len() - 1;
        if s[i].busy {
            return None;
        }
        s[i].busy = true;
        Some((i, s[i].it))
    });
    let Some((i, ptr)) = got else {
        return Err(PyRuntimeError::new_err("nerve: the HOC interpreter is busy (Python code reached from inside a HOC operation without a HOC callback)"));
    };
    let _busy = Busy(i);
    // SAFETY: `ptr` is the top entry, not busy until now: either the owned
    // interpreter, or one HOC lent for the callback running now (module comment).
    let it = unsafe { &mut *ptr };
    delete_dead_sections(it);
    f(it)
}

/// Runs `f` (Python code) while HOC lends the interpreter to the host.
pub fn lend<R>(it: &mut Interp, f: impl FnOnce() -> R) -> R {
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            STACK.with(|s| s.borrow_mut().pop());
        }
    }
    STACK.with(|s| s.borrow_mut().push(Entry { it: it as *mut Interp, busy: false }));
    let _pop = Pop;
    f()
}

/// Records that a Python-owned section's object is gone.
pub fn section_died(id: cable::SecId) {
    let _ = DEAD_SECTIONS.try_with(|d| d.borrow_mut().push(id));
}

fn delete_dead_sections(it: &mut Interp) {
    let dead = DEAD_SECTIONS.with(|d| std::mem::take(&mut *d.borrow_mut()));
    for s in dead {
        if it.eng.model.exists(s) {
            it.delete_section(s);
        }
    }
}

/// Keeps a Python exception raised in a callback; HOC unwinds with `msg`.
pub fn park_py_error(e: PyErr) -> hoc::HocError {
    let msg = Python::attach(|py| e.value(py).to_string());
    PENDING.with(|p| *p.borrow_mut() = Some(e));
    hoc::HocError::new(format!("Python callback raised: {msg}"))
}

/// How a HOC error reaches Python: a Python exception raised in a callback
/// comes back as itself; `quit()` is SystemExit; any other error is printed
/// as NEURON prints it and raised as RuntimeError with NEURON's text.
pub fn hoc_error(it: &mut Interp, e: hoc::HocError, context: &str) -> PyErr {
    if let Some(p) = PENDING.with(|p| p.borrow_mut().take()) {
        it.trace.clear();
        return p;
    }
    match e.kind {
        hoc::ErrorKind::Quit(code) => return PySystemExit::new_err(code),
        hoc::ErrorKind::Stop => {
            it.trace.clear();
            return PyRuntimeError::new_err("stop");
        }
        _ => {}
    }
    print_error(it, &e);
    let first = e.msg.lines().next().unwrap_or("").to_string();
    PyRuntimeError::new_err(format!("{context}{first}"))
}

/// Writes a HOC error to stderr as the program reports it.
pub fn print_error(it: &mut Interp, e: &hoc::HocError) {
    it.end_partial_line();
    let _ = Python::attach(|py| -> PyResult<()> {
        py.import("sys")?.getattr("stdout")?.call_method0("flush")?;
        Ok(())
    });
    let mut text = format!("{}: {}", PROGRAM.with(|p| p.get()), hoc::report(e));
    if !e.located {
        text.push_str(&it.take_trace());
    }
    let _ = Python::attach(|py| -> PyResult<()> {
        let err = py.import("sys")?.getattr("stderr")?;
        err.call_method1("write", (text,))?;
        err.call_method0("flush")?;
        Ok(())
    });
}
