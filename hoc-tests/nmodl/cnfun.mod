: cnexp with a FUNCTION of the state in the equation: nocmodl takes the
: FUNCTION's value as a constant of the linear equation.
NEURON { SUFFIX cnfun }
STATE { x }
BREAKPOINT { SOLVE states METHOD cnexp }
INITIAL { x = 1 }
DERIVATIVE states {
	x' = -2 * x + 0.5 + u(x)
}
FUNCTION u(c) {
	u = 0.3 * c * c / (1 + c)
}
