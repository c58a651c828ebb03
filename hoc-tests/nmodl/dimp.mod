NEURON {
  SUFFIX dimp
  NONSPECIFIC_CURRENT i
  RANGE gbar, e, tau
}
PARAMETER { gbar = 0.002 (S/cm2) e = -20 (mV) tau = 3 (ms) k = 0.5 }
ASSIGNED { v (mV) i (mA/cm2) xinf }
STATE { x w }
BREAKPOINT {
  SOLVE states METHOD derivimplicit
  i = gbar*x*w*(v - e)
}
INITIAL { x = 0.1 w = 0.9 }
DERIVATIVE states {
  xinf = 1/(1 + exp(-(v + 50)/5))
  x' = (xinf - x)/tau - k*x*x*w
  w' = (1 - w)/(2*tau) - 0.2*x*w
}
