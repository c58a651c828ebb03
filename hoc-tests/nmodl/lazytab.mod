: A mechanism nocmodl does not make thread safe (it has VERBATIM): its
: TABLE is built where rates() is called, so INITIAL reading ninf before
: any call sees the value ninf kept from before; what the build assigns
: besides the table (tadj, and q of the instance calling) stays.
NEURON {
	SUFFIX lazytab
	USEION k READ ek WRITE ik
	RANGE gbar, q
	GLOBAL ninf, ntau, tadj
}
UNITS {
	(mV) = (millivolt)
	(mA) = (milliamp)
}
PARAMETER {
	gbar = 0.01 (mho/cm2)
}
ASSIGNED {
	v (mV)
	ek (mV)
	ik (mA/cm2)
	ninf
	ntau (ms)
	tadj
	q
}
STATE { n }
INITIAL {
	n = ninf
}
BREAKPOINT {
	SOLVE states METHOD cnexp
	ik = gbar*tadj*n*(v - ek)
}
DERIVATIVE states {
	rates(v)
	n' = (ninf - n)/ntau
}
PROCEDURE rates(v (mV)) {
	TABLE ninf, ntau DEPEND celsius FROM -100 TO 100 WITH 200
	VERBATIM
	/* nothing */
	ENDVERBATIM
	ninf = 1/(1 + exp(-(v + 40)/10))
	tadj = 3^((celsius - 6.3)/10)
	q = v
	ntau = 1 + 5*exp(-((v + 50)/20)^2)
}
