"""A ball-and-stick model whose extracellular signals neuron.lfpykit
records during the run; prints them with the membrane currents recorded by
Vector.record and the HOC LFPProbe's signal, as .npz at argv[1]."""

import sys

import numpy as np

import neuron.lfpykit as lfpykit
from neuron import h

h.load_file("stdrun.hoc")
soma = h.Section(name="soma")
soma.L = soma.diam = 20
soma.insert("hh")
dend = h.Section(name="dend")
dend.connect(soma(1))
dend.L, dend.diam, dend.nseg = 300, 2, 7
dend.insert("pas")
apic = h.Section(name="apic")
apic.connect(soma(0))
apic.L, apic.diam, apic.nseg = 100, 1.5, 3
apic.insert("pas")
h.pt3dclear(sec=apic)
h.pt3dadd(0, 0, 0, 1.5, sec=apic)
h.pt3dadd(-30, 60, 10, 1.5, sec=apic)
h.pt3dadd(-40, 90, 30, 1.5, sec=apic)
stim = h.IClamp(soma(0.5))
stim.delay, stim.dur, stim.amp = 1, 1, 0.6
h.cvode.use_fast_imem(1)

cell = lfpykit.CellGeometry.from_sections()
x, y, z = np.array([40.0, -20.0, 150.0]), np.array([30.0, 50.0, 0.0]), np.array([0.0, 5.0, -20.0])
point = lfpykit.PointSourcePotential(cell, x=x, y=y, z=z, sigma=0.3)
line = lfpykit.LineSourcePotential(cell, x=x, y=y, z=z, sigma=0.3)
cdm = lfpykit.CurrentDipoleMoment(cell)
head = lfpykit.FourSphereVolumeConductor(np.array([[0.0, 0.0, 90000.0], [20000.0, 0.0, 85000.0]]))
eeg_M = head.get_transformation_matrix([0.0, 0.0, 78000.0]) @ cdm.get_transformation_matrix()
rec_point, rec_line = point.record(), lfpykit.record(line)
rec_cdm = cdm.record()
rec_eeg = lfpykit.record(eeg_M)

imem = []
for sec in h.allsec():
    for seg in sec:
        v = h.Vector()
        v.record(seg._ref_i_membrane_)
        imem.append(v)
hoc_probe = h.LFPProbe("PointSourcePotential", h.Vector(x), h.Vector(y), h.Vector(z), 0.3)

h.tstop = 6
h.run()
first = point.data.copy()
# A second run starts the signals again.
h.tstop = 4
h.run()
np.savez(
    sys.argv[1],
    M_point=point.get_transformation_matrix(),
    M_line=line.get_transformation_matrix(),
    M_cdm=cdm.get_transformation_matrix(),
    M_eeg=eeg_M,
    point=point.data,
    point_rec=rec_point.data,
    line=rec_line.data,
    line_attr=line.data,
    cdm=rec_cdm.data,
    eeg=rec_eeg.data,
    first=first,
    imem=np.array([np.array(v) for v in imem]),
    hoc_point=np.array([np.array(hoc_probe.data(i)) for i in range(int(hoc_probe.size()))]),
    cell_x=cell.x,
    cell_y=cell.y,
    cell_z=cell.z,
    cell_d=cell.d,
    cell_length=cell.length,
    hoc_length=[sec.L / sec.nseg for sec in h.allsec() for seg in sec],
)

# The model changes: a recording over the old segments says so.
extra = h.Section(name="extra")
h.run()
try:
    point.data
    print("NO ERROR")
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    lfpykit.record(point.get_transformation_matrix())
    print("NO ERROR")
except ValueError as e:
    print("ValueError:", e)
