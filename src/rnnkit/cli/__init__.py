"""The ``rnnkit`` command: a thin layer over the library. ``main(argv) -> exit code``.

Each command group lives in its own module and imports the heavy parts (torch) only when it runs, so
``rnnkit --help`` is instant. Every ``rnnkit`` error is printed as one line and exits with status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

__all__ = ["main", "run"]


def build_parser() -> argparse.ArgumentParser:
    from rnnkit import __version__
    from rnnkit.cli import (
        classify,
        demo,
        diagnose,
        export,
        forecast,
        model,
        native,
        serve,
        text,
        transcribe,
        translate,
        tune,
    )  # fmt: skip

    parser = argparse.ArgumentParser(prog="rnnkit", description="Recurrent neural networks on sequence data.")
    parser.add_argument("--version", action="version", version=f"rnnkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo.register(commands)
    model.register(commands)
    diagnose.register(commands)
    text.register(commands)
    classify.register(commands)
    forecast.register(commands)
    translate.register(commands)
    transcribe.register(commands)
    native.register(commands)
    export.register(commands)
    serve.register(commands)
    tune.register(commands)
    return parser


def with_default_command(argv: list[str]) -> list[str]:
    """``translate MODEL_DIR ...`` and ``transcribe MODEL_DIR ...`` mean their default subcommand."""
    from rnnkit.cli import transcribe, translate

    groups = {"translate": translate, "transcribe": transcribe}
    if len(argv) >= 2 and argv[0] in groups and argv[1] not in (*groups[argv[0]].SUBCOMMANDS, "-h", "--help"):
        return [argv[0], groups[argv[0]].DEFAULT, *argv[1:]]
    return argv


def launch_processes(argv: list[str]) -> int | None:
    """``--nproc N`` anywhere in the command: run the same command in N processes under torchrun (each
    ``fit`` then trains data-parallel, see ``rnnkit.train.distributed``); None when it is not given."""
    if "--nproc" not in argv:
        return None
    i = argv.index("--nproc")
    if i + 1 >= len(argv) or not argv[i + 1].isdigit() or int(argv[i + 1]) < 1:
        print("rnnkit: error: --nproc needs a positive number of processes", file=sys.stderr)
        return 2
    count, rest = argv[i + 1], argv[:i] + argv[i + 2 :]
    import subprocess

    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", count, "-m", "rnnkit", *rest]
    return subprocess.call(command)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    launched = launch_processes(arguments)
    if launched is not None:
        return launched
    if os.environ.get("RANK", "0") != "0":  # a torchrun worker other than rank 0: only rank 0 reports
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (for the rest of this process)
    parser = build_parser()
    args = parser.parse_args(with_default_command(arguments))
    if args.command is None:
        parser.print_help()
        return 0
    from rnnkit.errors import RnnkitError

    try:
        return int(args.handler(args) or 0)
    except RnnkitError as exc:
        print(f"rnnkit: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        out = getattr(args, "out", None)
        saved = ""
        if isinstance(out, str):
            from rnnkit.cli.backup import backup_folder

            if backup_folder(out).exists():
                saved = f"; the run is saved in {backup_folder(out)}: run the same command with --resume to continue"
        print(f"rnnkit: interrupted{saved}", file=sys.stderr)
        return 130


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
