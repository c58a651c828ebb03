: A leak current with its own reversal, for the package's mechanism tests.
NEURON {
    SUFFIX leakx
    NONSPECIFIC_CURRENT i
    RANGE g, e
}
UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}
PARAMETER {
    g = 0.0005 (S/cm2)
    e = -70 (mV)
}
ASSIGNED {
    v (mV)
    i (mA/cm2)
}
BREAKPOINT {
    i = g * (v - e)
}
