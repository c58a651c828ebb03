: One side of a gap junction whose other side's voltage arrives by
: ParallelContext value transfer (target_var).
NEURON {
	POINT_PROCESS HalfGap
	RANGE g, i, vgap
	NONSPECIFIC_CURRENT i
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) }
PARAMETER { g = 0.005 (uS) }
ASSIGNED { v (mV) vgap (mV) i (nA) }
BREAKPOINT { i = g*(v - vgap) }
