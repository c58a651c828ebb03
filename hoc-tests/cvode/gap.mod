NEURON {
	POINT_PROCESS Gap
	POINTER vgap
	RANGE g, i
	NONSPECIFIC_CURRENT i
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) }
PARAMETER { g = 0.01 (uS) }
ASSIGNED { v (mV) vgap (mV) i (nA) }
BREAKPOINT { i = g*(v - vgap) }
