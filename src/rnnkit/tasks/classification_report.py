"""Accuracy, macro-F1, the confusion matrix and a per-class report, from true and predicted labels.

For class c: precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R) (0 when undefined);
macro-F1 is the unweighted mean of the per-class F1, so a rare class counts as much as a common one.
``confusion[i][j]`` counts samples of true class i predicted as class j.

Example:
    >>> r = ClassificationReport.from_labels(["pos", "pos", "neg", "neg"], ["pos", "neg", "neg", "neg"], ["neg", "pos"])
    >>> r.accuracy, round(r.macro_f1, 4), r.confusion
    (0.75, 0.7333, [[2, 0], [1, 1]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ClassificationReport"]


@dataclass(frozen=True)
class ClassificationReport:
    """Scores of one set of predictions against the true labels."""

    classes: list[str]
    confusion: list[list[int]]

    @classmethod
    def from_labels(
        cls, y_true: Sequence[object], y_pred: Sequence[object], classes: Sequence[object]
    ) -> ClassificationReport:
        names = [str(c) for c in classes]
        index = {c: i for i, c in enumerate(names)}
        confusion = [[0] * len(names) for _ in names]
        for t, p in zip(y_true, y_pred, strict=True):
            confusion[index[str(t)]][index[str(p)]] += 1
        return cls(names, confusion)

    @property
    def support(self) -> list[int]:
        return [sum(row) for row in self.confusion]

    @property
    def total(self) -> int:
        return sum(self.support)

    @property
    def accuracy(self) -> float:
        return sum(self.confusion[i][i] for i in range(len(self.classes))) / max(self.total, 1)

    def precision(self, i: int) -> float:
        predicted = sum(row[i] for row in self.confusion)
        return self.confusion[i][i] / predicted if predicted else 0.0

    def recall(self, i: int) -> float:
        return self.confusion[i][i] / self.support[i] if self.support[i] else 0.0

    def f1(self, i: int) -> float:
        p, r = self.precision(i), self.recall(i)
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def macro_f1(self) -> float:
        return sum(self.f1(i) for i in range(len(self.classes))) / len(self.classes)

    def to_dict(self) -> dict[str, object]:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "classes": self.classes,
            "confusion": self.confusion,
            "per_class": {
                c: {"precision": self.precision(i), "recall": self.recall(i), "f1": self.f1(i), "support": s}
                for i, (c, s) in enumerate(zip(self.classes, self.support))
            },
        }

    def format(self) -> str:
        """The per-class table and the confusion matrix as text."""
        width = max(8, *(len(c) for c in self.classes))
        lines = [f"{'class':<{width}}  precision  recall     f1  support"]
        for i, c in enumerate(self.classes):
            lines.append(
                f"{c:<{width}}  {self.precision(i):9.3f}  {self.recall(i):6.3f}  {self.f1(i):5.3f}  {self.support[i]:7d}"
            )
        lines.append(f"{'accuracy':<{width}}  {self.accuracy:9.4f}  macro-F1 {self.macro_f1:.4f}  n={self.total}")
        lines.append("confusion (rows: true, columns: predicted)")
        cell = max(5, width, *(len(str(n)) for row in self.confusion for n in row))
        lines.append(" " * (cell + 2) + "".join(f"{c:>{cell + 2}}" for c in self.classes))
        for c, row in zip(self.classes, self.confusion):
            lines.append(f"{c:>{cell + 2}}" + "".join(f"{n:>{cell + 2}}" for n in row))
        return "\n".join(lines)
