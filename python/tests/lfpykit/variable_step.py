"""Recordings under the variable step, and recordings dropped before the
run; prints what the test checks."""

import gc
import sys

import numpy as np

import neuron.lfpykit as lfpykit
from neuron import h

h.load_file("stdrun.hoc")
soma = h.Section(name="soma")
soma.L = soma.diam = 20
soma.insert("hh")
stim = h.IClamp(soma(0.5))
stim.delay, stim.dur, stim.amp = 1, 1, 0.5
cell = lfpykit.CellGeometry.from_sections()
cdm = lfpykit.CurrentDipoleMoment(cell)
cdm.record()
for _ in range(3):
    lfpykit.record(np.ones((2, 1)))  # dropped at once
gc.collect()
kept = lfpykit.record(np.ones((1, 1)))
t = h.Vector().record(h._ref_t, 0.1)
imem = h.Vector().record(soma(0.5)._ref_i_membrane_, 0.1)
h.cvode.active(1)
h.tstop, h.steps_per_ms = 5, 10
h.run()
np.savez(
    sys.argv[1],
    cdm=cdm.data,
    kept=kept.data,
    t=np.array(t),
    imem=np.array(imem),
)
