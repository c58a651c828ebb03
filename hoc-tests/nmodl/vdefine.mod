: A number #defined in top-level VERBATIM C, used by the NMODL code (which
: nocmodl pastes after the definition).
NEURON { SUFFIX vdefine RANGE x }
VERBATIM
#define TWOPI_HALF 3.141592653589793115997963468544
#define NCELLS 7
ENDVERBATIM
ASSIGNED { x }
INITIAL { x = 2 * TWOPI_HALF + NCELLS }
