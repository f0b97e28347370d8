"""Dense, Embedding, Masking, Dropout, TimeDistributed, RepeatVector."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.errors import DataError, ShapeError
from rnnkit.layers import LSTM, Dense, Dropout, Embedding, Masking, RepeatVector, SimpleRNN, TimeDistributed


def test_dense_is_x_kernel_plus_bias_in_keras_layout() -> None:
    layer = Dense(2, activation="relu")
    x = torch.randn(5, 3)
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2)
    np.testing.assert_allclose(y.detach().numpy(), np.maximum(x.numpy() @ kernel + bias, 0), atol=1e-6)
    assert sum(p.numel() for p in layer.parameters()) == 8


def test_embedding_mask_zero_makes_padding_invisible() -> None:
    emb, rnn = Embedding(10, 4, mask_zero=True), LSTM(3)
    ids = torch.tensor([[4, 2, 7, 0, 0], [4, 2, 7, 9, 1]])
    mask = emb.compute_mask(ids, None)
    y = rnn(emb(ids), mask=mask)
    torch.testing.assert_close(y[0], rnn(emb(ids[:1, :3]))[0], rtol=0, atol=1e-6)
    with pytest.raises(DataError, match=r"ids in \[0, 10\)"):
        emb(torch.tensor([[10]]))


def test_masking_marks_all_equal_steps() -> None:
    x = torch.tensor([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
    assert Masking(0.0).compute_mask(x, None).tolist() == [[True, False, True]]
    rnn = SimpleRNN(2)
    padded = torch.cat([x[:, [0, 2]], torch.zeros(1, 3, 2)], dim=1)
    m = Masking()
    torch.testing.assert_close(rnn(m(padded), mask=m.compute_mask(padded, None)), rnn(x[:, [0, 2]]))


def test_dropout_scales_in_training_and_a_new_layer_starts_in_inference_mode() -> None:
    layer = Dropout(0.5)
    x = torch.ones(1000)
    assert torch.equal(layer(x), x)  # Keras's default outside fit: a new layer runs in inference mode
    layer.train()
    y = layer(x)
    assert set(y.unique().tolist()) <= {0.0, 2.0} and 300 < int((y == 0).sum()) < 700
    layer.eval()
    assert torch.equal(layer(x), x)


def test_time_distributed_applies_per_step() -> None:
    inner = Dense(2)
    layer = TimeDistributed(inner)
    x = torch.randn(3, 4, 5)
    y = layer(x)
    assert y.shape == (3, 4, 2)
    torch.testing.assert_close(y[:, 1], inner(x[:, 1]))


def test_repeat_vector() -> None:
    y = RepeatVector(3)(torch.tensor([[1.0, 2.0]]))
    assert y.tolist() == [[[1.0, 2.0]] * 3]
    with pytest.raises(ShapeError):
        RepeatVector(3)(torch.zeros(1, 2, 2))


def test_reshape_keeps_the_batch_axis() -> None:
    from rnnkit.errors import ShapeError
    from rnnkit.layers import Reshape
    from rnnkit.layers.serialization import deserialize, serialize

    x = torch.arange(24.0).reshape(2, 12)
    y = Reshape((4, 3))(x)
    assert y.shape == (2, 4, 3) and y[1, 0, 0] == 12.0
    assert deserialize(serialize(Reshape((4, 3)))).target_shape == (4, 3)
    with pytest.raises(ShapeError, match="needs 10 values per sample"):
        Reshape((5, 2))(x)
