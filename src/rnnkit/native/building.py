"""Compiling the native kernels: where a build lives, what it needs, and the one build on first use.

A build is keyed by the C++ sources, the flags, PyTorch, Python and the processor, and lives in
``$RNNKIT_NATIVE_DIR`` or ``~/.cache/rnnkit/native/<tag>``. ``rnnkit native build`` compiles ahead;
otherwise the first call that wants the kernels compiles them (``build_once``): one line on stderr says so,
a file lock makes concurrent processes wait for one build instead of each compiling, and a build that
fails leaves a note (``FAILED``) so later processes run PyTorch's kernels at once instead of trying again
(``rnnkit native build`` retries). ``RNNKIT_NATIVE=0`` switches the kernels off; ``RNNKIT_NATIVE_BUILD=0``
keeps a first use from compiling. ``unavailable_reason`` says in one line why the kernels cannot run here.

Example::

    $ rnnkit native status
    native kernels: built and in use (…/rnnkit/native/…/rnnkit_native.so)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import platform
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import torch

__all__ = [
    "FLAGS",
    "HEADERS",
    "SOURCES",
    "build_directory",
    "build_once",
    "compile_kernels",
    "failed_reason",
    "missing_tool",
    "module_file",
    "unavailable_reason",
]

_HERE = Path(__file__).parent
#: the module's C++ sources (with their headers); a build is keyed by all of them
SOURCES = [_HERE / name for name in ("recurrent.cpp", "scan.cpp", "diagonal_scan.cpp", "sequential.cpp", "module.cpp")]
HEADERS = [_HERE / name for name in ("fast_math.h", "recurrent.h", "scan.h", "diagonal_scan.h", "sequential.h")]
#: compiler flags; -fopenmp makes at::parallel_for (the groups of grouped_stack_gradients) use ATen's
#: OpenMP threads, as it does inside PyTorch (without it the loop runs on one thread)
FLAGS = ["-O3", "-march=native", "-fopenmp"]
_FAILED = "FAILED"


def _cpu() -> str:
    """The processor's instruction-set flags (the build uses ``-march=native``)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _tag() -> str:
    """Source and flags, PyTorch, Python and processor: a build is reused only when all match."""
    code = b"".join(p.read_bytes() for p in [*SOURCES, *HEADERS])
    digest = hashlib.sha256(code + " ".join(FLAGS).encode() + _cpu().encode()).hexdigest()[:12]
    return f"{digest}-torch{torch.__version__.replace('+', '_')}-py{sys.version_info.major}{sys.version_info.minor}"


def build_directory() -> Path:
    """Where the compiled module lives: ``$RNNKIT_NATIVE_DIR`` or ``~/.cache/rnnkit/native/<tag>``."""
    root = os.environ.get("RNNKIT_NATIVE_DIR") or os.path.join(Path.home(), ".cache", "rnnkit", "native")
    return Path(root) / _tag()


def module_file() -> Path | None:
    """The compiled module for this machine, or None when it is not built."""
    found = sorted(build_directory().glob("rnnkit_native*.so"))
    return found[0] if found else None


def _ninja_paths() -> list[str]:
    """Where ``ninja`` may be: beside this interpreter (a venv's ``bin/``) and the pip package's folder."""
    paths = [os.path.dirname(sys.executable)]
    try:
        import ninja  # a dependency of rnnkit; the pip package ships the binary

        paths.append(ninja.BIN_DIR)
    except ImportError:
        pass
    return paths


def missing_tool() -> str | None:
    """What the build lacks on this machine (a C++ compiler, ninja), or None."""
    compiler = os.environ.get("CXX") or "c++"
    if shutil.which(compiler) is None and shutil.which("g++") is None:
        return f"no C++ compiler ({compiler} and g++ are not on PATH)"
    search = os.pathsep.join([*_ninja_paths(), os.environ.get("PATH", "")])
    if shutil.which("ninja", path=search) is None:
        return "ninja is missing (pip install ninja)"
    return None


def failed_reason() -> str | None:
    """The first line of the last failed build's error on this machine, or None."""
    note = build_directory() / _FAILED
    return note.read_text().strip() or "unknown error" if note.exists() else None


def unavailable_reason() -> str | None:
    """Why the kernels cannot run here, in one line, or None when they are built or can be."""
    if os.environ.get("RNNKIT_NATIVE", "1") == "0":
        return "switched off (RNNKIT_NATIVE=0)"
    if module_file() is not None:
        return None
    failed = failed_reason()
    if failed is not None:
        return f"the last build failed ({failed}); rnnkit native build retries"
    return missing_tool()


def compile_kernels(verbose: bool = False) -> ModuleType:
    """Compile the kernels for this machine (``-O3 -march=native``) and return the loaded module."""
    from torch.utils.cpp_extension import load  # heavy: loaded only to compile

    folder = build_directory()
    folder.mkdir(parents=True, exist_ok=True)
    # PyTorch calls `ninja` from PATH
    os.environ["PATH"] = os.pathsep.join([*_ninja_paths(), os.environ.get("PATH", "")])
    module = load(
        name="rnnkit_native",
        sources=[str(p) for p in SOURCES],
        extra_cflags=FLAGS,
        extra_ldflags=["-fopenmp"],
        build_directory=str(folder),
        verbose=verbose,
    )
    (folder / _FAILED).unlink(missing_ok=True)
    return module


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the build folder's lock: a second process waits here for the first one's build."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_once(
    load: Callable[[Path], ModuleType | None], compile_: Callable[[], ModuleType] = compile_kernels
) -> ModuleType | None:
    """The kernels for a first use: the build already there (``load``), or compiled now, once per machine
    (one line on stderr, the folder locked against a concurrent build); None when they cannot be built
    here or the build fails (its first line is kept in ``FAILED`` and said once)."""
    if os.environ.get("RNNKIT_NATIVE_BUILD", "1") == "0" or unavailable_reason() is not None:
        return None
    folder = build_directory()
    with _locked(folder):
        path = module_file()
        if path is not None:  # another process built it while this one waited
            return load(path)
        if failed_reason() is not None:
            return None
        print(
            "rnnkit: compiling its native kernels for this machine, once (a minute or two; "
            "RNNKIT_NATIVE_BUILD=0 skips)...",
            file=sys.stderr,
            flush=True,
        )
        try:
            return compile_()
        except Exception as exc:  # noqa: BLE001  (a compiler's error: PyTorch's kernels run instead)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            (folder / _FAILED).write_text(first[:300] + "\n")
            print(f"rnnkit: the native kernels did not compile ({first[:200]}); PyTorch's kernels run instead",
                  file=sys.stderr, flush=True)  # fmt: skip
            return None
