: A Random object reached through a POINTER, as NetStim-style stimulators
: of the NEURON 7 era do (noiseFromRandom).
NEURON {
    POINT_PROCESS VRand
    POINTER donotuse
    RANGE mean, last, count
}

PARAMETER {
    mean = 5
}

ASSIGNED {
    donotuse
    last
    count
}

VERBATIM
#ifndef NRN_VERSION_GTEQ_8_2_0
double nrn_random_pick(void* r);
void* nrn_random_arg(int argpos);
#define RANDCAST
#else
#define RANDCAST (Rand*)
#endif
ENDVERBATIM

INITIAL {
    count = 0
    last = draw()
}

NET_RECEIVE (w) {
    count = count + 1
    last = draw()
}

FUNCTION draw() {
VERBATIM
    if (_p_donotuse) {
        _ldraw = nrn_random_pick(RANDCAST _p_donotuse);
    } else {
ENDVERBATIM
        draw = -mean
VERBATIM
    }
ENDVERBATIM
    draw = draw * mean
}

PROCEDURE setRandom() {
VERBATIM
 {
    void** pv = (void**)(&_p_donotuse);
    if (ifarg(1)) {
        *pv = nrn_random_arg(1);
    } else {
        *pv = (void*)0;
    }
 }
ENDVERBATIM
}
