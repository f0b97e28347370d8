"""The CLI: ``main(argv) -> int``, help everywhere, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.layers import Dense, SimpleRNN
from rnnkit.models import Sequential


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"rnnkit {rnnkit.__version__}"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["demo"],
        ["summary"],
        ["predict"],
        ["diagnose"],
        ["text"],
        ["text", "fit"],
        ["text", "generate"],
        ["classify"],
        ["classify", "fit"],
        ["classify", "predict"],
        ["classify", "evaluate"],
        ["forecast"],
        ["forecast", "fit"],
        ["forecast", "predict"],
    ],  # fmt: skip
)
def test_help_on_every_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: rnnkit" in capsys.readouterr().out


def test_help_does_not_import_torch() -> None:
    code = "import sys; from rnnkit.cli import build_parser; build_parser(); print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_demo_tells_the_truth(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert main(["demo", "--epochs", "3", "--verbose", "0", "--plot", str(tmp_path / "demo.png")]) == 0
    assert (tmp_path / "demo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = capsys.readouterr().out
    assert "always predicting the training mean scores MSE" in out
    assert "no model can beat that baseline" in out
    assert "Total params: 1,121" in out


def test_summary_and_predict_on_a_saved_model(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    model = Sequential([SimpleRNN(4, input_shape=(5, 2)), Dense(1)])
    model.save(tmp_path / "m")
    x = np.random.rand(3, 5, 2).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    assert main(["summary", str(tmp_path / "m")]) == 0
    assert "simple_rnn (SimpleRNN)" in capsys.readouterr().out
    assert (
        main(["predict", str(tmp_path / "m"), "--input", str(tmp_path / "x.npy"), "--output", str(tmp_path / "y.npy")])
        == 0
    )
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(x, verbose=0), atol=1e-6)


def test_bad_input_is_one_line_and_nonzero(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert main(["summary", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("rnnkit: error: no model folder")
    model = Sequential([SimpleRNN(4, input_shape=(5, 2)), Dense(1)])
    model.save(tmp_path / "m")
    np.save(tmp_path / "bad.npy", np.random.rand(3, 5, 7))
    assert main(["predict", str(tmp_path / "m"), "--input", str(tmp_path / "bad.npy")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "expects ('time', 2)" in err
    (tmp_path / "junk.npy").write_text("not an array")
    assert main(["predict", str(tmp_path / "m"), "--input", str(tmp_path / "junk.npy")]) == 1
    assert "not a readable .npy" in capsys.readouterr().err
    assert main(["demo", "--epochs", "0"]) == 1


def test_diagnose_prints_the_report_and_writes_plots(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    model = Sequential([SimpleRNN(4, input_shape=(None, 1)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.save(tmp_path / "m")
    np.savez(tmp_path / "d.npz", x=np.random.rand(16, 20, 1), y=np.random.rand(16, 1))
    code = main(
        [
            "diagnose",
            str(tmp_path / "m"),
            "--data",
            str(tmp_path / "d.npz"),
            "--plots",
            str(tmp_path / "p"),
            "--json",
            str(tmp_path / "g.json"),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "simple_rnn" in out and "effective memory:" in out and "|dL/dh_1|" in out
    assert (tmp_path / "p" / "gradient_flow.png").exists() and (tmp_path / "g.json").exists()
    np.savez(tmp_path / "bad.npz", inputs=np.zeros(3))
    assert main(["diagnose", str(tmp_path / "m"), "--data", str(tmp_path / "bad.npz")]) == 1
    assert "must hold arrays 'x' and 'y'" in capsys.readouterr().err


def test_text_fit_and_generate(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("hello world, hello rnn.\n" * 80)
    out = str(tmp_path / "model")
    assert main(["text", "fit", str(corpus), "--out", out, "--units", "16", "--layers", "1", "--batch", "4",
                 "--bptt", "20", "--epochs", "2"]) == 0  # fmt: skip
    assert "validation" in capsys.readouterr().out
    assert main(["text", "generate", out, "--prime", "hello", "--length", "30", "--seed", "1"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("hello") and len(first) == len("hello") + 30 + 1
    assert main(["text", "generate", out, "--prime", "hello", "--length", "30", "--seed", "1"]) == 0
    assert capsys.readouterr().out == first
    assert main(["text", "fit", str(corpus), "--out", out, "--epochs", "1", "--resume"]) == 0
    (tmp_path / "empty.txt").write_text("")
    assert main(["text", "fit", str(tmp_path / "empty.txt"), "--out", out, "--epochs", "1"]) == 1
    assert capsys.readouterr().err.strip().endswith("is empty")
    assert main(["text", "generate", out, "--prime", "Ω"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "never saw: 'Ω'" in err


def test_text_fit_builds_the_residual_language_model_when_asked(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from rnnkit.tasks.generation import TextGenerator

    corpus = tmp_path / "c.txt"
    corpus.write_text("to be or not to be, that is the question. " * 30)
    base = ["text", "fit", str(corpus), "--cell", "mingru", "--units", "8", "--epochs", "1", "--batch", "2", "--bptt", "10"]
    assert main([*base, "--out", str(tmp_path / "m"), "--residual", "--feed-forward", "2"]) == 0
    loaded = TextGenerator.load(tmp_path / "m")
    assert (loaded.config.residual, loaded.config.feed_forward) == (True, 2)
    widths = [tuple(w.shape) for w in loaded.model.layers[2].get_weights()]  # the first feed-forward block
    assert widths[:2] == [(8, 16), (16,)]
    assert main([*base, "--out", str(tmp_path / "x"), "--residual", "--feed-forward", "17"]) == 1
    assert "feed_forward must be a multiple of units from 0 to 16, got 17" in capsys.readouterr().err


def test_text_fit_adds_dropout_to_the_512_unit_model_only(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from rnnkit.tasks.generation import TextGenerator

    corpus = tmp_path / "c.txt"
    corpus.write_text("to be or not to be, that is the question. " * 30)
    base = ["text", "fit", str(corpus), "--layers", "1", "--epochs", "1", "--batch", "2", "--bptt", "10"]
    assert main([*base, "--out", str(tmp_path / "big"), "--units", "512"]) == 0
    assert main([*base, "--out", str(tmp_path / "small"), "--units", "64"]) == 0
    assert main([*base, "--out", str(tmp_path / "chosen"), "--units", "512", "--dropout", "0.1"]) == 0
    rates = {name: TextGenerator.load(tmp_path / name).config.dropout for name in ("big", "small", "chosen")}
    assert rates == {"big": 0.3, "small": 0.0, "chosen": 0.1}
