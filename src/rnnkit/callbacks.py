"""Keras-compatible module name: ``from rnnkit.callbacks import EarlyStopping``."""

from rnnkit.train.callbacks import (
    Callback,
    CosineDecayOverTime,
    CSVLogger,
    EarlyStopping,
    EpochLog,
    History,
    LambdaCallback,
    ModelCheckpoint,
    ReduceLROnPlateau,
    SaveBest,
    TerminateOnNaN,
    TimeLimit,
)

__all__ = [
    "CSVLogger",
    "Callback",
    "CosineDecayOverTime",
    "EarlyStopping",
    "EpochLog",
    "History",
    "LambdaCallback",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "SaveBest",
    "TerminateOnNaN",
    "TimeLimit",
]
