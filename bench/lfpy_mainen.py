"""The mainen_passive_lfp conformance run in LFPy, timed.

Run by bench/run_lfp.sh with a Python that has neuron==9.0.2, lfpy==2.3.7
and lfpykit==0.6.2, and again with one whose `neuron` is nerve's package
(LFPy on nerve). Prints wall-clock seconds and peak memory (MiB).
"""
import json, resource, sys, time

t0 = time.perf_counter()
import numpy as np
import LFPy
import lfpykit

case = json.load(open("case.json"))["lfpy"]
probes = json.load(open("probes.json"))["probes"]
cell = LFPy.Cell(morphology=case["build"], tstop=case["tstop"], dt=case["dt"],
                 v_init=case["v_init"], passive=False, delete_sections=False)
# (LFPy puts the soma at the origin; for timing the frame does not matter.)


def make(p):
    kind = p["type"]
    args = {k: (np.array(v) if isinstance(v, list) else v) for k, v in p.items() if k not in ("name", "type")}
    if kind in ("FourSphereVolumeConductor", "InfiniteVolumeConductor",
                "InfiniteHomogeneousVolCondMEG", "SphericallySymmetricVolCondMEG"):
        loc = args.pop("dipole_location")
        if kind == "FourSphereVolumeConductor":
            m = LFPy.FourSphereVolumeConductor(args["r_electrodes"], radii=args["radii"], sigmas=args["sigmas"])
        elif kind == "InfiniteVolumeConductor":
            m = LFPy.InfiniteVolumeConductor(sigma=args["sigma"])
        elif kind == "InfiniteHomogeneousVolCondMEG":
            m = LFPy.InfiniteHomogeneousVolCondMEG(args["sensor_locations"])
        else:
            m = LFPy.SphericallySymmetricVolCondMEG(args["r"])
        return ("dipole", kind, m, loc, args)
    cls = getattr(lfpykit, kind)
    return ("cell", kind, cls(cell, **args), None, args)


built = [make(p) for p in probes]
cell_probes = [b[2] for b in built if b[0] == "cell"]
dipole = lfpykit.CurrentDipoleMoment(cell)
cell.simulate(probes=cell_probes + [dipole], rec_imem=False)
P = dipole.data
for b in built:
    if b[0] == "dipole":
        kind, m, loc, args = b[1], b[2], b[3], b[4]
        if kind == "InfiniteVolumeConductor":
            m.get_dipole_potential(P, np.array(args["r"], dtype=float) - loc)
        else:
            M = m.get_transformation_matrix(np.array(loc, dtype=float))
            np.einsum("...j,jt->...t", M, P)
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(f"{wall:.4f} {peak:.1f}")
