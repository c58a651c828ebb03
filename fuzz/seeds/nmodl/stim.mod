NEURON {
    ARTIFICIAL_CELL Genz
    RANGE interval, number, start
    POINTER ptr
}
PARAMETER { interval = 10 (ms) number = 10 start = 50 (ms) }
ASSIGNED { event (ms) on ptr }
INITIAL {
    on = 0
    if (start >= 0 && number > 0) {
        event = start
        net_send(event, 3)
    }
}
NET_RECEIVE (w) {
    if (flag == 3) {
        on = 1
        net_event(t)
        net_send(interval, 3)
    } else if (flag == 0 && w > 0) {
        WATCH (ptr > 10) 2
    }
}
VERBATIM
static double helper(double x) { return x * 2.0; }
ENDVERBATIM
