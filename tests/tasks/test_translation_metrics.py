"""BLEU and chrF equal sacreBLEU's on random corpora (skipped, with the reason, when sacrebleu is absent)."""

from __future__ import annotations

import random

import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.translation_metrics import chrf, corpus_bleu, exact_match

sacrebleu = pytest.importorskip("sacrebleu", reason="sacrebleu (a dev dependency) is the reference these tests use")


def _corpus(seed: int, n: int = 30) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    words = "le chat la maison est grand petit il elle a de un une froid . ! ?".split()
    refs = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(n)]
    hyps = []
    for ref in refs:  # a noisy copy: words dropped, replaced, added
        tokens = [w if rng.random() > 0.3 else rng.choice(words) for w in ref.split() if rng.random() > 0.15]
        hyps.append(" ".join(tokens + [rng.choice(words)] * rng.randint(0, 2)))
    return hyps, refs


@pytest.mark.parametrize("seed", range(8))
def test_bleu_and_chrf_equal_sacrebleu(seed: int) -> None:
    hyps, refs = _corpus(seed)
    expected_bleu = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none").score
    expected_chrf = sacrebleu.corpus_chrf(hyps, [refs]).score
    assert corpus_bleu(hyps, refs) == pytest.approx(expected_bleu, abs=1e-9)
    assert chrf(hyps, refs) == pytest.approx(expected_chrf, abs=1e-9)


def test_edge_cases_equal_sacrebleu() -> None:
    for hyps, refs in [
        (["a b c d e"], ["a b c d e"]),
        (["x y"], ["a b c d"]),  # nothing matches
        (["a b c"], ["a b c d e f g"]),  # short: brevity penalty
        (["a"], ["a b"]),  # no 2-grams at all
    ]:
        assert corpus_bleu(hyps, refs) == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs], tokenize="none").score)
        assert chrf(hyps, refs) == pytest.approx(sacrebleu.corpus_chrf(hyps, [refs]).score)


@pytest.mark.parametrize("seed", range(4))
def test_several_references_equal_sacrebleu(seed: int) -> None:
    hyps, refs = _corpus(seed)
    others, more = _corpus(seed + 100)[0], _corpus(seed + 200)[0]
    several = [[a, b, c] for a, b, c in zip(refs, others, more)]
    streams = [refs, others, more]  # sacreBLEU takes one stream per reference position
    assert corpus_bleu(hyps, several) == pytest.approx(sacrebleu.corpus_bleu(hyps, streams, tokenize="none").score)
    assert chrf(hyps, several) == pytest.approx(sacrebleu.corpus_chrf(hyps, streams).score)


def test_exact_match_and_bad_input() -> None:
    assert exact_match(["a b", "c"], ["a  b", "d"]) == 50.0
    assert exact_match(["a b", "c"], [["x", "a b"], ["d"]]) == 50.0
    with pytest.raises(DataError, match="references for each hypothesis"):
        corpus_bleu(["a"], [])
    with pytest.raises(DataError, match="nothing to score"):
        chrf([], [])
