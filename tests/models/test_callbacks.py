"""Callbacks observe training and can stop it; they are tested on small real fits."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.callbacks import (
    Callback,
    CosineDecayOverTime,
    CSVLogger,
    EarlyStopping,
    EpochLog,
    LambdaCallback,
    ModelCheckpoint,
    ReduceLROnPlateau,
    SaveBest,
    StochasticWeightAveraging,
    TerminateOnNaN,
    TimeLimit,
)
from rnnkit.data.synthetic import periodic_series_windows
from rnnkit.errors import ConfigError, RnnkitError
from rnnkit.layers import LSTM, Dense, SimpleRNN
from rnnkit.models import Sequential, load_model
from rnnkit.optimizers import SGD


def _model(lr: float = 0.001) -> Sequential:
    from rnnkit.optimizers import Adam

    model = Sequential([SimpleRNN(8, input_shape=(10, 1)), Dense(1)])
    model.compile(optimizer=Adam(learning_rate=lr), loss="mse")
    return model


DATA = periodic_series_windows(96, 10)


def test_early_stopping_restores_the_best_weights() -> None:
    x, y = DATA
    model = _model(lr=0.2)  # too high: validation loss wanders
    stop = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    best = {}

    class Snapshot(Callback):
        def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
            best.setdefault("all", []).append((logs["val_loss"], [w.copy() for w in self.model.get_weights()]))

    history = model.fit(x, y, epochs=30, validation_split=0.25, callbacks=[Snapshot(), stop], verbose=0)
    assert len(history.epoch) < 30
    best_loss, best_weights = min(best["all"], key=lambda t: t[0])
    for a, b in zip(model.get_weights(), best_weights):
        np.testing.assert_array_equal(a, b)
    assert model.evaluate(x[72:], y[72:], verbose=0) == pytest.approx(best_loss, rel=1e-5)


class _Net(torch.nn.Module):
    """Just enough of a model for a callback: one weight and ``stop_training``."""

    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.stop_training = False


def _stopped_at(losses: list[float], **options: Any) -> tuple[int | None, EarlyStopping, _Net]:
    """Feed ``losses`` epoch by epoch (the weight set to the epoch's number); the epoch it stopped at."""
    stop, net = EarlyStopping(monitor="loss", **options), _Net()
    stop.set_model(net)
    stop.on_train_begin()
    for epoch, loss in enumerate(losses):
        with torch.no_grad():
            net.w.fill_(epoch)
        stop.on_epoch_end(epoch, {"loss": loss})
        if net.stop_training:
            stop.on_train_end()
            return epoch, stop, net
    stop.on_train_end()
    return None, stop, net


def test_early_stopping_counts_patience_as_keras_3_does(capsys: pytest.CaptureFixture[str]) -> None:
    """Keras's rule: stop at an epoch that does not improve once ``patience`` epochs have passed since the
    last reset (an improvement that also beats ``baseline``). Stop epochs worked out by hand from it."""
    assert _stopped_at([1.0, 0.8, 0.9, 0.85, 0.7], patience=2)[0] == 3
    assert _stopped_at([1.0, 0.8, 0.9, 0.85, 0.7], patience=3)[0] is None
    assert _stopped_at([1.0, 0.8, 0.9], patience=0)[0] == 2
    assert _stopped_at([1.0, 0.95, 0.7], patience=1, min_delta=0.1)[0] == 1  # 0.05 better is not better
    assert _stopped_at([1.0, 0.9, 0.95], patience=2)[0] is None
    assert _stopped_at([1.0, 0.9, 0.95], patience=2, baseline=0.5)[0] == 2  # 0.9 never beat the baseline
    assert _stopped_at([1.0, 0.9, 0.8], patience=1, baseline=0.5)[0] is None  # improving epochs never stop
    assert _stopped_at([0.1, 0.2, 1.0, 0.9, 0.95, 0.96], patience=2, start_from_epoch=2)[0] == 5

    epoch, stop, net = _stopped_at([1.0, 0.5, 0.7, 0.9], patience=2, restore_best_weights=True, verbose=1)
    assert (epoch, stop.best_epoch, float(net.w)) == (3, 1, 1.0)  # the best epoch's weight put back
    assert "Epoch 4: early stopping" in capsys.readouterr().out
    _, stop, net = _stopped_at([1.0, 1.1, 1.2], patience=1, baseline=0.5, restore_best_weights=True)
    assert (stop.best_epoch, float(net.w)) == (0, 0.0)  # nothing beat the baseline: the first epoch's weights


def test_model_checkpoint_saves_only_improvements(tmp_path) -> None:  # type: ignore[no-untyped-def]
    x, y = DATA
    model = _model()
    seen = []
    path = tmp_path / "best"
    model.fit(
        x,
        y,
        epochs=4,
        validation_split=0.25,
        verbose=0,
        callbacks=[
            ModelCheckpoint(path, save_best_only=True),
            LambdaCallback(on_epoch_end=lambda e, logs: seen.append(logs["val_loss"])),
        ],
    )
    restored = load_model(path)
    assert restored.evaluate(x[72:], y[72:], verbose=0) == pytest.approx(min(seen), rel=1e-5)


def test_model_checkpoint_takes_keras_save_freq_and_initial_value_threshold(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``save_freq=2`` over 3 batches an epoch saves after batches 2, 4 and 6 of the run, as Keras counts
    them; a threshold no loss beats saves nothing and says so; bad values are one clear error."""
    x, y = DATA[0][:48], DATA[1][:48]
    model = _model()
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "every2" / "e{epoch}-b{batch}-{loss:.1f}"), save_freq=2)])  # fmt: skip
    names = sorted(p.name.rsplit("-", 1)[0] for p in (tmp_path / "every2").iterdir())
    assert names == ["e1-b2", "e2-b1", "e2-b3"]
    strict = ModelCheckpoint(tmp_path / "never", monitor="loss", save_best_only=True, initial_value_threshold=1e-9, verbose=1)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[strict])
    assert not (tmp_path / "never").exists()
    assert capsys.readouterr().out.count("loss did not improve from 0.00000") == 2
    with pytest.raises(ConfigError, match="save_freq"):
        ModelCheckpoint(tmp_path / "x", save_freq="batch")
    with pytest.raises(ConfigError, match="val_acc"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "{val_acc:.2f}"))])


def test_save_best_calls_save_on_each_new_best_only() -> None:
    saved: list[float] = []
    for monitor, values, expected in [
        ("val_loss", [3.0, 2.0, 2.5, 1.0, 1.0], [3.0, 2.0, 1.0]),
        ("val_accuracy", [0.5, 0.7, 0.6, 0.8], [0.5, 0.7, 0.8]),
    ]:
        saved.clear()
        callback = SaveBest(saved.append, monitor=monitor)
        callback.on_train_begin({})
        for epoch, value in enumerate(values):
            callback.on_epoch_end(epoch, {monitor: value})
        assert saved == expected


def test_epoch_log_formats_the_logs_and_marks_missing_ones() -> None:
    lines: list[str] = []
    log = EpochLog(lines.append, "loss {loss:.3f}, validation {val_loss:.3f}")
    log.on_epoch_begin(0, {})
    log.on_epoch_end(0, {"loss": 0.12345})
    assert lines[0].startswith("epoch 1: loss 0.123, validation nan (") and lines[0].endswith(" s)")


def test_reduce_lr_on_plateau_and_csv_logger(tmp_path) -> None:  # type: ignore[no-untyped-def]
    x, y = DATA
    model = Sequential([SimpleRNN(4, input_shape=(10, 1)), Dense(1)])
    model.compile(optimizer=SGD(learning_rate=1e-9), loss="mse")  # nothing moves: a plateau
    log = tmp_path / "log.csv"
    model.fit(x, y, epochs=5, verbose=0, callbacks=[ReduceLROnPlateau("loss", factor=0.5, patience=2), CSVLogger(log)])
    assert model.optimizer.learning_rate < 1e-9
    rows = list(csv.DictReader(log.open()))
    assert [r["epoch"] for r in rows] == ["0", "1", "2", "3", "4"] and "loss" in rows[0]


def test_terminate_on_nan_keeps_the_last_good_weights() -> None:
    x, y = DATA
    model = _model()
    model.fit(x, y, epochs=1, verbose=0)
    good = model.get_weights()

    class Poison(Callback):
        def on_epoch_begin(self, epoch, logs=None):  # type: ignore[no-untyped-def]
            with torch.no_grad():
                self.model.layers[1].bias.fill_(math.nan)

    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[TerminateOnNaN(), Poison()])
    assert history.epoch == []  # stopped in the first epoch, quietly (Keras's behaviour)
    for a, b in zip(model.get_weights(), good):
        np.testing.assert_array_equal(a, b)


class _Clock:
    """A fake ``time.perf_counter`` that moves 10 s per epoch."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def tick(self, *args: object) -> None:
        self.now += 10.0


def test_time_limit_ends_within_the_budget_and_cosine_decays_over_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.train.callbacks import time_limit

    clock = _Clock()
    monkeypatch.setattr(time_limit.time, "perf_counter", clock)  # the time module both callbacks read
    x, y = DATA
    model = _model(lr=0.01)
    seen: list[float] = []
    record = LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(model.optimizer.learning_rate))
    budget = 35 / 60  # minutes: epochs of 10 s, so three fit (30 s) and a fourth would overrun
    ticks = LambdaCallback(on_epoch_end=clock.tick)
    history = model.fit(x, y, epochs=50, verbose=0,
                        callbacks=[ticks, TimeLimit(budget), CosineDecayOverTime(budget, floor=0.1), record])  # fmt: skip
    assert len(history.history["loss"]) == 3 and clock.now == 30.0
    expected = [0.01 * (0.1 + 0.9 * (1 + math.cos(math.pi * t / 35)) / 2) for t in (0, 10, 20)]
    assert seen == pytest.approx(expected)
    assert history.history["learning_rate"] == pytest.approx(expected)


def _tiny_fit_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(64, 5, 2)).astype(np.float32), rng.normal(size=(64, 1)).astype(np.float32)


def _tiny_model() -> Any:
    from rnnkit.layers import GRU, Dense
    from rnnkit.models import Sequential

    rnnkit.seed(0)
    model = Sequential([GRU(4, input_shape=(5, 2)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_json_lines_logger_streams_one_record_per_epoch(tmp_path: Path) -> None:
    import json

    from rnnkit.callbacks import JSONLinesLogger

    x, y = _tiny_fit_data()
    log = tmp_path / "runs" / "log.jsonl"
    history = _tiny_model().fit(x, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[JSONLinesLogger(log)])
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["epoch"] for r in records] == [0, 1, 2]
    assert [r["loss"] for r in records] == pytest.approx(history.history["loss"])
    assert [r["val_loss"] for r in records] == pytest.approx(history.history["val_loss"])
    assert records[0]["seconds"] <= records[1]["seconds"] <= records[2]["seconds"]


def test_saved_model_folder_holds_the_training_log(tmp_path: Path) -> None:
    import json

    from rnnkit.models import load_model

    x, y = _tiny_fit_data()
    model = _tiny_model()
    model.save(tmp_path / "unfitted")
    assert not (tmp_path / "unfitted" / "training_log.jsonl").exists()
    first = model.fit(x, y, epochs=2, verbose=0)
    second = model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m")
    records = [json.loads(line) for line in (tmp_path / "m" / "training_log.jsonl").read_text().splitlines()]
    assert [r["loss"] for r in records] == pytest.approx(first.history["loss"] + second.history["loss"])
    assert model.history is second
    load_model(tmp_path / "m")  # the log is listed with its checksum and does not disturb loading


def test_tensorboard_callback_writes_the_logged_scalars(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard", reason="the TensorBoard callback needs the tensorboard package (dev extras)")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from rnnkit.callbacks import TensorBoard

    x, y = _tiny_fit_data()
    history = _tiny_model().fit(
        x, y, epochs=2, batch_size=16, verbose=0, validation_split=0.25,
        callbacks=[TensorBoard(tmp_path / "tb", update_freq="batch")],
    )  # fmt: skip
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    assert {"loss", "val_loss", "batch/loss"} <= set(events.Tags()["scalars"])
    assert [e.value for e in events.Scalars("loss")] == pytest.approx(history.history["loss"], rel=1e-6)
    assert len(events.Scalars("batch/loss")) == 2 * 3  # 48 training samples in batches of 16, two epochs


def test_tensorboard_takes_keras_histogram_freq_and_a_batch_count(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard", reason="the TensorBoard callback needs the tensorboard package (dev extras)")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from rnnkit.callbacks import TensorBoard

    x, y = _tiny_fit_data()
    model = _tiny_model()
    board = TensorBoard(log_dir=tmp_path / "tb", histogram_freq=2, update_freq=4, write_steps_per_second=True)
    model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[board])  # 4 batches an epoch
    events = EventAccumulator(str(tmp_path / "tb"), size_guidance={"histograms": 0})
    events.Reload()
    names = {f"{name}/histogram" for name, _ in model.named_parameters()}
    assert names == set(events.Tags()["histograms"])
    assert all([e.step for e in events.Histograms(tag)] == [0, 2] for tag in names)  # epochs 0 and 2
    assert [e.step for e in events.Scalars("batch/loss")] == [4, 8, 12]
    assert len(events.Scalars("epoch_steps_per_second")) == 3
    for bad in ({"write_images": True}, {"profile_batch": 5}, {"update_freq": 0}, {"histogram_freq": -1}):
        with pytest.raises(ConfigError):
            TensorBoard(tmp_path, **bad)


def test_checkpoints_and_tensorboard_hook_batches_only_when_asked(tmp_path: Path) -> None:
    """A batch hook keeps an epoch from running as one native call: only the options that need one add it."""
    from rnnkit.callbacks import TensorBoard
    from rnnkit.train.loop import CallbackList

    def hooked(cb: Callback) -> bool:
        callbacks = CallbackList([cb], _tiny_model())
        callbacks.set_params({})
        return bool(callbacks.batch_hooks)

    assert not hooked(ModelCheckpoint(tmp_path / "m")) and hooked(ModelCheckpoint(tmp_path / "m", save_freq=5))
    assert not hooked(TensorBoard(tmp_path)) and hooked(TensorBoard(tmp_path, update_freq="batch"))
    assert hooked(TensorBoard(tmp_path, write_steps_per_second=True))


def test_backup_and_restore_takes_keras_options(tmp_path: Path) -> None:
    from rnnkit.callbacks import BackupAndRestore

    x, y = _tiny_fit_data()
    keep = BackupAndRestore(tmp_path / "b", save_freq="epoch", double_checkpoint=True, delete_checkpoint=False)
    _tiny_model().fit(x, y, epochs=2, verbose=0, callbacks=[keep])
    assert (tmp_path / "b" / "config.json").is_file()  # kept, as delete_checkpoint=False asks
    with pytest.raises(ConfigError, match="save_freq=100"):
        BackupAndRestore(tmp_path / "c", save_freq=100)


def test_stochastic_weight_averaging_leaves_the_mean_of_the_last_epochs_weights() -> None:
    x, y = DATA
    model = _model(lr=0.05)
    seen: list[list[np.ndarray]] = []
    snapshot = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append([w.copy() for w in model.get_weights()]))
    model.fit(x, y, epochs=8, callbacks=[snapshot, StochasticWeightAveraging(start=0.5)], verbose=0)
    expected = [np.mean([epoch[i] for epoch in seen[4:]], axis=0) for i in range(len(seen[0]))]  # epochs 4..7
    for got, want, last in zip(model.get_weights(), expected, seen[-1]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        assert not np.allclose(got, last)  # not simply the last epoch's weights
    with pytest.raises(ConfigError, match="start in \\[0, 1\\)"):
        StochasticWeightAveraging(start=1.0)


def test_stochastic_weight_averaging_state_round_trips() -> None:
    x, y = DATA
    model = _model(lr=0.05)
    swa = StochasticWeightAveraging(start=0.0)
    model.fit(x, y, epochs=3, callbacks=[swa], verbose=0)
    again = StochasticWeightAveraging(start=0.0)
    again.set_state(swa.get_state())
    assert again.count == 3 and again.average.keys() == swa.average.keys()
    for k in swa.average:
        torch.testing.assert_close(again.average[k], swa.average[k])


def test_a_weights_checkpoint_loads_back_with_load_weights(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    # Keras's weather example: ModelCheckpoint(save_weights_only=True, save_best_only=True), load_weights
    torch.manual_seed(0)
    x, y = torch.randn(64, 5, 2), torch.randn(64, 1)
    model = Sequential([LSTM(4, input_shape=(5, 2)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path / "model_checkpoint.weights.h5"
    callbacks = [ModelCheckpoint(filepath=path, monitor="loss", verbose=1, save_weights_only=True, save_best_only=True)]
    model.fit(x, y, epochs=5, callbacks=callbacks, verbose=0)
    assert "saving model to" in capsys.readouterr().out
    best = model.predict(x, verbose=0)
    model.fit(x, y, epochs=3, verbose=0)
    assert not np.allclose(model.predict(x, verbose=0), best)
    model.load_weights(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), best, atol=1e-6)
    with pytest.raises(RnnkitError):
        Sequential([LSTM(5, input_shape=(5, 2)), Dense(1)]).load_weights(path)  # another network
