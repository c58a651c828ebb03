"""The models of a current dipole moment (EEG, MEG), with LFPykit's names and
signatures (``lfpykit.eegmegcalc``): each maps a dipole moment P (nA·µm,
shape (3, n_timesteps)) at a location to a signal, through the matrix of
``get_transformation_matrix(location)`` computed by nerve's `field` crate.
Signals are that matrix times P."""

import os

import numpy as np

from . import _arrays


def _hoc():
    from .. import hoc

    return hoc


def _moment(p, what="p"):
    p = _arrays.f64(p, what, ndim=2)
    if p.shape[0] != 3:
        raise ValueError(f"{what} must have shape (3, n_timesteps), not {p.shape}")
    return p


class FourSphereVolumeConductor:
    """The potential (mV) at ``r_electrodes`` (n × 3, µm) of a dipole in four
    concentric shells (brain, CSF, skull, scalp) of outer ``radii`` (µm) and
    conductivities ``sigmas`` (S/m); ``iter_factor`` ends the series."""

    def __init__(self, r_electrodes, radii=[79000.0, 80000.0, 85000.0, 90000.0], sigmas=[0.3, 1.5, 0.015, 0.3], iter_factor=2.0 / 99.0 * 1e-6):
        self.rxyz = _arrays.points(r_electrodes, "r_electrodes")
        radii = _arrays.f64(radii, "radii", shape=(4,))
        sigmas = _arrays.f64(sigmas, "sigmas", shape=(4,))
        self.r1, self.r2, self.r3, self.r4 = (float(v) for v in radii)
        self.sigma1, self.sigma2, self.sigma3, self.sigma4 = (float(v) for v in sigmas)
        self.r = np.sqrt(np.sum(self.rxyz**2, axis=1))
        self.iteration_stop_factor = _arrays.number(iter_factor, "iter_factor", positive=True)
        if not (0 < self.r1 < self.r2 < self.r3 < self.r4):
            raise ValueError("radii of brain, CSF, skull and scalp must satisfy 0 < r1 < r2 < r3 < r4")
        if not np.all(sigmas > 0):
            raise ValueError("sigmas must be greater than zero")
        if np.any(self.r > self.r4):
            raise ValueError("electrode locations must lie inside the head model (|r| <= radii[3])")

    def get_transformation_matrix(self, dipole_location):
        """(n_contacts, 3): mV per nA·µm of moment at ``dipole_location``."""
        loc = _arrays.location(dipole_location, "dipole_location")
        radii = (self.r1, self.r2, self.r3, self.r4)
        sigmas = (self.sigma1, self.sigma2, self.sigma3, self.sigma4)
        return _arrays.matrix(_hoc().four_sphere_matrix(self.rxyz.tobytes(), radii, sigmas, self.iteration_stop_factor, loc))

    def get_dipole_potential(self, p, dipole_location):
        """(n_contacts, n_timesteps): the potential (mV) of moment ``p``."""
        return self.get_transformation_matrix(dipole_location) @ _moment(p)


class InfiniteVolumeConductor:
    """The potential (mV) of a dipole in an infinite medium of conductivity
    ``sigma`` (S/m), at displacements ``r`` (n × 3, µm) from it."""

    def __init__(self, sigma=0.3):
        self.sigma = _arrays.number(sigma, "sigma", positive=True)

    def get_transformation_matrix(self, r):
        """(n_contacts, 3): mV per nA·µm."""
        return _arrays.matrix(_hoc().infinite_conductor_matrix(_arrays.points(r, "r").tobytes(), self.sigma))

    def get_dipole_potential(self, p, r):
        """(n_contacts, n_timesteps)."""
        return self.get_transformation_matrix(r) @ _moment(p)


class _MEG:
    _spherical = False

    def _sensors(self):
        raise NotImplementedError

    def get_transformation_matrix(self, dipole_location):
        """(n_sensors, 3, 3): H (nA/µm) per nA·µm of moment at
        ``dipole_location``; ``[i, :, j]`` is H at sensor i of a unit moment
        along axis j."""
        loc = _arrays.location(dipole_location, "dipole_location")
        m = _arrays.matrix(_hoc().meg_matrix(self._sensors().tobytes(), loc, self.mu, self._spherical))
        return m.reshape(-1, 3, 3)

    def calculate_H(self, current_dipole_moment, dipole_location):
        """(n_sensors, 3, n_timesteps): the magnetic field H (nA/µm)."""
        return self.get_transformation_matrix(dipole_location) @ _moment(current_dipole_moment, "current_dipole_moment")

    def calculate_B(self, p, r_p):
        """(n_sensors, 3, n_timesteps): B = mu · H."""
        return self.mu * self.calculate_H(p, r_p)


class InfiniteHomogeneousVolCondMEG(_MEG):
    """The magnetic field of a dipole in an infinite homogeneous medium at
    ``sensor_locations`` (n × 3, µm); ``mu`` the permeability (B = mu·H)."""

    def __init__(self, sensor_locations, mu=4 * np.pi * 1e-7):
        self.sensor_locations = _arrays.points(sensor_locations, "sensor_locations")
        self.mu = _arrays.number(mu, "mu")

    def _sensors(self):
        return self.sensor_locations


class SphericallySymmetricVolCondMEG(_MEG):
    """The magnetic field of a dipole in a spherically symmetric conductor
    centred at the origin, at sensors ``r`` (n × 3, µm) (Sarvas 1987)."""

    _spherical = True

    def __init__(self, r, mu=4 * np.pi * 1e-7):
        self.r = _arrays.points(r, "r")
        self.mu = _arrays.number(mu, "mu")

    def _sensors(self):
        return self.r


MEG = InfiniteHomogeneousVolCondMEG


class NYHeadModel:
    """EEG (mV) at the 231 electrodes of the New York head model, from the
    user's ``sa_nyhead.mat`` (default: in the working directory; it is never
    downloaded). Place the dipole with ``set_dipole_pos`` (mm) first."""

    def __init__(self, nyhead_file=None):
        self.dipole_pos_dict = {
            "calcarine_sulcus": np.array([5, -86, 2]),
            "motorsensory_cortex": np.array([18, 8, 71]),
            "parietal_lobe": np.array([54, -48, 55.9]),
            "occipital_lobe": np.array([-24.7, -103.3, -1.46]),
        }
        if nyhead_file is None:
            nyhead_file = os.path.join(os.getcwd(), "sa_nyhead.mat")
        self.head_file = os.path.abspath(nyhead_file)
        if not os.path.isfile(self.head_file):
            raise FileNotFoundError(f"New York head model file not found: {self.head_file} (sa_nyhead.mat from https://www.parralab.org/nyhead)")
        self._data = _hoc().NYHeadData(self.head_file)
        self.cortex = self._array("cortex")
        self.cortex_normals = self._array("normals")
        self.dipole_pos = None
        self.cortex_normal_vec = None
        self.vertex_idx = None
        self._M = None

    def _array(self, name):
        data, shape = self._data.array(name)
        return np.frombuffer(data, dtype=np.float64).reshape(shape).copy()

    @property
    def lead_field(self):
        """The lead field, 3 × vertices × electrodes (read on demand)."""
        return self._array("lead_field")

    def set_dipole_pos(self, dipole_pos=None):
        """Places the dipole at the cortex vertex nearest ``dipole_pos``: a
        name of ``dipole_pos_dict``, 3 coordinates (mm), or None for
        'motorsensory_cortex'. Raises RuntimeWarning if that vertex is more
        than 2 mm away."""
        if dipole_pos is None:
            pos = self.dipole_pos_dict["motorsensory_cortex"]
        elif isinstance(dipole_pos, str):
            if dipole_pos not in self.dipole_pos_dict:
                raise RuntimeError(f"When dipole_pos is a string, it must be one of {list(self.dipole_pos_dict)}")
            pos = self.dipole_pos_dict[dipole_pos]
        elif not isinstance(dipole_pos, (list, tuple, np.ndarray)) or len(dipole_pos) != 3:
            raise RuntimeError("dipole_pos must be None, a name, or an array of length 3")
        else:
            pos = dipole_pos
        vertex, at, normal, m = self._data.at(_arrays.location(pos, "dipole_pos"))
        self.vertex_idx = vertex
        self.dipole_pos = np.array(at)
        self.cortex_normal_vec = np.array(normal)
        self._M = _arrays.matrix(m)

    def _need_pos(self):
        if self.vertex_idx is None:
            raise RuntimeError("NYHeadModel: place the dipole with set_dipole_pos(...) first")

    def return_closest_idx(self, pos):
        """The index of the cortex vertex nearest ``pos`` (mm)."""
        pos = _arrays.location(pos, "pos")
        return int(np.argmin((self.cortex[0, :] - pos[0]) ** 2 + (self.cortex[1, :] - pos[1]) ** 2 + (self.cortex[2, :] - pos[2]) ** 2))

    def rotate_dipole_to_surface_normal(self, p, orig_ax_vec=[0, 0, 1]):
        """``p`` (3, n_timesteps) rotated so that ``orig_ax_vec`` (the
        cell's cortical depth axis) lies along the cortex normal at the
        dipole."""
        self._need_pos()
        p = _moment(p)
        axis = _arrays.location(orig_ax_vec, "orig_ax_vec")
        if not any(axis):
            raise ValueError("orig_ax_vec must not be zero")
        out = self._data.rotate(tuple(self.dipole_pos.tolist()), axis, p.tobytes(), p.shape[1])
        return np.frombuffer(out, dtype=np.float64).reshape(p.shape).copy()

    @property
    def elecs(self):
        """The electrodes' positions (mm): rows x, y, z (and any further rows
        of the file's ``locs_3D``), one column per electrode."""
        return self._array("electrodes")

    def find_closest_electrode(self):
        """(distance in mm, index) of the electrode nearest the dipole."""
        self._need_pos()
        e = self.elecs[:3, :]
        dists = np.sqrt(np.sum((self.dipole_pos[:, None] - e) ** 2, axis=0))
        k = int(np.argmin(dists))
        return dists[k], k

    def get_transformation_matrix(self):
        """(n_electrodes, 3): mV per nA·µm of moment at the dipole."""
        self._need_pos()
        return self._M.copy()
