: printf in NMODL code with string arguments for %s.
NEURON { SUFFIX pstr RANGE a }
PARAMETER { a = 2.5 }
INITIAL {
	printf("version %s, a = %g (%s)\n", "$Id: pstr.mod 100% $", a, "ok")
}
