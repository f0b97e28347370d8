"""SequenceClassifier: beats its baselines where word order matters, padding never changes a
probability, saved models predict the same, and bad input gets one clear error."""

from __future__ import annotations

import random

import numpy as np
import pytest

import rnnkit
from rnnkit import SequenceClassifier
from rnnkit.errors import ConfigError, DataError, DataWarning, ModelFileError, ShapeError


def order_task(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Filler words with 'good' and 'bad' somewhere: the label is which comes first (word order)."""
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        words = [rng.choice("abcdefgh") for _ in range(rng.randint(3, 10))]
        i, j = sorted(rng.sample(range(len(words) + 2), 2))
        first, second = ("good", "bad") if rng.random() < 0.5 else ("bad", "good")
        words.insert(i, first)
        words.insert(j, second)
        texts.append(" ".join(words))
        labels.append(f"{first} first")
    return texts, labels


def spike_task(n: int, seed: int) -> tuple[list[np.ndarray], list[int]]:
    """Two-feature noise of 6-20 steps with a spike and a dip in feature 0: label 1 when the spike comes first."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for _ in range(n):
        t = int(rng.integers(6, 21))
        x = rng.normal(0, 1, (t, 2))
        i, j = rng.choice(t, 2, replace=False)
        x[i, 0] += 5
        x[j, 0] -= 5
        xs.append(x)
        ys.append(int(i < j))
    return xs, ys


@pytest.fixture(scope="module")
def order_model() -> tuple[SequenceClassifier, list[str], list[str]]:
    rnnkit.seed(0)
    x, y = order_task(600, 0)
    clf = SequenceClassifier(units=16, embedding=8, dropout=0.0, learning_rate=1e-2)
    clf.fit(x, y, epochs=6, echo=None)
    return clf, *order_task(300, 1)


def test_beats_bag_of_words_where_order_matters(order_model) -> None:  # type: ignore[no-untyped-def]
    clf, xt, yt = order_model
    reports = clf.evaluate(xt, yt)
    assert reports["model"].accuracy >= 0.95
    assert reports["model"].accuracy > reports["bag_of_words"].accuracy + 0.08
    assert reports["majority"].accuracy < 0.6
    assert set(clf.predict(xt[:5])) <= {"good first", "bad first"}


def test_saved_classifier_predicts_the_same(order_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clf, xt, yt = order_model
    clf.save(tmp_path / "clf")
    same = SequenceClassifier.load(tmp_path / "clf")
    np.testing.assert_allclose(same.predict_proba(xt), clf.predict_proba(xt), atol=1e-6)
    before, after = clf.evaluate(xt, yt), same.evaluate(xt, yt)
    assert {k: r.confusion for k, r in before.items()} == {k: r.confusion for k, r in after.items()}


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_alone_and_padded_in_a_batch_give_the_same_probabilities(pooling: str, bidirectional: bool) -> None:
    rnnkit.seed(1)
    x, y = order_task(64, 2)
    clf = SequenceClassifier(units=8, embedding=4, pooling=pooling, bidirectional=bidirectional, layers=2)
    clf.fit(x, y, epochs=1, echo=None)
    short = "good a b bad"
    batch = [short, "a " * 30 + "bad c good", "h g " * 12 + "good bad"]  # the short one is padded to 33 tokens
    np.testing.assert_allclose(clf.predict_proba(batch)[0], clf.predict_proba([short])[0], atol=1e-6)


def test_char_tokens_and_numeric_sequences() -> None:
    rnnkit.seed(0)
    clf = SequenceClassifier(tokens="char", units=8, embedding=4)
    x, y = order_task(40, 3)
    clf.fit(x, y, epochs=1, echo=None)
    assert clf.encoder.tokenizer.char_level and clf.predict_proba(["good bad"]).shape == (1, 2)  # type: ignore[union-attr]

    xs, ys = spike_task(400, 0)
    numeric = SequenceClassifier(units=16, learning_rate=1e-2, dropout=0.0)
    numeric.fit(xs, ys, epochs=8, echo=None)
    xt, yt = spike_task(200, 1)
    reports = numeric.evaluate(xt, yt)  # order-free summaries cannot tell which came first
    assert reports["model"].accuracy >= 0.85 and reports["model"].accuracy > reports["sequence_summary"].accuracy + 0.15
    alone = numeric.predict_proba([xt[0]])
    np.testing.assert_allclose(numeric.predict_proba([xt[0], np.zeros((40, 2))])[:1], alone, atol=1e-6)


def test_bad_input_gets_a_clear_error(order_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clf, xt, yt = order_model
    with pytest.raises(DataError, match="only one class"):
        SequenceClassifier().fit(["a", "b", "c"], ["x", "x", "x"], echo=None)
    with pytest.raises(DataError, match="no tokens"):
        clf.predict_proba(["good", "   "])
    with pytest.raises(DataError, match="unknown labels 'maybe'"):
        clf.evaluate(xt[:2], ["good first", "maybe"])
    with pytest.raises(ShapeError, match="same number of samples"):
        SequenceClassifier().fit(["a b", "c d"], ["x"], echo=None)
    with pytest.raises(DataError, match="NaN"):
        SequenceClassifier().fit([np.array([1.0, np.nan])], [0], echo=None)
    with pytest.raises(ShapeError, match="same number of features"):
        SequenceClassifier().fit([np.zeros((3, 2)), np.zeros((3, 1))], [0, 1], echo=None)
    with pytest.raises(ConfigError, match="pooling must be one of"):
        SequenceClassifier(pooling="median")
    with pytest.raises(ConfigError, match="not trained"):
        SequenceClassifier().predict(["a"])
    (tmp_path / "nothing").mkdir()
    with pytest.raises(ModelFileError, match="config.json"):
        SequenceClassifier.load(tmp_path / "nothing")


def test_the_validation_split_holds_out_every_class() -> None:
    labels = ["a"] * 40 + ["b"] * 8 + ["c"] * 2 + ["d"]
    train, val = SequenceClassifier(validation=0.1).split(labels)
    held = [labels[i] for i in val]
    assert sorted(held) == ["a"] * 4 + ["b", "c"]  # 10 % of each class, at least one of each that has two
    assert sorted([*train, *val]) == list(range(len(labels))) and not set(train) & set(val)


def test_long_sequences_are_kept_whole_unless_a_limit_is_asked_for() -> None:
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(t, 1)) for t in (300, 420, 12, 30)] * 4
    y = ["long", "long", "short", "short"] * 4
    whole = SequenceClassifier(units=4, layers=1, patience=0, max_steps=None)
    whole.fit(x, y, epochs=1, echo=None)
    assert whole.encoder is not None and whole.encoder.encode(x)[1].max() == 420  # nothing cut
    windows = SequenceClassifier(units=4, layers=1, patience=0)  # max_steps=128: windows of 4, every step read
    windows.fit(x, y, epochs=1, echo=None)
    assert windows.encoder is not None and windows.encoder.encode(x)[1][:4].tolist() == [75, 105, 3, 8]
    limited = SequenceClassifier(units=4, layers=1, max_length=200, patience=0)
    with pytest.warns(DataWarning) as caught:
        limited.fit(x, y, epochs=1, echo=None)
    assert len(caught) == 1  # once per fit, for the training set (14 of 16 sequences, 7 of them long)
    assert "7 of 14 sequences are longer than max_length=200 steps (the longest: 420)" in str(caught[0].message)


def test_early_stopping_follows_the_monitor_with_min_delta() -> None:
    x = [[float(i % 2)] * 5 for i in range(60)]
    y = [str(i % 2) for i in range(60)]
    # a min_delta no epoch can reach: every epoch after the first counts as not improving
    clf = SequenceClassifier(units=4, layers=1, patience=0, min_delta=10.0)
    history = clf.fit(x, y, epochs=20, echo=None)
    assert len(history["loss"]) == 2
    clf = SequenceClassifier(units=4, layers=1, patience=2, monitor="val_accuracy", restore_best=False)
    history = clf.fit(x, y, epochs=30, echo=None, callbacks=[])
    assert len(history["loss"]) < 30  # accuracy reaches 1.0 and cannot improve on it
    with pytest.raises(ConfigError, match="monitor must be one of"):
        SequenceClassifier(monitor="loss")


def test_complex_object_and_mixed_sequences_are_refused_not_cast() -> None:
    good = [np.arange(5.0), np.arange(6.0)]
    for bad, message in [
        ([np.arange(5.0), np.arange(6.0) + 1j], "sequence 3 must be real-valued"),
        ([np.arange(5.0), np.arange(6.0).astype(object)], "sequence 3 is an object array"),
        ([[1.0, 2.0, "3"], [1.0, 2.0]], r"sequence 2 must hold real numbers only; found str"),
        ([np.arange(5.0), "a text"], "sequence 3: expected numbers, got the text"),
    ]:
        with pytest.raises(DataError, match=message):
            SequenceClassifier(units=2, layers=1).fit(good + bad, ["a", "b"] * 2, epochs=1, echo=None)


def test_a_conv_front_end_learns_numeric_sequences_and_ignores_padding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    xs, ys = spike_task(400, 0)
    clf = SequenceClassifier(frontend="conv", filters=8, units=16, layers=1, learning_rate=1e-2, dropout=0.0)
    clf.fit(xs, ys, epochs=8, echo=None)
    names = [type(layer).__name__ for layer in clf.model.layers[:4]]  # type: ignore[union-attr]
    assert names == ["Masking", "Conv1D", "BatchNormalization", "ReLU"]
    xt, yt = spike_task(200, 1)
    reports = clf.evaluate(xt, yt)
    assert reports["model"].accuracy >= 0.85 and reports["model"].accuracy > reports["sequence_summary"].accuracy + 0.15
    alone = clf.predict_proba([xt[0]])
    np.testing.assert_allclose(clf.predict_proba([xt[0], np.zeros((40, 2))])[:1], alone, atol=1e-5)
    clf.save(tmp_path / "conv")
    np.testing.assert_allclose(SequenceClassifier.load(tmp_path / "conv").predict_proba(xt[:5]), clf.predict_proba(xt[:5]),
                               atol=1e-6)  # fmt: skip
    with pytest.raises(ConfigError, match="frontend must be None or 'conv'"):
        SequenceClassifier(frontend="fcn")


def test_a_small_numeric_set_trains_for_a_thousand_updates_by_default() -> None:
    rnnkit.seed(0)
    xs, ys = spike_task(40, 0)  # 36 to train: two batches an epoch, so 500 epochs and a patience of 50
    clf = SequenceClassifier(units=4, layers=1, bidirectional=False, dropout=0.0)
    history = clf.fit(xs, ys, echo=None)
    assert 51 <= len(history["loss"]) <= 500  # never fewer than patience + 1 epochs, as 10 epochs once did
    stopped = len(history["loss"]) < 500
    best = int(np.argmin(history["val_loss"]))
    assert not stopped or len(history["loss"]) - 1 - best == 50  # stopped: 50 epochs without a better one
    short = SequenceClassifier(units=4, layers=1, bidirectional=False, patience=2)
    assert len(short.fit(xs, ys, epochs=5, echo=None)["loss"]) <= 5  # what is asked for is kept


def test_series_scaling_reads_each_series_on_its_own_scale() -> None:
    xs, ys = spike_task(40, 0)
    for scaling, same in (("series", True), ("global", False)):
        clf = SequenceClassifier(units=4, layers=1, scaling=scaling)
        clf.fit(xs, ys, epochs=1, echo=None)
        a, _ = clf.encoder.encode([xs[0]])  # type: ignore[union-attr]
        b, _ = clf.encoder.encode([10 * xs[0] + 3])  # type: ignore[union-attr]
        assert np.allclose(a.numpy(), b.numpy(), atol=1e-5) == same
    with pytest.raises(ConfigError, match="scaling must be one of"):
        SequenceClassifier(scaling="minmax")


def test_long_series_are_read_in_windows_of_mean_min_and_max(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    rng = np.random.default_rng(0)
    xs = [rng.normal(0, 1, (int(rng.integers(30, 51)), 2)) for _ in range(40)]
    xs[0] = rng.normal(0, 1, (50, 2))
    ys = [int(x[:, 0].mean() > 0) for x in xs]
    said: list[str] = []
    clf = SequenceClassifier(units=4, layers=1, max_steps=10, scaling="series")
    clf.fit(xs, ys, epochs=2, echo=said.append)
    assert said[0] == ("series of up to 50 steps are read in windows of 5 steps (mean, min and max of each): up "
                       "to 10 steps; max_steps=None keeps every step")  # fmt: skip
    encoder = clf.encoder
    series = rng.normal(0, 1, (12, 2))
    out, lengths = encoder.encode([series])  # type: ignore[union-attr]
    assert tuple(out.shape) == (1, 3, 6) and lengths.tolist() == [3]
    s = (series - series.mean(0)) / series.std(0)
    last = np.concatenate([s[10:12], np.repeat(s[11:12], 3, axis=0)])  # the last window repeats its final step
    expected = np.stack([np.concatenate([w.mean(0), w.min(0), w.max(0)]) for w in (s[0:5], s[5:10], last)])
    np.testing.assert_allclose(out[0].numpy() * encoder.std + encoder.mean, expected, atol=1e-5)  # type: ignore[union-attr]
    alone = clf.predict_proba([series])
    np.testing.assert_allclose(clf.predict_proba([series, rng.normal(0, 1, (47, 2))])[:1], alone, atol=1e-6)
    clf.save(tmp_path / "windows")
    again = SequenceClassifier.load(tmp_path / "windows")
    np.testing.assert_allclose(again.predict_proba([series]), alone, atol=1e-6)
    short = SequenceClassifier(units=4, layers=1, max_steps=None)
    said.clear()
    short.fit(xs, ys, epochs=1, echo=said.append)
    assert short.encoder.window == 1 and not any("windows" in line for line in said)  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="max_steps must be a positive integer or None"):
        SequenceClassifier(max_steps=0)


def test_a_classifier_saved_before_scaling_and_windows_loads_as_it_was(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    rnnkit.seed(0)
    xs, ys = spike_task(40, 0)
    clf = SequenceClassifier(units=4, layers=1, scaling="global", max_steps=None)
    clf.fit(xs, ys, epochs=1, echo=None)
    clf.save(tmp_path / "old")
    path = tmp_path / "old" / "config.json"
    config = json.loads(path.read_text())
    for key in ("scaling", "max_steps"):
        del config["metadata"]["config"][key]
    for key in ("window", "features"):
        del config["metadata"]["encoder"][key]
    path.write_text(json.dumps(config))
    old = SequenceClassifier.load(tmp_path / "old")
    assert (old.config.scaling, old.config.max_steps, old.encoder.window) == ("global", None, 1)  # type: ignore[union-attr]
    np.testing.assert_allclose(old.predict_proba(xs[:5]), clf.predict_proba(xs[:5]), atol=1e-6)
    config["metadata"]["encoder"]["window"] = 0
    path.write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="the saved window and features must be positive integers"):
        SequenceClassifier.load(tmp_path / "old")


def test_refit_trains_a_fresh_network_on_every_sample_for_the_best_epoch_count(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    xs, ys = spike_task(200, 0)
    said: list[str] = []
    clf = SequenceClassifier(units=8, layers=1, learning_rate=1e-2, dropout=0.0, refit=True, patience=3)
    history = clf.fit(xs, ys, epochs=12, echo=said.append, checkpoint=tmp_path / "m")
    best = int(np.argmin(history["val_loss"])) + 1
    assert f"refit: a fresh network on all 200 samples for {best} epochs (the best epoch held out)" in said
    assert sum(line.startswith("epoch") for line in said) == len(history["loss"]) + best  # both phases logged
    assert "refit" in clf.seconds
    xt, yt = spike_task(200, 1)
    assert clf.evaluate(xt, yt)["model"].accuracy >= 0.85
    np.testing.assert_allclose(SequenceClassifier.load(tmp_path / "m").predict_proba(xt[:5]), clf.predict_proba(xt[:5]),
                               atol=1e-6)  # fmt: skip  # the folder holds the refit network
