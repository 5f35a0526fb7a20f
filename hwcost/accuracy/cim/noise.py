"""Analog non-idealities of a CIM macro as injectable Gaussian noise (seeded, vectorised).

Two places where a crossbar's numbers drift (sigma is a parameter, as in the noise-injection
training of He et al. DAC 2019 and the device-variation models of DNN+NeuroSim):

- ``weights``: cell-conductance variation. Each cell holding level ``v`` reads
  ``v * (1 + sigma * eps)``, ``eps ~ N(0, 1)`` per cell: a multiplicative spread of the on-state
  conductance; an off cell (``v = 0``) carries no current and stays 0.
- ``psum``: read / ADC-input noise on every column's analog sum, additive
  ``sigma * L * eps`` with ``L`` the column's full-scale sum ``n (2^c - 1)(2^p - 1)``
  (``docs/cim-model.md`` §3), so sigma is a fraction of the ADC input range.

Noise is drawn from the ``numpy.random.Generator`` passed in: training draws from the training
generator (a new chip instance per batch), evaluation from a generator seeded per trial. Without
a generator (calibration passes) the macro is noiseless.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

__all__ = ["NO_NOISE", "CimNoise", "NoiseTarget"]


class NoiseTarget(Enum):
    WEIGHTS = "weights"  # cell conductance, multiplicative per cell
    PSUM = "psum"  # column (partial) sums, additive, relative to full scale


@dataclass(frozen=True)
class CimNoise:
    """Gaussian variation of ``sigma`` on cells or on partial sums.

    >>> rng = np.random.default_rng(0)
    >>> cells = np.array([[0.0, 1.0], [1.0, 1.0]])
    >>> noisy = CimNoise(0.1, NoiseTarget.WEIGHTS).perturb_cells(cells, rng)
    >>> bool(noisy[0, 0] == 0.0), bool(np.all(np.abs(noisy[cells > 0] - 1) < 0.5))
    (True, True)
    >>> CimNoise(0.1, NoiseTarget.WEIGHTS).perturb_psums(np.ones(3), 64.0, rng)
    array([1., 1., 1.])
    """

    sigma: float = 0.0
    target: NoiseTarget = NoiseTarget.WEIGHTS

    @property
    def active(self) -> bool:
        return self.sigma > 0.0

    def perturb_cells(self, cells: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Cell levels with conductance variation (unchanged unless the target is ``weights``)."""
        if not self.active or self.target is not NoiseTarget.WEIGHTS or rng is None:
            return cells
        return cells * (1.0 + self.sigma * rng.standard_normal(cells.shape))

    def perturb_psums(self, psums: np.ndarray, full_scale: float, rng: np.random.Generator | None) -> np.ndarray:
        """Column sums with additive read noise (unchanged unless the target is ``psum``)."""
        if not self.active or self.target is not NoiseTarget.PSUM or rng is None:
            return psums
        eps = rng.standard_normal(psums.shape, dtype=np.float32)  # float32: half the drawing time
        eps *= self.sigma * full_scale
        return psums + eps


NO_NOISE = CimNoise()
