"""Audio for speech models: WAV files → samples → log-mel spectrogram frames, with NumPy and torch only.

::

    read_wav      mono PCM (8, 16, 24 or 32 bit) → float32 samples in [-1, 1] and the sample rate
    resample      band-limited (FFT) change of sample rate
    log_mel       |STFT|² (Hann window) → mel filter bank (HTK mel scale) → log, one row per frame
    features      the model's input: log-mel frames normalised per utterance (zero mean, unit
                  variance per band), ``stack`` consecutive frames side by side (a lower frame rate)

Legend: N samples, T frames, M mel bands.

Example:
    >>> import numpy as np
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000).astype("float32")   # 1 s at 8 kHz
    >>> log_mel(tone, 8000).shape                   # 10 ms hop, 40 bands
    (97, 40)
    >>> features(tone, 8000, stack=3).shape         # 30 ms per step, 120 features
    (32, 120)
"""

from __future__ import annotations

import io
import os
import wave
from pathlib import Path

import numpy as np
import torch

from rnnkit.errors import ConfigError, DataError

__all__ = ["read_wav", "resample", "change_speed", "log_mel", "features", "mel_filters"]

_WIDTHS = {1: np.uint8, 2: np.int16, 4: np.int32}


def read_wav(source: str | os.PathLike[str] | bytes, name: str | None = None) -> tuple[np.ndarray, int]:
    """Samples ``(N,)`` float32 in [-1, 1] and the sample rate of a mono PCM WAV file (or its bytes).

    Raises ``DataError`` for a file that is not WAV, is corrupt or empty, has more than one channel,
    or an unusual sample width; ``name`` is what the message calls it.
    """
    where = name or (str(source) if not isinstance(source, bytes) else "the audio")
    data = source if isinstance(source, bytes) else _read_bytes(Path(source))
    try:
        with wave.open(io.BytesIO(data)) as w:
            channels, width, rate, frames = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            raw = w.readframes(frames)
    except (wave.Error, EOFError) as exc:
        raise DataError(f"{where} is not a readable WAV file: {exc}") from exc
    if channels != 1:
        raise DataError(f"{where} has {channels} channels; expected mono audio (mix it down to one channel)")
    if width not in (1, 2, 3, 4):
        raise DataError(f"{where} has {8 * width}-bit samples; expected 8, 16, 24 or 32-bit PCM")
    if len(raw) < width:
        raise DataError(f"{where} holds no audio samples")
    raw = raw[: len(raw) // width * width]
    if width == 3:  # 24-bit: widen each little-endian sample to 32 bits
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        ints = (b[:, 0].astype(np.int32) << 8 | b[:, 1].astype(np.int32) << 16 | b[:, 2].astype(np.int32) << 24) >> 8
        samples = ints / float(1 << 23)
    elif width == 1:  # 8-bit WAV is unsigned
        samples = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128.0) / 128.0
    else:
        samples = np.frombuffer(raw, _WIDTHS[width]).astype(np.float64) / float(1 << (8 * width - 1))
    return samples.astype(np.float32), rate


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise DataError(f"no audio file at {path}")
    return path.read_bytes()


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """``samples`` at ``rate`` → at ``target`` Hz by zero-padding or cutting the spectrum (band-limited)."""
    if rate == target:
        return samples
    return _stretch(samples, max(1, round(len(samples) * target / rate)))


def change_speed(samples: np.ndarray, factor: float) -> np.ndarray:
    """``samples`` played ``factor`` times as fast at the same rate: ``len / factor`` samples, every
    frequency times ``factor`` (pitch and formants move together, as in Kaldi's speed perturbation).

    >>> tone = np.sin(2 * np.pi * 100 * np.arange(8000) / 8000)          # 100 Hz for 1 s at 8 kHz
    >>> fast = change_speed(tone, 1.25)
    >>> len(fast), int(np.argmax(np.abs(np.fft.rfft(fast))) * 8000 / len(fast))
    (6400, 125)
    """
    if factor == 1.0:
        return samples
    return _stretch(samples, max(1, round(len(samples) / factor)))


def _stretch(samples: np.ndarray, n: int) -> np.ndarray:
    """``samples`` as ``n`` samples over the same span: the spectrum zero-padded or cut (band-limited)."""
    spectrum = np.fft.rfft(samples)
    keep = n // 2 + 1
    if keep <= len(spectrum):
        spectrum = spectrum[:keep]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(keep - len(spectrum), spectrum.dtype)])
    return (np.fft.irfft(spectrum, n) * (n / len(samples))).astype(np.float32)


def mel_filters(rate: int, n_fft: int, bands: int) -> np.ndarray:
    """Triangular filters ``(bands, n_fft // 2 + 1)`` evenly spaced on the HTK mel scale
    ``mel(f) = 2595 log10(1 + f / 700)`` from 0 Hz to ``rate / 2``."""
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
    hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)  # noqa: E731
    edges = hz(np.linspace(0.0, mel(rate / 2.0), bands + 2))  # (bands + 2,)
    bins = np.linspace(0.0, rate / 2.0, n_fft // 2 + 1)  # (F,)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins - lower) / np.maximum(centre - lower, 1e-9)
    falling = (upper - bins) / np.maximum(upper - centre, 1e-9)
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)


def log_mel(
    samples: np.ndarray, rate: int, bands: int = 40, frame_ms: float = 25.0, hop_ms: float = 10.0
) -> np.ndarray:
    """``log(mel · |STFT|² + 1e-6)`` as ``(T, bands)``; frames of ``frame_ms`` every ``hop_ms``, no padding."""
    win, hop = int(rate * frame_ms / 1000), int(rate * hop_ms / 1000)
    if hop < 1:
        raise ConfigError(f"a rate of {rate} Hz leaves no sample in a {hop_ms:g} ms hop: log-mel features need a higher rate")
    n_fft = 1 << (win - 1).bit_length()
    if len(samples) < n_fft:  # shorter than one FFT frame: zero-padded to one frame
        samples = np.pad(samples, (0, n_fft - len(samples)))
    spec = torch.stft(
        torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)), n_fft, hop, win,
        window=torch.hann_window(win), center=False, return_complex=True,
    )  # fmt: skip  # (F, T)
    power = spec.abs().pow(2).numpy()
    return np.log(mel_filters(rate, n_fft, bands) @ power + 1e-6).T.astype(np.float32)  # (T, bands)


def features(samples: np.ndarray, rate: int, bands: int = 40, stack: int = 3, per_utterance: bool = True) -> np.ndarray:
    """Log-mel frames, ``stack`` side by side: ``(T // stack, bands · stack)``.

    ``per_utterance``: each band normalised to zero mean and unit variance over the utterance. Otherwise
    the waveform is scaled to peak 1 first (so loudness does not matter) and the frames are left for
    statistics of a whole training set (``Transcriber(normalize='global')``).
    """
    if not per_utterance:
        samples = samples / (np.abs(samples).max() + 1e-9)
    frames = log_mel(samples, rate, bands)
    if per_utterance:
        frames = (frames - frames.mean(0)) / (frames.std(0) + 1e-5)
    steps = max(1, len(frames) // stack)
    frames = np.pad(frames, ((0, max(0, steps * stack - len(frames))), (0, 0)))[: steps * stack]
    return frames.reshape(steps, stack * bands)
