"""Checks and conversion for user arrays: NumPy (or tensors, or nested lists) in, float32/int64 tensors out.

Every problem raises an ``rnnkit.errors`` exception that names the argument, what was expected and
what was given.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from rnnkit.errors import DataError, ShapeError

__all__ = ["to_tensor", "check_same_length", "real_array"]


def to_tensor(name: str, data: Any, *, min_rank: int = 1, integer_ok: bool = True) -> Tensor:
    """Convert ``data`` to a tensor, refusing empty arrays, non-numbers and NaN/inf.

    Floats become float32; integers stay int64 when ``integer_ok`` (token ids), else become float32.
    """
    if data is None:
        raise DataError(f"{name} is required, got None")
    if isinstance(data, Tensor):
        t = data.detach()
    else:
        try:
            array = np.asarray(data)
        except (ValueError, TypeError) as exc:  # ragged nested lists, objects NumPy cannot read
            raise ShapeError(f"{name} must be a rectangular array (every row the same length): {exc}") from exc
        if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise DataError(f"{name} must be numeric, got an array of dtype {array.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(array))
    if t.dim() < min_rank:
        raise ShapeError(f"{name} must have at least {min_rank} dimensions, got shape {tuple(t.shape)}")
    if t.numel() == 0:
        raise DataError(f"{name} is empty (shape {tuple(t.shape)}); expected at least one sample")
    if t.dtype.is_floating_point or t.dtype.is_complex:
        if t.dtype.is_complex:
            raise DataError(f"{name} must be real-valued, got dtype {t.dtype}")
        t = t.float()
        if not _all_finite(t):
            bad = int((~torch.isfinite(t)).sum())
            raise DataError(f"{name} contains {bad} NaN or infinite values; expected only finite numbers")
    elif integer_ok and t.dtype != torch.bool:
        t = t.long()
    else:
        t = t.float()
    return t


def real_array(name: str, data: Any) -> np.ndarray:
    """``data`` as a float64 array, refusing what a cast would change or hide: complex numbers (the
    imaginary part dropped), object arrays, lists that mix numbers with text or other objects, text.

    Example:
        >>> real_array("series", [1, 2.5, True]).tolist()
        [1.0, 2.5, 1.0]
        >>> real_array("series", [1, "2"])
        Traceback (most recent call last):
        rnnkit.errors.DataError: series must hold real numbers only; found str ('2') at position 1
    """
    if isinstance(data, Tensor):
        data = data.detach().cpu().numpy()
    if isinstance(data, np.ndarray):
        if data.dtype == object:
            raise DataError(f"{name} is an object array; convert it first (.astype(float)) if it holds only numbers")
        if np.iscomplexobj(data):
            raise DataError(f"{name} must be real-valued, got complex numbers (dtype {data.dtype}); take .real or abs() first")
        if not (np.issubdtype(data.dtype, np.number) or data.dtype == bool):
            raise DataError(f"{name} must hold real numbers only, got an array of dtype {data.dtype}")
        return data.astype(np.float64)
    try:  # lists as objects: NumPy would turn [1, "2"] into two strings
        array = np.asarray(data, dtype=object)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ShapeError(f"{name} must be a rectangular array of numbers: {exc}") from exc
    for i, item in enumerate(array.ravel()):
        if not isinstance(item, (int, float, np.integer, np.floating, np.bool_)):  # complex is neither
            raise DataError(f"{name} must hold real numbers only; found {type(item).__name__} ({item!r:.20}) at position {i}")
    return array.astype(np.float64)


def _all_finite(t: Tensor) -> bool:
    """No NaN or inf in float ``t`` (NumPy's check on the CPU: ~1.5 us against ~7 us for a small batch)."""
    if t.device.type == "cpu":
        return bool(np.isfinite(t.numpy()).all())
    return bool(torch.isfinite(t).all())


def check_same_length(x: Tensor | int, y: Tensor | int) -> None:
    """``x`` and ``y`` (tensors, or their sample counts) hold the same number of samples."""
    nx, ny = (v if isinstance(v, int) else len(v) for v in (x, y))
    if nx != ny:
        raise ShapeError(f"x and y must have the same number of samples, got {nx} and {ny}")
