"""Gradient flow through time against the hand-derived BPTT; effective memory on models with known memory."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.diagnostics import (
    GradientMonitor,
    effective_memory,
    format_report,
    gradient_flow,
    plot_gradient_flow,
    plot_gradient_heatmap,
)
from rnnkit.errors import ConfigError, GradientWarning
from rnnkit.layers import LRU, LSTM, Dense, Embedding, MinGRU, SimpleRNN
from rnnkit.models import Sequential
from rnnkit.reference import rnn_backward, rnn_forward


def test_hidden_gradients_equal_the_numpy_bptt_deltas() -> None:
    model = Sequential([SimpleRNN(5, return_sequences=True, input_shape=(None, 3))])
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(4, 7, 3)), rng.normal(size=(4, 7, 5))
    flow = gradient_flow(model, x, y)
    cell = model.layers[0].cell
    w_ih, w_hh, b = (p.detach().double().numpy() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih))
    h0 = np.zeros((4, 5))
    hs, pre = rnn_forward(x, h0, w_ih, w_hh, b)
    grads = rnn_backward(x, h0, hs, pre, w_ih, w_hh, 2 * (hs - y) / y.size)  # ∂(mean squared error)/∂h_t
    expected = np.linalg.norm(grads.h.reshape(4, 7, 5).transpose(1, 0, 2).reshape(7, -1), axis=1)
    np.testing.assert_allclose(flow.hidden["simple_rnn"], expected, rtol=1e-4)
    np.testing.assert_allclose(
        flow.inputs, np.linalg.norm(grads.x.transpose(1, 0, 2).reshape(7, -1), axis=1), rtol=1e-4
    )
    assert flow.parameters["simple_rnn.cell.weight_hh"] == pytest.approx(np.linalg.norm(grads.w_hh), rel=1e-4)
    assert json.loads(flow.to_json())["hidden"]["simple_rnn"] == pytest.approx(flow.hidden["simple_rnn"])
    assert cell.weight_hh.grad is None  # measuring leaves no gradients behind


def test_effective_memory_counts_the_steps_the_output_hears() -> None:
    x = np.random.default_rng(0).normal(size=(8, 12, 2))
    forgetful = Sequential([SimpleRNN(4, recurrent_initializer="zeros", input_shape=(None, 2)), Dense(1)])
    assert effective_memory(forgetful, x).steps == 1
    summing = Sequential(
        [SimpleRNN(4, activation="linear", recurrent_initializer="identity", input_shape=(None, 2)), Dense(1)]
    )
    memory = effective_memory(summing, x)
    assert memory.steps == 12 and memory.sensitivity == pytest.approx([1.0] * 12, rel=1e-5)


def test_token_models_are_measured_through_the_embedding() -> None:
    model = Sequential([Embedding(10, 4), LSTM(3), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    ids = np.random.default_rng(0).integers(1, 10, size=(5, 6))
    flow = gradient_flow(model, ids, np.zeros((5, 1)))
    assert len(flow.inputs) == 6 and all(v > 0 for v in flow.inputs)
    assert 1 <= effective_memory(model, ids).steps <= 6


def test_a_contracting_recurrence_is_reported_as_vanishing() -> None:
    """Recurrent weights in ±0.05 shrink the gradient at every step back: the report must say so."""
    x, y = np.random.rand(64, 30, 1), np.random.rand(64, 1)
    plain = Sequential([SimpleRNN(16, recurrent_initializer="random_uniform", input_shape=(None, 1)), Dense(1)])
    plain.compile(optimizer="adam", loss="mse")
    flow = gradient_flow(plain, x, y)
    assert flow.ratio() < 1e-6
    report = format_report(flow, effective_memory(plain, x))
    assert "vanishing" in report and "effective memory: " in report


def test_monitor_warns_once_with_measured_advice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    x, y = np.random.rand(64, 30, 1), np.random.rand(64, 1)
    model = Sequential([SimpleRNN(8, recurrent_initializer="random_uniform", input_shape=(None, 1)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    monitor = GradientMonitor(every=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[monitor])
    vanish = [w for w in caught if issubclass(w.category, GradientWarning)]
    assert len(vanish) == 1
    text = str(vanish[0].message)
    assert "Vanishing gradients in 'simple_rnn'" in text and "LSTM or GRU" in text and "orthogonal" in text
    assert [epoch for epoch, _ in monitor.records] == [0, 1, 2] and len(monitor.batch_norms) == 12
    plot_gradient_flow(monitor.records[-1][1], tmp_path / "flow.png")
    plot_gradient_heatmap(monitor.records, tmp_path / "heat.png")
    assert (tmp_path / "flow.png").read_bytes()[:4] == (tmp_path / "heat.png").read_bytes()[:4] == b"\x89PNG"


def test_monitor_reports_exploding_gradients_with_a_clipnorm() -> None:
    model = Sequential([SimpleRNN(4, input_shape=(None, 1)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    monitor = GradientMonitor()
    monitor.set_model(model)
    monitor.params = {"sample": (torch.rand(8, 5, 1), torch.rand(8, 1))}
    model.build((None, 5, 1))
    monitor.on_train_begin()
    for norm in [1.0] * 25 + [500.0]:
        for p in model.parameters():
            p.grad = torch.full_like(p, norm / math.sqrt(model.count_params()))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            monitor.on_batch_end(0)
    assert len(caught) == 1 and "Exploding gradients" in str(caught[0].message)
    assert "compile(clipnorm=1) (the median gradient norm seen so far)" in str(caught[0].message)


def test_diagnostics_need_a_recurrent_layer() -> None:
    model = Sequential([Dense(1, input_shape=(3, 2))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ConfigError, match="recurrent layer"):
        gradient_flow(model, np.zeros((2, 3, 2)), np.zeros((2, 3, 1)))


def test_the_parallel_layers_memory_follows_their_decay() -> None:
    """An LRU whose eigenvalues start near 0 forgets at once; near 1 it hears every step; a MinGRU's
    gradient flow is measured through its step-by-step loop like any cell."""
    x = np.random.default_rng(1).normal(size=(8, 12, 2))
    rnnkit.seed(0)
    short = Sequential([LRU(8, r_min=0.0, r_max=0.05, input_shape=(None, 2)), Dense(1)])
    long = Sequential([LRU(8, r_min=0.999, r_max=0.9999, input_shape=(None, 2)), Dense(1)])
    assert effective_memory(short, x).steps <= 2
    assert effective_memory(long, x).steps == 12
    model = Sequential([MinGRU(4, return_sequences=True, input_shape=(None, 2)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    flow = gradient_flow(model, x, np.zeros((8, 12, 1)))
    assert len(flow.hidden["min_gru"]) == 12 and all(math.isfinite(v) for v in flow.hidden["min_gru"])
