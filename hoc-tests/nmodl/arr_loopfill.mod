: A GLOBAL array filled by a loop index in a PROCEDURE and read by
: constant indices in the DERIVATIVE block that calls it.
NEURON {
    SUFFIX arrfill
    GLOBAL Inf, Tau
    RANGE g
}
PARAMETER {
    g = 0.001 (S/cm2)
}
ASSIGNED {
    v (mV)
    Inf[2]
    Tau[2] (ms)
}
STATE { m h }
BREAKPOINT {
    SOLVE states METHOD cnexp
}
INITIAL {
    rates(v)
    m = Inf[0]
    h = Inf[1]
}
DERIVATIVE states {
    rates(v)
    m' = (Inf[0] - m) / Tau[0]
    h' = (Inf[1] - h) / Tau[1]
}
PROCEDURE rates(v (mV)) {
    LOCAL j
    FROM j = 0 TO 1 {
        Inf[j] = 1 / (1 + exp((v + 40 - 30 * j) / (5 - 10 * j)))
        Tau[j] = 1 + j + 0.01 * v * v / (1 + j)
    }
}
