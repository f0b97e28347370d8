"""``rnnkit classify``: fit, predict and evaluate from files; bad files get one line and exit 1."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from rnnkit.cli import main


def _write_reviews(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "review", "sentiment"])
        for i in range(n):
            label = rng.choice(["pos", "neg"])
            word = rng.choice({"pos": ["great", "lovely"], "neg": ["awful", "dull"]}[label])
            words = [rng.choice(["the", "film", "was", "plot", "a"]) for _ in range(rng.randint(2, 8))] + [word]
            rng.shuffle(words)
            writer.writerow([i, " ".join(words), label])


def test_fit_predict_evaluate_texts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_reviews(tmp_path / "train.csv", 200, 0)
    _write_reviews(tmp_path / "test.csv", 60, 1)
    model = str(tmp_path / "model")
    args = ["--text-column", "review", "--label-column", "sentiment"]
    assert main(["classify", "fit", str(tmp_path / "train.csv"), *args, "--out", model, "--units", "8",
                 "--embedding", "8", "--epochs", "4", "--lr", "0.01"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "epoch 1:" in out and "validation accuracy (best epoch): model" in out and "bag of words" in out

    assert main(["classify", "evaluate", model, str(tmp_path / "test.csv"), *args]) == 0
    out = capsys.readouterr().out
    assert "majority" in out and "confusion (rows: true, columns: predicted)" in out
    accuracy = float(out.splitlines()[1].split()[1])  # the 'model' row
    assert accuracy > 0.9

    assert main(["classify", "predict", model, str(tmp_path / "test.csv"), "--text-column", "review",
                 "--output", str(tmp_path / "pred.csv")]) == 0  # fmt: skip
    rows = list(csv.DictReader((tmp_path / "pred.csv").open()))
    assert len(rows) == 60 and set(rows[0]) == {"row", "label", "p_neg", "p_pos"}
    assert all(abs(float(r["p_neg"]) + float(r["p_pos"]) - 1) < 1e-5 for r in rows)
    truth = [r["sentiment"] for r in csv.DictReader((tmp_path / "test.csv").open())]
    assert np.mean([r["label"] == t for r, t in zip(rows, truth)]) == pytest.approx(accuracy, abs=1e-9)


def test_numeric_sequences_in_long_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    with (tmp_path / "series.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["series", "value", "label"])
        for s in range(80):
            up = s % 2
            for t in range(int(rng.integers(3, 9))):
                writer.writerow([f"s{s}", (t if up else -t) + rng.normal(0, 0.1), "up" if up else "down"])
    model = str(tmp_path / "m")
    common = ["--id-column", "series", "--feature-columns", "value"]
    assert main(["classify", "fit", str(tmp_path / "series.csv"), *common, "--out", model, "--units", "8",
                 "--epochs", "2"]) == 0  # fmt: skip
    assert "80 numeric sequences, 2 classes" in capsys.readouterr().out
    assert main(["classify", "predict", model, str(tmp_path / "series.csv"), *common]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "series,label,p_down,p_up" and len(out) == 81 and out[1].startswith("s0,")


def test_bad_files_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "one.csv").write_text("text,label\ngood,pos\nfine,pos\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "other.csv").write_text("words,label\ngood,pos\n")
    out = str(tmp_path / "m")
    cases = [
        (["classify", "fit", str(tmp_path / "one.csv"), "--out", out], "only one class"),
        (["classify", "fit", str(tmp_path / "empty.csv"), "--out", out], "is empty"),
        (["classify", "fit", str(tmp_path / "other.csv"), "--out", out], "no column 'text'"),
        (["classify", "predict", str(tmp_path / "nope"), str(tmp_path / "one.csv")], "no model folder"),
        (["classify", "fit", str(tmp_path / "one.csv"), "--out", out, "--id-column", "x"], "--feature-columns"),
    ]
    for argv, message in cases:
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("rnnkit: error:") and message in err and err.count("\n") == 1
    assert not (tmp_path / "m").exists()


def _series(n: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    """Two classes told apart by their trend, of 6 to 30 steps, with two dimensions."""
    rng = np.random.default_rng(seed)
    out, labels = [], []
    for i in range(n):
        up, length = i % 2 == 0, int(rng.integers(6, 31))
        trend = np.linspace(0, 1 if up else -1, length)
        out.append(np.stack([trend + rng.normal(0, 0.2, length), rng.normal(0, 1, length)], axis=1))
        labels.append("up" if up else "down")
    return out, labels


def _write_ts(path: Path, series: list[np.ndarray], labels: list[str]) -> None:
    lines = ["# made by the test", "@problemName Trend", "@timeStamps false", "@missing true", "@univariate false",
             "@dimensions 2", "@equalLength false", "@classLabel true down up", "@data"]  # fmt: skip
    for k, (s, label) in enumerate(zip(series, labels)):
        dims = [",".join("?" if (k % 5 == 0 and t == 2) else f"{v:.5f}" for t, v in enumerate(s[:, d])) for d in (0, 1)]
        lines.append(":".join([*dims, label]))
    path.write_text("\n".join(lines) + "\n")


def test_an_archive_ts_file_fits_and_evaluates_with_missing_values_filled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_ts(tmp_path / "Trend_TRAIN.ts", *_series(120, 0))
    _write_ts(tmp_path / "Trend_TEST.ts", *_series(60, 1))
    model = str(tmp_path / "m")
    assert main(["classify", "fit", str(tmp_path / "Trend_TRAIN.ts"), "--out", model, "--units", "16",
                 "--epochs", "25", "--lr", "0.01", "--patience", "5"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "48 missing values interpolated" in out and "120 numeric sequences, 2 classes" in out
    assert main(["classify", "evaluate", model, str(tmp_path / "Trend_TEST.ts")]) == 0
    out = capsys.readouterr().out
    assert "24 missing values interpolated" in out
    accuracy = float(next(line for line in out.splitlines() if line.startswith("model")).split()[1])
    assert accuracy > 0.85  # the trend decides the class; chance is 0.5


def test_wide_csv_one_series_per_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    series, labels = _series(80, 2)
    rows = [[label, *(f"{v:.4f}" for v in s[:, 0])] for s, label in zip(series, labels)]
    with (tmp_path / "wide.csv").open("w", newline="") as f:
        csv.writer(f).writerows(rows)  # ragged: rows end where their series ends
    with (tmp_path / "unlabelled.csv").open("w", newline="") as f:
        csv.writer(f).writerows(row[1:] for row in rows[:5])
    model = str(tmp_path / "m")
    assert main(["classify", "fit", str(tmp_path / "wide.csv"), "--wide", "--out", model, "--units", "8",
                 "--epochs", "2", "--frontend", "conv", "--filters", "4"]) == 0  # fmt: skip
    assert "80 numeric sequences, 2 classes" in capsys.readouterr().out
    assert '"frontend": "conv"' in (tmp_path / "m" / "config.json").read_text()
    assert main(["classify", "predict", model, str(tmp_path / "unlabelled.csv"), "--wide"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "row,label,p_down,p_up" and len(out) == 6
    assert main(["classify", "fit", str(tmp_path / "unlabelled.csv"), "--wide", "--out", model, "--missing",
                 "error", "--label-column", "9"]) == 1  # fmt: skip
    assert "no label column 9" in capsys.readouterr().err


def test_numeric_scaling_and_windows_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.tasks.classification import SequenceClassifierConfig

    series, labels = _series(60, 3)
    with (tmp_path / "wide.csv").open("w", newline="") as f:
        csv.writer(f).writerows([label, *(f"{v:.4f}" for v in s[:, 0])] for s, label in zip(series, labels))
    longest = max(len(s) for s in series)
    model = str(tmp_path / "m")
    assert main(["classify", "fit", str(tmp_path / "wide.csv"), "--wide", "--out", model, "--units", "4",
                 "--layers", "1", "--epochs", "1", "--max-steps", "5", "--scaling", "global"]) == 0  # fmt: skip
    window = -(-longest // 5)
    assert f"read in windows of {window} steps" in capsys.readouterr().out
    assert '"scaling": "global"' in (tmp_path / "m" / "config.json").read_text()
    assert main(["classify", "fit", str(tmp_path / "wide.csv"), "--wide", "--out", model, "--units", "4",
                 "--layers", "1", "--epochs", "1", "--max-steps", "none"]) == 0  # fmt: skip
    assert "windows" not in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["classify", "fit", str(tmp_path / "wide.csv"), "--wide", "--out", model, "--max-steps", "0"])
    assert "expected a positive integer or 'none', got '0'" in capsys.readouterr().err
    defaults = SequenceClassifierConfig()
    parser_defaults = {a.dest: a.default for a in _fit_parser()._actions}
    for name in ("scaling", "max_steps", "refit"):
        assert parser_defaults[name] == getattr(defaults, name)


def _fit_parser():  # type: ignore[no-untyped-def]
    import argparse

    from rnnkit.cli import build_parser

    parser = build_parser()
    classify = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["classify"]
    return next(a for a in classify._actions if isinstance(a, argparse._SubParsersAction)).choices["fit"]
