"""``rnnkit transcribe``: fit on a manifest, transcribe files, evaluate, make-data; one-line errors."""

from __future__ import annotations

import importlib.util
import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from rnnkit.cli import main

FSDD = Path(__file__).resolve().parents[3] / "shared" / "data" / "fsdd_recordings.zip"
_spec = importlib.util.spec_from_file_location("tones", Path(__file__).parents[1] / "tasks" / "test_transcription.py")
tones = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(tones)  # type: ignore[union-attr]


def _write(folder: Path, n: int, seed: int) -> Path:
    rows = ["path,text"]
    for i, u in enumerate(tones.tone_utterances(n, seed)):
        with wave.open(str(folder / f"u{seed}_{i}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(u.rate)
            w.writeframes((np.clip(u.samples, -1, 1) * 32767).astype("<i2").tobytes())
        rows.append(f"u{seed}_{i}.wav,{u.text}")
    (folder / f"manifest{seed}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder / f"manifest{seed}.csv"


def test_fit_transcribe_and_evaluate_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _write(tmp_path, 120, seed=0)
    model = str(tmp_path / "asr")
    args = ["--out", model, "--units", "16", "--layers", "1", "--epochs", "3", "--batch", "16"]
    assert main(["transcribe", "fit", str(manifest), *args]) == 0
    out = capsys.readouterr().out
    assert "108 utterances to train, 12 held out" in out and "CER" in out and "baseline" in out
    assert main(["transcribe", model, str(tmp_path / "u0_0.wav")]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert main(["transcribe", model, str(tmp_path / "u0_0.wav"), str(tmp_path / "u0_1.wav")]) == 0
    assert capsys.readouterr().out.count("\t") == 2
    assert main(["transcribe", "evaluate", model, str(_write(tmp_path, 10, seed=1))]) == 0
    assert "evaluation: 10 utterances, CER" in capsys.readouterr().out
    other = str(tmp_path / "asr2")
    assert main(["transcribe", "fit", str(manifest), *args[2:], "--out", other, "--speeds", "0.9", "1.1",
                 "--normalize", "global", "--epochs", "1"]) == 0  # fmt: skip
    config = json.loads((tmp_path / "asr2" / "config.json").read_text())["metadata"]["config"]
    assert config["speeds"] == [0.9, 1.1] and config["normalize"] == "global", config


@pytest.mark.skipif(not FSDD.is_file(), reason=f"FSDD recordings not found at {FSDD}")
def test_make_data_writes_fsdd_digit_strings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", "make-data", str(tmp_path / "d"), "--fsdd", str(FSDD), "--count", "5", "--test"]) == 0
    lines = (tmp_path / "d" / "manifest.csv").read_text().splitlines()
    assert lines[0] == "path,text" and len(lines) == 6 and all(r.split(",")[1].isdigit() for r in lines[1:])


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", "fit", "--out", str(tmp_path / "m")]) == 1
    assert "a manifest CSV or --fsdd" in capsys.readouterr().err
    assert main(["transcribe", "make-data", str(tmp_path / "d")]) == 1
    assert "--fsdd ZIP or --espeak" in capsys.readouterr().err
    (tmp_path / "bad.wav").write_bytes(b"not audio")
    (tmp_path / "m.csv").write_text("path,text\nbad.wav,abc\n", encoding="utf-8")
    assert main(["transcribe", "fit", str(tmp_path / "m.csv"), "--out", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a readable WAV file" in err
    assert not (tmp_path / "m").exists()


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_make_data_with_espeak(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", "make-data", str(tmp_path / "s"), "--espeak", "--count", "3"]) == 0
    lines = (tmp_path / "s" / "manifest.csv").read_text().splitlines()
    assert len(lines) == 4 and all(r.split(",")[1].isdigit() for r in lines[1:])
    from rnnkit.data.speech import read_manifest

    assert all(len(u.samples) > 0.3 * u.rate for u in read_manifest(tmp_path / "s" / "manifest.csv"))


def test_tune_transcribe_on_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("optuna", reason="rnnkit tune needs Optuna (the dev extras install it)")
    manifest = _write(tmp_path, 40, seed=3)
    assert main(["tune", "transcribe", str(manifest), "--trials", "2", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "data: 40 utterances; 2 trials" in out and "VAL_LOSS" in out and "best:" in out
