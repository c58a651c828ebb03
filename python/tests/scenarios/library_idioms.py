"""What libraries built on `neuron` (LFPy, matplotlib, numpy) rely on:
members probed with hasattr and dir, methods of built-in point processes,
and a run restarted at a negative time after frecord_init."""

from _common import report
from neuron import h

out = {}

# hasattr and dir on built-in objects: a name the class lacks is missing
v = h.Vector([1.0, 2.0])
names = ["to_numpy", "values", "shape", "size", "x", "resize", "record", "fill"]
out["vector_hasattr"] = {n: hasattr(v, n) for n in names}
out["vector_dir"] = sorted(n for n in ("size", "indgen", "to_numpy", "play") if n in dir(v))
lst = h.List()
out["list_hasattr"] = [hasattr(lst, "count"), hasattr(lst, "o"), hasattr(lst, "to_numpy")]
out["random_hasattr"] = [hasattr(h.Random(), "normal"), hasattr(h.Random(), "size")]
try:
    v.to_numpy
except AttributeError as e:
    out["missing_member"] = str(e)

# a NetStim's own procedure seed()
ns = h.NetStim()
ns.number, ns.start, ns.interval, ns.noise = 10, 0, 2, 1
out["netstim_seed"] = [hasattr(ns, "seed"), ns.seed(1234.0)]
h.load_file("stdrun.hoc")
spikes = h.Vector()
nc = h.NetCon(ns, None)
nc.record(spikes)
h.finitialize(-65)
h.continuerun(5)
ns.seed(99)  # the stream moves to another sequence in mid-run
h.continuerun(20)
out["netstim_spikes"] = list(spikes)

# a run started at a negative t after frecord_init: recordings at an
# interval take their first sample when the next step begins, and a
# record of t at an interval holds its sample times
sec = h.Section(name="stick")
sec.insert("pas")
sec.g_pas = 1e-3
ic = h.IClamp(sec(0.5))
ic.delay, ic.dur, ic.amp = -0.6, 0.3, 0.1
h.dt = 0.125
tv = h.Vector().record(h._ref_t, 0.25)
vv = h.Vector().record(sec(0.5)._ref_v, 0.25)
every = h.Vector().record(h._ref_t)
h.finitialize(-65)
h.fcurrent()
h.frecord_init()
h.t = -1.0
h.continuerun(1.0)
out["tstart_t"] = list(tv)
out["tstart_v"] = list(vv)
out["tstart_every_step"] = list(every)

report(**out)
