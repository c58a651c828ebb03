"""The models of a cell's membrane currents, with LFPykit's names and
signatures: each gives ``get_transformation_matrix()``, the matrix M with
Y = M · I for membrane currents I (segments × time, nA), computed by nerve's
`field` crate; ``record()`` has the run accumulate Y as it goes."""

import warnings

import numpy as np

from . import _arrays
from .cellgeometry import geometry_bytes
from .recording import Recording


def _hoc():
    from .. import hoc

    return hoc


def _coords(x, y, z, what="x, y and z"):
    """Contact coordinates: numbers or 1-D arrays of equal size."""
    x, y, z = (_arrays.f64(c, n).reshape(-1) for c, n in ((x, "x"), (y, "y"), (z, "z")))
    if not (x.size == y.size == z.size):
        raise ValueError(f"{what} must have the same number of elements ({x.size}, {y.size}, {z.size})")
    return x, y, z


class LinearModel:
    """A linear map from the cell's membrane currents: here the identity
    (M = eye(n_seg)); the base of the other models."""

    def __init__(self, cell):
        self.cell = cell
        self._recording = None
        self._data = None

    def _need_cell(self):
        if self.cell is None:
            raise AttributeError(f"{type(self).__name__}.cell is None")
        missing = [a for a in ("x", "y", "z", "d", "length", "totnsegs") if not hasattr(self.cell, a)]
        if missing:
            raise TypeError(f"{type(self).__name__}.cell must be a CellGeometry (or have its attributes), not {type(self.cell).__name__}")

    def get_transformation_matrix(self):
        self._need_cell()
        return np.eye(self.cell.totnsegs)

    def _field_matrix(self, spec):
        self._need_cell()
        return _arrays.matrix(_hoc().cell_model_matrix(spec, *geometry_bytes(self.cell)))

    def record(self):
        """Has the coming runs compute this model's signal from
        ``i_membrane_`` in the time loop: at ``finitialize`` and after every
        step, Y = M · i_membrane_ with M = ``get_transformation_matrix()`` as
        it is now. The cell must be the model's segments
        (``CellGeometry.from_sections()``). Returns the ``Recording``; after
        the run, ``self.data`` (as LFPy's probes) holds the signal."""
        self._recording = Recording(self.get_transformation_matrix())
        return self._recording

    @property
    def data(self):
        """The signal of the last run, shape (outputs..., samples), once
        ``record()`` was called (LFPy's ``probe.data``)."""
        if self._recording is not None:
            return self._recording.data
        if self._data is not None:
            return self._data
        raise AttributeError(f"{type(self).__name__}.data: call record() before the run")

    @data.setter
    def data(self, value):
        # LFPy's Cell.simulate(probes=[...]) sets it after its run.
        self._recording = None
        self._data = value


class CurrentDipoleMoment(LinearModel):
    """The current dipole moment P = Σ r_mid,i I_i: M has shape (3, n_seg)
    (nA·µm per nA)."""

    def get_transformation_matrix(self):
        return self._field_matrix(_arrays.spec("CurrentDipoleMoment"))


class PointSourcePotential(LinearModel):
    """The potential (mV) at contacts (x, y, z) (µm) of point sources at the
    segment midpoints in an infinite medium of conductivity ``sigma`` (S/m):
    M has shape (n_contacts, n_seg)."""

    _kind = "PointSourcePotential"

    def __init__(self, cell, x, y, z, sigma=0.3):
        super().__init__(cell)
        self.x, self.y, self.z = _coords(x, y, z)
        self.sigma = _arrays.number(sigma, "sigma", positive=True)

    def get_transformation_matrix(self):
        return self._field_matrix(_arrays.spec(self._kind, x=self.x.tolist(), y=self.y.tolist(), z=self.z.tolist(), sigma=self.sigma))


class LineSourcePotential(PointSourcePotential):
    """As PointSourcePotential, each segment a line source along its length."""

    _kind = "LineSourcePotential"


_METHODS = ("linesource", "pointsource", "root_as_point")


def _conductivity(sigma):
    if isinstance(sigma, (list, tuple, np.ndarray)):
        s = _arrays.f64(sigma, "sigma")
        if s.shape != (3,):
            raise ValueError("sigma must be a number or 3 numbers [sigma_x, sigma_y, sigma_z]")
        if not np.all(s > 0):
            raise ValueError("sigma must be greater than zero")
        return s
    return _arrays.number(sigma, "sigma", positive=True)


class RecExtElectrode(LinearModel):
    """Contacts in an infinite medium (LFPykit's RecExtElectrode): ``sigma``
    a number or [σx, σy, σz] (S/m), ``method`` 'linesource', 'pointsource'
    or 'root_as_point'. With ``N`` (surface normals), ``r`` and ``n`` all
    given, each contact is a disc of radius r ('circle') or a square of
    half side r ('square') and records the mean over n points of it; these
    points are spread evenly (a sunflower spiral, a Fibonacci lattice) where
    LFPykit draws them at random, so M is the same at every call. ``probe``
    may be a MEAutility MEA (its positions, normals, size and shape are
    used)."""

    def __init__(self, cell, sigma=0.3, probe=None, x=None, y=None, z=None, N=None, r=None, n=None, contact_shape="circle", method="linesource", verbose=False, seedvalue=None, **kwargs):
        super().__init__(cell)
        self.sigma = _conductivity(sigma)
        self.anisotropic = isinstance(self.sigma, np.ndarray)
        self._contacts(probe, x, y, z, N, r, n, contact_shape, method, verbose, seedvalue, kwargs)
        self._check()

    def _contacts(self, probe, x, y, z, N, r, n, contact_shape, method, verbose, seedvalue, kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected argument {sorted(kwargs)[0]!r}")
        if probe is not None:
            positions = _arrays.points(probe.positions, "probe.positions")
            x, y, z = positions[:, 0], positions[:, 1], positions[:, 2]
            N = np.array([el.normal for el in probe.electrodes])
            r = probe.size
            contact_shape = probe.shape
        elif x is None or y is None or z is None:
            raise ValueError(f"{type(self).__name__} requires either 'probe' or 'x', 'y' and 'z'")
        self.probe = probe
        self.x, self.y, self.z = _coords(x, y, z)
        if contact_shape is None:
            contact_shape = "circle"
        if contact_shape not in ("circle", "square"):
            raise ValueError(f"contact_shape must be 'circle' or 'square', not {contact_shape!r}")
        self.contact_shape = contact_shape
        if N is not None:
            N = _arrays.f64(N, "N")
            if N.shape[-1] != 3:
                N = N.T
            if N.shape[-1] != 3 or N.ndim > 2:
                raise ValueError("N must have shape (n_contacts, 3)")
            if N.ndim == 2 and N.shape[0] not in (1, self.x.size):
                raise ValueError(f"N must hold one normal per contact ({self.x.size}), not {N.shape[0]}")
        self.N = N
        self.r = None if r is None else _arrays.number(r, "r", positive=True)
        if n is not None:
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
                raise TypeError(f"n must be an integer, not {type(n).__name__}")
            if n <= 1:
                raise ValueError(f"n = {n} must be larger than 1")
        self.n = n
        if method not in _METHODS:
            raise ValueError(f"method must be 'linesource', 'pointsource' or 'root_as_point', not {method!r}")
        self.method = method
        self.verbose = verbose
        self.seedvalue = seedvalue

    def _check(self):
        """Raises ValueError now for what the model would refuse later."""
        _hoc().cell_model_matrix(self._spec(), b"", b"", b"", b"")

    def _surface(self):
        if self.N is None or self.r is None or self.n is None:
            return {}
        normals = self.N.reshape(-1, 3)
        if normals.shape[0] == 1:
            normals = np.repeat(normals, self.x.size, axis=0)
        return {"N": normals.tolist(), "r": self.r, "n": int(self.n), "contact_shape": self.contact_shape}

    def _spec(self):
        sigma = self.sigma.tolist() if self.anisotropic else self.sigma
        return _arrays.spec("RecExtElectrode", x=self.x.tolist(), y=self.y.tolist(), z=self.z.tolist(), sigma=sigma, method=self.method, **self._surface())

    def get_transformation_matrix(self):
        return self._field_matrix(self._spec())


class RecMEAElectrode(RecExtElectrode):
    """Contacts on the glass under a tissue slice (method of images):
    conductivities ``sigma_T`` (tissue), ``sigma_S`` (saline above),
    ``sigma_G`` (glass below), slice thickness ``h`` (µm) from ``z_shift``,
    ``steps`` image terms; ``squeeze_cell_factor`` compresses the cell along
    z about its first segment first."""

    def __init__(self, cell, sigma_T=0.3, sigma_S=1.5, sigma_G=0.0, h=300.0, z_shift=0.0, steps=20, probe=None, x=np.array([0]), y=np.array([0]), z=np.array([0]), N=None, r=None, n=None, method="linesource", verbose=False, seedvalue=None, squeeze_cell_factor=None, **kwargs):
        LinearModel.__init__(self, cell)
        self.sigma = None
        self.anisotropic = False
        self._contacts(probe, x, y, z, N, r, n, "circle" if probe is None else None, method, verbose, seedvalue, kwargs)
        self.sigma_T = _arrays.number(sigma_T, "sigma_T", positive=True)
        self.sigma_S = _arrays.number(sigma_S, "sigma_S", nonnegative=True)
        self.sigma_G = _arrays.number(sigma_G, "sigma_G", nonnegative=True)
        self.h = _arrays.number(h, "h", positive=True)
        self.z_shift = _arrays.number(z_shift, "z_shift")
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ValueError(f"steps must be a non-negative integer, not {steps!r}")
        self.steps = int(steps)
        self.squeeze_cell_factor = None if squeeze_cell_factor is None else _arrays.number(squeeze_cell_factor, "squeeze_cell_factor")
        if method != "pointsource":
            if np.any(np.abs(self.z - self.z_shift) > 1e-9):
                raise NotImplementedError(f"The method {method!r} is only supported for electrodes at the plane z = z_shift; use method 'pointsource'")
            if abs(self.sigma_G) > 1e-9:
                raise NotImplementedError(f"The method {method!r} is only supported for sigma_G = 0; use method 'pointsource'")
        self._check()

    def _spec(self):
        return _arrays.spec(
            "RecMEAElectrode",
            x=self.x.tolist(),
            y=self.y.tolist(),
            z=self.z.tolist(),
            method=self.method,
            sigma_T=self.sigma_T,
            sigma_S=self.sigma_S,
            sigma_G=self.sigma_G,
            h=self.h,
            z_shift=self.z_shift,
            steps=self.steps,
            squeeze_cell_factor=self.squeeze_cell_factor,
            **self._surface(),
        )


class OneSphereVolumeConductor(LinearModel):
    """The potential (mV) inside and outside a sphere of radius ``R`` (µm)
    and conductivity ``sigma_i`` in a medium of ``sigma_o`` (S/m), at points
    ``r`` given as a (3, n_points) array of spherical coordinates
    [radius, θ, φ]."""

    def __init__(self, cell, r, R=10000.0, sigma_i=0.3, sigma_o=0.03):
        super().__init__(cell)
        r = _arrays.f64(r, "r", ndim=2)
        if r.shape[0] != 3:
            raise ValueError(f"r must have shape (3, n_points), not {r.shape}")
        self.r = r
        self.R = _arrays.number(R, "R", positive=True)
        self.sigma_i = _arrays.number(sigma_i, "sigma_i", positive=True)
        self.sigma_o = _arrays.number(sigma_o, "sigma_o", positive=True)

    def get_transformation_matrix(self, n_max=1000):
        if isinstance(n_max, bool) or not isinstance(n_max, (int, np.integer)) or n_max < 1:
            raise ValueError(f"n_max must be a positive integer, not {n_max!r}")
        return self._field_matrix(_arrays.spec("OneSphereVolumeConductor", r=self.r.tolist(), R=self.R, sigma_i=self.sigma_i, sigma_o=self.sigma_o, n_max=int(n_max)))


class LaminarCurrentSourceDensity(LinearModel):
    """The current source density (nA/µm³) in cylinders about the z-axis:
    bin ``i`` spans heights ``z[i, 0]`` to ``z[i, 1]`` (µm) with radius
    ``r[i]`` (µm). M has shape (n_bins, n_seg)."""

    def __init__(self, cell, z, r):
        super().__init__(cell)
        z = _arrays.f64(z, "z", ndim=2)
        r = _arrays.f64(r, "r", ndim=1)
        if z.shape[1] != 2:
            raise ValueError(f"z must have shape (n_bins, 2), not {z.shape}")
        if not np.all(np.diff(z, axis=-1) > 0):
            raise ValueError("z: each bin's lower edge must lie below its upper edge")
        if r.shape[0] != z.shape[0]:
            raise ValueError(f"r must hold one radius per bin ({z.shape[0]}), not {r.shape[0]}")
        if not np.all(r > 0):
            raise ValueError("r must be greater than zero")
        if cell is not None and np.max(np.diff(z, axis=-1)) > np.max(cell.length):
            warnings.warn("a CSD bin is taller than the longest segment: split the segments finer (nseg) or use taller bins", UserWarning)
        self.z = z
        self.r = r

    def get_transformation_matrix(self):
        return self._field_matrix(_arrays.spec("LaminarCurrentSourceDensity", z=self.z.tolist(), r=self.r.tolist()))


class VolumetricCurrentSourceDensity(LinearModel):
    """The current (nA) in the boxes of the grid with bin edges x, y, z
    (µm), each segment cut into pieces of at most ``dl`` µm: M has shape
    (x.size-1, y.size-1, z.size-1, n_seg)."""

    def __init__(self, cell, x=None, y=None, z=None, dl=1.0):
        super().__init__(cell)
        self.x, self.y, self.z = (None if a is None else _arrays.f64(a, n, ndim=1) for a, n in ((x, "x"), (y, "y"), (z, "z")))
        self.dl = _arrays.number(dl, "dl", positive=True)

    def get_transformation_matrix(self):
        if self.x is None or self.y is None or self.z is None:
            raise ValueError("VolumetricCurrentSourceDensity needs the bin edges x, y and z")
        m = self._field_matrix(_arrays.spec("VolumetricCurrentSourceDensity", x=self.x.tolist(), y=self.y.tolist(), z=self.z.tolist(), dl=self.dl))
        return m.reshape(self.x.size - 1, self.y.size - 1, self.z.size - 1, -1)
