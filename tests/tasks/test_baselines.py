"""Baselines and the classification report, checked against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.tasks.baselines import BagOfWords, MajorityClass, fit_softmax_regression
from rnnkit.tasks.classification_report import ClassificationReport


def test_report_multiclass_by_hand() -> None:
    truth = ["a", "a", "a", "b", "b", "c"]
    pred = ["a", "b", "a", "b", "c", "c"]
    r = ClassificationReport.from_labels(truth, pred, ["a", "b", "c"])
    assert r.confusion == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert r.accuracy == pytest.approx(4 / 6)
    # a: P 1, R 2/3, F1 0.8; b: P 1/2, R 1/2, F1 0.5; c: P 1/2, R 1, F1 2/3
    assert [r.f1(i) for i in range(3)] == pytest.approx([0.8, 0.5, 2 / 3])
    assert r.macro_f1 == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert "confusion" in r.format() and r.to_dict()["per_class"]["c"]["support"] == 1  # type: ignore[index]


def test_softmax_regression_matches_the_optimum_conditions() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 3, generator=g)
    y = (x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3 * torch.randn(200, generator=g) > 0).long().numpy()
    l2 = 1e-2
    w, b = fit_softmax_regression(lambda w, b: x @ w + b, y, 3, 2, l2)
    # at the optimum the gradient of the objective vanishes
    w, b = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(x @ w + b, torch.as_tensor(y)) + l2 * w.square().sum()
    loss.backward()
    assert float(w.grad.abs().max()) < 1e-4 and float(b.grad.abs().max()) < 1e-4  # type: ignore[union-attr]


def test_bag_of_words_learns_word_evidence_and_majority_counts() -> None:
    rng = np.random.default_rng(0)
    fillers = ["the", "a", "film", "plot", "was", "and"]
    texts, labels = [], []
    for _ in range(200):
        label = int(rng.integers(0, 2))
        evidence = [["awful", "dull"], ["great", "fine"]][label][int(rng.integers(0, 2))]
        texts.append(" ".join(rng.permutation([*rng.choice(fillers, 5), evidence])))
        labels.append(label)
    bow = BagOfWords(min_count=1).fit(texts, labels, 2)
    assert (bow.predict(["a great plot", "the film was dull"]) == [1, 0]).all()
    settings, tensors = bow.state()
    same = BagOfWords.from_state(settings, tensors)
    np.testing.assert_allclose(same.predict_proba(texts[:10]), bow.predict_proba(texts[:10]), atol=1e-6)
    assert MajorityClass().fit([0, 1, 1], 2).predict(["x", "y"]).tolist() == [1, 1]
