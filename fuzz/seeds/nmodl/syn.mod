COMMENT
A two-state synapse with a NET_RECEIVE block, for fuzzing.
ENDCOMMENT
NEURON {
    POINT_PROCESS Syn2z
    RANGE tau1, tau2, e, i, g
    NONSPECIFIC_CURRENT i
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) }
PARAMETER {
    tau1 = 0.5 (ms) <1e-9, 1e9>
    tau2 = 5 (ms)
    e = 0 (mV)
}
ASSIGNED { v (mV) i (nA) g (uS) factor }
STATE { A (uS) B (uS) }
INITIAL { LOCAL tp
    if (tau1/tau2 > 0.9999) { tau1 = 0.9999*tau2 }
    A = 0
    B = 0
    tp = (tau1*tau2)/(tau2 - tau1) * log(tau2/tau1)
    factor = 1 / (-exp(-tp/tau1) + exp(-tp/tau2))
}
BREAKPOINT {
    SOLVE state METHOD cnexp
    g = B - A
    i = g*(v - e)
}
DERIVATIVE state {
    A' = -A/tau1
    B' = -B/tau2
}
NET_RECEIVE(weight (uS), tlast (ms)) {
    INITIAL { tlast = -1e9 }
    A = A + weight*factor
    B = B + weight*factor
    tlast = t
    net_send(1, 2)
}
