: A C local declared in one VERBATIM piece, assigned and read by the NMODL
: statements between the pieces (nocmodl pastes them into one C function,
: and writes a name the NMODL code does not declare as it is).
NEURON { SUFFIX vlocal RANGE a, b }
PARAMETER { a = 2.7 }
ASSIGNED { b }
FUNCTION half(x) {
VERBATIM
    double value;
    int n;
    if (_lx > 0) {
ENDVERBATIM
    value = x / 2
    n = x * 1.5
VERBATIM
    } else {
        value = -1;
        n = 0;
    }
ENDVERBATIM
    half = value + n
}
INITIAL { b = half(a) }
