"""The ball-and-stick cell of NEURON's tutorial (parts 2-4), in the
project's own words."""

from neuron import n
from neuron.units import ms


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
