: Two coupled states solved by scopmath's fourth-order Runge-Kutta
: (METHOD runge), one of them driven by t and v.
NEURON {
    SUFFIX rungek
    RANGE a, b, k
}
PARAMETER { k = 0.3 }
ASSIGNED { v (mV) }
STATE { a b }
INITIAL { a = 1  b = 0 }
BREAKPOINT { SOLVE states METHOD runge }
DERIVATIVE states {
    a' = -k * a + 0.5 * b * b
    b' = 0.2 * a - 0.4 * b + 0.01 * sin(t) + 0.001 * (v + 65)
}
