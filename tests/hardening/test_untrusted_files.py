"""Untrusted model folders: nothing in them is executed, and what does not fit the config is refused."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from rnnkit.errors import ModelFileError
from rnnkit.models import load_model
from rnnkit.tasks.classification import SequenceClassifier
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.generation import TextGenerator
from rnnkit.tasks.transcription import Transcriber
from rnnkit.tasks.translation import Translator


class Payload:
    """Unpickling this creates the file ``marker``: proof that code from the file ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


def _copy(saved: Path, tmp_path: Path) -> Path:
    folder = tmp_path / saved.name
    shutil.copytree(saved, folder)
    return folder


def _edit_config(folder: Path, edit) -> None:  # type: ignore[no-untyped-def]
    config = json.loads((folder / "config.json").read_text())
    edit(config)
    (folder / "config.json").write_text(json.dumps(config))


def _checksum(folder: Path, name: str) -> None:
    digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    _edit_config(folder, lambda c: c["files"].__setitem__(name, digest))


@pytest.mark.parametrize(
    "kind, loader",
    [
        ("sequential", load_model),
        ("forecast", Forecaster.load),
        ("text", TextGenerator.load),
        ("classify", SequenceClassifier.load),
        ("translate", Translator.load),
        ("transcribe", Transcriber.load),
    ],
)
def test_a_folder_built_to_run_code_when_unpickled_runs_nothing(
    kind: str,
    loader,
    saved_models: dict[str, Path],
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    marker = tmp_path / "code_ran"
    folder = _copy(saved_models[kind], tmp_path)
    for name in ("model.safetensors", "model.pt", "pytorch_model.bin", "optimizer.pkl"):
        (folder / name).write_bytes(pickle.dumps(Payload(marker)))
    _checksum(folder, "model.safetensors")  # the attacker knows how the checksum is made
    with pytest.raises(ModelFileError, match="not a readable safetensors file"):
        loader(folder)
    torch.save({"w": Payload(marker)}, folder / "model.safetensors")  # PyTorch's zip pickle format too
    _checksum(folder, "model.safetensors")
    with pytest.raises(ModelFileError):
        loader(folder)
    assert not marker.exists()


def test_class_names_outside_rnnkit_are_refused(saved_models: dict[str, Path], tmp_path: Path) -> None:
    folder = _copy(saved_models["sequential"], tmp_path)
    _edit_config(folder, lambda c: c.__setitem__("class_name", "builtins.eval"))
    with pytest.raises(ModelFileError, match="'class_name' must be one of"):
        load_model(folder)
    folder = _copy(saved_models["sequential"], tmp_path / "b")
    _edit_config(folder, lambda c: c["config"]["layers"][0].__setitem__("class_name", "subprocess.Popen"))
    with pytest.raises(ModelFileError, match="unknown layer class 'subprocess.Popen'"):
        load_model(folder)


def test_tensors_must_match_the_config_in_dtype_shape_and_values(saved_models: dict[str, Path], tmp_path: Path) -> None:
    def tamper(change) -> Path:  # type: ignore[no-untyped-def]
        folder = _copy(saved_models["sequential"], tmp_path / str(len(list(tmp_path.iterdir()))))
        tensors = load_file(folder / "model.safetensors")
        change(tensors)
        save_file(tensors, folder / "model.safetensors")
        _checksum(folder, "model.safetensors")
        return folder

    name = sorted(load_file(saved_models["sequential"] / "model.safetensors"))[0]
    with pytest.raises(ModelFileError, match=f"tensor '{name}' is torch.float64 .* the config needs torch.float32"):
        load_model(tamper(lambda t: t.__setitem__(name, t[name].double())))
    with pytest.raises(ModelFileError, match="the config needs"):
        load_model(tamper(lambda t: t.__setitem__(name, t[name].flatten()[:-1])))
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        load_model(tamper(lambda t: t[name].fill_(float("inf"))))
    with pytest.raises(ModelFileError, match="unexpected \\['extra'\\]"):
        load_model(tamper(lambda t: t.__setitem__("extra", torch.zeros(1))))


def test_oversized_configs_and_layer_sizes_are_refused_before_any_allocation(
    saved_models: dict[str, Path], tmp_path: Path
) -> None:
    folder = _copy(saved_models["sequential"], tmp_path)
    _edit_config(folder, lambda c: c["config"]["layers"][0]["config"].__setitem__("units", 2**40))
    with pytest.raises(ModelFileError, match="at most 16777216"):
        load_model(folder)
    # within the size bound, but asking for 16M weights from a file of a few dozen: refused as the
    # first oversized weight is registered, before its memory is filled
    _edit_config(folder, lambda c: c["config"]["layers"][0]["config"].__setitem__("units", 4096))
    with pytest.raises(ModelFileError, match="more weights than model.safetensors holds"):
        load_model(folder)
    with (folder / "config.json").open("r+b") as f:
        f.truncate(65 * 2**20)  # a sparse 65 MiB file: refused by its size, not read
    with pytest.raises(ModelFileError, match="larger than"):
        load_model(folder)
