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
from rnnkit.models import Model, load_model, save_model
from rnnkit.registry import LAYERS, MODELS

__all__ = ["load_model", "register_keras_serializable", "save_model"]

C = TypeVar("C", bound=type)


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable[[C], C]:
    """Register a layer class (a cell included) or a subclassed model class under ``package>name``
    (``name``: the class's own by default), as Keras's decorator does; models that hold it (or are it)
    then save its name and load it back. A model class also defines ``get_config``."""

    def register(cls: C) -> C:
        if isinstance(cls, type) and issubclass(cls, Layer):
            LAYERS.register(f"{package}>{name or cls.__name__}", cls)
        elif isinstance(cls, type) and issubclass(cls, Model):
            MODELS.register(f"{package}>{name or cls.__name__}", cls)
        else:
            raise ConfigError(f"register_keras_serializable registers rnnkit layers and models, got {cls!r}")
        return cls

    return register
