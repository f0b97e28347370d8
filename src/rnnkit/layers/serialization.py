"""Layers to and from plain JSON-able dicts: ``{"class_name": ..., "config": {...}}``.

A layer is rebuilt from the class registered under its name in ``rnnkit.registry.LAYERS`` (each layer
class of ``rnnkit.layers`` registers itself), so loading a model never runs code that came from a file.
"""

from __future__ import annotations

from typing import Any

from rnnkit.errors import ModelFileError
from rnnkit.layers.base import Layer
from rnnkit.registry import LAYERS, MODELS

__all__ = ["serialize", "deserialize", "layer_classes"]


def layer_classes() -> dict[str, type[Layer]]:
    """The layer classes a saved model may name, by name."""
    return {name: LAYERS.get(name) for name in LAYERS.names()}


def serialize(layer: Any) -> dict[str, Any]:
    """``{"class_name", "config"}``; the config says ``"trainable": false`` for a frozen layer."""
    config = layer.get_config()
    if not getattr(layer, "trainable", True):
        config["trainable"] = False
    name = LAYERS.name_of(type(layer)) or MODELS.name_of(type(layer)) or type(layer).__name__
    return {"class_name": name, "config": config}


def deserialize(spec: Any) -> Layer:
    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
        raise ModelFileError(f"a layer entry must be {{'class_name': str, 'config': dict}}, got {spec!r:.80}")
    name = spec.get("class_name")
    if not isinstance(name, str) or name not in LAYERS and name not in MODELS:
        raise ModelFileError(f"unknown layer class {name!r}; rnnkit can rebuild: {', '.join(LAYERS.names())}")
    config = dict(spec["config"])
    trainable = config.pop("trainable", True)
    if not isinstance(trainable, bool):
        raise ModelFileError(f"layer {name}: 'trainable' must be true or false, got {trainable!r:.40}")
    try:
        layer: Layer = (LAYERS if name in LAYERS else MODELS).get(name).from_config(config)  # a model: nested
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"cannot rebuild layer {name}: {exc}") from exc
    if isinstance(layer, Layer):
        layer.trainable = trainable
    return layer
