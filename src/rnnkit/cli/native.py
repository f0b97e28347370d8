"""``rnnkit native build | status``: compile rnnkit's C++ kernels for this machine, or say whether they are in use."""

from __future__ import annotations

import argparse
from typing import Any

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.


def register(commands: Any) -> None:
    native = commands.add_parser(
        "native",
        help="the compiled whole-sequence kernels (build, status)",
        description="rnnkit runs recurrent layers on its own C++ kernels when they are built for this "
        "machine, and on PyTorch's otherwise (same numbers, slower).",
    )
    sub = native.add_subparsers(dest="native_command", metavar="COMMAND", required=True)
    p = sub.add_parser("build", help="compile the kernels (a C++ compiler and ninja; about half a minute, once)")
    p.add_argument("--force", action="store_true", help="compile even when a build for this machine exists")
    p.add_argument("--verbose", action="store_true", help="show the compiler's output")
    p.set_defaults(handler=build)
    p = sub.add_parser("status", help="say whether the kernels are built and in use")
    p.set_defaults(handler=status)


def build(args: argparse.Namespace) -> int:
    from rnnkit import native
    from rnnkit.errors import ConfigError
    from rnnkit.native.building import missing_tool

    existing = native.module_file()
    if existing is not None and not args.force:
        print(f"native kernels: already built ({existing})")
        return 0
    missing = missing_tool()
    if missing is not None:
        raise ConfigError(f"the native kernels cannot be built here: {missing}")
    print("compiling rnnkit's native kernels for this machine (a minute or two)...", flush=True)
    try:
        path = native.build(verbose=args.verbose)
    except Exception as exc:  # the compiler's own errors, summarised in one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"the native kernels did not compile ({first}); rnnkit keeps using PyTorch's kernels"
        ) from exc
    print(f"native kernels: built ({path})")
    return 0


def status(args: argparse.Namespace) -> int:
    from rnnkit import native

    path = native.module_file()
    reason = native.unavailable_reason()
    if reason is not None:
        print(f"native kernels: not in use, {reason}; PyTorch's kernels run")
    elif path is None:
        print(f"native kernels: not built yet; the first training or prediction builds them once, in "
              f"{native.build_directory()} (or run: rnnkit native build)")  # fmt: skip
    else:
        print(f"native kernels: built and in use ({path})")
    return 0
