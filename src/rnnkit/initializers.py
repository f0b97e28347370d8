"""Keras-compatible module name: ``from rnnkit.initializers import Orthogonal``."""

from rnnkit.nn.init import Constant, Identity, Initializer, Orthogonal, RandomNormal, RandomUniform, get_initializer

get = get_initializer

__all__ = ["Constant", "Identity", "Initializer", "Orthogonal", "RandomNormal", "RandomUniform", "get"]
