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
    assert (
        "the loss is inf (not finite); training stopped" in first
        and "Exploding gradients" in first
        and "clipnorm=" in first
    )
    mse, baseline = map(float, re.search(r"test MSE ([0-9.]+) against ([0-9.]+)", second).groups())  # type: ignore[union-attr]
    assert mse < baseline


SHAPES_PAGE = Path(__file__).resolve().parents[1] / "docs" / "concepts" / "shapes.md"


def _numbers(pattern: str, text: str) -> list[float]:
    match = re.search(pattern, text)
    assert match is not None, text
    return [float(g) for g in match.groups()]


def test_shape_examples_beat_their_baselines_and_match_the_readme() -> None:
    """Each of the four shapes (and the encoder–decoder) runs, beats its baseline, and the documentation's
    shapes page shows exactly the code that ran."""
    page = SHAPES_PAGE.read_text(encoding="utf-8")
    checks = {
        "one_to_one.py": (r"accuracy ([0-9.]+), majority class ([0-9.]+)", lambda a, b: a > b + 0.2),
        "one_to_many.py": (r"spelled exactly: ([0-9.]+)", lambda a: a >= 0.8),
        "many_to_one.py": (r"MSE ([0-9.]+), last-value baseline ([0-9.]+)", lambda a, b: a < b / 2),
        "many_to_many.py": (r"tags ([0-9.]+), 'any rise' baseline ([0-9.]+)", lambda a, b: a > b + 0.2),
        "encoder_decoder.py": (r"exact match ([0-9.]+) %", lambda a: a >= 80.0),
    }
    for name, (pattern, holds) in checks.items():
        code = (EXAMPLES / "shapes" / name).read_text(encoding="utf-8")
        body = code.split('"""', 2)[2].strip()  # the code after the docstring
        assert body in page, f"docs/concepts/shapes.md does not show examples/shapes/{name} as it is"
        assert holds(*_numbers(pattern, _run(f"shapes/{name}"))), name


def _scores(pattern: str, out: str) -> list[float]:
    found = re.search(pattern, out)
    assert found is not None, out[-2000:]
    return [float(v) for v in found.groups()]


def test_keras_seq2seq_with_states_decodes_better_than_the_most_common_characters() -> None:
    out = _run("keras/seq2seq_with_states.py")
    assert "Connected to" in out and "lstm[0][1]" in out  # the decoder reads the encoder's states
    accuracy, baseline = _scores(r"character accuracy ([0-9.]+), most-common-character baseline ([0-9.]+)", out)
    assert accuracy > baseline + 0.05


def test_keras_bidirectional_sentiment_beats_counting_words() -> None:
    out = _run("keras/bidirectional_sentiment.py")
    accuracy, counting, majority = _scores(
        r"test accuracy ([0-9.]+), word-count baseline ([0-9.]+), majority baseline ([0-9.]+)", out
    )
    assert accuracy > counting + 0.1 and accuracy > majority


def test_keras_timeseries_forecasting_beats_last_year_and_the_mean() -> None:
    out = _run("keras/timeseries_forecasting.py")
    assert "Input shape: (16, 20, 1)" in out
    mse, naive, mean = _scores(r"test MSE ([0-9.]+) \(sunspots²\), last-year baseline ([0-9.]+), training-mean baseline ([0-9.]+)", out)
    assert mse < naive < mean
