: a delayed rectifier, made up for fuzzing
NEURON {
    SUFFIX kdrz
    USEION k READ ek WRITE ik
    RANGE gbar, g, ninf, ntau
    GLOBAL q10
    THREADSAFE
}
UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (S) = (siemens)
}
PARAMETER {
    gbar = 0.01 (S/cm2) <0, 1e9>
    q10 = 3
    celsius (degC)
}
ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    g (S/cm2)
    ninf
    ntau (ms)
}
STATE { n }
BREAKPOINT {
    SOLVE states METHOD cnexp
    g = gbar * n^4
    ik = g * (v - ek)
}
INITIAL {
    rates(v)
    n = ninf
}
DERIVATIVE states {
    rates(v)
    n' = (ninf - n) / ntau
}
PROCEDURE rates(v (mV)) { LOCAL a, b, tadj
    TABLE ninf, ntau DEPEND celsius FROM -100 TO 100 WITH 200
    tadj = q10^((celsius - 6.3)/10)
    a = 0.01 * vtrap(-(v + 55), 10)
    b = 0.125 * exp(-(v + 65)/80)
    ntau = 1 / (tadj * (a + b))
    ninf = a / (a + b)
}
FUNCTION vtrap(x, y) {
    if (fabs(x/y) < 1e-6) {
        vtrap = y * (1 - x/y/2)
    } else {
        vtrap = x / (exp(x/y) - 1)
    }
}
