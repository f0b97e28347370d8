"""Nine Keras programs about recurrent networks, run on rnnkit and on Keras side by side in one process.

Each program follows one of the recurrent examples of the Keras documentation (the calls, layers and
options they use), sized down to run in seconds, with the download replaced by local data: the same code
runs with ``keras`` bound to ``rnnkit.keras`` and to Keras 3. The table says whether each ran, its
held-out score and its wall time. A program that fails prints its error's first line (nothing is hidden).

    python benchmarks/keras_programs.py            # rnnkit, and Keras when importable
    KERAS_BACKEND=jax python benchmarks/keras_programs.py

Keras is not a dependency of rnnkit: install it (with a backend, and tensorflow for its dataset utilities)
in a separate benchmark venv. Data: ``../shared/data`` (tiny Shakespeare, fra-eng, SST-2); the time
weather series is generated (seed 0) in place of the Jena climate download. A run of every program
writes ``benchmarks/results/keras_programs.json``.
"""

from __future__ import annotations

import importlib
import os
import statistics
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from results import Table, write_record

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


# --- data, the same for both -----------------------------------------------------------------------
def _addition_data(n: int, digits: int = 3) -> tuple[np.ndarray, np.ndarray, list[str]]:
    chars = sorted("0123456789+ ")
    index = {c: i for i, c in enumerate(chars)}
    rng = np.random.default_rng(0)
    maxlen = 2 * digits + 1
    x = np.zeros((n, maxlen, len(chars)), dtype=bool)
    y = np.zeros((n, digits + 1, len(chars)), dtype=bool)
    for i in range(n):
        a, b = (int(v) for v in rng.integers(0, 10**digits, size=2))
        question = f"{a}+{b}".ljust(maxlen)[::-1]  # reversed, as the example does
        answer = str(a + b).ljust(digits + 1)
        for t, c in enumerate(question):
            x[i, t, index[c]] = True
        for t, c in enumerate(answer):
            y[i, t, index[c]] = True
    return x, y, chars


def _shakespeare(n_chars: int) -> str:
    return (DATA / "tinyshakespeare.txt").read_text()[:n_chars]


def _fra_eng(n: int) -> list[tuple[str, str]]:
    with zipfile.ZipFile(DATA / "fra-eng.zip") as z:
        lines = z.read("fra.txt").decode("utf-8").split("\n")
    return [(p[0], "\t" + p[1] + "\n") for p in (line.split("\t") for line in lines[:n]) if len(p) >= 2]


def _sst2(split: str, n: int) -> tuple[list[str], np.ndarray]:
    rows = [line.split("\t") for line in (DATA / "sst2" / f"{split}.tsv").read_text().splitlines()[1 : n + 1]]
    return [r[1] for r in rows], np.array([int(r[0]) for r in rows])  # label, sentence


def _weather(n: int = 6000) -> np.ndarray:
    """A weather-like hourly series (the Jena download replaced): temperature with a daily cycle, a slow
    seasonal drift and AR(1) weather, driven by a pressure series that leads it by 6 hours; (n, 3):
    temperature, pressure, humidity. Deterministic (seed 0)."""
    rng = np.random.default_rng(0)
    t = np.arange(n + 6)
    pressure = np.zeros(n + 6)
    for i in range(1, n + 6):
        pressure[i] = 0.98 * pressure[i - 1] + rng.normal(0, 0.3)
    weather = np.zeros(n)
    for i in range(1, n):
        weather[i] = 0.9 * weather[i - 1] + rng.normal(0, 0.4)
    temp = 6 * np.sin(2 * np.pi * t[6:] / 24) + 4 * np.sin(2 * np.pi * t[6:] / 2000) + 1.5 * pressure[:-6] + weather
    humidity = -0.5 * temp + rng.normal(0, 1.0, n)
    return np.stack([temp, pressure[6:], humidity], axis=1).astype(np.float32)


# --- the programs: each gets the ``keras`` module and returns (metric name, value on held-out data) ------
Score = tuple[str, float | str]


def addition(keras: ModuleType) -> tuple[str, float]:
    """examples/nlp/addition_rnn.py: LSTM encoder, RepeatVector, LSTM decoder, softmax per step."""
    layers = keras.layers
    x, y, chars = _addition_data(6000)
    split = 5000
    model = keras.Sequential()
    model.add(layers.Input((x.shape[1], len(chars))))
    model.add(layers.LSTM(128))
    model.add(layers.RepeatVector(y.shape[1]))
    model.add(layers.LSTM(128, return_sequences=True))
    model.add(layers.Dense(len(chars), activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x[:split], y[:split], batch_size=32, epochs=8, validation_data=(x[split:], y[split:]), verbose=0)
    guess = model.predict(x[split:], verbose=0).argmax(axis=-1)
    return "whole answers right", float((guess == y[split:].argmax(axis=-1)).all(axis=1).mean())


def text_generation(keras: ModuleType) -> tuple[str, float]:
    """examples/generative/lstm_character_level_text_generation.py: one-hot windows, LSTM, RMSprop."""
    layers = keras.layers
    text = _shakespeare(60_000).lower()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    maxlen, step = 40, 3
    starts = range(0, len(text) - maxlen, step)
    x = np.zeros((len(starts), maxlen, len(chars)), dtype=bool)
    y = np.zeros((len(starts), len(chars)), dtype=bool)
    for i, s in enumerate(starts):
        for t, c in enumerate(text[s : s + maxlen]):
            x[i, t, index[c]] = True
        y[i, index[text[s + maxlen]]] = True
    cut = int(0.9 * len(x))
    model = keras.Sequential([keras.Input(shape=(maxlen, len(chars))), layers.LSTM(128),
                              layers.Dense(len(chars), activation="softmax")])  # fmt: skip
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=0.01))
    model.fit(x[:cut], y[:cut], batch_size=128, epochs=3, verbose=0)
    preds = model.predict(x[cut:], verbose=0)  # sampling reads these; we score them
    nll = -np.log(np.clip(preds[y[cut:]], 1e-7, 1.0)).mean()
    return "held-out nats/char", float(nll)


def seq2seq(keras: ModuleType) -> tuple[str, float]:
    """examples/nlp/lstm_seq2seq.py: encoder states start the decoder; saved, loaded, and inference
    models rebuilt from the loaded model's layers; scored by greedy decoding of held-out sentences."""
    pairs = _fra_eng(3000)
    rng = np.random.default_rng(0)
    rng.shuffle(pairs)
    in_chars = sorted({c for a, _ in pairs for c in a})
    out_chars = sorted({c for _, b in pairs for c in b})
    in_index, out_index = {c: i for i, c in enumerate(in_chars)}, {c: i for i, c in enumerate(out_chars)}
    tx, ty = max(len(a) for a, _ in pairs), max(len(b) for _, b in pairs)
    enc = np.zeros((len(pairs), tx, len(in_chars)), dtype="float32")
    dec = np.zeros((len(pairs), ty, len(out_chars)), dtype="float32")
    target = np.zeros_like(dec)
    for i, (a, b) in enumerate(pairs):
        for t, c in enumerate(a):
            enc[i, t, in_index[c]] = 1.0
        for t, c in enumerate(b):
            dec[i, t, out_index[c]] = 1.0
            if t > 0:
                target[i, t - 1, out_index[c]] = 1.0
    latent = 128
    encoder_inputs = keras.Input(shape=(None, len(in_chars)))
    _, state_h, state_c = keras.layers.LSTM(latent, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, len(out_chars)))
    decoder_lstm = keras.layers.LSTM(latent, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_outputs = keras.layers.Dense(len(out_chars), activation="softmax")(decoder_outputs)
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    held = 300
    model.fit([enc[held:], dec[held:]], target[held:], batch_size=64, epochs=12, validation_split=0.1, verbose=0)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(os.path.join(tmp, "s2s_model.keras"))
        model = keras.models.load_model(os.path.join(tmp, "s2s_model.keras"))
    encoder_model = keras.Model(model.input[0], [model.layers[2].output[1], model.layers[2].output[2]])
    state_inputs = [keras.Input(shape=(latent,)), keras.Input(shape=(latent,))]
    out, h, c = model.layers[3](model.input[1], initial_state=state_inputs)
    decoder_model = keras.Model([model.input[1], *state_inputs], [model.layers[4](out), h, c])
    states = encoder_model.predict(enc[:held], verbose=0)
    token = np.zeros((held, 1, len(out_chars)), dtype="float32")
    token[:, 0, out_index["\t"]] = 1.0
    right = total = 0
    decoded: list[list[int]] = [[] for _ in range(held)]
    for _ in range(ty - 1):
        probs, h, c = decoder_model.predict([token, *states], verbose=0)
        ids = probs[:, -1].argmax(-1)
        for i, k in enumerate(ids):
            decoded[i].append(int(k))
        token = np.zeros_like(token)
        token[np.arange(held), 0, ids] = 1.0
        states = [h, c]
    for i, (_, b) in enumerate(pairs[:held]):
        want = [out_index[ch] for ch in b[1:]]
        right += sum(p == w for p, w in zip(decoded[i], want))
        total += len(want)
    return "greedy char accuracy", right / total


def bidirectional_imdb(keras: ModuleType) -> tuple[str, float]:
    """examples/nlp/bidirectional_lstm_imdb.py on SST-2 (IMDB is a download): int ids, two BiLSTMs."""
    layers = keras.layers
    texts, labels = _sst2("train", 8000)
    test_texts, test_labels = _sst2("dev", 872)
    counts: dict[str, int] = {}
    for t in texts:
        for w in t.split():
            counts[w] = counts.get(w, 0) + 1
    vocab = {w: i + 2 for i, w in enumerate(sorted(counts, key=lambda w: -counts[w])[:8000])}
    encode = lambda ts: [[vocab.get(w, 1) for w in t.split()] for t in ts]  # noqa: E731
    x_train = keras.utils.pad_sequences(encode(texts), maxlen=50)
    x_val = keras.utils.pad_sequences(encode(test_texts), maxlen=50)
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(8002, 64)(inputs)
    x = layers.Bidirectional(layers.LSTM(32, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(32))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, labels, batch_size=32, epochs=2, validation_data=(x_val, test_labels), verbose=0)
    return "dev accuracy", float(model.evaluate(x_val, test_labels, verbose=0)[1])


def _series_splits() -> tuple[np.ndarray, int, int]:
    """The weather features normalised on the first 70% (training); validation 70–85%, test the rest."""
    s = _weather()
    train_end, val_end = int(0.7 * len(s)), int(0.85 * len(s))
    mean, std = s[:train_end].mean(axis=0), s[:train_end].std(axis=0)
    return (s - mean) / std, train_end, val_end


def weather_forecasting(keras: ModuleType) -> tuple[str, float]:
    """examples/timeseries/timeseries_weather_forecasting.py: timeseries_dataset_from_array with a
    sampling rate, early stopping, a best-weights checkpoint; three features in, the temperature 6 hours
    ahead out; scored on the last 15% of the series."""
    features, train_end, val_end = _series_splits()
    s = features[:, 0]
    past, future, step = 48, 6, 2
    seq = past // step

    def windows(lo: int, hi: int, shuffle: bool = False) -> Any:
        x = features[lo : hi - past - future + 1]
        y = s[lo + past + future - 1 : hi]
        return keras.utils.timeseries_dataset_from_array(x, y, sequence_length=seq, sampling_rate=step,
                                                         batch_size=64, shuffle=shuffle, seed=0)  # fmt: skip

    dataset_train, dataset_val, dataset_test = (
        windows(0, train_end, True),
        windows(train_end, val_end),
        windows(val_end, len(s)),
    )
    for batch in dataset_train.take(1):
        inputs, _ = batch
    inputs_layer = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
    lstm_out = keras.layers.LSTM(32)(inputs_layer)
    model = keras.Model(inputs=inputs_layer, outputs=keras.layers.Dense(1)(lstm_out))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model_checkpoint.weights.h5")
        callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5),
                     keras.callbacks.ModelCheckpoint(monitor="val_loss", filepath=path, verbose=0,
                                                     save_weights_only=True, save_best_only=True)]  # fmt: skip
        model.fit(dataset_train, epochs=40, validation_data=dataset_val, callbacks=callbacks, verbose=0)
        model.load_weights(path)
    return "test MSE (normalised)", float(model.evaluate(dataset_test, verbose=0))


def temperature_forecasting(keras: ModuleType) -> tuple[str, float]:
    """Deep Learning with Python's temperature forecasting: LSTM with recurrent_dropout, Dropout, mae
    metric, a whole-model checkpoint reloaded with load_model; the next hour's temperature, same splits."""
    layers = keras.layers
    data, train_end, val_end = _series_splits()
    s = data[:, 0]
    length = 24

    def windows(lo: int, hi: int) -> Any:
        return keras.utils.timeseries_dataset_from_array(data[:-length], s[length:], sequence_length=length,
                                                         batch_size=32, start_index=lo, end_index=hi)  # fmt: skip

    train_ds, val_ds, test_ds = windows(0, train_end), windows(train_end, val_end), windows(val_end, None)
    inputs = keras.Input(shape=(length, data.shape[-1]))
    x = layers.LSTM(16, recurrent_dropout=0.25)(inputs)
    x = layers.Dropout(0.5)(x)
    model = keras.Model(inputs, layers.Dense(1)(x))
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "jena_lstm.keras")
        model.fit(train_ds, epochs=15, validation_data=val_ds, verbose=0,
                  callbacks=[keras.callbacks.ModelCheckpoint(path, save_best_only=True)])  # fmt: skip
        model = keras.models.load_model(path)
    return "test MAE (normalised)", float(model.evaluate(test_ds, verbose=0)[1])


def conv_lstm_forecasting(keras: ModuleType) -> tuple[str, float]:
    """Multivariate forecasting with a convolutional front: Conv1D, MaxPooling1D, stacked GRUs, LayerNorm;
    the next hour's temperature from the last 36 hours of the three features, arrays in."""
    layers = keras.layers
    data, train_end, val_end = _series_splits()
    s = data[:, 0]
    length = 36
    x = np.stack([data[i : i + length] for i in range(len(s) - length)])
    y = s[length:]
    model = keras.Sequential([
        keras.Input((length, data.shape[-1])),
        layers.Conv1D(16, 3, padding="causal", activation="relu"),
        layers.MaxPooling1D(2),
        layers.GRU(32, return_sequences=True),
        layers.LayerNormalization(),
        layers.GRU(16),
        layers.Dense(1),
    ])  # fmt: skip
    model.compile(optimizer="adam", loss="mse")
    tr, va = train_end - length, val_end - length
    model.fit(x[:tr], y[:tr], epochs=15, batch_size=32, validation_data=(x[tr:va], y[tr:va]), verbose=0,
              callbacks=[keras.callbacks.EarlyStopping(patience=4, restore_best_weights=True)])  # fmt: skip
    return "test MSE (normalised)", float(model.evaluate(x[va:], y[va:], verbose=0))


def _shapes_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two classes of noisy series (a bump early or late), FordA-style (univariate, 0/1 labels)."""
    rng = np.random.default_rng(seed)
    t = np.arange(100)
    labels = rng.integers(0, 2, n)
    centers = np.where(labels == 1, 42, 58) + rng.integers(-10, 11, n)
    x = np.exp(-(((t[None, :] - centers[:, None]) / 6.0) ** 2)) + rng.normal(0, 0.6, (n, 100))
    return x[..., None].astype("float32"), labels


def cnn_vs_lstm_classification(keras: ModuleType) -> Score:
    """examples/timeseries/timeseries_classification_from_scratch.py (Conv1D, BatchNormalization, ReLU,
    GlobalAveragePooling1D, ReduceLROnPlateau, checkpoint) beside the same task with an LSTM: the test
    accuracy of each."""
    layers = keras.layers
    x_train, y_train = _shapes_data(800, 0)
    x_test, y_test = _shapes_data(400, 1)

    def make_cnn() -> Any:
        input_layer = keras.layers.Input(x_train.shape[1:])
        x = input_layer
        for _ in range(2):
            x = layers.Conv1D(filters=16, kernel_size=3, padding="same")(x)
            x = layers.BatchNormalization()(x)
            x = layers.ReLU()(x)
        x = layers.GlobalAveragePooling1D()(x)
        return keras.Model(inputs=input_layer, outputs=layers.Dense(2, activation="softmax")(x))

    lstm = keras.Sequential([keras.Input(x_train.shape[1:]), layers.LSTM(32), layers.Dense(2, activation="softmax")])
    scores = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in (make_cnn(), lstm):
            callbacks = [keras.callbacks.ModelCheckpoint(os.path.join(tmp, "best_model.keras"), save_best_only=True,
                                                         monitor="val_loss"),
                         keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3, min_lr=0.0001),
                         keras.callbacks.EarlyStopping(monitor="val_loss", patience=6, verbose=0)]  # fmt: skip
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                          metrics=["sparse_categorical_accuracy"])  # fmt: skip
            model.fit(x_train, y_train, batch_size=32, epochs=15, callbacks=callbacks, validation_split=0.2, verbose=0)
            best = keras.models.load_model(os.path.join(tmp, "best_model.keras"))
            scores.append(best.evaluate(x_test, y_test, verbose=0)[1])
    return "test accuracy CNN / LSTM", f"{scores[0]:.3f} / {scores[1]:.3f}"


def rnn_guide(keras: ModuleType) -> tuple[str, float]:
    """guides/working_with_rnns.py, every cell but the nested-input one (which calls TensorFlow itself):
    returns how many of its 8 cells ran (MNIST replaced by random digits)."""
    layers = keras.layers
    ran = 0

    def cell_1() -> None:
        model = keras.Sequential()
        model.add(layers.Embedding(input_dim=1000, output_dim=64))
        model.add(layers.LSTM(128))
        model.add(layers.Dense(10))
        model.summary(print_fn=lambda *a, **k: None)

    def cell_2() -> None:
        model = keras.Sequential()
        model.add(layers.Embedding(input_dim=1000, output_dim=64))
        model.add(layers.GRU(256, return_sequences=True))
        model.add(layers.SimpleRNN(128))
        model.add(layers.Dense(10))
        model.summary(print_fn=lambda *a, **k: None)

    def cell_3() -> None:
        encoder_input = layers.Input(shape=(None,))
        encoder_embedded = layers.Embedding(input_dim=1000, output_dim=64)(encoder_input)
        _, state_h, state_c = layers.LSTM(64, return_state=True, name="encoder")(encoder_embedded)
        decoder_input = layers.Input(shape=(None,))
        decoder_embedded = layers.Embedding(input_dim=2000, output_dim=64)(decoder_input)
        decoder_output = layers.LSTM(64, name="decoder")(decoder_embedded, initial_state=[state_h, state_c])
        keras.Model([encoder_input, decoder_input], layers.Dense(10)(decoder_output)).summary(
            print_fn=lambda *a, **k: None
        )

    paragraphs = [np.random.random((20, 10, 50)).astype(np.float32) for _ in range(3)]

    def cell_4() -> None:
        lstm_layer = layers.LSTM(64, stateful=True)
        for p in paragraphs:
            lstm_layer(p)
        lstm_layer.reset_states()

    def cell_5() -> None:
        lstm_layer = layers.LSTM(64, stateful=True)
        lstm_layer(paragraphs[0])
        lstm_layer(paragraphs[1])
        existing_state = lstm_layer.states
        layers.LSTM(64)(paragraphs[2], initial_state=existing_state)

    def cell_6() -> None:
        model = keras.Sequential()
        model.add(layers.Bidirectional(layers.LSTM(64, return_sequences=True), input_shape=(5, 10)))
        model.add(layers.Bidirectional(layers.LSTM(32)))
        model.add(layers.Dense(10))
        model.summary(print_fn=lambda *a, **k: None)

    def build_model(allow_cudnn_kernel: bool = True) -> Any:
        if allow_cudnn_kernel:
            lstm_layer = keras.layers.LSTM(64, input_shape=(None, 28))
        else:
            lstm_layer = keras.layers.RNN(keras.layers.LSTMCell(64), input_shape=(None, 28))
        return keras.models.Sequential([lstm_layer, keras.layers.BatchNormalization(), keras.layers.Dense(10)])

    rng = np.random.default_rng(0)
    x_train, y_train = rng.integers(0, 256, (512, 28, 28)) / 255.0, rng.integers(0, 10, 512)
    x_test, y_test = x_train[:128], y_train[:128]
    models: list[Any] = []

    def cell_7() -> None:
        model = build_model(allow_cudnn_kernel=True)
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd",
                      metrics=["accuracy"])  # fmt: skip
        model.fit(x_train, y_train, validation_data=(x_test, y_test), batch_size=64, epochs=1, verbose=0)
        models.append(model)

    def cell_8() -> None:
        noncudnn_model = build_model(allow_cudnn_kernel=False)
        noncudnn_model.set_weights(models[0].get_weights())
        noncudnn_model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd",
                               metrics=["accuracy"])  # fmt: skip
        noncudnn_model.fit(x_train, y_train, validation_data=(x_test, y_test), batch_size=64, epochs=1, verbose=0)
        cpu_model = build_model(allow_cudnn_kernel=True)
        cpu_model.set_weights(models[0].get_weights())
        np.argmax(cpu_model.predict_on_batch(np.expand_dims(x_train[0], 0)), axis=1)

    for cell in (cell_1, cell_2, cell_3, cell_4, cell_5, cell_6, cell_7, cell_8):
        try:
            cell()
            ran += 1
        except Exception as exc:  # noqa: BLE001  (a cell that fails is counted and named, not hidden)
            print(f"    guide {cell.__name__}: {type(exc).__name__}: {str(exc).splitlines()[0][:150]}")
    return "guide cells that ran (of 8)", float(ran)


PROGRAMS: list[Callable[[ModuleType], Score]] = [
    addition, text_generation, seq2seq, bidirectional_imdb, weather_forecasting, temperature_forecasting,
    conv_lstm_forecasting, cnn_vs_lstm_classification, rnn_guide,
]  # fmt: skip


def _run(program: Callable[[ModuleType], Score], keras: ModuleType, seed: Callable[[], None]) -> tuple[str, str, float]:
    seed()
    start = time.perf_counter()
    try:
        metric, value = program(keras)
    except Exception as exc:  # noqa: BLE001  (the table reports the failure)
        if os.environ.get("TRACEBACK"):
            traceback.print_exc()
        return "failed", f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}", 0.0
    shown = f"{value:.4g}" if isinstance(value, float) else value
    return "ran", f"{metric} {shown}", time.perf_counter() - start


def main() -> None:
    if not DATA.is_dir():
        print(f"needs the shared data at {DATA} (tiny Shakespeare, fra-eng, SST-2): not found, skipped")
        return
    import torch

    from rnnkit import keras as rnnkit_keras

    frameworks: list[tuple[str, ModuleType, Callable[[], None]]] = [
        ("rnnkit", rnnkit_keras, lambda: (torch.manual_seed(0), np.random.seed(0)) and None)
    ]
    try:
        keras = importlib.import_module("keras")
        frameworks.append((f"keras {keras.__version__} ({keras.backend.backend()})", keras,
                           lambda: keras.utils.set_random_seed(0)))  # fmt: skip
    except ImportError:
        print(
            "Keras is not importable here: rnnkit's column only (pip install keras jax tensorflow-cpu in a bench venv)"
        )
    only = sys.argv[1:]
    print(f"machine: {os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}")
    programs = [p for p in PROGRAMS if not only or p.__name__ in only]
    by_framework = []
    for name, module, seed in frameworks:  # every rnnkit program first: another framework's thread pools,
        # once started, can slow torch in the same process (as aeon's numba did in classify_archive.py)
        by_framework.append([_run(program, module, seed) for program in programs])
        for program, (status, text, seconds) in zip(programs, by_framework[-1]):
            print(f"{program.__name__:<28} {name:<26} {status:<7} {text:<48} {seconds:7.1f} s", flush=True)
    rows = [(program.__name__, [results[i] for results in by_framework]) for i, program in enumerate(programs)]
    times = [(r[0][2], r[1][2]) for _, r in rows if len(r) == 2 and r[0][2] and r[1][2]]
    notes = []
    if times:
        ratio = statistics.median(a / b for a, b in times)
        print(f"\nmedian time ratio rnnkit / keras over the {len(times)} programs both ran: {ratio:.2f}")
        notes.append(f"median time ratio rnnkit / Keras over the {len(times)} programs both ran: {ratio:.2f}")
    if only:
        return
    columns = ["program"] + [f"{name} {what}" for name, _, _ in frameworks for what in ("result", "s")]
    table = [[program, *(c for status, text, seconds in results for c in (text if status == "ran" else f"failed: {text}",
              round(seconds, 1)))] for program, results in rows]  # fmt: skip
    versions = {"keras": frameworks[1][0].removeprefix("keras ")} if len(frameworks) > 1 else None
    write_record("keras_programs", "Keras programs run unchanged on rnnkit", [Table(
        "Nine programs after the Keras documentation's recurrent examples, sized down; held-out score and wall time",
        columns, table)], notes or ["Keras was not importable: rnnkit's column only"], versions)  # fmt: skip


if __name__ == "__main__":
    main()
