NEURON {
	SUFFIX pr
	RANGE k, hits
	NONSPECIFIC_CURRENT i
}
PARAMETER { k = 1 }
ASSIGNED { v (mV) i (mA/cm2) hits }
INITIAL {
	hits = 0
	printf("init k=%g v=%.3f\n", k, v)
}
BREAKPOINT {
	i = 0
	if (v > -50 && hits < 2) {
		printf("above %g at t=%g: %5.2f\t%g\n", k, t, v, hits)
		hits = hits + 1
	}
}
