"""``from neuron import gui``: loads the standard run system and the GUI
library (nerve has no windows: GUI calls are accepted and do nothing)."""

from neuron import h

h.load_file("nrngui.hoc")
