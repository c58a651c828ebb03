"""numpy arrays across the boundary with nerve's extension: C-ordered
float64 bytes in, bytes out."""

import json
import numbers

import numpy as np


def f64(a, what, ndim=None, shape=None):
    """`a` as a C-ordered float64 array, checked."""
    try:
        arr = np.ascontiguousarray(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what} must be an array of numbers ({e})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{what} must have {ndim} dimension{'s' if ndim != 1 else ''}, not shape {arr.shape}")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{what} must have shape {shape}, not {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must hold finite numbers")
    return arr


def points(a, what):
    """An (n, 3) array of points."""
    arr = f64(a, what)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"{what} must have shape (n, 3), not {arr.shape}")
    return arr


def location(a, what):
    """One point: shape (3,)."""
    return tuple(f64(a, what, shape=(3,)).tolist())


def number(x, what, positive=False, nonnegative=False):
    """A real number (numpy scalars included), checked."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a number, not {type(x).__name__}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{what} must be finite")
    if positive and not x > 0:
        raise ValueError(f"{what} must be greater than zero")
    if nonnegative and not x >= 0:
        raise ValueError(f"{what} must not be negative")
    return x


def matrix(result):
    """(bytes, rows, cols) from the extension as a writable ndarray."""
    data, rows, cols = result
    return np.frombuffer(data, dtype=np.float64).reshape(rows, cols).copy()


def spec(kind, **fields):
    """A model's description as the extension reads it (probes.json's form)."""
    fields = {k: v for k, v in fields.items() if v is not None}
    return json.dumps({"name": kind, "type": kind, **fields}, allow_nan=False)
