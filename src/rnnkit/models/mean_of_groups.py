"""An ensemble of grouped networks as one ordinary network that averages it (to export it).

``rnnkit.layers.grouped`` trains ``S`` small networks as the groups of one network; ``mean_of_groups``
turns such a model into one plain ``Sequential`` of built-in layers whose output is the mean of the
groups' outputs, which every exporter and runtime can run.

Legend: S groups, G gates, H hidden units per group.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from rnnkit.errors import ConfigError
from rnnkit.layers.core import Dense, Input, Reshape
from rnnkit.layers.grouped import GroupedDense, GroupedRecurrent
from rnnkit.layers.recurrent import GRU, LSTM, SimpleRNN
from rnnkit.models.sequential import Sequential

__all__ = ["mean_of_groups"]


def mean_of_groups(model: Sequential) -> Sequential:
    """One ordinary ``Sequential`` computing the mean of a grouped model's groups when they all read the
    same input: ``(B, T, F) → mean_s group_s(x)`` — an ensemble's average as a plain network (to export it).

    The model must be ``GroupedRecurrent`` → ``GroupedDense`` (→ ``Reshape`` of ``(S, ...)``). The groups'
    recurrent layers side by side are one layer of ``S·H`` units: for each gate, group s's rows of
    ``W_ih`` stacked, and ``W_hh`` block-diagonal (group s's units read only its own); the Dense layer's
    weights side by side, divided by S, and its biases averaged, which adds up the groups' outputs and
    takes their mean. (Linear in the outputs, so right for points and quantiles, not for the scale of a
    Gaussian's σ.)
    """
    model._require_built()
    layers: list[Any] = [layer for layer in model.layers if not isinstance(layer, Input)]
    kinds = [type(layer) for layer in layers]
    if kinds not in ([GroupedRecurrent, GroupedDense], [GroupedRecurrent, GroupedDense, Reshape]):
        raise ConfigError("mean_of_groups takes a GroupedRecurrent layer, a GroupedDense layer and maybe a Reshape")
    shaped = len(layers) == 3
    recurrent, dense = layers[0], layers[1]
    cell, S, H = recurrent.cell, recurrent.groups, recurrent.units
    w = cell.weights
    gates = w["weight_ih"].shape[1] // H
    features = w["weight_ih"].shape[2]

    def side_by_side(t: Tensor) -> Tensor:  # (S, G·H, ...) → (G·S·H, ...): gate g's rows of every group
        return t.reshape(S, gates, H, *t.shape[2:]).transpose(0, 1).reshape(gates * S * H, *t.shape[2:])

    block = torch.zeros(gates, S, H, S, H, dtype=w["weight_hh"].dtype)
    for s in range(S):  # group s's units read only group s's units
        block[:, s, :, s, :] = w["weight_hh"][s].reshape(gates, H, H)
    merged = {
        "weight_ih": side_by_side(w["weight_ih"]),
        "weight_hh": block.reshape(gates * S * H, S * H),
        **{name: side_by_side(w[name]) for name in ("bias_ih", "bias_hh") if name in w},
    }
    kind = {"gru": GRU, "lstm": LSTM, "rnn": SimpleRNN}[recurrent.cell_name]
    out = dense.units
    head: list[Any] = [Dense(out)]
    if shaped:
        head.append(Reshape(tuple(layers[2].target_shape)[1:]))
    plain = Sequential([kind(S * H), *head], name=f"mean_of_{S}_{model.name}")
    plain.build((None, 1, features))
    rnn: Any = plain.layers[0]
    linear: Any = plain.layers[1]
    with torch.no_grad():
        for name, p in rnn.cell.named_parameters():
            p.copy_(merged[name])
        linear.weight.copy_(dense.weight.permute(1, 0, 2).reshape(out, S * H) / S)
        linear.bias.copy_(dense.bias.mean(dim=0))
    return plain.to(w["weight_ih"].dtype)
