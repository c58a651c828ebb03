"""NEURON's ball-and-stick tutorial, part 1, in the project's own words:
Python sections named by their cell, topology, deletion with the cell,
geometry, biophysics, a current step at two discretizations."""

from _common import every, report
from neuron import n
from neuron.units import mV, ms, µm

n.load_file("stdrun.hoc")


class BallAndStick:
    def __init__(self, gid):
        self._gid = gid
        self.soma = n.Section("soma", self)
        self.dend = n.Section("dend", self)
        self.dend.connect(self.soma)
        self.all = self.soma.wholetree()
        self.soma.L = self.soma.diam = 12.6157 * µm
        self.dend.L = 200 * µm
        self.dend.diam = 1 * µm
        for sec in self.all:
            sec.Ra = 100
            sec.cm = 1
        self.soma.insert(n.hh)
        for seg in self.soma:
            seg.hh.gnabar = 0.12
            seg.hh.gkbar = 0.036
            seg.hh.gl = 0.0003
            seg.hh.el = -54.3 * mV
        self.dend.insert(n.pas)
        for seg in self.dend:
            seg.pas.g = 0.001
            seg.pas.e = -65 * mV

    def __repr__(self):
        return "BallAndStick[{}]".format(self._gid)


my_cell = BallAndStick(0)
my_other_cell = BallAndStick(1)
n.topology()
del my_other_cell
n.topology()

area = my_cell.soma(0.5).area()
mechs = {str(sec): sorted(sec.psection()["density_mechs"]) for sec in n.allsec()}

stim = n.IClamp(my_cell.dend(1))
seg = stim.get_segment()
stim.delay = 5
stim.dur = 1
stim.amp = 0.1

soma_v = n.Vector().record(my_cell.soma(0.5)._ref_v)
dend_v = n.Vector().record(my_cell.dend(0.5)._ref_v)
t = n.Vector().record(n._ref_t)

traces = {}
for amp in [0.075 * i for i in range(1, 5)]:
    stim.amp = amp
    for my_cell.dend.nseg, label in [(1, "nseg1"), (101, "nseg101")]:
        n.finitialize(-65 * mV)
        n.continuerun(25 * ms)
        traces["%g %s" % (amp, label)] = [every(soma_v, 50), every(dend_v, 50)]

report(area=area, mechs=mechs, stim_segment=str(seg), t=every(t, 50), traces=traces, names=[str(s) for s in n.allsec()])
