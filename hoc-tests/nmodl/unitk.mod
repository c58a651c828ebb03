TITLE unitk.mod: UNITS factors from the units table, and a RANGE name declared nowhere

COMMENT
Each factor is the ratio of two unit magnitudes as NEURON's units table
gives them (prefixes spelled out, plurals, powers, a leading number, names
defined earlier in the block). `ghost` is named RANGE but declared nowhere
and never used: nocmodl ignores it.
ENDCOMMENT

NEURON {
	SUFFIX unitk
	RANGE ghost
}

UNITS {
	(mV) = (millivolt)
	(mM) = (milli/liter)
	(um) = (micron)
	F = (faraday) (coulomb)
	FK = (faraday) (kilocoulombs)
	R = (k-mole) (joule/degC)
	RMV = (mole k) (mV-coulomb/degC)
	PI = (pi) (1)
	E = (e) (coulomb)
	KB = (k) (joule/degC)
	FT = (foot) -> (inch)
	F4 = (10000 coulomb) (faraday)
	HZ = (1/ms) (/s)
	CONC = (mM um) (mole/cm2)
	UMCM = (um) (cm)
	ATM = (atmosphere) (pascal)
	CAL = (kcal) (joule)
	DEG = (degree) (radian)
}

FUNCTION factor(k) {
	if (k == 0) { factor = F }
	else if (k == 1) { factor = FK }
	else if (k == 2) { factor = R }
	else if (k == 3) { factor = RMV }
	else if (k == 4) { factor = PI }
	else if (k == 5) { factor = E }
	else if (k == 6) { factor = KB }
	else if (k == 7) { factor = FT }
	else if (k == 8) { factor = F4 }
	else if (k == 9) { factor = HZ }
	else if (k == 10) { factor = CONC }
	else if (k == 11) { factor = UMCM }
	else if (k == 12) { factor = ATM }
	else if (k == 13) { factor = CAL }
	else { factor = DEG }
}
