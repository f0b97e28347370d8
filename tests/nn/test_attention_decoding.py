"""Attention scores against their formulas; greedy and beam search against brute force."""

from __future__ import annotations

import itertools

import pytest
import torch

from rnnkit.errors import ConfigError
from rnnkit.layers import Dense
from rnnkit.nn import GRUCell, unroll
from rnnkit.nn.attention import Attention, AttentionCell
from rnnkit.nn.decoding import beam_search, greedy_search


def _memory() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    memory = torch.randn(3, 5, 4)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=torch.bool)
    return torch.randn(3, 4), memory, mask


@pytest.mark.parametrize("score", ["additive", "dot", "general"])
def test_attention_matches_its_formula(score: str) -> None:
    query, memory, mask = _memory()
    attention = Attention(score, query_size=4, memory_size=4)
    context, weights = attention(query, attention.keys(memory), memory, mask)
    for b in range(3):
        real = memory[b, mask[b]]  # (S_b, M)
        if score == "dot":
            energy = real @ query[b]
        elif score == "general":
            energy = (real @ attention.memory_proj.weight.t()) @ query[b]
        else:
            hidden = torch.tanh(attention.query_proj(query[b]) + attention.memory_proj(real))
            energy = attention.v(hidden).squeeze(-1)
        expected = torch.softmax(energy, 0)
        torch.testing.assert_close(weights[b, mask[b]], expected, atol=1e-6, rtol=1e-5)
        assert float(weights[b, ~mask[b]].detach().abs().sum()) == 0.0  # padding gets no attention
        torch.testing.assert_close(context[b], expected @ real, atol=1e-6, rtol=1e-5)


def test_attention_rejects_bad_settings() -> None:
    with pytest.raises(ConfigError, match="additive, dot, general"):
        Attention("cosine", 4, 4)
    with pytest.raises(ConfigError, match="dot attention needs"):
        Attention("dot", 4, 6)


def test_attention_cell_in_the_loop_equals_stepping_by_hand() -> None:
    """The one loop over time runs the attention cell exactly as a hand-written decoder step would."""
    _, memory, mask = _memory()
    attention, cell = Attention("additive", 6, 4), GRUCell(3 + 4, 6)
    x = torch.randn(3, 7, 3)
    record: list[torch.Tensor] = []
    y, (h_last,) = unroll(AttentionCell(cell, attention, memory, mask, record), x)
    h = torch.zeros(3, 6)
    for t in range(7):
        context, weights = attention(h, attention.keys(memory), memory, mask)
        (h,) = cell(torch.cat([x[:, t], context], -1), (h,))[1]
        torch.testing.assert_close(y[:, t], torch.cat([h, context], -1))
        torch.testing.assert_close(record[t], weights)
    torch.testing.assert_close(h_last, h)


@pytest.mark.parametrize("score", ["additive", "dot", "general"])
def test_attention_over_every_step_at_once_equals_one_step_at_a_time(score: str) -> None:
    _, memory, mask = _memory()
    attention = Attention(score, 4, 4)
    queries = torch.randn(3, 6, 4)
    context, weights = attention(queries, attention.keys(memory), memory, mask)
    assert context.shape == (3, 6, 4) and weights.shape == (3, 6, 5)
    for t in range(6):
        c_t, w_t = attention(queries[:, t], attention.keys(memory), memory, mask)
        torch.testing.assert_close(context[:, t], c_t, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(weights[:, t], w_t, atol=1e-6, rtol=1e-5)


def test_luong_cell_attends_with_its_new_state_after_stepping() -> None:
    """Luong's order by hand: h_t = cell(x_t, h_{t-1}); c_t = attend(h_t); y_t = tanh(W_c [h_t; c_t])."""
    _, memory, mask = _memory()
    attention, cell, combine = Attention("general", 6, 4), GRUCell(3, 6), Dense(5, activation="tanh")
    combine.build((None, 6 + 4))
    x = torch.randn(3, 7, 3)
    record: list[torch.Tensor] = []
    y, (h_last,) = unroll(AttentionCell(cell, attention, memory, mask, record, combine), x)
    h = torch.zeros(3, 6)
    for t in range(7):
        (h,) = cell(x[:, t], (h,))[1]
        context, weights = attention(h, attention.keys(memory), memory, mask)
        expected = torch.tanh(torch.cat([h, context], -1) @ combine.weight.t() + combine.bias)
        torch.testing.assert_close(y[:, t], expected)
        torch.testing.assert_close(record[t], weights)
    torch.testing.assert_close(h_last, h)


def _markov_step(table: torch.Tensor):  # type: ignore[no-untyped-def]
    """A decoder whose next-token distribution depends only on the previous token (log-probs ``table``)."""

    def step(tokens: torch.Tensor, state: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        return table[tokens], state

    return step


def _log_prob(table: torch.Tensor, seq: list[int], sos: int, eos: int) -> float:
    prev, total = sos, 0.0
    for token in [*seq, eos]:
        total += float(table[prev, token])
        prev = token
    return total


def test_beam_search_finds_the_most_likely_sequence() -> None:
    """With a beam as wide as the search space, beam search returns the brute-force optimum; greedy can be
    worse, never better; a beam of one is greedy."""
    sos, eos, V, L = 0, 1, 4, 4
    wins = 0
    for seed in range(20):
        g = torch.Generator().manual_seed(seed)
        table = torch.log_softmax(3 * torch.randn(V, V, generator=g), -1)
        table[:, sos] = -1e9  # sos is never emitted
        table = torch.log_softmax(table, -1)
        step = _markov_step(table)
        state = (torch.zeros(1, 1),)
        # every sequence of length < L (tokens 2..V-1) that ends with eos
        options = [list(s) for n in range(L) for s in itertools.product(range(2, V), repeat=n)]
        best = max(options, key=lambda s: _log_prob(table, s, sos, eos))
        wide = 2 ** (2 * L)
        found = beam_search(step, (torch.zeros(wide, 1),), 1, wide, sos, eos, L, length_penalty=0.0)[0]
        greedy = greedy_search(step, state, sos, eos, L)[0]
        assert _log_prob(table, found, sos, eos) == pytest.approx(_log_prob(table, best, sos, eos))
        one = beam_search(step, state, 1, 1, sos, eos, L, length_penalty=0.0)[0]
        assert one == greedy
        if len(greedy) < L:  # greedy finished: it cannot beat the optimum
            assert _log_prob(table, greedy, sos, eos) <= _log_prob(table, best, sos, eos) + 1e-6
        wins += greedy != found  # greedy ends worse, or never reaches eos within L steps
    assert wins >= 2  # the search space has traps where greedy loses


def test_beam_search_checks_its_state() -> None:
    step = _markov_step(torch.zeros(3, 3))
    with pytest.raises(ConfigError, match="repeated per beam"):
        beam_search(step, (torch.zeros(2, 1),), 2, 3, 0, 1, 5)
    with pytest.raises(ConfigError, match="beam_width"):
        beam_search(step, (torch.zeros(2, 1),), 2, 0, 0, 1, 5)
