: A synapse whose conductance decays exponentially and steps up by the
: weight of each event, for the package's mechanism tests.
NEURON {
    POINT_PROCESS SynX
    NONSPECIFIC_CURRENT i
    RANGE tau, e, g
}
UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}
PARAMETER {
    tau = 3 (ms)
    e = 0 (mV)
}
ASSIGNED {
    v (mV)
    i (nA)
}
STATE { g (uS) }
INITIAL { g = 0 }
BREAKPOINT {
    SOLVE decay METHOD cnexp
    i = g * (v - e)
}
DERIVATIVE decay { g' = -g / tau }
NET_RECEIVE(weight (uS)) { g = g + weight }
