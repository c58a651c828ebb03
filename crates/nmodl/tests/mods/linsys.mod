TITLE a LINEAR and a NONLINEAR block (test fixture)

NEURON {
    SUFFIX linsys
    RANGE a, b, c
}

PARAMETER {
    k1 = 2
    k2 = 3
}

STATE {
    x y z
}

ASSIGNED {
    a b c
}

BREAKPOINT {
    SOLVE lin
    SOLVE nonlin
    SOLVE rates
    a = x + y
}

LINEAR lin SOLVEFOR x, y {
    ~ k1*x + y = 4
    ~ x - k2*y = -(1 + 2)
}

NONLINEAR nonlin SOLVEFOR z {
    ~ z^2 = 2
}

PROCEDURE rates() {
    b = -x^2
    c = 2^-1 + !(a > b) * (a <= b || b != 3 && a == a)
}
