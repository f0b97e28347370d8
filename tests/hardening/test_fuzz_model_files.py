"""Model folders damaged every way a careless copy or an attacker could: every load and use either works
or raises an ``rnnkit`` error (``ModelFileError`` for the folder), never a raw traceback from inside
torch or numpy. The attacker case recomputes the checksums, so only the schema and the shape, dtype and
size checks stand between the file and the model."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file, save_file

from rnnkit.errors import RnnkitError
from tests.hardening.conftest import FUZZ, no_hang

KINDS = ("forecast", "local", "text", "classify", "translate", "transcribe", "sequential")
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def _entries(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value (dict keys and the first list items)."""
    found = [at] if at else []
    if isinstance(value, dict):
        for k, v in value.items():
            found += _entries(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:4]):
            found += _entries(v, (*at, i))
    return found


def _rewrite_checksum(folder: Path, name: str) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "config.json").write_text(json.dumps(config))


@st.composite
def damage(draw: st.DrawFn, folder: Path) -> str:
    """Damage ``folder`` in one drawn way; returns what was done (shown when a case fails)."""
    config = json.loads((folder / "config.json").read_text())
    how = draw(st.sampled_from(["replace", "replace", "delete", "truncate", "remove", "flip", "tensor", "pickle"]))
    if how in ("replace", "delete"):
        at = draw(st.sampled_from(_entries(config)))
        parent = config
        for key in at[:-1]:
            parent = parent[key]
        if how == "delete":
            del parent[at[-1]]
            done = f"deleted {at}"
        else:
            parent[at[-1]] = draw(JSON)
            done = f"set {at} to {parent[at[-1]]!r:.60}"
        (folder / "config.json").write_text(json.dumps(config))
        return done
    files = sorted(p.name for p in folder.iterdir())
    if how == "truncate":
        name = draw(st.sampled_from(files))
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: draw(st.integers(0, max(len(data) - 1, 0)))])
        return f"truncated {name}"
    if how == "remove":
        name = draw(st.sampled_from(files))
        (folder / name).unlink()
        return f"removed {name}"
    tensor_files = sorted(n for n in config["files"] if n.endswith(".safetensors"))
    name = draw(st.sampled_from(tensor_files))
    if how == "flip":  # bytes of the header or the first values changed, checksum recomputed
        data = bytearray((folder / name).read_bytes())
        for _ in range(draw(st.integers(1, 6))):
            data[draw(st.integers(0, min(len(data), 600) - 1))] = draw(st.integers(0, 255))
        (folder / name).write_bytes(bytes(data))
        _rewrite_checksum(folder, name)
        return f"flipped bytes of {name}"
    if how == "pickle":  # a pickle where a safetensors file belongs, checksum recomputed
        torch.save({"weights": torch.zeros(2)}, folder / name)
        _rewrite_checksum(folder, name)
        return f"replaced {name} by a pickle"
    tensors = load_file(folder / name)
    key = draw(st.sampled_from(sorted(tensors)))
    change = draw(st.sampled_from(["dtype", "shape", "drop", "extra", "nan", "empty"]))
    value = tensors[key]
    if change == "dtype":
        tensors[key] = value.to(draw(st.sampled_from([torch.float64, torch.float16, torch.int64, torch.bool])))
    elif change == "shape":
        tensors[key] = value.reshape(-1) if value.dim() != 1 else torch.cat([value, value])
    elif change == "drop":
        del tensors[key]
    elif change == "extra":
        tensors["unexpected"] = torch.zeros(3)
    elif change == "nan" and value.is_floating_point():
        tensors[key] = torch.full_like(value, float("nan"))
    elif change == "empty":
        tensors[key] = torch.zeros(0)
    save_file(tensors, folder / name)
    _rewrite_checksum(folder, name)
    return f"{change} of {key} in {name}"


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_folders_load_or_fail_with_an_rnnkit_error(
    kind: str, saved_models: dict[str, Path], uses: dict[str, Callable[[Path], Any]], tmp_path: Path
) -> None:
    @settings(FUZZ, max_examples=60)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        folder = tmp_path / kind
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(saved_models[kind], folder)
        done = data.draw(damage(folder), label="damage")
        try:
            with no_hang():
                uses[kind](folder)
        except RnnkitError:
            pass
        except Exception as exc:  # the failure names what was done to the folder
            raise AssertionError(f"{kind}: after {done}: {type(exc).__name__}: {exc}") from exc

    check()
