TITLE radial calcium diffusion with a buffer (test fixture)

DEFINE NSH 4

NEURON {
    SUFFIX kinbuf
    USEION ca READ cai, ica WRITE cai
    GLOBAL vrat, TotalBuffer
}

UNITS {
    (molar) = (1/liter)
    (mM) = (millimolar)
    (um) = (micron)
    (mA) = (milliamp)
    FARADAY = (faraday) (10000 coulomb)
    PI = (pi) (1)
}

PARAMETER {
    DCa = 0.6 (um2/ms)
    k1buf = 100 (/mM-ms)
    k2buf = 0.1 (/ms)
    TotalBuffer = 0.003 (mM)
}

ASSIGNED {
    diam (um)
    ica (mA/cm2)
    cai (mM)
    vrat[NSH]
    Kd (/mM)
    B0 (mM)
}

STATE {
    ca[NSH] (mM) <1e-10>
    CaBuffer[NSH] (mM)
    Buffer[NSH] (mM)
    pump FROM 0 TO 1
}

BREAKPOINT {
    SOLVE state METHOD sparse
}

INITIAL {
    Kd = k1buf/k2buf
    FROM i=0 TO NSH-1 {
        ca[i] = cai
        vrat[i] = 1/NSH
    }
    SOLVE state STEADYSTATE sparse
}

LOCAL dsq, dsqvol

KINETIC state {
    COMPARTMENT i, diam*diam*vrat[i] {ca CaBuffer Buffer}
    COMPARTMENT (1e10)*diam {pump}
    ~ ca[0] << (-ica*PI*diam/(2*FARADAY))
    FROM i=0 TO NSH-2 {
        ~ ca[i] <-> ca[i+1] (DCa*vrat[i+1], DCa*vrat[i+1])
    }
    dsq = diam*diam
    FROM i=0 TO NSH-1 {
        dsqvol = dsq*vrat[i]
        ~ ca[i] + Buffer[i] <-> CaBuffer[i] (k1buf*dsqvol, k2buf*dsqvol)
    }
    ~ 2 ca[0] + pump <-> pump (1e-3, 0)
    ~ pump -> (0.01 (/ms))
    CONSERVE Buffer[0] + CaBuffer[0] = TotalBuffer*diam*diam*vrat[0]
    cai = ca[0] + 0*f_flux - 0*b_flux
}
