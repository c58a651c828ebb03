: VERBATIM C as mod files hold it: preprocessor lines, declarations,
: int arithmetic, loops, early returns, ion values, printf.
NEURON {
    SUFFIX vcalc
    USEION ca READ cai
    RANGE scale, seen, nstep, kind
    GLOBAL verbose
}

VERBATIM
#include <stdio.h>
#include <math.h>
#ifndef NRN_VERSION_GTEQ_8_2_0
#define OLDNRN 1
extern double nothing_here(double);
#else
#define OLDNRN 0
#endif
#define TWICE(x) (2*(x))
static const char rcsid[] = "$Id: vcalc.mod test $";
extern int ifarg(int);
static int calls;   /* how often ticks() ran */
// a line comment
ENDVERBATIM

PARAMETER {
    scale = 3
    verbose = 0
}

ASSIGNED {
    cai (mM)
    seen (mM)
    nstep
    kind
}

INITIAL {
    seen = 0
    nstep = 0
    kind = classify(scale)
VERBATIM
    seen = _ion_cai * 1000.;
ENDVERBATIM
}

BREAKPOINT {
    SOLVE ticks
}

PROCEDURE ticks() {
VERBATIM
    nstep += 1;
    calls++;
    if (verbose > 0) {
        printf("step %d cai %g\n", (int) nstep, cai);
    }
    return 0;
ENDVERBATIM
}

FUNCTION idiv(a, b) {
VERBATIM
    int i = (int) _la, j = (int) _lb;
    _lidiv = i / j + 100 * (i % j) + 0.5 * (double) i / j;
ENDVERBATIM
}

FUNCTION early(x) {
    early = 1
VERBATIM
    if (_lx < 0) return -1;
    if (_lx == 0) { return _learly + 10; }
ENDVERBATIM
    early = 2 * x + scale
}

FUNCTION loops(n) {
    LOCAL acc
    acc = 0
VERBATIM
    {
        int i, k = 0;
        double s = 0.;
        for (i = 0; i < (int) _ln; i++) {
            if (i % 3 == 0) continue;
            s += i;
            if (s > 40) break;
        }
        while (k < 5) { k += 2; }
        do { k--; } while (k > 4);
        i = k > 3 ? k << 2 : k | 8;
        _lacc = s * 1000 + TWICE(i) / 2;
    }
ENDVERBATIM
    loops = acc
}

FUNCTION callsof() {
VERBATIM
    _lcallsof = calls + OLDNRN;
ENDVERBATIM
}

FUNCTION mathy(x) {
VERBATIM
    _lmathy = pow(fabs(_lx), 0.5) + exp(-_lx) + floor(_lx / 3.) + hoc_Exp(1.) + M_PI;
ENDVERBATIM
}

FUNCTION classify(s) {
VERBATIM
    int k;
    if (_ls < 0) return -1;
    for (k = 0; k < 10; k++) {
        if (k * k >= _ls) break;
    }
    if (k == 3) return 300;
    _lclassify = k;
ENDVERBATIM
}
