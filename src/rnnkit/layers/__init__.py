"""rnnkit in Keras's vocabulary: layers as plain ``torch.nn.Module`` objects.

Example:
    >>> import torch
    >>> from rnnkit.layers import LSTM, Bidirectional
    >>> tuple(Bidirectional(LSTM(8))(torch.zeros(2, 5, 3)).shape)
    (2, 16)
"""

from rnnkit.layers.attention import AdditiveAttention, Attention
from rnnkit.layers.base import Layer
from rnnkit.layers.cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from rnnkit.layers.convolutional import Conv1D
from rnnkit.layers.core import (
    Activation,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Input,
    LeakyReLU,
    Masking,
    ReLU,
    RepeatVector,
    Reshape,
    TimeDistributed,
)
from rnnkit.layers.grouped import GroupedDense, GroupedRecurrent
from rnnkit.layers.local_pooling import AveragePooling1D, MaxPooling1D
from rnnkit.layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract
from rnnkit.layers.min_rnn import LRU, MinGRU, MinLSTM
from rnnkit.layers.multi_head_attention import MultiHeadAttention
from rnnkit.layers.normalization import BatchNormalization, LayerNormalization
from rnnkit.layers.pooling import AttentionPooling, GlobalAveragePooling1D, GlobalMaxPooling1D
from rnnkit.layers.recurrent import GRU, LSTM, RNN, Bidirectional, SimpleRNN
from rnnkit.layers.residual import Residual
from rnnkit.layers.speech import CTCOutput, SpecAugment

__all__ = [
    "Activation",
    "Add",
    "AdditiveAttention",
    "Attention",
    "AttentionPooling",
    "Average",
    "AveragePooling1D",
    "BatchNormalization",
    "Bidirectional",
    "CTCOutput",
    "Concatenate",
    "Conv1D",
    "Dense",
    "Dot",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRU",
    "GRUCell",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "GroupedDense",
    "GroupedRecurrent",
    "Input",
    "LRU",
    "LSTM",
    "LSTMCell",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "Masking",
    "MaxPooling1D",
    "Maximum",
    "MinGRU",
    "MinLSTM",
    "Minimum",
    "MultiHeadAttention",
    "Multiply",
    "RNN",
    "ReLU",
    "Residual",
    "RepeatVector",
    "Reshape",
    "SimpleRNN",
    "SimpleRNNCell",
    "SpecAugment",
    "StackedRNNCells",
    "Subtract",
    "TimeDistributed",
]
