: Radial diffusion between shells of an array STATE in a KINETIC block:
: reactions in a FROM loop, COMPARTMENT with an index, a buffer, and a
: CONSERVE-free linear scheme plus a nonlinear buffer binding.
NEURON {
  SUFFIX kshell
  USEION ca READ ica WRITE cai
  RANGE btot
}
DEFINE N 4
UNITS { (mM) = (milli/liter) (mA) = (milliamp) FARADAY = (faraday) (coulomb) (um) = (micron) }
PARAMETER { D = 0.6 (um2/ms) kon = 100 (/mM-ms) koff = 0.1 (/ms) btot = 0.05 (mM) }
ASSIGNED { ica (mA/cm2) cai (mM) diam (um) vol[N] }
STATE { ca[N] (mM) Bf[N] (mM) CaB[N] (mM) }
BREAKPOINT { SOLVE diff METHOD sparse }
INITIAL {
  FROM i = 0 TO N-1 { vol[i] = (2*i + 1)/(N*N) ca[i] = 5e-5 Bf[i] = btot CaB[i] = 0 }
  cai = ca[0]
}
KINETIC diff {
  COMPARTMENT i, diam*diam*vol[i] { ca Bf CaB }
  ~ ca[0] << (-ica*diam*(1e4)/(2*FARADAY))
  FROM i = 0 TO N-2 {
    ~ ca[i] <-> ca[i+1] (D*(i+1), D*(i+1))
  }
  FROM i = 0 TO N-1 {
    ~ ca[i] + Bf[i] <-> CaB[i] (kon, koff)
  }
  cai = ca[0]
}
