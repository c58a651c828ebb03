TITLE tables, pointers and C (test fixture)

INDEPENDENT { t FROM 0 TO 1 WITH 1 (ms) }

NEURON {
    POINT_PROCESS FTab
    ELECTRODE_CURRENT i
    RANGE amp, dur
    POINTER src
    BBCOREPOINTER rng
    EXTERNAL ext_gain
    GLOBAL scale
}

PARAMETER {
    amp = 1 (nA)
    dur = 1 (ms)
    scale[3] = 1
}

ASSIGNED {
    i (nA)
    src
    rng
}

VERBATIM
#include <stdlib.h>
static double helper(double x) { return x; }
ENDVERBATIM

FUNCTION_TABLE tau_table(v (mV), c (mM)) (ms)
FUNCTION_TABLE gain(x)

CONSTRUCTOR {
VERBATIM
    /* allocate something */
ENDVERBATIM
}

DESTRUCTOR {
VERBATIM
    /* free it */
ENDVERBATIM
}

INITIAL {
    LOCAL k
    k = 0
    while (k < 3) {
        scale[k] = gain(k)
        k = k + 1
    }
}

BREAKPOINT {
    at_time(dur)
    if (t < dur) {
        i = amp*tau_table(-65, 0.001)*src
    } else {
        i = 0
    }
}

PROCEDURE show() {
    printf("amp=%g\n", amp)
}
