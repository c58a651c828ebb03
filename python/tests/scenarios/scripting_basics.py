"""NEURON's "scripting basics" tutorial, in the project's own words: one
hh soma, an IClamp, records of v and t, a 40 ms run."""

import pickle

from _common import crossings, every, report
from neuron import n
from neuron.units import mV, ms

soma = n.Section("soma")
n.topology()
morph = soma.psection()["morphology"]
soma.L = 20
soma.diam = 20
soma.insert(n.hh)
mech = soma(0.5).hh
iclamp = n.IClamp(soma(0.5))
iclamp.delay = 2
iclamp.dur = 0.1
iclamp.amp = 0.9
ps = soma.psection()

v = n.Vector().record(soma(0.5)._ref_v)
t = n.Vector().record(n._ref_t)
n.load_file("stdrun.hoc")
n.finitialize(-65 * mV)
n.continuerun(40 * ms)

again = pickle.loads(pickle.dumps({"t": t, "v": v}))
report(
    types=[type(soma).__name__, type(soma(0.5)).__name__, type(mech).__name__],
    gkbar=[mech.gkbar, soma(0.5).hh.gkbar],
    psection_start={k: morph[k] for k in ("L", "diam", "parent")},
    psection_hh=ps["density_mechs"]["hh"]["gnabar"],
    psection_ions=sorted(ps["ions"]),
    psection_points=sorted(ps["point_processes"]),
    nseg=ps["nseg"],
    n=len(v),
    t=every(t, 100),
    v=every(v, 100),
    spikes=crossings(t, v),
    pickled=[again["t"].hname().split("[")[0], list(again["v"])[-1]],
)
