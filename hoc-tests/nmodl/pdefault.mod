: PARAMETER defaults with more digits than nocmodl keeps and
: a STATE with a START value.
NEURON {
    SUFFIX pdefault
    RANGE a, arr
    GLOBAL b
}
PARAMETER {
    a = 15.87301587302
    b = -25.64102564103 (mV)
    arr[3]
}
STATE { s START 0.1234567891 }
ASSIGNED { x }
BREAKPOINT { x = a + s }
