: A KINETIC scheme whose states nocmodl numbers in its own order: the
: CONSERVE's last-written state first, then by first letter (capitals
: first), the later-declared first among names with the same letter.
NEURON { SUFFIX kord }
STATE { c1 c2 c3 o Bf Ab }
INITIAL {
    c1 = 0.5  c2 = 0.2  c3 = 0.1  o = 0.2
    Bf = 0.3  Ab = 0.7
}
BREAKPOINT { SOLVE kin METHOD sparse }
KINETIC kin {
    ~ c1 <-> c2 (1, 2)
    ~ c2 <-> c3 (3, 4)
    ~ c3 <-> o (5, 6)
    ~ Ab <-> Bf (0.5, 0.25)
    CONSERVE c1 + c2 + o + c3 = 1
}
