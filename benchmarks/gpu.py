"""rnnkit on a CUDA GPU, beside hand-written PyTorch on the same GPU and rnnkit on the same machine's CPU.

1. The tutorial (800 × 10 × 1, SimpleRNN(32, relu) + Dense(1), Adam, MSE, batch 32, 20 epochs): steady
   epoch time (median of epochs 2..20, medians over repeats) of rnnkit with ``compile(device="cuda")``,
   of an idiomatic hand-written PyTorch loop on the GPU, and of rnnkit on the CPU.
2. One training step of one layer (forward + BPTT of a loss on every output, batch 64, 200 steps,
   input features = units): rnnkit's SimpleRNN (relu), GRU and LSTM against ``torch.nn``'s on the GPU
   (cuDNN), at 128 and 512 units, alternating, medians with the GPU synchronised.

Skips, saying so, where PyTorch sees no CUDA GPU. Writes ``benchmarks/results/gpu.json``.

    python benchmarks/gpu.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from results import Table, markdown_row, markdown_table, write_record
from speed import layers  # the same pairs of layers as the CPU benchmark (benchmarks/ is on the path)

from rnnkit import native
from rnnkit.callbacks import Callback
from rnnkit.layers import Dense, SimpleRNN
from rnnkit.models import Sequential

EPOCHS, BATCH = 20, 32


def tutorial_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    return rng.random((800, 10, 1), dtype=np.float32), rng.random((800, 1), dtype=np.float32)


def rnnkit_epochs(device: str, graphs: bool = True) -> list[float]:
    """Seconds per epoch of the tutorial in rnnkit on ``device`` (on a GPU: with or without CUDA graphs)."""
    from rnnkit.train import cuda_graph

    stamps: list[float] = []

    class Clock(Callback):
        def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
            if device == "cuda":
                torch.cuda.synchronize()
            stamps.append(time.perf_counter())

    x, y = tutorial_data()
    model = Sequential([SimpleRNN(32, input_shape=(10, 1), activation="relu"), Dense(1)])
    model.compile(optimizer="adam", loss="mse", device=device)
    cuda_graph.enabled = graphs
    try:
        model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, verbose=0, callbacks=[Clock()])
    finally:
        cuda_graph.enabled = True
    return np.diff(stamps).tolist()


def torch_epochs(device: str) -> list[float]:
    """Seconds per epoch of the tutorial in a hand-written loop on ``device`` (data preloaded there)."""
    x, y = (torch.from_numpy(a).to(device) for a in tutorial_data())
    rnn = torch.nn.RNN(1, 32, nonlinearity="relu", batch_first=True).to(device)
    head = torch.nn.Linear(32, 1).to(device)
    opt = torch.optim.Adam([*rnn.parameters(), *head.parameters()], lr=1e-3)
    stamps = []
    for _ in range(EPOCHS):
        order = torch.randperm(len(x), device=device)
        for i in range(0, len(x), BATCH):
            idx = order[i : i + BATCH]
            loss = torch.nn.functional.mse_loss(head(rnn(x[idx])[0][:, -1]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        torch.cuda.synchronize() if device == "cuda" else None
        stamps.append(time.perf_counter())
    return np.diff(stamps).tolist()


def step_ms(fn: Callable[[], None], repeats: int) -> float:
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("skipped: PyTorch sees no CUDA GPU here")
        return
    print(
        f"machine: {torch.cuda.get_device_name()}, host {platform.machine()} with {os.cpu_count()} cores, "
        f"torch {torch.__version__}, rnnkit native CPU kernels {'built' if native.available() else 'not built'}"
    )
    runs: dict[str, Callable[[], list[float]]] = {
        "rnnkit, GPU (update replayed as a CUDA graph)": lambda: rnnkit_epochs("cuda"),
        "rnnkit, GPU, step by step": lambda: rnnkit_epochs("cuda", graphs=False),
        "PyTorch hand-written, GPU": lambda: torch_epochs("cuda"),
        "rnnkit, CPU": lambda: rnnkit_epochs("cpu"),
        "PyTorch hand-written, CPU": lambda: torch_epochs("cpu"),
    }
    epochs: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            epochs[name].append(statistics.median(run()))
    tutorial = [[name, round(statistics.median(values) * 1e3, 2)] for name, values in epochs.items()]
    print("\n" + markdown_table(["tutorial", "steady epoch ms"], tutorial))

    columns = ["cell", "units", "T", "rnnkit ms", "torch.nn (cuDNN) ms", "rnnkit / torch.nn time"]
    print("\n" + markdown_row(columns) + "\n|" + "---|" * len(columns))
    steps: list[list[object]] = []
    for cell in ("SimpleRNN", "GRU", "LSTM"):
        for units in (128, 512):
            mine, theirs = (m.cuda() for m in layers(cell, units))
            x = torch.randn(64, 200, units, device="cuda", requires_grad=True)
            mine(x)  # build

            a = step_ms(lambda m=mine, x=x: m(x).sum().backward(), args.repeats * 4)
            b = step_ms(lambda m=theirs, x=x: m(x)[0].sum().backward(), args.repeats * 4)
            steps.append([cell, units, 200, round(a, 2), round(b, 2), round(a / b, 2)])
            print(markdown_row(steps[-1]), flush=True)
    write_record("gpu", f"rnnkit on a GPU ({torch.cuda.get_device_name()}) beside hand-written PyTorch", [
        Table(f"The tutorial, 20 epochs, medians of {args.repeats} repeats", ["run", "steady epoch ms"], tutorial),
        Table("One training step of one layer, batch 64, 200 steps, features = units", columns, steps),
    ])  # fmt: skip


if __name__ == "__main__":
    main()
