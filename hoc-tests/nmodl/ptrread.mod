: Reads and writes through a POINTER that may point at any variable.
NEURON {
	SUFFIX ptrread
	POINTER mu
	RANGE seen, first
}
ASSIGNED {
	mu
	seen
	first
}
INITIAL {
	first = mu
	mu = 2*mu + 1
	seen = mu
}
BREAKPOINT {
	seen = mu
}
