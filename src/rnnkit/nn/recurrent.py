"""The one loop over time, and the dispatcher that picks the fused kernel when it computes the same.

``unroll`` steps any cell (see ``cells.py`` for the contract) over a ``(B, T, F)`` batch. Masked steps
(``mask[b, t] == False``) leave the state as it was and repeat the previous output (zeros before the
first valid step), so padding never changes a result. ``go_backwards`` reads the sequence from its last
step to its first and returns the outputs in that reading order, as Keras does.

``run_recurrent`` is what layers call: it uses ``fused.fused_sequence`` when the cell has a PyTorch
kernel and nothing asks for per-step Python (recurrent dropout, a mask that is not right-padding,
a reversed padded batch), and ``unroll`` otherwise. Both give the same numbers (tests, 1e-5).

Legend: B batch, T time, F features, H hidden units.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.nn.cells import LSTMCell, LSTMState
from rnnkit.nn.fused import fused_sequence

__all__ = ["unroll", "run_recurrent", "initial_state", "right_padded_lengths"]

Implementation = Literal["auto", "fused", "unrolled"]


def initial_state(cell: Any, batch: int, like: Tensor) -> tuple[Tensor, ...]:
    """Zero state for ``cell``: one ``(B, n)`` tensor per entry of ``cell.state_size``."""
    zeros = tuple(like.new_zeros(batch, n) for n in cell.state_size)
    return _as_state(cell, zeros)


def _as_state(cell: nn.Module, state: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Give built-in LSTM states their named-tuple type."""
    return LSTMState(*state) if isinstance(cell, LSTMCell) else tuple(state)


def unroll(
    cell: nn.Module,
    x: Tensor,
    state: tuple[Tensor, ...] | None = None,
    *,
    mask: Tensor | None = None,
    go_backwards: bool = False,
    h_mask: Tensor | None = None,
    record: list[tuple[Tensor, ...]] | None = None,
) -> tuple[Tensor, tuple[Tensor, ...]]:
    """Step ``cell`` over every time step of ``x``.

    Args:
        cell: any module with the cell contract ``forward(x_t, state) -> (y_t, state)``.
        x: ``(B, T, F)``.
        state: initial state tuple; zeros when None.
        mask: ``(B, T)`` bool, True where a step is real.
        go_backwards: read from the last step to the first.
        h_mask: ``(B, H)`` recurrent-dropout mask, passed to built-in cells.
        record: if given, each step's new state is appended to it, in reading order (the tensors of the
            graph: ``rnnkit.diagnostics`` reads ∂L/∂h_t from them).

    Returns:
        outputs ``(B, T, O)`` in reading order, and the final state.
    """
    B, T, _ = x.shape
    if state is None:
        state = initial_state(cell, B, x)
    steps = range(T - 1, -1, -1) if go_backwards else range(T)
    extra = {} if h_mask is None else {"h_mask": h_mask}
    outputs: list[Tensor] = []
    y_prev: Tensor | None = None
    for t in steps:
        y, new_state = cell(x[:, t], state, **extra)
        if mask is not None:
            m = mask[:, t].unsqueeze(1)  # (B, 1)
            if y_prev is None:
                y_prev = torch.zeros_like(y)
            y = torch.where(m, y, y_prev)
            new_state = _as_state(cell, tuple(torch.where(m, n, o) for n, o in zip(new_state, state)))
            y_prev = y
        state = new_state
        outputs.append(y)
        if record is not None:
            record.append(state)
    return torch.stack(outputs, dim=1), state  # (B, T, O)


def right_padded_lengths(mask: Tensor) -> Tensor | None:
    """Lengths ``(B,)`` when every row of ``mask`` is ones then zeros, else None."""
    lengths = mask.sum(dim=1)
    expected = torch.arange(mask.shape[1], device=mask.device).unsqueeze(0) < lengths.unsqueeze(1)
    return lengths.cpu() if torch.equal(expected, mask) else None


def run_recurrent(
    cell: nn.Module,
    x: Tensor,
    state: tuple[Tensor, ...] | None = None,
    *,
    mask: Tensor | None = None,
    go_backwards: bool = False,
    h_mask: Tensor | None = None,
    implementation: Implementation = "auto",
    record: list[tuple[Tensor, ...]] | None = None,
) -> tuple[Tensor, tuple[Tensor, ...]]:
    """Run ``cell`` over ``x`` on the fused kernel when possible, else ``unroll``; same arguments.

    ``record`` (per-step states, for diagnostics) needs the per-step loop and takes it.
    """
    if x.dim() != 3:
        raise ShapeError(f"a recurrent layer expects input (batch, time, features), got shape {tuple(x.shape)}")
    if x.shape[1] == 0:
        raise ShapeError(f"a recurrent layer needs at least one time step, got shape {tuple(x.shape)}")
    B = x.shape[0]
    if state is None:
        state = initial_state(cell, B, x)
    if mask is not None and bool(mask.all()):
        mask = None
    sequence = getattr(cell, "sequence", None)  # a cell with a whole-sequence path of its own (a scan)
    if sequence is not None and h_mask is None and record is None and implementation != "unrolled":
        return sequence(x, state, mask, go_backwards)  # type: ignore[no-any-return]
    lengths = None
    reason = _unfusable(cell, mask, go_backwards, h_mask)
    if reason is None and mask is not None:
        lengths = right_padded_lengths(mask)
        if lengths is None or bool((lengths == 0).any()):
            reason = "the mask is not right-padding with at least one real step per row"
    if implementation == "fused" and reason is not None:
        raise ConfigError(f"implementation='fused' is not possible here: {reason}; use implementation='auto'")
    if implementation == "unrolled" or reason is not None or record is not None:
        return unroll(cell, x, state, mask=mask, go_backwards=go_backwards, h_mask=h_mask, record=record)
    if go_backwards:
        x = x.flip(1)
    return fused_sequence(cell, x, state, lengths)  # type: ignore[arg-type]


def _unfusable(cell: nn.Module, mask: Tensor | None, go_backwards: bool, h_mask: Tensor | None) -> str | None:
    """Why the fused kernel cannot run this call, or None when it can."""
    if getattr(cell, "fused_mode", None) is None:
        return f"{type(cell).__name__} has no PyTorch kernel (custom cell or activation)"
    if h_mask is not None:
        return "recurrent dropout needs the per-step loop"
    if mask is not None and go_backwards:
        return "a padded batch read backwards needs the per-step loop"
    return None
