TITLE discsyn.mod: state_discontinuity in BREAKPOINT (at at_time times) and in NET_RECEIVE

COMMENT
In BREAKPOINT the jump happens once per step: in the first of the two
current evaluations, and not in finitialize's. hits counts how often the
at_time condition held (twice per step, once per evaluation).
ENDCOMMENT

NEURON {
	POINT_PROCESS discsyn
	NONSPECIFIC_CURRENT i
	RANGE tau, e, gw, del, period, n, hits, g
}

UNITS {
	(nA) = (nanoamp)
	(mV) = (millivolt)
	(uS) = (microsiemens)
}

PARAMETER {
	tau = 3 (ms)
	gw = 0.005 (uS)
	e = 0 (mV)
	del = 0 (ms)
	period = 2.5 (ms)
	n = 3
}

ASSIGNED {
	v (mV)
	i (nA)
	hits
}

STATE { g (uS) }

INITIAL {
	g = 0
	hits = 0
}

BREAKPOINT {
	LOCAL k
	SOLVE state METHOD cnexp
	FROM k = 0 TO n - 1 {
		if (at_time(del + k*period)) {
			state_discontinuity(g, g + gw)
			hits = hits + 1
		}
	}
	i = g*(v - e)
}

DERIVATIVE state {
	g' = -g/tau
}

NET_RECEIVE (w (uS)) {
	state_discontinuity(g, g + w)
}
