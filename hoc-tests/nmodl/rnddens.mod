: A density mechanism with a RANDOM stream per segment.
NEURON {
  SUFFIX rnd
  RANGE x
  RANDOM r
}
ASSIGNED { x }
INITIAL { x = random_uniform(r) }
