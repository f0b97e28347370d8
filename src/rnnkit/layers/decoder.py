"""``Decoder``: the token-by-token half of a sequence-to-sequence model.

One decoder step reads the previous token ``y_{t-1}`` and the recurrent state, optionally attends over an
encoder's outputs (``rnnkit.nn.attention``), and scores every token of the vocabulary. Attention comes
in one of two orders (``attention_style``)::

    Bahdanau (before the cell)                  Luong (after the cell)
    e_t = Embedding(y_{t-1})                    e_t = Embedding(y_{t-1})
    c_t = attend(h_{t-1}, memory)               h_t = cell(e_t, h_{t-1})
    h_t = cell([e_t; c_t], h_{t-1})             c_t = attend(h_t, memory)
    logits_t = Dense([h_t; c_t])                logits_t = Dense(tanh(W_c [h_t; c_t]))     (B, V)

Training runs it with *teacher forcing*: the true previous tokens go in, all steps at once through the
one loop over time (``run_recurrent``: the fused kernel when the cell does not read the context, so
without attention or in Luong's order, which then attends for every step in one batched product). With
``teacher_forcing < 1`` each step instead feeds back the model's own guess with that probability's
complement (scheduled sampling). ``stepper`` gives the one-step function that greedy and beam search
(``rnnkit.nn.decoding``) call.

Legend: B batch, T target steps, S source steps, E embedding, H units, M memory features, V vocabulary.
"""

from __future__ import annotations

from typing import Any, cast

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer
from rnnkit.layers.core import Dense, Embedding
from rnnkit.nn.attention import Attention, AttentionCell, check_style
from rnnkit.nn.cells import GRUCell, LSTMCell, MinGRUCell, MinLSTMCell, SimpleRNNCell
from rnnkit.nn.decoding import StepFn
from rnnkit.nn.lru import LRUCell
from rnnkit.nn.recurrent import run_recurrent, unroll

__all__ = ["CELLS", "Decoder"]

#: Cell names the sequence models accept.
CELLS: dict[str, type[nn.Module]] = {
    "lstm": LSTMCell, "gru": GRUCell, "rnn": SimpleRNNCell, "mingru": MinGRUCell, "minlstm": MinLSTMCell, "lru": LRUCell,
}  # fmt: skip


def _built(layer: Layer, input_shape: tuple[int | None, ...]) -> Layer:
    layer.build(input_shape)
    layer.built = True
    return layer


class Decoder(Layer):
    """Embedding → recurrent cell (attending over ``memory`` when ``attention`` is set) → vocabulary logits.

    Args:
        vocab_size: V, target tokens (id 0 is padding).
        units: H, the cell's hidden units.
        embedding_dim: E (default H).
        cell: ``'gru'``, ``'lstm'``, ``'rnn'``, or a parallel cell ``'mingru'``, ``'minlstm'``, ``'lru'``
            (teacher-forced training runs its whole-sequence scan when no attention reads the state first).
        attention: None, ``'additive'``, ``'dot'`` or ``'general'``.
        memory_size: M, features of each encoder output (needed with attention).
        dropout: on the embedded tokens and on what the output layer reads, while training.
        attention_style: ``'bahdanau'`` (attend with the previous state, before the cell) or ``'luong'``
            (attend with the new state, after the cell; a training step about 1.5× faster on a CPU).

    Call: ``decoder(target_in (B, T), state, memory=(B, S, M), memory_mask=(B, S))`` → logits ``(B, T, V)``.
    """

    def __init__(
        self,
        vocab_size: int,
        units: int,
        embedding_dim: int | None = None,
        cell: str = "gru",
        attention: str | None = None,
        memory_size: int | None = None,
        dropout: float = 0.0,
        attention_style: str = "bahdanau",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if cell not in CELLS:
            raise ConfigError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
        check_style(attention_style)
        if not 0.0 <= dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {dropout}")
        if attention is not None and memory_size is None:
            raise ConfigError("a decoder with attention needs memory_size (the encoder's output features)")
        self.vocab_size, self.units, self.cell_name = vocab_size, units, cell
        self.embedding_dim = embedding_dim or units
        self.attention_name, self.memory_size, self.dropout = attention, memory_size, dropout
        self.attention_style = attention_style
        context = memory_size if attention is not None and memory_size is not None else 0
        luong = context > 0 and attention_style == "luong"
        self.embedding = _built(Embedding(vocab_size, self.embedding_dim, name="embedding"), (None, None))
        self.cell = CELLS[cell](self.embedding_dim + (0 if luong else context), units)
        self.attention = Attention(attention, units, context) if attention is not None else None
        self.combine = (
            _built(Dense(units, activation="tanh", name="combine"), (None, units + context)) if luong else None
        )
        self.output = _built(Dense(vocab_size, name="logits"), (None, units if luong else units + context))  # type: ignore[misc, assignment]
        self.built = True

    @property
    def output(self) -> Dense:  # type: ignore[override]
        """The logits layer (the submodule ``output``, the name saved models give its weights)."""
        return cast(Dense, self._modules["output"])

    @property
    def state_size(self) -> tuple[int, ...]:
        return tuple(self.cell.state_size)  # type: ignore[arg-type]

    def _cell(self, memory: Tensor | None, memory_mask: Tensor | None, record: list[Tensor] | None) -> nn.Module:
        if self.attention is None:
            return self.cell
        return AttentionCell(self.cell, self.attention, self._memory(memory), memory_mask, record, self.combine)

    def _memory(self, memory: Tensor | None) -> Tensor:
        if memory is None:
            raise ShapeError("this decoder attends over an encoder's outputs: give memory=(batch, steps, features)")
        return memory

    def _drop(self, x: Tensor) -> Tensor:
        return nn.functional.dropout(x, self.dropout, self.training) if self.dropout else x

    def forward(  # type: ignore[override]
        self,
        target_in: Tensor,
        state: tuple[Tensor, ...],
        memory: Tensor | None = None,
        memory_mask: Tensor | None = None,
        teacher_forcing: float = 1.0,
        record: list[Tensor] | None = None,
    ) -> Tensor:
        if teacher_forcing < 1.0 and self.training:
            return self._scheduled_sampling(target_in, state, memory, memory_mask, teacher_forcing)
        x = self._drop(self.embedding(target_in))  # (B, T, E)
        if self.attention is None:
            y, _ = run_recurrent(self.cell, x, state)  # (B, T, H): fused kernel
        elif self.combine is not None:  # Luong: every step's state first, then every step's attention
            memory = self._memory(memory)
            h, _ = run_recurrent(self.cell, x, state)  # (B, T, H): fused kernel
            context, weights = self.attention(h, self.attention.keys(memory), memory, memory_mask)  # (B, T, M)
            if record is not None:
                record.extend(weights.unbind(1))
            y = self.combine(torch.cat([h, context], dim=-1))  # (B, T, H)
        else:
            y, _ = unroll(self._cell(memory, memory_mask, record), x, state)  # (B, T, H + M)
        return self.output(self._drop(y))  # (B, T, V)

    def _scheduled_sampling(
        self, target_in: Tensor, state: tuple[Tensor, ...], memory: Tensor | None, mask: Tensor | None, ratio: float
    ) -> Tensor:
        """Teacher forcing with probability ``ratio`` per row and step; otherwise the model's own guess."""
        step = self.stepper(memory, mask, log_probs=False)
        tokens, logits = target_in[:, 0], []
        for t in range(target_in.shape[1]):
            out, state = step(tokens, state)
            logits.append(out)
            if t + 1 < target_in.shape[1]:
                teacher = torch.rand(len(tokens), device=tokens.device) < ratio
                tokens = torch.where(teacher, target_in[:, t + 1], out.detach().argmax(-1))
        return torch.stack(logits, dim=1)  # (B, T, V)

    def stepper(self, memory: Tensor | None, memory_mask: Tensor | None, log_probs: bool = True) -> StepFn:
        """``step(tokens (N,), state) -> (log-probabilities or logits (N, V), state)`` over ``memory``'s rows."""
        cell = self._cell(memory, memory_mask, None)

        def step(tokens: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
            y, state = cell(self._drop(self.embedding(tokens)), state)
            logits = self.output(self._drop(y))
            return (torch.log_softmax(logits, dim=-1) if log_probs else logits), tuple(state)

        return step

    def get_config(self) -> dict[str, Any]:
        return {
            "vocab_size": self.vocab_size,
            "units": self.units,
            "embedding_dim": self.embedding_dim,
            "cell": self.cell_name,
            "attention": self.attention_name,
            "memory_size": self.memory_size,
            "dropout": self.dropout,
            "attention_style": self.attention_style,
            **super().get_config(),
        }
