"""Streaming one step at a time gives the full-sequence outputs; stateful rows reset one by one."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers import GRU, LSTM, Bidirectional, Dense, Dropout, Embedding, SimpleRNN, TimeDistributed
from rnnkit.models import Sequential


def test_step_by_step_equals_the_full_sequence() -> None:
    model = Sequential(
        [
            LSTM(6, return_sequences=True, input_shape=(None, 3)),
            Dropout(0.3),
            GRU(5, return_sequences=True),
            TimeDistributed(Dense(2)),
        ]
    )
    x = torch.randn(4, 9, 3)
    full = torch.from_numpy(model.predict(x, verbose=0))
    state = model.initial_state(4)
    outputs = []
    for t in range(9):
        y, state = model.step(x[:, t], state)
        outputs.append(y)
    torch.testing.assert_close(torch.stack(outputs, 1), full, rtol=0, atol=1e-6)


def test_many_to_one_stream_matches_every_prefix() -> None:
    model = Sequential([Embedding(12, 4), SimpleRNN(5, activation="relu"), Dense(1)])
    ids = np.random.default_rng(0).integers(1, 12, size=(2, 6))
    model.predict(ids, verbose=0)
    state = model.initial_state(2)
    for t in range(6):
        y, state = model.step(ids[:, t], state)
        np.testing.assert_allclose(y.numpy(), model.predict(ids[:, : t + 1], verbose=0), atol=1e-6)


def test_step_rejects_what_cannot_stream() -> None:
    model = Sequential([LSTM(3, input_shape=(None, 2))])
    state = model.initial_state(2)
    with pytest.raises(ShapeError, match=r"state must have shapes \[\(2, 3\), \(2, 3\)\]"):
        model.step(torch.zeros(2, 2), [(torch.zeros(2, 4), torch.zeros(2, 3))])
    with pytest.raises(ShapeError, match="state list"):
        model.step(torch.zeros(2, 2), state[0])  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=r"one time step \(batch, features\)"):
        model.step(torch.zeros(2, 5, 2), state)
    bi = Sequential([Bidirectional(LSTM(3), input_shape=(None, 2))])
    with pytest.raises(ConfigError, match="cannot stream"):
        bi.step(torch.zeros(1, 2), bi.initial_state(1))


def test_stateful_rows_reset_independently() -> None:
    layer = GRU(4, stateful=True)
    x = torch.randn(3, 5, 2)
    layer(x)
    carried = layer.states[0].clone()
    layer.reset_states(rows=[1])
    assert torch.equal(layer.states[0][1], torch.zeros(4))
    torch.testing.assert_close(layer.states[0][[0, 2]], carried[[0, 2]])
    second = layer(x)
    fresh = GRU(4)
    fresh(x)
    fresh.load_state_dict(layer.state_dict())
    torch.testing.assert_close(second[1], fresh(x)[1], rtol=0, atol=1e-6)  # row 1 started afresh
    assert not torch.allclose(second[0], fresh(x)[0])  # row 0 carried on
    lstm = LSTM(2, stateful=True)
    lstm(x)
    lstm.reset_states(torch.tensor([True, False, False]))
    assert type(lstm.states).__name__ == "LSTMState" and torch.equal(lstm.states.c[0], torch.zeros(2))


def test_stateful_model_continues_rows_across_predict_calls() -> None:
    stateful = Sequential([LSTM(4, stateful=True, return_sequences=True, input_shape=(None, 2)), Dense(1)])
    plain = Sequential([LSTM(4, return_sequences=True, input_shape=(None, 2)), Dense(1)])
    plain.build((None, 8, 2))
    stateful.build((None, 8, 2))
    stateful.load_state_dict(plain.state_dict())
    x = np.random.default_rng(0).normal(size=(3, 8, 2))
    first, second = stateful.predict(x[:, :5], verbose=0), stateful.predict(x[:, 5:], verbose=0)
    np.testing.assert_allclose(np.concatenate([first, second], 1), plain.predict(x, verbose=0), atol=1e-6)
    stateful.reset_states()
    np.testing.assert_allclose(stateful.predict(x[:, :5], verbose=0), first, atol=1e-6)
