"""Saving is a folder of JSON + safetensors; loading rebuilds the same model and refuses tampered files."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rnnkit
from rnnkit.errors import ModelFileError
from rnnkit.layers import GRU, LSTM, Bidirectional, Dense, Dropout, Embedding, TimeDistributed
from rnnkit.models import Sequential, load_model

X = np.random.default_rng(0).random((16, 6, 3))
Y = X.sum(axis=(1, 2))[:, None] / 9


def _trained(tmp_path):  # type: ignore[no-untyped-def]
    model = Sequential([Bidirectional(LSTM(4, return_sequences=True)), Dropout(0.1), GRU(3), Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "model"
    model.save(path)
    return model, path


def test_round_trip_gives_identical_predictions_and_optimizer_state(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, path = _trained(tmp_path)
    names = sorted(p.name for p in path.iterdir())
    assert names == ["config.json", "model.safetensors", "optimizer.safetensors", "training_log.jsonl"]
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert loaded.optimizer.iterations == model.optimizer.iterations == 4
    for a, b in zip(loaded.optimizer.slots["m"], model.optimizer.slots["m"]):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # training continues identically from the restored state (same dropout draws)
    rnnkit.seed(3)
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    rnnkit.seed(3)
    loaded.fit(X, Y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)


def test_text_model_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = Sequential([Embedding(30, 4, mask_zero=True), LSTM(5, return_sequences=True), TimeDistributed(Dense(2))])
    ids = np.array([[3, 4, 5, 0], [7, 1, 0, 0]])
    before = model.predict(ids, verbose=0)
    model.save(tmp_path / "tagger")
    np.testing.assert_array_equal(load_model(tmp_path / "tagger").predict(ids, verbose=0), before)


def test_tampered_or_broken_folders_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, path = _trained(tmp_path)
    weights = path / "model.safetensors"
    blob = bytearray(weights.read_bytes())
    blob[-1] ^= 0xFF
    weights.write_bytes(bytes(blob))
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path)

    _, path = _trained(tmp_path)
    config = json.loads((path / "config.json").read_text())
    config["config"]["layers"][0]["class_name"] = "os.system"
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="unknown layer class 'os.system'"):
        load_model(path)

    (path / "config.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_model(path)

    with pytest.raises(ModelFileError, match="no model folder"):
        load_model(tmp_path / "missing")

    _, path = _trained(tmp_path)
    config = json.loads((path / "config.json").read_text())
    config["config"]["layers"][2]["config"]["units"] = 7000  # far more weights than the file holds
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="more weights than model.safetensors holds"):
        load_model(path)


def test_a_failed_save_leaves_the_good_model(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    model, path = _trained(tmp_path)
    before = load_model(path).predict(X, verbose=0)
    import rnnkit.models.saving as saving

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(saving, "save_file", crash)
    model.fit(X, Y, epochs=1, verbose=0)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    np.testing.assert_array_equal(load_model(path).predict(X, verbose=0), before)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no staging folder left behind


def test_initializer_objects_are_saved_and_plain_functions_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import torch

    from rnnkit.errors import ConfigError
    from rnnkit.initializers import Orthogonal

    layer = GRU(4, recurrent_initializer=Orthogonal(gain=2.0))
    model = Sequential([layer, Dense(1)])
    model.build((None, 3, 2))
    w = layer.cell.weight_hh.detach()
    torch.testing.assert_close(w.T @ w, 4 * torch.eye(4), rtol=0, atol=1e-5)
    model.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["config"]["layers"][0]["config"]["recurrent_initializer"] == {
        "class_name": "Orthogonal",
        "config": {"gain": 2.0},
    }
    np.testing.assert_array_equal(
        load_model(tmp_path / "m").predict(X[:, :3, :2], verbose=0), model.predict(X[:, :3, :2], verbose=0)
    )
    custom = Sequential([GRU(2, recurrent_initializer=lambda t: t.zero_()), Dense(1)])
    custom.build((None, 3, 2))
    with pytest.raises(ConfigError, match="plain function and cannot be saved"):
        custom.save(tmp_path / "custom")
    assert not (tmp_path / "custom").exists()
