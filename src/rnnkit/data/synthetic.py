"""Synthetic data for the tutorial and for honest comparisons against it.

* ``tutorial_data``: the classic tutorial's arrays: 1000 random sequences of 10 values in [0, 1) and
  random targets. There is nothing to learn: a model can at best predict the mean.
* ``periodic_series_windows``: the same shapes from a learnable source: windows of 10 steps of a noisy
  periodic series (two sines) and the value that follows each window, split in time (train before test).

Example:
    >>> x, y = tutorial_data()
    >>> x.shape, y.shape
    ((1000, 10, 1), (1000, 1))
"""

from __future__ import annotations

import numpy as np

__all__ = ["tutorial_data", "periodic_series", "periodic_series_windows"]


def tutorial_data(n: int = 1000, steps: int = 10, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """``np.random.seed(seed)``; ``x = rand(n, steps, 1)``, ``y = rand(n, 1)``, exactly as the tutorial."""
    np.random.seed(seed)
    x = np.random.rand(n, steps, 1)
    y = np.random.rand(n, 1)
    return x, y


def periodic_series(length: int, seed: int = 0, noise: float = 0.1) -> np.ndarray:
    """``sin(2πt/25) + 0.5·sin(2πt/7) + N(0, noise²)`` for t = 0..length-1, scaled to about [0, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    clean = np.sin(2 * np.pi * t / 25) + 0.5 * np.sin(2 * np.pi * t / 7)
    return ((clean + noise * rng.standard_normal(length)) + 1.5) / 3.0


def periodic_series_windows(
    n: int = 1000, steps: int = 10, seed: int = 0, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` consecutive windows ``(n, steps, 1)`` of ``periodic_series`` and their next values ``(n, 1)``.

    Windows are in time order: split by position (first 80 % train) so the test set lies in the future.
    """
    series = periodic_series(n + steps, seed, noise)
    index = np.arange(steps)[None, :] + np.arange(n)[:, None]  # (n, steps)
    return series[index][..., None], series[steps : steps + n, None]
