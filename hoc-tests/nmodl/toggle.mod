: A transmitter pulse switched on by a NetCon event and off by the
: self-event it sends: the branch assigns the variable its condition tests,
: and an else if chain does the same.
NEURON {
    POINT_PROCESS Toggle
    RANGE C, count, level
    NONSPECIFIC_CURRENT i
}
PARAMETER {
    Cdur = 0.3 (ms)
}
ASSIGNED {
    v (mV)
    i (nA)
    C
    count
    level
}
INITIAL {
    C = 0
    count = 0
    level = 0
}
BREAKPOINT {
    i = 0
}
NET_RECEIVE(weight, on) {
    if (on) {
        on = 0
        C = 0
    } else {
        if (weight == 0) {
            C = 0
        } else {
            C = 1
            on = 1
            net_send(Cdur, on)
        }
    }
    count = count + 1
    if (level == 0) {
        level = 1
    } else if (level == 1) {
        level = 2
    } else if (level == 2) {
        level = 0
    } else {
        level = -1
    }
}
