"""NEURON's unit names (``from neuron.units import ms, mV, µm``): each is
the number that converts a quantity into NEURON's units (ms, mV, µm, mM)."""

# NEURON's own units are 1.
ms = 1
mV = 1
mM = 1
um = µm = 1

# Time
us = µs = 1e-3 * ms
s = sec = 1e3 * ms
minute = 60 * s
hour = 60 * minute
day = 24 * hour

# Length
nm = 1e-3 * um
mm = 1e3 * um
cm = 10 * mm
m = 100 * cm

# Potential
uV = μV = 1e-3 * mV
V = 1e3 * mV

# Concentration
uM = µM = 1e-3 * mM
nM = 1e-6 * mM
M = 1e3 * mM
