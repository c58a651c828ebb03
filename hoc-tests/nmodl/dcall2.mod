: SOLVE without a METHOD (nocmodl takes derivimplicit), and the DERIVATIVE
: block called as a PROCEDURE: it only computes the derivatives.
NEURON { SUFFIX dcall2 RANGE minf, tau }
STATE { m }
ASSIGNED { v minf tau }
BREAKPOINT { SOLVE states }
INITIAL {
	m = 0.1
	states()
}
DERIVATIVE states {
	rates(v)
	m' = (minf - m) / tau
}
PROCEDURE rates(v) {
	minf = 1 / (1 + exp(-(v + 40) / 5))
	tau = 2
}
