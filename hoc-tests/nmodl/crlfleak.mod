TITLE crlfleak.mod: a leak written with DOS line ends (carriage return, newline)

COMMENT
Every line of this file ends with a carriage return and a newline.
ENDCOMMENT

NEURON {
	SUFFIX crlfleak
	NONSPECIFIC_CURRENT i
	RANGE g, e
}

UNITS { (mV) = (millivolt) (mA) = (milliamp) (S) = (siemens) }

PARAMETER {
	g = 0.0002 (S/cm2)	: conductance
	e = -80 (mV)
}

ASSIGNED { v (mV) i (mA/cm2) }

BREAKPOINT { i = g*(v - e) }
