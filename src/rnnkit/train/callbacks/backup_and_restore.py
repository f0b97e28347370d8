"""``BackupAndRestore``: a run that continues where it stood after a crash or Ctrl-C."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any, cast

import torch

from rnnkit.errors import ConfigError, ModelFileError
from rnnkit.train.callbacks.callback import Callback, Logs
from rnnkit.train.resume import ResumePoint

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Keras's ``BackupAndRestore``: keep a checkpoint of the run in ``backup_dir`` so that the same
    ``fit`` call, run again after a crash, ``kill -9`` or Ctrl-C, continues where the run stood and ends
    with the weights of a run never stopped (same seed; see ``rnnkit.train.resume``).

    The checkpoint (a model folder, written atomically) is saved after every epoch (once every callback
    has seen it) and, on Ctrl-C, after the update in progress; it holds the weights, the optimizer state
    and learning rate, the position in the epoch, PyTorch's random states, the state carried between
    truncated-BPTT chunks and what the other callbacks keep (``Callback.get_state``: early stopping's
    best weights and patience, the best value saved so far, the time a budget has used). It is deleted
    when training ends normally (``delete_checkpoint``). Keras's ``save_freq`` is taken as ``"epoch"`` only;
    ``double_checkpoint`` is taken and needs nothing more, since every write is atomic.

    Example::

        model.fit(x, y, epochs=100, callbacks=[BackupAndRestore("run.backup")])
    """

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(
        self,
        backup_dir: str | os.PathLike[str],
        save_freq: str | int = "epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ) -> None:
        if save_freq != "epoch":
            raise ConfigError(
                f"BackupAndRestore saves at each epoch's end and on Ctrl-C; save_freq={save_freq!r} (every N "
                "batches) is not supported: use save_freq='epoch'"
            )
        # double_checkpoint (Keras keeps a second copy in case a write is cut short) is taken and needs
        # nothing more: the backup is written atomically, so the one copy is always whole
        self.folder, self.delete_checkpoint = Path(backup_dir), delete_checkpoint
        self._pending: ResumePoint | None = None  # an epoch's end, saved when the next epoch begins

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if not (self.folder / "config.json").is_file():
            return
        metadata, extras = self.model.restore(self.folder)
        where = metadata.get("resume")
        if not (isinstance(where, dict) and all(isinstance(where.get(k), int) for k in ("epoch", "batch", "chunk"))):
            raise ModelFileError(f"{self.folder} is not a training backup (no resume position in its metadata)")
        saved = where.get("callbacks")
        states: dict[str, dict[str, Any]] = {k: dict(v) for k, v in saved.items()} if isinstance(saved, dict) else {}
        for name, tensor in extras.items():  # callback tensors: "callback.<key>.<name>"
            if name.startswith("callback."):
                key, entry = name[len("callback.") :].split(".", 1)
                states.setdefault(key, {})[entry] = tensor
        resume = ResumePoint(
            where["epoch"], where["batch"], where["chunk"], extras.get("rng.epoch"), extras.get("rng.now"),
            {k.split(".", 1)[1]: v for k, v in extras.items() if k.startswith("state.")}, states,
        )  # fmt: skip
        if isinstance(where.get("learning_rate"), float):  # as a schedule had set it (compile saved the first)
            self.model.optimizer.learning_rate = where["learning_rate"]
        if logs is not None:
            logs["resume"] = resume
        print(f"resuming from {self.folder}: epoch {resume.epoch + 1}, batch {resume.batch}", file=sys.stderr)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        now = torch.get_rng_state()
        # saved last of the epoch's callbacks' states: those listed after this one have not seen the epoch
        # yet, so they are asked for theirs when the next epoch begins (below) and the backup rewritten
        self._pending = ResumePoint(epoch + 1, epoch_rng=now, rng=now.clone())

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._flush()

    def _flush(self) -> None:
        if self._pending is not None:
            self._pending.callbacks = self.params["callbacks"].states()
            self._save(self._pending)
            self._pending = None

    def on_train_interrupted(self, logs: Logs | None = None) -> None:
        resume: ResumePoint = (logs or {})["resume"]
        self._save(resume)
        print(
            f"saved the run in {self.folder} (epoch {resume.epoch + 1}, after batch {resume.batch}); "
            "run the same command again to continue",
            file=sys.stderr,
        )

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._pending = None
        if self.delete_checkpoint:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _save(self, at: ResumePoint) -> None:
        extras = {f"state.{k}": v for k, v in at.states.items()}
        extras.update({"rng.epoch": cast(torch.Tensor, at.epoch_rng), "rng.now": cast(torch.Tensor, at.rng)})
        numbers: dict[str, dict[str, Any]] = {}
        for key, state in at.callbacks.items():
            for name, value in state.items():
                if isinstance(value, torch.Tensor):
                    extras[f"callback.{key}.{name}"] = value
                else:
                    numbers.setdefault(key, {})[name] = value
        where = {"epoch": at.epoch, "batch": at.batch, "chunk": at.chunk, "callbacks": numbers,
                 "learning_rate": getattr(self.model.optimizer, "learning_rate", None)}  # fmt: skip
        self.model.save(self.folder, metadata={"resume": where}, extra_tensors=extras)
