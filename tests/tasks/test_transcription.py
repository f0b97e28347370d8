"""Transcriber end to end on a synthetic "speech" of tones (always available), padding invariance,
saving, and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.callbacks import Callback
from rnnkit.data.speech import Utterance
from rnnkit.errors import ConfigError, DataError, ShapeError
from rnnkit.tasks.transcription import Transcriber

TONES = {"a": 400.0, "b": 1200.0, "c": 2400.0}


def tone_utterances(n: int, seed: int, rate: int = 8000) -> list[Utterance]:
    """Each symbol a 120 ms tone of its own pitch, separated by 40–100 ms of quiet noise."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        text = "".join(rng.choice(list(TONES), rng.integers(2, 6)))
        parts = [0.01 * rng.standard_normal(int(rate * rng.uniform(0.04, 0.1)))]
        for ch in text:
            t = np.arange(int(0.12 * rate)) / rate
            parts += [
                np.sin(2 * np.pi * TONES[ch] * t) * np.hanning(len(t)),
                0.01 * rng.standard_normal(int(rate * rng.uniform(0.04, 0.1))),
            ]
        out.append(Utterance(np.concatenate(parts).astype(np.float32), rate, text))
    return out


@pytest.fixture(scope="module")
def trained() -> Transcriber:
    torch.manual_seed(0)
    transcriber = Transcriber(units=24, layers=1, batch_size=16, learning_rate=5e-3)
    return transcriber.fit(tone_utterances(300, seed=0), epochs=12)


def test_tones_are_transcribed_far_better_than_the_baseline(trained: Transcriber) -> None:
    test = tone_utterances(60, seed=1) + tone_utterances(20, seed=2, rate=16000)  # another sample rate too
    scores = trained.evaluate(test)
    assert scores["exact"] >= 0.9 and scores["cer"] < 0.05
    assert scores["baseline_cer"] > 0.5
    assert trained.transcribe(test[:5], beam_width=4) == trained.transcribe(test[:5])


def test_padding_does_not_change_the_frame_scores(trained: Transcriber) -> None:
    batch = tone_utterances(6, seed=3)
    together = trained.log_probs(batch)
    for utterance, scores in zip(batch, together):
        torch.testing.assert_close(trained.log_probs([utterance])[0], scores, atol=1e-5, rtol=1e-5)


def test_saved_transcriber_transcribes_the_same(trained: Transcriber, tmp_path: Path) -> None:
    trained.save(tmp_path / "asr")
    same = Transcriber.load(tmp_path / "asr")
    test = tone_utterances(10, seed=4)
    assert same.transcribe(test) == trained.transcribe(test) and same.alphabet == ["a", "b", "c"]


def test_conv_front_end_and_spec_augment_train_and_keep_padding_harmless() -> None:
    torch.manual_seed(0)
    transcriber = Transcriber(units=16, layers=1, conv=16, spec_augment=True, batch_size=16, learning_rate=5e-3)
    transcriber.fit(tone_utterances(200, seed=7), epochs=8)
    assert transcriber.evaluate(tone_utterances(40, seed=8))["cer"] < 0.2
    batch = tone_utterances(4, seed=9)
    for utterance, scores in zip(batch, transcriber.log_probs(batch)):
        torch.testing.assert_close(transcriber.log_probs([utterance])[0], scores, atol=1e-5, rtol=1e-5)


def test_global_normalisation_is_learned_saved_and_loudness_free(tmp_path: Path) -> None:
    torch.manual_seed(0)
    transcriber = Transcriber(units=24, layers=1, normalize="global", batch_size=16, learning_rate=5e-3)
    transcriber.fit(tone_utterances(300, seed=0), epochs=12)
    test = tone_utterances(40, seed=1)
    assert transcriber.evaluate(test)["exact"] >= 0.9
    quiet = [Utterance(u.samples * 0.01, u.rate, u.text) for u in test[:10]]  # peak scaling undoes the gain
    assert transcriber.transcribe(quiet) == transcriber.transcribe(test[:10])
    transcriber.save(tmp_path / "g")
    same = Transcriber.load(tmp_path / "g")
    np.testing.assert_array_equal(same.feature_mean, transcriber.feature_mean)
    assert same.transcribe(test) == transcriber.transcribe(test)


class _Batches(Callback):
    def on_train_begin(self, logs: object = None) -> None:
        self.steps = self.params["steps"]


def test_speed_perturbation_trains_on_one_copy_per_speed_and_drops_copies_too_fast_for_ctc() -> None:
    train, validation = tone_utterances(48, seed=10), tone_utterances(8, seed=11)
    steps = []
    for speeds in ((1.0,), (0.9, 1.0, 1.1)):
        counter = _Batches()
        Transcriber(units=4, layers=1, batch_size=16, speeds=speeds).fit(train, validation, epochs=1, callbacks=[counter])
        steps.append(counter.steps)
    assert steps == [3, 9]  # 48 utterances, then 144, in batches of 16
    # 800 samples: 2 steps of 30 ms, enough for "ab"; 1.5 times as fast, 1 step: that copy is left out
    short = Utterance(train[0].samples[:800], 8000, "ab")
    counter = _Batches()
    Transcriber(units=4, batch_size=1, speeds=(1.5,)).fit(
        [short, *train[:4]], validation, epochs=1, callbacks=[counter]
    )
    assert counter.steps == 4
    with pytest.raises(ConfigError, match="speeds must be factors between 0.5 and 2.0"):
        Transcriber(speeds=(3.0,))
    with pytest.raises(ConfigError, match="speeds must be factors"):
        Transcriber(speeds=())


def test_bad_transcripts_and_audio_get_clear_errors(trained: Transcriber) -> None:
    [good] = tone_utterances(1, seed=5)
    with pytest.raises(DataError, match=r"outside the alphabet: \['z'\]"):
        Transcriber(units=4).fit(tone_utterances(20, seed=6), validation=[Utterance(good.samples, 8000, "abz")])
    short = Utterance(good.samples[:800], 8000, "abcabc")  # 0.1 s for six symbols
    with pytest.raises(DataError, match="too few for its 6-character transcript"):
        Transcriber(units=4).fit(tone_utterances(20, seed=6), validation=[short])
    with pytest.raises(DataError, match="non-empty transcript"):
        Transcriber(units=4).fit([Utterance(good.samples, 8000, "")] * 20)
    with pytest.raises(ConfigError, match="not trained yet"):
        Transcriber().transcribe([good])
    with pytest.raises(ConfigError, match="cell must be one of"):
        Transcriber(cell="transformer")
    samples = good.samples
    bad = [
        (Utterance(samples, 0, "a"), DataError, "utterance 1: the sample rate must be a positive integer"),
        (Utterance(samples, 8000.5, "a"), DataError, "sample rate must be a positive integer"),  # type: ignore[arg-type]
        (Utterance(np.array([]), 8000, "a"), ShapeError, "non-empty 1-D array; got shape \\(0,\\)"),
        (Utterance(np.stack([samples, samples]), 8000, "a"), ShapeError, "mono samples"),
        (Utterance(np.where(np.arange(len(samples)) == 9, np.nan, samples), 8000, "a"), DataError, "NaN"),
        (Utterance(samples.astype(complex), 8000, "a"), DataError, "must be real-valued"),
        (Utterance(samples, 1, "a"), DataError, "more than 600 s; is the rate right"),
        (Utterance(samples, 8000, None), DataError, "transcript must be a string"),  # type: ignore[arg-type]
        ("a clip", DataError, "expected an Utterance"),
    ]
    for utterance, error, message in bad:
        with pytest.raises(error, match=message):
            trained.transcribe([good, utterance])  # the second one is named
    with pytest.raises(DataError, match="expected a list of Utterance"):
        trained.transcribe(good)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="no utterances"):
        trained.evaluate([])
