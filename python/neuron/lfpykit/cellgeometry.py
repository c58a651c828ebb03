"""CellGeometry: the segments a forward model sees, as LFPykit's class has
them (start and end coordinates, diameters, in µm)."""

import numpy as np

from . import _arrays


class CellGeometry:
    """The geometry of a multicompartment cell: each segment a straight line
    from ``(x[i, 0], y[i, 0], z[i, 0])`` to ``(x[i, 1], y[i, 1], z[i, 1])``
    (µm) with diameter ``d[i]`` (µm; shape ``(n_seg,)``, or ``(n_seg, 2)``
    for conical frusta, whose mean is used as the diameter).

    Attributes: ``x``, ``y``, ``z``, ``d``, ``totnsegs``, ``length`` (µm)
    and ``area`` (µm²), as in LFPykit.

    ``CellGeometry.from_sections()`` builds it from the model's sections,
    so that ``M @ i_membrane_`` lines up with the segments a run records.
    """

    def __init__(self, x, y, z, d):
        x = _arrays.f64(x, "x", ndim=2)
        y = _arrays.f64(y, "y", ndim=2)
        z = _arrays.f64(z, "z", ndim=2)
        d = _arrays.f64(d, "d")
        if x.shape[1] != 2:
            raise ValueError(f"x, y and z must have shape (n_seg, 2), not {x.shape}")
        if y.shape != x.shape or z.shape != x.shape:
            raise ValueError(f"x, y and z must have the same shape ({x.shape}, {y.shape}, {z.shape})")
        if not (d.shape == x.shape or (d.ndim == 1 and d.size == x.shape[0])):
            raise ValueError(f"d must have shape ({x.shape[0]},) or {x.shape}, not {d.shape}")
        if np.any(d < 0):
            raise ValueError("d must not be negative")
        self.x = x
        self.y = y
        self.z = z
        self.d = d
        self.totnsegs = x.shape[0]
        self.length = np.sqrt(np.diff(x, axis=-1) ** 2 + np.diff(y, axis=-1) ** 2 + np.diff(z, axis=-1) ** 2).flatten()
        self._set_area()

    def _set_area(self):
        if self.d.ndim == 1:
            self.area = self.length * np.pi * self.d
        else:
            r = self.d / 2
            self.area = np.pi * r.sum(axis=-1) * np.sqrt(np.diff(r, axis=-1).ravel() ** 2 + self.length**2)

    @classmethod
    def from_sections(cls):
        """The segments of every section of the model, as LFPy's Cell lists
        them: sections in creation order, segments by x, each the straight
        line between the 3-D positions (after ``h.define_shape()``) at its
        ends, with the segment's diameter; ``length`` is L/nseg (LFPy's).
        Coordinates are the model's own (no move of the soma to the origin).
        """
        from .. import h, hoc

        h.define_shape()
        start, end, diam, length = hoc.section_geometry()
        start = np.frombuffer(start, dtype=np.float64).reshape(-1, 3)
        end = np.frombuffer(end, dtype=np.float64).reshape(-1, 3)
        g = cls(np.c_[start[:, 0], end[:, 0]], np.c_[start[:, 1], end[:, 1]], np.c_[start[:, 2], end[:, 2]], np.frombuffer(diam, dtype=np.float64).copy())
        g.length = np.frombuffer(length, dtype=np.float64).copy()
        g._set_area()
        return g


def geometry_bytes(cell):
    """The segments of ``cell`` (a CellGeometry or any object with its
    attributes x, y, z, d and length, such as LFPy's Cell) as the extension
    reads them."""
    x = _arrays.f64(cell.x, "cell.x", ndim=2)
    y = _arrays.f64(cell.y, "cell.y", shape=x.shape)
    z = _arrays.f64(cell.z, "cell.z", shape=x.shape)
    if x.shape[1] != 2:
        raise ValueError(f"cell.x must have shape (n_seg, 2), not {x.shape}")
    d = _arrays.f64(cell.d, "cell.d")
    if d.ndim == 2:
        d = d.mean(axis=-1)
    n = x.shape[0]
    if d.shape != (n,):
        raise ValueError(f"cell.d must have shape ({n},) or ({n}, 2), not {cell.d.shape}")
    length = _arrays.f64(cell.length, "cell.length", shape=(n,))
    start = np.c_[x[:, 0], y[:, 0], z[:, 0]]
    end = np.c_[x[:, 1], y[:, 1], z[:, 1]]
    return (np.ascontiguousarray(start).tobytes(), np.ascontiguousarray(end).tobytes(), np.ascontiguousarray(d).tobytes(), length.tobytes())
