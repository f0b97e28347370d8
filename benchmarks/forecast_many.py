"""Many series: one small model per series fitted in a Python loop, the same models fitted at once
(``LocalForecasters``: the groups of one network), and one global ``Forecaster`` over all of them.

The series are generated (seeded): S monthly-like series of 100-160 values, each with its own season
(4, 6, 7 or 12 steps), trend, noise level and scale (1 to 1000). Every model forecasts the last 24
values of each series from every origin without refitting (6 steps ahead); MASE is averaged over the
series, beside the seasonal naive and naive baselines on the same origins. Fit time is wall time for
all S series; one run per method (the loop takes minutes).

    python benchmarks/forecast_many.py [--series 40] [--epochs 300]

Writes ``benchmarks/results/forecast_many.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch
from results import Table, markdown_table, write_record

import rnnkit
from rnnkit.tasks.forecast_local import LocalForecasters
from rnnkit.tasks.forecast_scoring import mean_scores
from rnnkit.tasks.forecasting import Forecaster

TEST, LOOKBACK, H = 24, 24, 6


def make_series(count: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(count):
        n = int(rng.integers(100, 161))
        t = np.arange(n)
        period = int(rng.choice([4, 6, 7, 12]))
        level = 10 ** rng.uniform(0, 3)
        trend = rng.uniform(-0.002, 0.01)
        season = 1 + rng.uniform(0.05, 0.3) * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
        out[f"s{i:02d}"] = level * np.exp(trend * t) * season * np.exp(rng.normal(0, rng.uniform(0.005, 0.05), n))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; {args.series} series, GRU 32, {args.epochs} epochs"
    )
    series = make_series(args.series)
    train = {k: v[:-TEST] for k, v in series.items()}
    options = {"lookback": LOOKBACK, "horizon": H, "epochs": args.epochs}
    rows = []

    rnnkit.seed(0)
    start = time.perf_counter()
    local = LocalForecasters(**options).fit(train)
    rows.append(("one model per series, fitted at once (LocalForecasters)", time.perf_counter() - start,
                 local.evaluate(series, TEST)))  # fmt: skip

    rnnkit.seed(0)
    start = time.perf_counter()
    pooled = Forecaster(**options).fit(train)
    seconds = time.perf_counter() - start
    rows.append(("one global model (Forecaster on all series: its default 2 networks)", seconds,
                 mean_scores([pooled.evaluate(v, len(v) - TEST) for v in series.values()])))  # fmt: skip

    rnnkit.seed(0)
    start = time.perf_counter()
    loop = {k: Forecaster(**options, ensemble=1).fit(v) for k, v in train.items()}  # one network each
    seconds = time.perf_counter() - start
    rows.append(("one model per series, a Python loop over Forecaster(ensemble=1) fits", seconds,
                 mean_scores([loop[k].evaluate(v, len(v) - TEST) for k, v in series.items()])))  # fmt: skip

    loop_seconds = rows[-1][1]
    columns = ["method", "fit s (all series)", "vs the loop", "mean MASE", "mean MAPE %"]
    table = [[name, round(seconds, 1), f"{loop_seconds / seconds:.2f}x", round(scores["model"]["mase"], 3),
              round(scores["model"]["mape"], 2)] for name, seconds, scores in rows]  # fmt: skip
    table += [[name.replace("_", " "), 0, "", round(rows[0][2][name]["mase"], 3), round(rows[0][2][name]["mape"], 2)]
              for name in ("seasonal_naive", "naive")]  # fmt: skip
    print(markdown_table(columns, table))
    write_record("forecast_many", "Many series: local models, one global model, a loop", [Table(
        f"{args.series} generated series (100–160 values, seasons 4–12, scales 1–1000), last {TEST} values held out, "
        f"forecast {H} ahead from every origin; GRU 32, lookback {LOOKBACK}, {args.epochs} epochs", columns, table)])  # fmt: skip


if __name__ == "__main__":
    main()
