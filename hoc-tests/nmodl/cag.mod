TITLE cag.mod: a calcium permeability with the GHK current, rates tabulated against dt too

NEURON {
	SUFFIX cag
	USEION ca READ cai, cao WRITE ica
	RANGE pbar, ica
}

UNITS {
	(mA) = (milliamp)
	(mV) = (millivolt)
	(mM) = (milli/liter)
}

PARAMETER { pbar = 2e-4 (cm/s) }

ASSIGNED {
	v (mV)
	dt (ms)
	celsius (degC)
	cai (mM)
	cao (mM)
	ica (mA/cm2)
	minf
	mexp
}

STATE { m }

BREAKPOINT {
	SOLVE states METHOD cnexp
	ica = pbar*m*m*nrn_ghk(v, cai, cao, 2)
}

INITIAL {
	rates(v)
	m = minf
}

DERIVATIVE states {
	rates(v)
	m' = (minf - m)/(1 + mexp)
}

PROCEDURE rates(v (mV)) {
	TABLE minf, mexp DEPEND dt, celsius FROM -100 TO 60 WITH 160
	minf = 1/(1 + exp(-(v + 15)/7))
	mexp = 1 - exp(-dt/(1 + 4*exp(-((v + 30)/25)^2)))
}
