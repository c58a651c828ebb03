"""HOC and Python together: templates instantiated from Python and passed
back, Python objects and callables inside HOC, Vectors with numpy, arrays,
pointers, section trees, and HOC errors as Python exceptions."""

import numpy

from _common import report
from neuron import h

out = {}

# h("code") and top-level names
out["h_ok"] = [h("double arr[3]"), h("arr[1] = 5"), h("strdef s"), h('s = "text"'), h("objref o, oo[2]")]
out["h_names"] = [h.arr[1], len(h.arr), h.s, h.o, str(h.oo), h.PI, h.t, h.dt, h.celsius]
h.arr[2] = 7
h.celsius = 22
out["h_set"] = [list(h.arr), h.celsius]
try:
    h.not_a_name = 1
except LookupError as e:
    out["lookup_error"] = str(e)

# templates from Python, and back into HOC
h("""
begintemplate Cell
public soma, dend, syn, n, f, list, g
create soma, dend[2]
objref syn, list
proc init() {
    n = $1
    soma { L = 20  diam = 20  insert hh }
    for i = 0, 1 {
        connect dend[i](0), soma(1)
        dend[i] { L = 100  diam = 1  nseg = 3  insert pas }
    }
    dend[0] syn = new ExpSyn(0.5)
    list = new List()
}
func f() { return n * $1 }
proc g() { $o1.append(n) }
endtemplate Cell
""")
c = h.Cell(3)
out["template"] = [str(c), c.n, c.f(2), str(c.soma), str(c.dend[1]), len(c.dend), str(c.syn), c.syn.tau, c.hname()]
vec = h.Vector()
c.g(vec)
h.o = c
h("o.list.append(o)")
out["passed_back"] = [list(vec), str(h.o), c.list.count(), c.list[0] == c]
out["cell_of_section"] = str(c.soma.cell())

# Python objects in HOC, nrnpython
class Thing:
    value = 7

    def twice(self, x):
        return 2 * x


h.o = Thing()
h("x_ = o.twice(21) + o.value")
h('nrnpython("py_side = 1 + 2")')
out["python_in_hoc"] = [h.x_, type(h.o).__name__, py_side]  # noqa: F821 (set by nrnpython)

# Vectors
v = h.Vector([1, 2, 3.5])
w = h.Vector(numpy.arange(5.0))
a = numpy.array(v)
m = w.as_numpy()
m[0] = 42
out["vector"] = [list(v), len(v), v[-1], list(v[1:]), v.x[2], w.to_python(), list(a), w[0], v.sum(), list(w.c().add(1)), v.hname().split("[")[0]]
v.from_python([9, 8])
out["from_python"] = [list(v), v.size()]
lst = h.List()
lst.append(v)
lst.append(w)
out["list"] = [len(lst), [str(x).split("[")[0] for x in lst], lst.o(1).size()]
mat = h.Matrix(2, 2)
mat.setval(0, 1, 3.0)
out["matrix"] = [mat.nrow(), mat.getval(0, 1), mat.x[0][1]]

# Sections from Python and HOC together
soma = h.Section(name="soma")
dends = [h.Section(name="dend%d" % i) for i in range(3)]
for i, d in enumerate(dends):
    d.connect(soma(1 if i < 2 else 0.5))
    d.L = 50 + 10 * i
    d.nseg = 2
axon = h.Section(name="axon")
axon.connect(dends[0](0))
soma.L = soma.diam = 10
for sec in [soma] + dends:
    sec.pt3dclear()
soma.pt3dadd(0, 0, 0, 10)
soma.pt3dadd(10, 0, 0, 10)
out["tree"] = [
    [str(s) for s in soma.children()],
    [str(s) for s in soma.subtree()],
    [str(s) for s in axon.wholetree()][:3],
    str(axon.parentseg()),
    str(axon.trueparentseg()),
    str(dends[2].parentseg()),
    soma.n3d(),
    soma.x3d(1),
    soma.arc3d(1),
    soma.L,
]
sl = h.SectionList()
sl.wholetree(sec=soma)
out["seclist"] = [str(s) for s in sl]
sr = h.SectionRef(sec=dends[1])
out["secref"] = [str(sr.sec), str(sr.parent), str(sr.parent()), str(soma()), sr.nchild(), sr.has_parent()]
h.distance(0, soma(0.5))
out["distance"] = [h.distance(dends[0](1)), h.distance(soma(0.5), dends[2](0.25)), h.area(0.5, sec=dends[1]), dends[1](0.25).area(), dends[1](0.25).ri()]
h.topology()
soma.insert("pas")
out["segments"] = [[str(seg) for seg in d] for d in dends] + [[str(seg) for seg in dends[0].allseg()]]
out["mechanisms"] = [m.name() for m in soma(0.5)]
out["psection"] = {k: v for k, v in soma.psection().items() if k in ("nseg", "Ra", "name", "density_mechs")}

# pointers and callbacks
stim = h.IClamp(soma(0.5))
stim.delay, stim.dur, stim.amp = 1, 2, 0.1
vr = h.Vector().record(soma(0.5)._ref_v)
ir = h.Vector().record(stim._ref_i)
tr = h.Vector().record(h._ref_t)
events = []
fih = h.FInitializeHandler(lambda: events.append(("init", h.t)))
fih1 = h.FInitializeHandler(1, lambda: h.cvode.event(2.5, lambda: events.append(("event", h.t))))
h.load_file("stdrun.hoc")
h.tstop = 5
h.run()
ptr = soma(0.5)._ref_v
out["run"] = [len(vr), vr[-1], max(ir), tr[-1], ptr[0] == soma(0.5).v, h._ref_t[0], events]

# errors
try:
    h.sqrt(-1)
except RuntimeError as e:
    out["runtime_error"] = str(e)
out["h_error"] = h("x_ = 1/0")
try:
    soma(2)
except ValueError as e:
    out["value_error"] = str(e)
try:
    dends[0](0.5).hh
except AttributeError as e:
    out["attribute_error"] = str(e)

report(**out)
