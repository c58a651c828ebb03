: Two INITIAL blocks: both run, in the order written.
NEURON {
	SUFFIX twoinit
	RANGE a, b, c
}

PARAMETER {
	k = 3
}

ASSIGNED {
	a
	b
	c
}

STATE {
	s
}

LOCAL done

INITIAL {
	a = k
	s = 2
}

BREAKPOINT {
	SOLVE ds METHOD cnexp
}

DERIVATIVE ds {
	s' = -s / k
}

INITIAL {
	if (done == 0) {
		done = 1
		b = a + 1
	}
	c = s * 10
	s = s + a
}
