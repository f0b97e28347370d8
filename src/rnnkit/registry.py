"""Name → object lookup: string identifiers (``'adam'``, ``'mse'``, ``'relu'``) and saved class names.

Each component owns its registry (activations and initializers in ``rnnkit.nn``, losses, metrics and
optimizers in ``rnnkit.train``); all resolve names the same way and fail the same way, listing the
names they know.

Two registries live here because both ends of saving use them: ``LAYERS`` and ``MODELS``, the classes
a model file may name. Each rnnkit layer and model class registers itself (``@LAYERS.add``) where it is
defined, and loading finds it by name: no module has to import every class, and a file can name only a
class rnnkit registered, so loading a model never runs code that came from the file.

Example:
    >>> colors = Registry("color")
    >>> colors.register("red", 1)
    1
    >>> colors.get("RED")
    1
    >>> shapes = Registry("shape class", fold_case=False)
    >>> @shapes.add
    ... class Square:
    ...     pass
    >>> shapes.get("Square").__name__, "square" in shapes
    ('Square', False)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from rnnkit.errors import UnknownNameError

__all__ = ["LAYERS", "MODELS", "Registry"]

T = TypeVar("T")
C = TypeVar("C", bound=type)


class Registry(Generic[T]):
    """A table of named objects of one kind; names are case-insensitive unless ``fold_case=False``."""

    def __init__(self, kind: str, fold_case: bool = True) -> None:
        self.kind = kind
        self.fold_case = fold_case
        self._items: dict[str, T] = {}

    def _key(self, name: str) -> str:
        return name.lower() if self.fold_case else name

    def register(self, name: str, item: T) -> T:
        self._items[self._key(name)] = item
        return item

    def add(self, cls: C) -> C:
        """Register a class under its own name; a class decorator."""
        self.register(cls.__name__, cls)  # type: ignore[arg-type]
        return cls

    def get(self, name: str) -> T:
        try:
            return self._items[self._key(name)]
        except KeyError:
            known = ", ".join(sorted(self._items))
            raise UnknownNameError(f"unknown {self.kind} {name!r}; expected one of: {known}") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def name_of(self, item: object) -> str | None:
        """The name ``item`` is registered under (the first, if several), or None."""
        return next((name for name, known in self._items.items() if known is item), None)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))


#: rnnkit's layer classes that a saved model may name (``rnnkit.layers`` registers them on import)
LAYERS: Registry[Any] = Registry("layer class", fold_case=False)
#: rnnkit's model classes that a saved model may be (``rnnkit.models`` registers them on import)
MODELS: Registry[Any] = Registry("model class", fold_case=False)
