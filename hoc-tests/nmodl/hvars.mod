: NEURON's C variables that are HOC variables too, used without declaring
: them: hoc_epsilon (HOC's float_epsilon) read, and stoprun (HOC's stoprun,
: an int) read and assigned; the run loops end when a mechanism sets it.
NEURON { SUFFIX hvars RANGE e, s, tlimit }
PARAMETER { tlimit = 1 }
ASSIGNED { e s }
INITIAL {
	e = hoc_epsilon
	s = stoprun
}
BREAKPOINT {
	if (t >= tlimit && stoprun == 0) {
		stoprun = 1.7
	}
}
