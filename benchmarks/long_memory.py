"""The tutorial's warning, measured: which recurrent cells remember across 50 to 1,000 steps.

Trains SimpleRNN(tanh), SimpleRNN(relu, identity init), LSTM, GRU and the parallel cells (MinGRU,
MinLSTM, LRU, and two-layer stacks of MinGRU and of LRU) on the adding problem (``rnnkit.data.synthetic.adding_problem``) at T = 50, 100, 200 (and
500, 1,000 with ``--steps``) with the same budget each (same units,
optimizer, clipnorm, number of updates), then prints the test MSE beside the 0.167 baseline of always
answering 1.0, the gradient ratio ‖∂L/∂h_1‖/‖∂L/∂h_T‖ of the trained model and its effective memory.
Writes docs/long_memory.png (MSE and gradient ratio against T), docs/gradient_flow.png (‖∂L/∂h_t‖ over
the steps of each trained cell at T = 100) and docs/gradient_heatmap_*.png (the same per epoch, from a
GradientMonitor).

    python benchmarks/long_memory.py [--epochs 20] [--steps 50 100 200] [--cells LSTM LRU] [--quick]

A run of every cell at the default lengths writes ``benchmarks/results/long_memory.json`` and the figures;
any other run but ``--quick`` writes ``long_memory_T<steps>.json`` (``--steps 500 1000``:
``long_memory_T500-1000.json``), the cells it ran only.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from results import Table, write_record

import rnnkit
from rnnkit.data.synthetic import adding_problem
from rnnkit.diagnostics import (
    GradientFlow,
    GradientMonitor,
    effective_memory,
    gradient_flow,
    plot_gradient_flow,
    plot_gradient_heatmap,
)
from rnnkit.errors import GradientWarning
from rnnkit.layers import GRU, LRU, LSTM, Dense, Layer, MinGRU, MinLSTM, SimpleRNN
from rnnkit.models import Sequential
from rnnkit.optimizers import Adam

BASELINE = 1 / 6
STEPS = 100  # the sequence length of the run in progress (main sets it), for the chrono initialisation
CELLS: dict[str, Callable[[int], list[Layer]]] = {
    "SimpleRNN(tanh)": lambda u: [SimpleRNN(u)],
    "SimpleRNN(relu, identity)": lambda u: [SimpleRNN(u, activation="relu", recurrent_initializer="identity")],
    "LSTM": lambda u: [LSTM(u)],
    "GRU": lambda u: [GRU(u)],
    "MinGRU": lambda u: [MinGRU(u)],
    "MinLSTM": lambda u: [MinLSTM(u)],
    "LRU": lambda u: [LRU(u)],
    # the papers stack their parallel layers: an LRU is linear from input to output, so one alone cannot
    # multiply a marker by its value; a per-step ReLU layer between two can (as the LRU paper's MLP does)
    "MinGRU ×2": lambda u: [MinGRU(u, return_sequences=True), MinGRU(u)],
    # chrono initialisation (Tallec & Ollivier 2018) for memories up to the sequence's length
    "MinGRU ×2, chrono": lambda u: [MinGRU(u, chrono=STEPS, return_sequences=True), MinGRU(u, chrono=STEPS)],
    "LRU ×2 + ReLU": lambda u: [LRU(u, return_sequences=True), Dense(u, activation="relu"), LRU(u)],
    # the paper's initialisation for its longest tasks: eigenvalues on [0.99, 0.999], phases below π/10
    "LRU ×2 + ReLU, long init": lambda u: [
        LRU(u, r_min=0.99, max_phase=math.pi / 10, return_sequences=True),
        Dense(u, activation="relu"),
        LRU(u, r_min=0.99, max_phase=math.pi / 10),
    ],
}


def run(cell: str, steps: int, units: int, train: int, epochs: int, batch: int) -> dict[str, Any]:
    global STEPS
    STEPS = steps
    rnnkit.seed(0)
    x, y = adding_problem(train + 1000, steps, seed=steps)
    model = Sequential([*CELLS[cell](units), Dense(1)])
    model.compile(optimizer=Adam(learning_rate=1e-3), loss="mse", clipnorm=1.0)
    x_test, y_test = x[train:], y[train:]
    monitor = GradientMonitor(x_test[:256], y_test[:256], every=max(1, epochs // 10))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradientWarning)  # the table says it
        model.fit(x[:train], y[:train], epochs=epochs, batch_size=batch, verbose=0, callbacks=[monitor])
    seconds = time.perf_counter() - start
    mse = float(model.evaluate(x_test, y_test, verbose=0))
    flow = gradient_flow(model, x_test[:256], y_test[:256])
    memory = effective_memory(model, x_test[:256])
    return {
        "mse": mse,
        "ratio": flow.ratio(),
        "memory": memory.steps,
        "seconds": seconds,
        "flow": flow,
        "records": monitor.records,
    }


def share_of_baseline(mse: float) -> float | str:
    """The test MSE as a percentage of the baseline's, or "diverged" past 10 (as the figure marks it)."""
    return round(100 * mse / BASELINE, 2) if mse <= 10 else "diverged"


def plot(results: dict[tuple[str, int], dict[str, Any]], steps: list[int], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.6))
    colors = plt.get_cmap("tab20").colors  # eleven cells: one colour each (the default cycle has ten)
    for i, cell in enumerate(CELLS):
        style = {"color": colors[(2 * i) % 20 if i < 10 else 2 * (i - 10) + 1], "marker": "o",
                 "ls": "-" if i < 4 else "--"}  # the classic cells solid, the parallel ones dashed
        mse = np.array([results[cell, t]["mse"] for t in steps])
        line = ax1.semilogy(steps, np.minimum(mse, 10.0), label=cell, **style)[0]
        for t, m in zip(steps, mse):
            if m > 10:  # diverged: drawn at the top edge, labelled
                ax1.annotate(
                    "diverged",
                    (t, 10.0),
                    textcoords="offset points",
                    xytext=(-44, -12),
                    color=line.get_color(),
                    fontsize=8,
                )
        ratio = np.array([results[cell, t]["ratio"] for t in steps])
        ax2.semilogy(steps, np.clip(np.nan_to_num(ratio, nan=1e30, posinf=1e30), 1e-30, 1e30), label=cell, **style)
    ax1.axhline(BASELINE, color="k", ls="--", lw=1, label="always answer 1.0")
    ax1.set_xlabel("sequence length T")
    ax1.set_ylabel("test MSE (adding problem, log scale)")
    ax1.set_title("Who remembers across T steps")
    fig.legend(*ax1.get_legend_handles_labels(), loc="center left", bbox_to_anchor=(0.8, 0.5), fontsize=8)
    ax2.set_xlabel("sequence length T")
    ax2.set_ylabel("‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ after training")
    ax2.set_title("Gradient reaching the first step")
    ax2.grid(True, which="both", alpha=0.3)
    fig.tight_layout(rect=(0, 0, 0.8, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--train", type=int, default=10_000, help="training sequences")
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--cells", nargs="+", choices=list(CELLS), default=list(CELLS))
    parser.add_argument("--quick", action="store_true", help="tiny budget, to check the script runs")
    parser.add_argument("--figure", default=str(Path(__file__).resolve().parents[1] / "docs" / "long_memory.png"))
    args = parser.parse_args()
    if args.quick:
        args.steps, args.epochs, args.train = [20], 1, 500
    updates = args.epochs * -(-args.train // args.batch)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}; adding problem, "
        f"{args.units} units, Adam 1e-3, clipnorm 1, batch {args.batch}, {updates} updates per model"
    )
    print(f"{'cell':<26} {'T':>4} {'test MSE':>9} {'vs 0.167':>9} {'grad ratio':>11} {'memory':>7} {'time':>7}")
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for cell in [c for c in list(CELLS) if c not in args.cells]:
        del CELLS[cell]
    for steps in args.steps:
        for cell in CELLS:
            r = results[cell, steps] = run(cell, steps, args.units, args.train, args.epochs, args.batch)
            print(
                f"{cell:<26} {steps:>4} {r['mse']:>9.4g} {r['mse'] / BASELINE:>8.1%} {r['ratio']:>11.2e} "
                f"{r['memory']:>7} {r['seconds']:>6.0f}s",
                flush=True,
            )
    if args.quick:
        return
    if len(CELLS) < 11 or args.steps != [50, 100, 200]:
        print("(not the default run of every cell at T = 50, 100, 200: the figures are left as they are)")
    else:
        figure = Path(args.figure)
        plot(results, args.steps, figure)
        at = 100 if 100 in args.steps else args.steps[-1]
        flows = {cell: results[cell, at]["flow"] for cell in CELLS}
        merged = GradientFlow(0.0, {c: f.hidden[next(iter(f.hidden))] for c, f in flows.items()}, [], {})
        plot_gradient_flow(
            merged, figure.with_name("gradient_flow.png"), title=f"‖∂L/∂h_t‖ after training, adding problem, T = {at}"
        )
        for cell, tag in (("SimpleRNN(tanh)", "simple_rnn"), ("LSTM", "lstm")):
            if cell in CELLS:
                plot_gradient_heatmap(results[cell, at]["records"], figure.with_name(f"gradient_heatmap_{tag}.png"))
        print(
            f"figures: {figure}, {figure.with_name('gradient_flow.png')}, {figure.with_name('gradient_heatmap_*.png')}"
        )
    columns = ["cell", "T", "test MSE", "MSE / baseline %", "gradient ratio", "effective memory", "train s"]
    rows = [[cell, t, float(f"{r['mse']:.4g}"), share_of_baseline(r["mse"]), f"{r['ratio']:.2e}", r["memory"],
             round(r["seconds"])] for (cell, t), r in results.items()]  # fmt: skip
    default = args.steps == [50, 100, 200] and len(CELLS) == 11
    name = "long_memory" if default else "long_memory_T" + "-".join(map(str, args.steps))
    write_record(name, "Long memory: the adding problem against sequence length", [Table(
        f"Adding problem, {args.units} units, Adam 1e-3, clipnorm 1, batch {args.batch}, {updates} updates per "
        f"model; baseline: always answer 1.0 (MSE {BASELINE:.3f})", columns, rows)],
        ["gradient ratio: ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ of the trained model on 256 test sequences"])  # fmt: skip


if __name__ == "__main__":
    main()
