"""A forecaster's settings (``ForecasterConfig``: the network, the windows and the training) and what it
forecasts (``Forecast``: points and the bounds of an interval).

Example:
    >>> ForecasterConfig(lookback=12, horizon=3).members  # two networks side by side by default
    2
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnkit.errors import ConfigError
from rnnkit.layers.grouped import CELLS as GROUPED_CELLS
from rnnkit.layers.min_rnn import CELL_LAYERS
from rnnkit.models.ensemble import MAX_MEMBERS
from rnnkit.train.losses import Quantile
from rnnkit.validation import check_field_types

__all__ = ["CELLS", "INTERVALS", "LIKELIHOODS", "STRATEGIES", "Forecast", "ForecasterConfig"]

CELLS = CELL_LAYERS
STRATEGIES = ("direct", "seq2seq", "recursive")
LIKELIHOODS = (None, "gaussian", "quantile")
#: where intervals come from: none (point forecasts), the likelihood's own, or conformal calibration
INTERVALS = (None, "model", "conformal")


@dataclass(frozen=True)
class ForecasterConfig:
    """The network, the windows and the training of a forecaster.

    ``intervals``: ``'conformal'`` (the default with a ``likelihood``) calibrates the intervals on the
    forecaster's misses over the last ``calibration`` values of each training series
    (``forecast_conformal``); ``'model'`` takes the likelihood's own; None (the default without one) gives
    point forecasts. ``levels`` are the interval levels that ``evaluate`` scores and the CLI writes.
    """

    lookback: int = 24
    horizon: int = 6
    cell: str = "gru"
    units: int = 32
    layers: int = 1
    transform: str = "auto"
    difference: bool = False
    strategy: str = "direct"
    likelihood: str | None = None
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)
    intervals: str | None = None
    calibration: int | None = None
    levels: tuple[float, ...] = (0.8, 0.95)
    ensemble: int | None = None
    swa_start: float | None = 0.75
    epochs: int = 400
    batch: int = 32
    learning_rate: float = 5e-3

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.cell not in CELLS:
            raise ConfigError(f"cell must be one of {sorted(CELLS)}, got {self.cell!r}")
        if self.transform not in ("auto", "log", "none"):
            raise ConfigError(f"transform must be 'auto', 'log' or 'none', got {self.transform!r}")
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        if self.likelihood not in LIKELIHOODS:
            raise ConfigError(f"likelihood must be None, 'gaussian' or 'quantile', got {self.likelihood!r}")
        if self.difference and self.likelihood is not None:
            raise ConfigError(
                "difference=True forecasts differences and sums them back; the interval of a sum is not the sum "
                "of intervals, so it takes point forecasts only (likelihood=None)"
            )
        if self.strategy == "recursive" and self.likelihood == "quantile":
            raise ConfigError(
                "a recursive forecast feeds back values, not quantiles: use likelihood='gaussian' (sampled "
                "paths) or strategy='direct'/'seq2seq' with quantiles"
            )
        object.__setattr__(self, "quantiles", tuple(Quantile(self.quantiles).quantiles))  # checked, as floats
        self._check_intervals()
        for name in ("lookback", "horizon", "units", "layers", "epochs", "batch"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be a positive integer, got {getattr(self, name)}")
        groupable = self.layers == 1 and self.strategy != "seq2seq" and self.cell in GROUPED_CELLS
        if self.ensemble is None:  # by default two members where they train side by side
            object.__setattr__(self, "ensemble", 2 if groupable else 1)
        assert self.ensemble is not None
        if not 1 <= self.ensemble <= MAX_MEMBERS:
            raise ConfigError(f"ensemble must be 1 to {MAX_MEMBERS} networks, got {self.ensemble}")
        if self.ensemble > 1 and not groupable:
            raise ConfigError(
                f"an ensemble trains one-layer direct or recursive {'/'.join(GROUPED_CELLS)} forecasters; this one "
                f"has {self.layers} layers, strategy {self.strategy!r} and cell {self.cell!r}: use ensemble=1"
            )
        if self.swa_start is not None and not 0 <= self.swa_start < 1:
            raise ConfigError(f"swa_start must be in [0, 1) (a share of the epochs) or None, got {self.swa_start}")

    def _check_intervals(self) -> None:
        if self.intervals not in INTERVALS:
            raise ConfigError(f"intervals must be None, 'model' or 'conformal', got {self.intervals!r}")
        if self.intervals is None and self.likelihood is not None:  # a likelihood's intervals, calibrated
            object.__setattr__(self, "intervals", "conformal")
        if self.intervals == "model" and self.likelihood is None:
            raise ConfigError("intervals='model' takes a likelihood ('gaussian' or 'quantile'); a point "
                              "forecaster gets intervals with intervals='conformal'")  # fmt: skip
        levels = tuple(float(v) for v in self.levels)
        if not levels or any(not 0 < v < 1 for v in levels) or list(levels) != sorted(set(levels)):
            raise ConfigError(f"levels must be increasing shares inside (0, 1) such as (0.8, 0.95), got {self.levels}")
        object.__setattr__(self, "levels", levels)
        if self.calibration is not None and self.calibration < self.horizon:
            raise ConfigError(
                f"calibration must hold at least one forecast: horizon={self.horizon} values or more, "
                f"got {self.calibration}"
            )

    @property
    def members(self) -> int:
        """Networks in the ensemble (``ensemble``, resolved when the settings are made)."""
        assert self.ensemble is not None
        return self.ensemble

    @property
    def outputs_per_step(self) -> int:
        return {None: 1, "gaussian": 2, "quantile": len(self.quantiles)}[self.likelihood]


@dataclass(frozen=True)
class Forecast:
    """Point forecasts with the bounds of a central prediction interval (None for point models)."""

    point: np.ndarray
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    level: float | None = None
