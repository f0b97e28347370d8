"""What an interval costs: a ``Forecaster`` fit with ``likelihood="gaussian"`` or ``"quantile"`` against
the same fit for points, with the native kernels (the loss and its gradient in ``sequential.cpp``, a
whole epoch in one call) and without them (PyTorch's autograd, the grouped ensemble stepped in Python),
in one process, medians over ``--repeats``.

Before the kernels knew these losses, an interval fit went through autograd while a point fit ran in the
kernels: 10-25x slower (issue #31). The "× point fit" column is the ratio to the native point fit.

    python benchmarks/forecast_intervals.py [--epochs 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import time

import torch
from results import Table, write_record

import rnnkit
from rnnkit import Forecaster, native


def fit_seconds(series: object, likelihood: str | None, epochs: int, on: bool) -> float:
    rnnkit.seed(0)
    model = Forecaster(likelihood=likelihood, epochs=epochs)
    with contextlib.nullcontext() if on else native.switched_off():
        start = time.perf_counter()
        model.fit(series)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"native kernels {'built' if native.available() else 'NOT built'}; {args.epochs} epochs, "
          f"median of {args.repeats}")  # fmt: skip
    tables = []
    for name in ("airline_passengers", "sunspots"):
        values = getattr(rnnkit.datasets, name)().values
        series = values[: len(values) * 4 // 5]
        rows = []
        base = None
        for likelihood in (None, "gaussian", "quantile"):
            for on in (True, False):
                seconds = statistics.median(fit_seconds(series, likelihood, args.epochs, on) for _ in range(args.repeats))
                base = seconds if base is None else base
                rows.append([likelihood or "point", "native kernels" if on else "autograd", round(seconds, 3),
                             f"{seconds / base:.2f}×"])  # fmt: skip
                print(f"  {name:<20} {rows[-1][0]:<9} {rows[-1][1]:<15} {seconds:8.3f} s  {rows[-1][3]}")
        tables.append(Table(f"{name}, first {len(series)} values, {args.epochs} epochs (s, median of {args.repeats})",
                            ["fit", "path", "seconds", "× point fit"], rows))  # fmt: skip
    write_record("forecast_intervals", "Forecast intervals: the cost of a probabilistic fit", tables,
                 notes=["Forecaster defaults (a grouped ensemble of GRU networks) apart from likelihood and epochs."])  # fmt: skip


if __name__ == "__main__":
    main()
