TITLE intfire1.mod   leaky integrate-and-fire cell driven by events

COMMENT
m relaxes to 0 with time constant tau and jumps by each input's weight;
above 1 the cell fires (net_event) and is refractory for refrac ms, during
which M() reads 2 for the first 0.5 ms and -1 after. An ARTIFICIAL_CELL: no
membrane, only events, so m is computed analytically when an event arrives.
ENDCOMMENT

NEURON {
	ARTIFICIAL_CELL IntFire1
	RANGE tau, refrac, m
}

PARAMETER {
	tau = 10 (ms)
	refrac = 5 (ms)
}

ASSIGNED {
	m
	t0 (ms)
	refractory
}

INITIAL {
	m = 0
	t0 = t
	refractory = 0
}

FUNCTION M() {
	if (refractory == 0) {
		M = m*exp(-(t - t0)/tau)
	} else if (refractory == 1) {
		if (t - t0 < .5) {
			M = 2
		} else {
			M = -1
		}
	}
}

NET_RECEIVE (w) {
	if (refractory == 0) {
		m = m*exp(-(t - t0)/tau)
		t0 = t
		m = m + w
		if (m > 1) {
			refractory = 1
			m = 2
			net_send(refrac, refractory)
			net_event(t)
		}
	} else if (flag == 1) {
		t0 = t
		refractory = 0
		m = 0
	}
}
