"""Models with Keras's workflow: ``Sequential``, ``load_model``.

Example:
    >>> from rnnkit.models import Sequential
    >>> from rnnkit.layers import LSTM, Dense
    >>> model = Sequential([LSTM(8, input_shape=(5, 2)), Dense(1)])
    >>> model.compile(optimizer="adam", loss="mse")
"""

from rnnkit.models.model import Model
from rnnkit.models.saving import load_extra_tensors, load_metadata, load_model, save_model
from rnnkit.models.seq2seq import EncoderDecoder, VectorToSequence
from rnnkit.models.sequential import Sequential

__all__ = [
    "EncoderDecoder",
    "Model",
    "Sequential",
    "VectorToSequence",
    "load_extra_tensors",
    "load_metadata",
    "load_model",
    "save_model",
]
