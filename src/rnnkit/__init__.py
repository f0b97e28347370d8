"""rnnkit: recurrent neural networks on sequence data, as PyTorch modules and a Keras-style API.

Modules mirror ``tensorflow.keras``: ``rnnkit.models``, ``rnnkit.layers``, ``rnnkit.callbacks``,
``rnnkit.optimizers``, ``rnnkit.losses``; ``rnnkit.nn`` speaks PyTorch (cells and the time loop).

Example:
    >>> import rnnkit
    >>> rnnkit.seed(42)
"""

from __future__ import annotations

import random

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "seed",
    "Forecaster",
    "SequenceClassifier",
    "TextGenerator",
    "Translator",
    "Transcriber",
    "callbacks",
    "datasets",
    "diagnostics",
    "errors",
    "initializers",
    "layers",
    "losses",
    "models",
    "nn",
    "optimizers",
]

_TASKS = {
    "Forecaster": "rnnkit.tasks.forecasting",
    "SequenceClassifier": "rnnkit.tasks.classification",
    "TextGenerator": "rnnkit.tasks.generation",
    "Translator": "rnnkit.tasks.translation",
    "Transcriber": "rnnkit.tasks.transcription",
}
_SUBMODULES = {
    "callbacks",
    "datasets",
    "diagnostics",
    "errors",
    "initializers",
    "layers",
    "losses",
    "models",
    "nn",
    "optimizers",
}


def __getattr__(name: str) -> object:
    """``rnnkit.layers`` etc. on first use, so ``import rnnkit`` stays light (no torch import)."""
    import importlib  # here, with the lazy imports it serves

    if name in _SUBMODULES:
        return importlib.import_module(f"rnnkit.{name}")
    if name in _TASKS:
        return getattr(importlib.import_module(_TASKS[name]), name)
    raise AttributeError(f"module 'rnnkit' has no attribute {name!r}")


def seed(n: int) -> None:
    """Seed Python's, NumPy's and PyTorch's generators: same seed, same weights, same losses."""
    import numpy as np  # here, so that `import rnnkit` loads no torch
    import torch

    random.seed(n)
    np.random.seed(n)
    torch.manual_seed(n)
