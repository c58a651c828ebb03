//! Errors raised while parsing or running HOC, and how they are reported.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// A syntax error at a byte offset of the current source.
    Syntax(usize),
    /// A run-time error; reported at the statement being executed.
    Runtime,
    /// `quit()`: not an error, unwinds to the top with an exit code.
    Quit(i32),
    /// `stop`: abandons the running top-level statement.
    Stop,
    /// `break` in the body of `for iterator()`: ends that loop.
    IterBreak,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HocError {
    pub msg: String,
    pub kind: ErrorKind,
    /// Filled in once, where the error is first reported against a source.
    pub located: bool,
}

impl HocError {
    pub fn syntax(at: usize) -> Self {
        HocError { msg: "syntax error".into(), kind: ErrorKind::Syntax(at), located: false }
    }
    pub fn new(msg: impl Into<String>) -> Self {
        HocError { msg: msg.into(), kind: ErrorKind::Runtime, located: false }
    }
    pub fn control(kind: ErrorKind) -> Self {
        HocError { msg: String::new(), kind, located: false }
    }
    pub fn quit(code: i32) -> Self {
        HocError { msg: String::new(), kind: ErrorKind::Quit(code), located: false }
    }
}

impl fmt::Display for HocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for HocError {}

pub type HResult<T> = Result<T, HocError>;

/// Builds a run-time error with `format!` arguments.
#[macro_export]
macro_rules! hoc_err {
    ($($t:tt)*) => { $crate::error::HocError::new(format!($($t)*)) };
}
