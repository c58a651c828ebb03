"""LFPykit's forward models on nerve: the classes of LFPykit 0.6.2 with its
names, signatures and array shapes, whose matrices nerve's `field` crate
computes (the same numbers as LFPykit, to rounding).

    import neuron.lfpykit as lfpykit

    cell = lfpykit.CellGeometry.from_sections()      # the model's segments
    lfp = lfpykit.LineSourcePotential(cell, x=[50.0], y=[0.0], z=[0.0])
    M = lfp.get_transformation_matrix()              # (contacts, segments)
    lfp.record()                                     # M @ i_membrane_, in the run
    h.finitialize(-65)
    h.continuerun(20)
    lfp.data                                         # (contacts, samples), mV

``record(M)`` does the same for any matrix over the segments, e.g. an EEG
made from ``FourSphereVolumeConductor`` and ``CurrentDipoleMoment``.
"""

from . import eegmegcalc
from .cellgeometry import CellGeometry
from .eegmegcalc import (
    MEG,
    FourSphereVolumeConductor,
    InfiniteHomogeneousVolCondMEG,
    InfiniteVolumeConductor,
    NYHeadModel,
    SphericallySymmetricVolCondMEG,
)
from .models import (
    CurrentDipoleMoment,
    LaminarCurrentSourceDensity,
    LinearModel,
    LineSourcePotential,
    OneSphereVolumeConductor,
    PointSourcePotential,
    RecExtElectrode,
    RecMEAElectrode,
    VolumetricCurrentSourceDensity,
)
from .recording import Recording, record

__all__ = [
    "CellGeometry",
    "LinearModel",
    "CurrentDipoleMoment",
    "PointSourcePotential",
    "LineSourcePotential",
    "RecExtElectrode",
    "RecMEAElectrode",
    "OneSphereVolumeConductor",
    "LaminarCurrentSourceDensity",
    "VolumetricCurrentSourceDensity",
    "FourSphereVolumeConductor",
    "InfiniteVolumeConductor",
    "InfiniteHomogeneousVolCondMEG",
    "SphericallySymmetricVolCondMEG",
    "MEG",
    "NYHeadModel",
    "Recording",
    "record",
    "eegmegcalc",
]
