"""One training step of recurrent layers that train in parallel (rnnkit's MinGRU, MinLSTM) against the
classic ones (rnnkit's LSTM and GRU, torch.nn.LSTM) and a plain-PyTorch log-space minGRU (the paper's
``torch.logcumsumexp`` form), all in one process, alternating, medians over repeats.

A step is the forward pass of one layer over ``(B, T, F)`` and the backward pass of a loss on every output.
Beside them, two floors that no implementation of a minGRU can go below, measured in the same run:

- projection: the gate matmul ``Linear(F, 2H)`` over all steps, forward and its weight-gradient backward;
- one pass: one elementwise operation over the ``(B, T, 2H)`` gate tensor (memory traffic).

    python benchmarks/parallel_rnn.py [--units 128] [--lengths 256 1024 4096] [--repeats 3]

Prints the machine, then one table per length: median milliseconds, and each row against the projection
floor and against torch.nn.LSTM.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from rnnkit.layers import GRU, LSTM, MinGRU, MinLSTM
from rnnkit.native import available


def log_g(x: torch.Tensor) -> torch.Tensor:
    """log of the paper's positive activation g(x) = x + 0.5 (x ≥ 0), σ(x) (x < 0)."""
    return torch.where(x >= 0, (F.relu(x) + 0.5).log(), -F.softplus(-x))


class LogSpaceMinGRU(torch.nn.Module):
    """minGRU as the paper writes its parallel mode: gates in log space, the scan by logcumsumexp."""

    def __init__(self, features: int, units: int) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(features, 2 * units)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, hidden = self.linear(x).chunk(2, dim=-1)
        log_z, log_coeffs = -F.softplus(-k), -F.softplus(k)
        log_values = torch.cat([log_g(torch.zeros_like(hidden[:, :1])), log_z + log_g(hidden)], dim=1)
        a_star = F.pad(torch.cumsum(log_coeffs, dim=1), (0, 0, 1, 0))
        log_h = a_star + torch.logcumsumexp(log_values - a_star, dim=1)
        return log_h.exp()[:, 1:]


def rnnkit_layer(layer_class: type, units: int, x: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    layer = layer_class(units, return_sequences=True)
    layer(x[:, :2])
    layer.train()
    return layer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lengths", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    B, H = args.batch, args.units
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"rnnkit native kernels {'built' if available() else 'NOT built (PyTorch loop for the scan)'}")  # fmt: skip
    print(f"one training step, batch {B}, {H} units, {H} input features; median of {args.repeats} (ms)\n")
    for T in args.lengths:
        x = torch.randn(B, T, H)
        weight = torch.randn(2 * H, H, requires_grad=True)
        gates = torch.randn(B, T, 2 * H)
        torch_lstm = torch.nn.LSTM(H, H, batch_first=True)
        contestants: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
            "projection floor": lambda x, weight=weight: F.linear(x, weight),
            "rnnkit MinGRU": rnnkit_layer(MinGRU, H, x),
            "rnnkit MinLSTM": rnnkit_layer(MinLSTM, H, x),
            "rnnkit GRU": rnnkit_layer(GRU, H, x),
            "rnnkit LSTM": rnnkit_layer(LSTM, H, x),
            "torch.nn.LSTM": lambda x, lstm=torch_lstm: lstm(x)[0],
            "log-space minGRU (PyTorch)": LogSpaceMinGRU(H, H),
        }
        times: dict[str, list[float]] = {name: [] for name in ["one pass", *contestants]}
        for _ in range(args.repeats):
            start = time.perf_counter()
            torch.sigmoid(gates)
            times["one pass"].append(time.perf_counter() - start)
            for name, run in contestants.items():
                start = time.perf_counter()
                out = run(x)
                out.sum().backward() if name != "projection floor" else out.backward(torch.ones_like(out))
                times[name].append(time.perf_counter() - start)
        floor = statistics.median(times["projection floor"])
        lstm = statistics.median(times["torch.nn.LSTM"])
        print(f"T = {T}")
        print(f"  {'':<28}{'ms':>10}{'× floor':>10}{'vs torch LSTM':>15}")
        for name, values in times.items():
            ms = statistics.median(values) * 1e3
            print(f"  {name:<28}{ms:>10.1f}{ms / (floor * 1e3):>10.2f}{lstm / (ms / 1e3):>14.2f}×")
        print()


if __name__ == "__main__":
    main()
