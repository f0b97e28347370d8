"""rnnkit in Keras's vocabulary: layers as plain ``torch.nn.Module`` objects.

Example:
    >>> import torch
    >>> from rnnkit.layers import LSTM, Bidirectional
    >>> tuple(Bidirectional(LSTM(8))(torch.zeros(2, 5, 3)).shape)
    (2, 16)
"""

from rnnkit.layers.base import Layer
from rnnkit.layers.core import (
    Activation,
    CTCOutput,
    Dense,
    Dropout,
    Embedding,
    Input,
    Masking,
    RepeatVector,
    SpecAugment,
    TimeDistributed,
)
from rnnkit.layers.pooling import AttentionPooling, GlobalAveragePooling1D, GlobalMaxPooling1D
from rnnkit.layers.recurrent import GRU, LSTM, RNN, Bidirectional, SimpleRNN

__all__ = [
    "Activation",
    "AttentionPooling",
    "Bidirectional",
    "CTCOutput",
    "Dense",
    "Dropout",
    "Embedding",
    "GRU",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "Input",
    "LSTM",
    "Layer",
    "Masking",
    "RNN",
    "RepeatVector",
    "SimpleRNN",
    "SpecAugment",
    "TimeDistributed",
]
