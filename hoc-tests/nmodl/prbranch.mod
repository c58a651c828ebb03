: printf with no arguments in both branches of an if, in NMODL and in
: VERBATIM C (the last op of the block allocates no register).
NEURON { SUFFIX nothing }
PROCEDURE pick(x) {
    if (x > 1) { printf("big\n") } else { printf("small\n") }
}
PROCEDURE cpick(x) {
VERBATIM
    if (_lx > 1) printf("C big\n"); else printf("C small\n");
ENDVERBATIM
}
