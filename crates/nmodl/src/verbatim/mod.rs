//! VERBATIM blocks: the C that nocmodl would paste into its output, read
//! by a C-subset front end (`lex` → `pp` → `parse`) and lowered into the
//! mechanism's register code by `compile` (see `lower`). `host` is the
//! interface through which that code reaches HOC's objects (Random,
//! Vector) and the arguments of a call from HOC; the hoc crate implements
//! it, so this crate stays free of HOC. docs/verbatim.md lists the subset.

pub mod ast;
pub mod host;
pub mod lex;
pub mod parse;
pub mod pp;
pub mod run;
