"""The schema of ``config.json`` in a saved model folder, checked before anything is built from it.

A model folder may come from anyone, so ``load_model`` trusts nothing in it: every entry must have the
type and range below, the model and every layer must be one of rnnkit's own registered classes
(``rnnkit.registry``: ``MODELS``, ``LAYERS``),
and every tensor file must match the network the config describes (``check_tensors``)::

    format             "rnnkit.model"
    format_version     1
    class_name         Sequential | Functional | EncoderDecoder | VectorToSequence | Ensemble (of the two before)
    config             object: the network (layer names and their arguments)
    build_input_shape  list of 1–4 entries, each null or an int in [1, MAX_SIZE]
    compile            null, or {optimizer: {class_name, config: {name: number}}, loss: str | {class_name,
                       config}, metrics: null | [str], clipnorm / clipvalue: null | finite number > 0}
    files              {file name: 64 hex digits (sha256)} for the known file names only
    optimizer_iterations  int ≥ 0 (optional)
    metadata           object (a task's own settings; each task checks its part)

Sizes are bounded too: a config file above ``MAX_CONFIG_BYTES`` and any integer in the network
config above ``MAX_SIZE`` are refused, so a crafted file cannot make rnnkit allocate without limit.

Example:
    >>> check_config({"format": "rnnkit.model", "format_version": 1}, "m")
    Traceback (most recent call last):
    ...
    rnnkit.errors.ModelFileError: m/config.json: 'class_name' must be one of EncoderDecoder, Ensemble, Functional, Sequential, VectorToSequence, got None
"""

from __future__ import annotations

import math
import re
from typing import Any

import torch

from rnnkit.errors import ModelFileError
from rnnkit.registry import MODELS
from rnnkit.validation import MAX_INT, is_number

__all__ = ["check_config", "check_tensors", "MAX_CONFIG_BYTES", "MAX_SIZE", "TENSOR_FILES"]

MAX_CONFIG_BYTES = 64 * 2**20
MAX_SIZE = MAX_INT  # the largest integer a network config may hold (units, vocabulary size, ...), as a task's
TENSOR_FILES = ("model.safetensors", "optimizer.safetensors", "extras.safetensors")
KNOWN_FILES = (*TENSOR_FILES, "training_log.jsonl")
SHA256 = re.compile(r"[0-9a-f]{64}")


def check_config(config: Any, where: str) -> dict[str, Any]:
    """``config`` (parsed ``config.json`` of the folder ``where``) if it fits the schema, else
    ``ModelFileError`` naming the first entry that does not."""

    def fail(entry: str, expected: str, value: Any) -> ModelFileError:
        return ModelFileError(f"{where}/config.json: {entry!r} must be {expected}, got {value!r:.80}")

    if not isinstance(config, dict):
        raise fail("config.json", "a JSON object", config)
    if config.get("class_name") not in MODELS:
        raise fail("class_name", f"one of {', '.join(MODELS.names())}", config.get("class_name"))
    for key in ("config", "metadata"):
        if not isinstance(config.get(key, {}), dict):
            raise fail(key, "a JSON object", config.get(key))
    _check_sizes(config.get("config"), "config", fail)
    shape = config.get("build_input_shape")
    if not (isinstance(shape, list) and 1 <= len(shape) <= 4 and all(d is None or _is_size(d) for d in shape)):
        raise fail("build_input_shape", f"a list of 1-4 sizes (null or 1..{MAX_SIZE})", shape)
    files = config.get("files")
    if not isinstance(files, dict) or "model.safetensors" not in files:
        raise fail("files", "an object naming model.safetensors and its sha256", files)
    for name, digest in files.items():
        if name not in KNOWN_FILES or not (isinstance(digest, str) and SHA256.fullmatch(digest)):
            raise fail(f"files.{name}", f"one of {', '.join(KNOWN_FILES)} with a sha256 hex digest", digest)
    iterations = config.get("optimizer_iterations", 0)
    if not (isinstance(iterations, int) and not isinstance(iterations, bool) and iterations >= 0):
        raise fail("optimizer_iterations", "an integer >= 0", iterations)
    if config.get("compile") is not None:
        _check_compile(config["compile"], fail)
    return config


def _check_compile(compile: Any, fail: Any) -> None:
    if not isinstance(compile, dict):
        raise fail("compile", "null or a JSON object", compile)
    optimizer = compile.get("optimizer")
    if optimizer is not None:
        if not (isinstance(optimizer, dict) and isinstance(optimizer.get("class_name"), str)):
            raise fail("compile.optimizer", "{class_name: str, config: {...}}", optimizer)
        settings = optimizer.get("config")
        if not isinstance(settings, dict) or not all(
            v is None or is_number(v) or isinstance(v, bool) for v in settings.values()
        ):
            raise fail("compile.optimizer.config", "an object of numbers", settings)
    loss = compile.get("loss")
    if not (loss is None or isinstance(loss, str) or _is_named_config(loss)):
        raise fail("compile.loss", "a loss name or {class_name: str, config: {...}}", loss)
    metrics = compile.get("metrics")
    if not (metrics is None or (isinstance(metrics, list) and all(isinstance(m, str) for m in metrics))):
        raise fail("compile.metrics", "null or a list of metric names", metrics)
    for key in ("clipnorm", "clipvalue"):
        value = compile.get(key)
        if not (value is None or (is_number(value) and value > 0)):
            raise fail(f"compile.{key}", "null or a finite number > 0", value)


def _check_sizes(value: Any, entry: str, fail: Any) -> None:
    """Every integer in the network config within ``MAX_SIZE`` and every float finite."""
    if isinstance(value, dict):
        for k, v in value.items():
            _check_sizes(v, f"{entry}.{k}", fail)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_sizes(v, f"{entry}[{i}]", fail)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
        raise fail(entry, f"at most {MAX_SIZE}", value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise fail(entry, "a finite number", value)


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SIZE


def _is_named_config(value: Any) -> bool:
    return (
        isinstance(value, dict) and isinstance(value.get("class_name"), str) and isinstance(value.get("config"), dict)
    )


def check_tensors(found: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], where: str) -> None:
    """The tensors read from ``where`` have exactly the names, shapes and dtypes of ``expected`` (the
    freshly built model's), and only finite values; else ``ModelFileError`` says what differs."""
    missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or extra:
        raise ModelFileError(f"{where}: tensors do not match the config: missing {missing[:5]}, unexpected {extra[:5]}")
    for name, want in expected.items():
        got = found[name]
        if got.shape != want.shape or got.dtype != want.dtype:
            raise ModelFileError(
                f"{where}: tensor {name!r} is {got.dtype} {tuple(got.shape)}, the config needs {want.dtype} {tuple(want.shape)}"
            )
        if got.is_floating_point() and not bool(torch.isfinite(got).all()):
            raise ModelFileError(f"{where}: tensor {name!r} holds NaN or infinite values (a diverged or damaged model)")
