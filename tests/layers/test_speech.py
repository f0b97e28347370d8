"""Speech layers: Conv1D against torch's convolution and under padding, SpecAugment's masks."""

from __future__ import annotations

import torch

from rnnkit.layers import Conv1D, Masking, SpecAugment
from rnnkit.models import Sequential


def test_conv1d_equals_a_same_padded_convolution_and_ignores_padding() -> None:
    torch.manual_seed(0)
    layer = Conv1D(4, 3, padding="same")
    x = torch.randn(1, 6, 2)
    y = layer(x)
    reference = torch.nn.functional.conv1d(x.transpose(1, 2), layer.weight, layer.bias, padding=1).transpose(1, 2)
    torch.testing.assert_close(y, reference)
    model = Sequential([Masking(-1e9, input_shape=(None, 2)), Conv1D(4, 5, padding="same", activation="relu")])
    padded = torch.cat([x, torch.full((1, 3, 2), -1e9)], 1)
    torch.testing.assert_close(model(x)[0], model(padded)[0, :6])  # alone = inside a padded batch


def test_spec_augment_masks_real_steps_in_training_only() -> None:
    torch.manual_seed(0)
    layer = SpecAugment(time_masks=2, time_width=3, freq_masks=2, freq_width=2, bands=4)
    x = torch.randn(8, 12, 12)  # 3 stacked frames of 4 bands
    mask = torch.arange(12) < torch.tensor([[12], [6], [9], [12], [3], [12], [7], [10]])
    out = layer.train()(x, mask=mask)
    zeroed = out == 0
    assert bool(zeroed.any()) and bool((out[~mask] == x[~mask]).all())  # padding untouched
    frames = zeroed.view(8, 12, 3, 4)
    full_band = frames.all(dim=1)  # a band zeroed at every step of a sequence: a frequency mask
    assert bool((full_band == full_band[:, :1]).all())  # the same bands in every stacked frame
    assert bool((layer.eval()(x, mask=mask) == x).all())
