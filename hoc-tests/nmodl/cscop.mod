: scopmath's random numbers and abs called from VERBATIM C (C++'s abs of a
: double is fabs).
NEURON { SUFFIX cscop RANGE a, b, c, d }
ASSIGNED { a b c d }
INITIAL {
	set_seed(7)
VERBATIM
	a = scop_random();
	b = exprand(2.0);
	c = normrand(1.0, 0.5);
	d = abs(-2.5) + abs(-3);
ENDVERBATIM
}
