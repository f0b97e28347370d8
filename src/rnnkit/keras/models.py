"""``keras.models``: ``Model`` (``Model(inputs, outputs)``: the Functional API), ``Sequential``, ``load_model``
and ``save_model`` (rnnkit's model folders: JSON and safetensors, never pickle)."""

from rnnkit.models import Functional, Model, Sequential, load_model, save_model

__all__ = ["Functional", "Model", "Sequential", "load_model", "save_model"]
