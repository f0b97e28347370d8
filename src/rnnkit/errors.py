"""The rnnkit exception tree.

Every error rnnkit raises on purpose is an ``RnnkitError`` and also the builtin a Python user would
catch for the same mistake, so ``except ValueError`` keeps working::

    RnnkitError
    ├── ShapeError(ValueError)         an array has the wrong rank, feature count or length
    ├── DataError(ValueError)          values are unusable: NaN/inf, empty arrays
    ├── UnknownNameError(ValueError)   a string identifier (optimizer, loss, ...) is not known
    ├── ConfigError(ValueError)        an argument value is out of its allowed range
    ├── NotCompiledError(RuntimeError) fit/evaluate called before compile
    ├── NotBuiltError(RuntimeError)    the model has no weights yet (input shape unknown)
    ├── DivergedError(ArithmeticError) the training loss became NaN or infinite; training stopped
    └── ModelFileError(OSError)        a saved model folder is missing, malformed or tampered with

    GradientWarning(UserWarning)       gradients vanish or explode during training (diagnostics)

Messages say what was expected, what was received and, where there is one, how to fix it.
"""

from __future__ import annotations

__all__ = [
    "RnnkitError",
    "ShapeError",
    "DataError",
    "UnknownNameError",
    "ConfigError",
    "NotCompiledError",
    "NotBuiltError",
    "ModelFileError",
    "DivergedError",
    "GradientWarning",
    "DataWarning",
]


class RnnkitError(Exception):
    """Base class of every error rnnkit raises on purpose."""


class ShapeError(RnnkitError, ValueError):
    """An array has the wrong rank, feature count or length."""


class DataError(RnnkitError, ValueError):
    """Values cannot be used: NaN or inf, empty arrays, wrong dtype."""


class UnknownNameError(RnnkitError, ValueError):
    """A string identifier is not in its registry; the message lists the known names."""


class ConfigError(RnnkitError, ValueError):
    """An argument has a value outside its allowed range or set."""


class NotCompiledError(RnnkitError, RuntimeError):
    """A model was trained or evaluated before ``compile()``."""


class NotBuiltError(RnnkitError, RuntimeError):
    """A model has no weights yet because its input shape is not known."""


class DivergedError(RnnkitError, ArithmeticError):
    """The training loss became NaN or infinite; ``fit`` stopped and put back the last good weights.

    ``epoch`` and ``batch`` (0-based; ``batch`` None when only the epoch is known) say where."""

    def __init__(self, message: str, epoch: int = -1, batch: int | None = None) -> None:
        super().__init__(message)
        self.epoch, self.batch = epoch, batch


class ModelFileError(RnnkitError, OSError):
    """A saved model folder is missing, malformed or does not match its checksum."""


class GradientWarning(UserWarning):
    """Gradients vanish or explode during training; the message says what was measured and what to try."""


class DataWarning(UserWarning):
    """The data is usable but something about it changes the result: sequences cut to a length limit,
    too few training windows; the message says what was found and how to fix it."""
