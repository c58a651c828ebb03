TITLE discr.mod: a DISCRETE block reading STATEs as they were one and two calls back

COMMENT
x@k is STATE x k calls back. As in NEURON the histories are shared by the
instances and start at x0 (here 0, then 3 for p).
ENDCOMMENT

NEURON {
	SUFFIX discr
	RANGE a, k, ra, rb
	GLOBAL p0
}

PARAMETER {
	a = 0.5
	k = 2
}

ASSIGNED { ra rb }

STATE { p q r[2] }

INITIAL {
	p = 1
	q = 0
	r[0] = 1
	r[1] = 2
	ra = r[0]
	rb = r[1]
}

BREAKPOINT { SOLVE advance1 }

DISCRETE advance1 {
	p = a*p@1 + k
	q = p@1 + p@2
	r[0] = r@1[1] + 1
	r[1] = r@1[0]*a
	ra = r[0]
	rb = r[1]
}
