TITLE clamp.mod: an electrode current that reads the segment area

NEURON {
	POINT_PROCESS AClamp
	ELECTRODE_CURRENT i
	RANGE del, dur, dens, i
}

UNITS { (nA) = (nanoamp) }

PARAMETER {
	del = 1 (ms)
	dur = 2 (ms)
	dens = 0.3 (mA/cm2)
}

ASSIGNED { i (nA) area (um2) }

BREAKPOINT {
	at_time(del)
	at_time(del + dur)
	if (t < del + dur && t >= del) {
		i = dens*area*0.01
	} else {
		i = 0
	}
}
