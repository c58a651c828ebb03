TITLE tabna.mod: a sodium channel exercising TABLE, GLOBAL dependencies and loops

COMMENT
Rates from a tabulated FUNCTION (DEPEND on a GLOBAL), a temperature factor
set inside a tabulated PROCEDURE, v changed as a local copy, FROM and while
loops, a top-level LOCAL array with constant indices, DEFINE, a nonlinear
cnexp equation.
ENDCOMMENT

DEFINE NTERM 3

NEURON {
	SUFFIX tabna
	USEION na READ ena WRITE ina
	RANGE gbar, g, minf, zdecay
	GLOBAL vshift, tadj, hinf, htau
	THREADSAFE
}

UNITS {
	(mA) = (milliamp)
	(mV) = (millivolt)
	(S) = (siemens)
}

PARAMETER {
	gbar = 0.05 (S/cm2) <0, 1e9>
	vshift = -2 (mV)
	q10 = 2.3
	kz = 0.3 (/ms)
}

ASSIGNED {
	v (mV)
	celsius (degC)
	ena (mV)
	ina (mA/cm2)
	g (S/cm2)
	minf
	mtau (ms)
	hinf
	htau (ms)
	tadj
	zdecay
}

STATE { m h z }

LOCAL coef[3]

BREAKPOINT {
	SOLVE states METHOD cnexp
	g = gbar*m^3*h*(1 + 0.1*z)
	ina = g*(v - ena)
}

INITIAL {
	coef[0] = 1
	coef[1] = 0.5
	coef[2] = 0.25
	hrates(v)
	mrates(v)
	m = minf
	h = hinf
	z = 1
}

DERIVATIVE states {
	hrates(v)
	mrates(v)
	m' = (minf - m)/mtau
	h' = (hinf - h)/htau
	z' = -kz*z*z
}

FUNCTION am(v (mV)) (/ms) {
	TABLE DEPEND vshift FROM -100 TO 100 WITH 400
	am = 0.182*vtrap(-(v - vshift + 35), 9)
}

FUNCTION bm(v (mV)) (/ms) {
	bm = 0.124*vtrap(v - vshift + 35, 9)
}

PROCEDURE mrates(v (mV)) {
	LOCAL a, b, k, s
	if (v == -35) {
		v = v + 0.0001
	}
	a = am(v)
	b = bm(v)
	: a short series and a loop that halves, to exercise FROM and while
	s = 0
	FROM k = 0 TO NTERM - 1 {
		s = s + coef[0]*(k + 1)
	}
	while (s > 1) {
		s = s/2
	}
	mtau = s/(a + b)/tadj
	minf = a/(a + b)
}

PROCEDURE hrates(v (mV)) {
	TABLE hinf, htau DEPEND celsius, vshift FROM -100 TO 100 WITH 200
	tadj = q10^((celsius - 23)/10)
	hinf = 1/(1 + exp((v - vshift + 65)/6.2))
	htau = (0.5 + 8*exp(-((v - vshift + 60)/20)^2))/tadj
}

FUNCTION vtrap(x, y) {
	if (fabs(x/y) < 1e-6) {
		vtrap = y*(1 - x/y/2)
	} else if (x/y > 700) {
		vtrap = 0
	} else {
		vtrap = x/(exp(x/y) - 1)
	}
}
