"""Turning a model's scores into output sequences: greedy and beam search for step-by-step decoders,
and for CTC (frame-level) outputs.

Both take ``step(tokens (N,), state) -> (log_probs (N, V), state)``, one decoder step for N rows
(the state: a tuple of tensors with N rows), start every row with ``sos`` and stop a row at ``eos``.
Greedy feeds back the most likely token. Beam search keeps the ``beam_width`` best partial sequences
per input by total log-probability and finishes with the best complete one, scored as
``log p(y) / len(y) ** length_penalty`` (0: raw log-probability; 1: per-token average).

CTC (``ctc_greedy``, ``ctc_beam_search``) reads per-frame log-probabilities ``(T, C)`` with class 0 the
blank: a frame path reads as its labels with repeats merged, then blanks dropped (``a a _ a b`` → ``a a b``).
Greedy takes the best class per frame; prefix beam search (Hannun et al. 2014) keeps the ``beam_width``
most probable label prefixes, summing every path that reads as the same prefix.

Legend: B inputs, K beam width, N = B·K decoder rows, V vocabulary, T frames, C classes.

Example (a decoder that always says token 2, then ``eos`` = 1)::

    >>> import torch
    >>> def step(tokens, state):
    ...     (t,) = state
    ...     logits = torch.full((len(tokens), 3), -9.0)
    ...     logits[:, 1 if int(t[0]) >= 2 else 2] = 0.0
    ...     return torch.log_softmax(logits, -1), (t + 1,)
    >>> greedy_search(step, (torch.zeros(2),), sos=0, eos=1, max_length=5)
    [[2, 2], [2, 2]]
    >>> beam_search(step, (torch.zeros(2 * 3),), batch=2, beam_width=3, sos=0, eos=1, max_length=5)
    [[2, 2], [2, 2]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from rnnkit.errors import ConfigError
from rnnkit.validation import is_count, is_number

__all__ = [
    "MAX_BEAM",
    "check_beam_width",
    "check_length_penalty",
    "StepFn",
    "average_probabilities",
    "ensemble_step",
    "greedy_search",
    "beam_search",
    "ctc_greedy",
    "ctc_beam_search",
]

StepFn = Callable[[Tensor, tuple[Tensor, ...]], tuple[Tensor, tuple[Tensor, ...]]]


def average_probabilities(log_probs: Sequence[Tensor]) -> Tensor:
    """``log (1/M · Σ_m exp(log_probs[m]))``: M models' log-probabilities → the log of their mean."""
    return torch.logsumexp(torch.stack(list(log_probs)), dim=0) - math.log(len(log_probs))


def ensemble_step(steps: Sequence[StepFn], sizes: Sequence[int]) -> StepFn:
    """One step of M decoders over the same vocabulary, voting by their average probability::

        log p(y) = log (1/M · Σ_m p_m(y))

    The combined state is the decoders' state tuples one after another (``sizes[m]`` tensors for
    decoder m), so greedy and beam search reorder it as they reorder one decoder's state.
    """

    def step(tokens: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        log_probs: list[Tensor] = []
        new: list[Tensor] = []
        start = 0
        for member, size in zip(steps, sizes):
            lp, member_state = member(tokens, state[start : start + size])
            log_probs.append(lp)
            new += member_state
            start += size
        return average_probabilities(log_probs), tuple(new)

    return step


def _until_eos(ids: list[int], eos: int) -> list[int]:
    return ids[: ids.index(eos)] if eos in ids else ids


@torch.no_grad()
def greedy_search(step: StepFn, state: tuple[Tensor, ...], sos: int, eos: int, max_length: int) -> list[list[int]]:
    """The most likely next token at every step, for each of the state's rows; ``eos`` not included."""
    rows = len(state[0])
    tokens = torch.full((rows,), sos, dtype=torch.long, device=state[0].device)
    done = torch.zeros(rows, dtype=torch.bool, device=tokens.device)
    out: list[Tensor] = []
    for _ in range(max_length):
        log_probs, state = step(tokens, state)
        tokens = log_probs.argmax(dim=-1)
        out.append(tokens)
        done |= tokens == eos
        if bool(done.all()):
            break
    ids = torch.stack(out, dim=1).tolist() if out else [[] for _ in range(rows)]
    return [_until_eos(row, eos) for row in ids]


#: the widest beam taken: each input's state is copied once per beam
MAX_BEAM = 1024


def check_beam_width(width: int) -> None:
    """Refuse a beam width that is not a whole number from 1 to ``MAX_BEAM``."""
    if not (is_count(width) and width <= MAX_BEAM):
        raise ConfigError(f"beam_width must be a whole number from 1 to {MAX_BEAM}, got {width!r}")


def check_length_penalty(alpha: float) -> None:
    """Refuse a length penalty outside [0, 10]: scores are divided by ``length ** alpha``, which underflows
    to zero for a large negative α and overflows for a large positive one (1 is the usual; fairseq's
    ``lenpen`` and GNMT's α stay within 0–2)."""
    if not (is_number(alpha) and 0 <= alpha <= 10):
        raise ConfigError(f"length_penalty must be a number in [0, 10], got {alpha!r}")


@torch.no_grad()
def beam_search(
    step: StepFn,
    state: tuple[Tensor, ...],
    batch: int,
    beam_width: int,
    sos: int,
    eos: int,
    max_length: int,
    length_penalty: float = 1.0,
) -> list[list[int]]:
    """The best-scoring sequence per input found with ``beam_width`` hypotheses; ``eos`` not included.

    ``state`` has ``batch · beam_width`` rows, input b's copies at rows ``b·K … b·K + K - 1`` (e.g.
    ``h.repeat_interleave(K, 0)``). A hypothesis that emits ``eos`` among the K best candidates is
    finished; an input is done when it has K finished hypotheses or at ``max_length``.
    """
    K = beam_width
    check_beam_width(K)
    check_length_penalty(length_penalty)
    if len(state[0]) != batch * K:
        raise ConfigError(f"beam_search needs the state repeated per beam: {batch * K} rows, got {len(state[0])}")
    device = state[0].device
    tokens = torch.full((batch * K,), sos, dtype=torch.long, device=device)
    scores = torch.full((batch, K), float("-inf"), device=device)
    scores[:, 0] = 0.0  # one live hypothesis per input at the start
    sequences = torch.empty(batch * K, 0, dtype=torch.long, device=device)
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(batch)]
    base = (torch.arange(batch, device=device) * K).unsqueeze(1)  # (B, 1): first row of each input
    for t in range(max_length):
        log_probs, state = step(tokens, state)  # (N, V)
        V = log_probs.shape[-1]
        candidates = (scores.reshape(-1, 1) + log_probs).reshape(batch, K * V)
        top, index = candidates.topk(min(2 * K, K * V), dim=1)  # (B, 2K), best first
        beam, token = index // V, index % V
        norm = float(t + 1) ** length_penalty
        is_eos = token == eos
        for b, j in (is_eos[:, :K] & torch.isfinite(top[:, :K])).nonzero().tolist():
            if len(finished[b]) < K:
                prefix = sequences[int(base[b, 0]) + int(beam[b, j])].tolist()
                finished[b].append((float(top[b, j]) / norm, prefix))
        # the K best candidates that do not end here continue
        keep = torch.argsort(is_eos.int(), dim=1, stable=True)[:, :K]  # (B, K)
        scores, beam, token = top.gather(1, keep), beam.gather(1, keep), token.gather(1, keep)
        rows = (base + beam).reshape(-1)  # (N,)
        sequences = torch.cat([sequences[rows], token.reshape(-1, 1)], dim=1)
        state = tuple(s[rows] for s in state)
        tokens = token.reshape(-1)
        if all(len(f) >= K for f in finished):
            break
    length = float(sequences.shape[1]) ** length_penalty
    best: list[list[int]] = []
    for b in range(batch):
        options = finished[b] or [
            (float(scores[b, k]) / length, sequences[b * K + k].tolist())
            for k in range(K)
            if bool(scores[b, k].isfinite())
        ]
        best.append(max(options, key=lambda option: option[0])[1])
    return best


def ctc_greedy(log_probs: Tensor) -> list[int]:
    """The best class per frame of ``(T, C)`` scores, repeats merged, blanks (0) dropped."""
    best = log_probs.argmax(-1).tolist()
    return [c for i, c in enumerate(best) if c != 0 and (i == 0 or c != best[i - 1])]


def _logsumexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high = max(a, b)
    return high + math.log1p(math.exp(-abs(a - b)))


def _accumulate(table: dict[tuple[int, ...], list[float]]) -> Callable[[tuple[int, ...], float, float], None]:
    """``add(prefix, blank, label)``: log-add both path probabilities into ``table[prefix]``."""

    def add(prefix: tuple[int, ...], blank: float, label: float) -> None:
        old = table.setdefault(prefix, [-math.inf, -math.inf])
        old[0], old[1] = _logsumexp(old[0], blank), _logsumexp(old[1], label)

    return add


def ctc_beam_search(log_probs: Tensor, beam_width: int = 8, prune: float = -12.0) -> list[int]:
    """The most probable label sequence found by CTC prefix beam search over ``(T, C)`` log-probabilities.

    Each prefix keeps two log-probabilities: of the paths reading as it that end in a blank, and that
    end in its last label; classes below ``prune`` (log-probability) at a frame are not expanded.
    """
    if not isinstance(beam_width, int) or beam_width < 1:
        raise ConfigError(f"beam_width must be a positive integer, got {beam_width!r}")
    scores = log_probs.detach().double().cpu().numpy()
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, -math.inf)}  # prefix → (blank, label)
    for frame in scores:
        candidates = [c for c in range(len(frame)) if frame[c] >= prune] or [int(frame.argmax())]
        nxt: dict[tuple[int, ...], list[float]] = {}
        add = _accumulate(nxt)
        for prefix, (p_blank, p_label) in beams.items():
            total = _logsumexp(p_blank, p_label)
            for c in candidates:
                p = float(frame[c])
                if c == 0:
                    add(prefix, total + p, -math.inf)
                elif prefix and prefix[-1] == c:
                    add(prefix + (c,), -math.inf, p_blank + p)  # a new c needs a blank in between
                    add(prefix, -math.inf, p_label + p)  # the same c, held
                else:
                    add(prefix + (c,), -math.inf, total + p)
        ranked = sorted(nxt.items(), key=lambda kv: _logsumexp(*kv[1]), reverse=True)[:beam_width]
        beams = {k: (v[0], v[1]) for k, v in ranked}
    best = max(beams.items(), key=lambda kv: _logsumexp(*kv[1]))[0]
    return list(best)
