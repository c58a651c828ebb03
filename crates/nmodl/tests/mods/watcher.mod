TITLE threshold watcher (test fixture)

NEURON {
    POINT_PROCESS Watcher
    RANGE thresh, count
}

PARAMETER {
    thresh = -20 (mV)
}

ASSIGNED {
    v (mV)
    count
}

INITIAL {
    count = 0
    net_send(0, 1)
}

NET_RECEIVE(w) {
    if (flag == 1) {
        WATCH (v > thresh) 2, (v < thresh - 10) 3
    } else if (flag == 2) {
        count = count + 1
        net_event(t)
    } else if (flag == 3) {
        ? rearm
        WATCH (v > thresh) 2.0
    }
}
