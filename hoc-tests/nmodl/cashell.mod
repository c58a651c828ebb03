TITLE cashell.mod: calcium in concentric shells with a buffer, diffusing along the cable (KINETIC over arrays)

DEFINE NSH 4

NEURON {
	SUFFIX cashell
	USEION ca READ cao, cai, ica WRITE cai
	RANGE caouter, total
	GLOBAL vrat, kf, kb, btotal
}

UNITS {
	(mM) = (milli/liter)
	(um) = (micron)
	(mA) = (milliamp)
	FARADAY = (faraday) (10000 coulomb)
	PI = (pi) (1)
}

PARAMETER {
	DCa = 0.6 (um2/ms)
	kf = 100 (/mM-ms)
	kb = 0.1 (/ms)
	btotal = 0.01 (mM)
}

ASSIGNED {
	diam (um)
	ica (mA/cm2)
	cai (mM)
	cao (mM)
	vrat[NSH]
	caouter (mM)
	total
}

STATE {
	ca[NSH] (mM) <1e-10>
	cab[NSH] (mM)
	b[NSH] (mM)
}

LOCAL frat[NSH]

BREAKPOINT { SOLVE state METHOD sparse }

INITIAL {
	LOCAL k
	factors()
	FROM k = 0 TO NSH-1 {
		ca[k] = cai
		b[k] = btotal*kb/(kf*cai + kb)
		cab[k] = btotal - b[k]
	}
}

PROCEDURE factors() {
	LOCAL r, dr2, i
	r = 1/2
	dr2 = r/(NSH-1)/2
	vrat[0] = 0
	frat[0] = 2*r
	FROM i = 0 TO NSH-2 {
		vrat[i] = vrat[i] + PI*(r - dr2/2)*2*dr2
		r = r - dr2
		frat[i+1] = 2*PI*r/(2*dr2)
		r = r - dr2
		vrat[i+1] = PI*(r + dr2/2)*2*dr2
	}
}

KINETIC state {
	LOCAL i
	COMPARTMENT i, diam*diam*vrat[i] {ca cab b}
	LONGITUDINAL_DIFFUSION i, DCa*diam*diam*vrat[i] {ca}
	~ ca[0] << (-ica*PI*diam/(2*FARADAY))
	FROM i = 0 TO NSH-2 {
		~ ca[i] <-> ca[i+1] (DCa*frat[i+1], DCa*frat[i+1])
	}
	FROM i = 0 TO NSH-1 {
		~ ca[i] + b[i] <-> cab[i] (kf, kb)
	}
	cai = ca[0]
	caouter = ca[0]
	total = f_flux*0 + ca[0] + ca[NSH-1]
}
