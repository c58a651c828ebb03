: A KINETIC scheme whose rates depend on a state (the matrix stays linear
: in the states: one solve per step with the rates at the step's start),
: with a CONSERVE law and states whose names share first letters.
NEURON {
  SUFFIX kstate
  USEION ca READ cai
  RANGE kf, kb, p, q
}
PARAMETER { kf = 0.3 (/ms) kb = 0.1 (/ms) kc = 2 }
ASSIGNED { v (mV) cai (mM) p q }
STATE { c1 o2 c2 o1 b0 b1 }
BREAKPOINT { SOLVE kst METHOD sparse }
INITIAL { c1 = 1 c2 = 0 o1 = 0 o2 = 0 b0 = 1 b1 = 0 }
KINETIC kst {
  p = kf*exp(0.04*v)*(1 + kc*b1*b1)
  q = kb*(1 + o1)
  ~ c1 <-> c2 (p, q)
  ~ c2 <-> o1 (2*p, kb)
  ~ o1 <-> o2 (p*b1, kb*c1)
  ~ b0 <-> b1 (kf*(1 + 1000*cai), kb)
  CONSERVE b0 + b1 = 1
  CONSERVE c1 + c2 + o1 + o2 = 1
}
