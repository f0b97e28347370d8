"""Layers to and from plain JSON-able dicts: ``{"class_name": ..., "config": {...}}``.

Only the classes registered here can be rebuilt, by name, so loading a model never runs code that
came from a file.
"""

from __future__ import annotations

from typing import Any

from rnnkit.errors import ModelFileError
from rnnkit.layers.base import Layer

__all__ = ["serialize", "deserialize", "layer_classes"]


def layer_classes() -> dict[str, type[Layer]]:
    from rnnkit.layers import core, grouped, pooling, recurrent, speech

    classes = [
        core.Input,
        core.Dense,
        core.Activation,
        core.Embedding,
        core.Masking,
        core.Dropout,
        core.TimeDistributed,
        core.RepeatVector,
        core.Reshape,
        grouped.GroupedRecurrent,
        grouped.GroupedDense,
        speech.Conv1D,
        speech.CTCOutput,
        speech.SpecAugment,
        recurrent.SimpleRNN,
        recurrent.LSTM,
        recurrent.GRU,
        recurrent.Bidirectional,
        pooling.GlobalAveragePooling1D,
        pooling.GlobalMaxPooling1D,
        pooling.AttentionPooling,
    ]
    return {c.__name__: c for c in classes}


def serialize(layer: Layer) -> dict[str, Any]:
    """``{"class_name", "config"}``; the config says ``"trainable": false`` for a frozen layer."""
    config = layer.get_config()
    if not layer.trainable:
        config["trainable"] = False
    return {"class_name": type(layer).__name__, "config": config}


def deserialize(spec: Any) -> Layer:
    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
        raise ModelFileError(f"a layer entry must be {{'class_name': str, 'config': dict}}, got {spec!r:.80}")
    classes = layer_classes()
    name = spec.get("class_name")
    if name not in classes:
        raise ModelFileError(f"unknown layer class {name!r}; rnnkit can rebuild: {', '.join(sorted(classes))}")
    config = dict(spec["config"])
    trainable = config.pop("trainable", True)
    if not isinstance(trainable, bool):
        raise ModelFileError(f"layer {name}: 'trainable' must be true or false, got {trainable!r:.40}")
    try:
        layer = classes[name].from_config(config)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"cannot rebuild layer {name}: {exc}") from exc
    layer.trainable = trainable
    return layer
