: NET_RECEIVE reads the time step and the temperature of the run.
NEURON {
    POINT_PROCESS EvClock
    RANGE lastdt, lastcel, x
}
PARAMETER {
    dt (ms)
}
ASSIGNED {
    celsius (degC)
    lastdt (ms)
    lastcel (degC)
    x
}
INITIAL {
    lastdt = -1
    lastcel = -1
    x = 0
}
NET_RECEIVE(w, tlast (ms)) {
    lastdt = dt
    lastcel = celsius
    x = x + w*exp(-(t - dt - tlast))
    tlast = t
    printf("t=%g flag=%g dt=%g celsius=%g x=%.12g\n", t, flag, dt, celsius, x)
    if (flag == 0) {
        net_send(0.3, 1)
    }
}
