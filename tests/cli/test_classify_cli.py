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
