: A DERIVATIVE block called as a PROCEDURE: under cnexp nocmodl's C
: function for it takes the cnexp step.
NEURON { SUFFIX dcall RANGE minf, tau }
STATE { m }
ASSIGNED { v minf tau }
BREAKPOINT { SOLVE states METHOD cnexp }
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
