TITLE rnoise.mod: a conductance driven by normrand in each segment (an Ornstein-Uhlenbeck step)

COMMENT
Drawn segment by segment in the state update, as NEURON's instances draw
in turn from the one generator.
ENDCOMMENT

NEURON {
	SUFFIX rnoise
	NONSPECIFIC_CURRENT i
	RANGE g, g0, sd, tau
}

UNITS {
	(mV) = (millivolt)
	(mA) = (milliamp)
	(S) = (siemens)
}

PARAMETER {
	g0 = 0.0002 (S/cm2)
	sd = 0.00005 (S/cm2)
	tau = 2 (ms)
	e = 0 (mV)
}

ASSIGNED {
	v (mV)
	i (mA/cm2)
	g (S/cm2)
}

INITIAL {
	g = g0 + sd*normrand(0, 1)
}

BREAKPOINT {
	SOLVE ou
	if (g < 0) { i = 0 } else { i = g*(v - e) }
}

PROCEDURE ou() {
	g = g0 + (g - g0)*exp(-dt/tau) + sd*sqrt(1 - exp(-2*dt/tau))*normrand(0, 1)
}
