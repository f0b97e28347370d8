"""Losses and metrics against their textbook formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError, ShapeError, UnknownNameError
from rnnkit.train.losses import SparseCategoricalCrossentropy, SummedOverGroups, get_loss, serialize_loss
from rnnkit.train.metrics import get_metric


def test_regression_losses() -> None:
    y, p = torch.tensor([[1.0], [2.0], [4.0]]), torch.tensor([[1.5], [2.0], [1.0]])
    assert float(get_loss("mse")(y, p)) == pytest.approx((0.25 + 9) / 3)
    assert float(get_loss("mae")(y, p)) == pytest.approx(3.5 / 3)
    assert float(get_loss("huber")(y, p)) == pytest.approx((0.5 * 0.25 + 2.5) / 3)
    assert float(get_loss("mse")(y[:, 0], p)) == pytest.approx((0.25 + 9) / 3)  # (B,) targets for (B, 1)


def test_crossentropies() -> None:
    probs = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    labels = torch.tensor([0, 2])
    expected = -(np.log(0.7) + np.log(0.8)) / 2
    assert float(get_loss("sparse_categorical_crossentropy")(labels, probs)) == pytest.approx(expected, rel=1e-5)
    onehot = torch.nn.functional.one_hot(labels, 3).float()
    assert float(get_loss("categorical_crossentropy")(onehot, probs)) == pytest.approx(expected, rel=1e-5)
    p, y = torch.tensor([0.9, 0.2]), torch.tensor([1.0, 0.0])
    assert float(get_loss("binary_crossentropy")(y, p)) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-5)
    acc = get_metric("accuracy", "sparse_categorical_crossentropy")(labels, probs)
    assert acc.tolist() == [1.0, 1.0]
    assert get_metric("accuracy", "binary_crossentropy")(y, p).tolist() == [1.0, 1.0]


def test_sparse_crossentropy_ignores_padding_targets() -> None:
    """ignore_class: padded steps (id 0) count for nothing; the mean is over the real targets only."""
    logits = torch.randn(2, 3, 5)
    labels = torch.tensor([[4, 2, 0], [1, 0, 0]])
    loss = SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)(labels, logits)
    log_p = torch.log_softmax(logits, -1)
    expected = -(log_p[0, 0, 4] + log_p[0, 1, 2] + log_p[1, 0, 1]) / 3
    assert float(loss) == pytest.approx(float(expected), rel=1e-5)
    with pytest.raises(ShapeError, match=r"ids in \[1, 7\]"):
        SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)(torch.tensor([[7, 1, 0]]), logits[:1])


def test_label_smoothing_equals_its_formula_and_round_trips() -> None:
    """ε-smoothing: (1 - ε)·(-log p_y) + ε·mean_c(-log p_c) per counted target (padding still ignored);
    the dense loss with smoothing equals the sparse one on one-hot targets."""
    eps = 0.2
    logits = torch.randn(2, 3, 5, generator=torch.Generator().manual_seed(1))
    labels = torch.tensor([[4, 2, 0], [1, 0, 0]])
    log_p = torch.log_softmax(logits, -1)
    counted = [(0, 0, 4), (0, 1, 2), (1, 0, 1)]
    expected = sum((1 - eps) * -log_p[b, t, y] + eps * -log_p[b, t].mean() for b, t, y in counted) / 3
    loss = SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, label_smoothing=eps)
    assert float(loss(labels, logits)) == pytest.approx(float(expected), rel=1e-5)
    assert float(loss(labels, logits)) != pytest.approx(
        float(SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)(labels, logits)), rel=1e-3
    )
    flat, ids = logits[0], torch.tensor([4, 2, 1])
    onehot = torch.nn.functional.one_hot(ids, 5).float()
    dense = get_loss({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True, "label_smoothing": eps}})
    sparse = get_loss({"class_name": "SparseCategoricalCrossentropy", **{"config": loss.get_config()}})
    assert float(dense(onehot, flat)) == pytest.approx(
        float(SparseCategoricalCrossentropy(from_logits=True, label_smoothing=eps)(ids, flat)), rel=1e-5
    )
    assert float(sparse(labels, logits)) == pytest.approx(float(expected), rel=1e-5)
    for bad in (1.0, -0.1, True, "0.1"):
        with pytest.raises(ConfigError, match="label_smoothing"):
            SparseCategoricalCrossentropy(label_smoothing=bad)  # type: ignore[arg-type]


def test_bad_loss_inputs() -> None:
    with pytest.raises(ShapeError, match="do not match"):
        get_loss("mse")(torch.zeros(3, 2), torch.zeros(3, 1))
    with pytest.raises(ShapeError, match=r"class ids must be in \[0, 3\)"):
        get_loss("sparse_categorical_crossentropy")(torch.tensor([5]), torch.full((1, 3), 1 / 3))
    with pytest.raises(UnknownNameError, match="known|expected one of"):
        get_loss("mse2")


def test_gaussian_nll_equals_torch_and_is_minimised_by_the_true_parameters() -> None:
    from rnnkit.train.losses import gaussian_parameters

    y = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    out = torch.randn(4, 3, 2, generator=torch.Generator().manual_seed(1))
    mu, sigma = gaussian_parameters(out)
    reference = torch.nn.GaussianNLLLoss(eps=0.0)(mu, y, sigma**2)  # ½(log σ² + (y − μ)²/σ²)
    assert float(get_loss("gaussian_nll")(y, out)) == pytest.approx(float(reference), rel=1e-6)
    # over samples of N(3, 2²), the loss is lowest at μ = 3, σ = 2 on a grid of candidates
    samples = 3 + 2 * torch.randn(20000, generator=torch.Generator().manual_seed(2))
    grid = [(m, s) for m in (2.5, 3.0, 3.5) for s in (1.5, 2.0, 2.5)]
    raw = {s: float(np.log(np.expm1(s - 1e-4))) for _, s in grid}  # softplus⁻¹
    costs = {
        (m, s): float(get_loss("gaussian_nll")(samples, torch.tensor([m, raw[s]]).expand(20000, 2))) for m, s in grid
    }
    assert min(costs, key=costs.get) == (3.0, 2.0)
    with pytest.raises(ShapeError, match="need predictions \\(..., 2\\)"):
        get_loss("gaussian_nll")(y, out[..., :1])


def test_quantile_loss_by_hand_and_its_minimiser_is_the_quantile() -> None:
    from rnnkit.train.losses import Quantile

    loss = Quantile([0.1, 0.9])
    y, p = torch.tensor([1.0]), torch.tensor([[2.0, 0.0]])  # e = -1 for q=0.1 (cost 0.9), e = 1 for q=0.9 (0.9)
    assert float(loss(y, p)) == pytest.approx(0.9)
    samples = torch.randn(5001, generator=torch.Generator().manual_seed(0))
    candidates = torch.linspace(-2, 2, 401)
    costs = [float(Quantile([0.9])(samples, c.expand(5001, 1))) for c in candidates]
    best = float(candidates[int(np.argmin(costs))])
    assert best == pytest.approx(float(samples.quantile(0.9)), abs=0.011)
    assert get_loss({"class_name": "Quantile", "config": {"quantiles": [0.2, 0.8]}}).quantiles == [0.2, 0.8]


@pytest.mark.parametrize("base", ["mse", "mae", "quantile", "gaussian_nll"])
def test_summed_over_groups_is_the_sum_of_each_groups_loss_and_round_trips(base: str) -> None:
    torch.manual_seed(0)
    width = {"quantile": 3, "gaussian_nll": 2}.get(base)
    y = torch.randn(5, 4, 6)
    p = torch.randn(5, 4, 6, width) if width else torch.randn(5, 4, 6)
    loss = SummedOverGroups(base, groups=4)
    one = get_loss(base)
    expected = sum(one(y[:, s], p[:, s]) for s in range(4))  # each group's own mean, added up
    torch.testing.assert_close(loss(y, p), expected)
    again = get_loss(serialize_loss(loss))
    assert isinstance(again, SummedOverGroups) and again.groups == 4
    torch.testing.assert_close(again(y, p), expected)


def test_summed_over_groups_refuses_what_it_cannot_sum() -> None:
    with pytest.raises(ConfigError, match="regression loss"):
        SummedOverGroups("sparse_categorical_crossentropy", 2)
    with pytest.raises(ConfigError, match="groups must be a positive integer"):
        SummedOverGroups("mse", 0)
    with pytest.raises(ShapeError, match="\\(batch, 3 groups, ...\\)"):
        SummedOverGroups("mse", 3)(torch.zeros(4, 2, 1), torch.zeros(4, 2, 1))
