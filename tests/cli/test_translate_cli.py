"""``rnnkit translate``: fit, translate (arguments, file, stdin), evaluate, attention; one-line errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.datasets.dates import date_pairs


def test_fit_translate_evaluate_and_attention(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, targets = date_pairs(400, seed=5)
    pairs = tmp_path / "dates.tsv"
    pairs.write_text("".join(f"{s}\t{t}\n" for s, t in zip(sources, targets)), encoding="utf-8")
    model = str(tmp_path / "model")
    fit = ["translate", "fit", str(pairs), "--out", model, "--units", "16", "--epochs", "2", "--target-tokens", "char"]
    assert main([*fit, "--beam", "2"]) == 0
    out = capsys.readouterr().out
    assert "360 pairs to train, 40 held out" in out and "held out: BLEU" in out and "epoch 2:" in out

    assert main(["translate", model, "march 3, 1999", "the first of may two thousand"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    (tmp_path / "in.txt").write_text("5 may 1950\n\n12.01.2001\n", encoding="utf-8")
    assert main(["translate", model, "--file", str(tmp_path / "in.txt"), "--beam", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("5 may 1950\n"))
    assert main(["translate", model, "--file", "-"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1

    assert main(["translate", "evaluate", model, str(pairs), "--limit", "50"]) == 0
    assert "50 pairs, beam 2: BLEU" in capsys.readouterr().out
    assert main(["translate", "attention", model, "march 3, 1999", "--out", str(tmp_path / "a.png")]) == 0
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"

    pair = str(tmp_path / "pair")
    assert main([*fit[:4], pair, *fit[5:], "--ensemble", "2"]) == 0
    out = capsys.readouterr().out
    assert "network 2/2: epoch 2:" in out and not Path(pair + ".backup").exists()
    assert main(["translate", "attention", pair, "march 3, 1999", "--out", str(tmp_path / "b.png")]) == 0
    assert main([*fit[:4], pair, *fit[5:], "--ensemble", "2", "--resume"]) == 1
    assert "cannot be resumed" in capsys.readouterr().err

    luong = str(tmp_path / "luong")
    assert main([*fit[:4], luong, *fit[5:], "--attention-style", "luong", "--bf16"]) == 0
    saved = (tmp_path / "luong" / "config.json").read_text()
    assert '"attention_style": "luong"' in saved and '"mixed_precision": "bf16"' in saved
    assert main(["translate", "attention", luong, "march 3, 1999", "--out", str(tmp_path / "c.png")]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit):  # argparse: invalid choice
        main([*fit[:4], luong, *fit[5:], "--attention-style", "after"])


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.tsv").write_text("hello\tbonjour\nno tab here\n", encoding="utf-8")
    assert main(["translate", "fit", str(tmp_path / "bad.tsv"), "--out", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 2 has no tab" in err
    assert not (tmp_path / "m").exists()  # nothing written when training did not complete
    (tmp_path / "same.tsv").write_text("".join(f"hello\tbonjour {i}\n" for i in range(30)), encoding="utf-8")
    assert main(["translate", "fit", str(tmp_path / "same.tsv"), "--out", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "all 30 pairs share one source sentence" in err
    assert main(["translate", str(tmp_path / "missing")]) == 1
    assert "nothing to translate" in capsys.readouterr().err
    assert main(["translate", str(tmp_path / "missing"), "hello"]) == 1
    assert "no model folder" in capsys.readouterr().err
