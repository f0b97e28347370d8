"""rnnkit tune: the search keeps its best trial, pruning stops a trial early, and the CLI saves the best
setting trained on the whole series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rnnkit
from rnnkit.errors import DataError

pytest.importorskip("optuna", reason="rnnkit tune needs Optuna (the dev extras install it)")

from rnnkit.tune import PruneOnValidation, tune_forecaster  # noqa: E402


def _series(n: int = 140) -> np.ndarray:
    t = np.arange(n)
    return (100 + t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) * np.exp(np.random.default_rng(0).normal(0, 0.01, n))


def test_the_best_trial_is_the_lowest_validation_score_and_beats_the_baselines() -> None:
    series = _series()
    result = tune_forecaster(series, validation=24, trials=5, horizon=3, epochs=60, report_every=20, lookbacks=(8, 30))
    assert len(result.trials) == 5
    complete = [t["score"] for t in result.trials if t["state"] == "complete"]
    assert result.best_score == min(complete)
    assert set(result.best_params) == {"cell", "units", "layers", "lookback", "learning_rate"}
    assert "best:" in result.table()
    # the winner, trained again the same way, beats seasonal naive on the validation part
    from rnnkit.tasks.forecasting import Forecaster

    number = next(i for i, t in enumerate(result.trials) if t["score"] == result.best_score)
    rnnkit.seed(number)
    scores = Forecaster(horizon=3, epochs=60, **result.best_params).fit(series[:-24]).evaluate(series, len(series) - 24)
    assert scores["model"]["mase"] == pytest.approx(result.best_score, rel=1e-6)
    assert scores["model"]["mase"] < scores["seasonal_naive"]["mase"]


class _AlwaysPrune:
    def __init__(self) -> None:
        self.reports: list[tuple[float, int]] = []

    def report(self, value: float, step: int) -> None:
        self.reports.append((value, step))

    def should_prune(self) -> bool:
        return True


def test_a_pruned_trial_stops_at_its_first_report() -> None:
    from rnnkit.tasks.forecasting import Forecaster

    series, trial = _series(), _AlwaysPrune()
    rnnkit.seed(0)
    model = Forecaster(lookback=12, horizon=3, epochs=100, units=8)
    probe = PruneOnValidation(trial, model, series[:, None], len(series) - 24, every=10)
    model.fit(series[:-24], callbacks=[probe])
    assert probe.pruned and len(model.losses) == 10 and [s for _, s in trial.reports] == [10]
    assert trial.reports[0][0] == pytest.approx(model.evaluate(series, len(series) - 24)["model"]["mase"])


def test_tune_command_saves_the_best_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main
    from rnnkit.tasks.forecasting import Forecaster

    args = ["tune", "forecast", "--trials", "3", "--epochs", "20", "--horizon", "3", "--validation", "24"]
    assert main([*args, "--out", str(tmp_path / "best")]) == 0
    out = capsys.readouterr().out
    assert "3 trials, each scored on the last 24" in out and "best:" in out
    assert Forecaster.load(tmp_path / "best").predict().shape == (3,)
    (tmp_path / "short.csv").write_text("v\n" + "\n".join(str(i) for i in range(1, 40)) + "\n")
    assert main(["tune", "forecast", str(tmp_path / "short.csv"), "--target", "v", "--validation", "12"]) == 1
    assert "leave 27 to train on" in capsys.readouterr().err
    with pytest.raises(DataError):
        tune_forecaster(_series(40), validation=12)


def _reviews(n: int = 240) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(0)
    filler, good, bad = ["the", "movie", "was", "a", "plot"], ["good", "great", "fine"], ["bad", "awful", "poor"]
    texts, labels = [], []
    for i in range(n):
        positive = i % 2 == 0
        words = [str(rng.choice(filler)) for _ in range(5)] + [str(rng.choice(good if positive else bad))]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append("pos" if positive else "neg")
    return texts, labels


def test_classifier_tuning_keeps_the_most_accurate_trial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main
    from rnnkit.tune import tune_classifier

    texts, labels = _reviews()
    result = tune_classifier(texts, labels, trials=3, epochs=3, embedding=16)
    complete = [t["score"] for t in result.trials if t["state"] == "complete"]
    assert result.best_score == max(complete) and result.metric == "accuracy"
    assert result.best_score > 0.8  # one word decides the label: every setting should find it
    rows = ["text,label"] + [f"{t},{label}" for t, label in zip(texts, labels)]
    (tmp_path / "reviews.csv").write_text("\n".join(rows) + "\n")
    command = ["tune", "classify", str(tmp_path / "reviews.csv"), "--trials", "2", "--epochs", "2"]
    assert main([*command, "--out", str(tmp_path / "best")]) == 0
    assert "ACCURACY" in capsys.readouterr().out and (tmp_path / "best" / "config.json").exists()


def test_generator_and_translator_tuning_keep_the_lowest_validation_loss() -> None:
    from rnnkit.datasets.dates import date_pairs
    from rnnkit.tune import tune_generator, tune_translator

    text = "".join(f"{w} and {w} again. " for w in ("red", "blue", "green", "amber") * 40)
    result = tune_generator(text, trials=2, epochs=1, batch=8, bptt=20)
    complete = [t["score"] for t in result.trials if t["state"] == "complete"]
    assert result.best_score == min(complete) and result.metric == "val_loss"
    assert 0 < result.best_score < np.log(len(set(text)))  # better than a uniform guess over the characters
    sources, targets = date_pairs(120, seed=0)
    result = tune_translator(sources, targets, trials=2, epochs=1, batch_size=16)
    assert set(result.best_params) == {"cell", "units", "attention", "dropout", "learning_rate"}
    assert result.best_score == min(t["score"] for t in result.trials if t["state"] == "complete")


def test_text_and_translate_tuning_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main

    (tmp_path / "corpus.txt").write_text("".join(f"{w} and {w} again. " for w in ("red", "blue", "green") * 160))
    assert main(["tune", "text", str(tmp_path / "corpus.txt"), "--trials", "1", "--epochs", "1"]) == 0
    assert "VAL_LOSS" in capsys.readouterr().out
    (tmp_path / "pairs.tsv").write_text("".join(f"{n} apples\t{n} pommes\n" for n in range(40)))
    assert main(["tune", "translate", str(tmp_path / "pairs.tsv"), "--trials", "1", "--epochs", "1"]) == 0
    assert "best:" in capsys.readouterr().out


def test_transcriber_tuning_keeps_the_lowest_ctc_loss() -> None:
    from rnnkit.tune import tune_transcriber
    from tests.tasks.test_transcription import tone_utterances

    result = tune_transcriber(tone_utterances(60, seed=0), trials=2, epochs=2, batch_size=16)
    assert set(result.best_params) == {"cell", "units", "layers", "dropout", "learning_rate"}
    assert result.best_score == min(t["score"] for t in result.trials if t["state"] == "complete")
