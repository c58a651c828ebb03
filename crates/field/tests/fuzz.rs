//! Fuzzing probes.json's probe and stimulus readers (see fuzz/harness.rs):
//! whatever the file holds, a probe or stimulus is built or refused with an
//! error, and a built probe gives a matrix for a small cell or an error.

#[path = "../../../fuzz/harness.rs"]
mod harness;

use field::CellGeometry;

const DICT: &[&str] = &[
    "{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "-", "0", "1", "-1", "1e308", "1e-320", "-0", "0.5",
    "1e9", "4294967296", "\"name\"", "\"type\"", "\"x\"", "\"y\"", "\"z\"", "\"r\"", "\"sigma\"", "\"method\"",
    "\"steps\"", "\"h\"", "\"N\"", "\"n\"", "\"contact_shape\"", "\"radii\"", "\"sigmas\"", "\"r_electrodes\"",
    "\"dipole_location\"", "\"sensor_locations\"", "\"t\"", "\"i\"", "\"model\"", "\"semi\"", "\"probes\"",
    "\"stimuli\"", "\"soma_position\"", "\"linesource\"", "\"pointsource\"", "\"root_as_point\"", "\"circle\"",
    "\"square\"", "\"PointSourcePotential\"", "\"RecExtElectrode\"", "\"RecMEAElectrode\"", "\"CurrentDipoleMoment\"",
    "\"LaminarCurrentSourceDensity\"", "\"VolumetricCurrentSourceDensity\"", "\"FourSphereVolumeConductor\"",
    "\"OneSphereVolumeConductor\"", "\"InfiniteVolumeConductor\"", "\"PointCurrentSource\"", "\"dl\"", "\"n_max\"",
];

fn cell() -> CellGeometry {
    CellGeometry {
        start: vec![[-10.0, 0.0, 0.0], [10.0, 0.0, 0.0], [110.0, 0.0, 0.0]],
        end: vec![[10.0, 0.0, 0.0], [110.0, 0.0, 0.0], [110.0, 80.0, 10.0]],
        diam: vec![20.0, 2.0, 1.0],
        length: Vec::new(),
    }
}

fn probes_file(bytes: &[u8]) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else { return };
    // NYHeadModel reads a file the JSON names: not a reader of probes.json.
    if bytes.windows(6).any(|w| w == b"NYHead") {
        return;
    }
    let geom = cell();
    for p in v.get("probes").and_then(|p| p.as_array()).into_iter().flatten() {
        if let Ok((_, probe)) = field::probe_from_json(p) {
            let outputs: usize = probe.output_dims().iter().product();
            if outputs <= 10_000 {
                if let Ok(m) = probe.matrix(&geom) {
                    assert_eq!(m.ncols(), geom.len());
                }
            }
        }
    }
    let mut sources = Vec::new();
    for s in v.get("stimuli").and_then(|p| p.as_array()).into_iter().flatten() {
        if let Ok((_, src)) = field::stimulus_from_json(s) {
            sources.push(src);
        }
    }
    if !sources.is_empty() && sources.iter().map(|s| s.t.len()).sum::<usize>() < 100_000 {
        let mids: Vec<[f64; 3]> = (0..geom.len()).map(|k| geom.mid(k)).collect();
        let (_, v) = field::stimulus_potentials(&sources, &mids);
        assert_eq!(v.len(), mids.len());
    }
}

#[test]
fn fuzz_probes_json() {
    harness::campaign("probes", DICT, probes_file);
}
