: An ARTIFICIAL_CELL whose CONSTRUCTOR sets a RANGE variable from its first argument.
NEURON {
    ARTIFICIAL_CELL CtorCell
    RANGE tag
}
PARAMETER { tag = 3 }
CONSTRUCTOR {
VERBATIM
    if (ifarg(1)) { tag = *getarg(1) + 0.5; }
ENDVERBATIM
}
NET_RECEIVE (w) { }
