NEURON {
	POINT_PROCESS Izh
	RANGE a, b, c, d, vpeak, u, spikes, k
	NONSPECIFIC_CURRENT i
}
UNITS { (mV) = (millivolt) (nA) = (nanoamp) }
PARAMETER { a = 0.02 b = 0.2 c = -65 d = 6 vpeak = 30 k = 0.0001 }
ASSIGNED { v (mV) i (nA) spikes }
STATE { u }
INITIAL { u = b*v spikes = 0 net_send(0, 1) }
BREAKPOINT {
	SOLVE states METHOD cnexp
	i = -k*(0.04*v*v + 5*v + 140 - u)
}
DERIVATIVE states { u' = a*(b*v - u) }
NET_RECEIVE (w) {
	if (flag == 1) {
		WATCH (v > vpeak) 2
		WATCH (v < -80) 3
	} else if (flag == 2) {
		net_event(t)
		spikes = spikes + 1
		u = u + d
		net_send(0.5, 4)
	} else if (flag == 4) {
		WATCH (v > vpeak) 2
	}
}
