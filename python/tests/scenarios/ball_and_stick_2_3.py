"""NEURON's ball-and-stick tutorial, parts 2 and 3, in the project's own
words: cells placed and rotated in 3-D (define_shape, pt3dchange), a
synapse driven by a NetStim, spike detectors, then a ring of five cells."""

from _common import every, report
from neuron import n
from neuron.units import mV, ms

n.load_file("stdrun.hoc")


class Cell:
    name = "Cell"

    def __init__(self, gid, x, y, z, theta):
        self._gid = gid
        self._setup_morphology()
        self.all = self.soma.wholetree()
        self._setup_biophysics()
        self.x = self.y = self.z = 0
        n.define_shape()
        self._rotate_z(theta)
        self._set_position(x, y, z)
        self._spike_detector = n.NetCon(self.soma(0.5)._ref_v, None, sec=self.soma)
        self.spike_times = n.Vector()
        self._spike_detector.record(self.spike_times)
        self._ncs = []
        self.soma_v = n.Vector().record(self.soma(0.5)._ref_v)

    def __repr__(self):
        return "{}[{}]".format(self.name, self._gid)

    def _set_position(self, x, y, z):
        for sec in self.all:
            for i in range(sec.n3d()):
                sec.pt3dchange(i, x - self.x + sec.x3d(i), y - self.y + sec.y3d(i), z - self.z + sec.z3d(i), sec.diam3d(i))
        self.x, self.y, self.z = x, y, z

    def _rotate_z(self, theta):
        c, s = n.cos(theta), n.sin(theta)
        for sec in self.all:
            for i in range(sec.n3d()):
                x, y = sec.x3d(i), sec.y3d(i)
                sec.pt3dchange(i, x * c - y * s, x * s + y * c, sec.z3d(i), sec.diam3d(i))


class BallAndStick(Cell):
    name = "BallAndStick"

    def _setup_morphology(self):
        self.soma = n.Section("soma", self)
        self.dend = n.Section("dend", self)
        self.dend.connect(self.soma)
        self.soma.L = self.soma.diam = 12.6157
        self.dend.L = 200
        self.dend.diam = 1

    def _setup_biophysics(self):
        for sec in self.all:
            sec.Ra = 100
            sec.cm = 1
        self.soma.insert(n.hh)
        for seg in self.soma:
            seg.hh.gnabar = 0.12
            seg.hh.gkbar = 0.036
            seg.hh.gl = 0.0003
            seg.hh.el = -54.3
        self.dend.insert(n.pas)
        for seg in self.dend:
            seg.pas.g = 0.001
            seg.pas.e = -65
        self.syn = n.ExpSyn(self.dend(0.5))
        self.syn.tau = 2 * ms


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
