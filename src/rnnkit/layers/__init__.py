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
    Dense,
    Dropout,
    Embedding,
    Input,
    Masking,
    RepeatVector,
    Reshape,
    TimeDistributed,
)
from rnnkit.layers.grouped import GroupedDense, GroupedRecurrent
from rnnkit.layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract
from rnnkit.layers.pooling import AttentionPooling, GlobalAveragePooling1D, GlobalMaxPooling1D
from rnnkit.layers.recurrent import GRU, LSTM, RNN, Bidirectional, SimpleRNN
from rnnkit.layers.speech import Conv1D, CTCOutput, SpecAugment

__all__ = [
    "Activation",
    "Add",
    "AttentionPooling",
    "Average",
    "Bidirectional",
    "CTCOutput",
    "Concatenate",
    "Conv1D",
    "Dense",
    "Dot",
    "Dropout",
    "Embedding",
    "GRU",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "GroupedDense",
    "GroupedRecurrent",
    "Input",
    "LSTM",
    "Layer",
    "Masking",
    "Maximum",
    "Minimum",
    "Multiply",
    "RNN",
    "RepeatVector",
    "Reshape",
    "SimpleRNN",
    "SpecAugment",
    "Subtract",
    "TimeDistributed",
]
