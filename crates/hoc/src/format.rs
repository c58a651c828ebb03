//! C `printf` formatting, shared with the .mod compiler (the `cfmt` crate).

pub use cfmt::*;
