//! The mechanisms NEURON has built in that nerve defines as .mod files
//! (`mod-files/` at the workspace root), embedded in the binary and compiled
//! at start-up by this crate.

use crate::mech::NmodlMechanism;

/// Built-in .mod sources in NEURON's registration order.
pub const FILES: &[(&str, &str)] = &[
    ("pas.mod", include_str!("../../../mod-files/pas.mod")),
    ("hh.mod", include_str!("../../../mod-files/hh.mod")),
    ("stim.mod", include_str!("../../../mod-files/stim.mod")),
    ("syn.mod", include_str!("../../../mod-files/syn.mod")),
    ("expsyn.mod", include_str!("../../../mod-files/expsyn.mod")),
    ("exp2syn.mod", include_str!("../../../mod-files/exp2syn.mod")),
    ("svclmp.mod", include_str!("../../../mod-files/svclmp.mod")),
    ("vclmp.mod", include_str!("../../../mod-files/vclmp.mod")),
    ("intfire1.mod", include_str!("../../../mod-files/intfire1.mod")),
    ("intfire2.mod", include_str!("../../../mod-files/intfire2.mod")),
    ("intfire4.mod", include_str!("../../../mod-files/intfire4.mod")),
    ("ppmark.mod", include_str!("../../../mod-files/ppmark.mod")),
];

/// The built-in mechanisms, compiled.
pub fn mechanisms() -> Vec<NmodlMechanism> {
    FILES
        .iter()
        // The sources are part of the binary and compiled by the tests.
        .map(|(name, src)| crate::load(src, name).unwrap_or_else(|e| panic!("built-in mechanism: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_builtin_compiles() {
        assert_eq!(super::mechanisms().len(), super::FILES.len());
    }
}
