"""``keras.saving``: registering a custom layer (a cell, say) so that models holding it save and load, and
``load_model`` / ``save_model``.

Loading rebuilds only classes rnnkit knows by name, never code from the file: a custom class must be
registered, by the program that loads, before it loads.

Example:
    >>> from rnnkit.layers import Layer
    >>> @register_keras_serializable(package="Docs")
    ... class Twice(Layer):
    ...     def call(self, x, mask=None):
    ...         return 2 * x
    >>> from rnnkit.layers.serialization import serialize
    >>> serialize(Twice())["class_name"]
    'Docs>Twice'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rnnkit.errors import ConfigError
from rnnkit.layers import Layer
from rnnkit.models import load_model, save_model
from rnnkit.registry import LAYERS

__all__ = ["load_model", "register_keras_serializable", "save_model"]

C = TypeVar("C", bound=type)


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable[[C], C]:
    """Register a layer class under ``package>name`` (``name``: the class's own by default), as Keras's
    decorator does; models that hold it then save its name and load it back."""

    def register(cls: C) -> C:
        if not (isinstance(cls, type) and issubclass(cls, Layer)):
            raise ConfigError(f"register_keras_serializable registers rnnkit layers (cells included), got {cls!r}")
        LAYERS.register(f"{package}>{name or cls.__name__}", cls)
        return cls

    return register
