"""The native training step (``rnnkit.train.native_step``) and the fused optimizer updates against autograd
and the ``torch._foreach`` updates: the loss, every gradient and whole ``fit`` runs, in float64 (1e-10)
and float32 (1e-5); and the models it must leave to autograd.

These tests need the kernels built (``rnnkit native build``; ``make test`` builds them) and skip, saying
so, when they are not."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np
import pytest
import torch

from rnnkit import native
from rnnkit.layers import GRU, LSTM, Bidirectional, Dense, Dropout, Masking, Reshape, SimpleRNN
from rnnkit.layers.grouped import GroupedDense, GroupedRecurrent
from rnnkit.models import Sequential
from rnnkit.train.losses import GaussianNLL, Quantile, SummedOverGroups, get_loss
from rnnkit.train.native_step import fused_backprop, fused_predict
from rnnkit.train.optimizers import SGD, Adam, AdamW, RMSprop

pytestmark = pytest.mark.skipif(
    not native.available(), reason="rnnkit's native kernels are not built here (run: rnnkit native build)"
)

TOL = {torch.float64: {"rtol": 1e-10, "atol": 1e-12}, torch.float32: {"rtol": 1e-5, "atol": 1e-6}}

ARCHITECTURES: dict[str, Callable[[], list]] = {
    "tutorial: SimpleRNN relu + Dense": lambda: [SimpleRNN(6, activation="relu"), Dense(1)],
    "SimpleRNN tanh + Dense without bias": lambda: [SimpleRNN(5), Dense(2, use_bias=False)],
    "LSTM + Dense relu + Dense": lambda: [LSTM(5), Dense(4, activation="relu"), Dense(3)],
    "GRU + Dense sigmoid": lambda: [GRU(5), Dense(2, activation="sigmoid")],
    # 9 x 64 x 128 multiply-adds: above the plain loops' limit, this Dense runs as ATen products
    "SimpleRNN + a large Dense relu + Dense": lambda: [SimpleRNN(64), Dense(128, activation="relu"), Dense(2)],
    "stacked GRU > LSTM > SimpleRNN + Dense tanh": lambda: [
        GRU(4, return_sequences=True),
        LSTM(5, return_sequences=True),
        SimpleRNN(3),
        Dense(2, activation="tanh"),
    ],
}


def _model(layers: list, features: int, dtype: torch.dtype, seed: int = 0) -> Sequential:
    torch.manual_seed(seed)
    model = Sequential(layers)
    model.build((None, 7, features))
    return model.to(dtype)


def _autograd(model: Sequential, loss_fn, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, list]:
    with native.switched_off():  # PyTorch's kernels and autograd: an independent reference
        loss = loss_fn(y, model(x))
        grads = torch.autograd.grad(loss, list(model.parameters()))
    return loss.detach(), list(grads)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("loss_name", ["mse", "mae"])
@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_loss_and_every_gradient_equal_autograd(name: str, loss_name: str, dtype: torch.dtype) -> None:
    model = _model(ARCHITECTURES[name](), 3, dtype)
    outputs = model.layers[-1].units
    g = torch.Generator().manual_seed(1)
    x = torch.randn(9, 7, 3, dtype=dtype, generator=g)
    y = torch.randn(9, outputs, dtype=dtype, generator=g) if outputs > 1 else torch.randn(9, dtype=dtype, generator=g)
    loss_fn = get_loss(loss_name)
    step = fused_backprop(model, loss_fn)
    assert step is not None and step.fits(x, y)
    loss, prediction = step(x, y)
    expected_loss, expected_grads = _autograd(model, loss_fn, x, y)
    torch.testing.assert_close(loss, expected_loss, **TOL[dtype])
    with native.switched_off(), torch.no_grad():
        torch.testing.assert_close(prediction, model(x), **TOL[dtype])
    params = list(model.parameters())
    assert len(params) == len(expected_grads)
    for p, expected in zip(params, expected_grads):
        assert p.grad is not None and p.grad.shape == p.shape
        torch.testing.assert_close(p.grad, expected, **TOL[dtype])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_predict_in_one_native_call_equals_the_layers(name: str, dtype: torch.dtype) -> None:
    model = _model(ARCHITECTURES[name](), 3, dtype)
    x = np.random.default_rng(4).normal(size=(40, 7, 3))  # two batches of 32 and 8
    assert fused_predict(model) is not None
    fast = model.predict(x, verbose=0)
    with native.switched_off():
        assert fused_predict(model) is None
        slow = model.predict(x, verbose=0)
    np.testing.assert_allclose(fast, slow, **TOL[dtype])


def _fit(native_on: bool, optimizer, dtype: torch.dtype, clipnorm: float | None = None) -> tuple[list, list]:
    rng = np.random.default_rng(0)
    x = rng.random((64, 10, 2))
    y = rng.random((64, 1))
    model = _model([LSTM(6, return_sequences=True), SimpleRNN(5, activation="relu"), Dense(1)], 2, dtype, seed=3)
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"], clipnorm=clipnorm)
    x_t, y_t = torch.tensor(x, dtype=dtype), torch.tensor(y, dtype=dtype)
    torch.manual_seed(5)  # the same shuffles
    with contextlib.nullcontext() if native_on else native.switched_off():
        history = model.fit(x_t, y_t, batch_size=16, epochs=3, verbose=0, validation_split=0.25)
        assert (fused_backprop(model, model.loss) is not None) == native_on  # the path under test ran
    return model.get_weights(), [history.history[k] for k in ("loss", "mae", "val_loss")]


@pytest.mark.parametrize(
    "make_optimizer",
    [lambda: Adam(0.01), lambda: RMSprop(0.01), lambda: SGD(0.1, momentum=0.9), lambda: AdamW(0.01)],
    ids=["adam", "rmsprop", "sgd-momentum", "adamw"],
)
def test_fit_on_the_native_step_equals_fit_through_autograd(make_optimizer) -> None:
    fast_weights, fast_logs = _fit(True, make_optimizer(), torch.float64, clipnorm=0.5)
    slow_weights, slow_logs = _fit(False, make_optimizer(), torch.float64, clipnorm=0.5)
    for a, b in zip(fast_weights, slow_weights):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(fast_logs, slow_logs, rtol=1e-9)
    start = _model([LSTM(6, return_sequences=True), SimpleRNN(5, activation="relu"), Dense(1)], 2, torch.float64, 3)
    assert not any(np.allclose(a, b) for a, b in zip(fast_weights, start.get_weights()))  # every weight trained


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("make", [lambda: Adam(0.05), lambda: RMSprop(0.05), lambda: AdamW(0.05)])
def test_fused_optimizer_updates_equal_the_foreach_kernels(make, dtype: torch.dtype) -> None:
    g = torch.Generator().manual_seed(0)
    shapes = [(4, 3), (5,), (2, 2, 2)]
    start = [torch.randn(s, dtype=dtype, generator=g) for s in shapes]
    grads = [[torch.randn(s, dtype=dtype, generator=g) for s in shapes] for _ in range(4)]
    finals = []
    for native_on in (True, False):
        params = [torch.nn.Parameter(t.clone()) for t in start]
        opt = make()
        opt.build(params)
        assert opt.fused
        for step_grads in grads:
            for p, grad in zip(params, step_grads):
                p.grad = grad.clone()
            if native_on:
                opt.step()
            else:
                with native.switched_off():
                    opt.step()
        finals.append([p.detach() for p in params])
    for a, b in zip(*finals):
        torch.testing.assert_close(a, b, **TOL[dtype])
    assert not any(torch.allclose(a, s) for a, s in zip(finals[0], start))  # the updates moved every tensor


def test_the_step_refuses_what_it_does_not_compute() -> None:
    mse = get_loss("mse")

    def plan(layers: list, loss=mse, dtype=torch.float32):  # type: ignore[no-untyped-def]
        return fused_backprop(_model(layers, 3, dtype), loss)

    assert plan([SimpleRNN(4), Dense(1)]) is not None
    refused = {
        "dropout": [SimpleRNN(4, dropout=0.2), Dense(1)],
        "recurrent dropout": [LSTM(4, recurrent_dropout=0.2), Dense(1)],
        "stateful": [SimpleRNN(4, stateful=True), Dense(1)],
        "backwards": [GRU(4, go_backwards=True), Dense(1)],
        "many-to-many": [SimpleRNN(4, return_sequences=True), Dense(1)],
        "masking": [Masking(), SimpleRNN(4), Dense(1)],
        "bidirectional": [Bidirectional(SimpleRNN(4)), Dense(1)],
        "a dropout layer": [SimpleRNN(4), Dropout(0.1), Dense(1)],
        "unrolled": [SimpleRNN(4, implementation="unrolled"), Dense(1)],
        "another activation": [SimpleRNN(4, activation="sigmoid"), Dense(1)],
        "softmax head": [SimpleRNN(4), Dense(3, activation="softmax")],
        "too many units": [SimpleRNN(2048), Dense(1)],
        "no head": [SimpleRNN(4)],
    }
    for why, layers in refused.items():
        assert plan(layers) is None, why
    assert plan([SimpleRNN(4), Dense(1)], loss=get_loss("huber")) is None
    assert plan([SimpleRNN(4), Dense(1)], loss=lambda y, p: ((y - p) ** 2).mean()) is None
    assert plan([SimpleRNN(4), Dense(1)], dtype=torch.float16) is None
    watched = _model([SimpleRNN(4), Dense(1)], 3, torch.float32)
    watched.layers[0].register_forward_hook(lambda *args: None)
    assert fused_backprop(watched, mse) is None


def test_a_batch_that_does_not_fit_goes_through_autograd() -> None:
    model = _model([SimpleRNN(4), Dense(2)], 3, torch.float32)
    step = fused_backprop(model, get_loss("mse"))
    assert step is not None
    x = torch.randn(5, 7, 3)
    assert step.fits(x, torch.randn(5, 2))
    assert step.fits(torch.randn(5, 2, 3), torch.randn(5, 2))  # any number of steps
    assert not step.fits(x, torch.randn(5))  # two outputs: the loss says how the shapes differ
    assert not step.fits(x.double(), torch.randn(5, 2).double())
    assert not step.fits(torch.randn(5, 7, 4), torch.randn(5, 2))
    assert not step.fits(x, torch.randn(4, 2))


def _grouped(cell: str, groups: int, dtype: torch.dtype) -> Sequential:
    torch.manual_seed(0)
    model = Sequential([GroupedRecurrent(cell, 5, groups), GroupedDense(4, groups), GroupedDense(3, groups)])
    model.build((None, groups, 7, 2))
    return model.to(dtype)


def _step_equals_autograd(model: Sequential, loss_fn: object, x: torch.Tensor, y: torch.Tensor,
                          dtype: torch.dtype) -> None:  # fmt: skip
    """The native step's loss, prediction and every gradient, and the native prediction, equal autograd's."""
    step = fused_backprop(model, loss_fn)
    assert step is not None and step.fits(x, y)
    loss, prediction = step(x, y)
    expected_loss, expected_grads = _autograd(model, loss_fn, x, y)
    torch.testing.assert_close(loss, expected_loss, **TOL[dtype])
    with native.switched_off(), torch.no_grad():
        torch.testing.assert_close(prediction, model(x), **TOL[dtype])
    for p, expected in zip(model.parameters(), expected_grads):
        torch.testing.assert_close(p.grad, expected, **TOL[dtype])
    predict = fused_predict(model)
    assert predict is not None
    torch.testing.assert_close(predict(x), prediction, **TOL[dtype])


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("loss_name", ["mse", "mae"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_grouped_models_loss_and_gradients_equal_autograd(cell: str, loss_name: str, dtype: torch.dtype) -> None:
    groups = 3
    model, loss_fn = _grouped(cell, groups, dtype), SummedOverGroups(loss_name, groups)
    x, y = torch.randn(6, groups, 7, 2, dtype=dtype), torch.randn(6, groups, 3, dtype=dtype)
    _step_equals_autograd(model, loss_fn, x, y, dtype)


def test_the_grouped_step_needs_the_loss_summed_over_its_groups() -> None:
    model = _grouped("gru", 2, torch.float32)
    assert fused_backprop(model, SummedOverGroups("mse", 2)) is not None
    assert fused_backprop(model, get_loss("mse")) is None  # a mean over the groups: not what the kernels compute
    assert fused_backprop(model, SummedOverGroups("mse", 3)) is None
    assert fused_backprop(model, SummedOverGroups("huber", 2)) is None
    step = fused_backprop(model, SummedOverGroups("mae", 2))
    assert step is not None
    assert step.fits(torch.randn(4, 2, 7, 2), torch.randn(4, 2, 3))
    assert not step.fits(torch.randn(4, 3, 7, 2), torch.randn(4, 3, 3))  # three groups
    assert not step.fits(torch.randn(4, 7, 2), torch.randn(4, 3))  # no group axis
    assert not step.fits(torch.randn(4, 2, 7, 2), torch.randn(4, 2))  # three outputs per group


def _fit_quietly(layers: Callable[[], list], native_on: bool, x: np.ndarray, y: np.ndarray, loss: object = "mse",
                 epochs: int = 3) -> tuple[list[np.ndarray], list[float], int]:  # fmt: skip
    """fit with Adam and nothing between batches (no metrics, clipping or batch callbacks); also how many
    epochs ran as one native call."""
    from rnnkit.train.native_step import AdamPass

    torch.manual_seed(0)
    model = Sequential(layers())
    model.build((None, *x.shape[1:]))
    model.to(torch.float64)
    model.compile(optimizer=Adam(0.02), loss=loss)
    calls = []
    original = AdamPass.__call__

    def counted(self: AdamPass, batches: list) -> list[float]:
        calls.append(len(batches))
        return original(self, batches)

    torch.manual_seed(5)  # the same shuffles
    with pytest.MonkeyPatch.context() as patch, contextlib.nullcontext() if native_on else native.switched_off():
        patch.setattr(AdamPass, "__call__", counted)
        history = model.fit(torch.tensor(x), torch.tensor(y), batch_size=16, epochs=epochs, verbose=0,
                            validation_split=0.2)  # fmt: skip
    return model.get_weights(), history.history["loss"] + history.history["val_loss"], len(calls)


@pytest.mark.parametrize(
    "name",
    ["stack", "frozen first layer", "grouped"],
)
def test_an_epoch_in_one_native_call_trains_as_autograd_does(name: str) -> None:
    rng = np.random.default_rng(1)
    x, y, loss = rng.random((70, 9, 2)), rng.random((70, 2)), "mse"  # 56 to train: 3 batches of 16 and one of 8

    def frozen() -> list:
        first = GRU(5, return_sequences=True)
        first(torch.zeros(1, 9, 2))  # built, so that its weights can be frozen
        for p in first.parameters():
            p.requires_grad_(False)
        return [first, LSTM(4), Dense(2)]

    layers = {
        "stack": lambda: [GRU(5, return_sequences=True), SimpleRNN(4, activation="relu"), Dense(3, "tanh"), Dense(2)],
        "frozen first layer": frozen,
        "grouped": lambda: [GroupedRecurrent("lstm", 4, 3), GroupedDense(2, 3)],
    }[name]
    if name == "grouped":
        x, y, loss = rng.random((70, 3, 9, 2)), rng.random((70, 3, 2)), SummedOverGroups("mae", 3)
    fast_weights, fast_logs, calls = _fit_quietly(layers, True, x, y, loss)
    slow_weights, slow_logs, _ = _fit_quietly(layers, False, x, y, loss)
    assert calls == 3  # every epoch ran as one call
    for a, b in zip(fast_weights, slow_weights):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(fast_logs, slow_logs, rtol=1e-9)
    torch.manual_seed(0)
    start = Sequential(layers())
    start.build((None, *x.shape[1:]))
    moved = [not np.allclose(a, b) for a, b in zip(fast_weights, start.get_weights())]
    assert all(moved) if name != "frozen first layer" else moved == [False] * 3 + [True] * 5  # Keras: GRU has 3


def test_an_epoch_in_one_native_call_stops_at_a_diverging_batch_as_step_by_step() -> None:
    from rnnkit.errors import DivergedError

    rng = np.random.default_rng(2)
    x, y = rng.random((80, 6, 1)), rng.random((80, 1))
    y[37, 0] = 1e30  # finite in float32, but its squared error is not: in the third batch of 16 (unshuffled)

    def fit(native_on: bool) -> tuple[DivergedError, list[np.ndarray]]:
        torch.manual_seed(0)
        model = Sequential([SimpleRNN(4), Dense(1)])
        model.compile(optimizer=Adam(0.01), loss="mse")
        with contextlib.nullcontext() if native_on else native.switched_off():
            model.fit(x[:64], y[:64] * 0, batch_size=16, epochs=1, verbose=0, shuffle=False)
            with pytest.raises(DivergedError) as caught:
                model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
        return caught.value, model.get_weights()

    (fast, fast_weights), (slow, slow_weights) = fit(True), fit(False)
    assert fast.batch == slow.batch == 2
    for a, b in zip(fast_weights, slow_weights):  # the weights from before the diverging epoch, on both paths
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_an_epoch_too_large_for_one_call_trains_batch_by_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.train import loop

    rng = np.random.default_rng(3)
    x, y = rng.random((70, 9, 2)), rng.random((70, 1))
    layers = lambda: [GRU(4), Dense(1)]  # noqa: E731
    monkeypatch.setattr(loop, "MAX_NATIVE_PASS_BYTES", 100)  # under one batch
    step_weights, step_logs, calls = _fit_quietly(layers, True, x, y)
    assert calls == 0
    monkeypatch.undo()
    one_weights, one_logs, calls = _fit_quietly(layers, True, x, y)
    assert calls == 3
    for a, b in zip(step_weights, one_weights):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(step_logs, one_logs, rtol=1e-12)


DISTRIBUTIONAL = {"gaussian": (GaussianNLL, 2), "quantile": (lambda: Quantile((0.1, 0.5, 0.9)), 3)}


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("loss_name", list(DISTRIBUTIONAL))
@pytest.mark.parametrize("groups", [0, 3])
def test_distributional_losses_and_gradients_equal_autograd(loss_name: str, groups: int, dtype: torch.dtype) -> None:
    """GaussianNLL (μ and a softplus scale per target) and the pinball loss, computed in the kernels: the
    loss, the prediction and every gradient equal autograd's, for a stack and for grouped models."""
    make, k = DISTRIBUTIONAL[loss_name]
    steps = 4
    torch.manual_seed(0)
    if groups:
        layers = [GroupedRecurrent("gru", 5, groups), GroupedDense(steps * k, groups), Reshape((groups, steps, k))]
        shape, y_shape = (None, groups, 7, 2), (9, groups, steps)
    else:
        layers = [LSTM(5), Dense(steps * k), Reshape((steps, k))]
        shape, y_shape = (None, 7, 2), (9, steps)
    model = Sequential(layers)
    model.build(shape)
    model.to(dtype)
    with torch.no_grad():  # scales from far below to above softplus's threshold of 20
        model.layers[-2].bias.add_(torch.linspace(-3, 25, model.layers[-2].bias.numel(), dtype=dtype).view_as(model.layers[-2].bias))
    loss_fn = SummedOverGroups(make(), groups) if groups else make()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(9, *shape[1:], dtype=dtype, generator=g)
    y = torch.randn(*y_shape, dtype=dtype, generator=g)
    if loss_name == "quantile":  # a tie (y equal to an output), where torch.maximum splits the gradient
        with native.switched_off(), torch.no_grad():
            y.view(-1)[0] = model(x[:1]).reshape(-1)[1]
    _step_equals_autograd(model, loss_fn, x, y, dtype)


def test_a_distributional_loss_needs_its_outputs_side_by_side() -> None:
    torch.manual_seed(0)
    flat = Sequential([GRU(4), Dense(8)])
    flat.build((None, 7, 2))
    assert fused_backprop(flat, GaussianNLL()) is None  # no (..., 2) output: the loss could not read it
    wrong = Sequential([GRU(4), Dense(8), Reshape((2, 4))])
    wrong.build((None, 7, 2))
    assert fused_backprop(wrong, GaussianNLL()) is None  # four outputs per target, not two
    assert fused_backprop(wrong, Quantile((0.1, 0.5, 0.9))) is None
    right = Sequential([GRU(4), Dense(8), Reshape((4, 2))])
    right.build((None, 7, 2))
    step = fused_backprop(right, GaussianNLL())
    assert step is not None
    assert step.fits(torch.randn(3, 7, 2), torch.randn(3, 4)) and not step.fits(torch.randn(3, 7, 2), torch.randn(3, 8))
    mse = fused_backprop(right, get_loss("mse"))  # a point loss on a reshaped output: targets of its shape
    assert mse is not None and mse.fits(torch.randn(3, 7, 2), torch.randn(3, 4, 2))


def test_a_probabilistic_epoch_in_one_native_call_trains_as_autograd_does() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.random((70, 3, 9, 2)), rng.random((70, 3, 4))
    layers = lambda: [GroupedRecurrent("gru", 4, 3), GroupedDense(8, 3), Reshape((3, 4, 2))]  # noqa: E731
    loss = SummedOverGroups(GaussianNLL(), 3)
    fast_weights, fast_logs, calls = _fit_quietly(layers, True, x, y, loss)
    slow_weights, slow_logs, _ = _fit_quietly(layers, False, x, y, loss)
    assert calls == 3
    for a, b in zip(fast_weights, slow_weights):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(fast_logs, slow_logs, rtol=1e-9)
