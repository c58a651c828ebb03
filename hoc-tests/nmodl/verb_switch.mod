: switch in VERBATIM C: fall-through, break, default, and an assignment
: inside a condition
NEURON {
    SUFFIX verbswitch
}
FUNCTION pick(k, x) {
    LOCAL lo
    lo = 0.5
VERBATIM
    double r = 0;
    switch ((int) _lk) {
    case 0:
        if ((r = 1 / _lx) < _llo) {
            r = _llo;
        }
        break;
    case 1:
    case 2:
        r = 10;
    case 3:
        r += 100;
        break;
    default:
        r = -1;
    }
    _lpick = r;
ENDVERBATIM
}
