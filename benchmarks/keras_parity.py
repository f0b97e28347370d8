"""Weights move between rnnkit and Keras: the same weights give the same predictions in both.

For each model, rnnkit's ``get_weights()`` is loaded into the Keras twin with ``set_weights()`` and
predictions are compared, then the other way round. Needs Keras 3 (any backend) in a separate benchmark
venv; skips and says so otherwise.

    python benchmarks/keras_parity.py

Writes ``benchmarks/results/keras_parity.json``.
"""

from __future__ import annotations

import numpy as np
from results import Table, write_record


def main() -> None:
    try:
        import keras
    except ImportError:
        print("Keras is not importable here: skipped (pip install keras tensorflow-cpu in a separate benchmark venv)")
        return
    import rnnkit.layers as R
    from rnnkit.models import Sequential

    K = keras.layers
    cases = {
        "SimpleRNN(16, relu) + Dense(1)": (lambda L: [L.SimpleRNN(16, activation="relu"), L.Dense(1)], (10, 1)),
        "LSTM(16) + Dense(1)": (lambda L: [L.LSTM(16), L.Dense(1)], (10, 3)),
        "GRU(16) + Dense(1)": (lambda L: [L.GRU(16), L.Dense(1)], (10, 3)),
        "Bidirectional(LSTM(8, seq)) + GRU(8) + Dense(2)": (
            lambda L: [L.Bidirectional(L.LSTM(8, return_sequences=True)), L.GRU(8), L.Dense(2)],
            (12, 4),
        ),
    }
    rng = np.random.default_rng(0)
    print(f"Keras {keras.__version__} ({keras.backend.backend()})")
    print(f"{'model':<50} {'params (rnnkit / keras)':>24} {'max |Δ| r→k':>12} {'max |Δ| k→r':>12}")
    weights_rows: list[list[object]] = []
    for name, (make, shape) in cases.items():
        x = rng.random((32, *shape)).astype(np.float32)
        ours = Sequential([R.Input(shape), *make(R)])
        theirs = keras.Sequential([keras.Input(shape), *make(K)])
        theirs.set_weights(ours.get_weights())
        to_keras = np.abs(ours.predict(x, verbose=0) - theirs.predict(x, verbose=0)).max()
        theirs.set_weights([w + rng.normal(0, 0.05, w.shape).astype(np.float32) for w in theirs.get_weights()])
        ours.set_weights(theirs.get_weights())
        to_rnnkit = np.abs(ours.predict(x, verbose=0) - theirs.predict(x, verbose=0)).max()
        params = f"{ours.count_params():,} / {theirs.count_params():,}"
        print(f"{name:<50} {params:>24} {to_keras:>12.2e} {to_rnnkit:>12.2e}")
        weights_rows.append([name, params, f"{to_keras:.2e}", f"{to_rnnkit:.2e}"])

    # training: same initial weights, same batches (no shuffle), Adam with Keras's defaults on both sides
    x = rng.random((256, 10, 1)).astype(np.float32)
    y = (x[:, -3:, 0].mean(axis=1, keepdims=True) * 2 - 0.5).astype(np.float32)
    ours = Sequential([R.Input((10, 1)), R.SimpleRNN(32, activation="relu"), R.Dense(1)])
    theirs = keras.Sequential([keras.Input((10, 1)), K.SimpleRNN(32, activation="relu"), K.Dense(1)])
    theirs.set_weights(ours.get_weights())
    ours.compile(optimizer="adam", loss="mse")
    theirs.compile(optimizer="adam", loss="mse")
    ours_loss = ours.fit(x, y, epochs=10, batch_size=32, shuffle=False, verbose=0).history["loss"]
    theirs_loss = theirs.fit(x, y, epochs=10, batch_size=32, shuffle=False, verbose=0).history["loss"]
    print("\ntraining SimpleRNN(32, relu) + Dense(1), adam/mse, 10 epochs, same start, same batches")
    print(f"{'epoch':>5} {'rnnkit loss':>12} {'keras loss':>12} {'rel. diff':>10}")
    training_rows: list[list[object]] = []
    for e in (0, 1, 4, 9):
        a, b = ours_loss[e], theirs_loss[e]
        print(f"{e + 1:>5} {a:>12.6f} {b:>12.6f} {abs(a - b) / b:>10.1e}")
        training_rows.append([e + 1, round(a, 6), round(b, 6), f"{abs(a - b) / b:.1e}"])
    weight_gap = max(np.abs(a - b).max() for a, b in zip(ours.get_weights(), theirs.get_weights()))
    print(f"max |weight difference| after training: {weight_gap:.2e}")
    write_record("keras_parity", "Keras parity: weights and training", [
        Table("The same weights in both, predictions on 32 inputs", ["model", "params (rnnkit / Keras)",
              "max |Δ| rnnkit → Keras", "max |Δ| Keras → rnnkit"], weights_rows),
        Table("SimpleRNN(32, relu) + Dense(1), Adam/MSE, same start, same batches", ["epoch", "rnnkit loss",
              "Keras loss", "relative difference"], training_rows),
    ], [f"max |weight difference| after 10 epochs: {weight_gap:.2e}"],
        {"keras": f"{keras.__version__} ({keras.backend.backend()})"})  # fmt: skip


if __name__ == "__main__":
    main()
