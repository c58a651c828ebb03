: C's && and || in NMODL expressions: the right side, a FUNCTION with an
: effect, runs only when the left side does not decide.
NEURON { SUFFIX shortc RANGE n, a, r1, r2 }
ASSIGNED { n a r1 r2 }
FUNCTION bump() {
	n = n + 1
	bump = 1
}
INITIAL {
	n = 0
	r1 = (a > 0 && bump())
	r2 = (a == 0 || bump())
	if (a == 0 && bump()) {
		r1 = r1 + 10
	}
	if (a != 0 || bump() > 0) {
		r2 = r2 + 10
	}
}
