#!/usr/bin/env python3
"""Records what LFPykit 0.6.2 computes for the cases test_lfpykit.py runs
through neuron.lfpykit (nerve's classes of the same names).

Run in a virtual environment with lfpykit==0.6.2 (and h5py, for the New
York head model), from anywhere:

    python make_fixtures.py

Writes expected.json beside this script: the cell geometries, and for each
case the class, its constructor arguments, the method called with its
arguments, and LFPykit's result. Numbers are written with repr, so they
read back exactly.
"""
import json
import os
import warnings

import numpy as np
import lfpykit
from lfpykit import eegmegcalc

assert lfpykit.__version__ == "0.6.2", lfpykit.__version__
warnings.simplefilter("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
NYHEAD = os.path.join("crates", "field", "tests", "data", "nyhead_small.mat")
rng = np.random.RandomState(5150)


def tree(nseg, shift=(0.0, 0.0, 0.0)):
    """A soma (segment 0, along z) and straight random branches."""
    start, end, diam = [[0.0, 0.0, -8.0]], [[0.0, 0.0, 8.0]], [16.0]
    for _ in range(nseg - 1):
        k = rng.randint(len(end))
        p0 = np.array(end[k])
        d = rng.randn(3)
        d /= np.linalg.norm(d)
        start.append(list(p0))
        end.append(list(p0 + d * rng.uniform(5.0, 30.0)))
        diam.append(rng.uniform(0.4, 3.0))
    s, e = np.array(start) + shift, np.array(end) + shift
    return {"x": np.c_[s[:, 0], e[:, 0]].tolist(), "y": np.c_[s[:, 1], e[:, 1]].tolist(),
            "z": np.c_[s[:, 2], e[:, 2]].tolist(), "d": diam}


CELLS = {"tree": tree(14)}
CELLS["frusta"] = dict(CELLS["tree"], d=np.c_[CELLS["tree"]["d"], np.array(CELLS["tree"]["d"]) * 0.7].tolist())
# Inside a slice 0 < z < 300 for RecMEAElectrode.
CELLS["slice"] = tree(10, shift=(0.0, 0.0, 150.0))


def cell(name):
    c = CELLS[name]
    return lfpykit.CellGeometry(*(np.array(c[k]) for k in "xyzd"))


def arrays(kwargs):
    """JSON lists become ndarrays, as LFPykit wants them."""
    return {k: np.array(v) if isinstance(v, list) else v for k, v in kwargs.items()}


CASES = []


def case(name, cls, kwargs, method="get_transformation_matrix", args=(), cell_name=None):
    obj_cls = getattr(lfpykit, cls, None) or getattr(eegmegcalc, cls)
    kw = arrays(kwargs)
    obj = obj_cls(cell(cell_name), **kw) if cell_name else obj_cls(**kw)
    out = getattr(obj, method)(*[np.array(a) if isinstance(a, list) else a for a in args])
    CASES.append({"name": name, "class": cls, "cell": cell_name, "kwargs": kwargs,
                  "method": method, "args": list(args), "expected": np.asarray(out).tolist()})


contacts = rng.uniform(-60, 60, size=(3, 6))
contacts[:, 0] = [0.0, 0.0, 3.0]      # inside the soma's radius
contacts[:, 1] = [0.0, 200.0, 0.0]
xyz = {"x": contacts[0].tolist(), "y": contacts[1].tolist(), "z": contacts[2].tolist()}
for c in ("tree", "frusta"):
    case(f"point_source_{c}", "PointSourcePotential", dict(xyz, sigma=0.3), cell_name=c)
    case(f"line_source_{c}", "LineSourcePotential", dict(xyz, sigma=0.45), cell_name=c)
    for method in ("linesource", "pointsource", "root_as_point"):
        case(f"rec_ext_{method}_{c}", "RecExtElectrode", dict(xyz, sigma=0.3, method=method), cell_name=c)
        case(f"rec_ext_{method}_aniso_{c}", "RecExtElectrode",
             dict(xyz, sigma=[0.3, 0.2, 0.5], method=method), cell_name=c)
case("cdm", "CurrentDipoleMoment", {}, cell_name="tree")

plane = {"x": [0.0, 40.0, -25.0], "y": [0.0, 10.0, 30.0], "z": [0.0, 0.0, 0.0]}
above = {"x": [0.0, 40.0, -25.0], "y": [0.0, 10.0, 30.0], "z": [0.0, 50.0, 120.0]}
for method in ("linesource", "pointsource", "root_as_point"):
    case(f"mea_{method}", "RecMEAElectrode", dict(plane, method=method, h=300.0, steps=20), cell_name="slice")
case("mea_pointsource_above", "RecMEAElectrode",
     dict(above, method="pointsource", h=300.0, sigma_T=0.3, sigma_S=1.5, sigma_G=0.1, steps=10), cell_name="slice")
case("mea_squeeze", "RecMEAElectrode",
     dict(plane, method="pointsource", h=300.0, squeeze_cell_factor=0.3), cell_name="slice")
case("mea_z_shift", "RecMEAElectrode",
     dict(x=[0.0], y=[20.0], z=[-100.0], method="linesource", h=400.0, z_shift=-100.0), cell_name="slice")

r_sph = [[20000.0, 9000.0, 11000.0], [0.3, 1.2, 2.0], [0.0, 1.0, 4.0]]
case("one_sphere", "OneSphereVolumeConductor", {"r": r_sph, "R": 10000.0, "sigma_i": 0.3, "sigma_o": 0.03},
     args=(200,), cell_name="slice")  # off the centre: LFPykit gives NaN for a source there
case("laminar_csd", "LaminarCurrentSourceDensity",
     {"z": [[-40.0, -10.0], [-10.0, 20.0], [20.0, 50.0]], "r": [30.0, 30.0, 50.0]}, cell_name="tree")
case("volumetric_csd", "VolumetricCurrentSourceDensity",
     {"x": [-40.0, 0.0, 40.0], "y": [-40.0, 0.0, 40.0], "z": [-40.0, -10.0, 20.0, 50.0], "dl": 2.0}, cell_name="tree")

electrodes = [[0.0, 0.0, 89000.0], [30000.0, 0.0, 80000.0], [0.0, 50000.0, 70000.0], [0.0, 0.0, 79500.0]]
loc = [100.0, 200.0, 78000.0]
p = rng.randn(3, 4).tolist()
case("four_sphere_M", "FourSphereVolumeConductor", {"r_electrodes": electrodes}, args=(loc,))
case("four_sphere_p", "FourSphereVolumeConductor",
     {"r_electrodes": electrodes, "radii": [79000.0, 80000.0, 85000.0, 90000.0], "sigmas": [0.3, 1.5, 0.015, 0.3]},
     method="get_dipole_potential", args=(p, loc))
r_inf = [[100.0, 0.0, 0.0], [30.0, -40.0, 120.0], [0.0, 0.0, -500.0]]
case("infinite_M", "InfiniteVolumeConductor", {"sigma": 0.3}, args=(r_inf,))
case("infinite_p", "InfiniteVolumeConductor", {"sigma": 0.33}, method="get_dipole_potential", args=(p, r_inf))
sensors = [[0.0, 0.0, 10000.0], [8000.0, 0.0, 6000.0], [0.0, -9000.0, 3000.0]]
mloc = [0.0, 100.0, 7800.0]
case("meg_M", "InfiniteHomogeneousVolCondMEG", {"sensor_locations": sensors}, args=(mloc,))
case("meg_H", "InfiniteHomogeneousVolCondMEG", {"sensor_locations": sensors}, method="calculate_H", args=(p, mloc))
case("meg_B", "InfiniteHomogeneousVolCondMEG", {"sensor_locations": sensors, "mu": 1e-6},
     method="calculate_B", args=(p, mloc))
case("meg_sph_M", "SphericallySymmetricVolCondMEG", {"r": sensors}, args=(mloc,))
case("meg_sph_H", "SphericallySymmetricVolCondMEG", {"r": sensors}, method="calculate_H", args=(p, mloc))

# The New York head model, on the small file the field crate's tests use.
os.chdir(ROOT)
ny = []
for pos in (None, "parietal_lobe", [-48.7, 8.1, 35.2]):
    head = eegmegcalc.NYHeadModel(NYHEAD)
    try:
        head.set_dipole_pos(pos if not isinstance(pos, list) else np.array(pos))
    except RuntimeWarning as w:
        ny.append({"pos": pos, "error": str(w)})
        continue
    ny.append({"pos": pos, "vertex": int(head.vertex_idx), "dipole_pos": head.dipole_pos.tolist(),
               "normal": head.cortex_normal_vec.tolist(), "M": head.get_transformation_matrix().tolist(),
               "p": p, "p_rot": head.rotate_dipole_to_surface_normal(np.array(p)).tolist(),
               "closest": int(head.return_closest_idx([10.0, 0.0, 60.0])),
               "closest_electrode": [float(v) for v in head.find_closest_electrode()]})

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump({"lfpykit": lfpykit.__version__, "cells": CELLS, "cases": CASES, "nyhead_file": NYHEAD, "nyhead": ny}, f, allow_nan=False)
    f.write("\n")
print(len(CASES), "cases,", len(ny), "head positions")
