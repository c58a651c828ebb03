TITLE ftab.mod: a gate whose time constant and steady state come from FUNCTION_TABLEs given in HOC

NEURON {
	SUFFIX ftab
	NONSPECIFIC_CURRENT i
	RANGE gbar
}

PARAMETER { gbar = 0.001 (S/cm2) erev = -80 (mV) }

ASSIGNED { v (mV) i (mA/cm2) }

STATE { n }

FUNCTION_TABLE tau(v (mV)) (ms)
FUNCTION_TABLE ninf(v (mV))

INITIAL { n = ninf(v) }

BREAKPOINT {
	SOLVE states METHOD cnexp
	i = gbar*n*(v - erev)
}

DERIVATIVE states { n' = (ninf(v) - n)/tau(v) }
