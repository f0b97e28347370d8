"""Grouped layers: group s computes exactly what a built-in layer with its weights computes, and the
gradient of the summed loss reaching group s is that model's own gradient."""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import ShapeError
from rnnkit.layers import GRU, LSTM, Dense, SimpleRNN
from rnnkit.layers.grouped import GroupedDense, GroupedRecurrent

LAYERS = {"gru": GRU, "lstm": LSTM, "rnn": SimpleRNN}


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_each_group_is_the_built_in_layer_with_its_weights(cell: str) -> None:
    torch.manual_seed(0)
    S, B, T, F, H = 3, 5, 7, 2, 4
    x = torch.randn(B, S, T, F)
    y = torch.randn(B, S, 2)
    recurrent, dense = GroupedRecurrent(cell, H, S), GroupedDense(2, S)
    out = dense(recurrent(x))  # (B, S, 2)
    loss = ((out - y) ** 2).mean(dim=(0, 2)).sum()  # Σ_s of each group's own mean loss
    loss.backward()
    for s in range(S):
        alone, head = LAYERS[cell](H), Dense(2)
        head(alone(x[:, s]))  # build
        with torch.no_grad():
            for name, p in alone.cell.named_parameters():
                p.copy_(recurrent.cell.weights[name][s])
            head.weight.copy_(dense.weight[s])
            head.bias.copy_(dense.bias[s])
        mine = head(alone(x[:, s]))
        torch.testing.assert_close(mine, out[:, s], rtol=1e-5, atol=1e-6)
        ((mine - y[:, s]) ** 2).mean().backward()
        for name, p in alone.cell.named_parameters():
            torch.testing.assert_close(p.grad, recurrent.cell.weights[name].grad[s], rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(head.weight.grad, dense.weight.grad[s], rtol=1e-4, atol=1e-6)


def test_groups_start_apart_and_shapes_are_checked() -> None:
    torch.manual_seed(0)
    layer = GroupedRecurrent("gru", 4, groups=3)
    layer(torch.zeros(2, 3, 5, 1))
    w = layer.cell.weights["weight_hh"]
    assert w.shape == (3, 12, 4) and not torch.allclose(w[0], w[1])  # each copy initialised on its own
    with pytest.raises(ShapeError, match="expects \\(batch, 3 groups, time, features\\)"):
        layer(torch.zeros(2, 4, 5, 1))


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("shaped", [False, True])
def test_mean_of_groups_is_one_network_that_averages_the_groups(cell: str, shaped: bool) -> None:
    from rnnkit.layers import Reshape
    from rnnkit.models import Sequential, mean_of_groups

    torch.manual_seed(0)
    S, T, F, H = 3, 6, 2, 4
    layers = [GroupedRecurrent(cell, H, S, input_shape=(S, T, F)), GroupedDense(6, S)]
    grouped = Sequential([*layers, *([Reshape((S, 3, 2))] if shaped else [])])
    grouped.build((None, S, T, F))
    with torch.no_grad():  # biases away from their zero start, so a misplaced one shows
        for p in grouped.parameters():
            p.add_(0.1 * torch.randn_like(p))
    x = torch.randn(5, T, F)
    plain = mean_of_groups(grouped)
    expected = grouped(x.unsqueeze(1).expand(5, S, T, F)).mean(dim=1)  # every group reads x
    torch.testing.assert_close(plain(x), expected, rtol=1e-5, atol=1e-6)
    assert plain.layers[0].units == S * H
