TITLE tabdep.mod: a TABLE depending on a RANGE parameter

COMMENT
NEURON checks a TABLE with one instance: the first of the mechanism's list
during a run, the setdata one when HOC calls a function. Its RANGE
dependencies and the RANGE variables of the body are that instance's, and
what the body assigns stays in it (the values at the last table point).
ENDCOMMENT

NEURON {
	SUFFIX tabdep
	RANGE sh, minf, mtau, last
	GLOBAL k
}

UNITS { (mV) = (millivolt) }

PARAMETER {
	sh = 0 (mV)
	k = 5 (mV)
}

ASSIGNED {
	v (mV)
	minf
	mtau (ms)
	last (mV)
}

BREAKPOINT { rates(v) }

PROCEDURE rates(v (mV)) {
	TABLE minf, mtau DEPEND sh, k FROM -100 TO 100 WITH 40
	minf = 1/(1 + exp(-(v - sh)/k))
	mtau = 1 + sh/10 + v/100
	last = v
}
