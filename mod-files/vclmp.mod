TITLE vclmp.mod   two-electrode voltage clamp with three levels

COMMENT
The clamp follows amp[j] for dur[j] ms in turn (j = 0, 1, 2) and injects no
current afterwards. Its amplifier has gain `gain`, input time constant tau1,
output time constant tau2 and output resistance rstim (MOhm); with fac > 0
part of the output is fed back to the input. The amplifier's three states —
error e, output vo and input vi — are found at every current evaluation by a
LINEAR system (backward Euler over dt, from the values saved at the end of
the previous step: e0, vo0, vi0).
ENDCOMMENT

DEFINE NSTEP 3

NEURON {
	POINT_PROCESS VClamp
	ELECTRODE_CURRENT i
	RANGE e0, vo0, vi0, dur, amp, gain, rstim, tau1, tau2, fac, i
}

UNITS {
	(nA) = (nanoamp)
	(mV) = (millivolt)
	(uS) = (microsiemens)
}

PARAMETER {
	dur[NSTEP] (ms) <0, 1e9>
	amp[NSTEP] (mV)
	gain = 1e5 <0, 1e9>
	rstim = 1 (megohm) <1e-9, 1e9>
	tau1 = .001 (ms) <0, 1e9>
	tau2 = 0 (ms) <0, 1e9>
	e0 (mV)
	vo0 (mV)
	vi0 (mV)
	fac = 0 <1, 10>
}

ASSIGNED {
	v (mV)
	dt (ms)
	i (nA)
	stim (mV)
	tc (ms)
}

STATE {
	e (mV)
	vo (mV)
	vi (mV)
}

INITIAL {
	e0 = 0
	vo = v
	vo0 = v
	vi = v
	vi0 = v
	e = 0
}

BREAKPOINT {
	SOLVE update METHOD after_cvode
	vstim()
	i = icur()
}

PROCEDURE vstim() {
	LOCAL found
	: the level in force at t; tc is the end of the clamp (far ahead while on)
	tc = 0
	found = 0
	FROM j = 0 TO NSTEP - 1 {
		if (found == 0) {
			stim = amp[j]
			tc = tc + dur[j]
			if (t < tc) {
				tc = tc + 100
				found = 1
			}
		}
	}
}

FUNCTION icur() (nA) {
	if (t > tc) {
		e0 = 0
		vo0 = 0
		icur = 0
	} else {
		SOLVE clamp
		icur = (vo - v)/rstim
	}
}

LINEAR clamp {
	LOCAL t1, t2
	t1 = tau1/dt
	t2 = tau2/dt
	~ vi = v + fac*vo - fac*v
	~ t2*vo - t2*vo0 + vo = -gain * e
	~ -stim - e + vi - e + t1*vi - t1*e - t1*(vi0 - e0) = 0
}

PROCEDURE update() {
	: after the step: the current at the new v, and the states kept for the next
	i = icur()
	e0 = e
	vo0 = vo
	vi0 = vi
}
