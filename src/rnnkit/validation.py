"""Type checks for the frozen dataclass configs of rnnkit's tasks, run before their own range checks.

Each field must hold what its annotation says: ``int`` (not bool, at most ``MAX_INT``), ``float``
(an int or float, finite), ``bool``, ``str``, ``None`` where the annotation allows it, and
``tuple[float, ...]`` (a list or tuple of such floats). A config read from a model folder is checked the
same way as one typed by a user, so a tampered ``config.json`` fails with the field's name.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Settings:
    ...     units: int = 8
    ...     def __post_init__(self) -> None:
    ...         check_field_types(self)
    >>> Settings(units=2.5)
    Traceback (most recent call last):
    ...
    rnnkit.errors.ConfigError: Settings.units must be an integer (at most 16777216), got 2.5
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any

from rnnkit.errors import ConfigError

__all__ = ["check_field_types", "is_count", "is_number", "MAX_INT"]

MAX_INT = 2**24  # no size, count or width an rnnkit task takes is larger


def check_field_types(config: Any) -> None:
    """Raise ``ConfigError`` naming the first field of the dataclass ``config`` whose value has the wrong type."""
    hints = typing.get_type_hints(type(config))
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        expected = hints[field.name]
        if not _fits(value, expected):
            raise ConfigError(f"{type(config).__name__}.{field.name} must be {_describe(expected)}, got {value!r:.80}")
        if isinstance(value, list):  # a tuple field read from JSON
            object.__setattr__(config, field.name, tuple(value))


def _fits(value: Any, expected: Any) -> bool:
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin in (typing.Union, __import__("types").UnionType):
        return any(_fits(value, a) for a in args)
    if origin is tuple:
        return isinstance(value, tuple | list) and all(_fits(v, args[0]) for v in value)
    if expected is type(None):
        return value is None
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT
    if expected is float:
        return is_number(value)
    if expected is str:
        return isinstance(value, str)
    return True  # other annotations are checked by the config's own __post_init__


def is_number(value: Any) -> bool:
    """An int or float (not a bool) that is finite."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_count(value: Any) -> bool:
    """A whole number of at least 1 (an ``int``, not a bool): a number of batches, epochs, repeats.

    Example:
        >>> is_count(3), is_count(0), is_count(True), is_count(2.0)
        (True, False, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _describe(expected: Any) -> str:
    args = typing.get_args(expected)
    if typing.get_origin(expected) is tuple:
        return f"a list of {_describe(args[0])}s"
    if args:
        return " or ".join(_describe(a) for a in args)
    return {
        int: f"an integer (at most {MAX_INT})",
        float: "a finite number",
        bool: "true or false",
        str: "a string",
        type(None): "None",
    }.get(expected, str(expected))
