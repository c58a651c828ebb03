"""The package around h: `from neuron import h, gui`, neuron.units, and
mechanisms from .mod files the way models load them: nrnivmodl run by the
script itself, then neuron.load_mechanisms(dir) or h.nrn_load_dll(lib)."""

import os
import shutil
import subprocess
import sys
import tempfile

import neuron
from _common import every, report
from neuron import gui, h, units  # noqa: F401 (gui: as scripts import it)

here = os.path.dirname(os.path.abspath(__file__))
nrnivmodl = os.path.join(os.path.dirname(sys.executable), "nrnivmodl")
scratch = tempfile.mkdtemp()


def compiled(folder):
    """A scratch copy of a .mod folder, with nrnivmodl run in it."""
    d = os.path.join(scratch, folder)
    shutil.copytree(os.path.join(here, folder), d)
    p = subprocess.run([nrnivmodl], cwd=d, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    return d


leak_dir = compiled("mods_leak")
syn_dir = compiled("mods_syn")
loaded = [neuron.load_mechanisms(leak_dir), neuron.load_mechanisms(leak_dir, warn_if_already_loaded=False)]
loaded.append(h.nrn_load_dll(os.path.join(syn_dir, "x86_64", "libnrnmech.so")))

soma = h.Section(name="soma")
soma.L = soma.diam = 20
soma.insert("leakx")
soma(0.5).leakx.g = 0.001
syn = h.SynX(soma(0.5))
syn.tau = 2
stim = h.NetStim()
stim.number, stim.start, stim.interval = 3, 5, 10
nc = h.NetCon(stim, syn)
nc.weight[0] = 0.002
v = h.Vector().record(soma(0.5)._ref_v)
g = h.Vector().record(syn._ref_g)
h.load_file("stdrun.hoc")
h.finitialize(-65 * units.mV)
h.continuerun(40 * units.ms)
shutil.rmtree(scratch)

unit_names = sorted(k for k in vars(units) if not k.startswith("_") and isinstance(getattr(units, k), (int, float)))
report(
    units={k: getattr(units, k) for k in unit_names},
    loaded=loaded,
    leak=[soma(0.5).leakx.e, soma(0.5).e_leakx, soma(0.5).leakx.g],
    v=every(v, 40),
    g=every(g, 40),
    gui=type(gui).__name__,
)
