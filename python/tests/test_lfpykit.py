"""neuron.lfpykit: LFPykit's classes on nerve's `field` crate, compared with
what LFPykit 0.6.2 computed for the same arguments (lfpykit/expected.json,
recorded by lfpykit/make_fixtures.py); the signals recorded during a run
compared with M @ i_membrane_ and with HOC's LFPProbe; bad calls."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import neuron.lfpykit as lfpykit
from neuron.lfpykit import eegmegcalc

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = json.loads((HERE / "lfpykit" / "expected.json").read_text())
CASES = {c["name"]: c for c in FIXTURES["cases"]}

# Largest difference allowed, relative to the largest entry of LFPykit's
# result: rounding (most matrices are bit-identical; LFPykit computes
# FourSphereVolumeConductor's and the infinite conductors' potentials and
# MEG's calculate_H otherwise than as M @ p).
TOL = 1e-12


def cell(name):
    c = FIXTURES["cells"][name]
    return lfpykit.CellGeometry(*(np.array(c[k]) for k in "xyzd"))


def small_cell():
    return cell("tree")


def arrays(v):
    return np.array(v) if isinstance(v, list) else v


def rel_diff(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"shape {got.shape}, LFPykit {want.shape}"
    return np.max(np.abs(got - want)) / np.max(np.abs(want))


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_lfpykit(name):
    c = CASES[name]
    cls = getattr(lfpykit, c["class"])
    assert getattr(eegmegcalc, c["class"], cls) is cls
    kwargs = {k: arrays(v) for k, v in c["kwargs"].items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LFPykit's about coarse CSD bins
        obj = cls(cell(c["cell"]), **kwargs) if c["cell"] else cls(**kwargs)
    got = getattr(obj, c["method"])(*[arrays(a) for a in c["args"]])
    assert isinstance(got, np.ndarray) and got.dtype == np.float64
    assert rel_diff(got, c["expected"]) <= TOL


def test_every_class_is_covered():
    covered = {c["class"] for c in FIXTURES["cases"]}
    models = set(lfpykit.__all__) - {"CellGeometry", "LinearModel", "MEG", "NYHeadModel", "Recording", "record", "eegmegcalc"}
    assert models <= covered, models - covered
    assert lfpykit.MEG is lfpykit.InfiniteHomogeneousVolCondMEG


@pytest.mark.parametrize("index", range(len(FIXTURES["nyhead"])))
def test_nyhead_matches_lfpykit(index):
    want = FIXTURES["nyhead"][index]
    head = lfpykit.NYHeadModel(str(ROOT / FIXTURES["nyhead_file"]))
    pos = want["pos"]
    if "error" in want:
        with pytest.raises(RuntimeWarning, match="nearest cortex vertex"):
            head.set_dipole_pos(pos)
        return
    with pytest.raises(RuntimeError, match="set_dipole_pos"):
        head.get_transformation_matrix()
    head.set_dipole_pos(pos)
    assert head.vertex_idx == want["vertex"]
    np.testing.assert_array_equal(head.dipole_pos, want["dipole_pos"])
    np.testing.assert_array_equal(head.cortex_normal_vec, want["normal"])
    assert rel_diff(head.get_transformation_matrix(), want["M"]) <= 1e-12
    assert rel_diff(head.rotate_dipole_to_surface_normal(np.array(want["p"])), want["p_rot"]) <= 1e-12
    assert head.return_closest_idx([10.0, 0.0, 60.0]) == want["closest"]
    dist, k = head.find_closest_electrode()
    assert (dist, k) == (want["closest_electrode"][0], want["closest_electrode"][1])
    assert head.lead_field.shape == (3, head.cortex.shape[1], head.get_transformation_matrix().shape[0])


def test_nyhead_file_is_never_downloaded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="sa_nyhead.mat"):
        lfpykit.NYHeadModel()
    (tmp_path / "sa_nyhead.mat").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="HDF5"):
        lfpykit.NYHeadModel()


def test_contact_surfaces_average_the_potential():
    c = small_cell()
    kw = dict(x=[0.0, 300.0], y=[80.0, 0.0], z=[0.0, 0.0], N=[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], r=5.0, n=50)
    disc = lfpykit.RecExtElectrode(c, **kw).get_transformation_matrix()
    np.testing.assert_array_equal(disc, lfpykit.RecExtElectrode(c, **kw).get_transformation_matrix())
    square = lfpykit.RecExtElectrode(c, contact_shape="square", **kw).get_transformation_matrix()
    point = lfpykit.RecExtElectrode(c, x=kw["x"], y=kw["y"], z=kw["z"]).get_transformation_matrix()
    assert disc.shape == square.shape == point.shape == (2, c.totnsegs)
    # Far from the cell, a small contact sees nearly what its centre sees.
    assert rel_diff(disc[1], point[1]) < 1e-3 and rel_diff(square[1], point[1]) < 1e-3
    assert not np.array_equal(disc, point)


def test_cell_geometry_as_lfpykit():
    c = small_cell()
    want = FIXTURES["cells"]["tree"]
    assert c.totnsegs == len(want["d"])
    np.testing.assert_array_equal(c.x, want["x"])
    np.testing.assert_allclose(c.length, np.sqrt(np.diff(c.x) ** 2 + np.diff(c.y) ** 2 + np.diff(c.z) ** 2).ravel(), rtol=0, atol=0)
    np.testing.assert_array_equal(c.area, c.length * np.pi * c.d)
    with pytest.raises(AttributeError, match="cell is None"):
        lfpykit.CurrentDipoleMoment(None).get_transformation_matrix()


BAD = [
    ("negative sigma", lambda c: lfpykit.PointSourcePotential(c, x=[0.0], y=[0.0], z=[50.0], sigma=-0.3), ValueError, "sigma"),
    ("zero sigma", lambda c: lfpykit.LineSourcePotential(c, x=[0.0], y=[0.0], z=[50.0], sigma=0.0), ValueError, "sigma"),
    ("sigma not a number", lambda c: lfpykit.PointSourcePotential(c, x=[0.0], y=[0.0], z=[50.0], sigma="0.3"), TypeError, "sigma"),
    ("contacts of unequal size", lambda c: lfpykit.PointSourcePotential(c, x=[0.0, 1.0], y=[0.0], z=[50.0]), ValueError, "same number"),
    ("x not numbers", lambda c: lfpykit.PointSourcePotential(c, x=["a"], y=[0.0], z=[50.0]), TypeError, "x"),
    ("NaN contact", lambda c: lfpykit.PointSourcePotential(c, x=[np.nan], y=[0.0], z=[50.0]), ValueError, "finite"),
    ("geometry of shape (n, 3)", lambda c: lfpykit.CellGeometry(np.zeros((4, 3)), np.zeros((4, 3)), np.zeros((4, 3)), np.ones(4)), ValueError, r"\(n_seg, 2\)"),
    ("geometry of unequal shapes", lambda c: lfpykit.CellGeometry(np.zeros((4, 2)), np.zeros((3, 2)), np.zeros((4, 2)), np.ones(4)), ValueError, "same shape"),
    ("diameters of the wrong size", lambda c: lfpykit.CellGeometry(np.zeros((4, 2)), np.zeros((4, 2)), np.zeros((4, 2)), np.ones(3)), ValueError, "d must"),
    ("anisotropic sigma of 2", lambda c: lfpykit.RecExtElectrode(c, sigma=[0.3, 0.3], x=0.0, y=0.0, z=50.0), ValueError, "sigma"),
    ("unknown method", lambda c: lfpykit.RecExtElectrode(c, x=0.0, y=0.0, z=50.0, method="area"), ValueError, "method"),
    ("no contacts", lambda c: lfpykit.RecExtElectrode(c), ValueError, "probe"),
    ("rect contacts", lambda c: lfpykit.RecExtElectrode(c, x=0.0, y=0.0, z=50.0, contact_shape="rect"), ValueError, "contact_shape"),
    ("n of 1", lambda c: lfpykit.RecExtElectrode(c, x=0.0, y=0.0, z=50.0, N=[1.0, 0.0, 0.0], r=5.0, n=1), ValueError, "n = 1"),
    ("zero normal", lambda c: lfpykit.RecExtElectrode(c, x=0.0, y=0.0, z=50.0, N=[0.0, 0.0, 0.0], r=5.0, n=10), ValueError, "normal"),
    ("unknown keyword", lambda c: lfpykit.RecExtElectrode(c, x=0.0, y=0.0, z=50.0, sigmaa=1.0), TypeError, "sigmaa"),
    ("MEA line source off the plane", lambda c: lfpykit.RecMEAElectrode(c, x=[0.0], y=[0.0], z=[10.0]), NotImplementedError, "z_shift"),
    ("MEA cell outside the slice", lambda c: lfpykit.RecMEAElectrode(c, x=[0.0], y=[0.0], z=[0.0], method="pointsource").get_transformation_matrix(), ValueError, "slice"),
    ("MEA steps beyond the bound", lambda c: lfpykit.RecMEAElectrode(c, x=[0.0], y=[0.0], z=[0.0], steps=10**9), ValueError, "steps"),
    ("CSD edges reversed", lambda c: lfpykit.LaminarCurrentSourceDensity(c, z=np.array([[10.0, 0.0]]), r=np.array([5.0])), ValueError, "edge"),
    ("CSD radius missing", lambda c: lfpykit.LaminarCurrentSourceDensity(c, z=np.array([[0.0, 10.0]]), r=np.array([5.0, 6.0])), ValueError, "one radius"),
    ("CSD negative radius", lambda c: lfpykit.LaminarCurrentSourceDensity(c, z=np.array([[0.0, 10.0]]), r=np.array([-5.0])), ValueError, "greater than zero"),
    ("one sphere r of shape (n, 3)", lambda c: lfpykit.OneSphereVolumeConductor(c, r=np.zeros((2, 3))), ValueError, r"\(3, n_points\)"),
    ("four sphere radii unordered", lambda c: lfpykit.FourSphereVolumeConductor(np.array([[0.0, 0.0, 89000.0]]), radii=[80000.0, 79000.0, 85000.0, 90000.0]), ValueError, "radii"),
    ("four sphere negative sigma", lambda c: lfpykit.FourSphereVolumeConductor(np.array([[0.0, 0.0, 89000.0]]), sigmas=[0.3, -1.5, 0.015, 0.3]), ValueError, "sigmas"),
    ("four sphere electrode outside", lambda c: lfpykit.FourSphereVolumeConductor(np.array([[0.0, 0.0, 99000.0]])), ValueError, "inside"),
    ("four sphere dipole outside the brain", lambda c: lfpykit.FourSphereVolumeConductor(np.array([[0.0, 0.0, 89000.0]])).get_transformation_matrix([0.0, 0.0, 79500.0]), ValueError, "inside the brain"),
    ("four sphere location of 2", lambda c: lfpykit.FourSphereVolumeConductor(np.array([[0.0, 0.0, 89000.0]])).get_transformation_matrix([0.0, 78000.0]), ValueError, r"\(3,\)"),
    ("four sphere moment of shape (2, n)", lambda c: lfpykit.FourSphereVolumeConductor(np.array([[0.0, 0.0, 89000.0]])).get_dipole_potential(np.zeros((2, 5)), [0.0, 0.0, 78000.0]), ValueError, r"\(3, n_timesteps\)"),
    ("infinite conductor sigma", lambda c: lfpykit.InfiniteVolumeConductor(sigma=-1.0), ValueError, "sigma"),
    ("infinite conductor r of shape (3,)", lambda c: lfpykit.InfiniteVolumeConductor().get_transformation_matrix(np.array([1.0, 2.0, 3.0])), ValueError, r"\(n, 3\)"),
    ("MEG sensors of shape (n, 2)", lambda c: lfpykit.MEG(np.zeros((2, 2))), ValueError, r"\(n, 3\)"),
    ("MEG sensor at the dipole", lambda c: lfpykit.MEG(np.array([[0.0, 0.0, 100.0]])).get_transformation_matrix(np.array([0.0, 0.0, 100.0])), ValueError, "coincides"),
    ("spherical MEG dipole beyond a sensor", lambda c: lfpykit.SphericallySymmetricVolCondMEG(np.array([[0.0, 0.0, 100.0]])).get_transformation_matrix(np.array([0.0, 0.0, 200.0])), ValueError, "sensor"),
    ("record a matrix of the wrong width", lambda c: lfpykit.record(np.zeros((2, 5))), ValueError, "segments"),
    ("record a vector", lambda c: lfpykit.record(np.zeros(5)), ValueError, "shape"),
]


@pytest.mark.parametrize("what,call,exc,match", BAD, ids=[b[0] for b in BAD])
def test_bad_calls_raise(what, call, exc, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc, match=match):
            call(small_cell())


def test_signals_recorded_during_the_run(tmp_path):
    out = tmp_path / "run.npz"
    p = subprocess.run([sys.executable, str(HERE / "lfpykit" / "during_run.py"), str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    r = np.load(out)
    imem = r["imem"]
    n_t = round(4 / 0.025) + 1
    assert imem.shape == (11, n_t)
    # The run's own sums (left to right) against numpy's: rounding apart.
    for name, m in (("point", "M_point"), ("line", "M_line"), ("cdm", "M_cdm"), ("eeg", "M_eeg")):
        want = r[m] @ imem
        assert r[name].shape == want.shape
        assert np.max(np.abs(r[name] - want)) <= 1e-12 * np.max(np.abs(want)), name
    np.testing.assert_array_equal(r["point"], r["point_rec"])
    np.testing.assert_array_equal(r["line"], r["line_attr"])
    assert r["first"].shape == (3, round(6 / 0.025) + 1)
    np.testing.assert_array_equal(r["first"][:, :n_t], r["point"])
    # HOC's LFPProbe computes the same signal (its geometry moved as LFPy's).
    assert np.max(np.abs(r["hoc_point"] - r["point"])) <= 1e-12 * np.max(np.abs(r["point"]))
    # The segments in LFPy's order: soma, dend (7), apic (3), straight
    # between the 3-D points at their ends.
    np.testing.assert_allclose(r["cell_x"][:8], [[0, 20]] + [[20 + k * 300 / 7, 20 + (k + 1) * 300 / 7] for k in range(7)], rtol=1e-6)
    np.testing.assert_array_equal(r["cell_length"], r["hoc_length"])
    np.testing.assert_array_equal(r["cell_d"], [20] + [2] * 7 + [1.5] * 3)
    lines = p.stdout.splitlines()
    assert lines[0] == "RuntimeError: the matrix has 11 columns but the model now has 12 segments"
    assert lines[1].startswith("ValueError: M has 11 columns but the model has 12 segments")


def test_variable_step_samples_every_interval(tmp_path):
    out = tmp_path / "cvode.npz"
    p = subprocess.run([sys.executable, str(HERE / "lfpykit" / "variable_step.py"), str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    r = np.load(out)
    # One sample at finitialize and one every 1/steps_per_ms (0.1 ms) to tstop.
    assert r["cdm"].shape == (3, 51) and r["kept"].shape == (1, 51)
    np.testing.assert_allclose(r["t"], np.arange(51) * 0.1, rtol=0, atol=1e-12)
    # The soma's current, as Vector.record samples it every 0.1 ms (the two
    # interpolate the variable step's solution on their own paths).
    assert np.max(np.abs(r["kept"][0] - r["imem"])) <= 1e-11 * np.max(np.abs(r["imem"]))


def test_cell_of_another_kind_and_data_set_by_lfpy():
    """Any object with CellGeometry's attributes serves as the cell (LFPy's
    Cell has them), and LFPy's Cell.simulate may set ``data`` itself."""
    c = small_cell()

    class Like:
        x, y, z, d, length, totnsegs = c.x, c.y, c.z, c.d, c.length, c.totnsegs

    want = lfpykit.LineSourcePotential(c, x=[30.0], y=[0.0], z=[0.0]).get_transformation_matrix()
    probe = lfpykit.LineSourcePotential(Like(), x=[30.0], y=[0.0], z=[0.0])
    np.testing.assert_array_equal(probe.get_transformation_matrix(), want)
    with pytest.raises(AttributeError, match="record"):
        probe.data
    probe.data = want
    assert probe.data is want
    with pytest.raises(TypeError, match="CellGeometry"):
        lfpykit.CurrentDipoleMoment(object()).get_transformation_matrix()
