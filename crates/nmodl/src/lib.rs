//! Front end for NEURON's NMODL language (.mod files): a lexer and a parser
//! producing a typed syntax tree ([`ast::Module`]) with a source position on
//! every node. Lowering the tree to something executable is left to a later
//! stage.
//!
//! ```
//! let m = nmodl::parse("NEURON { SUFFIX leak }\nBREAKPOINT { i = g*(v - e) }", "leak.mod").unwrap();
//! assert_eq!(m.items.len(), 2);
//! let e = nmodl::parse("PARAMETER { x = }", "bad.mod").unwrap_err();
//! assert_eq!(e.to_string(), "bad.mod:1:17: expected a number after '=', found '}'");
//! ```
//!
//! The grammar follows NEURON's translator (nocmodl): the language is
//! free-form, keywords are reserved words, units are raw text in
//! parentheses, and `VERBATIM … ENDVERBATIM` C code is kept as an opaque
//! string. Parsing never panics; nesting is bounded, so hostile input gives
//! an error rather than a stack overflow.

pub mod ast;
pub mod builtin;
pub mod compile;
pub mod error;
pub mod include;
pub mod ir;
pub mod jit;
pub mod lexer;
pub mod mech;
pub mod newton;
pub mod parser;
pub mod pretty;
pub mod regalloc;
pub mod scop;
pub mod span;
pub mod sparse;
pub mod verbatim;
pub mod units;

pub use ast::Module;
pub use error::ParseError;
pub use parser::{is_keyword, parse, parse_with_includes};
pub use span::Span;

/// Reads and parses a .mod file and the files it INCLUDEs. Bytes that are
/// not UTF-8 (as in some old files' comments) are replaced; an unreadable
/// file gives an error at 1:1.
pub fn parse_file(path: &std::path::Path) -> Result<Module, ParseError> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => parse_with_includes(&String::from_utf8_lossy(&bytes), &name, Some(include::Includes::new(path))),
        Err(e) => Err(ParseError {
            file: name,
            line: 1,
            col: 1,
            message: format!("cannot read the file: {e}"),
        }),
    }
}

/// Parses and compiles .mod source into a mechanism the engine can run.
pub fn load(src: &str, file: &str) -> Result<mech::NmodlMechanism, ParseError> {
    let m = parse(src, file)?;
    Ok(mech::NmodlMechanism::new(compile::compile(&m, file)?))
}

/// Reads, parses and compiles a .mod file (with the files it INCLUDEs).
pub fn load_file(path: &std::path::Path) -> Result<mech::NmodlMechanism, ParseError> {
    let m = parse_file(path)?;
    Ok(mech::NmodlMechanism::new(compile::compile(&m, &path.display().to_string())?))
}
