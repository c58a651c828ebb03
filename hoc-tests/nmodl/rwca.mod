: A calcium buffer that reads the calcium current it also writes: each of
: its blocks starts from the ion's total current so far.
NEURON {
  SUFFIX rwca
  USEION ca READ cai, ica WRITE cai, ica
  RANGE ip, iseen, gp
}
UNITS { (mA) = (milliamp) (mM) = (milli/liter) }
PARAMETER { kf = 0.5 (/ms) kb = 0.1 (/ms) gp = 20 }
ASSIGNED { ica (mA/cm2) cai (mM) ip (mA/cm2) iseen (mA/cm2) }
STATE { c (mM) b (mM) }
INITIAL {
  c = cai
  b = 0
  ip = 0
}
BREAKPOINT {
  SOLVE kin METHOD sparse
  ica = ip
}
KINETIC kin {
  iseen = ica
  ~ c << (-ica*0.05)
  ~ c <-> b (kf, kb)
  ip = gp*(f_flux - b_flux)
  cai = c
}
