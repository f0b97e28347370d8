"""Series for forecasting, before any model: checked ``(T, C)`` arrays (column 0 the target, the others
past covariates), collections of them for a global model, gaps filled, tables read, and the windows a
network learns from.

Example:
    >>> as_series([1.0, 2.0, 3.0]).shape
    (3, 1)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rnnkit.data.arrays import real_array
from rnnkit.errors import ConfigError, DataError, ShapeError

__all__ = ["FILL_POLICIES", "as_many_series", "as_series", "fill_missing", "from_frame", "stack_windows", "windows"]


def windows(z: np.ndarray, lookback: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """All ``(inputs, next values)`` pairs of a ``(T, C)`` array: ``(N, lookback, C)`` and ``(N, horizon)``
    (the target, column 0), ``N = T − lookback − horizon + 1``.

    Example:
        >>> x, y = windows(np.arange(6.0)[:, None], lookback=3, horizon=2)
        >>> x[:, :, 0].tolist(), y.tolist()
        ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [[3.0, 4.0], [4.0, 5.0]])
    """
    n = len(z) - lookback - horizon + 1
    if n < 1:
        raise DataError(
            f"a series of {len(z)} values is too short for lookback {lookback} + horizon {horizon}; "
            f"give at least {lookback + horizon} values or lower them"
        )
    starts = np.arange(n)[:, None]
    x = z[starts + np.arange(lookback)]  # (N, L, C)
    y = z[starts + lookback + np.arange(horizon), 0]  # (N, H)
    return x, y


def as_series(data: Any) -> np.ndarray:
    """A ``(T, C)`` float array from a ``(T,)``/``(T, C)`` array, list, or ``rnnkit.datasets.Series``."""
    a = real_array("a series", getattr(data, "values", data))
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise ShapeError(f"a series must be (time,) or (time, columns), got shape {a.shape}")
    missing = ~np.isfinite(a)
    if missing.any():
        first = int(np.argwhere(missing)[0][0])
        raise DataError(f"the series has {int(missing.sum())} missing or infinite values (first at step {first})")
    return a


FILL_POLICIES = ("error", "ffill", "interpolate", "drop")


def fill_missing(data: np.ndarray, how: str = "error") -> np.ndarray:
    """A ``(T, C)`` series with its NaN gaps handled by ``how``: ``'error'`` (a ``DataError`` naming the
    first gap), ``'ffill'`` (the last value carried forward; leading gaps take the first value),
    ``'interpolate'`` (linear in time; the ends take the nearest value) or ``'drop'`` (rows with a gap
    removed: the steps are no longer evenly spaced, say so to yourself).

    Example:
        >>> fill_missing(np.array([[1.0], [np.nan], [3.0]]), "interpolate")[:, 0].tolist()
        [1.0, 2.0, 3.0]
    """
    if how not in FILL_POLICIES:
        raise ConfigError(f"fill must be one of {', '.join(FILL_POLICIES)}, got {how!r}")
    gaps = np.isnan(data)
    if not gaps.any():
        return data
    if how == "error":
        first = int(np.argwhere(gaps)[0][0])
        raise DataError(
            f"the series has {int(gaps.sum())} missing values (first at row {first}); choose a fill policy: "
            "ffill, interpolate or drop"
        )
    if how == "drop":
        kept = data[~gaps.any(axis=1)]
        if len(kept) == 0:
            raise DataError("every row has a missing value: nothing is left after dropping them")
        return kept
    out = data.copy()
    t = np.arange(len(data))
    for c in range(data.shape[1]):
        known = ~gaps[:, c]
        if not known.any():
            raise DataError(f"column {c} has no values at all")
        if how == "interpolate":
            out[:, c] = np.interp(t, t[known], data[known, c])
        else:
            last = np.maximum.accumulate(np.where(known, t, -1))
            out[:, c] = data[np.where(last < 0, np.argmax(known), last), c]
    return out


def from_frame(
    frame: Any, target: str, covariates: tuple[str, ...] | list[str] = (), id_column: str | None = None
) -> np.ndarray | dict[str, np.ndarray]:
    """Series from a table with named columns (a pandas DataFrame, or a dict of equal-length columns):
    ``(T, 1 + covariates)`` rows in table order, or, with ``id_column``, one such array per id (rows of
    an id in table order) for a global model.

    Example:
        >>> table = {"store": ["a", "b", "a", "b"], "sales": [1.0, 10.0, 2.0, 20.0]}
        >>> {k: v[:, 0].tolist() for k, v in from_frame(table, "sales", id_column="store").items()}
        {'a': [1.0, 2.0], 'b': [10.0, 20.0]}
    """
    names = [target, *covariates]
    available = list(frame.keys())
    for name in [*names, *([id_column] if id_column else [])]:
        if name not in available:
            raise DataError(f"no column {name!r}; the columns are: {', '.join(map(str, available))}")
    try:
        values = np.stack([np.asarray(frame[n], dtype=np.float64) for n in names], axis=1)
    except (TypeError, ValueError) as exc:
        raise DataError(f"columns {', '.join(names)} must hold numbers: {exc}") from exc
    if id_column is None:
        return values
    ids = [str(i) for i in np.asarray(frame[id_column])]
    return {key: values[[i for i, k in enumerate(ids) if k == key]] for key in dict.fromkeys(ids)}


def stack_windows(parts: list[tuple[np.ndarray, np.ndarray | None]]) -> tuple[np.ndarray, np.ndarray | None]:
    """Several series' ``(windows, levels or None)`` as one: windows concatenated in order, and their
    levels (the values differences are summed onto) likewise, or None without differencing."""
    x = np.concatenate([w for w, _ in parts])
    levels = [v for _, v in parts if v is not None]
    return x, (np.concatenate(levels) if levels else None)


def _is_array(d: Any) -> bool:
    return isinstance(d, (np.ndarray, torch.Tensor)) or hasattr(d, "values")


def as_many_series(data: Any) -> list[np.ndarray] | None:
    """The series of a collection — a dict of series, or a list/tuple of arrays, tensors, pandas objects or
    ``rnnkit.datasets.Series`` — as ``(T_i, C)`` arrays; None when ``data`` is one series (a nested list of
    numbers is one series)."""
    if isinstance(data, dict):
        items = list(data.values())
    elif isinstance(data, (list, tuple)) and data and all(_is_array(d) for d in data):
        items = list(data)
    else:
        return None
    if not items:
        raise DataError("no series given")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(as_series(item))
        except (DataError, ShapeError) as exc:
            raise type(exc)(f"series {i}: {exc}") from exc
    if len({a.shape[1] for a in out}) > 1:
        raise ShapeError(f"every series needs the same columns; got column counts {sorted({a.shape[1] for a in out})}")
    return out
