: A nonlinear KINETIC scheme (mass action between states): solved by
: iteration to 1e-6, with COMPARTMENT volumes, a flux in, a sink, a
: stoichiometric coefficient and a STEADYSTATE start.
NEURON {
  SUFFIX knonlin
  RANGE kon, koff, influx, ff, fb
}
PARAMETER { kon = 5 (/mM-ms) koff = 0.5 (/ms) influx = 0.02 (mM/ms) kd = 0.05 (/ms) }
ASSIGNED { v (mV) diam (um) ff fb }
STATE { A (mM) B (mM) AB (mM) B2 (mM) Z (mM) }
BREAKPOINT { SOLVE bind METHOD sparse }
INITIAL {
  A = 0.1 B = 1 AB = 0 B2 = 0 Z = 0
  SOLVE bind STEADYSTATE sparse
  A = A + 0.5
}
KINETIC bind {
  COMPARTMENT diam*diam { A AB }
  COMPARTMENT 3 { B B2 }
  ~ A + B <-> AB (kon, koff)
  ff = f_flux
  fb = b_flux
  ~ 2 B <-> B2 (0.1*kon, koff*(1 + 0.01*v*v/100))
  ~ A << (influx*diam)
  ~ A -> (kd)
  ~ AB <-> Z (kd, kd/2)
}
