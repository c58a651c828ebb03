NEURON { ARTIFICIAL_CELL ICell  RANGE tau, m, refrac }
PARAMETER { tau = 10 (ms) refrac = 3 (ms) }
ASSIGNED { m t0 (ms) refractory }
INITIAL { m = 0 t0 = t refractory = 0 }
FUNCTION M() { M = m*exp(-(t - t0)/tau) }
NET_RECEIVE (w) {
  if (refractory == 0) {
    m = m*exp(-(t - t0)/tau)
    t0 = t
    m = m + w
    if (m > 1) {
      refractory = 1
      m = 2
      net_send(refrac, 3)
      net_event(t)
    }
  } else if (flag == 3) {
    refractory = 0
    m = 0
    t0 = t
  }
}
