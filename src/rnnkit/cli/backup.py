"""``--resume`` for the training commands: a backup beside the output folder lets a run stopped by Ctrl-C,
a crash or ``kill -9`` continue exactly where it stood (``rnnkit.callbacks.BackupAndRestore``).

The backup of ``--out MODEL`` is the folder ``MODEL.backup``; it exists only while a run is unfinished.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.

__all__ = ["add_resume_flag", "backup_callbacks", "backup_folder"]


def add_resume_flag(parser: argparse.ArgumentParser, or_continue: bool = False) -> None:
    """``--resume``; ``or_continue``: without a backup it goes on training the model in ``--out``."""
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the unfinished run whose backup is beside --out (OUT.backup), with the same options"
        + ("; without a backup, go on training the model in --out" if or_continue else ""),
    )
    parser.set_defaults(resume_or_continue=or_continue)


def backup_folder(out: str) -> Path:
    path = Path(out)
    return path.with_name(path.name + ".backup")


def backup_callbacks(args: argparse.Namespace) -> list[Any]:
    """``[BackupAndRestore(OUT.backup)]``; without ``--resume`` an earlier run's backup is removed first."""
    from rnnkit.callbacks import BackupAndRestore

    folder = backup_folder(args.out)
    if args.resume and not folder.exists() and not args.resume_or_continue:
        from rnnkit.errors import ConfigError

        raise ConfigError(f"--resume: there is no unfinished run to continue ({folder} does not exist)")
    if folder.exists() and not args.resume:
        shutil.rmtree(folder)
        print(f"note: removed {folder}, the backup of an unfinished run (--resume continues one)", file=sys.stderr)
    return [BackupAndRestore(folder)]
