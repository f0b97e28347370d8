"""The tutorial's training, side by side: rnnkit vs a hand-written PyTorch loop vs Keras 3 (if importable).

Workload: 800 sequences × 10 steps × 1 feature, SimpleRNN(32, relu) + Dense(1), Adam, MSE, batch 32,
20 epochs. Runs alternate between contestants in one process; the table shows medians over repeats:
whole ``fit`` time, steady-state time per epoch (epochs 2..20), and one-sequence ``predict`` latency.
A second table times the whole tutorial program as a fresh process (``examples/tutorial.py``: imports,
data, summary, 20 epochs printed, evaluate, predict) against the same program on Keras (its two import
lines swapped back) and a hand-written PyTorch program doing the same. A rival that cannot be
imported is skipped and named.

    python benchmarks/seed_workload.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from results import Table, write_record  # benchmarks/results.py

EPOCHS, BATCH = 20, 32


def data() -> tuple[np.ndarray, np.ndarray]:
    np.random.seed(42)
    x = np.random.rand(1000, 10, 1).astype(np.float32)
    y = np.random.rand(1000, 1).astype(np.float32)
    return x[:800], y[:800]


def run_rnnkit(x: np.ndarray, y: np.ndarray) -> tuple[float, list[float], Callable[[], None], float]:
    from rnnkit.callbacks import Callback
    from rnnkit.layers import Dense, SimpleRNN
    from rnnkit.models import Sequential

    stamps: list[float] = []

    class Clock(Callback):
        def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
            stamps.append(time.perf_counter())

    model = Sequential([SimpleRNN(32, input_shape=(10, 1), activation="relu"), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    start = time.perf_counter()
    history = model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, verbose=0, callbacks=[Clock()])
    total = time.perf_counter() - start
    one = x[:1]
    return total, np.diff(stamps).tolist(), lambda: model.predict(one, verbose=0), history.history["loss"][-1]


def run_torch(x: np.ndarray, y: np.ndarray) -> tuple[float, list[float], Callable[[], None], float]:
    """Idiomatic eager PyTorch on preloaded tensors: what a careful PyTorch user writes."""

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = torch.nn.RNN(1, 32, nonlinearity="relu", batch_first=True)
            self.head = torch.nn.Linear(32, 1)

        def forward(self, xb: torch.Tensor) -> torch.Tensor:
            out, _ = self.rnn(xb)
            return self.head(out[:, -1])

    start = time.perf_counter()
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    stamps = []
    for _ in range(EPOCHS):
        order = torch.randperm(len(xt))
        xs, ys = xt[order], yt[order]
        total_loss = torch.zeros(())
        for i in range(0, len(xs), BATCH):
            loss = torch.nn.functional.mse_loss(net(xs[i : i + BATCH]), ys[i : i + BATCH])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total_loss += loss.detach()
        stamps.append(time.perf_counter())
    total = time.perf_counter() - start
    one = xt[:1]

    def predict() -> None:
        with torch.no_grad():
            net(one).numpy()

    return total, np.diff(stamps).tolist(), predict, float(total_loss) / 25


def run_keras(x: np.ndarray, y: np.ndarray) -> tuple[float, list[float], Callable[[], None], float]:
    import keras  # noqa: PLC0415  (optional rival)

    stamps: list[float] = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
            stamps.append(time.perf_counter())

    model = keras.Sequential(
        [keras.Input((10, 1)), keras.layers.SimpleRNN(32, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    start = time.perf_counter()
    history = model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, verbose=0, callbacks=[Clock()])
    total = time.perf_counter() - start
    one = x[:1]
    return total, np.diff(stamps).tolist(), lambda: model.predict(one, verbose=0), history.history["loss"][-1]


def latency(fn: Callable[[], None], calls: int = 300) -> float:
    for _ in range(20):
        fn()
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


TUTORIAL = Path(__file__).resolve().parents[1] / "examples" / "tutorial.py"

#: The tutorial program in hand-written PyTorch: the same data, model, 20 printed epochs, evaluation and predictions.
TORCH_PROGRAM = """
import numpy as np
import torch

np.random.seed(42)
X = np.random.rand(1000, 10, 1).astype(np.float32)
y = np.random.rand(1000, 1).astype(np.float32)
X_train, X_test, y_train, y_test = map(torch.from_numpy, (X[:800], X[800:], y[:800], y[800:]))


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.RNN(1, 32, nonlinearity="relu", batch_first=True)
        self.head = torch.nn.Linear(32, 1)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


model = Net()
print(model)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(20):
    order = torch.randperm(800)
    total = 0.0
    for i in range(0, 800, 32):
        idx = order[i : i + 32]
        loss = torch.nn.functional.mse_loss(model(X_train[idx]), y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    print(f"Epoch {epoch + 1}/20 - loss: {total / 800:.4f}")
with torch.no_grad():
    print("Test Loss:", torch.nn.functional.mse_loss(model(X_test), y_test).item())
    predictions = model(X_test[:5]).numpy()
for i in range(5):
    print(f"Predicted: {predictions[i][0]:.4f}, Actual: {y_test[i][0]:.4f}")
"""


def process_seconds(program: str) -> float:
    """Wall time of ``python -c program`` in a fresh interpreter (output discarded; a failure raises)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", program], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    contestants: dict[str, Callable[..., tuple[float, list[float], Callable[[], None], float]]] = {
        "rnnkit": run_rnnkit,
        "PyTorch, hand-written": run_torch,
    }
    try:
        import keras

        contestants[f"Keras {keras.__version__} ({keras.backend.backend()})"] = run_keras
    except ImportError:
        print("Keras is not importable here: skipped (pip install keras jax in a separate benchmark venv)")
    x, y = data()
    results: dict[str, dict[str, list[float]]] = {
        name: {"fit": [], "epoch": [], "predict": [], "loss": []} for name in contestants
    }
    for _ in range(args.repeats):
        for name, run in contestants.items():
            total, epochs, predict, loss = run(x, y)
            results[name]["fit"].append(total)
            results[name]["epoch"].append(statistics.median(epochs))
            results[name]["predict"].append(latency(predict))
            results[name]["loss"].append(loss)

    print(
        f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; {args.repeats} alternating repeats, medians"
    )
    ref = statistics.median(results["rnnkit"]["fit"])
    ref_epoch = statistics.median(results["rnnkit"]["epoch"])
    print(
        f"{'stack':<28} {'fit 20 epochs':>14} {'epoch (steady)':>15} {'predict(1 seq)':>15} {'last loss':>10} {'fit time vs rnnkit':>19}"
    )
    training = Table(f"the tutorial's training: 20 epochs, medians of {args.repeats} alternating repeats",
                     ["stack", "fit 20 epochs (ms)", "epoch, steady (ms)", "predict 1 sequence (µs)", "last loss",
                      "fit time × rnnkit's", "epoch × rnnkit's"])  # fmt: skip
    for name, r in results.items():
        fit, epoch, pred = (statistics.median(r[k]) for k in ("fit", "epoch", "predict"))
        print(
            f"{name:<28} {fit * 1e3:>11.0f} ms {epoch * 1e3:>12.1f} ms {pred * 1e6:>12.0f} us {statistics.median(r['loss']):>10.4f} "
            f"{fit / ref:>14.2f}x ({epoch / ref_epoch:.2f}x/epoch)"
        )
        training.rows.append([name, round(fit * 1e3, 1), round(epoch * 1e3, 2), round(pred * 1e6, 1),
                              round(statistics.median(r["loss"]), 4), f"{fit / ref:.2f}×", f"{epoch / ref_epoch:.2f}×"])  # fmt: skip

    tutorial = TUTORIAL.read_text()
    programs = {"rnnkit (examples/tutorial.py)": tutorial, "PyTorch, hand-written": TORCH_PROGRAM}
    if len(contestants) > 2:  # Keras importable: the tutorial with its original imports
        programs["Keras (the same program)"] = tutorial.replace("from rnnkit.", "from keras.")
    seconds: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(args.repeats):
        for name, program in programs.items():
            seconds[name].append(process_seconds(program))
    first = statistics.median(seconds["rnnkit (examples/tutorial.py)"])
    print(f"\nthe tutorial program as a whole process (python -c, {args.repeats} alternating runs, medians)")
    program = Table(f"the tutorial program as a whole process, medians of {args.repeats} alternating runs",
                    ["program", "seconds", "× rnnkit's"])  # fmt: skip
    for name, runs in seconds.items():
        print(f"{name:<32} {statistics.median(runs):>6.2f} s {statistics.median(runs) / first:>6.2f}x")
        program.rows.append([name, round(statistics.median(runs), 2), f"{statistics.median(runs) / first:.2f}×"])
    skipped = [] if len(contestants) > 2 else ["Keras was not importable in this run: its rows are missing"]
    extra = {"keras": next((n.split()[1] for n in contestants if n.startswith("Keras")), "not installed")}
    write_record("seed_workload", "The tutorial workload: rnnkit against hand-written PyTorch and Keras",
                 [training, program], notes=skipped, extra_versions=extra)  # fmt: skip


if __name__ == "__main__":
    main()
