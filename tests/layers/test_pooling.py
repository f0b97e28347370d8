"""Pooling over time: masked steps never count, attention weights are a distribution over real steps."""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers import (
    LSTM,
    AttentionPooling,
    Bidirectional,
    Dense,
    Embedding,
    GlobalAveragePooling1D,
    GlobalMaxPooling1D,
)
from rnnkit.models import Sequential, load_model

torch.manual_seed(0)
H = torch.randn(3, 5, 4)  # (B, T, D)
MASK = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 0, 0, 0, 0]], dtype=torch.bool)


def test_average_is_the_mean_of_real_steps() -> None:
    out = GlobalAveragePooling1D()(H, MASK)
    for b, n in enumerate([5, 2, 1]):
        torch.testing.assert_close(out[b], H[b, :n].mean(0))


def test_max_is_the_max_of_real_steps_even_when_padding_is_larger() -> None:
    h = H.clone()
    h[~MASK] = 1e6  # padding holds huge values: they must not win
    out = GlobalMaxPooling1D()(h, MASK)
    for b, n in enumerate([5, 2, 1]):
        torch.testing.assert_close(out[b], H[b, :n].amax(0))


def test_attention_weights_sum_to_one_over_real_steps_and_ignore_padding() -> None:
    pool = AttentionPooling(units=6)
    alpha = pool.attention_weights(H, MASK)
    torch.testing.assert_close(alpha.sum(1), torch.ones(3))
    assert bool((alpha[~MASK] == 0).all())
    changed = H.clone()
    changed[~MASK] = torch.randn(int((~MASK).sum()), 4) * 100
    torch.testing.assert_close(pool(changed, MASK), pool(H, MASK))
    # equals the weighted sum written out
    manual = torch.stack([(alpha[b, :, None] * H[b]).sum(0) for b in range(3)])
    torch.testing.assert_close(pool(H, MASK), manual)


@pytest.mark.parametrize("layer", [GlobalAveragePooling1D, GlobalMaxPooling1D, AttentionPooling])
def test_no_gradient_reaches_padding(layer: type) -> None:
    h = H.clone().requires_grad_(True)
    layer()(h, MASK).sum().backward()
    assert bool((h.grad[~MASK] == 0).all()) and bool((h.grad[MASK] != 0).any())


def test_pooling_needs_a_sequence_and_has_no_step() -> None:
    with pytest.raises(ShapeError, match="return_sequences=True"):
        GlobalMaxPooling1D()(torch.zeros(2, 4))
    with pytest.raises(ConfigError, match="no per-step form"):
        GlobalMaxPooling1D().step(torch.zeros(2, 4), None)


def test_attention_classifier_saves_and_loads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = Sequential([Embedding(20, 8, mask_zero=True), Bidirectional(LSTM(6, return_sequences=True)),
                        AttentionPooling(), Dense(3)])  # fmt: skip
    ids = torch.tensor([[3, 4, 5, 0], [7, 0, 0, 0]])
    model.build((None, None))
    before = model(ids)
    assert model.count_params() == 20 * 8 + 2 * 4 * 6 * (8 + 6 + 1) + (12 * 12 + 12 + 12) + 12 * 3 + 3
    model.save(tmp_path / "m")
    torch.testing.assert_close(load_model(tmp_path / "m")(ids), before)
