"""Every example runs, and the tutorial runs with only its imports changed from Keras."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(name: str) -> str:
    result = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_tutorial_program_runs_as_in_keras() -> None:
    out = _run("tutorial.py")
    assert "Total params: 1,121" in out
    assert out.count("Epoch ") == 20
    loss = float(re.search(r"Test Loss: ([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    assert 0.05 < loss < 0.15  # random targets in [0, 1): variance 1/12 ≈ 0.083
    assert len(re.findall(r"Predicted: [0-9.]+, Actual: [0-9.]+", out)) == 5


def test_custom_cell_example_learns() -> None:
    out = _run("custom_cell.py")
    mse, baseline = map(float, re.search(r"test MSE ([0-9.]+), mean baseline ([0-9.]+)", out).groups())  # type: ignore[union-attr]
    assert mse < baseline / 3


def test_exploding_gradients_example_explodes_then_trains_with_clipping() -> None:
    out = _run("exploding_gradients.py")
    first, second = out.split("Run 2:")
    assert "invalid loss" in first and "Exploding gradients" in first and "clipnorm=" in first
    mse, baseline = map(float, re.search(r"test MSE ([0-9.]+) against ([0-9.]+)", second).groups())  # type: ignore[union-attr]
    assert mse < baseline
