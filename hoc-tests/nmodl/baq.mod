TITLE baq.mod: BEFORE and AFTER blocks counting where NEURON runs them

NEURON {
	SUFFIX baq
	NONSPECIFIC_CURRENT i
	RANGE nb, ns, nst, vb, va, vi0, vi1
}

ASSIGNED { v (mV) i (mA/cm2) nb ns nst vb va vi0 vi1 }

BEFORE INITIAL {
	vi0 = v
	nb = 0
	ns = 0
	nst = 0
}

AFTER INITIAL { vi1 = v }

BEFORE BREAKPOINT {
	nb = nb + 1
	vb = v
}

AFTER SOLVE {
	ns = ns + 1
	va = v
}

BEFORE STEP { nst = nst + 1 }

BREAKPOINT { i = 0.001*(v + 65) }
