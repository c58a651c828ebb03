//! NEURON's HOC language: a lexer, a statement-at-a-time parser and an
//! interpreter that prints what `nrniv` prints.
//!
//! The interpreter owns the symbol tables, the objects and the call stack.
//! `Interp::run_file` runs a file as `nrniv FILE` does; errors come back as
//! [`HocError`] and [`report`] formats them the way NEURON does.

pub mod ast;
pub mod builtins;
pub mod engine;
pub mod error;
pub mod foreign;
pub mod format;
pub mod interp;
pub mod lexer;
pub mod library;
pub mod object;
pub mod parser;
pub mod symbol;
pub mod value;

pub use error::{ErrorKind, HocError};
pub use interp::Interp;

/// The text NEURON writes to stderr for an error (after the program name).
pub fn report(e: &HocError) -> String {
    let mut s = e.msg.clone();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}
