TITLE intfire2.mod   integrate-and-fire cell with a decaying synaptic current

COMMENT
Two variables, both computed analytically when an event arrives:
  i, a current that relaxes to the bias ib with time constant taus and
    jumps by each input's weight;
  m, the membrane, which relaxes to i with time constant taum (< taus).
When m reaches 1 the cell fires (net_event) and m restarts from 0. The
next crossing is predicted by Newton's method on the closed-form m(t) and
kept as a self-event, moved whenever an input changes i. M() and I() read
the present values.
ENDCOMMENT

NEURON {
	ARTIFICIAL_CELL IntFire2
	RANGE taus, taum, ib, i, m
}

PARAMETER {
	taus = 20 (ms)
	taum = 10 (ms)
	ib = 0
}

ASSIGNED {
	i
	m
	t0 (ms)
}

INITIAL {
	i = ib
	m = 0
	: the predictions need the current to outlast the membrane
	if (taus <= taum) {
		taus = taum + .1
	}
	t0 = t
	net_send(firetime(ib, 0, 0), 1)
}

FUNCTION M() {
	LOCAL decay, g
	g = taus/(taus - taum)
	decay = (i - ib)*exp(-(t - t0)/taus)
	M = ib + g*decay + (m - (ib + (i - ib)*g))*exp(-(t - t0)/taum)
}

FUNCTION I() {
	LOCAL decay, g
	g = taus/(taus - taum)
	decay = (i - ib)*exp(-(t - t0)/taus)
	I = decay + ib
}

NET_RECEIVE (w) {
	LOCAL decay, inow, g, amp
	g = taus/(taus - taum)
	decay = (i - ib)*exp(-(t - t0)/taus)
	inow = ib + decay
	if (flag == 1) {
		: the predicted crossing: fire, restart m, predict the next
		net_event(t)
		m = 0
		amp = (inow - ib)*g
		net_send(firetime(ib, amp, 0), 1)
	} else {
		: an input: bring m to now, add the weight to i, predict again
		m = ib + g*decay + (m - (ib + (i - ib)*g))*exp(-(t - t0)/taum)
		inow = inow + w
		if (m >= 1) {
			net_move(t)
		} else {
			amp = (inow - ib)*g
			net_move(firetime(ib, amp, m) + t)
		}
	}
	t0 = t
	i = inow
}

FUNCTION firetime(a, b, c) (ms) {
	: the delay until 1 = a + b*exp(-d/taus) + (c - a - b)*exp(-d/taum),
	: 1e9 if m never gets there (c < 1, taum < taus); in y = exp(-d/taum)
	: the curve is a + b*y^r + (c - a - b)*y with r = taum/taus, 0 < y <= 1
	LOCAL r, rest, y, slope, top
	r = taum/taus
	if (a <= 1 && a + b <= 1) {
		firetime = 1e9
	} else if (a > 1 && b <= 0) {
		: a crossing exists; start Newton from where the tangent at y = 1
		: reaches 1, or work in exp(-d/taus) if that is outside (0, 1]
		rest = c - a - b
		slope = r*b + rest
		if (slope >= 0) {
			firetime = -taus*log(newton1(a, rest, b, 1/r, 0))
		} else {
			y = (1 - c + slope)/slope
			if (y <= 0) {
				firetime = -taus*log(newton1(a, rest, b, 1/r, 0))
			} else {
				firetime = -taum*log(newton1(a, b, rest, r, y))
			}
		}
	} else {
		: a crossing exists only if the curve's maximum (inside 0 < y < 1)
		: is above 1
		rest = c - a - b
		y = (-rest/(r*b))^(1/(r - 1))
		top = a + b*y^r + rest*y
		if (y >= 1 || top <= 1) {
			firetime = 1e9
		} else {
			slope = r*b + rest
			y = (1 - c + slope)/slope
			firetime = -taum*log(newton1(a, b, rest, r, y))
		}
	}
}

FUNCTION newton1(a, b, c, r, x) {
	: solves 1 = a + b*x^r + c*x from x by Newton's method, kept in (0, 1]
	LOCAL dx, f, df, n
	dx = 1
	f = 0
	n = 0
	while (fabs(dx) > 1e-6 || fabs(f - 1) > 1e-6) {
		f = a + b*x^r + c*x
		df = r*b*x^(r - 1) + c
		dx = (1 - f)/df
		x = x + dx
		if (x <= 0) {
			x = 1e-4
		} else if (x > 1) {
			x = 1
		}
		n = n + 1
		if (n > 10) {
			: give up, with NEURON's report
			printf("Intfire2 iter %g x=%g f=%g df=%g dx=%g a=%g b=%g c=%g r=%g\n", n, x, f, df, dx, a, b, c, r)
			f = 1
			dx = 0
		}
	}
	newton1 = x
}
