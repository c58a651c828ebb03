: a regular spike source that can be switched on and off by events
NEURON {
    ARTIFICIAL_CELL StimGen
    RANGE interval, number, start
    THREADSAFE
}

PARAMETER {
    interval = 10 (ms) <1e-9,1e9>
    number = 10 <0,1e9>
    start = 50 (ms)
}

ASSIGNED {
    event (ms)
    on
    ispike
}

INITIAL {
    on = 0
    ispike = 0
    if (start >= 0 && number > 0) {
        on = 1
        event = start
        net_send(event, 3)
    }
}

FUNCTION next_interval(mean (ms)) (ms) {
    if (mean <= 0.) {
        mean = .01 (ms)
    }
    next_interval = mean
}

NET_RECEIVE (w, tlast (ms)) {
    INITIAL {
        tlast = -1e9
    }
    if (flag == 0) {
        if (w > 0 && on == 0) {
            on = 1
            net_send(0, 1)
        } else if (w < 0) {
            on = 0
        } else {
            net_move(t + 0.5 (ms))
        }
    }
    if (flag == 1 && on == 1) {
        ispike = ispike + 1
        tlast = t
        net_event(t)
        if (ispike < number) {
            net_send(next_interval(interval), 1)
        } else {
            on = 0
        }
    }
    if (flag == 3) {
        if (on == 1) {
            net_send(0, 1)
        }
    }
}
