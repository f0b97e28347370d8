"""The baselines a classifier is always shown beside: what you get without a recurrent network.

* ``MajorityClass``: always the most frequent training class.
* ``BagOfWords``: multinomial logistic regression on which word uni- and bigrams occur in a text
  (word order beyond pairs is lost), the classic strong baseline for sentiment.
* ``SequenceSummary``: logistic regression on per-feature summaries of a numeric sequence (mean,
  standard deviation, min, max, first and last value): what order-free statistics already tell.

Both regressions minimise ``mean_i CE(softmax(W φ(x_i) + b), y_i) + λ ||W||²`` with L-BFGS; ``λ`` is
picked from a small grid on a held-out tenth of the training data, then the model is refitted on all.

Example:
    >>> texts = ["good film", "great film", "bad film", "awful plot", "good plot", "bad acting"] * 5
    >>> labels = [1, 1, 0, 0, 1, 0] * 5
    >>> BagOfWords(min_count=1).fit(texts, labels, 2).predict(["a good one", "so bad"]).tolist()
    [1, 0]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.data.words import WordTokenizer
from rnnkit.errors import ConfigError, DataError

__all__ = ["MajorityClass", "BagOfWords", "SequenceSummary", "BASELINES", "fit_softmax_regression"]

L2_GRID = (1e-5, 1e-4, 1e-3)


Scores = Callable[[Tensor, Tensor], Tensor]  # (W, b) -> (n, K) logits of a fixed set of samples
Design = Callable[[np.ndarray], Scores]  # sample rows -> their Scores


def fit_softmax_regression(
    scores: Scores, y: np.ndarray, n_features: int, n_classes: int, l2: float
) -> tuple[Tensor, Tensor]:
    """``W`` ``(n_features, n_classes)`` and ``b`` minimising mean cross-entropy + ``l2·||W||²`` (L-BFGS)."""
    target = torch.as_tensor(y, dtype=torch.long)
    weight = torch.zeros(n_features, n_classes, dtype=torch.float32, requires_grad=True)
    bias = torch.zeros(n_classes, dtype=torch.float32, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], max_iter=100, line_search_fn="strong_wolfe")

    def objective() -> Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(scores(weight, bias), target) + l2 * weight.square().sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    optimizer.step(objective)  # type: ignore[no-untyped-call]
    return weight.detach(), bias.detach()


def _fit_with_l2_search(
    design: Design, n_features: int, y: np.ndarray, n_classes: int, seed: int
) -> tuple[Tensor, Tensor, float]:
    """Pick ``λ`` from ``L2_GRID`` by accuracy on a held-out tenth, then refit on everything."""
    order = np.random.default_rng(seed).permutation(len(y))
    cut = max(1, len(y) // 10)
    held, kept = order[:cut], order[cut:]
    best, best_l2 = -1.0, L2_GRID[0]
    if len(kept) >= n_classes:
        kept_scores, held_scores = design(kept), design(held)
        for l2 in L2_GRID:
            w, b = fit_softmax_regression(kept_scores, y[kept], n_features, n_classes, l2)
            accuracy = float((held_scores(w, b).argmax(1).numpy() == y[held]).mean())
            if accuracy > best:
                best, best_l2 = accuracy, l2
    w, b = fit_softmax_regression(design(np.arange(len(y))), y, n_features, n_classes, best_l2)
    return w, b, best_l2


def _labels(y: Sequence[int] | np.ndarray, n_classes: int) -> np.ndarray:
    labels = np.asarray(y, dtype=np.int64)
    if labels.ndim != 1 or not len(labels) or labels.min() < 0 or labels.max() >= n_classes:
        raise DataError(f"baseline labels must be class ids in [0, {n_classes}), one per sample")
    return labels


class MajorityClass:
    """Predicts the most frequent training class for every input."""

    def fit(self, y: Sequence[int] | np.ndarray, n_classes: int) -> MajorityClass:
        counts = np.bincount(_labels(y, n_classes), minlength=n_classes)
        self.label, self.n_classes = int(counts.argmax()), n_classes
        return self

    def predict(self, samples: Sequence[Any]) -> np.ndarray:
        return np.full(len(samples), self.label, dtype=np.int64)

    def state(self) -> tuple[dict[str, Any], dict[str, Tensor]]:
        return {"label": self.label, "n_classes": self.n_classes}, {}

    @classmethod
    def from_state(cls, settings: dict[str, Any], tensors: dict[str, Tensor]) -> MajorityClass:
        baseline = cls()
        baseline.label, baseline.n_classes = int(settings["label"]), int(settings["n_classes"])
        return baseline


class BagOfWords:
    """Logistic regression on the presence of word n-grams (n ≤ ``ngrams``) seen ``min_count`` times."""

    def __init__(self, ngrams: int = 2, min_count: int = 2, max_features: int = 200_000, lower: bool = True) -> None:
        if ngrams < 1 or min_count < 1 or max_features < 1:
            raise ConfigError("BagOfWords needs ngrams, min_count and max_features ≥ 1")
        self.ngrams, self.min_count, self.max_features = ngrams, min_count, max_features
        self.splitter = WordTokenizer(lower=lower)
        self.features: dict[str, int] = {}

    def _grams(self, text: str) -> set[str]:
        words = self.splitter.split(text)
        return {" ".join(words[i : i + n]) for n in range(1, self.ngrams + 1) for i in range(len(words) - n + 1)}

    def _bags(self, texts: Sequence[str]) -> tuple[Tensor, Tensor]:
        """Flat feature ids and each text's offset into them (``F.embedding_bag``'s input)."""
        ids: list[int] = []
        offsets: list[int] = []
        for text in texts:
            offsets.append(len(ids))
            ids.extend(sorted(self.features[g] for g in self._grams(text) if g in self.features))
        return torch.tensor(ids, dtype=torch.long), torch.tensor(offsets, dtype=torch.long)

    def fit(self, texts: Sequence[str], y: Sequence[int] | np.ndarray, n_classes: int, seed: int = 0) -> BagOfWords:
        labels = _labels(y, n_classes)
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(self._grams(text))
        kept = [g for g, n in counts.most_common(self.max_features) if n >= self.min_count]
        if not kept:
            raise DataError("the bag-of-words baseline found no word seen min_count times in the training texts")
        self.features = {g: i for i, g in enumerate(kept)}

        def design(rows: np.ndarray) -> Scores:
            ids, offsets = self._bags([texts[r] for r in rows])
            return lambda w, b: F.embedding_bag(ids, w, offsets, mode="sum") + b

        self.weight, self.bias, self.l2 = _fit_with_l2_search(design, len(kept), labels, n_classes, seed)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if not self.features:
            raise ConfigError("the bag-of-words baseline is not fitted yet")
        ids, offsets = self._bags(texts)
        scores = F.embedding_bag(ids, self.weight, offsets, mode="sum") + self.bias
        return torch.softmax(scores, dim=1).numpy()

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_proba(texts).argmax(1)

    def state(self) -> tuple[dict[str, Any], dict[str, Tensor]]:
        """JSON settings and tensors that restore this baseline (``from_state``)."""
        settings = {"ngrams": self.ngrams, "min_count": self.min_count, "lower": self.splitter.lower,
                    "features": list(self.features), "l2": self.l2}  # fmt: skip
        return settings, {"weight": self.weight.float(), "bias": self.bias.float()}

    @classmethod
    def from_state(cls, settings: dict[str, Any], tensors: dict[str, Tensor]) -> BagOfWords:
        features = settings["features"]
        weight, bias = tensors["weight"].float(), tensors["bias"].float()
        if weight.shape != (len(features), bias.shape[0]):
            raise DataError(f"baseline weight {tuple(weight.shape)} does not match {len(features)} features")
        baseline = cls(int(settings["ngrams"]), int(settings["min_count"]), lower=bool(settings["lower"]))
        baseline.features = {str(g): i for i, g in enumerate(features)}
        baseline.weight, baseline.bias, baseline.l2 = weight, bias, float(settings["l2"])
        return baseline


class SequenceSummary:
    """Logistic regression on order-free summaries of each feature: mean, std, min, max, first, last."""

    def summarise(self, sequences: Sequence[np.ndarray]) -> Tensor:
        rows = [
            np.concatenate([s.mean(0), s.std(0), s.min(0), s.max(0), s[0], s[-1]]) for s in sequences
        ]  # each (6·F,)
        return torch.as_tensor(np.stack(rows), dtype=torch.float32)

    def fit(
        self, sequences: Sequence[np.ndarray], y: Sequence[int] | np.ndarray, n_classes: int, seed: int = 0
    ) -> SequenceSummary:
        labels = _labels(y, n_classes)
        x = self.summarise(sequences)
        self.mean, self.std = x.mean(0), x.std(0).clamp(min=1e-8)
        x = (x - self.mean) / self.std

        def design(rows: np.ndarray) -> Scores:
            xr = x[torch.as_tensor(rows)]
            return lambda w, b: xr @ w + b

        self.weight, self.bias, self.l2 = _fit_with_l2_search(design, x.shape[1], labels, n_classes, seed)
        return self

    def predict(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        x = (self.summarise(sequences) - self.mean) / self.std
        return (x @ self.weight + self.bias).argmax(1).numpy()

    def state(self) -> tuple[dict[str, Any], dict[str, Tensor]]:
        return {"l2": self.l2}, {"mean": self.mean, "std": self.std, "weight": self.weight, "bias": self.bias}

    @classmethod
    def from_state(cls, settings: dict[str, Any], tensors: dict[str, Tensor]) -> SequenceSummary:
        baseline = cls()
        baseline.mean, baseline.std = tensors["mean"].float(), tensors["std"].float()
        baseline.weight, baseline.bias, baseline.l2 = tensors["weight"].float(), tensors["bias"].float(), settings["l2"]
        if baseline.weight.shape[0] != baseline.mean.shape[0] or baseline.weight.shape[1] != baseline.bias.shape[0]:
            raise DataError("the saved summary baseline's tensors do not fit together")
        return baseline


#: the baselines a saved classifier can hold, by the name it saves them under
BASELINES: dict[str, Any] = {"majority": MajorityClass, "bag_of_words": BagOfWords, "sequence_summary": SequenceSummary}
