NEURON {
  POINT_PROCESS FSyn
  RANGE tau, e, i, f, tauF
  NONSPECIFIC_CURRENT i
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) }
PARAMETER { tau = 2 (ms) e = 0 (mV) tauF = 20 (ms) f = 0.5 }
ASSIGNED { v (mV) i (nA) }
STATE { g (uS) }
INITIAL { g = 0 }
BREAKPOINT {
  SOLVE state METHOD cnexp
  i = g*(v - e)
}
DERIVATIVE state { g' = -g/tau }
NET_RECEIVE(weight (uS), F, tsyn (ms), count) {
  INITIAL { F = 1  tsyn = t  count = 0 }
  if (flag == 0) {
    F = 1 + (F - 1)*exp(-(t - tsyn)/tauF)
    g = g + weight*F
    F = F + f
    tsyn = t
    count = count + 1
    net_send(0.5, 7)
  } else if (flag == 7) {
    g = g + 0.001*count
  }
}
