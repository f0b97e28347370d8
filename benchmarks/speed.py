"""Training-step speed of rnnkit's recurrent layers against ``torch.nn`` (and Keras when importable).

One training step = forward over the sequence + BPTT of a loss on every output (the layer alone, no
optimizer), batch 64, input features = units (a layer inside a stack). For SimpleRNN (relu), GRU and
LSTM at 32, 128 and 512 units and 50 and 200 steps, rnnkit's layer (its native kernels when built, see
``rnnkit native status``) and the matching ``torch.nn`` layer alternate in one process; the table shows
median milliseconds per step, the ratio, and GFLOP/s against the machine's measured float32 GEMM peak
(a 2048² product on all threads). FLOPs per step: 3 × 2·B·T·G·H·(F + H) (forward; backward twice that).

    python benchmarks/speed.py [--repeats 5] [--units 32,128,512] [--steps 50,200]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import torch

import rnnkit
from rnnkit import native
from rnnkit.layers import GRU, LSTM, SimpleRNN

BATCH = 64
CELLS = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}


def gemm_peak() -> float:
    """GFLOP/s of a float32 2048 × 2048 product, best of 5."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * 2048**3 / best / 1e9


def layers(cell: str, units: int) -> tuple[torch.nn.Module, torch.nn.Module]:
    mine = {"SimpleRNN": lambda: SimpleRNN(units, activation="relu", return_sequences=True),
            "GRU": lambda: GRU(units, return_sequences=True),
            "LSTM": lambda: LSTM(units, return_sequences=True)}[cell]()  # fmt: skip
    theirs = {"SimpleRNN": lambda: torch.nn.RNN(units, units, nonlinearity="relu", batch_first=True),
              "GRU": lambda: torch.nn.GRU(units, units, batch_first=True),
              "LSTM": lambda: torch.nn.LSTM(units, units, batch_first=True)}[cell]()  # fmt: skip
    return mine, theirs


def step_fn(layer: torch.nn.Module, x: torch.Tensor, is_torch: bool) -> Callable[[], None]:
    def step() -> None:
        out = layer(x)[0] if is_torch else layer(x)
        out.sum().backward()

    return step


def median_ms(fn: Callable[[], None], repeats: int) -> float:
    fn()  # warm-up (and build)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--units", default="32,128,512")
    parser.add_argument("--steps", default="50,200")
    args = parser.parse_args()
    peak = gemm_peak()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; float32 GEMM peak {peak:.0f} GFLOP/s; rnnkit native kernels: "
          f"{'in use' if native.available() else 'NOT built (PyTorch kernels)'}")  # fmt: skip
    try:
        import keras  # noqa: F401

        print("keras: importable, but not timed here (see benchmarks/seed_workload.py for the tutorial)")
    except ImportError:
        print("keras: not importable, skipped")
    print()
    print(
        "| cell | units | T | rnnkit ms | torch.nn ms | speed-up | rnnkit GFLOP/s (% peak) | torch.nn GFLOP/s (% peak) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for cell, gates in CELLS.items():
        for units in (int(u) for u in args.units.split(",")):
            for steps in (int(s) for s in args.steps.split(",")):
                rnnkit.seed(0)
                mine, theirs = layers(cell, units)
                x = torch.randn(BATCH, steps, units)
                mine(x)  # build, then the same weights for both
                with torch.no_grad():
                    for name, p in theirs.named_parameters():
                        p.copy_(getattr(mine.cell, name.replace("_l0", "")))
                repeats = args.repeats if units < 512 else max(3, args.repeats // 2)
                fns = [step_fn(mine, x, False), step_fn(theirs, x, True)]
                times: list[list[float]] = [[], []]
                for _ in range(repeats):  # alternate, so drifts in machine speed hit both
                    for i, fn in enumerate(fns):
                        times[i].append(median_ms(fn, 1))
                a, b = statistics.median(times[0]), statistics.median(times[1])
                flops = 3 * 2 * BATCH * steps * gates * units * (2 * units)
                ga, gb = flops / a / 1e6, flops / b / 1e6
                print(f"| {cell} | {units} | {steps} | {a:.2f} | {b:.2f} | {b / a:.2f}x | "
                      f"{ga:.1f} ({100 * ga / peak:.0f} %) | {gb:.1f} ({100 * gb / peak:.0f} %) |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
