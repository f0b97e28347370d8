"""The progress bar: live redraws in a terminal, one final line elsewhere."""

from __future__ import annotations

import io

import pytest

from rnnkit.errors import ConfigError
from rnnkit.train import progress
from rnnkit.train.progress import ProgressBar, resolve_verbose


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_bar_redraws_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "REFRESH_S", 0.0)
    out = Terminal()
    bar = ProgressBar(4, verbose=1, stream=out)
    for step in range(1, 4):
        assert bar.wants_update()
        bar.update(step, {"loss": 0.5})
    bar.finish({"loss": 0.25})
    text = out.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n") and text.count("\n") == 1
    assert text.split("\r")[-1].startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ") and "loss: 0.2500" in text


def test_pipe_gets_one_line_per_epoch() -> None:
    out = io.StringIO()
    bar = ProgressBar(25, verbose=1, stream=out)
    assert not bar.wants_update()
    bar.finish({"loss": 0.084, "val_loss": 0.0001})
    line = out.getvalue()
    assert line.startswith("25/25 ━━━━━━━━━━━━━━━━━━━━ 0s ") and line.endswith(
        " - loss: 0.0840 - val_loss: 1.0000e-04\n"
    )
    out = io.StringIO()
    ProgressBar(25, verbose=2, stream=out).finish({"loss": 0.084})
    assert out.getvalue().startswith("25/25 - 0s - ") and "━" not in out.getvalue()


def test_verbose_values() -> None:
    assert resolve_verbose("auto") == 1 and resolve_verbose(2) == 2
    with pytest.raises(ConfigError):
        resolve_verbose("loud")
