NEURON {
	SUFFIX dgap
	POINTER vo
	RANGE g, i
	NONSPECIFIC_CURRENT i
}
PARAMETER { g = 1e-4 (S/cm2) }
ASSIGNED { v (mV) vo (mV) i (mA/cm2) }
BREAKPOINT { i = g*(v - vo) }
