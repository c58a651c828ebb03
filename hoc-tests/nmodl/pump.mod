TITLE pump.mod: a calcium pump integrated by euler, with UNITS constants

NEURON {
	SUFFIX pump
	USEION ca READ cai, ica WRITE cai
	RANGE vmax, km, depth, ipump
}

UNITS {
	(mM) = (milli/liter)
	(mA) = (milliamp)
	(um) = (micron)
	FARADAY = (faraday) (coulomb)
	R = (k-mole) (joule/degC)
}

PARAMETER {
	vmax = 0.002 (mM/ms)
	km = 0.001 (mM)
	depth = 0.2 (um)
	cai0 = 5e-5 (mM)
}

ASSIGNED { celsius (degC) ica (mA/cm2) ipump (mM/ms) rt }

STATE { cai (mM) }

INITIAL {
	cai = cai0
	rt = R*(celsius + 273.15)
}

BREAKPOINT { SOLVE conc METHOD euler }

DERIVATIVE conc {
	ipump = vmax*cai/(cai + km)
	cai' = -10000*ica/(2*FARADAY*depth) - ipump + 1e-4*rt/1e6
}
