"""Synthetic data for the tutorial and for honest comparisons against it.

* ``tutorial_data``: the classic tutorial's arrays: 1000 random sequences of 10 values in [0, 1) and
  random targets. There is nothing to learn: a model can at best predict the mean.
* ``periodic_series_windows``: the same shapes from a learnable source: windows of 10 steps of a noisy
  periodic series (two sines) and the value that follows each window, split in time (train before test).
* ``adding_problem`` and ``copy_memory``: the classic long-memory tests (Hochreiter & Schmidhuber 1997;
  Arjovsky et al. 2016), where the answer depends on inputs far in the past.

Example:
    >>> x, y = tutorial_data()
    >>> x.shape, y.shape
    ((1000, 10, 1), (1000, 1))
"""

from __future__ import annotations

import numpy as np

__all__ = ["tutorial_data", "periodic_series", "periodic_series_windows", "adding_problem", "copy_memory"]


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


def adding_problem(n: int, steps: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: ``x (n, steps, 2)``, ``y (n, 1)``.

    Channel 0 holds values drawn from U(0, 1); channel 1 marks two steps with 1, one in each half of the
    sequence. The target is the sum of the two marked values. Always answering 1.0 (the mean) scores
    MSE = Var(U + U) = 1/6 ≈ 0.167; a model only beats that by remembering the first mark across up to
    ``steps`` steps.

    Example:
        >>> x, y = adding_problem(4, 20)
        >>> x.shape, y.shape, float(x[0, :, 1].sum())
        ((4, 20, 2), (4, 1), 2.0)
    """
    if steps < 2:
        raise ValueError(f"the adding problem needs at least 2 steps, got {steps}")
    rng = np.random.default_rng(seed)
    values = rng.random((n, steps))
    half = steps // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, steps, size=n)
    marks = np.zeros((n, steps))
    rows = np.arange(n)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    x = np.stack([values, marks], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second])[:, None].astype(np.float32)
    return x, y


def copy_memory(n: int, delay: int, length: int = 10, symbols: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The copy-memory task: token ids ``x (n, length + delay + length)`` and targets of the same shape.

    Ids: 0 blank, 1..symbols the symbols, ``symbols + 1`` the "recall now" marker. The input shows
    ``length`` random symbols, then ``delay - 1`` blanks, the marker, and ``length`` blanks; the target is
    blank everywhere except the last ``length`` steps, which must repeat the symbols. A memoryless model
    scores cross-entropy ``length · ln(symbols) / (2·length + delay)`` at best.

    Example:
        >>> x, y = copy_memory(2, delay=5, length=3)
        >>> x.shape, bool((y[:, -3:] == x[:, :3]).all())
        ((2, 11), True)
    """
    rng = np.random.default_rng(seed)
    total = 2 * length + delay
    x = np.zeros((n, total), dtype=np.int64)
    y = np.zeros((n, total), dtype=np.int64)
    data = rng.integers(1, symbols + 1, size=(n, length))
    x[:, :length] = data
    x[:, length + delay - 1] = symbols + 1
    y[:, -length:] = data
    return x, y
