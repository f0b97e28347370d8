"""Small classic series shipped with rnnkit, loaded from the package (no network).

Sources and licenses: ``README.md`` beside this file.

Example:
    >>> series = airline_passengers()
    >>> series.name, len(series), series.dates[0], series.values[:3].tolist()
    ('passengers', 144, '1949-01', [112.0, 118.0, 132.0])
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

import numpy as np

from rnnkit.errors import UnknownNameError

__all__ = ["Series", "airline_passengers", "ibm_close", "load", "sunspots"]


@dataclass(frozen=True)
class Series:
    """One named series: ``values`` ``(T,)`` at ``dates`` (ISO dates, years, or step labels such as trading
    day numbers), ``period`` steps per season (None when the series has no fixed season)."""

    name: str
    dates: list[str]
    values: np.ndarray
    period: int | None = None

    def __len__(self) -> int:
        return len(self.values)


def _read(file: str) -> tuple[str, list[str], np.ndarray]:
    text = resources.files(__name__).joinpath(file).read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    return header[1], [r[0] for r in body], np.array([float(r[1]) for r in body])


def airline_passengers() -> Series:
    """Monthly international airline passengers (thousands), 1949-01 to 1960-12: trend and a yearly season
    that grows with the level (multiplicative), the classic of Box & Jenkins and of every RNN tutorial."""
    name, dates, values = _read("airline_passengers.csv")
    return Series(name, dates, values, period=12)


def sunspots() -> Series:
    """Yearly mean sunspot numbers, 1700 to 2008 (309 values): a cycle of about 11 years whose length and
    height vary, so no fixed season (``period`` is None) and a hard series for seasonal baselines."""
    name, dates, values = _read("sunspots.csv")
    return Series(name, dates, values)


def ibm_close() -> Series:
    """IBM daily closing stock prices over 369 trading days from 17 May 1961 (Box & Jenkins, Series B):
    the tutorial's stock-price example on real prices. ``dates`` are trading-day numbers. Daily prices
    are close to a random walk, so the naive forecast (tomorrow = today) is the baseline to beat."""
    name, dates, values = _read("ibm_close.csv")
    return Series(name, dates, values)


LOADERS = {"airline_passengers": airline_passengers, "sunspots": sunspots, "ibm_close": ibm_close}


def load(name: str) -> Series:
    """A shipped series by name: ``'airline_passengers'``, ``'sunspots'`` or ``'ibm_close'``."""
    if name not in LOADERS:
        raise UnknownNameError(f"no built-in series {name!r}; known: {', '.join(sorted(LOADERS))}")
    return LOADERS[name]()
