NEURON {
  SUFFIX cah
  USEION ca READ eca WRITE ica
  RANGE gbar
}
PARAMETER { gbar = 0.0005 (S/cm2) }
ASSIGNED { v (mV) eca (mV) ica (mA/cm2) minf mtau }
STATE { m }
BREAKPOINT { SOLVE states METHOD cnexp  ica = gbar*m*m*(v - eca) }
INITIAL { rates(v) m = minf }
DERIVATIVE states { rates(v) m' = (minf - m)/mtau }
PROCEDURE rates(v) {
  minf = 1/(1 + exp(-(v + 20)/6))
  mtau = 1 + 2*exp(-(v+40)^2/400)
}
