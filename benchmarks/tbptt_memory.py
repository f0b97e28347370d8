"""Truncated BPTT keeps memory flat however long the series: peak RSS for 10k vs 1M steps.

Each run is a fresh process that trains one epoch of SimpleRNN(32, return_sequences) + TimeDistributed(Dense(1))
on a noisy sine of T steps (one stream, batch 1, per-step next-value targets) and reports its peak RSS
and the RSS before training (Python, torch, the data). Full BPTT is shown beside it for contrast, at the
lengths where it still fits.

    python benchmarks/tbptt_memory.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

from results import Table, write_record

CHILD = r"""
import json, resource, sys, time
import numpy as np
import rnnkit
from rnnkit.layers import Dense, SimpleRNN, TimeDistributed
from rnnkit.models import Sequential
T, k = int(sys.argv[1]), (int(sys.argv[2]) or None)
rnnkit.seed(0)
t = np.arange(T + 1)
series = (np.sin(2 * np.pi * t / 50) + 0.1 * np.random.default_rng(0).standard_normal(T + 1)).astype(np.float32)
x, y = series[None, :-1, None], series[None, 1:, None]
model = Sequential([SimpleRNN(32, return_sequences=True, input_shape=(None, 1)), TimeDistributed(Dense(1))])
model.compile(optimizer="adam", loss="mse")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
history = model.fit(x, y, epochs=1, batch_size=1, bptt_steps=k, verbose=0)
print(json.dumps({"before_mb": before / 1024, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "seconds": time.perf_counter() - start, "loss": history.history["loss"][-1]}))
"""


def run(T: int, k: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(T), str(k)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; one process per row, peak RSS from getrusage")
    columns = ["series length", "BPTT", "RSS before fit (MB)", "peak RSS (MB)", "growth during fit (MB)", "fit s", "loss"]
    table = Table("SimpleRNN(32) on one noisy sine stream, one epoch, batch 1; one process per row", columns)
    print(" | ".join(columns))
    for T, k in [(10_000, 100), (1_000_000, 100), (10_000, 0), (100_000, 0)]:
        r = run(T, k)
        row = [f"{T:,}", f"truncated, k = {k}" if k else "full", round(r["before_mb"]), round(r["peak_mb"]),
               round(r["peak_mb"] - r["before_mb"]), round(r["seconds"], 1), round(r["loss"], 4)]  # fmt: skip
        table.rows.append(row)
        print(" | ".join(str(c) for c in row), flush=True)
    write_record("tbptt_memory", "Truncated BPTT: memory against series length", [table],
                 notes=["peak RSS from getrusage in a fresh process per row; growth = peak − RSS before the fit"])  # fmt: skip


if __name__ == "__main__":
    main()
