: A PROCEDURE used as a value (nocmodl's C function for it returns 0), and
: return(x) in NMODL code (C's return: it leaves the FUNCTION or PROCEDURE,
: with the FUNCTION's value).
NEURON { SUFFIX procval RANGE a, b, c, d }
PARAMETER { a = 3 }
ASSIGNED { b c d }
PROCEDURE setc(x) {
	c = 2 * x
}
FUNCTION clip(x) {
	if (x > 5) {
		return(5)
	}
	clip = x
	if (x < 0) {
		return(-x)
	}
	clip = clip + 0.5
}
PROCEDURE early(x) {
	d = 1
	if (x > 1) {
		return(0)
	}
	d = 2
}
INITIAL {
	b = setc(a) + 7
	d = clip(a) + 10 * clip(9) + 100 * clip(-2)
	c = c + d
	early(a)
}
