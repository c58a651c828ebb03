//! Extracellular forward models: linear maps from membrane currents to
//! measured signals.
//!
//! Every model answers one question: the matrix `M` such that `Y = M · I`,
//! where `I` (segments × time, nA) holds the membrane currents of a cell whose
//! geometry is a [`CellGeometry`] (µm). This is the design of LFPykit
//! (Hagen, Næss, Ness & Einevoll 2018; Lindén et al. 2014), and each model
//! here reproduces the matrix of the LFPykit 0.6.2 class of the same name,
//! including its clamping of near-field distances, so that results agree with
//! LFPy to rounding. The equations come from the published sources cited in
//! each module.
//!
//! | model | module | output dims | units |
//! |---|---|---|---|
//! | [`PointSourcePotential`] | [`point_source`] | `[contacts]` | mV |
//! | [`LineSourcePotential`] | [`line_source`] | `[contacts]` | mV |
//! | [`RecExtElectrode`] | [`electrode`] | `[contacts]` | mV |
//! | [`RecMEAElectrode`] | [`mea`] | `[contacts]` | mV |
//! | [`OneSphereVolumeConductor`] | [`one_sphere`] | `[points]` | mV |
//! | [`CurrentDipoleMoment`] | [`dipole`] | `[3]` | nA·µm |
//! | [`InfiniteVolumeConductor`] | [`dipole`] | `[electrodes]` | mV |
//! | [`FourSphereVolumeConductor`] | [`four_sphere`] | `[electrodes]` | mV |
//! | [`InfiniteHomogeneousVolCondMEG`] | [`meg`] | `[sensors, 3]` | nA/µm |
//! | [`SphericallySymmetricVolCondMEG`] | [`meg`] | `[sensors, 3]` | nA/µm |
//! | [`NYHeadModel`] | [`nyhead`] | `[electrodes]` | mV |
//! | [`LaminarCurrentSourceDensity`] | [`csd`] | `[bins]` | nA/µm³ |
//! | [`VolumetricCurrentSourceDensity`] | [`csd`] | `[nx-1, ny-1, nz-1]` | nA |
//!
//! The dipole-based models (EEG, MEG) see the cell through its current dipole
//! moment `P = Σ r_mid,i I_i` placed at a given `dipole_location`; their
//! [`Probe::matrix`] is their dipole-to-output matrix times the 3 × segments
//! dipole matrix, so every probe is a single `M`.
//!
//! [`probe_from_json`] builds any of them from a `probes.json` object.
//!
//! The other direction, stimulation: [`stimulus`] gives the potential that
//! point current sources in the medium impose at the segments (LFPy's
//! `enable_extracellular_stimulation`), for the cable's `e_extracellular`.
//!
//! This crate depends on no other crate of the workspace.

// `!(x > 0.0)` is used on purpose: it also rejects NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod csd;
pub mod dipole;
pub mod electrode;
pub mod four_sphere;
mod geometry;
mod json;
mod legendre;
pub mod line_source;
pub mod mea;
pub mod meg;
pub mod nyhead;
pub mod one_sphere;
pub mod point_source;
pub mod stimulus;

pub use csd::{LaminarCurrentSourceDensity, VolumetricCurrentSourceDensity};
pub use dipole::{dipole_moment_matrix, CurrentDipoleMoment, InfiniteVolumeConductor};
pub use electrode::{Conductivity, ContactShape, ContactSurface, Method, RecExtElectrode};
pub use four_sphere::FourSphereVolumeConductor;
pub use geometry::{CellGeometry, FieldError};
pub use json::probe_from_json;
pub use stimulus::{stimulus_from_json, stimulus_potentials, PointCurrentSource};
pub use line_source::LineSourcePotential;
pub use mea::RecMEAElectrode;
pub use meg::{InfiniteHomogeneousVolCondMEG, SphericallySymmetricVolCondMEG};
pub use nyhead::{NYHeadData, NYHeadModel};
pub use one_sphere::OneSphereVolumeConductor;
pub use point_source::PointSourcePotential;

/// A forward model: Y = M · I, with I (segments × time) in nA.
pub trait Probe {
    /// M: (outputs × segments) where outputs is the product of `output_dims()`.
    fn matrix(&self, geom: &CellGeometry) -> Result<ndarray::Array2<f64>, FieldError>;
    /// Shape of one time sample of the output, e.g. `[contacts]` or `[sensors, 3]` or `[nx-1, ny-1, nz-1]`.
    fn output_dims(&self) -> Vec<usize>;
    /// Units of the output, e.g. "mV".
    fn units(&self) -> &'static str;
}

/// `4π`, written once so every model evaluates `1 / (4π σ ...)` in the same
/// order as LFPykit (`4 * np.pi * sigma * ...`).
pub(crate) const FOUR_PI: f64 = 4.0 * std::f64::consts::PI;
