"""Keras-compatible module name: ``from rnnkit.callbacks import EarlyStopping``."""

from rnnkit.train.callbacks import (
    BackupAndRestore,
    Callback,
    CosineDecayOverTime,
    CSVLogger,
    EarlyStopping,
    EpochLog,
    History,
    JSONLinesLogger,
    LambdaCallback,
    ModelCheckpoint,
    ReduceLROnPlateau,
    SaveBest,
    StochasticWeightAveraging,
    TensorBoard,
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
    "JSONLinesLogger",
    "LambdaCallback",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "SaveBest",
    "StochasticWeightAveraging",
    "TensorBoard",
    "TerminateOnNaN",
    "BackupAndRestore",
    "TimeLimit",
]
