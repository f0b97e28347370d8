"""``keras.ops`` computes what NumPy (Keras's reference for its ops) computes, and a cell written with it
runs inside ``keras.layers.RNN`` with gradients."""

import numpy as np
import pytest
import torch

from rnnkit import keras
from rnnkit.errors import ConfigError
from rnnkit.keras import ops

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4)).astype(np.float32)
B = rng.normal(size=(4, 5)).astype(np.float32)
C = rng.normal(size=(2, 3, 4)).astype(np.float32)

CASES = {
    "matmul": (lambda: ops.matmul(A, B), lambda: A @ B),
    "dot 3-D": (lambda: ops.dot(C, B), lambda: np.dot(C, B)),
    "einsum": (lambda: ops.einsum("bij,jk->bik", C, B), lambda: np.einsum("bij,jk->bik", C, B)),
    "sum axis tuple": (lambda: ops.sum(C, axis=(0, 2)), lambda: C.sum(axis=(0, 2))),
    "sum all": (lambda: ops.sum(C), lambda: C.sum()),
    "mean keepdims": (lambda: ops.mean(C, axis=1, keepdims=True), lambda: C.mean(axis=1, keepdims=True)),
    "std (population)": (lambda: ops.std(A, axis=0), lambda: A.std(axis=0)),
    "max": (lambda: ops.max(C, axis=-1), lambda: C.max(axis=-1)),
    "min all": (lambda: ops.min(C), lambda: C.min()),
    "logsumexp": (lambda: ops.logsumexp(A, axis=1), lambda: np.log(np.exp(A).sum(axis=1))),
    "transpose default": (lambda: ops.transpose(C), lambda: C.transpose()),
    "transpose axes": (lambda: ops.transpose(C, (1, 0, 2)), lambda: C.transpose(1, 0, 2)),
    "concatenate": (lambda: ops.concatenate([A, A], axis=1), lambda: np.concatenate([A, A], axis=1)),
    "stack": (lambda: ops.stack([A, A], axis=1), lambda: np.stack([A, A], axis=1)),
    "split sections": (lambda: ops.split(C, 2, axis=2)[1], lambda: np.split(C, 2, axis=2)[1]),
    "split indices": (lambda: ops.split(B, [1, 3], axis=1)[2], lambda: np.split(B, [1, 3], axis=1)[2]),
    "where": (lambda: ops.where(A > 0, A, ops.zeros_like(A)), lambda: np.where(A > 0, A, 0)),
    "cumsum flat": (lambda: ops.cumsum(A), lambda: np.cumsum(A)),
    "softmax": (lambda: ops.softmax(A), lambda: np.exp(A) / np.exp(A).sum(-1, keepdims=True)),
    "tile": (lambda: ops.tile(A, (2, 1)), lambda: np.tile(A, (2, 1))),
    "arange": (lambda: ops.arange(1, 7, 2), lambda: np.arange(1, 7, 2)),
    "clip": (lambda: ops.clip(A, -0.5, 0.5), lambda: np.clip(A, -0.5, 0.5)),
}


@pytest.mark.parametrize("name", CASES)
def test_an_op_computes_what_numpy_computes(name: str) -> None:
    ours, reference = CASES[name]
    np.testing.assert_allclose(ops.convert_to_numpy(ours()), reference(), rtol=1e-5, atol=1e-6)


def test_dtypes_by_name_and_float64_arrays_become_float32() -> None:
    assert ops.convert_to_tensor(np.ones(2)).dtype == torch.float32
    assert ops.cast(A, "int32").dtype == torch.int32 and ops.zeros((2,), dtype="bool").dtype == torch.bool
    assert ops.shape(C) == (2, 3, 4)
    with pytest.raises(ConfigError, match="unknown dtype"):
        ops.cast(A, "complex7")
    with pytest.raises(ConfigError, match="does not divide"):
        ops.split(A, 3, axis=1)


class MinimalRNNCell(keras.layers.Layer):
    """The RNN documentation's example cell, as Keras 3 writes it."""

    def __init__(self, units: int, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape) -> None:  # type: ignore[no-untyped-def]
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform", name="rk")
        self.built = True

    def call(self, inputs, states):  # type: ignore[no-untyped-def]
        prev_output = states[0]
        h = ops.matmul(inputs, self.kernel)
        output = h + ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


def test_a_cell_written_with_ops_runs_in_rnn_as_its_equations_say_and_trains() -> None:
    layer = keras.layers.RNN(MinimalRNNCell(4), return_sequences=True)
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    y = layer(x)
    k, r = (ops.convert_to_numpy(w) for w in (layer.cell.cell.kernel, layer.cell.cell.recurrent_kernel))
    h = np.zeros((2, 4), np.float32)
    for t in range(6):
        h = x[:, t] @ k + h @ r
        np.testing.assert_allclose(y[:, t].detach().numpy(), h, rtol=1e-5, atol=1e-6)
    y.sum().backward()
    assert layer.cell.cell.kernel.grad is not None and layer.cell.cell.kernel.grad.abs().sum() > 0
