: A PROCEDURE that sets GLOBAL arrays only: HOC may call it with no setdata
NEURON {
  SUFFIX glproc
  GLOBAL shell, scale
  RANGE x
}
DEFINE N 3
PARAMETER { scale = 2 }
ASSIGNED { shell[N] x }
PROCEDURE fill(a) {
  FROM i = 0 TO N-1 { shell[i] = a*scale*(i+1) }
}
FUNCTION twice(a) { twice = 2*a*scale }
FUNCTION xplus(a) { xplus = x + a }
