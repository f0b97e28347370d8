"""The native kernels' build on first use: once per machine, under a lock, said in one line, and a failed
build remembered (fakes stand in for the compiler: a real build takes minutes and is ``make native``'s)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import ModuleType

import pytest

from rnnkit.cli import main
from rnnkit.native import building


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine with no build yet, and with the tools a build needs."""
    monkeypatch.setenv("RNNKIT_NATIVE_DIR", str(tmp_path))
    monkeypatch.delenv("RNNKIT_NATIVE", raising=False)
    monkeypatch.delenv("RNNKIT_NATIVE_BUILD", raising=False)
    monkeypatch.setattr(building, "missing_tool", lambda: None)
    return building.build_directory()


def _compiler(calls: list[int], seconds: float = 0.0):  # type: ignore[no-untyped-def]
    def compile_() -> ModuleType:
        calls.append(1)
        time.sleep(seconds)
        (building.build_directory() / "rnnkit_native.so").write_bytes(b"")
        return ModuleType("rnnkit_native")

    return compile_


def test_a_first_use_builds_once_and_says_so(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[int] = []
    module = building.build_once(lambda path: ModuleType("loaded"), _compiler(calls))
    assert module is not None and module.__name__ == "rnnkit_native" and calls == [1]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "compiling its native kernels for this machine, once" in err
    again = building.build_once(lambda path: ModuleType("loaded"), _compiler(calls))
    assert again is not None and again.__name__ == "loaded" and calls == [1]  # the build is loaded, not redone
    assert capsys.readouterr().err == ""


def test_concurrent_processes_wait_for_one_build(fresh: Path) -> None:
    calls: list[int] = []
    results: list[str | None] = []

    def first_use() -> None:
        module = building.build_once(lambda path: ModuleType("loaded"), _compiler(calls, seconds=0.3))
        results.append(module.__name__ if module is not None else None)

    threads = [threading.Thread(target=first_use) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and sorted(results) == ["loaded", "rnnkit_native"]  # the second loaded the first's build


def test_a_failed_build_is_said_once_remembered_and_explained(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[int] = []

    def broken() -> ModuleType:
        calls.append(1)
        raise RuntimeError("error building extension 'rnnkit_native'\nlong compiler output")

    assert building.build_once(lambda path: None, broken) is None
    assert "did not compile (error building extension 'rnnkit_native')" in capsys.readouterr().err
    assert building.build_once(lambda path: None, broken) is None and calls == [1]  # not retried
    assert building.unavailable_reason() == (
        "the last build failed (error building extension 'rnnkit_native'); rnnkit native build retries"
    )
    main(["native", "status"])
    assert "not in use, the last build failed" in capsys.readouterr().out


def test_no_build_when_told_not_to_or_without_a_compiler(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[int] = []
    monkeypatch.setenv("RNNKIT_NATIVE_BUILD", "0")
    assert building.build_once(lambda path: None, _compiler(calls)) is None and calls == []
    monkeypatch.delenv("RNNKIT_NATIVE_BUILD")
    monkeypatch.undo()  # the real tool check, on an empty PATH
    monkeypatch.setenv("RNNKIT_NATIVE_DIR", str(fresh.parent))
    monkeypatch.setenv("PATH", "")
    monkeypatch.setenv("CXX", "no-such-compiler")
    assert building.missing_tool() == "no C++ compiler (no-such-compiler and g++ are not on PATH)"
    assert building.build_once(lambda path: None, _compiler(calls)) is None and calls == []
    main(["native", "status"])
    assert "not in use, no C++ compiler" in capsys.readouterr().out
