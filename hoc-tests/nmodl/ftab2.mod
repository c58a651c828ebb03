TITLE ftab2.mod: FUNCTION_TABLEs of two and three arguments, given from HOC

NEURON {
	SUFFIX ftab2
	NONSPECIFIC_CURRENT i
	RANGE g
}

UNITS {
	(mV) = (millivolt)
	(mA) = (milliamp)
	(mM) = (milli/liter)
}

PARAMETER { e = -70 (mV) }

ASSIGNED {
	v (mV)
	i (mA/cm2)
	g (S/cm2)
}

FUNCTION_TABLE gtab(v (mV), x) (S/cm2)
FUNCTION_TABLE cube(x, y, z)
FUNCTION_TABLE line(x)

BREAKPOINT {
	g = gtab(v, t)
	i = g*(v - e)
}
