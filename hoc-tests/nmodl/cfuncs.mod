: Functions of NEURON's C that NMODL code calls without declaring them:
: scopmath's gauss, nrn_pointing (whether a POINTER is set), C++'s abs (in
: a mechanism that is not thread safe, as nocmodl then passes it no thread
: arguments) and assert in VERBATIM.
NEURON { SUFFIX cfuncs RANGE a, g, n, q POINTER p }
PARAMETER { a = -2.7 }
ASSIGNED { g n q p }
INITIAL {
	n = abs(a)
	g = gauss(0.3, 0.1, 0.7) + gauss(a, 1, 2.5)
	q = nrn_pointing(p)
VERBATIM
	assert(a < 0.0);
ENDVERBATIM
}
