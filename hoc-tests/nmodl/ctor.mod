: A point process whose CONSTRUCTOR reads the arguments of `new`
: (after the location) in its VERBATIM C, and an artificial cell's.
NEURON {
    POINT_PROCESS CtorPP
    RANGE id, kind, nargs
}
PARAMETER { id = 0  kind = 0  nargs = 0 }
CONSTRUCTOR {
VERBATIM
    nargs = 0;
    while (ifarg((int)nargs + 1)) { nargs += 1; }
    if (ifarg(2)) { id = *getarg(2); } else { id = -1; }
    if (ifarg(3)) { kind = *getarg(3) * 10; } else { kind = 7; }
ENDVERBATIM
}
BREAKPOINT { }
