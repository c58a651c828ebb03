"""NEURON's ball-and-stick tutorial, parts 2 and 3, in the project's own
words: cells placed and rotated in 3-D (define_shape, pt3dchange), a
synapse driven by a NetStim, spike detectors, then a ring of five cells."""

from _ballandstick import BallAndStick
from _common import every, report
from neuron import n
from neuron.units import mV, ms

n.load_file("stdrun.hoc")

# Part 2: one cell, one stimulus, a range of weights.
cell = BallAndStick(0, 0, 0, 0, 0)
stim = n.NetStim()
syn_ = n.ExpSyn(cell.dend(0.5))
stim.number = 1
stim.start = 9
ncstim = n.NetCon(stim, syn_)
ncstim.delay = 1 * ms
ncstim.weight[0] = 0.04
syn_.tau = 2 * ms
syn_i = n.Vector().record(syn_._ref_i)
t = n.Vector().record(n._ref_t)
dend_v = n.Vector().record(cell.dend(0.5)._ref_v)
part2 = {}
for w in [0.02, 0.04, 0.08]:
    ncstim.weight[0] = w
    n.finitialize(-65 * mV)
    n.continuerun(25 * ms)
    part2[str(w)] = [every(cell.soma_v, 40), every(dend_v, 40), every(syn_i, 40), list(cell.spike_times)]
points = [[sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i)] for sec in cell.all for i in range(sec.n3d())]
del cell, stim, syn_, ncstim


class Ring:
    def __init__(self, N=5, stim_w=0.04, stim_t=9, stim_delay=1, syn_w=0.01, syn_delay=5, r=50):
        self._syn_w = syn_w
        self._syn_delay = syn_delay
        self.cells = [BallAndStick(i, n.cos(i * 2 * n.PI / N) * r, n.sin(i * 2 * n.PI / N) * r, 0, i * 2 * n.PI / N) for i in range(N)]
        for source, target in zip(self.cells, self.cells[1:] + [self.cells[0]]):
            nc = n.NetCon(source.soma(0.5)._ref_v, target.syn, sec=source.soma)
            nc.weight[0] = self._syn_w
            nc.delay = self._syn_delay
            source._ncs.append(nc)
        self._netstim = n.NetStim()
        self._netstim.number = 1
        self._netstim.start = stim_t
        self._nc = n.NetCon(self._netstim, self.cells[0].syn)
        self._nc.delay = stim_delay
        self._nc.weight[0] = stim_w


ring = Ring(N=5)
n.finitialize(-65 * mV)
n.continuerun(100)
spikes = {repr(c): list(c.spike_times) for c in ring.cells}
ring_points = [[sec.x3d(0), sec.y3d(0), sec.z3d(0)] for c in ring.cells for sec in c.all]
report(part2=part2, points=points, spikes=spikes, ring_points=ring_points, sections=[str(s) for s in n.allsec()])
