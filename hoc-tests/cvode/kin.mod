NEURON {
  SUFFIX kin
  USEION k READ ek WRITE ik
  RANGE gbar, g
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER { gbar = 0.01 (S/cm2) }
ASSIGNED { v (mV) ek (mV) ik (mA/cm2) g (S/cm2) a1 b1 a2 b2 }
STATE { c1 c2 o }
BREAKPOINT {
  SOLVE scheme METHOD sparse
  g = gbar*o
  ik = g*(v - ek)
}
INITIAL { SOLVE scheme STEADYSTATE sparse }
KINETIC scheme {
  rates(v)
  ~ c1 <-> c2 (a1, b1)
  ~ c2 <-> o (a2, b2)
  CONSERVE c1 + c2 + o = 1
}
PROCEDURE rates(v (mV)) {
  a1 = 0.1*exp((v+40)/20)
  b1 = 0.05*exp(-(v+40)/20)
  a2 = 0.2*exp((v+30)/15)
  b2 = 0.1*exp(-(v+30)/25)
}
