"""WAV reading, resampling and log-mel features; FSDD digit strings (skipped when the data is absent)."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.audio import change_speed, features, log_mel, mel_filters, read_wav, resample
from rnnkit.data.speech import digit_strings, fsdd_clips, read_manifest
from rnnkit.errors import DataError

FSDD = Path(__file__).resolve().parents[3] / "shared" / "data" / "fsdd_recordings.zip"


def wav_bytes(samples: np.ndarray, rate: int = 8000, width: int = 2, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        if width == 1:
            w.writeframes((samples * 127 + 128).astype(np.uint8).tobytes())
        elif width == 3:
            ints = (samples * (2**23 - 1)).astype("<i4")
            w.writeframes(b"".join(int(v).to_bytes(3, "little", signed=True) for v in ints))
        else:
            w.writeframes((samples * (2 ** (8 * width - 1) - 1)).astype(f"<i{width}").tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_read_wav_every_pcm_width(width: int) -> None:
    samples = np.sin(np.linspace(0, 20, 400)).astype(np.float32) * 0.5
    got, rate = read_wav(wav_bytes(samples, 16000, width))
    assert rate == 16000 and got.shape == (400,)
    np.testing.assert_allclose(got, samples, atol=2 / 2 ** (8 * width - 1) + 1e-6)


def test_read_wav_rejects_bad_audio(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a readable WAV file"):
        read_wav(b"RIFF....not really", name="x.wav")
    with pytest.raises(DataError, match="2 channels; expected mono"):
        read_wav(wav_bytes(np.zeros(20), channels=2))
    with pytest.raises(DataError, match="holds no audio samples"):
        read_wav(wav_bytes(np.zeros(0)))
    with pytest.raises(DataError, match="no audio file"):
        read_wav(tmp_path / "missing.wav")


def test_resampling_keeps_the_pitch() -> None:
    tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000).astype(np.float32)
    up = resample(tone, 8000, 16000)
    assert len(up) == 16000
    assert np.argmax(np.abs(np.fft.rfft(up))) == 440  # 1 s: bin k is k Hz
    np.testing.assert_allclose(resample(up, 16000, 8000), tone, atol=1e-4)


def test_log_mel_puts_a_tone_in_its_band() -> None:
    filters = mel_filters(8000, 256, 40)
    assert filters.shape == (40, 129) and (filters >= 0).all()
    for hz in (300, 1000, 3000):
        tone = np.sin(2 * np.pi * hz * np.arange(4000) / 8000).astype(np.float32)
        loudest = log_mel(tone, 8000).mean(0).argmax()
        assert filters[loudest, round(hz / 8000 * 256)] > 0.5  # the band whose filter covers the tone
    x = features(np.random.default_rng(0).standard_normal(8000).astype(np.float32), 8000, stack=3)
    assert x.shape == (32, 120)
    np.testing.assert_allclose(x.reshape(-1, 40).mean(0), 0.0, atol=0.2)


@pytest.mark.parametrize("length", [1, 100, 200, 255, 256])
def test_audio_shorter_than_one_fft_frame_gives_one_frame(length: int) -> None:
    # 8 kHz: 200-sample windows, a 256-point FFT; anything shorter used to be a raw torch error
    samples = np.sin(np.arange(length) / 3.0).astype(np.float32)
    assert log_mel(samples, 8000).shape == (1, 40)
    assert features(samples, 8000, stack=3).shape == (1, 120)


def test_speed_change_moves_the_pitch_and_the_length() -> None:
    tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000).astype(np.float32)
    for factor in (0.9, 1.1):
        changed = change_speed(tone, factor)
        assert len(changed) == round(8000 / factor)
        assert abs(np.argmax(np.abs(np.fft.rfft(changed))) * 8000 / len(changed) - 440 * factor) < 1.5
    assert change_speed(tone, 1.0) is tone


@pytest.mark.skipif(not FSDD.is_file(), reason=f"FSDD recordings not found at {FSDD}")
def test_fsdd_digit_strings_keep_the_official_split() -> None:
    clips = fsdd_clips(FSDD)
    assert len(clips) == 3000 and {c.take for c in clips} == set(range(50))
    test = digit_strings([c for c in clips if c.take < 5], 50, seed=1)
    assert all(2 <= len(u.text) <= 7 and u.text.isdigit() for u in test)
    single = {c.digit: c for c in clips if c.speaker == test[0].speaker}
    assert len(test[0].samples) > sum(len(single[int(d)].samples) for d in test[0].text) * 0.5


def test_manifest_reads_paths_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "a.wav").write_bytes(wav_bytes(np.zeros(100)))
    (tmp_path / "m.csv").write_text("path,text\na.wav,hello\n", encoding="utf-8")
    [utterance] = read_manifest(tmp_path / "m.csv")
    assert utterance.text == "hello" and utterance.rate == 8000
    (tmp_path / "m.csv").write_text("path,text\na.wav, \n", encoding="utf-8")
    with pytest.raises(DataError, match="empty transcript"):
        read_manifest(tmp_path / "m.csv")
