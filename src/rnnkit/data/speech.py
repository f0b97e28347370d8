"""Spoken utterances for transcription: the Free Spoken Digit Dataset joined into digit strings, and
manifests of your own recordings.

FSDD (``fsdd_recordings.zip``: ``recordings/{digit}_{speaker}_{take}.wav``, 8 kHz mono) has single digits;
``digit_strings`` joins 2–7 clips of one speaker with short random gaps and adds background noise, so the
target is the digit string ("4071"). The official split holds: takes 0–4 are test clips, 5–49 training
clips, and a string is built from clips of one side only.

A manifest is a CSV with ``path`` and ``text`` columns (paths relative to the manifest's folder).

``synthesize_digit_strings`` speaks random digit strings with Debian's ``espeak-ng`` (several voices,
speeds and pitches) when it is installed: a data set that needs no download.

Example::

    clips = fsdd_clips("../shared/data/fsdd_recordings.zip")
    train = digit_strings([c for c in clips if c.take >= 5], 2000, seed=0)
    audio, texts = [u.samples for u in train], [u.text for u in train]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnkit.data.audio import read_wav
from rnnkit.data.tables import read_columns
from rnnkit.errors import DataError

__all__ = ["Clip", "Utterance", "fsdd_clips", "digit_strings", "read_manifest", "synthesize_digit_strings", "VOICES"]

#: espeak-ng voices (with variants) that ``synthesize_digit_strings`` draws from.
VOICES = ("en-us", "en-us+f3", "en-gb", "en-gb+m3", "en-gb-scotland", "en-gb-x-rp+f2", "en-gb-x-gbclan")

_NAME = re.compile(r"(?:.*/)?(\d)_([A-Za-z]+)_(\d+)\.wav$")


@dataclass(frozen=True)
class Clip:
    """One FSDD recording: the digit said, who said it, which take, and the samples."""

    digit: int
    speaker: str
    take: int
    samples: np.ndarray
    rate: int


@dataclass(frozen=True)
class Utterance:
    """Samples at ``rate`` and what is said in them."""

    samples: np.ndarray
    rate: int
    text: str
    speaker: str = ""


def fsdd_clips(path: str | os.PathLike[str]) -> list[Clip]:
    """Every ``{digit}_{speaker}_{take}.wav`` in the FSDD zip (or a folder of them), in name order."""
    source = Path(path)
    if source.is_dir():
        members = {p.name: p.read_bytes() for p in sorted(source.glob("*.wav"))}
    elif source.is_file():
        try:
            with zipfile.ZipFile(source) as archive:
                members = {n: archive.read(n) for n in sorted(archive.namelist()) if _NAME.match(n)}
        except zipfile.BadZipFile as exc:
            raise DataError(f"{source} is not a readable zip file: {exc}") from exc
    else:
        raise DataError(f"no FSDD zip or folder at {source}")
    clips = []
    for name, data in members.items():
        match = _NAME.match(name)
        if match is None:
            continue
        samples, rate = read_wav(data, name=f"{source}:{name}")
        clips.append(Clip(int(match[1]), match[2], int(match[3]), samples, rate))
    if not clips:
        raise DataError(f"{source} holds no FSDD recordings named like 7_jackson_12.wav")
    return clips


def digit_strings(
    clips: list[Clip],
    count: int,
    seed: int = 0,
    digits: tuple[int, int] = (2, 7),
    gap_s: tuple[float, float] = (0.05, 0.25),
    edge_s: tuple[float, float] = (0.0, 0.25),
    noise: float = 0.02,
) -> list[Utterance]:
    """``count`` utterances, each ``digits[0]``–``digits[1]`` clips of one speaker (each scaled to peak 1)
    joined with silent gaps of ``gap_s`` seconds, with ``edge_s`` seconds of silence before and after
    (0 included: speech may start at the first sample, as in a trimmed clip), plus white noise at a level
    drawn from [0, ``noise``] × the utterance's RMS; text = the digits said."""
    if not clips:
        raise DataError("no clips to build digit strings from")
    rng = np.random.default_rng(seed)
    by_speaker: dict[str, list[Clip]] = {}
    for clip in clips:
        by_speaker.setdefault(clip.speaker, []).append(clip)
    speakers = sorted(by_speaker)
    out = []
    for _ in range(count):
        speaker = speakers[rng.integers(len(speakers))]
        pool = by_speaker[speaker]
        chosen = [pool[i] for i in rng.integers(0, len(pool), rng.integers(digits[0], digits[1] + 1))]
        rate = chosen[0].rate
        pauses = [edge_s, *[gap_s] * (len(chosen) - 1), edge_s]
        silences = [np.zeros(int(rate * rng.uniform(*pause)), np.float32) for pause in pauses]
        parts = [silences[0]]
        for clip, after in zip(chosen, silences[1:]):
            parts += [clip.samples / (np.abs(clip.samples).max() + 1e-9), after]
        audio = np.concatenate(parts)
        rms = float(np.sqrt(np.mean(audio**2)))
        audio = (audio + rng.uniform(0, noise) * rms * rng.standard_normal(len(audio))).astype(np.float32)
        out.append(Utterance(audio, rate, "".join(str(c.digit) for c in chosen), speaker))
    return out


def read_manifest(path: str | os.PathLike[str]) -> list[Utterance]:
    """Utterances listed in a CSV with ``path`` and ``text`` columns (paths relative to the CSV)."""
    manifest = Path(path)
    paths, texts = read_columns(manifest, ["path", "text"])
    out = []
    for line, (audio_path, text) in enumerate(zip(paths, texts), start=2):
        if not text.strip():
            raise DataError(f"{manifest} line {line}: empty transcript for {audio_path}")
        file = (manifest.parent / audio_path) if not Path(audio_path).is_absolute() else Path(audio_path)
        samples, rate = read_wav(file)
        out.append(Utterance(samples, rate, text.strip()))
    return out


def synthesize_digit_strings(count: int, seed: int = 0, digits: tuple[int, int] = (2, 7)) -> list[Utterance]:
    """``count`` digit strings spoken by ``espeak-ng``: voice from ``VOICES``, 120–200 words a minute,
    pitch 20–80, digits read one by one ("four zero seven one"); text = the digits."""
    program = shutil.which("espeak-ng")
    if program is None:
        raise DataError("espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng)")
    rng = np.random.default_rng(seed)
    out = []
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "utterance.wav"
        for _ in range(count):
            text = "".join(str(d) for d in rng.integers(0, 10, rng.integers(digits[0], digits[1] + 1)))
            voice = VOICES[rng.integers(len(VOICES))]
            speed, pitch = int(rng.integers(120, 201)), int(rng.integers(20, 81))
            command = [program, "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(wav), " ".join(text)]
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
            if result.returncode != 0:
                raise DataError(f"espeak-ng failed for voice {voice}: {result.stderr.strip()[:200]}")
            samples, rate = read_wav(wav.read_bytes(), name=f"espeak-ng output ({voice})")
            out.append(Utterance(samples, rate, text, voice))
    return out
