"""Export: ONNX Runtime and TorchScript give rnnkit's numbers, for whole sequences, for sequences run in
chunks with the state carried, and one step at a time; layers that cannot be exported say so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError
from rnnkit.layers import (
    GRU,
    LRU,
    LSTM,
    Bidirectional,
    Dense,
    Embedding,
    Masking,
    MinGRU,
    MinLSTM,
    SimpleRNN,
    TimeDistributed,
)
from rnnkit.models import Sequential
from rnnkit.models.export import export_onnx, export_torchscript, state_names

ort = pytest.importorskip("onnxruntime", reason="ONNX export tests need onnx and onnxruntime (the dev extras)")
pytest.importorskip("onnx", reason="ONNX export tests need onnx and onnxruntime (the dev extras)")


def _models() -> dict[str, tuple[Sequential, np.ndarray]]:
    rnnkit.seed(0)
    rng = np.random.default_rng(0)
    stacked = Sequential([GRU(8, return_sequences=True, input_shape=(None, 3)), LSTM(6), Dense(2)])
    tagger = Sequential([SimpleRNN(5, activation="relu", return_sequences=True, input_shape=(None, 2)),
                         TimeDistributed(Dense(1))])  # fmt: skip
    words = Sequential([Embedding(20, 4, input_shape=(None,)), GRU(6, go_backwards=True), Dense(3)])
    return {
        "stacked": (stacked, rng.normal(size=(4, 9, 3)).astype(np.float32)),
        "tagger": (tagger, rng.normal(size=(3, 7, 2)).astype(np.float32)),
        "words": (words, rng.integers(0, 20, size=(5, 6))),
    }


def _zeros(model: Sequential, batch: int) -> dict[str, np.ndarray]:
    sizes = [n for layer in model._stack() if hasattr(layer, "cell") for n in layer.cell.state_size]
    return {name: np.zeros((batch, n), np.float32) for name, n in zip(state_names(model), sizes)}


@pytest.mark.parametrize("name", ["stacked", "tagger", "words"])
def test_onnx_runtime_gives_rnnkits_outputs(name: str, tmp_path: Path) -> None:
    model, x = _models()[name]
    model.predict(x[:1], verbose=0)  # build
    session = ort.InferenceSession(str(export_onnx(model, tmp_path / "m.onnx")))
    y = session.run(None, {"x": x, **_zeros(model, len(x))})[0]
    np.testing.assert_allclose(y, model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["stacked", "tagger"])
def test_state_carried_through_onnx_streams_a_sequence(name: str, tmp_path: Path) -> None:
    model, x = _models()[name]
    model.predict(x[:1], verbose=0)
    session = ort.InferenceSession(str(export_onnx(model, tmp_path / "m.onnx")))
    states = list(_zeros(model, len(x)))
    full = session.run(None, {"x": x, **_zeros(model, len(x))})

    def run(pieces: list[np.ndarray]) -> list[np.ndarray]:
        feed = _zeros(model, len(x))
        outs = []
        for piece in pieces:
            y, *finals = session.run(None, {"x": piece, **feed})
            feed = dict(zip(states, finals))
            outs.append(y)
        return [*outs, *finals]

    chunks = run(np.array_split(x, [3, 5], axis=1))  # 3, 2 and the rest of the steps
    steps = run([x[:, t : t + 1] for t in range(x.shape[1])])
    for result in (chunks, steps):
        np.testing.assert_allclose(result[-len(states) :][0], full[1], rtol=1e-5, atol=1e-6)  # final state
        if name == "tagger":  # per-step outputs, in order
            np.testing.assert_allclose(np.concatenate(result[: -len(states)], axis=1), full[0], rtol=1e-5, atol=1e-6)
        else:  # the last chunk's output is the whole sequence's
            np.testing.assert_allclose(result[-len(states) - 1], full[0], rtol=1e-5, atol=1e-6)


def test_torchscript_gives_rnnkits_outputs(tmp_path: Path) -> None:
    model, x = _models()["stacked"]
    model.predict(x[:1], verbose=0)
    traced = torch.jit.load(str(export_torchscript(model, tmp_path / "m.pt")))
    with torch.no_grad():
        y = traced(torch.from_numpy(x), *(torch.from_numpy(v) for v in _zeros(model, len(x)).values()))[0]
    np.testing.assert_allclose(y.numpy(), model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def test_unexportable_layers_are_named(tmp_path: Path) -> None:
    bi = Sequential([Bidirectional(LSTM(3), input_shape=(None, 2)), Dense(1)])
    masked = Sequential([Masking(input_shape=(None, 2)), LSTM(3), Dense(1)])
    for model, message in ((bi, "Bidirectional layers cannot be exported"), (masked, "masks are not exported")):
        model.predict(np.zeros((1, 3, 2), np.float32), verbose=0)
        with pytest.raises(ConfigError, match=message):
            export_onnx(model, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_export_command_on_a_saved_forecaster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main
    from rnnkit.tasks.forecasting import Forecaster

    rnnkit.seed(0)
    t = np.arange(80.0)
    x = np.random.default_rng(0).normal(size=(2, 12, 1)).astype(np.float32)
    for members in (1, 3):  # an ensemble is written as the one network that averages its members
        forecaster = Forecaster(lookback=12, horizon=3, epochs=2, units=8, ensemble=members).fit(50 + t + 5 * np.sin(t))
        forecaster.save(tmp_path / "f")
        assert main(["export", str(tmp_path / "f")]) == 0
        out = capsys.readouterr().out
        assert "onnx model written to" in out and "inputs:  x, gru_h" in out
        assert ("averages them" in out) == (members > 1)
        session = ort.InferenceSession(str(tmp_path / "f.onnx"))
        y = session.run(None, {"x": x, "gru_h": np.zeros((2, 8 * members), np.float32)})[0]
        if members == 1:
            expected = forecaster.model.predict(x, verbose=0)
        else:  # every member reads the same window; their outputs averaged
            expected = forecaster.model.predict(np.repeat(x[:, None], members, axis=1), verbose=0).mean(axis=1)
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    assert main(["export", str(tmp_path / "f"), "--format", "torchscript", "--output", str(tmp_path / "f.pt")]) == 0
    assert (tmp_path / "f.pt").stat().st_size > 0
    gaussian = Forecaster(lookback=12, horizon=3, epochs=1, units=4, ensemble=2, likelihood="gaussian")
    gaussian.fit(50 + t).save(tmp_path / "g")
    assert main(["export", str(tmp_path / "g")]) == 1
    assert "mixture" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "missing")]) == 1


def test_the_parallel_layers_export_as_a_loop_of_any_length_with_their_state(tmp_path: Path) -> None:
    rnnkit.seed(3)
    model = Sequential([MinGRU(6, return_sequences=True, input_shape=(None, 3)), MinLSTM(5, return_sequences=True),
                        LRU(4, state_size=7, go_backwards=True), Dense(2)])  # fmt: skip
    x = np.random.default_rng(3).normal(size=(4, 9, 3)).astype(np.float32)
    model.predict(x[:1], verbose=0)
    names = state_names(model)
    assert names[-2:] == ["lru_re", "lru_im"]
    session = ort.InferenceSession(str(export_onnx(model, tmp_path / "m.onnx")))
    for batch, steps in ((4, 9), (2, 23)):  # traced on 2 × 3: batch and time stay free
        xs = np.random.default_rng(steps).normal(size=(batch, steps, 3)).astype(np.float32)
        y = session.run(None, {"x": xs, **_zeros(model, batch)})[0]
        np.testing.assert_allclose(y, model.predict(xs, verbose=0), rtol=1e-4, atol=1e-5)
    tagger = Sequential([MinGRU(5, return_sequences=True, input_shape=(None, 3)), LRU(4, return_sequences=True)])
    tagger.predict(x[:1], verbose=0)
    session = ort.InferenceSession(str(export_onnx(tagger, tmp_path / "t.onnx")))
    full = session.run(None, {"x": x, **_zeros(tagger, 4)})
    feed, outs = _zeros(tagger, 4), []
    for piece in np.array_split(x, [4], axis=1):  # two chunks, the state carried between them
        y, *finals = session.run(None, {"x": piece, **feed})
        feed = dict(zip(state_names(tagger), finals))
        outs.append(y)
    np.testing.assert_allclose(np.concatenate(outs, axis=1), full[0], rtol=1e-5, atol=1e-5)
    traced = torch.jit.load(str(export_torchscript(model, tmp_path / "m.pt")))
    longer = np.concatenate([x, x], axis=1)  # traced on 3 steps: 18 run through the same loop
    zeros = [torch.from_numpy(v) for v in _zeros(model, 4).values()]
    with torch.no_grad():
        y = traced(torch.from_numpy(longer), *zeros)[0].numpy()
    np.testing.assert_allclose(y, model.predict(longer, verbose=0), rtol=1e-4, atol=1e-5)
