"""Attention over an encoder's outputs, and the cell that lets a decoder attend at every step.

A decoder at step t asks "which source steps matter now?" with a query ``q`` (its state), scores each
encoder output ``m_s`` (the *memory*), and reads the softmax-weighted sum, the *context*::

    e_s = score(q, m_s)                       one number per source step s (masked steps: -inf)
    a   = softmax(e)                          attention weights, Σ_s a_s = 1
    c   = Σ_s a_s m_s                         context (B, M)

Scores (``ATTENTION``):
    ``'additive'`` (Bahdanau et al. 2015)  ``score = v · tanh(W_q q + W_m m_s)``
    ``'dot'``      (Luong et al. 2015)     ``score = q · m_s``            (needs H = M)
    ``'general'``  (Luong et al. 2015)     ``score = q · (W m_s)``

The memory-side half of each score (``W_m m_s``, ``W m_s``) does not depend on t, so ``keys(memory)``
computes it once per sequence and every step reuses it. A query may also hold every step at once,
``(B, T, H)``: then the scores, weights and contexts come for all T steps in one batched product.

``AttentionCell`` wraps any cell (``cells.py`` contract) so that one decoder step attends, in one of two
orders (``STYLES``):

    ``'bahdanau'`` (Bahdanau et al. 2015)  c_t = attend(h_{t-1});  h_t = cell([x_t; c_t], h_{t-1});  y_t = [h_t; c_t]
    ``'luong'``    (Luong et al. 2015)     h_t = cell(x_t, h_{t-1});  c_t = attend(h_t);  y_t = tanh(W_c [h_t; c_t])

Because it is a cell, the one loop over time (``unroll``) can run it, and greedy or beam search call it
one step at a time. In Luong's order the cell never reads the context, so under teacher forcing the
decoder runs its cell over all steps first (the fused kernel) and attends for all steps at once.

Legend: B batch, T target steps, S source steps, M memory features, H decoder hidden units.

Example:
    >>> import torch
    >>> attention = Attention("additive", query_size=4, memory_size=6)
    >>> memory = torch.randn(2, 5, 6)
    >>> mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    >>> with torch.no_grad():
    ...     context, weights = attention(torch.randn(2, 4), attention.keys(memory), memory, mask)
    >>> tuple(context.shape), [round(w, 5) for w in weights.sum(-1).tolist()], float(weights[1, 2:].sum())
    ((2, 6), [1.0, 1.0], 0.0)
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError

__all__ = ["ATTENTION", "STYLES", "Attention", "AttentionCell", "check_style"]

#: The score functions ``Attention`` knows.
ATTENTION = ("additive", "dot", "general")

#: Where a decoder attends: before its cell with ``h_{t-1}`` or after it with ``h_t``.
STYLES = ("bahdanau", "luong")


def check_style(style: str) -> str:
    """``style`` if it is one of ``STYLES``, else ``ConfigError``."""
    if style not in STYLES:
        raise ConfigError(f"attention_style must be one of {', '.join(STYLES)}, got {style!r}")
    return style


class Attention(nn.Module):
    """Scores a query against every memory step and returns ``(context (B, M), weights (B, S))``.

    Args:
        score: ``'additive'``, ``'dot'`` or ``'general'`` (see the module docstring).
        query_size: H, the size of the query (the decoder's hidden state).
        memory_size: M, the size of each encoder output.
        attention_units: width of the additive score's hidden layer (default H).
    """

    def __init__(self, score: str, query_size: int, memory_size: int, attention_units: int | None = None) -> None:
        super().__init__()
        if score not in ATTENTION:
            raise ConfigError(f"attention must be one of {', '.join(ATTENTION)} (or None), got {score!r}")
        if score == "dot" and query_size != memory_size:
            raise ConfigError(
                f"dot attention needs the decoder size to equal the memory size, got {query_size} and {memory_size}; "
                "use 'general' or 'additive'"
            )
        self.score, self.query_size, self.memory_size = score, query_size, memory_size
        if score == "additive":
            units = attention_units or query_size
            self.query_proj = nn.Linear(query_size, units, bias=False)
            self.memory_proj = nn.Linear(memory_size, units, bias=True)
            self.v = nn.Linear(units, 1, bias=False)
        elif score == "general":
            self.memory_proj = nn.Linear(memory_size, query_size, bias=False)

    def keys(self, memory: Tensor) -> Tensor:
        """The memory-side half of the score, once per sequence: ``(B, S, M)`` → ``(B, S, K)``."""
        if memory.dim() != 3 or memory.shape[-1] != self.memory_size:
            raise ShapeError(f"attention memory must be (batch, steps, {self.memory_size}), got {tuple(memory.shape)}")
        return memory if self.score == "dot" else self.memory_proj(memory)

    def forward(self, query: Tensor, keys: Tensor, memory: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Context and weights for ``query`` given ``keys(memory)``; ``mask (B, S)`` True on real steps.

        ``query (B, H)`` → ``(B, M), (B, S)``; ``query (B, T, H)`` (every step) → ``(B, T, M), (B, T, S)``.
        """
        steps = query.dim() == 3
        q = query if steps else query.unsqueeze(1)  # (B, T, H)
        if self.score == "additive":
            energy = self.v(torch.tanh(keys.unsqueeze(1) + self.query_proj(q).unsqueeze(2))).squeeze(-1)  # (B, T, S)
        else:
            energy = torch.bmm(q, keys.transpose(1, 2))  # (B, T, S)
        if mask is not None:
            energy = energy.masked_fill(~mask.unsqueeze(1), float("-inf"))
        weights = torch.softmax(energy, dim=-1)  # (B, T, S)
        context = torch.bmm(weights, memory)  # (B, T, M)
        return (context, weights) if steps else (context.squeeze(1), weights.squeeze(1))

    def extra_repr(self) -> str:
        return f"score={self.score!r}, query_size={self.query_size}, memory_size={self.memory_size}"


class AttentionCell(nn.Module):
    """A cell that attends over ``memory`` at every step, in Bahdanau's or Luong's order (``combine`` given).

    Without ``combine`` (Bahdanau) ``cell`` takes inputs of size ``F + M`` and the step's output is
    ``[h_t; c_t]`` (size H + M). With ``combine`` (Luong), a layer from H + M features to the output
    (``tanh(W_c [h_t; c_t])``), ``cell`` takes the F input features alone. The first entry of the state
    is the hidden state ``h`` (as for every built-in cell). With ``record``, each step's attention
    weights ``(B, S)`` are appended to it (for heatmaps).

    Shapes: x_t ``(B, F)``, memory ``(B, S, M)``, mask ``(B, S)`` → y_t ``(B, H + M)`` or ``combine``'s output.
    """

    def __init__(
        self,
        cell: nn.Module,
        attention: Attention,
        memory: Tensor,
        mask: Tensor | None = None,
        record: list[Tensor] | None = None,
        combine: nn.Module | None = None,
    ) -> None:
        super().__init__()
        self.cell, self.attention, self.combine = cell, attention, combine
        self.memory, self.mask, self.record = memory, mask, record
        self.keys = attention.keys(memory)
        self.state_size: tuple[int, ...] = tuple(cell.state_size)  # type: ignore[arg-type]
        hidden = int(cell.output_size)  # type: ignore[arg-type]
        self.output_size = hidden + attention.memory_size if combine is None else int(combine.units)  # type: ignore[arg-type]

    def forward(self, x_t: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        if self.combine is None:  # Bahdanau: the previous state queries, the context feeds the cell
            context, weights = self.attention(state[0], self.keys, self.memory, self.mask)
            y, new_state = self.cell(torch.cat([x_t, context], dim=-1), state)
            out = torch.cat([y, context], dim=-1)
        else:  # Luong: the cell steps, its new state queries
            y, new_state = self.cell(x_t, state)
            context, weights = self.attention(y, self.keys, self.memory, self.mask)
            out = self.combine(torch.cat([y, context], dim=-1))
        if self.record is not None:
            self.record.append(weights)
        return out, new_state
