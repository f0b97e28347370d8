"""Translation scores: corpus BLEU and chrF, computed as sacreBLEU computes them (tests hold the two equal).

BLEU (Papineni et al. 2002) on whitespace-separated tokens, one reference per hypothesis::

    p_n  = Σ clipped n-gram matches / Σ hypothesis n-grams            n = 1..4, over the whole corpus
    BP   = exp(1 - r/c) if c < r else 1                               c, r: hypothesis, reference tokens
    BLEU = 100 · BP · exp(mean_n log p_n)

An order with no match gets sacreBLEU's default 'exp' smoothing, ``p_n = 1 / (2^k · total_n)`` for the
k-th such order. chrF (Popović 2015; sacreBLEU's defaults: character n-grams n = 1..6 with whitespace
removed, β = 2) is the F_β of the average character n-gram precision and recall over the corpus (a
sentence whose reference is shorter than n adds no n-grams of that order to either side).

Example:
    >>> round(corpus_bleu(["the cat sat on the mat"], ["the cat sat on the mat"]), 1)
    100.0
    >>> round(chrf(["il fait froid"], ["il fait tres froid"]), 1)
    48.0
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from rnnkit.errors import DataError

__all__ = ["corpus_bleu", "chrf", "exact_match"]


def _check(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    if len(hypotheses) != len(references):
        raise DataError(
            f"need one reference per hypothesis, got {len(hypotheses)} hypotheses, {len(references)} references"
        )
    if not hypotheses:
        raise DataError("nothing to score: no hypotheses")


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str], max_order: int = 4) -> float:
    """BLEU in [0, 100] of tokenized ``hypotheses`` against one tokenized reference each."""
    _check(hypotheses, references)
    matches, totals = [0] * max_order, [0] * max_order
    hyp_len = ref_len = 0
    for hyp, ref in zip(hypotheses, references):
        h, r = hyp.split(), ref.split()
        hyp_len, ref_len = hyp_len + len(h), ref_len + len(r)
        for n in range(1, max_order + 1):
            hc, rc = _ngrams(h, n), _ngrams(r, n)
            matches[n - 1] += sum(min(count, rc[g]) for g, count in hc.items())
            totals[n - 1] += max(len(h) - n + 1, 0)
    log_sum, halvings = 0.0, 1
    for n in range(max_order):
        if totals[n] == 0:
            return 0.0
        if matches[n] == 0:
            halvings *= 2
            log_sum += math.log(1.0 / (halvings * totals[n]))
        else:
            log_sum += math.log(matches[n] / totals[n])
    brevity = 1.0 if hyp_len >= ref_len else (math.exp(1 - ref_len / hyp_len) if hyp_len else 0.0)
    return 100.0 * brevity * math.exp(log_sum / max_order)


def chrf(hypotheses: Sequence[str], references: Sequence[str], order: int = 6, beta: float = 2.0) -> float:
    """chrF in [0, 100]: character n-gram F_β over the corpus (whitespace ignored)."""
    _check(hypotheses, references)
    stats = [[0, 0, 0] for _ in range(order)]  # per n: hypothesis n-grams, reference n-grams, matches
    for hyp, ref in zip(hypotheses, references):
        h, r = "".join(hyp.split()), "".join(ref.split())
        for n in range(1, order + 1):
            hc, rc = _ngrams(h, n), _ngrams(r, n)  # type: ignore[arg-type]
            stats[n - 1][0] += sum(hc.values()) if rc else 0  # a reference too short for n counts nothing
            stats[n - 1][1] += sum(rc.values())
            stats[n - 1][2] += sum(min(count, rc[g]) for g, count in hc.items())
    precision = recall = 0.0
    counted = 0
    for n_hyp, n_ref, n_match in stats:
        if n_hyp > 0 and n_ref > 0:
            precision, recall, counted = precision + n_match / n_hyp, recall + n_match / n_ref, counted + 1
    if counted == 0:
        return 0.0
    precision, recall = precision / counted, recall / counted
    if precision + recall == 0:
        return 0.0
    factor = beta**2
    return 100.0 * (1 + factor) * precision * recall / (factor * precision + recall)


def exact_match(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Percentage of hypotheses equal to their reference (token for token)."""
    _check(hypotheses, references)
    return 100.0 * sum(h.split() == r.split() for h, r in zip(hypotheses, references)) / len(hypotheses)
