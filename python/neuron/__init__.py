"""NEURON's Python interface on nerve.

``from neuron import h`` gives NEURON's HocObject: every HOC name (variables,
functions, templates, sections, object references) through attribute access
and calls, backed by nerve's HOC interpreter and cable engine. Scripts
written for NEURON run unchanged; ``.mod`` files are read directly (no
compiler): ``neuron.load_mechanisms(dir)``, ``h.nrn_load_dll(...)`` and the
``nrnivmodl`` command all end in the folder's ``.mod`` files.
"""

import ctypes
import os

from neuron import hoc
from neuron.hoc import HocObject

h = hoc.HocObject()


class _NEURON_INTERFACE(hoc.HocObject):
    """``neuron.n``, NEURON 9's top-level interface: the names of ``h``."""

    def __repr__(self):
        return "<TopLevelNEURONInterface>"

    def __dir__(self):
        return dir(h)


n = _NEURON_INTERFACE()

from neuron import nrn  # noqa: E402  (nrn.Section, nrn.Segment, nrn.Mechanism)

version = h.nrnversion(1)
__version__ = version

# Folders whose mechanisms are loaded, as NEURON keeps them.
nrn_dll_loaded = []


def _mechanism_sources(path):
    """The .mod files (or folder) a mechanism folder stands for: the files
    nrnivmodl recorded in ``path/<arch>/`` or the .mod files of ``path``."""
    for arch in (os.uname().machine, "x86_64", "i686", "arm64", "aarch64", "powerpc", "umac"):
        for lib in (os.path.join(path, arch, ".libs", "libnrnmech.so"), os.path.join(path, arch, "libnrnmech.so")):
            if os.path.isfile(lib):
                return lib
    if os.path.isdir(path) and any(f.endswith(".mod") for f in os.listdir(path)):
        return path
    return None


def load_mechanisms(path, warn_if_already_loaded=True):
    """Load the mechanisms of a folder: the ``.mod`` files nrnivmodl was run
    on there, or the folder's own ``.mod`` files (no compiler needed).
    A folder is loaded once; returns True when its mechanisms are loaded."""
    if path in nrn_dll_loaded:
        if warn_if_already_loaded:
            print(f"Mechanisms already loaded from path: {path}.  Aborting.")
        return True
    src = _mechanism_sources(path)
    if src is None:
        print(f"NEURON mechanisms not found in {path}.")
        return False
    if os.path.isfile(src):
        h.nrn_load_dll(src)
    else:
        hoc.load_mod_dir(src)
    nrn_dll_loaded.append(path)
    return True


def nrn_dll(path=None):
    """NEURON's handle on its own library: nerve has none to give."""
    raise NotImplementedError("nerve has no NEURON shared library; use h.<name> for HOC functions")


class DensityMechanism:
    """A density mechanism type (``h.hh``), usable with ``sec.insert``."""

    def __init__(self, name):
        self.__name = name

    def __repr__(self):
        return f"neuron.DensityMechanism({self.__name!r})"

    def insert(self, sec):
        sec.insert(self.__name)
        return sec

    def uninsert(self, sec):
        sec.uninsert(self.__name)
        return sec


def _vector_as_numpy(vec):
    """A numpy array sharing the Vector's memory (valid until the Vector
    changes size, as with NEURON)."""
    import numpy

    address, size = vec._data_ptr()
    buf = (ctypes.c_double * size).from_address(address) if size else (ctypes.c_double * 0)()
    buf._owner = vec
    return numpy.frombuffer(buf, dtype=numpy.float64)


def _vector_from_list(xs):
    """Unpickles a Vector."""
    return h.Vector(xs)


def _load_env_mechanisms():
    paths = os.environ.get("NRN_NMODL_PATH")
    if paths:
        for p in paths.split(":"):
            if p:
                load_mechanisms(p)


# As nrniv and NEURON's Python do, the mechanisms nrnivmodl built in the
# current directory load at start.
if _mechanism_sources(".") not in (None, "."):
    load_mechanisms(".", warn_if_already_loaded=False)
_load_env_mechanisms()
