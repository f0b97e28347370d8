"""Keras-compatible module name: ``from rnnkit.constraints import MaxNorm`` (or ``kernel_constraint="non_neg"``)."""

from rnnkit.nn.penalties import MaxNorm, MinMaxNorm, NonNeg, UnitNorm, get_constraint

get = get_constraint

__all__ = ["MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "get"]
