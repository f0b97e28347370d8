"""rnnkit in PyTorch's vocabulary: cells (one time step), the loop over time, initializers.

Example:
    >>> import torch
    >>> from rnnkit.nn import LSTMCell, run_recurrent
    >>> y, (h, c) = run_recurrent(LSTMCell(3, 8), torch.randn(2, 5, 3))
    >>> tuple(y.shape), tuple(h.shape)
    ((2, 5, 8), (2, 8))
"""

from rnnkit.nn.cells import GRUCell, LSTMCell, LSTMState, RecurrentCell, SimpleRNNCell
from rnnkit.nn.init import activations, get_activation, get_initializer, initializers
from rnnkit.nn.recurrent import initial_state, run_recurrent, unroll

__all__ = [
    "GRUCell",
    "LSTMCell",
    "LSTMState",
    "RecurrentCell",
    "SimpleRNNCell",
    "activations",
    "get_activation",
    "get_initializer",
    "initializers",
    "initial_state",
    "run_recurrent",
    "unroll",
]
