"""``sec.psection()``: a section's properties as a dict, with NEURON 9's keys."""


def psection(sec):
    segs = list(sec)
    density, ions, points = {}, {}, {}
    for seg in segs:
        for mech in seg:
            table = ions if mech.is_ion() else density
            key = mech.name()[:-4] if mech.is_ion() else mech.name()
            values = table.setdefault(key, {})
            for var in mech._varnames():
                values.setdefault(var, []).append(getattr(mech, var))
        for pp in seg.point_processes():
            points.setdefault(pp.hname().split("[")[0], set()).add(pp)
    n3d = int(sec.n3d())
    parent = sec.parentseg()
    return {
        "point_processes": points,
        "density_mechs": density,
        "ions": ions,
        "morphology": {
            "L": sec.L,
            "diam": [seg.diam for seg in segs],
            "pts3d": [(sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i)) for i in range(n3d)],
            "parent": parent,
            "trueparent": sec.trueparentseg(),
        },
        "nseg": sec.nseg,
        "Ra": sec.Ra,
        "cm": [seg.cm for seg in segs],
        "regions": set(),
        "species": set(),
        "name": sec.name(),
        "hoc_internal_name": sec.hoc_internal_name(),
        "cell": sec.cell(),
    }
