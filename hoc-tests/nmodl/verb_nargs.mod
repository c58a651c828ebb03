: Counts a FUNCTION's HOC arguments the way C in VERBATIM blocks often does:
: ifarg(i) holds for every i up to numarg(), 0 included.
NEURON {
    SUFFIX verbnargs
}
FUNCTION nargs() {
VERBATIM
    int i;
    for (i = 0; ifarg(i); i++) {}
    i--;
    _lnargs = (double) i;
ENDVERBATIM
}
