"""Training-step speed of rnnkit's recurrent layers against ``torch.nn`` and Keras (when importable).

One training step = forward over the sequence + BPTT of a loss on every output (the layer alone, no
optimizer), batch 64, input features = units (a layer inside a stack). For SimpleRNN (relu), GRU and
LSTM at 32, 128 and 512 units and 50 and 200 steps, rnnkit's layer (its native kernels when built, see
``rnnkit native status``), the matching ``torch.nn`` layer and, when Keras is importable, the Keras 3 layer
on its configured backend (JAX: ``jax.jit(jax.grad(...))`` of the layer's ``stateless_call``; TensorFlow:
a ``tf.function`` with a ``GradientTape``) alternate in one process. The table shows median milliseconds
per step, the speed-ups, and GFLOP/s against the machine's measured float32 GEMM peak (a 2048² product on
all threads). FLOPs per step: 3 × 2·B·T·G·H·(F + H) (forward; backward twice that).

    python benchmarks/speed.py [--repeats 5] [--units 32,128,512] [--steps 50,200]
    KERAS_BACKEND=jax python benchmarks/speed.py   # in a venv with keras and jax
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import torch
from results import Table, write_record

import rnnkit
from rnnkit import native
from rnnkit.layers import GRU, LSTM, SimpleRNN

BATCH = 64
CELLS = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}


def gemm_peak() -> float:
    """GFLOP/s of a float32 2048 × 2048 product, best of 20 (a few slow minutes would otherwise set it)."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    best = float("inf")
    for _ in range(20):
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


def keras_step(cell: str, units: int, x: torch.Tensor) -> Callable[[], None] | None:
    """One training step of the Keras layer on its backend (gradients of the summed outputs w.r.t. the
    layer's weights, compiled), or None for a backend timed nowhere here."""
    import keras

    layer = {"SimpleRNN": lambda: keras.layers.SimpleRNN(units, activation="relu", return_sequences=True),
             "GRU": lambda: keras.layers.GRU(units, return_sequences=True),
             "LSTM": lambda: keras.layers.LSTM(units, return_sequences=True)}[cell]()  # fmt: skip
    layer.build(tuple(x.shape))
    data = x.numpy()
    if keras.backend.backend() == "jax":
        import jax

        trainable = [v.value for v in layer.trainable_variables]
        fixed = [v.value for v in layer.non_trainable_variables]

        def loss(weights: list, inputs: jax.Array) -> jax.Array:  # type: ignore[type-arg]
            return layer.stateless_call(weights, fixed, inputs)[0].sum()

        grad, inputs = jax.jit(jax.grad(loss)), jax.numpy.asarray(data)
        return lambda: jax.block_until_ready(grad(trainable, inputs))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        inputs = tf.constant(data)

        @tf.function
        def grads() -> list:  # type: ignore[type-arg]
            with tf.GradientTape() as tape:
                total = tf.reduce_sum(layer(inputs))
            return tape.gradient(total, layer.trainable_variables)

        return lambda: [g.numpy() for g in grads()]
    return None


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
        import keras

        rival = f"Keras {keras.__version__} + {keras.backend.backend()}"
        print(f"keras: {rival}")
    except ImportError:
        rival = ""
        print("keras: not importable, skipped (pip install keras jax in a separate benchmark venv)")
    print()
    columns = ["cell", "units", "T", "rnnkit ms", "torch.nn ms", "speed-up", *([f"{rival} ms", "vs Keras"] if rival else []),
               "rnnkit GFLOP/s (% peak)", "torch.nn GFLOP/s (% peak)"]  # fmt: skip
    table = Table(f"one training step of one layer, batch {BATCH}, features = units; medians of {args.repeats}, "
                  f"float32 GEMM peak {peak:.0f} GFLOP/s measured at the start", columns)  # fmt: skip
    keras_head = f" {rival} ms | vs Keras |" if rival else ""
    print(
        f"| cell | units | T | rnnkit ms | torch.nn ms | speed-up |{keras_head} rnnkit GFLOP/s (% peak) "
        "| torch.nn GFLOP/s (% peak) |"
    )
    print("|---|---|---|---|---|---|" + ("---|---|" if rival else "") + "---|---|")
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
                repeats = args.repeats
                fns = [step_fn(mine, x, False), step_fn(theirs, x, True)]
                if rival:
                    fns.append(keras_step(cell, units, x) or (lambda: None))
                times: list[list[float]] = [[] for _ in fns]
                for _ in range(repeats):  # alternate, so drifts in machine speed hit both
                    for i, fn in enumerate(fns):
                        times[i].append(median_ms(fn, 1))
                a, b = statistics.median(times[0]), statistics.median(times[1])
                flops = 3 * 2 * BATCH * steps * gates * units * (2 * units)
                ga, gb = flops / a / 1e6, flops / b / 1e6
                k = f" {statistics.median(times[2]):.2f} | {statistics.median(times[2]) / a:.2f}x |" if rival else ""
                print(f"| {cell} | {units} | {steps} | {a:.2f} | {b:.2f} | {b / a:.2f}x |{k} "
                      f"{ga:.1f} ({100 * ga / peak:.0f} %) | {gb:.1f} ({100 * gb / peak:.0f} %) |", flush=True)  # fmt: skip
                keras = [round(statistics.median(times[2]), 2), f"{statistics.median(times[2]) / a:.2f}×"] if rival else []
                table.rows.append([cell, units, steps, round(a, 2), round(b, 2), f"{b / a:.2f}×", *keras,
                                   f"{ga:.1f} ({100 * ga / peak:.0f} %)", f"{gb:.1f} ({100 * gb / peak:.0f} %)"])  # fmt: skip
    extra = {"keras": rival} if rival else {}
    write_record("speed", "One recurrent layer's training step: rnnkit against torch.nn (and Keras)", [table],
                 notes=["rnnkit and its rivals alternate in one process, so drifts in machine speed hit both",
                        *([] if rival else ["Keras was not importable in this run: no Keras columns"])],
                 extra_versions=extra)  # fmt: skip


if __name__ == "__main__":
    main()
