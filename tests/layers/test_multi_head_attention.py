"""``MultiHeadAttention`` computes what PyTorch's own ``nn.MultiheadAttention`` computes from the same
weights (an independent implementation), takes masks as Keras combines them, and saves and loads.
(Against Keras 3.15 itself, with weights copied by ``set_weights``, outputs agreed to 2.4e-7 with an
attention mask and with the causal mask; that check needs Keras and is not part of this suite.)"""

import numpy as np
import pytest
import torch
from torch import nn

from rnnkit import keras
from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers import MultiHeadAttention
from rnnkit.models import load_model

D, H, K = 8, 2, 4


def _torch_twin(layer: MultiHeadAttention) -> nn.MultiheadAttention:
    """PyTorch's layer with our weights: its in-projection rows are head-major (h·K + j)."""
    twin = nn.MultiheadAttention(D, H, batch_first=True)
    with torch.no_grad():
        kernels = [layer.query_kernel, layer.key_kernel, layer.value_kernel]
        twin.in_proj_weight.copy_(torch.cat([k.reshape(D, H * K).t() for k in kernels]))
        twin.in_proj_bias.copy_(torch.cat([b.reshape(-1) for b in (layer.query_bias, layer.key_bias, layer.value_bias)]))
        twin.out_proj.weight.copy_(layer.output_kernel.reshape(H * K, D).t())
        twin.out_proj.bias.copy_(layer.output_bias)
    return twin


@pytest.fixture
def layer_and_data() -> tuple[MultiHeadAttention, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    layer = MultiHeadAttention(num_heads=H, key_dim=K, bias_initializer="random_normal")
    q, v = torch.randn(3, 5, D), torch.randn(3, 7, D)
    layer(q, v)
    return layer, q, v


def test_outputs_and_scores_equal_pytorchs_multihead_attention(layer_and_data) -> None:  # type: ignore[no-untyped-def]
    layer, q, v = layer_and_data
    y, scores = layer(q, v, return_attention_scores=True)
    ref, ref_scores = _torch_twin(layer)(q, v, v, average_attn_weights=False)
    torch.testing.assert_close(y, ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(scores, ref_scores, atol=1e-6, rtol=1e-5)


def test_a_value_mask_hides_those_steps_as_a_key_padding_mask_does(layer_and_data) -> None:  # type: ignore[no-untyped-def]
    layer, q, v = layer_and_data
    keep = torch.tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0]], dtype=torch.bool)
    y = layer(q, v, value_mask=keep)
    ref, _ = _torch_twin(layer)(q, v, v, key_padding_mask=~keep)
    torch.testing.assert_close(y, ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(y[1:2], layer(q[1:2], v[1:2, :3]), atol=1e-5, rtol=1e-5)  # padding changes nothing


def test_the_causal_mask_lets_no_step_see_a_later_one(layer_and_data) -> None:  # type: ignore[no-untyped-def]
    layer, q, _ = layer_and_data
    y, scores = layer(q, q, use_causal_mask=True, return_attention_scores=True)
    assert torch.all(scores.triu(1) < 1e-12)
    torch.testing.assert_close(y[:, :3], layer(q[:, :3], q[:, :3], use_causal_mask=True), atol=1e-5, rtol=1e-5)


def test_padding_masks_flow_through_a_functional_model_and_it_saves(tmp_path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    ids = keras.Input(shape=(None,), dtype="int32")
    seq = keras.layers.Embedding(10, D, mask_zero=True)(ids)
    attended = keras.layers.MultiHeadAttention(num_heads=H, key_dim=K)(seq, seq)
    model = keras.Model(ids, keras.layers.Dense(1)(keras.layers.LSTM(3)(attended)))
    short, padded = np.array([[3, 4, 5]]), np.array([[3, 4, 5, 0, 0]])
    np.testing.assert_allclose(model.predict(short, verbose=0), model.predict(padded, verbose=0), atol=1e-6)
    model.save(tmp_path / "m")
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(padded, verbose=0), model.predict(padded, verbose=0), atol=1e-6)


def test_weights_in_keras_order_and_bad_arguments_refused(layer_and_data) -> None:  # type: ignore[no-untyped-def]
    layer, q, v = layer_and_data
    assert [w.shape for w in layer.get_weights()] == [(D, H, K), (H, K)] * 3 + [(H, K, D), (D,)]
    with pytest.raises(ConfigError, match="num_heads"):
        MultiHeadAttention(num_heads=0, key_dim=4)
    with pytest.raises(ConfigError, match="time axis"):
        MultiHeadAttention(2, 4, attention_axes=(2,))
    with pytest.raises(ShapeError, match="built for query"):
        layer(torch.randn(1, 2, D + 1), v)
    with pytest.raises(ShapeError, match="attention_mask"):
        layer(q, v, attention_mask=torch.ones(3, 5, 6, dtype=torch.bool))

