NEURON {
  SUFFIX cad
  USEION ca READ ica, cai WRITE cai
  RANGE depth, taur, cainf
}
UNITS { (mM) = (milli/liter) (mA) = (milliamp) F = (faraday) (coulombs) }
PARAMETER { depth = 0.1 (um) taur = 200 (ms) cainf = 1e-4 (mM) }
ASSIGNED { ica (mA/cm2) drive (mM/ms) }
STATE { cai (mM) }
INITIAL { cai = cainf }
BREAKPOINT { SOLVE state METHOD derivimplicit }
DERIVATIVE state {
  drive = -(10000) * ica / (2 * F * depth)
  if (drive <= 0.) { drive = 0. }
  cai' = drive + (cainf - cai)/taur
}
