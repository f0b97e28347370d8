"""Conformal prediction intervals for forecasts: intervals that hold the share of values they claim,
measured on forecasts the model made of values it never trained on.

Split conformal prediction (Vovk et al. 2005; for forecasts as statsforecast's and NeuralForecast's
``conformal_distribution``), in the forecaster's transformed space:

1. Calibrate: a copy of the forecaster is fitted on each training series less its last ``C`` values. From
   every origin ``t`` in those ``C`` values it forecasts ``ŷ_{t+1..t+H}``, and each step ``h`` ahead gets
   the score ``s_{t,h} = |T(y_{t+h}) − T(ŷ_{t+h})| / w_{t,h}``: ``T`` is the forecaster's transform (log
   for positive series, else the identity) and ``w`` the forecast's own scale (the window's spread; with a
   likelihood, times the half-width of the model's own interval), so a score is a miss in units the
   forecaster already expected. The forecaster itself is then fitted on all of the training data.
2. For a level ``1 − α`` and ``n`` scores of step ``h``, ``q_h`` is the ``⌈(n + 1)(1 − α)⌉``-th smallest:
   if a new forecast's score is exchangeable with the calibration scores, it falls at or below ``q_h``
   with probability at least ``1 − α``. The interval is ``T⁻¹(T(ŷ_h) ± q_h · w_h)``.

Time series are not exchangeable, so the guarantee is approximate; ``benchmarks/forecast.py`` measures
the coverage on held-out data.

Example:
    >>> calibration = Calibration(np.arange(1.0, 21.0)[:, None])  # 20 scores 1..20 of one step ahead
    >>> calibration.quantile(0.8).tolist()  # the ⌈21 · 0.8⌉ = 17th smallest
    [17.0]
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from rnnkit.errors import ConfigError, DataWarning

__all__ = ["Calibration", "MIN_ORIGINS", "default_calibration"]

#: calibration origins per series by default: 19 is the fewest that bound a 95 % interval by a score
#: (⌈(n + 1) · 0.95⌉ ≤ n needs n ≥ 19)
MIN_ORIGINS = 20


def default_calibration(horizon: int) -> int:
    """Values held out at the end of each training series to calibrate on, by default: enough for
    ``MIN_ORIGINS`` forecasts of ``horizon`` steps."""
    return horizon + MIN_ORIGINS - 1


@dataclass(frozen=True)
class Calibration:
    """The calibration scores ``(n, H)``: one row per forecast origin, one column per step ahead."""

    scores: np.ndarray

    def __post_init__(self) -> None:
        if self.scores.ndim != 2 or len(self.scores) == 0 or not np.isfinite(self.scores).all():
            raise ConfigError(f"calibration scores must be a non-empty finite (origins, horizon) array, "
                              f"got shape {self.scores.shape}")  # fmt: skip

    def quantile(self, level: float) -> np.ndarray:
        """``q_h`` for each step ahead ``(H,)``: the ``⌈(n + 1) · level⌉``-th smallest score. Too few scores
        for the level (``n < level / (1 − level)``) give the largest, with a ``DataWarning``."""
        if not 0 < level < 1:
            raise ConfigError(f"level must be inside (0, 1), got {level}")
        n = len(self.scores)
        rank = math.ceil((n + 1) * level - 1e-9)
        if rank > n:
            warnings.warn(
                f"{n} calibration forecasts cannot bound a {level:.0%} interval (that takes at least "
                f"{math.ceil(level / (1 - level) - 1e-9)}); it uses the largest miss and may cover less: "
                f"calibrate on more values (calibration=) or more series",
                DataWarning,
                stacklevel=3,
            )
            rank = n
        return np.sort(self.scores, axis=0)[rank - 1]
