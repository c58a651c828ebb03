: METHOD euler: every derivative from the states at the start of the step
: (scopmath's euler moves the states after the block), and a derivative
: read after the equation that gives it.
NEURON { SUFFIX eulord RANGE c }
STATE { a b }
ASSIGNED { c }
BREAKPOINT { SOLVE states METHOD euler }
INITIAL {
	a = 1
	b = 0
}
DERIVATIVE states {
	a' = -a
	b' = a - b
	c = a' + 2 * b'
}
