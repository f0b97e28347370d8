"""Keras 3's names on rnnkit's engine: point a Keras program's imports here and it runs on rnnkit.

    from rnnkit import keras                      # instead of: import keras
    from rnnkit.keras import layers               # instead of: from keras import layers

``keras.layers``, ``keras.models``, ``keras.optimizers``, ``keras.losses``, ``keras.metrics``, ``keras.callbacks``,
``keras.initializers``, ``keras.ops`` and ``keras.utils`` hold rnnkit's classes under Keras's names; ``keras.Input``,
``keras.Model`` (``Model(inputs, outputs)`` is the Functional API) and ``keras.Sequential`` are here too.
The README's Keras table says what is supported and what is not.

Example:
    >>> from rnnkit import keras
    >>> inputs = keras.Input(shape=(None, 2))
    >>> model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.LSTM(4)(inputs)))
    >>> model.count_params()
    117
"""

from rnnkit import callbacks, constraints, initializers, losses, metrics, optimizers, regularizers
from rnnkit.keras import layers, models, ops, saving, utils
from rnnkit.layers import Input
from rnnkit.layers.symbolic import KerasTensor
from rnnkit.models import Model, Sequential

__all__ = [
    "Input",
    "KerasTensor",
    "Model",
    "Sequential",
    "callbacks",
    "constraints",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "regularizers",
    "saving",
    "utils",
]
