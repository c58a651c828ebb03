: COMPARTMENT statements that list names which are not STATEs (an ASSIGNED
: scalar in an indexed statement, an undeclared name): nocmodl drops them.
DEFINE N 3
NEURON { SUFFIX kcomp RANGE s, total }
ASSIGNED { vr[N] s total }
STATE { a[N] b }
BREAKPOINT { SOLVE kin METHOD sparse }
INITIAL {
	FROM i = 0 TO N-1 {
		vr[i] = 1 + i
		a[i] = 0
	}
	a[0] = 1
	b = 0
	s = 0.5
}
KINETIC kin {
	COMPARTMENT i, vr[i] {a s other}
	COMPARTMENT 2 {b}
	~ a[0] <-> a[1] (1, 0.5)
	~ a[1] <-> a[2] (0.3, 0.2)
	~ a[2] <-> b (0.1, 0.05)
	total = a[0]*vr[0] + a[1]*vr[1] + a[2]*vr[2] + 2*b
}
