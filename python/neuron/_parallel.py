"""ParallelContext's collectives on Python objects (``pc.py_alltoall``,
``py_allgather``, ``py_gather``, ``py_broadcast``, ``py_scatter``), as NEURON
computes them in one process (``nhost`` 1): no pickling, the objects
themselves come back."""

import sys


def _fail(pc, method, message):
    print(f"NEURON: {message}\n        {pc.hname()}.{method}(...)", file=sys.stderr)
    raise RuntimeError(f"hocobj_call error: hoc_execerror: {message}")


def _one_per_host(pc, method, data, what):
    if not isinstance(data, list):
        _fail(pc, method, "Argument must be a Python list")
    if len(data) != int(pc.nhost()):
        _fail(pc, method, f"{what} list size must be nhost")


def py_alltoall(pc, data, size=0):
    """Item i of the list goes to rank i; each rank gets the list of what
    the ranks sent it."""
    _one_per_host(pc, "py_alltoall", data, "py_alltoall")
    return data


def py_allgather(pc, obj):
    """Every rank gets the list of every rank's object."""
    return [obj]


def py_gather(pc, obj, root=0):
    """The root rank gets the list of every rank's object."""
    return [obj]


def py_broadcast(pc, obj, root=0):
    """Every rank gets the root's object."""
    return obj


def py_scatter(pc, data, root=0):
    """Item i of the root's list goes to rank i."""
    _one_per_host(pc, "py_scatter", data, "py_scatter")
    return data[0]
