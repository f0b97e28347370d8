"""The layers Keras programs put around their recurrent layers, held to Keras's documented math."""

import numpy as np
import pytest
import torch

from rnnkit.layers import (
    LSTM,
    AdditiveAttention,
    Attention,
    AveragePooling1D,
    BatchNormalization,
    Conv1D,
    Dense,
    Embedding,
    Flatten,
    Input,
    LayerNormalization,
    LeakyReLU,
    MaxPooling1D,
    ReLU,
)
from rnnkit.layers.serialization import deserialize, serialize
from rnnkit.metrics import BinaryAccuracy, MeanAbsoluteError, RootMeanSquaredError
from rnnkit.models import Model, Sequential, load_model


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("strides,dilation", [(1, 1), (2, 1), (1, 2)])
def test_conv1d_matches_a_padded_torch_convolution(padding: str, strides: int, dilation: int) -> None:
    torch.manual_seed(0)
    layer = Conv1D(3, 4, strides=strides, padding=padding, dilation_rate=dilation)
    x = torch.randn(2, 9, 2)
    y = layer(x)
    span = dilation * 3
    if padding == "valid":
        left = right = 0
    elif padding == "causal":
        left, right = span, 0
    else:  # TensorFlow's 'same': out = ceil(T / s), the extra step of padding on the right
        total = max((-(-9 // strides) - 1) * strides + span + 1 - 9, 0)
        left, right = total // 2, total - total // 2
    padded = torch.nn.functional.pad(x.transpose(1, 2), (left, right))
    expected = torch.nn.functional.conv1d(padded, layer.weight, layer.bias, stride=strides, dilation=dilation)
    torch.testing.assert_close(y, expected.transpose(1, 2))
    if padding == "same":
        assert y.shape[1] == -(-9 // strides)


def test_causal_conv1d_never_reads_the_future_and_weights_are_in_keras_layout() -> None:
    layer = Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = torch.randn(1, 8, 1)
    later = x.clone()
    later[:, 5:] += 10.0
    torch.testing.assert_close(layer(x)[:, :5], layer(later)[:, :5])
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 1, 2) and bias.shape == (2,)  # Keras: (kernel_size, features, filters)
    old = deserialize({"class_name": "Conv1D", "config": {"filters": 2, "kernel_size": 3, "name": "c"}})
    assert old.padding == "same"  # saved before padding was an option


def test_pooling_over_windows() -> None:
    x = torch.arange(7.0).reshape(1, 7, 1)
    assert MaxPooling1D(3)(x)[0, :, 0].tolist() == [2.0, 5.0]
    assert MaxPooling1D(2, strides=1)(x).shape == (1, 6, 1)
    # "same": 2 steps of padding, 1 before and 1 after (TensorFlow's split); the edge windows average 2 steps
    assert AveragePooling1D(3, padding="same")(x)[0, :, 0].tolist() == [0.5, 3.0, 5.5]


def test_layer_and_batch_normalization() -> None:
    x = torch.randn(4, 5, 3) * 3 + 1
    torch.testing.assert_close(LayerNormalization()(x), torch.nn.functional.layer_norm(x, (3,), eps=1e-3))
    bn = BatchNormalization(momentum=0.5)
    bn.train()
    y = bn(x)
    flat = x.reshape(-1, 3)
    mean, var = flat.mean(0), flat.var(0, unbiased=False)
    torch.testing.assert_close(y, (x - mean) / torch.sqrt(var + 1e-3))
    torch.testing.assert_close(bn.moving_mean, 0.5 * mean)
    torch.testing.assert_close(bn.moving_variance, 0.5 + 0.5 * var)
    bn.eval()
    torch.testing.assert_close(bn(x), (x - bn.moving_mean) / torch.sqrt(bn.moving_variance + 1e-3))
    mask = torch.ones(4, 5, dtype=torch.bool)
    mask[:, 3:] = False
    bn2 = BatchNormalization(momentum=0.0).train()
    bn2(x, mask=mask)
    torch.testing.assert_close(bn2.moving_mean, x[:, :3].reshape(-1, 3).mean(0))  # padding left out
    assert len(bn.get_weights()) == 4


def test_flatten_and_leaky_relu() -> None:
    assert Flatten()(torch.zeros(2, 3, 4)).shape == (2, 12)
    assert LeakyReLU()(torch.tensor([-1.0, 2.0])).tolist() == pytest.approx([-0.3, 2.0])


def test_attention_is_softmax_of_scores_over_the_unmasked_values() -> None:
    torch.manual_seed(0)
    q, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    v_mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    q_mask = torch.tensor([[True] * 3, [True, True, False]])
    out = Attention()([q, v], mask=[q_mask, v_mask])
    scores = (q @ v.transpose(1, 2)).masked_fill(~v_mask[:, None, :], -torch.inf)
    expected = torch.softmax(scores, -1) @ v * q_mask[..., None]
    torch.testing.assert_close(out, expected)
    causal, alpha = Attention()([q, q], use_causal_mask=True, return_attention_scores=True)
    assert bool((alpha.triu(1) < 1e-6).all())
    additive = AdditiveAttention(use_scale=False)([q, v])
    expected = torch.softmax(torch.tanh(q[:, :, None] + v[:, None]).sum(-1), -1) @ v
    torch.testing.assert_close(additive, expected)


def test_attention_in_a_functional_model_ignores_padding() -> None:
    torch.manual_seed(1)
    ids = Input(shape=(None,), dtype="int32")
    seq = LSTM(4, return_sequences=True)(Embedding(9, 3, mask_zero=True)(ids))
    model = Model(ids, Dense(1)(LSTM(2)(Attention()([seq, seq]))))  # the mask reaches Attention and the LSTM
    short, padded = np.array([[3, 4, 5]]), np.array([[3, 4, 5, 0, 0]])
    np.testing.assert_allclose(model.predict(short, verbose=0), model.predict(padded, verbose=0), atol=1e-6)


def test_metric_objects_in_compile() -> None:
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[MeanAbsoluteError(), BinaryAccuracy(threshold=0.9)])
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    logs = model.fit(x, y, epochs=1, verbose=0).history
    p = float(model.predict(x[:1], verbose=0)[0, 0])
    assert set(logs) == {"loss", "mean_absolute_error", "binary_accuracy"}
    assert model.evaluate(x, y, verbose=0)[2] == (1.0 if p > 0.9 else 0.0)


def test_root_mean_squared_error_is_the_root_of_the_epochs_mean_not_a_mean_of_batch_roots(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = Sequential([Dense(1, input_shape=(1,), kernel_initializer="zeros")])
    model.compile(optimizer="sgd", loss="mse", metrics=[RootMeanSquaredError(), "rmse"])
    x = np.ones((5, 1), np.float32)
    y = np.array([[0.0], [0.0], [0.0], [0.0], [10.0]], np.float32)  # predictions are all 0
    loss, rmse, by_name = model.evaluate(x, y, batch_size=2, verbose=0)
    assert rmse == pytest.approx(np.sqrt(np.mean(y**2)), rel=1e-6) == by_name  # sqrt(20) = 4.47
    assert rmse != pytest.approx(np.mean([0.0, 0.0, 10.0]))  # what averaging the 3 batches' roots gives
    model.save(tmp_path / "m")
    assert load_model(tmp_path / "m").evaluate(x, y, batch_size=2, verbose=0)[1] == pytest.approx(rmse)


def test_relu_layer_follows_keras_formula() -> None:
    x = torch.tensor([-2.0, 0.5, 1.0, 3.0, 10.0])
    assert ReLU()(x).tolist() == [0.0, 0.5, 1.0, 3.0, 10.0]
    # threshold 1, slope 0.1 below it, capped at 6 (Keras: x if x >= t else slope * (x - t))
    assert ReLU(max_value=6.0, negative_slope=0.1, threshold=1.0)(x).tolist() == pytest.approx([-0.3, -0.05, 1.0, 3.0, 6.0])
    assert deserialize(serialize(ReLU(max_value=6.0))).max_value == 6.0
