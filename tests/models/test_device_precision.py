"""compile(device=, mixed_precision=): bf16 autocast trains to float32's losses within bf16's precision,
device names resolve or fail clearly, and (when a GPU is present) the same code trains on CUDA."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError
from rnnkit.layers import GRU, LSTM, Dense
from rnnkit.models import Sequential


def _data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(128, 12, 3)).astype(np.float32)
    return x, x[:, :, :1].mean(axis=1)


def _fit(mixed_precision: str | None, device: str = "cpu", layer: type = GRU) -> tuple[list[float], np.ndarray]:
    x, y = _data()
    rnnkit.seed(0)
    model = Sequential([layer(16, input_shape=(12, 3)), Dense(1)])
    model.compile(optimizer="adam", loss="mse", mixed_precision=mixed_precision, device=device)
    history = model.fit(x, y, epochs=4, verbose=0)
    return history.history["loss"], model.predict(x[:8], verbose=0)


@pytest.mark.parametrize("layer", [GRU, LSTM])
def test_bf16_autocast_trains_like_float32_within_bf16_precision(layer: type) -> None:
    full, p_full = _fit(None, layer=layer)
    half, p_half = _fit("bf16", layer=layer)
    np.testing.assert_allclose(half, full, rtol=0.02)
    assert full[-1] < 0.8 * full[0] and half[-1] < 0.8 * half[0]  # both learn
    diff = np.abs(p_half - p_full).max()
    assert 0 < diff < 0.05  # bf16 products really ran (not bit-identical), and stayed close
    assert p_half.dtype == np.float32


def test_device_names_resolve_or_fail_clearly() -> None:
    from rnnkit.models.model import resolve_device

    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ConfigError, match="'auto', 'cpu', 'cuda'"):
        resolve_device("tpu9")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="sees no CUDA GPU"):
            resolve_device("cuda")
    model = Sequential([GRU(2, input_shape=(3, 1))])
    with pytest.raises(ConfigError, match="mixed_precision must be None or 'bf16'"):
        model.compile(optimizer="adam", loss="mse", mixed_precision="fp8")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here: the GPU path is tested on GPU machines")
def test_the_same_code_trains_on_a_gpu() -> None:
    cpu, p_cpu = _fit(None, "cpu")
    gpu, p_gpu = _fit(None, "cuda")
    np.testing.assert_allclose(gpu, cpu, rtol=1e-3)
    np.testing.assert_allclose(p_gpu, p_cpu, rtol=1e-3, atol=1e-4)


def _gpu_fit(graphs: bool, clipnorm: float | None) -> tuple[Sequential, list[float]]:
    from rnnkit.train import cuda_graph

    x = np.random.default_rng(1).random((100, 10, 1), dtype=np.float32)
    y = x.sum(axis=1) / 10
    rnnkit.seed(0)
    model = Sequential([GRU(8, input_shape=(10, 1)), Dense(4, activation="relu"), Dense(1)])
    model.compile(optimizer="adam", loss="mse", clipnorm=clipnorm, device="cuda")
    cuda_graph.enabled = graphs
    try:  # 100 samples: three batches of 32 and a partial one of 4, which runs step by step
        history = model.fit(x, y, batch_size=32, epochs=6, verbose=0, shuffle=False, validation_split=0.2)
    finally:
        cuda_graph.enabled = True
    return model, history.history["loss"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here: the GPU path is tested on GPU machines")
@pytest.mark.parametrize("clipnorm", [None, 0.05])
def test_a_replayed_cuda_graph_trains_as_step_by_step_does(clipnorm: float | None) -> None:
    graphed, losses = _gpu_fit(True, clipnorm)
    plain, plain_losses = _gpu_fit(False, clipnorm)
    assert graphed._graphed_update.graph is not None  # the graph was captured and replayed
    cell = graphed.layers[0].cell  # its weights moved into one buffer for cuDNN (views of it, same tensors)
    assert len({w.untyped_storage().data_ptr() for w in cell.flat_weights()}) == 1
    assert getattr(plain, "_graphed_update", None) is None
    np.testing.assert_allclose(losses, plain_losses, rtol=1e-4)
    for a, b in zip(graphed.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here: the GPU path is tested on GPU machines")
def test_a_step_that_cannot_be_captured_runs_step_by_step() -> None:
    from rnnkit.layers import Embedding

    ids = np.random.default_rng(2).integers(0, 20, size=(96, 7))
    rnnkit.seed(0)
    model = Sequential([Embedding(20, 8), GRU(8), Dense(20, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", device="cuda")
    history = model.fit(ids, ids[:, -1], batch_size=16, epochs=3, verbose=0)  # the loss checks ids on the host
    assert model._graphed_update.disabled
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_a_copied_model_leaves_the_cuda_graph_behind() -> None:
    import copy

    model = Sequential([GRU(2, input_shape=(3, 1)), Dense(1)])
    model.build((None, 3, 1))
    model._graphed_update = object()  # what a GPU fit keeps: not copyable, and not the copy's
    clone = copy.deepcopy(model)
    assert not hasattr(clone, "_graphed_update")
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), clone.state_dict().values()))


def _grouped_fit(device: str, graphs: bool = True) -> tuple[list[float], list[np.ndarray]]:
    """Three GRU networks side by side (a forecaster's ensemble), trained on the sum of their losses with
    their weights averaged over the last half of training."""
    from rnnkit.callbacks import StochasticWeightAveraging
    from rnnkit.layers.grouped import GroupedDense, GroupedRecurrent
    from rnnkit.optimizers import Adam
    from rnnkit.train import cuda_graph
    from rnnkit.train.losses import SummedOverGroups

    S = 3
    x = np.random.default_rng(3).random((64, S, 8, 2), dtype=np.float32)
    y = x[:, :, -3:, 0] * 2 - 1  # (B, S, 3)
    rnnkit.seed(0)
    model = Sequential([GroupedRecurrent("gru", 6, S, input_shape=(S, 8, 2)), GroupedDense(3, S)])
    model.compile(optimizer=Adam(learning_rate=0.02), loss=SummedOverGroups("mse", S), device=device)
    cuda_graph.enabled = graphs
    try:
        history = model.fit(x, y, batch_size=16, epochs=12, verbose=0, shuffle=False,
                            callbacks=[StochasticWeightAveraging(0.5)])  # fmt: skip
    finally:
        cuda_graph.enabled = True
    return history.history["loss"], model.get_weights()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here: the GPU path is tested on GPU machines")
def test_grouped_networks_with_weight_averaging_train_on_a_gpu_as_on_the_cpu() -> None:
    cpu, w_cpu = _grouped_fit("cpu")
    graphed, w_graphed = _grouped_fit("cuda")
    plain, w_plain = _grouped_fit("cuda", graphs=False)
    assert cpu[-1] < 0.5 * cpu[0]  # it learns
    np.testing.assert_allclose(graphed, plain, rtol=1e-4)
    np.testing.assert_allclose(graphed, cpu, rtol=2e-3)
    for a, b, c in zip(w_graphed, w_plain, w_cpu):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(a, c, rtol=1e-2, atol=1e-4)
