//! The cable engine: sections and their 3-D geometry, the tree solver,
//! mechanisms and events, with NEURON's numerics. It knows nothing of HOC:
//! the interpreter drives it through [`Model`].

pub mod bdf;
pub mod comm;
pub mod cvode;
pub mod dae;
pub mod equations;
pub mod events;
pub mod exchange;
pub mod extracellular;
pub mod geometry;
pub mod impedance;
pub mod ion;
pub mod linmod;
pub mod lvardt;
pub mod mechanism;
pub mod mechs;
pub mod model;
pub mod netpar;
pub mod pointer;
pub mod random123;
pub mod section;
pub mod shape;
pub mod sparse;
pub mod transfer;
pub mod tree;

pub use model::Model;
pub use section::{Pt3d, SecId, Section};
