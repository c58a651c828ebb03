TITLE calcium accumulation in a thin shell (test fixture)

NEURON {
    SUFFIX cacum
    USEION ca READ ica, cao WRITE cai VALENCE 2
    RANGE depth, taur, cainf, eca_est
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (molar) = (1/liter)
    (mM) = (millimolar)
    (um) = (micron)
    FARADAY = (faraday) (coulomb)
    R = (k-mole) (joule/degC)
    FZ = 96485.3 (coulomb)
}

CONSTANT {
    zca = 2
    T0 = 273.15 (degC)
}

PARAMETER {
    depth = .1 (um) <1e-3, 1e3>
    taur = 200 (ms)
    cainf = 100e-6 (mM)
    celsius (degC)
}

ASSIGNED {
    ica (mA/cm2)
    cao (mM)
    eca_est (mV)
    drive (mM/ms)
}

STATE {
    cai (mM) <1e-8>
}

INITIAL {
    cai = cainf
}

BREAKPOINT {
    SOLVE state METHOD derivimplicit
    eca_est = (1000)*R*(celsius + T0)/(zca*FARADAY)*log(cao/cai)
}

DERIVATIVE state {
    drive = -(10000)*ica/(zca*FARADAY*depth)
    if (drive <= 0) { drive = 0 (mM/ms) }  : no inward pumping
    cai' = drive + (cainf - cai)/taur
}
