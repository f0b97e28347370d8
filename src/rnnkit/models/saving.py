"""Saving and loading models: a folder with ``config.json`` and ``model.safetensors``, never pickle.

::

    my_model/
      config.json            layer configs, input shape, compile settings, sha256 of each tensor file
      model.safetensors      weights (the module's state_dict)
      optimizer.safetensors  optimizer slots (optional)
      extras.safetensors     tensors a task keeps beside the network, e.g. a baseline (optional)

Saving writes a complete new folder beside the target and then swaps it in, so a crash never leaves a
half-written model where a good one was. Loading reads JSON and safetensors only, rebuilds the model
and its layers from rnnkit's own registered classes by name (``rnnkit.registry``), and checks every
file's checksum and every tensor's shape.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

import rnnkit
from rnnkit.errors import ModelFileError, NotBuiltError, RnnkitError
from rnnkit.models.schema import MAX_CONFIG_BYTES, check_config, check_tensors
from rnnkit.registry import MODELS
from rnnkit.train.optimizers import optimizers

__all__ = [
    "save_model",
    "load_model",
    "load_metadata",
    "load_extra_tensors",
    "output_width",
    "restore_into",
    "MALFORMED",
]

FORMAT = "rnnkit.model"
FORMAT_VERSION = 1
EXTRAS = "extras.safetensors"
TRAINING_LOG = "training_log.jsonl"
#: what reading a task's settings from JSON of the wrong shape raises; each task's ``load`` turns it into
#: a ``ModelFileError`` naming the folder
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_model(
    model: Any,
    path: str | os.PathLike[str],
    include_optimizer: bool = True,
    metadata: dict[str, Any] | None = None,
    extra_tensors: dict[str, torch.Tensor] | None = None,
) -> None:
    """Write ``model`` to the folder ``path`` atomically; ``metadata`` (JSON) travels in ``config.json``
    for tasks that need more than the network (a vocabulary, scalers) and is read by ``load_metadata``;
    ``extra_tensors`` go to ``extras.safetensors`` and come back from ``load_extra_tensors``."""
    if not model.built:
        raise NotBuiltError("cannot save a model without weights; build or fit it first")
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.saving-", dir=target.parent))
    except OSError as exc:
        raise ModelFileError(f"cannot save a model in {target.parent}: {exc.strerror or exc}") from exc
    try:
        weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(weights, staging / "model.safetensors")
        config: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "rnnkit_version": rnnkit.__version__,
            "class_name": MODELS.name_of(type(model)) or type(model).__name__,
            "config": model.get_config(),
            "build_input_shape": list(model.build_input_shape),
            "compile": model.compile_config or None,
            "files": {"model.safetensors": _sha256(staging / "model.safetensors")},
            "metadata": metadata or {},
        }
        optimizer = model.optimizer
        if include_optimizer and optimizer is not None and optimizer.slots and config["compile"]:
            tensors = {k: v.detach().cpu().contiguous() for k, v in optimizer.state_tensors().items()}
            save_file(tensors, staging / "optimizer.safetensors")
            config["files"]["optimizer.safetensors"] = _sha256(staging / "optimizer.safetensors")
            config["optimizer_iterations"] = optimizer.iterations
        if extra_tensors:
            save_file({k: v.detach().cpu().contiguous() for k, v in extra_tensors.items()}, staging / EXTRAS)
            config["files"][EXTRAS] = _sha256(staging / EXTRAS)
        log = getattr(model, "training_log", None)
        if log:  # the run's per-epoch record, for people and tools (never read back by load_model)
            (staging / TRAINING_LOG).write_text("".join(json.dumps(r) + "\n" for r in log))
            config["files"][TRAINING_LOG] = _sha256(staging / TRAINING_LOG)
        (staging / "config.json").write_text(json.dumps(config, indent=2))
        _swap_in(staging, target)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError | SafetensorError) and not isinstance(exc, ModelFileError):  # a full disk, ...
            kept = "the model already there is intact" if target.exists() else "nothing was written"
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ModelFileError(f"cannot save the model to {target}: {reason}; {kept}") from exc
        raise


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging``; the old folder is removed only after the new one is in place."""
    if target.exists() and not target.is_dir():
        raise ModelFileError(f"cannot save a model folder at {target}: a file of that name exists")
    if not target.exists():
        os.replace(staging, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(old)
    os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def _read_config(folder: Path) -> dict[str, Any]:
    if not folder.is_dir():
        raise ModelFileError(f"no model folder at {folder} (expected a folder with config.json and model.safetensors)")
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise ModelFileError(f"{folder} has no config.json; is it an rnnkit model folder?")
    if config_path.stat().st_size > MAX_CONFIG_BYTES:
        raise ModelFileError(f"{config_path} is larger than {MAX_CONFIG_BYTES} bytes; refusing to read it")
    try:
        config = json.loads(config_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{config_path} is not valid JSON: {exc}") from exc
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{config_path} is not an rnnkit model config (format {FORMAT!r} expected)")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{config_path} has format_version {config.get('format_version')!r}; this rnnkit reads {FORMAT_VERSION}"
        )
    return check_config(config, str(folder))


def _load_tensors(folder: Path, name: str, config: dict[str, Any]) -> dict[str, torch.Tensor]:
    path = folder / name
    expected = (config.get("files") or {}).get(name)
    if not path.is_file():
        raise ModelFileError(f"{folder} is missing {name}")
    if expected != _sha256(path):
        raise ModelFileError(f"{path} does not match the checksum in config.json (corrupted or modified)")
    try:
        return load_file(path)
    except Exception as exc:  # safetensors raises its own error types for malformed files
        raise ModelFileError(f"{path} is not a readable safetensors file: {exc}") from exc


def load_metadata(path: str | os.PathLike[str], task: str | None = None) -> dict[str, Any]:
    """The ``metadata`` a task saved beside the model (empty when there is none).

    With ``task``, the folder must hold that task's model (its metadata ``task`` entry), else
    ``ModelFileError`` names what it holds instead.
    """
    metadata = _read_config(Path(path)).get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path}: metadata in config.json must be a JSON object")
    if task is not None and metadata.get("task") != task:
        raise ModelFileError(f"{path} does not hold a {task} model (its task: {metadata.get('task')!r})")
    return metadata


def load_extra_tensors(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """The ``extra_tensors`` saved with the model (checksum checked; empty when there are none)."""
    folder = Path(path)
    config = _read_config(folder)
    if EXTRAS not in (config.get("files") or {}):
        return {}
    return _load_tensors(folder, EXTRAS, config)


def load_model(path: str | os.PathLike[str], compile: bool = True) -> Any:
    """Rebuild a model saved by ``model.save(path)``: same layers, weights and (optionally) optimizer state.

    Example::

        model.save("tutorial_model")
        same = rnnkit.models.load_model("tutorial_model")
    """
    folder = Path(path)
    config = _read_config(folder)
    cls = MODELS.get(config["class_name"])  # the schema check let only a registered name through
    weights = _load_tensors(folder, "model.safetensors", config)
    try:
        with _at_most(sum(t.numel() for t in weights.values()), folder):
            model = cls.from_config(config["config"])
            if not model.built:
                model.build(tuple(config["build_input_shape"]))
    except ModelFileError:
        raise
    except (RnnkitError, RuntimeError, *MALFORMED) as exc:
        raise ModelFileError(f"{folder}: the saved configuration cannot be rebuilt: {exc}") from exc
    _put_weights(model, weights, folder)
    compile_config = config.get("compile")
    if compile and compile_config and compile_config.get("optimizer") and compile_config.get("loss"):
        _compile_as_saved(model, compile_config, folder)
        if "optimizer.safetensors" in config["files"]:
            _load_optimizer(model.optimizer, folder, config)
    return model


def _put_weights(model: Any, weights: dict[str, torch.Tensor], folder: Path) -> None:
    check_tensors(weights, model.state_dict(), f"{folder}/model.safetensors")
    model.load_state_dict(weights, strict=True)


def _load_optimizer(optimizer: Any, folder: Path, config: dict[str, Any]) -> None:
    state = _load_tensors(folder, "optimizer.safetensors", config)
    check_tensors(state, optimizer.state_tensors(), f"{folder}/optimizer.safetensors")
    optimizer.load_state_tensors(state, config.get("optimizer_iterations", 0))


def restore_into(model: Any, path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Load the weights and optimizer state saved at ``path`` into the built, compiled ``model`` (same
    network; every tensor checked against it); returns the saved metadata and extras. What
    ``BackupAndRestore`` resumes training from."""
    folder = Path(path)
    config = _read_config(folder)
    _put_weights(model, _load_tensors(folder, "model.safetensors", config), folder)
    optimizer = model.optimizer
    if "optimizer.safetensors" in config["files"] and hasattr(optimizer, "load_state_tensors"):
        _load_optimizer(optimizer, folder, config)
    extras = _load_tensors(folder, EXTRAS, config) if EXTRAS in config["files"] else {}
    return config.get("metadata") or {}, extras


def load_weights_into(model: Any, path: str | os.PathLike[str]) -> None:
    """Load only the weights saved at ``path`` (a model folder) into the built ``model``: same network,
    every tensor checked against it; the optimizer and the compile settings are left as they are."""
    folder = Path(path)
    _put_weights(model, _load_tensors(folder, "model.safetensors", _read_config(folder)), folder)


def _compile_as_saved(model: Any, settings: dict[str, Any], folder: Path) -> None:
    """``model.compile`` with the saved optimizer, loss, metrics and clipping (schema-checked types)."""
    try:
        opt = settings["optimizer"]
        model.compile(
            optimizer=optimizers.get(opt["class_name"])(**opt["config"]),
            loss=settings["loss"],
            metrics=settings.get("metrics"),
            clipnorm=settings.get("clipnorm"),
            clipvalue=settings.get("clipvalue"),
        )
    except (RnnkitError, TypeError, ValueError, KeyError) as exc:
        raise ModelFileError(f"{folder}: the saved compile settings cannot be used: {exc}") from exc


@contextlib.contextmanager
def _at_most(elements: int, folder: Path) -> Iterator[None]:
    """Refuse, as soon as a layer registers it, a weight that takes the count past what the weights file
    holds (``elements``), so a config that asks for huge layers fails before their memory is filled.
    The bound is ``2 · elements + 2²⁰``: grouped layers register each weight twice (copies, then stacked)."""
    registered, limit = 0, 2 * elements + 2**20

    def count(module: torch.nn.Module, name: str, param: torch.Tensor | None) -> None:
        nonlocal registered
        registered += 0 if param is None else param.numel()
        if registered > limit:
            raise ModelFileError(
                f"{folder}: the config describes more weights than model.safetensors holds ({elements} values)"
            )

    handle = torch.nn.modules.module.register_module_parameter_registration_hook(count)
    try:
        yield
    finally:
        handle.remove()


def output_width(model: Any) -> int:
    """The size of the last axis of a built Sequential model's output (what a task's labels must fit)."""
    shapes = list(getattr(model, "output_shapes", {}).values())
    last = shapes[-1] if shapes else None
    return int(last[-1]) if isinstance(last, tuple) and last and last[-1] is not None else -1
