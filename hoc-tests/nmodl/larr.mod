: LOCAL arrays, indexed by constants and by the variable of a FROM loop
: with constant bounds.
NEURON {
    SUFFIX larr
    RANGE a, b, total
}
PARAMETER { a = 2  b = 3 }
ASSIGNED { total }
INITIAL { sums() }
PROCEDURE sums() {
    LOCAL j, w[3], q[2]
    w[0] = a
    w[1] = b
    w[2] = a * b
    q[1] = 0
    FROM j = 0 TO 2 {
        q[1] = q[1] + w[j] * (j + 1)
    }
    q[0] = w[2] - q[1]
    total = q[0] + 100 * q[1]
}
