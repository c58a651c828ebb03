TITLE mover.mod: a pacemaker whose pending firing each input moves (net_move)

NEURON { ARTIFICIAL_CELL Mover RANGE period, fired }
PARAMETER { period = 5 (ms) }
ASSIGNED { fired }
INITIAL {
	fired = 0
	net_send(period, 1)
}
NET_RECEIVE (w) {
	if (flag == 1) {
		net_event(t)
		fired = fired + 1
		net_send(period, 1)
	} else {
		net_move(t + w)
	}
}
