: An artificial cell that fires at the times of a Vector it was given by
: play(): the Vector kept as a C pointer in a POINTER slot.
NEURON {
    ARTIFICIAL_CELL VPlay
    POINTER vsrc
    RANGE k, next
}

ASSIGNED {
    vsrc
    k
    next (ms)
}

INITIAL {
    k = 0
    advance()
    if (k > 0) { net_send(next - t, 1) }
}

NET_RECEIVE (w) {
    if (flag == 1) {
        net_event(t)
        advance()
        if (k > 0) { net_send(next - t, 1) }
    }
}

PROCEDURE advance() {
VERBATIM
    void* src = (void*)(_p_vsrc);
    int n, j = (int) k;
    double* x;
    if (!src || j < 0) { k = -1; return 0; }
    n = vector_capacity(src);
    x = vector_vec(src);
    if (j < n) { next = x[j]; k = j + 1; } else { k = -1; }
ENDVERBATIM
}

PROCEDURE play() {
VERBATIM
    void** slot = (void**)(&_p_vsrc);
    *slot = ifarg(1) ? vector_arg(1) : (void*)0;
ENDVERBATIM
}
