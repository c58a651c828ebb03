"""NEURON's ``nrn`` module: the Section, Segment and Mechanism types."""

from neuron.hoc import Mechanism, Section, Segment

__all__ = ["Section", "Segment", "Mechanism"]
