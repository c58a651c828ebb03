TITLE vsyn.mod: a synapse whose events read the membrane potential (voltage-dependent potentiation)

NEURON {
	POINT_PROCESS VSyn
	RANGE tau, e, i, theta, lastv
	NONSPECIFIC_CURRENT i
}

UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) }

PARAMETER { tau = 2 (ms) e = 0 (mV) theta = -60 (mV) }

ASSIGNED { v (mV) i (nA) lastv (mV) }

STATE { g (uS) }

INITIAL { g = 0 lastv = 0 }

BREAKPOINT {
	SOLVE state METHOD cnexp
	i = g*(v - e)
}

DERIVATIVE state { g' = -g/tau }

NET_RECEIVE(w (uS), k) {
	INITIAL { k = 1 }
	lastv = v
	if (v > theta) {
		k = k*1.5
	}
	g = g + w*k
}
