: NET_RECEIVE with VERBATIM pieces: a C local of the first piece used by the
: NMODL statements after it, the weights read as nocmodl's _args, and a C
: return that leaves the block.
NEURON { POINT_PROCESS nrcloc RANGE x }
ASSIGNED { x }
NET_RECEIVE (w, k) { LOCAL tmp
VERBATIM
	int ii; double scale;
ENDVERBATIM
	tmp = 1
VERBATIM
	scale = 2 + _args[1];
	if (_args[0] > 5) return;
ENDVERBATIM
	if (flag == 0) {
		if (w > 0) {
			x = x + scale * w
		} else {
			x = scale
		}
	}
}
