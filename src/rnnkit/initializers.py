"""Keras-compatible module name: ``from rnnkit.initializers import Orthogonal`` (the random ones take
Keras's ``seed``)."""

from rnnkit.nn.init import (
    Constant,
    GlorotUniform,
    HeUniform,
    Identity,
    Initializer,
    Ones,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    Zeros,
    get_initializer,
)

get = get_initializer

__all__ = [
    "Constant",
    "GlorotUniform",
    "HeUniform",
    "Identity",
    "Initializer",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "Zeros",
    "get",
]
