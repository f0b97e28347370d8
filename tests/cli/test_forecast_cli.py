"""``rnnkit forecast``: fit on the built-in series or a CSV, predict, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.cli import main


def test_fit_on_the_built_in_series_and_predict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = str(tmp_path / "air")
    assert main(["forecast", "fit", "--out", model, "--epochs", "40", "--units", "16"]) == 0
    out = capsys.readouterr().out
    assert (
        "airline_passengers (built in, 1949-01..1960-12)" in out
        and "seasonal naive" in out
        and "the model " in out
        and "MASE" in out
    )
    assert main(["forecast", "predict", model]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0] == "step,forecast" and len(lines) == 7 and all(300 < float(r.split(",")[1]) < 800 for r in lines[1:])
    )


def test_csv_with_dates_and_covariates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = np.arange(60)
    rows = ["date,close,volume"] + [
        f"2020-{1 + i // 28:02d}-{1 + i % 28:02d},{100 + i + 3 * np.sin(i)},{i % 7}" for i in t
    ]
    (tmp_path / "prices.csv").write_text("\n".join(rows) + "\n")
    args = ["--target", "close", "--covariates", "volume", "--date", "date", "--lookback", "10", "--horizon", "2"]
    assert (
        main(["forecast", "fit", str(tmp_path / "prices.csv"), *args, "--out", str(tmp_path / "m"), "--epochs", "5"])
        == 0
    )
    capsys.readouterr()
    newer = ["--data", str(tmp_path / "prices.csv"), "--target", "close", "--covariates", "volume"]
    assert main(["forecast", "predict", str(tmp_path / "m"), *newer, "--output", str(tmp_path / "f.csv")]) == 0
    assert (tmp_path / "f.csv").read_text().count("\n") == 3


def test_bad_series_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "short.csv").write_text("v\n1\n2\n3\n")
    (tmp_path / "text.csv").write_text("v\n1\nabc\n")
    (tmp_path / "dates.csv").write_text("d,v\n2020-01-02,1\n2020-01-01,2\n")
    out = str(tmp_path / "m")
    cases = [
        (["forecast", "fit", str(tmp_path / "short.csv"), "--target", "v", "--out", out], "cannot hold"),
        (["forecast", "fit", str(tmp_path / "text.csv"), "--target", "v", "--out", out], "must hold numbers"),
        (
            ["forecast", "fit", str(tmp_path / "dates.csv"), "--target", "v", "--date", "d", "--out", out],
            "dates must increase",
        ),
        (["forecast", "fit", str(tmp_path / "short.csv"), "--out", out], "--target"),
        (["forecast", "fit", str(tmp_path / "short.csv"), "--target", "x", "--out", out], "no column 'x'"),
    ]
    for argv, message in cases:
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("rnnkit: error:") and message in err and err.count("\n") == 1
    assert not (tmp_path / "m").exists()


def test_backtest_and_plots_on_the_built_in_series(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = ["--epochs", "20", "--units", "8", "--lookback", "12", "--horizon", "3"]
    assert main(["forecast", "backtest", *small, "--folds", "3", "--plot", str(tmp_path / "b.png")]) == 0
    out = capsys.readouterr().out
    assert "3 folds of 3 steps, expanding window" in out and "fold 3" in out and "the best baseline" in out
    assert (tmp_path / "b.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["forecast", "backtest", *small, "--folds", "2", "--window", "sliding", "--train-size", "60"]) == 0
    assert "sliding window" in capsys.readouterr().out
    assert main(["forecast", "fit", *small, "--out", str(tmp_path / "m"), "--plot", str(tmp_path / "f.png")]) == 0
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["forecast", "backtest", *small, "--window", "sliding"]) == 1
    assert "train_size" in capsys.readouterr().err


def test_probabilistic_seq2seq_with_plots_and_interval_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = str(tmp_path / "m")
    small = ["--epochs", "10", "--units", "8", "--lookback", "12", "--horizon", "3"]
    argv = ["forecast", "fit", *small, "--strategy", "seq2seq", "--likelihood", "gaussian", "--out", model]
    assert main([*argv, "--plot", str(tmp_path / "f.png"), "--curves", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    assert "coverage 80%" in out and "MSIS 95%" in out and out.count("\nseasonal naive") == 2
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["forecast", "predict", model]) == 0  # the model's levels: 80 and 95 (conformal by default)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "step,forecast,lo-80,hi-80,lo-95,hi-95" and len(lines) == 4
    rows = [[float(v) for v in line.split(",")[1:]] for line in lines[1:]]
    assert all(lo95 <= lo80 <= f <= hi80 <= hi95 for f, lo80, hi80, lo95, hi95 in rows)
    assert main(["forecast", "predict", model, "--levels", "50"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "step,forecast,lo-50,hi-50"
    with pytest.raises(SystemExit):
        main(["forecast", "predict", model, "--levels", "0"])
    assert "expected a level in percent between 0 and 100" in capsys.readouterr().err


def test_conformal_intervals_for_a_point_forecaster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = str(tmp_path / "m")
    small = ["--epochs", "10", "--units", "8", "--lookback", "12", "--horizon", "3"]
    assert main(["forecast", "fit", *small, "--intervals", "conformal", "--levels", "90", "--out", model]) == 0
    out = capsys.readouterr().out
    assert "coverage 90%" in out and "coverage 80%" not in out
    assert main(["forecast", "predict", model, "--output", str(tmp_path / "f.csv")]) == 0
    assert (tmp_path / "f.csv").read_text().splitlines()[0] == "step,forecast,lo-90,hi-90"
    point = str(tmp_path / "p")
    assert main(["forecast", "fit", *small, "--out", point]) == 0
    capsys.readouterr()
    assert main(["forecast", "predict", point, "--levels", "80"]) == 1
    assert "point forecasts only" in capsys.readouterr().err
    assert main(["forecast", "fit", *small, "--intervals", "model", "--out", point]) == 1
    assert "intervals='model' takes a likelihood" in capsys.readouterr().err


def test_many_series_one_global_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = np.arange(60)
    rows = ["store,week,sales"]
    for store, size in (("north", 10.0), ("south", 500.0)):
        rows += [f"{store},{i},{size * (2 + np.sin(2 * np.pi * i / 6) + 0.01 * i)}" for i in t]
    (tmp_path / "sales.csv").write_text("\n".join(rows) + "\n")
    args = ["--target", "sales", "--id-column", "store", "--date", "week", "--lookback", "12", "--horizon", "2"]
    model = str(tmp_path / "m")
    assert main(["forecast", "fit", str(tmp_path / "sales.csv"), *args, "--epochs", "5", "--out", model]) == 0
    assert "2 series (60..60 values); one global model" in capsys.readouterr().out
    assert main(["forecast", "predict", model]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "series,step,forecast" and [r.split(",")[0] for r in lines[1:]] == ["north"] * 2 + ["south"] * 2
    north, south = float(lines[1].split(",")[2]), float(lines[3].split(",")[2])
    assert 5 < north < 40 and 250 < south < 2000  # each series forecast on its own scale
    local = str(tmp_path / "local")
    argv = ["forecast", "fit", str(tmp_path / "sales.csv"), *args, "--epochs", "5", "--per-series", "--out", local]
    assert main([*argv, "--likelihood", "quantile", "--plot", str(tmp_path / "l.png")]) == 0
    assert "one model per series, trained at once" in capsys.readouterr().out
    assert main(["forecast", "predict", local]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "series,step,forecast,lo-80,hi-80" and len(lines) == 5  # its quantiles' own 80 %
    assert (
        main(["forecast", "fit", str(tmp_path / "sales.csv"), "--target", "sales", "--per-series", "--out", local]) == 1
    )
    assert "--per-series needs --id-column" in capsys.readouterr().err


def test_parquet_gaps_and_built_in_series(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pa = pytest.importorskip("pyarrow", reason="Parquet input needs pyarrow (the dev extras install it)")
    import pyarrow.parquet as pq

    values = [100 + i + 5 * np.sin(i) for i in range(50)]
    values[20] = None  # a gap
    pq.write_table(pa.table({"price": values}), tmp_path / "p.parquet")
    base = ["forecast", "fit", str(tmp_path / "p.parquet"), "--target", "price", "--lookback", "8", "--horizon", "2"]
    assert main([*base, "--epochs", "2", "--out", str(tmp_path / "m")]) == 1
    assert "1 missing values (first at row 20); choose a fill policy" in capsys.readouterr().err
    assert main([*base, "--epochs", "2", "--fill", "interpolate", "--out", str(tmp_path / "m")]) == 0
    assert "p.parquet, 50 values" in capsys.readouterr().out
    small = ["--epochs", "2", "--lookback", "10", "--horizon", "2"]
    assert main(["forecast", "fit", "--series", "sunspots", *small, "--out", str(tmp_path / "s")]) == 0
    assert main(["forecast", "fit", "--series", "ibm_close", *small, "--difference", "--out", str(tmp_path / "i")]) == 0
    assert "sunspots (built in, 1700..2008)" in capsys.readouterr().out
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    assert main(["forecast", "fit", str(tmp_path / "bad.parquet"), "--target", "x", "--out", str(tmp_path / "b")]) == 1
    assert "is not a readable Parquet file" in capsys.readouterr().err


def test_an_ensemble_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = str(tmp_path / "ensemble")
    assert main(["forecast", "fit", "--out", model, "--epochs", "20", "--units", "8", "--ensemble", "3"]) == 0
    capsys.readouterr()
    assert main(["forecast", "predict", model]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 7
    refused = str(tmp_path / "refused")
    assert main(["forecast", "fit", "--out", refused, "--ensemble", "2", "--strategy", "seq2seq"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rnnkit: error:") and "ensemble" in err[0]
    assert not Path(refused).exists()


def test_skip_short_leaves_out_and_names_the_series_too_short(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["store,week,sales"]
    for store, length in (("north", 60), ("south", 60), ("new", 20)):
        rows += [f"{store},{i},{100 * (2 + np.sin(2 * np.pi * i / 6))}" for i in range(length)]
    (tmp_path / "sales.csv").write_text("\n".join(rows) + "\n")
    args = ["forecast", "fit", str(tmp_path / "sales.csv"), "--target", "sales", "--id-column", "store",
            "--lookback", "12", "--horizon", "2", "--epochs", "3", "--out", str(tmp_path / "m")]  # fmt: skip
    assert main(args) == 1  # 20 values cannot hold a training window and a test part of 24
    assert "cannot hold a training part" in capsys.readouterr().err
    assert main([*args, "--skip-short"]) == 0
    out = capsys.readouterr().out
    assert "skipped 1 series shorter than 38 values (lookback + horizon + test): new" in out
    assert "2 series (60..60 values); one global model" in out
    assert main([*args, "--skip-short", "--per-series"]) == 1
    assert "--skip-short needs --id-column and one global model" in capsys.readouterr().err


def test_a_stopped_fit_resumes_to_the_uninterrupted_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal

    import rnnkit.cli.forecast as forecast_cli
    from rnnkit.callbacks import LambdaCallback
    from rnnkit.models import load_model
    from rnnkit.tasks.forecasting import Forecaster

    argv = ["forecast", "fit", "--epochs", "12", "--units", "8", "--lookback", "12", "--horizon", "3",
            "--likelihood", "gaussian"]  # fmt: skip
    assert main([*argv, "--out", str(tmp_path / "reference")]) == 0
    with_backup = forecast_cli.backup_callbacks

    def stopped_at_epoch_5(args):  # type: ignore[no-untyped-def]
        def ctrl_c(epoch: int, logs: object) -> None:
            if epoch == 5:
                os.kill(os.getpid(), signal.SIGINT)

        return [*with_backup(args), LambdaCallback(on_epoch_end=ctrl_c)]

    monkeypatch.setattr(forecast_cli, "backup_callbacks", stopped_at_epoch_5)
    assert main([*argv, "--out", str(tmp_path / "m")]) == 130
    assert (tmp_path / "m.backup").is_dir() and not (tmp_path / "m").exists()
    epochs: list[int] = []
    monkeypatch.setattr(forecast_cli, "backup_callbacks",
                        lambda args: [*with_backup(args), LambdaCallback(on_epoch_end=lambda e, logs: epochs.append(e))])  # fmt: skip
    assert main([*argv, "--out", str(tmp_path / "m"), "--resume"]) == 0
    assert epochs == list(range(6, 12))  # it went on after epoch 6 (index 5), not from the start
    assert not (tmp_path / "m.backup").exists()
    reference, resumed = load_model(tmp_path / "reference"), load_model(tmp_path / "m")
    for (name, a), b in zip(reference.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
    scores = [Forecaster.load(tmp_path / n).calibration.scores for n in ("reference", "m")]  # type: ignore[union-attr]
    np.testing.assert_array_equal(*scores)
    assert main([*argv, "--out", str(tmp_path / "other"), "--resume"]) == 1
    assert "no unfinished run to continue" in capsys.readouterr().err
