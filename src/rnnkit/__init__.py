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

__all__ = ["__version__", "seed"]


def seed(n: int) -> None:
    """Seed Python's, NumPy's and PyTorch's generators: same seed, same weights, same losses."""
    import numpy as np
    import torch

    random.seed(n)
    np.random.seed(n)
    torch.manual_seed(n)
