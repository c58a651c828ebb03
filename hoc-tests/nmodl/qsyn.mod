TITLE qsyn.mod: a current synapse that keeps a queue of its events (arrays indexed at run time)

DEFINE QMAX 50

NEURON {
	POINT_PROCESS QSyn
	RANGE tau, i, nq
	NONSPECIFIC_CURRENT i
}

UNITS { (nA) = (nanoamp) }

PARAMETER { tau = 3 (ms) horizon = 15 }

ASSIGNED {
	i (nA)
	nq
	tq[QMAX] (ms)
	wq[QMAX] (nA)
}

INITIAL {
	i = 0
	nq = 0
}

BREAKPOINT {
	LOCAL k, old, x
	i = 0
	old = 0
	k = 0
	while (k < nq) {
		x = (t - tq[k])/tau
		if (x > horizon) {
			old = old + 1
		} else if (x >= 0) {
			i = i - wq[k]*exp(-x)
		}
		k = k + 1
	}
	drop(old)
}

PROCEDURE drop(n) {
	LOCAL k
	: forget the n oldest events
	FROM k = 0 TO nq - n - 1 {
		tq[k] = tq[k + n]
		wq[k] = wq[k + n]
	}
	nq = nq - n
}

NET_RECEIVE(w (nA)) {
	if (nq < QMAX) {
		tq[nq] = t
		wq[nq] = w
		nq = nq + 1
	}
}
