"""Faults during training: Ctrl-C, kill -9, a full disk, a loss that turns NaN. Nothing is lost, and a
resumed run ends with exactly the weights of a run that was never stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.callbacks import (
    BackupAndRestore,
    Callback,
    EarlyStopping,
    LambdaCallback,
    ModelCheckpoint,
    ReduceLROnPlateau,
)
from rnnkit.errors import DivergedError, ModelFileError
from rnnkit.layers import Dense, Dropout, SimpleRNN
from rnnkit.models import Sequential, load_model
from rnnkit.optimizers import SGD

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 12, 2)).astype(np.float32)
Y = X.sum(axis=(1, 2))[:, None] / 5
Y_STEPS = np.cumsum(X[..., :1], axis=1) / 3  # per-step targets for truncated BPTT


def _model() -> Sequential:
    rnnkit.seed(0)
    model = Sequential([SimpleRNN(8, return_sequences=True, input_shape=(None, 2)), Dropout(0.3), Dense(1)])
    model.compile(optimizer="adam", loss="mse", clipnorm=1.0)
    return model


def _fit(model: Sequential, callbacks: list, bptt: bool) -> None:  # type: ignore[type-arg]
    y = Y_STEPS if bptt else np.repeat(Y[:, None], 12, axis=1)
    model.fit(X, y, batch_size=16, epochs=3, verbose=0, callbacks=callbacks, bptt_steps=4 if bptt else None)


def _ctrl_c_at(epoch: int, batch: int) -> LambdaCallback:
    """A real SIGINT sent to this process at the end of ``batch`` of ``epoch``."""
    seen = {"epoch": -1}

    def batch_end(b: int, logs: dict) -> None:  # type: ignore[type-arg]
        if seen["epoch"] == epoch and b == batch:
            os.kill(os.getpid(), signal.SIGINT)

    return LambdaCallback(on_epoch_begin=lambda e, logs: seen.update(epoch=e), on_batch_end=batch_end)


# (epoch, batch) of the Ctrl-C → where the run stops: (epoch, batches done, chunks done in the next one)
# after the next update: the next whole batch, or the first chunk of the next batch (4 batches an epoch)
STOPS = {
    (0, 1): {False: (0, 3, 0), True: (0, 2, 1)},
    (1, 3): {False: (2, 1, 0), True: (2, 0, 1)},  # pressed at the end of an epoch
    (2, 2): {False: (2, 4, 0), True: (2, 3, 1)},  # the stop comes with the last update of the run
}


@pytest.mark.parametrize("bptt", [False, True], ids=["whole batches", "truncated BPTT, stopped between chunks"])
@pytest.mark.parametrize("epoch, batch", list(STOPS))
def test_ctrl_c_saves_a_checkpoint_and_the_resumed_run_ends_bit_for_bit_equal(
    tmp_path: Path, bptt: bool, epoch: int, batch: int
) -> None:
    reference = _model()
    _fit(reference, [], bptt)

    stopped = _model()
    with pytest.raises(KeyboardInterrupt):
        _fit(stopped, [BackupAndRestore(tmp_path / "backup"), _ctrl_c_at(epoch, batch)], bptt)
    position = json.loads((tmp_path / "backup" / "config.json").read_text())["metadata"]["resume"]
    assert {k: position[k] for k in ("epoch", "batch", "chunk")} == dict(
        zip(("epoch", "batch", "chunk"), STOPS[epoch, batch][bptt])
    )
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Ctrl-C is Python's again

    resumed = _model()  # a fresh process would build the same model from the same seed
    _fit(resumed, [BackupAndRestore(tmp_path / "backup")], bptt)
    for (name, a), b in zip(reference.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
    assert not (tmp_path / "backup").exists()  # a finished run leaves no backup


def test_callbacks_that_keep_state_resume_as_if_never_stopped(tmp_path: Path) -> None:
    """Early stopping's best weights and patience and the plateau schedule's count travel in the backup."""

    def run(*extra: Callback) -> Sequential:
        model = _model()
        keep = [  # on this run: the rate halves after epochs 3, 7 and 9, and early stopping ends it at epoch 9
            EarlyStopping(patience=2, restore_best_weights=True, min_delta=0.03),
            ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.1),
            ModelCheckpoint(tmp_path / "best", save_best_only=True),
        ]
        y = np.repeat(Y[:, None], 12, axis=1)
        model.fit(X[:48], y[:48], batch_size=16, epochs=12, verbose=0, validation_data=(X[48:], y[48:]),
                  callbacks=[*extra, *keep])  # fmt: skip
        return model

    reference = run()
    with pytest.raises(KeyboardInterrupt):
        run(BackupAndRestore(tmp_path / "b"), _ctrl_c_at(5, 0))
    saved = json.loads((tmp_path / "b" / "config.json").read_text())["metadata"]["resume"]["callbacks"]
    assert {"EarlyStopping#0", "ReduceLROnPlateau#0", "ModelCheckpoint#0"} <= set(saved)
    # both watch val_loss; the checkpoint counts every improvement, early stopping only those over 0.03
    assert saved["ModelCheckpoint#0"]["best"] <= saved["EarlyStopping#0"]["best"] < 2.0
    resumed = run(BackupAndRestore(tmp_path / "b"))
    assert resumed.optimizer.learning_rate == reference.optimizer.learning_rate == 1.25e-4
    assert len(resumed.history.epoch) + 5 == len(reference.history.epoch) == 9  # stopped at the same epoch
    for (name, a), b in zip(reference.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name


def test_a_second_ctrl_c_aborts_at_once(tmp_path: Path) -> None:
    def twice(b: int, logs: dict) -> None:  # type: ignore[type-arg]
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)

    model = _model()
    with pytest.raises(KeyboardInterrupt):
        _fit(model, [BackupAndRestore(tmp_path / "b"), LambdaCallback(on_batch_end=twice)], bptt=False)
    assert not (tmp_path / "b").exists()  # aborted before any checkpoint: nothing half-written either


SCRIPT = """
import sys, time, numpy as np, torch, rnnkit
from rnnkit.callbacks import (
    BackupAndRestore,
    Callback,
    EarlyStopping,
    LambdaCallback,
    ModelCheckpoint,
    ReduceLROnPlateau,
)
from rnnkit.errors import DivergedError, ModelFileError
from rnnkit.layers import Dense, Dropout, LSTM
from rnnkit.models import Sequential
torch.set_num_threads(1)
rng = np.random.default_rng(0)
x = rng.normal(size=(96, 10, 3)).astype(np.float32)
y = x[:, :, 0].sum(axis=1, keepdims=True)
rnnkit.seed(0)
model = Sequential([LSTM(16, input_shape=(10, 3)), Dropout(0.2), Dense(1)])
model.compile(optimizer="adam", loss="mse")
slow = LambdaCallback(on_batch_end=lambda b, logs: time.sleep(float(sys.argv[3])))
callbacks = [BackupAndRestore(sys.argv[1])] if sys.argv[1] != "-" else []
model.fit(x, y, batch_size=16, epochs=8, verbose=0, callbacks=[*callbacks, slow])
model.save(sys.argv[2])
"""


def test_kill_9_then_the_same_command_again_gives_the_uninterrupted_weights(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    run = [sys.executable, str(script)]
    subprocess.run([*run, "-", str(tmp_path / "reference"), "0"], check=True, timeout=120)

    backup, config = tmp_path / "backup", tmp_path / "backup" / "config.json"
    child = subprocess.Popen([*run, str(backup), str(tmp_path / "resumed"), "0.02"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until the backup holds epoch 3 or later, then SIGKILL
        if config.is_file() and json.loads(config.read_text())["metadata"]["resume"]["epoch"] >= 3:
            break
        time.sleep(0.01)
    child.kill()
    assert child.wait() == -signal.SIGKILL
    killed_at = json.loads(config.read_text())["metadata"]["resume"]["epoch"]
    assert 3 <= killed_at < 8 and not (tmp_path / "resumed").exists()

    subprocess.run([*run, str(backup), str(tmp_path / "resumed"), "0"], check=True, timeout=120)
    reference, resumed = load_model(tmp_path / "reference"), load_model(tmp_path / "resumed")
    for (name, a), b in zip(reference.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name


def test_a_loss_that_turns_nan_stops_training_and_keeps_the_last_good_weights() -> None:
    rnnkit.seed(0)
    model = Sequential([SimpleRNN(8, activation="relu", input_shape=(None, 2)), Dense(1)])
    model.compile(optimizer=SGD(learning_rate=0.01, momentum=0.5), loss="mse")
    model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    good = [w.copy() for w in model.get_weights()]
    slots = {k: v.clone() for k, v in model.optimizer.state_tensors().items()}
    model.optimizer.learning_rate = 10.0  # the classic cause: the next updates blow the weights up
    with pytest.raises(DivergedError) as caught:
        model.fit(X, Y, batch_size=16, epochs=5, verbose=0, shuffle=False)
    error = caught.value
    assert (error.epoch, error.batch) == (0, 2)  # the loss of batch 3 was the first not finite
    assert str(error).startswith("epoch 1, batch 3: the loss is inf (not finite); training stopped and the weights")
    assert "learning rate too high (10; try one 10x lower)" in str(error) and "clipnorm" in str(error)
    for a, b in zip(model.get_weights(), good):  # the weights and optimizer state fit started from
        np.testing.assert_array_equal(a, b)
    for k, v in model.optimizer.state_tensors().items():
        assert torch.equal(v, slots[k]), k


def test_a_nan_on_the_cli_is_one_line_and_the_saved_model_survives(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("abc abd abe " * 400)
    out = tmp_path / "lm"
    base = ["text", "fit", str(corpus), "--out", str(out), "--units", "8", "--layers", "1", "--batch", "4"]
    command = [sys.executable, "-m", "rnnkit", *base, "--bptt", "20", "--epochs", "1"]
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    before = (out / "model.safetensors").read_bytes()
    blown = subprocess.run(
        [sys.executable, "-m", "rnnkit", *base, "--bptt", "20", "--epochs", "3", "--lr", "1e38"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert blown.returncode == 1, blown.stderr
    lines = blown.stderr.strip().splitlines()
    assert lines[-1].startswith("rnnkit: error: epoch 1, batch 1: the loss is") and "Traceback" not in blown.stderr
    assert (out / "model.safetensors").read_bytes() == before  # the good model was not overwritten


FULL_DISK = """
import resource, signal, sys
import numpy as np
from rnnkit.layers import Dense, SimpleRNN
from rnnkit.models import Sequential
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing past the limit then fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
model = Sequential([SimpleRNN(64, input_shape=(5, 1)), Dense(1)])  # ~17 KB of weights: too big to write
model.compile(optimizer="adam", loss="mse")
model.build((None, 5, 1))
model.save(sys.argv[1])
"""


def test_a_full_disk_while_saving_leaves_the_previous_model_intact(tmp_path: Path) -> None:
    good = _model()
    good.build((None, 12, 2))
    good.save(tmp_path / "model")
    before = {p.name: p.read_bytes() for p in (tmp_path / "model").iterdir()}
    script = tmp_path / "full_disk.py"
    script.write_text(FULL_DISK)
    run = subprocess.run([sys.executable, str(script), str(tmp_path / "model")], capture_output=True, text=True)
    assert run.returncode == 1
    assert f"ModelFileError: cannot save the model to {tmp_path / 'model'}: " in run.stderr
    assert "File too large (os error 27); the model already there is intact" in run.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "model").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full_disk.py", "model"]  # no half-written folder
    load_model(tmp_path / "model")


def test_an_unwritable_output_folder_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    model = _model()
    model.build((None, 12, 2))
    with pytest.raises(ModelFileError, match="cannot save a model in .*a_file"):
        model.save(blocker / "model")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("abc abd abe " * 400)
    command = [sys.executable, "-m", "rnnkit", "text", "fit", str(corpus), "--out", str(blocker / "lm"), "--units",
               "8", "--layers", "1", "--batch", "4", "--bptt", "20", "--epochs", "1"]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("rnnkit: error: cannot save a model in")


def _stop_when(child: subprocess.Popen, backup: Path, epoch: int, sig: int) -> None:  # type: ignore[type-arg]
    """Send ``sig`` to ``child`` once its backup holds ``epoch`` or later."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and child.poll() is None:
        config = backup / "config.json"
        try:
            if json.loads(config.read_text())["metadata"]["resume"]["epoch"] >= epoch:
                child.send_signal(sig)
                return
        except (FileNotFoundError, json.JSONDecodeError):  # not written yet (or being swapped in)
            pass
        time.sleep(0.005)


def test_text_fit_killed_then_interrupted_then_resumed_writes_what_an_unbroken_run_writes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(f"line {i % 17} of the tale, then {i % 5}.\n" for i in range(700)))

    def command(out: Path, *extra: str) -> list[str]:
        return [sys.executable, "-m", "rnnkit", "text", "fit", str(corpus), "--out", str(out), "--units", "16",
                "--layers", "1", "--batch", "8", "--bptt", "20", "--epochs", "16", "--dropout", "0.1", *extra]  # fmt: skip

    subprocess.run(command(tmp_path / "unbroken"), check=True, capture_output=True, timeout=300)
    out, backup = tmp_path / "lm", tmp_path / "lm.backup"
    child = subprocess.Popen(command(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _stop_when(child, backup, 4, signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL, "the run ended before it could be killed"

    child = subprocess.Popen(command(out, "--resume"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _stop_when(child, backup, 9, signal.SIGINT)  # Ctrl-C
    _, err = child.communicate(timeout=300)
    assert child.returncode == 130, err
    assert "resuming from" in err and "Traceback" not in err
    assert err.strip().splitlines()[-1] == f"rnnkit: interrupted; the run is saved in {backup}: run the same " \
        "command with --resume to continue"  # fmt: skip

    resumed = subprocess.run(command(out, "--resume"), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert not backup.exists()
    assert (out / "model.safetensors").read_bytes() == (tmp_path / "unbroken" / "model.safetensors").read_bytes()


@pytest.mark.parametrize("task", ["classify", "translate"])
def test_a_killed_training_command_resumes_to_the_unbroken_model(task: str, tmp_path: Path) -> None:
    """``classify fit`` and ``translate fit`` (early stopping and best-model saving carried in the backup)."""
    from tests.tasks.test_classification import order_task

    if task == "classify":
        texts, labels = order_task(400, seed=0)
        data = tmp_path / "data.csv"
        data.write_text("text,label\n" + "".join(f"{t},{y}\n" for t, y in zip(texts, labels)))
        args = ["classify", "fit", str(data), "--text-column", "text", "--label-column", "label", "--units", "16",
                "--embedding", "8", "--epochs", "14", "--patience", "30"]  # fmt: skip
    else:
        args = ["translate", "fit", "--limit", "400", "--units", "16", "--epochs", "14", "--batch", "16"]

    def command(out: Path, *extra: str) -> list[str]:
        return [sys.executable, "-m", "rnnkit", *args, "--out", str(out), *extra]

    subprocess.run(command(tmp_path / "unbroken"), check=True, capture_output=True, timeout=300)
    out, backup = tmp_path / "model", tmp_path / "model.backup"
    child = subprocess.Popen(command(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _stop_when(child, backup, 5, signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    resumed = subprocess.run(command(out, "--resume"), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from" in resumed.stderr and not backup.exists()
    assert (out / "model.safetensors").read_bytes() == (tmp_path / "unbroken" / "model.safetensors").read_bytes()
    again = subprocess.run(command(out, "--resume"), capture_output=True, text=True, timeout=300)
    assert again.returncode == 1 and "no unfinished run to continue" in again.stderr
