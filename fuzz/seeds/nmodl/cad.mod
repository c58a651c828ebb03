NEURON {
    SUFFIX cadz
    USEION ca READ ica, cai WRITE cai
    RANGE depth, taur, cainf
}
DEFINE NANN 4
CONSTANT { FARADAY = 96485.309 (coul) }
PARAMETER { depth = 0.1 (um) taur = 200 (ms) cainf = 1e-4 (mM) }
ASSIGNED { ica (mA/cm2) drive[NANN] }
STATE { cai (mM) }
BREAKPOINT { SOLVE st METHOD derivimplicit }
DERIVATIVE st { LOCAL d
    d = -(10000) * ica / (2 * FARADAY * depth)
    if (d <= 0.) { d = 0. }
    FROM i = 0 TO NANN-1 { drive[i] = d * i }
    cai' = d + (cainf - cai)/taur
}
FUNCTION_TABLE tabf(x)
LINEAR lin { LOCAL a
    ~ a = 1
}
