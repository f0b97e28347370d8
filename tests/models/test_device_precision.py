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
