//! nerve under `mpirun -n 2 ... -mpi` (built with the `mpi` feature and
//! run where the system's MPI is installed; `.ci/run` does both). Every
//! `hoc-tests/mpi/NAME.hoc` with NEURON's `NAME.np2.stdout` (NEURON 9.0.2
//! under `mpirun -n 2 nrniv -mpi`) must print the same; the extracellular
//! signals of a network over two ranks must be those of one process; bad
//! input must end every rank with an error, never a hang.
#![cfg(feature = "mpi")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn mpi_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hoc-tests/mpi")
}

fn nerve() -> &'static str {
    env!("CARGO_BIN_EXE_nerve")
}

/// `mpirun -n 2 nerve run [OPTIONS] -mpi FILE` in `dir`, killed after two minutes.
fn mpirun(dir: &Path, options: &[&str], file: &str) -> Output {
    let mut child = Command::new("mpirun")
        .args(["-n", "2", "--oversubscribe", nerve(), "run"])
        .args(options)
        .args(["-mpi", file])
        .current_dir(dir)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun (OpenMPI) is installed");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("mpirun {options:?} {file} hung");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn scripts_print_what_neuron_printed_on_two_ranks() {
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(mpi_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "hoc") && p.with_extension("np2.stdout").exists())
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 2);
    for s in &scripts {
        let name = s.file_name().unwrap().to_str().unwrap();
        let out = mpirun(&mpi_dir(), &[], name);
        let want = std::fs::read_to_string(s.with_extension("np2.stdout")).unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{name}");
    }
}

/// A .npy file written by nerve, its values in C order.
fn npy(path: &Path) -> Vec<f64> {
    let a: ndarray::ArrayD<f64> = ndarray_npy::read_npy(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    a.iter().copied().collect()
}

#[test]
fn network_signals_over_two_ranks_are_those_of_one_process() {
    let tmp = std::env::temp_dir().join(format!("nerve-mpi-probes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let probes = tmp.join("probes.json");
    std::fs::write(
        &probes,
        r#"{"probes": [
            {"name": "contacts", "type": "PointSourcePotential", "x": [0, 100, 200], "y": [50, 50, 50], "z": [0, 150, 300], "sigma": 0.3},
            {"name": "dipole", "type": "CurrentDipoleMoment"}]}"#,
    )
    .unwrap();
    let (one, two) = (tmp.join("one"), tmp.join("two"));
    let p = probes.to_str().unwrap();
    let out = Command::new(nerve())
        .args(["run", "--probes", p, "--out", one.to_str().unwrap(), "ringnet.hoc"])
        .current_dir(mpi_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mpirun(&mpi_dir(), &["--probes", p, "--out", two.to_str().unwrap()], "ringnet.hoc");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for name in ["contacts.npy", "dipole.npy", "t.npy"] {
        let (a, b) = (npy(&one.join(name)), npy(&two.join(name)));
        assert_eq!(a.len(), b.len(), "{name}");
        let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        assert!(scale > 0.0, "{name} is all zero");
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        // Each rank sums its own segments first: only the rounding differs.
        assert!(worst <= 1e-12 * scale, "{name}: differs by {worst} (largest value {scale})");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn bad_networks_end_every_rank_with_an_error() {
    let tmp = std::env::temp_dir().join(format!("nerve-mpi-errors-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let cases = [
        (
            "twice.hoc",
            "objref pc, nc, nil\npc = new ParallelContext()\ncreate soma\nsoma insert hh\npc.set_gid2node(5, pc.id)\nsoma nc = new NetCon(&v(0.5), nil)\npc.cell(5, nc)\n{pc.set_maxstep(10)}\nfinitialize(-65)\npc.psolve(10)\n",
            "gid=5 is an output port on rank 0 and on rank 1",
        ),
        (
            "zero_delay.hoc",
            "objref pc, syn, nc, nc0, nil\npc = new ParallelContext()\ncreate soma\naccess soma\ninsert hh\nsyn = new ExpSyn(0.5)\npc.set_gid2node(pc.id, pc.id)\nsoma nc0 = new NetCon(&v(0.5), nil)\npc.cell(pc.id, nc0)\nnc = pc.gid_connect((pc.id+1)%pc.nhost, syn)\nnc.delay = 0\nfinitialize(-65)\npc.psolve(10)\n",
            "mindelay is 0 (or less than dt for fixed step method)",
        ),
        (
            "variable_step.hoc",
            "objref pc, syn, nc, nc0, nil\npc = new ParallelContext()\ncreate soma\naccess soma\ninsert hh\nsyn = new ExpSyn(0.5)\npc.set_gid2node(pc.id, pc.id)\nsoma nc0 = new NetCon(&v(0.5), nil)\npc.cell(pc.id, nc0)\nnc = pc.gid_connect((pc.id+1)%pc.nhost, syn)\n{pc.set_maxstep(10)}\nobjref cv\ncv = new CVode()\ncv.active(1)\nfinitialize(-65)\npc.psolve(10)\n",
            "variable step over several processes",
        ),
    ];
    for (file, text, message) in cases {
        std::fs::write(tmp.join(file), text).unwrap();
        let out = mpirun(&tmp, &[], file);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file} succeeded");
        assert!(err.contains(message), "{file}: {err}");
        // NEURON's form under MPI: each line begins with the rank reporting it.
        let reported = err.lines().any(|l| (l.starts_with("0 nerve: ") || l.starts_with("1 nerve: ")) && l.contains(message));
        assert!(reported, "{file}: {err}");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Per-segment outputs (imem, vmem, geometry) over two ranks hold the rows
/// of one process, rank 0's segments first; the HDF5 file as well.
#[test]
fn per_segment_outputs_over_two_ranks_are_those_of_one_process() {
    let tmp = std::env::temp_dir().join(format!("nerve-mpi-segments-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let probes = tmp.join("probes.json");
    std::fs::write(&probes, r#"{"probes": [{"name": "i", "type": "imem"}, {"name": "v", "type": "vmem"}, {"name": "g", "type": "geometry"}]}"#).unwrap();
    let (one, two, h5) = (tmp.join("one"), tmp.join("two"), tmp.join("two.h5"));
    let p = probes.to_str().unwrap();
    let out = Command::new(nerve()).args(["run", "--probes", p, "--out", one.to_str().unwrap(), "ringnet.hoc"]).current_dir(mpi_dir()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mpirun(&mpi_dir(), &["--probes", p, "--out", two.to_str().unwrap()], "ringnet.hoc");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mpirun(&mpi_dir(), &["--probes", p, "--out", h5.to_str().unwrap()], "ringnet.hoc");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let nt = npy(&one.join("t.npy")).len();
    // Rows keyed by the segment's ends, then its signals.
    let rows = |dir: &Path| -> Vec<Vec<f64>> {
        let (x, y, z) = (npy(&dir.join("g_x.npy")), npy(&dir.join("g_y.npy")), npy(&dir.join("g_z.npy")));
        let (i, v) = (npy(&dir.join("i.npy")), npy(&dir.join("v.npy")));
        let n = x.len() / 2;
        assert_eq!(i.len(), n * nt);
        let mut rows: Vec<Vec<f64>> = (0..n)
            .map(|k| [&x[2 * k..2 * k + 2], &y[2 * k..2 * k + 2], &z[2 * k..2 * k + 2], &v[k * nt..(k + 1) * nt], &i[k * nt..(k + 1) * nt]].concat())
            .collect();
        rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
        rows
    };
    let (a, b) = (rows(&one), rows(&two));
    assert_eq!(a.len(), b.len());
    assert!(a.len() > 1);
    for (ra, rb) in a.iter().zip(&b) {
        for (x, y) in ra.iter().zip(rb) {
            assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{x} vs {y}");
        }
    }
    let f = hdf5_pure::File::open(&h5).unwrap();
    assert_eq!(f.dataset("i").unwrap().read_f64().unwrap(), npy(&two.join("i.npy")));
    assert_eq!(f.dataset("geometry/x").unwrap().read_f64().unwrap(), npy(&two.join("g_x.npy")));
    let _ = std::fs::remove_dir_all(&tmp);
}
