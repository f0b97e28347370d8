"""Where a GPU training step of one layer spends its time: rnnkit's layer beside ``torch.nn``'s (cuDNN).

For each cell at 128 units (batch 64, 200 steps, forward + BPTT of a loss on every output), profiles ten
steps and prints per step: wall time with the GPU synchronised, the GPU's busy time (the sum of its
kernels' times), the number of kernels launched, and the host's time in PyTorch operators. A step whose
wall time is well above its busy time waits on the host. The operator tables go to ``--tables FILE`` when given.

Skips, saying so, where PyTorch sees no CUDA GPU.

    python benchmarks/gpu_profile.py [--tables FILE]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
from speed import layers  # the same pairs of layers as the CPU benchmark (benchmarks/ is on the path)
from torch.profiler import ProfilerActivity, profile

STEPS, UNITS, T, B = 10, 128, 200, 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=Path)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("skipped: PyTorch sees no CUDA GPU here")
        return
    tables = []
    print(
        "| cell | layer | wall ms/step | GPU busy ms/step | kernels/step | host op ms/step |\n|---|---|---|---|---|---|"
    )
    for cell in ("SimpleRNN", "GRU", "LSTM"):
        mine, theirs = (m.cuda() for m in layers(cell, UNITS))
        x = torch.randn(B, T, UNITS, device="cuda")
        mine(x)  # build
        steps = {
            "rnnkit": lambda m=mine, x=x: m(x).sum().backward(),
            "torch.nn": lambda m=theirs, x=x: m(x)[0].sum().backward(),
        }
        for name, step in steps.items():
            for _ in range(5):
                step()
            torch.cuda.synchronize()
            walls = []
            with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
                for _ in range(STEPS):
                    start = time.perf_counter()
                    step()
                    torch.cuda.synchronize()
                    walls.append(time.perf_counter() - start)
            events = prof.events()
            kernels = [e for e in events if e.device_type == torch.autograd.DeviceType.CUDA]
            busy = sum(e.device_time for e in kernels) / 1e3 / STEPS
            host = sum(e.self_cpu_time_total for e in events if e.device_type == torch.autograd.DeviceType.CPU)
            print(f"| {cell} | {name} | {statistics.median(walls) * 1e3:.3f} | {busy:.3f} | {len(kernels) / STEPS:.1f} "
                  f"| {host / 1e3 / STEPS:.3f} |", flush=True)  # fmt: skip
            tables.append(
                f"{cell} {UNITS}, {name}\n{prof.key_averages().table(sort_by='self_cuda_time_total', row_limit=30)}"
            )
    if args.tables is not None:
        args.tables.write_text("\n\n".join(tables))


if __name__ == "__main__":
    main()
