"""Keras's initializers by name draw the spread Keras documents for them (``VarianceScaling``: variance
``scale / n``, the normal ones truncated at two standard deviations and rescaled)."""

import numpy as np
import pytest
import torch

from rnnkit.nn.init import get_initializer


@pytest.mark.parametrize(
    "name, std",
    [("glorot_normal", np.sqrt(2 / (400 + 100))), ("he_normal", np.sqrt(2 / 400)), ("lecun_normal", np.sqrt(1 / 400)),
     ("lecun_uniform", np.sqrt(1 / 400)), ("random_normal", 0.05), ("truncated_normal", 0.05 * 0.8796)],
)  # fmt: skip
def test_keras_normal_initializers_draw_the_spread_keras_documents(name: str, std: float) -> None:
    w = get_initializer(name)(torch.empty(100, 400))  # a Keras kernel (400 in, 100 out), stored (out, in)
    assert float(w.std()) == pytest.approx(std, rel=0.05)
    if "truncated" in name or name.endswith("_normal") and name != "random_normal":
        assert float(w.abs().max()) <= 2 * std / 0.8796 + 1e-6  # truncated at two of the untruncated stddevs
