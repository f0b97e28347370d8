"""Keras-compatible module name: ``from rnnkit.regularizers import L2`` (or ``kernel_regularizer="l2"``)."""

from rnnkit.nn.penalties import L1, L1L2, L2, get_regularizer

get = get_regularizer
l1, l2, l1_l2 = L1, L2, L1L2  # Keras's function-style names

__all__ = ["L1", "L1L2", "L2", "get", "l1", "l1_l2", "l2"]
