: RANDOM variables: draws of every kind from a stream per instance, in
: INITIAL and at events; a PROCEDURE gives the stream new ids.
NEURON {
  ARTIFICIAL_CELL RndCell
  RANGE u, e, g, k, u2
  RANDOM r
}
ASSIGNED { u e g k u2 }
INITIAL {
  random_setseq(r, 0)
  u = random_uniform(r)
  e = random_negexp(r, 2)
  g = random_normal(r, 1, 0.5)
  k = random_ipick(r)
  u2 = random_uniform(r, 5, 7)
  net_send(1, 1)
}
NET_RECEIVE (w) {
  u = random_uniform(r)
  e = random_negexp(r)
  g = random_normal(r)
  if (t < 4) { net_send(1, 1) }
}
PROCEDURE reseed(a, b, c) {
  random_setids(r, a, b, c)
  random_setseq(r, 0)
}
