"""Transcription scores: character and word error rates from the Levenshtein edit distance.

``CER = Σ edits(hypothesis, reference) / Σ len(reference)`` over characters, ``WER`` the same over
whitespace-separated words (so both can exceed 100 % when the hypotheses are long and wrong).

Example:
    >>> edit_distance("kitten", "sitting")
    3
    >>> round(cer(["4071"], ["4271"]), 3), wer(["the cat"], ["the cat sat"])
    (0.25, 0.3333333333333333)
"""

from __future__ import annotations

from collections.abc import Sequence

from rnnkit.errors import DataError

__all__ = ["edit_distance", "cer", "wer"]


def edit_distance(a: Sequence[object], b: Sequence[object]) -> int:
    """Fewest insertions, deletions and substitutions turning ``a`` into ``b``."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _rate(hypotheses: Sequence[Sequence[object]], references: Sequence[Sequence[object]]) -> float:
    if len(hypotheses) != len(references) or not references:
        raise DataError(f"need one reference per hypothesis, got {len(hypotheses)} and {len(references)}")
    total = sum(len(r) for r in references)
    if total == 0:
        raise DataError("the references are all empty: an error rate needs something to compare against")
    return sum(edit_distance(h, r) for h, r in zip(hypotheses, references)) / total


def cer(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Character error rate (a fraction; 0.05 is 5 %)."""
    return _rate(list(hypotheses), list(references))


def wer(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Word error rate (a fraction)."""
    return _rate([h.split() for h in hypotheses], [r.split() for r in references])
