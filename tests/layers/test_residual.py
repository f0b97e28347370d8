"""``Residual`` blocks: the sum against an independent computation, streaming equal to the whole
sequence, weights and saving, clear errors; and the text generator's residual language model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import rnnkit
from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers import Dense, Embedding, MinGRU, Residual
from rnnkit.models import Sequential, load_model
from rnnkit.tasks.generation import TextGenerator


def test_the_block_adds_its_input_to_the_chain_applied_to_the_normalised_input() -> None:
    rnnkit.seed(0)
    x = torch.randn(3, 7, 6)
    recurrent, mlp = MinGRU(6, return_sequences=True), [Dense(12, activation="gelu"), Dense(6)]
    block, ff = Residual(recurrent), Residual(mlp)
    y = ff(block(x))
    with torch.no_grad():  # the same sums by hand: torch's layer norm (unit gain, zero shift, as built)
        h = x + recurrent(F.layer_norm(x, (6,), eps=1e-5))
        expected = h + mlp[1](mlp[0](F.layer_norm(h, (6,), eps=1e-5)))
    torch.testing.assert_close(y, expected)
    plain = Residual(Dense(6), norm=False)
    torch.testing.assert_close(plain(x), x + plain.layers[0](x))


def test_streaming_one_step_at_a_time_equals_the_whole_sequence() -> None:
    rnnkit.seed(1)
    model = Sequential([Embedding(9, 8), Residual(MinGRU(8, return_sequences=True)),
                        Residual([Dense(16, activation="gelu"), Dense(8)]), Dense(9)])  # fmt: skip
    model.build((None, None))
    ids = torch.randint(0, 9, (2, 11))
    whole = model.predict(ids, verbose=0)
    state = model.initial_state(2)
    steps = []
    for t in range(ids.shape[1]):
        y, state = model.step(ids[:, t], state)
        steps.append(y.numpy())
    np.testing.assert_allclose(np.stack(steps, axis=1), whole, atol=1e-5)


def test_weights_round_trip_and_a_saved_model_predicts_the_same(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(2)
    model = Sequential([Residual([MinGRU(4, return_sequences=True), Dense(4)], input_shape=(5, 4)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((8, 5, 4)).astype("float32")
    model.fit(x, np.ones((8, 5, 1)), epochs=2, verbose=0)  # moves the norm's gain and shift off 1 and 0
    block = model.layers[0]
    weights = block.get_weights()
    assert [w.shape for w in weights] == [(4, 8), (8,), (4, 4), (4,), (4,), (4,)]  # MinGRU, Dense, LayerNorm
    other = Residual([MinGRU(4, return_sequences=True), Dense(4)])
    other(torch.zeros(1, 5, 4))
    other.set_weights(weights)
    torch.testing.assert_close(other(torch.as_tensor(x)), block(torch.as_tensor(x)))
    model.save(tmp_path / "m")
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_bad_blocks_are_refused() -> None:
    with pytest.raises(ConfigError, match="non-empty list of layers"):
        Residual([])
    with pytest.raises(ConfigError, match="non-empty list of layers"):
        Residual(["dense"])  # type: ignore[list-item]
    with pytest.raises(ShapeError, match=r"must keep its shape: input \(2, 3, 4\), output \(2, 3, 5\)"):
        Residual(Dense(5))(torch.zeros(2, 3, 4))


def test_the_residual_language_model_learns_a_sentence_and_reloads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    sentence = "the quick brown fox jumps over the lazy dog.\n"
    text = sentence * 120
    gen = TextGenerator(cell="mingru", units=32, layers=2, residual=True, batch=8, bptt=30, learning_rate=1e-2)
    gen.fit(text, epochs=8, echo=None, checkpoint=tmp_path / "lm")
    assert [type(layer).__name__ for layer in gen.model.layers][1:3] == ["Residual", "Residual"]
    assert gen.best_val_loss < 0.3  # nats/char; a uniform guess over the 28 characters costs ln 28 ≈ 3.3
    assert gen.generate("the quick", 20, top_k=1) == sentence[:29]
    loaded = TextGenerator.load(tmp_path / "lm")
    assert loaded.config.residual and loaded.generate("the", 40, seed=3) == gen.generate("the", 40, seed=3)
