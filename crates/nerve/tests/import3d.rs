//! Import3d on published reconstructions, when ../shared/conformance is
//! beside the repository (skipped otherwise): Hay et al.'s cell1.asc gives
//! NEURON's sections and areas.

use std::path::Path;
use std::process::Command;

#[test]
fn hay_cell1_asc_has_neurons_sections_and_areas() {
    let asc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cases/hay_bac_fixed/morphologies/cell1.asc");
    if !asc.exists() {
        eprintln!("skipped: {} is absent", asc.display());
        return;
    }
    let hoc = std::env::temp_dir().join(format!("nerve-hay-{}.hoc", std::process::id()));
    std::fs::write(
        &hoc,
        format!(
            "load_file(\"import3d.hoc\")\nobjref r, g\nr = new Import3d_Neurolucida3()\nr.input(\"{}\")\ng = new Import3d_GUI(r, 0)\ng.instantiate(nil)\nn = 0\ntot = 0\nforall {{ n += 1  for (x, 0) tot += area(x) }}\nsoma printf(\"soma %d %.3f\\n\", n3d(), area(0.5))\nnd = 0\nforsec \"dend\" nd += 1\nna = 0\nforsec \"apic\" na += 1\nnx = 0\nforsec \"axon\" nx += 1\nprintf(\"counts %d %d %d %d area %.2f\\n\", n, nd, na, nx, tot)\n",
            asc.display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nerve")).arg("run").arg(&hoc).output().unwrap();
    let _ = std::fs::remove_file(&hoc);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("soma 21 1131.389"), "{text}");
    assert!(text.contains("counts 195 84 109 1 area 31179.85"), "{text}");
}
