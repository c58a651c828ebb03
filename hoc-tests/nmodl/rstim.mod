TITLE rstim.mod: an artificial cell firing at exprand intervals, and SCoP draws from HOC

COMMENT
scop_random, exprand, normrand and poisrand draw from NEURON's one
program-wide generator; set_seed restarts it.
ENDCOMMENT

NEURON {
	ARTIFICIAL_CELL rstim
	RANGE mean, noise
}

PARAMETER {
	mean = 5 (ms)
	noise = 0.8
}

INITIAL {
	net_send(interval(), 1)
}

NET_RECEIVE (w) {
	if (flag == 1) {
		net_event(t)
		net_send(interval(), 1)
	}
}

FUNCTION interval() (ms) {
	interval = (1 - noise)*mean + noise*mean*exprand(1)
}

PROCEDURE seed(x) {
	set_seed(x)
}

FUNCTION draw(k) {
	if (k == 0) {
		draw = scop_random()
	} else if (k == 1) {
		draw = exprand(2)
	} else if (k == 2) {
		draw = normrand(1, 0.5)
	} else {
		draw = poisrand(3.5)
	}
}
