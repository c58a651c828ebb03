: A potassium leak that names its share of ik RANGE, so HOC sees ik_kcur
NEURON {
  SUFFIX kcur
  USEION k READ ek WRITE ik
  RANGE gk, ik
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER { gk = 0.002 (S/cm2) }
ASSIGNED { v (mV) ek (mV) ik (mA/cm2) }
BREAKPOINT { ik = gk*(v - ek) }
