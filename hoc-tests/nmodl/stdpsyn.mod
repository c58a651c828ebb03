: A synapse with per-connection plasticity: each NetCon keeps a factor A
: and its last spike time; an event of negative weight (a "postsynaptic
: spike") raises every connection's A by FOR_NETCONS, more for recent ones;
: each presynaptic event decays every A, the delivering connection's too.
NEURON {
  POINT_PROCESS StdpSyn
  RANGE tau, e, i, g, dmax
  NONSPECIFIC_CURRENT i
}
PARAMETER { tau = 3 (ms) e = 0 (mV) dmax = 0.5 }
ASSIGNED { v (mV) i (nA) }
STATE { g (uS) }
INITIAL { g = 0 }
BREAKPOINT {
  SOLVE decay METHOD cnexp
  i = g*(v - e)
}
DERIVATIVE decay { g' = -g/tau }
NET_RECEIVE (w (uS), A, tpre (ms)) {
  INITIAL { A = 0  tpre = -1e9 }
  if (w >= 0) {
    g = g + w*(1 + A)
    tpre = t
    A = A*0.9
    : every connection's factor decays a little, this one's included
    FOR_NETCONS (w1, A1, tp) { A1 = A1*0.99 }
    A = A + 0.01
  } else {
    FOR_NETCONS (w1, A1, tp) {
      if (tp > -1e8) {
        A1 = A1 + dmax*exp(-(t - tp)/20)
      }
    }
  }
}
