"""Models with Keras's workflow: ``Sequential``, ``load_model``.

Example:
    >>> from rnnkit.models import Sequential
    >>> from rnnkit.layers import LSTM, Dense
    >>> model = Sequential([LSTM(8, input_shape=(5, 2)), Dense(1)])
    >>> model.compile(optimizer="adam", loss="mse")
"""

from rnnkit.models.ensemble import Ensemble
from rnnkit.models.functional import Functional
from rnnkit.models.mean_of_groups import mean_of_groups
from rnnkit.models.model import Model
from rnnkit.models.saving import load_extra_tensors, load_metadata, load_model, save_model
from rnnkit.models.seq2seq import EncoderDecoder, VectorToSequence
from rnnkit.models.sequential import Sequential
from rnnkit.models.shapes import encoder_decoder, many_to_many, many_to_one, one_to_many, one_to_one

__all__ = [
    "EncoderDecoder",
    "Ensemble",
    "Functional",
    "Model",
    "Sequential",
    "VectorToSequence",
    "encoder_decoder",
    "many_to_many",
    "many_to_one",
    "mean_of_groups",
    "one_to_many",
    "one_to_one",
    "load_extra_tensors",
    "load_metadata",
    "load_model",
    "save_model",
]
