"""Keras-compatible module name: ``from rnnkit.losses import MeanSquaredError``."""

from rnnkit.train.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    GaussianNLL,
    Huber,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    Quantile,
    SparseCategoricalCrossentropy,
    get_loss,
)

get = get_loss

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "GaussianNLL",
    "Huber",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Quantile",
    "SparseCategoricalCrossentropy",
    "get",
]
