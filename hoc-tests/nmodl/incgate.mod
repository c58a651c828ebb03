TITLE incgate.mod: a gate assembled from INCLUDEd files

COMMENT
The declarations come from inc/incgate_decl.inc, which includes
incgate_rates.inc from its own folder; the kinetics from
inc/incgate_kin.inc. DEFINEs hold across the files (the inclusion is
textual).
ENDCOMMENT

DEFINE SLOPE 6

NEURON {
	SUFFIX incgate
	NONSPECIFIC_CURRENT i
	RANGE gbar, g
}

INCLUDE "inc/incgate_decl.inc"

BREAKPOINT {
	SOLVE states METHOD cnexp
	g = gbar*m*m
	i = g*(v - e)
}

INCLUDE "inc/incgate_kin.inc"

FUNCTION tau_m(v (mV)) (ms) {
	tau_m = TAUMAX/(1 + exp((v + 50)/10))
}
