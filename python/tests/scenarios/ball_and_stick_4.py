"""NEURON's ball-and-stick tutorial, part 4, in the project's own words:
the ring of five cells distributed by gid with ParallelContext (one
process), run with psolve, spike times gathered with py_alltoall."""

from _ballandstick import BallAndStick
from _common import every, report
from neuron import n
from neuron.units import mV, ms

n.nrnmpi_init()
pc = n.ParallelContext()


class Ring:
    def __init__(self, N=5, stim_w=0.04, stim_t=9, stim_delay=1, syn_w=0.01, syn_delay=5, r=50):
        self._N = N
        self.gidlist = list(range(int(pc.id()), N, int(pc.nhost())))
        for gid in self.gidlist:
            pc.set_gid2node(gid, pc.id())
        self.cells = []
        for i in self.gidlist:
            theta = i * 2 * n.PI / N
            self.cells.append(BallAndStick(i, n.cos(theta) * r, n.sin(theta) * r, 0, theta))
        for cell in self.cells:
            pc.cell(cell._gid, cell._spike_detector)
        for target in self.cells:
            nc = pc.gid_connect((target._gid - 1 + N) % N, target.syn)
            nc.weight[0] = syn_w
            nc.delay = syn_delay
            target._ncs.append(nc)
        if pc.gid_exists(0):
            self._netstim = n.NetStim()
            self._netstim.number = 1
            self._netstim.start = stim_t
            self._nc = n.NetCon(self._netstim, pc.gid2cell(0).syn)
            self._nc.delay = stim_delay
            self._nc.weight[0] = stim_w


ring = Ring()
pc.set_maxstep(10 * ms)
t = n.Vector().record(n._ref_t)
n.finitialize(-65 * mV)
pc.psolve(100 * ms)

local = {cell._gid: list(cell.spike_times) for cell in ring.cells}
gathered = pc.py_alltoall([local] + [None] * (int(pc.nhost()) - 1))
spikes = {}
for part in gathered:
    spikes.update(part)
print("I am {} of {}".format(pc.id(), pc.nhost()))
report(
    spikes=spikes,
    soma_v=every(pc.gid2cell(0).soma_v, 100),
    t=every(t, 100),
    gid_exists=[pc.gid_exists(i) for i in range(6)],
    return_types=[
        type(x).__name__
        for x in (pc.nhost(), pc.id(), pc.gid_exists(0), t.size(), t.contains(0), t.sum(), n.List().count(), n.CVode().active(), n.SectionRef(sec=pc.gid2cell(0).soma).has_parent(), n.area(0.5, sec=pc.gid2cell(0).soma))
    ],
    collectives=[pc.py_allgather(None), pc.py_gather(3, 0), pc.py_broadcast("b", 0), pc.py_scatter([[1, 2]], 0)],
)
pc.barrier()
pc.done()
n.quit()
