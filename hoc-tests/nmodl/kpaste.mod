: Rates written without parentheses around a sum: nocmodl pastes the rate
: text before `* species`, so `a0 + b0` times A is a0 + b0*A in NEURON.
NEURON { SUFFIX kpaste RANGE a0, b0 }
PARAMETER { a0 = 0.3 (/ms) b0 = 0.1 (/ms) }
STATE { A B C D }
BREAKPOINT { SOLVE kin METHOD sparse }
INITIAL { A = 1 B = 0.5 C = 0 D = 0 }
KINETIC kin {
  ~ A + B <-> C (a0 + b0, (b0 + a0))
  ~ C <-> D (a0 - b0*0.5, -b0 + a0*(1 + 0.1))
  ~ D -> (a0 - b0)
  ~ 2 B <-> A (a0 + 0.01*v, b0 + (a0 + b0))
}
