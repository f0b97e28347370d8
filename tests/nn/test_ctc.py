"""CTC: the loss against a brute-force sum over frame paths, padding that changes nothing, and prefix beam
search against brute force."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from rnnkit.layers import CTCOutput
from rnnkit.nn.decoding import ctc_beam_search, ctc_greedy
from rnnkit.train.losses import get_loss


def _reads_as(path: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(c for i, c in enumerate(path) if c != 0 and (i == 0 or c != path[i - 1]))


def _brute_force(log_probs: torch.Tensor) -> dict[tuple[int, ...], float]:
    """Probability of every label sequence: the sum over all frame paths that read as it."""
    T, C = log_probs.shape
    totals: dict[tuple[int, ...], float] = {}
    for path in itertools.product(range(C), repeat=T):
        p = math.exp(sum(float(log_probs[t, c]) for t, c in enumerate(path)))
        totals[_reads_as(path)] = totals.get(_reads_as(path), 0.0) + p
    return totals


def test_ctc_loss_equals_the_sum_over_paths_and_ignores_padding() -> None:
    torch.manual_seed(0)
    logits = torch.randn(1, 5, 3)
    real = CTCOutput()(logits)
    target = torch.tensor([[1, 2, 0]])  # "ab", padded
    expected = -math.log(_brute_force(real[0])[(1, 2)]) / 2  # per target label, as PyTorch's 'mean'
    loss = get_loss("ctc")
    assert float(loss(target, real)) == pytest.approx(expected, rel=1e-5)
    padded = CTCOutput()(torch.cat([logits, torch.randn(1, 4, 3)], 1), mask=torch.tensor([[True] * 5 + [False] * 4]))
    assert float(loss(target, padded)) == pytest.approx(expected, rel=1e-5)


def test_prefix_beam_search_finds_the_most_probable_labels() -> None:
    torch.manual_seed(1)
    beats_greedy = 0
    for _ in range(25):
        log_probs = torch.log_softmax(2 * torch.randn(5, 3), -1)
        totals = _brute_force(log_probs)
        best = max(totals, key=totals.__getitem__)
        assert tuple(ctc_beam_search(log_probs, beam_width=50, prune=-1e9)) == best
        beats_greedy += tuple(ctc_greedy(log_probs)) != best
    assert beats_greedy >= 1  # the best path is not always the best labelling


def test_greedy_merges_repeats_and_drops_blanks() -> None:
    frames = torch.tensor([1, 1, 0, 1, 2, 2, 0]).unsqueeze(1) == torch.arange(3)
    assert ctc_greedy(frames.float().log()) == [1, 1, 2]
