"""Callbacks: code that observes training and may stop it, never a branch inside the loop.

Write your own by subclassing ``Callback`` and overriding any hook, or with ``LambdaCallback``::

    >>> printer = LambdaCallback(on_epoch_end=lambda epoch, logs: None)

A callback that keeps something across epochs (a best value, a patience count) returns it from
``get_state`` and takes it back in ``set_state``, so that a run resumed by ``BackupAndRestore`` goes on
as if never stopped.

Hooks: ``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``, ``on_batch_end(batch, logs)``,
``on_epoch_end(epoch, logs)``, ``on_train_end(logs)``, and ``on_train_interrupted(logs)`` when Ctrl-C
stopped training (``logs["resume"]`` says where). ``on_train_begin`` may put a ``ResumePoint`` in
``logs["resume"]`` to make ``fit`` continue from it. ``self.model`` is the model being trained; set
``self.model.stop_training = True`` to stop after the current epoch.
"""

from rnnkit.train.callbacks.backup_and_restore import BackupAndRestore
from rnnkit.train.callbacks.callback import Callback, Logs
from rnnkit.train.callbacks.cosine_decay_over_time import CosineDecayOverTime
from rnnkit.train.callbacks.csv_logger import CSVLogger
from rnnkit.train.callbacks.early_stopping import EarlyStopping
from rnnkit.train.callbacks.epoch_log import EpochLog
from rnnkit.train.callbacks.history import History
from rnnkit.train.callbacks.json_lines_logger import JSONLinesLogger, epoch_record
from rnnkit.train.callbacks.lambda_callback import LambdaCallback
from rnnkit.train.callbacks.model_checkpoint import ModelCheckpoint
from rnnkit.train.callbacks.monitor import MonitorCallback
from rnnkit.train.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from rnnkit.train.callbacks.save_best import SaveBest
from rnnkit.train.callbacks.stochastic_weight_averaging import StochasticWeightAveraging
from rnnkit.train.callbacks.tensorboard import TensorBoard
from rnnkit.train.callbacks.terminate_on_nan import TerminateOnNaN
from rnnkit.train.callbacks.time_limit import TimeLimit

__all__ = [
    "Callback",
    "History",
    "LambdaCallback",
    "EarlyStopping",
    "ModelCheckpoint",
    "SaveBest",
    "EpochLog",
    "ReduceLROnPlateau",
    "CSVLogger",
    "JSONLinesLogger",
    "TensorBoard",
    "TerminateOnNaN",
    "BackupAndRestore",
    "TimeLimit",
    "CosineDecayOverTime",
    "StochasticWeightAveraging",
    "Logs",
    "MonitorCallback",
    "epoch_record",
]
