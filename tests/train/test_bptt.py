"""Truncated BPTT equals a hand-written chunked loop; clipping is counted in History."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError
from rnnkit.layers import GRU, LSTM, Bidirectional, Dense, SimpleRNN, TimeDistributed
from rnnkit.models import Sequential
from rnnkit.optimizers import SGD


def _manual_tbptt(model: Sequential, x: np.ndarray, y: np.ndarray, k: int, per_step: bool) -> None:
    """The min-char-rnn recipe written out: carry the detached state, backprop within each chunk."""
    rnn, head = model.layers
    params = list(model.parameters())
    xt, yt = torch.from_numpy(x).float(), torch.from_numpy(y).float()
    for b in range(0, len(xt), 4):  # batch 4, no shuffle
        xb, yb = xt[b : b + 4], yt[b : b + 4]
        state = None
        for start in range(0, xb.shape[1], k):
            chunk = xb[:, start : start + k]
            last = start + k >= xb.shape[1]
            if not per_step and not last:
                with torch.no_grad():
                    _, *state = rnn.run(chunk, None, state, go_backwards=False)  # type: ignore[misc]
                continue
            out, *new_state = rnn.run(chunk, None, state, go_backwards=False)  # type: ignore[misc]
            pred = head(out)
            target = yb[:, start : start + k] if per_step else yb
            loss = torch.nn.functional.mse_loss(pred, target)
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= 0.1 * p.grad
            state = [s.detach() for s in new_state]


@pytest.mark.parametrize("layer", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("per_step", [True, False], ids=["many-to-many", "many-to-one"])
def test_fit_with_bptt_steps_equals_the_chunked_loop(layer, per_step: bool) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 10, 2)).astype(np.float32)
    y = rng.normal(size=(8, 10, 1) if per_step else (8, 1)).astype(np.float32)
    head = TimeDistributed(Dense(1)) if per_step else Dense(1)
    model = Sequential([layer(5, return_sequences=per_step, input_shape=(None, 2)), head])
    model.build((None, 10, 2))
    reference = copy.deepcopy(model)
    model.compile(optimizer=SGD(0.1), loss="mse")
    model.fit(x, y, epochs=1, batch_size=4, shuffle=False, bptt_steps=3, verbose=0)
    reference.layers[0].return_state = True
    _manual_tbptt(reference, x, y, 3, per_step)
    for a, b in zip(model.parameters(), reference.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    assert not model.layers[0].stateful and model.layers[0].states is None  # borrowed state is given back


def test_chunks_longer_than_the_sequence_are_full_bptt() -> None:
    x, y = np.random.rand(8, 6, 1), np.random.rand(8, 1)
    a = Sequential([SimpleRNN(4, input_shape=(6, 1)), Dense(1)])
    a.build((None, 6, 1))
    b = copy.deepcopy(a)
    for model, steps in ((a, None), (b, 6)):
        model.compile(optimizer=SGD(0.05), loss="mse")
        model.fit(x, y, epochs=2, batch_size=4, shuffle=False, bptt_steps=steps, verbose=0)
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=1e-6)


def test_clipping_is_counted_in_history() -> None:
    x, y = np.random.rand(32, 5, 1) * 10, np.random.rand(32, 1) * 10
    model = Sequential([SimpleRNN(4, input_shape=(5, 1)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse", clipnorm=1e-4)
    assert model.fit(x, y, epochs=2, batch_size=8, verbose=0).history["clipped"] == [1.0, 1.0]
    model.compile(optimizer="sgd", loss="mse", clipnorm=1e9, clipvalue=1e9)
    assert model.fit(x, y, epochs=1, batch_size=8, verbose=0).history["clipped"] == [0.0]
    model.compile(optimizer="sgd", loss="mse")
    assert "clipped" not in model.fit(x, y, epochs=1, verbose=0).history


def test_bad_bptt_settings() -> None:
    x, y = np.random.rand(8, 6, 1), np.random.rand(8, 1)
    model = Sequential([SimpleRNN(4, input_shape=(6, 1)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ConfigError, match="bptt_steps must be a positive integer"):
        model.fit(x, y, bptt_steps=0, verbose=0)
    bi = Sequential([Bidirectional(LSTM(3), input_shape=(6, 1)), Dense(1)])
    bi.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ConfigError, match="reads backwards"):
        bi.fit(x, y, bptt_steps=2, verbose=0)
    dense = Sequential([Dense(1, input_shape=(6, 1))])
    dense.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ConfigError, match="with a recurrent layer; this one has none"):
        dense.fit(x, np.random.rand(8, 6, 1), bptt_steps=2, verbose=0)
