"""Translation scores: corpus BLEU and chrF, computed as sacreBLEU computes them (tests hold the two equal).

BLEU (Papineni et al. 2002) on whitespace-separated tokens, one or several references per hypothesis::

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


References = Sequence[str | Sequence[str]]


def _check(hypotheses: Sequence[str], references: References) -> list[list[str]]:
    """Each hypothesis's references as a list (one string, or several)."""
    if len(hypotheses) != len(references):
        raise DataError(
            f"need references for each hypothesis, got {len(hypotheses)} hypotheses, {len(references)} references"
        )
    if not hypotheses:
        raise DataError("nothing to score: no hypotheses")
    refs = [[r] if isinstance(r, str) else list(r) for r in references]
    if any(not r for r in refs):
        raise DataError("every hypothesis needs at least one reference")
    return refs


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses: Sequence[str], references: References, max_order: int = 4) -> float:
    """BLEU in [0, 100] of tokenized ``hypotheses`` against their tokenized reference (a string) or
    references (a list: n-gram counts clipped by the most any reference has; the reference length
    closest to the hypothesis's, the shorter on a tie)."""
    refs_per = _check(hypotheses, references)
    matches, totals = [0] * max_order, [0] * max_order
    hyp_len = ref_len = 0
    for hyp, refs in zip(hypotheses, refs_per):
        h, rs = hyp.split(), [r.split() for r in refs]
        hyp_len += len(h)
        ref_len += min((abs(len(r) - len(h)), len(r)) for r in rs)[1]
        for n in range(1, max_order + 1):
            hc = _ngrams(h, n)
            most: Counter[tuple[str, ...]] = Counter()
            for r in rs:
                most |= _ngrams(r, n)  # per n-gram, the largest count of any reference
            matches[n - 1] += sum(min(count, most[g]) for g, count in hc.items())
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


def _chrf_stats(hyp: str, ref: str, order: int) -> list[list[int]]:
    """Per n: [hypothesis n-grams, reference n-grams, matches] (whitespace removed)."""
    h, r = "".join(hyp.split()), "".join(ref.split())
    stats = []
    for n in range(1, order + 1):
        hc, rc = _ngrams(h, n), _ngrams(r, n)  # type: ignore[arg-type]
        matched = sum(min(count, rc[g]) for g, count in hc.items())
        stats.append([sum(hc.values()) if rc else 0, sum(rc.values()), matched])  # a too-short reference counts nothing
    return stats


def _f_score(stats: list[list[int]], beta: float) -> float:
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


def chrf(hypotheses: Sequence[str], references: References, order: int = 6, beta: float = 2.0) -> float:
    """chrF in [0, 100]: character n-gram F_β over the corpus (whitespace ignored); with several
    references, each sentence counts the statistics of its best-scoring one."""
    refs_per = _check(hypotheses, references)
    total = [[0, 0, 0] for _ in range(order)]
    for hyp, refs in zip(hypotheses, refs_per):
        best = max((_chrf_stats(hyp, r, order) for r in refs), key=lambda st: _f_score(st, beta))
        total = [[a + b for a, b in zip(t, s)] for t, s in zip(total, best)]
    return _f_score(total, beta)


def exact_match(hypotheses: Sequence[str], references: References) -> float:
    """Percentage of hypotheses equal to (one of) their reference(s), token for token."""
    refs_per = _check(hypotheses, references)
    hits = sum(h.split() in [r.split() for r in refs] for h, refs in zip(hypotheses, refs_per))
    return 100.0 * hits / len(hypotheses)
