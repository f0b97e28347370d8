"""One training step of recurrent layers that train in parallel (rnnkit's MinGRU, MinLSTM, LRU) against the
classic ones (rnnkit's LSTM and GRU, torch.nn.LSTM) and a plain-PyTorch log-space minGRU (the paper's
``torch.logcumsumexp`` form), all in one process, alternating, medians over repeats.

A step is the forward pass of one layer over ``(B, T, F)`` and the backward pass of a loss on every output.
Beside them, two floors that no implementation of a minGRU can go below, measured in the same run:

- projection: the gate matmul ``Linear(F, 2H)`` over all steps, forward and its weight-gradient backward;
- one pass: one elementwise operation over the ``(B, T, 2H)`` gate tensor (memory traffic).

    python benchmarks/parallel_rnn.py [--units 128 512] [--lengths 256 1024 4096 16384] [--repeats 3]

Prints the machine, then one table per size and length: median milliseconds, each row against the
projection floor and against torch.nn.LSTM, and the GFLOP/s of its matrix products (forward and the two
backward products, 3 × 2·B·T·in·out flops; the scans' elementwise work is not counted). The "one pass"
row's GB/s is the memory bandwidth one read and one write of the gate tensor reach. rnnkit's MinGRU and
MinLSTM make one pass over the gates forward (gates and scan fused) and one backward. Then the latency of
one streamed step (``model.step``, batch 1), each layer against LSTM.
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
from results import Table, write_record  # benchmarks/results.py

from rnnkit.layers import GRU, LRU, LSTM, Dense, MinGRU, MinLSTM
from rnnkit.models import Sequential
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


def matmul_flops(name: str, B: int, T: int, H: int) -> float:
    """Multiply-adds ×2 of a training step's matrix products (forward, input and weight gradients)."""
    per_step = {  # in × out of the products each step makes (features = units = H here)
        "projection floor": H * 2 * H, "rnnkit MinGRU": H * 2 * H, "rnnkit MinLSTM": H * 3 * H,
        "rnnkit LRU": 2 * H * H + 2 * H * H + H * H, "rnnkit GRU": 2 * H * 3 * H, "rnnkit LSTM": 2 * H * 4 * H,
        "torch.nn.LSTM": 2 * H * 4 * H, "log-space minGRU (PyTorch)": H * 2 * H,
    }  # fmt: skip
    return 3 * 2 * B * T * per_step[name] if name in per_step else 0.0


def stream_latency(units: int, repeats: int = 200) -> Table:
    """Median µs of one streamed step (batch 1) of a layer + Dense(1), after a warm-up."""
    print(f"streaming: one step of Sequential([layer({units}), Dense(1)]), batch 1, median of {repeats} (µs)")
    base = None
    table = Table(f"one streamed step, {units} units, batch 1, median of {repeats} (µs)", ["layer", "µs", "× LSTM's"])
    for name, layer_class in (("LSTM", LSTM), ("GRU", GRU), ("MinGRU", MinGRU), ("MinLSTM", MinLSTM), ("LRU", LRU)):
        model = Sequential([layer_class(units, input_shape=(None, units)), Dense(1)])
        model.build((None, 4, units))
        state = model.initial_state(batch=1)
        x = torch.randn(1, units)
        times = []
        with torch.no_grad():
            for i in range(repeats + 20):
                start = time.perf_counter()
                _, state = model.step(x, state)
                if i >= 20:
                    times.append(time.perf_counter() - start)
        us = statistics.median(times) * 1e6
        base = base or us
        print(f"  {name:<10}{us:>10.1f}{us / base:>8.2f}× LSTM's")
        table.rows.append([name, round(us, 1), round(us / base, 2)])
    print()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="+", default=[128])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lengths", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    B = args.batch
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"rnnkit native kernels {'built' if available() else 'NOT built (PyTorch loop for the scan)'}")  # fmt: skip
    tables = []
    for H in args.units:
        print(f"one training step, batch {B}, {H} units, {H} input features; median of {args.repeats} (ms)\n")
        tables += [training_step(B, T, H, args.repeats) for T in args.lengths]
    tables.append(stream_latency(args.units[0]))
    name = "parallel_rnn" + "".join(f"-{H}" for H in args.units if args.units != [128])
    title = f"Parallel recurrence: one training step, batch {B}, {'/'.join(map(str, args.units))} units"
    print(
        "record:",
        write_record(
            name,
            title,
            tables,
            notes=[
                "× floor: the step's time over the projection floor (the gate matmul Linear(F, 2H), forward and "
                "weight gradient), which no minGRU can skip; goal for MinGRU: at most 2× at T ≥ 1,024.",
                "GFLOP/s counts the matrix products only; the 'one pass' row gives the memory bandwidth of one "
                "read and one write of the (B, T, 2H) gate tensor.",
            ],
        ),
    )


def training_step(B: int, T: int, H: int, repeats: int) -> Table:
    """One table: every contestant's median training step at this length and size."""
    x = torch.randn(B, T, H)
    weight = torch.randn(2 * H, H, requires_grad=True)
    gates = torch.randn(B, T, 2 * H)
    torch_lstm = torch.nn.LSTM(H, H, batch_first=True)
    contestants: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
        "projection floor": lambda x, weight=weight: F.linear(x, weight),
        "rnnkit MinGRU": rnnkit_layer(MinGRU, H, x),
        "rnnkit MinLSTM": rnnkit_layer(MinLSTM, H, x),
        "rnnkit LRU": rnnkit_layer(LRU, H, x),
        "rnnkit GRU": rnnkit_layer(GRU, H, x),
        "rnnkit LSTM": rnnkit_layer(LSTM, H, x),
        "torch.nn.LSTM": lambda x, lstm=torch_lstm: lstm(x)[0],
        "log-space minGRU (PyTorch)": LogSpaceMinGRU(H, H),
    }
    times: dict[str, list[float]] = {name: [] for name in ["one pass", *contestants]}
    for _ in range(repeats):
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
    table = Table(f"T = {T:,}, {H} units (ms, median of {repeats})",
                  ["contestant", "ms", "× floor", "speed-up over torch.nn.LSTM", "GFLOP/s or GB/s"])  # fmt: skip
    print(f"T = {T}, {H} units")
    print(f"  {'':<28}{'ms':>10}{'× floor':>10}{'vs torch LSTM':>15}{'GFLOP/s':>10}")
    for name, values in times.items():
        seconds = statistics.median(values)
        flops = matmul_flops(name, B, T, H)
        rate = f"{flops / seconds / 1e9:>10.1f}" if flops else f"{2 * gates.numel() * 4 / seconds / 1e9:>7.1f}GB/s"
        print(f"  {name:<28}{seconds * 1e3:>10.1f}{seconds / floor:>10.2f}{lstm / seconds:>14.2f}×{rate}")
        table.rows.append(
            [name, round(seconds * 1e3, 1), round(seconds / floor, 2), f"{lstm / seconds:.2f}×", rate.strip()]
        )
    print()
    return table


if __name__ == "__main__":
    main()
