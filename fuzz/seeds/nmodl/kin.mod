NEURON {
    SUFFIX kinz
    USEION ca READ cai WRITE ica
    RANGE gmax, kf, kb
}
PARAMETER { gmax = 0.001 kf = 0.1 kb = 0.05 }
ASSIGNED { v ica cai }
STATE { c1 c2 o }
BREAKPOINT {
    SOLVE scheme METHOD sparse
    ica = gmax * o * (v - 120)
}
INITIAL { SOLVE scheme STEADYSTATE sparse }
KINETIC scheme {
    ~ c1 <-> c2 (kf*cai, kb)
    ~ c2 <-> o (2*kf, kb)
    CONSERVE c1 + c2 + o = 1
}
