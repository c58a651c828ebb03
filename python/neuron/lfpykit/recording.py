"""Signals computed during the run: Y = M · i_membrane_ accumulated by the
time loop itself (no Python call per step)."""

import numpy as np

from . import _arrays


class Recording:
    """A matrix the run follows. ``data`` is the signal of the last run,
    shape ``M.shape[:-1] + (samples,)``: one sample at ``finitialize`` and
    one after every step (as ``Vector.record`` samples), or every
    1/steps_per_ms under the variable step. The recording lasts as long as
    this object is referenced."""

    def __init__(self, M):
        from .. import hoc

        M = _arrays.f64(M, "M")
        if M.ndim < 2:
            raise ValueError(f"M must have shape (outputs..., n_seg), not {M.shape}")
        self.M = M
        self.shape = M.shape[:-1]
        outputs = int(np.prod(self.shape))
        if outputs == 0:
            raise ValueError(f"M has no outputs (shape {M.shape})")
        nseg = hoc.segment_count()
        if M.shape[-1] != nseg:
            raise ValueError(f"M has {M.shape[-1]} columns but the model has {nseg} segments (CellGeometry.from_sections() lists them)")
        self._rec = hoc.record_matrix(M.reshape(outputs, nseg).tobytes(), outputs)

    @property
    def data(self):
        samples, outputs = self._rec.samples()
        y = np.frombuffer(samples, dtype=np.float64).reshape(-1, outputs)
        return np.ascontiguousarray(y.T).reshape(self.shape + (y.shape[0],))


def record(M):
    """Has the coming runs accumulate ``M @ i_membrane_`` at every sample;
    ``M`` is an ndarray whose last axis runs over the model's segments in
    ``CellGeometry.from_sections()``'s order, or a model of
    ``neuron.lfpykit`` (its ``get_transformation_matrix()``). Returns the
    ``Recording``, whose ``data`` holds the signal after ``h.run()`` or
    ``h.continuerun()``."""
    if hasattr(M, "record") and hasattr(M, "get_transformation_matrix"):
        return M.record()
    return Recording(M)
