: An array indexed by constants and by run-time values in one block (and in
: the FUNCTION it calls): every access reads and writes the array's data.
NEURON { SUFFIX mixidx RANGE n, out, hist }
ASSIGNED { hist[5] n out }
INITIAL {
	LOCAL k
	FROM k = 0 TO 4 {
		hist[k] = 0
	}
	hist[0] = 10
	n = 2
	hist[n] = hist[0] + 1
	k = n + 1
	hist[k] = hist[n] * 2
	out = hist[0] + hist[2] + hist[3]
}
BREAKPOINT {
	hist[1] = hist[1] + 1
	out = total()
}
FUNCTION total() {
	LOCAL k, s
	s = 0
	k = 0
	while (k < 5) {
		s = s + hist[k]
		k = k + 1
	}
	total = s
}
