"""``TensorBoard``: scalars and weight histograms for TensorBoard."""

from __future__ import annotations

import os
import time
from typing import Any

from rnnkit.errors import ConfigError
from rnnkit.train.callbacks.callback import Callback, Logs
from rnnkit.validation import is_count

__all__ = ["TensorBoard"]


class TensorBoard(Callback):
    """Scalars and histograms for TensorBoard (``tensorboard --logdir LOG_DIR``), with Keras's options.

    Every epoch log (``loss``, ``val_loss``, metrics, ``learning_rate`` when logged) is written at its
    epoch. ``update_freq="batch"`` (or an int N: every N batches) adds the training loss of the batches
    (tag ``batch/loss``, step = batches so far). ``histogram_freq=N`` writes a histogram of every weight
    every N epochs (tag ``<parameter>/histogram``). ``write_steps_per_second`` adds
    ``epoch_steps_per_second``. No graph is written (``write_graph`` is taken and ignored: the model is a
    PyTorch module); ``write_images``, ``profile_batch`` and ``embeddings_freq`` are refused. Needs the
    ``tensorboard`` package.
    """

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(
        self,
        log_dir: str | os.PathLike[str] = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        if update_freq not in ("epoch", "batch") and not is_count(update_freq):
            raise ConfigError(f"update_freq must be 'epoch', 'batch' or a positive number of batches, got {update_freq!r}")
        if not (histogram_freq == 0 or is_count(histogram_freq)):
            raise ConfigError(f"histogram_freq must be 0 or a positive number of epochs, got {histogram_freq!r}")
        refused = {"write_images": write_images, "profile_batch": profile_batch, "embeddings_freq": embeddings_freq,
                   "embeddings_metadata": embeddings_metadata}  # fmt: skip
        given = [name for name, value in refused.items() if value]
        if given:
            raise ConfigError(f"rnnkit's TensorBoard writes scalars and histograms only; {', '.join(given)} is not supported")
        self.log_dir, self.histogram_freq = str(log_dir), histogram_freq
        self.every = 1 if update_freq == "batch" else update_freq if isinstance(update_freq, int) else 0
        self.write_steps_per_second = write_steps_per_second
        self._writer: Any = None
        self._step = 0
        if self.every or write_steps_per_second:  # a batch hook only when it needs one: without, an epoch
            self.on_batch_end = self._count_batch  # type: ignore[method-assign]  # may run natively

    def on_train_begin(self, logs: Logs | None = None) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter  # optional: pip install tensorboard
        except ImportError as exc:
            raise ConfigError(
                "the TensorBoard callback needs the tensorboard package: pip install tensorboard"
            ) from exc
        self._writer = SummaryWriter(self.log_dir)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch_start, self._epoch_steps = time.perf_counter(), 0

    def _count_batch(self, batch: int, logs: Logs | None = None) -> None:
        self._step += 1
        self._epoch_steps += 1
        if self.every and self._step % self.every == 0 and logs and "loss" in logs:
            self._writer.add_scalar("batch/loss", float(logs["loss"]), self._step)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        for key, value in (logs or {}).items():
            self._writer.add_scalar(key, float(value), epoch)
        if self.write_steps_per_second:
            rate = self._epoch_steps / max(time.perf_counter() - self._epoch_start, 1e-9)
            self._writer.add_scalar("epoch_steps_per_second", rate, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for name, weight in self.model.named_parameters():
                self._writer.add_histogram(f"{name}/histogram", weight.detach().float().cpu(), epoch)
        self._writer.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
