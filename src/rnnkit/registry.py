"""Name → object lookup for string identifiers (``'adam'``, ``'mse'``, ``'relu'``, ...).

Each component owns its registry (activations and initializers in ``rnnkit.nn``, losses, metrics and
optimizers in ``rnnkit.train``); all resolve names the same way and fail the same way, listing the
names they know.

Example:
    >>> colors = Registry("color")
    >>> colors.register("red", 1)
    1
    >>> colors.get("red")
    1
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from rnnkit.errors import UnknownNameError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """A case-insensitive table of named objects of one kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        self._items[name.lower()] = item
        return item

    def get(self, name: str) -> T:
        try:
            return self._items[name.lower()]
        except KeyError:
            known = ", ".join(sorted(self._items))
            raise UnknownNameError(f"unknown {self.kind} {name!r}; expected one of: {known}") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))
