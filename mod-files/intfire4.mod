TITLE intfire4.mod   integrate-and-fire cell with excitatory and alpha-like inhibitory currents

COMMENT
Four variables, computed analytically between events:
  e   fast excitatory current, decaying with taue;
  i1  inhibitory drive, decaying with taui1, feeding
  i2  the inhibitory current, decaying with taui2 (so i2 rises and falls
      like an alpha function);
  m   the membrane, leaking with taum and driven by ae*e + ai2*i2.
A positive weight adds to e, a negative one to i1. The scale factors make
a single excitatory weight of 1 (or inhibitory -1) peak at m = 1 (-1).
When m passes 1 - eps the cell fires and m restarts from 0. A lower bound
on the time to threshold (from m's present slope) is kept as a self-event;
at each bound the bound is computed again. Time constants are adjusted
first so that taue < taui2, taui1 < taui2 and no two are within taueps.
M(), E() and I() read the present membrane and currents.
ENDCOMMENT

NEURON {
	ARTIFICIAL_CELL IntFire4
	RANGE taue, taui1, taui2, taum, e, i1, i2, m, ae, ai2, ai1
	RANGE nself, nexcite, ninhibit
	GLOBAL eps, taueps
}

PARAMETER {
	taue = 5 (ms) <0, 1e9>
	taui1 = 10 (ms) <0, 1e9>
	taui2 = 20 (ms) <0, 1e9>
	taum = 50 (ms) <0, 1e9>
	ib = 0
	eps = 1e-6 <1e-9, 0.01>
	taueps = 0.01 <1e-9, 1e9>
}

ASSIGNED {
	e
	i1
	i2
	m
	enew
	i1new
	i2new
	mnew
	t0 (ms)
	nself
	nexcite
	ninhibit
	ke (1/ms)
	ki1 (1/ms)
	ki2 (1/ms)
	km (1/ms)
	ae (1/ms)
	ai1 (1/ms)
	ai2 (1/ms)
	be
	bi1
	bi2
	a
	b
	held (ms)
	lost
}

INITIAL {
	fixprecondition()
	factors()
	e = 0
	i1 = 0
	i2 = 0
	m = 0
	t0 = t
	net_send(firetimebound(), 1)
	nself = 0
	nexcite = 0
	ninhibit = 0
}

NET_RECEIVE (w) {
	newstates(t - t0)
	update()
	if (m > 1 - eps) {
		net_event(t)
		m = 0
	}
	if (flag == 1) {
		: a bound reached: bound again
		nself = nself + 1
		net_send(firetimebound(), 1)
	} else {
		if (w > 0) {
			nexcite = nexcite + 1
			e = e + w
		} else {
			ninhibit = ninhibit + 1
			i1 = i1 + w
		}
		net_move(firetimebound() + t)
	}
}

PROCEDURE newstates(d (ms)) {
	: the variables d ms after t0, into enew, i1new, i2new, mnew
	LOCAL xe, xi1, xi2, xm
	xe = exp(-ke*d)
	xi1 = exp(-ki1*d)
	xi2 = exp(-ki2*d)
	xm = exp(-km*d)
	enew = e*xe
	i1new = i1*xi1
	i2new = i2*xi2 + bi1*i1*(xi2 - xi1)
	mnew = m*xm + be*e*(xm - xe) + (bi2*i2 + a*i1)*(xm - xi2) - b*i1*(xm - xi1)
}

PROCEDURE update() {
	e = enew
	i1 = i1new
	i2 = i2new
	m = mnew
	t0 = t
}

FUNCTION M() {
	newstates(t - t0)
	M = mnew
}

FUNCTION E() {
	newstates(t - t0)
	E = ae*enew
}

FUNCTION I() {
	newstates(t - t0)
	I = ai2*i2new
}

FUNCTION firetimebound() (ms) {
	: time for m to reach 1 at its present slope (never earlier than the crossing)
	LOCAL slope
	slope = -km*m + ae*e + ai2*i2
	if (slope <= 1e-9) {
		firetimebound = 1e9
	} else {
		firetimebound = (1 - m)/slope
	}
}

PROCEDURE fixprecondition() {
	: keep every time constant at least a few taueps from 0 (later shifts of
	: taum must not reach 0)
	if (taui2 < 4*taueps) {
		taui2 = 4*taueps
	}
	if (taui1 < 3*taueps) {
		taui1 = 3*taueps
	}
	if (taue < 2*taueps) {
		taue = 2*taueps
	}
	: taue < taui2
	if (taue > taui2) {
		held = taue
		taue = taui2 - taueps
		printf("Warning: Adjusted taue from %g  to %g  to ensure taue < taui2\n", held, taue)
	} else if (taui2 - taue < taueps) {
		taue = taui2 - taueps
	}
	: taui1 < taui2 (taui2 is final after this)
	if (taui1 > taui2) {
		held = taui2
		taui2 = taui1
		taui1 = held
		printf("Warning: Swapped taui1 and taui2\n")
	}
	if (taui2 - taui1 < taueps) {
		taui1 = taui2 - taueps
	}
	: taum at least taueps from the others
	if (taum <= taui2) {
		if (taui2 - taum < taueps) {
			taum = taui2 - taueps
		}
		if (fabs(taui1 - taum) < taueps) {
			taum = taui1 - taueps
		}
		if (fabs(taui1 - taum) < taueps) {
			if (taui1 - taum < 0) {
				taum = taui1 - taueps
			} else {
				taui1 = taum - taueps
			}
		}
		if (fabs(taue - taum) < taueps) {
			if (taue - taum < 0) {
				taum = taue - taueps
			} else {
				taue = taum - taueps
			}
		}
		if (fabs(taui1 - taum) < taueps) {
			taum = taui1 - taueps
		}
	} else if (taum - taui2 < taueps) {
		taum = taui2 + taueps
	}
}

PROCEDURE factors() {
	: rates, and the scale factors that make the peaks 1
	LOCAL tpeak
	ke = 1/taue
	ki1 = 1/taui1
	ki2 = 1/taui2
	km = 1/taum
	: e of 1 alone: m peaks at 1
	tpeak = log(km/ke)/(km - ke)
	be = 1/(exp(-km*tpeak) - exp(-ke*tpeak))
	ae = be*(ke - km)
	: i1 of 1 alone: i2 peaks at 1
	tpeak = log(ki2/ki1)/(ki2 - ki1)
	bi1 = 1/(exp(-ki2*tpeak) - exp(-ki1*tpeak))
	ai1 = bi1*(ki1 - ki2)
	: i1 of 1 alone: m peaks at 1; first m's response with bi2 = 1, at the
	: time its slope is 0
	e = 0
	i1 = 1
	i2 = 0
	m = 0
	bi2 = 1
	ai2 = bi2*(ki2 - km)
	a = bi2*bi1
	b = a*(ki2 - km)/(ki1 - km)
	tpeak = search()
	newstates(tpeak)
	bi2 = 1/mnew
	ai2 = bi2*(ki2 - km)
	a = bi2*bi1
	b = a*(ki2 - km)/(ki1 - km)
	newstates(tpeak)
	i1 = 0
}

FUNCTION deriv(d (ms)) (/ms2) {
	: of the sign of m's slope after an isolated i1 (when ki1 > ki2)
	deriv = (-km*exp(-d*km) + ki2*exp(-d*ki2))/(ki2 - km) - ((-km*exp(-d*km) + ki1*exp(-d*ki1)))/(ki1 - km)
}

FUNCTION search() (ms) {
	: where deriv() changes sign: a bracket [t1, t2] a factor 10 wide found
	: by powers of ten from 1 ms, then bisection to 1e-6 ms
	LOCAL x, t1, t2
	t1 = 1
	lost = 0
	if (deriv(t1) < 0) {
		while (deriv(t1) < 0 && t1 > 1e-9) {
			t2 = t1
			t1 = t1/10
		}
		if (deriv(t1) < 0) {
			printf("Error wrong deriv(t1): t1=%g deriv(t1)=%g\n", t1, deriv(t1))
			lost = 1
			search = 1e-9
		}
	} else {
		t2 = t1
		while (deriv(t2) > 0 && t2 < 1e9) {
			t1 = t2
			t2 = t2*10
		}
		if (deriv(t2) > 0) {
			printf("Error wrong deriv(t2): t2=%g deriv(t2)=%g\n", t2, deriv(t2))
			lost = 1
			search = 1e9
		}
	}
	while (t2 - t1 > 1e-6 && lost == 0) {
		search = (t1 + t2)/2
		x = deriv(search)
		if (x > 0) {
			t1 = search
		} else {
			t2 = search
		}
	}
}
