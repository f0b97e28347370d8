"""Keras-compatible module name: ``from rnnkit.optimizers import Adam``."""

from rnnkit.train.optimizers import SGD, Adam, AdamW, Optimizer, RMSprop, get_optimizer

get = get_optimizer

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "get"]
