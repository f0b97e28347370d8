"""``rnnkit transcribe``: train, use and score a speech-to-text model (CTC).

::

    rnnkit transcribe fit (MANIFEST.csv | --fsdd fsdd_recordings.zip) --out MODEL_DIR
    rnnkit transcribe MODEL_DIR clip.wav ...                   prints what is said in each file
    rnnkit transcribe evaluate MODEL_DIR (MANIFEST.csv | --fsdd ZIP)
    rnnkit transcribe make-data OUT_DIR (--fsdd ZIP | --espeak) [--count N]   WAVs + manifest.csv
"""

from __future__ import annotations

import argparse
from typing import Any

from rnnkit.cli.backup import add_resume_flag, backup_callbacks

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.

SUBCOMMANDS = ("fit", "evaluate", "make-data", "files")
DEFAULT = "files"


def _source_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifest", nargs="?", help="CSV with 'path' and 'text' columns (paths relative to it)")
    p.add_argument("--fsdd", help="the Free Spoken Digit Dataset zip (or folder): digit strings built from it")
    p.add_argument("--seed", type=int, default=0)


def register(commands: Any) -> None:
    transcribe = commands.add_parser(
        "transcribe",
        help="speech to text (fit, evaluate, make-data; or MODEL_DIR FILE.wav...)",
        description="Transcribe speech with a bidirectional recurrent network trained with CTC.",
    )
    sub = transcribe.add_subparsers(dest="transcribe_command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "fit",
        help="train on a manifest of WAV files, or on FSDD digit strings",
        description="With --fsdd: train on --strings digit strings (2-7 digits of one speaker) built from the "
        "training takes (5-49) and report on --test-strings built from the test takes (0-4), and on the 300 "
        "single test clips. With a manifest: a seeded tenth is held out for the report.",
    )
    _source_arguments(p)
    p.add_argument("--out", required=True, help="model folder to write (written when training completes)")
    p.add_argument("--strings", type=int, default=3000, help="FSDD: training strings (default 3000)")
    p.add_argument("--test-strings", type=int, default=500, help="FSDD: test strings (default 500)")
    p.add_argument("--cell", choices=["lstm", "gru", "mingru", "minlstm", "lru"], default="lstm")
    p.add_argument("--units", type=int, default=128, help="units per direction (default 128)")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--conv", type=int, default=0, help="filters of a Conv1D front end (default 0: none)")
    p.add_argument("--spec-augment", action="store_true", help="mask random time spans and bands while training")
    p.add_argument("--speeds", type=float, nargs="+", metavar="FACTOR",
                   help="train on each utterance at these speeds too (e.g. 0.9 1.0 1.1; default: the model's)")  # fmt: skip
    p.add_argument("--normalize", choices=["utterance", "global"],
                   help="log-mel standardisation: each utterance by itself, or the training set's (default: the model's)")  # fmt: skip
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--minutes", type=float, help="training time budget")
    p.add_argument("--beam", type=int, default=1, help="beam width when transcribing (1: greedy)")
    add_resume_flag(p)
    p.set_defaults(handler=fit)

    p = sub.add_parser("files", help="transcribe WAV files (the default: rnnkit transcribe MODEL_DIR FILE...)")
    p.add_argument("model", help="model folder written by 'rnnkit transcribe fit'")
    p.add_argument("files", nargs="+", help="WAV files (mono PCM, any sample rate)")
    p.add_argument("--beam", type=int, help="beam width (default: the model's)")
    p.set_defaults(handler=files)

    p = sub.add_parser("evaluate", help="CER, WER and whole-transcript accuracy beside a trivial baseline")
    p.add_argument("model", help="model folder written by 'rnnkit transcribe fit'")
    _source_arguments(p)
    p.add_argument("--test-strings", type=int, default=500, help="FSDD: test strings (default 500)")
    p.add_argument("--beam", type=int, help="beam width (default: the model's)")
    p.set_defaults(handler=evaluate)

    p = sub.add_parser("make-data", help="write digit strings (FSDD clips joined, or espeak-ng) as WAV + manifest")
    p.add_argument("out", help="folder to write (WAV files and manifest.csv)")
    p.add_argument("--fsdd", help="the FSDD zip (or folder)")
    p.add_argument("--espeak", action="store_true", help="synthesize with espeak-ng (voices, speeds, pitches)")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--test", action="store_true", help="build from the test takes (0-4) instead of 5-49")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=make_data)


def _utterances(args: argparse.Namespace, count: int, test: bool) -> list[Any]:
    from rnnkit.data.speech import digit_strings, fsdd_clips, read_manifest
    from rnnkit.errors import ConfigError

    if (args.manifest is None) == (args.fsdd is None):
        raise ConfigError("give a manifest CSV or --fsdd ZIP (one of the two)")
    if args.manifest is not None:
        return read_manifest(args.manifest)
    clips = [c for c in fsdd_clips(args.fsdd) if (c.take < 5) == test]
    return digit_strings(clips, count, seed=args.seed + (1 if test else 0))


def _report(name: str, scores: dict[str, float]) -> str:
    verdict = "" if scores["cer"] < scores["baseline_cer"] else " (no better than the baseline)"
    return (
        f"{name}: {int(scores['utterances']):,} utterances, CER {100 * scores['cer']:.2f} %, WER "
        f"{100 * scores['wer']:.2f} %, exact {100 * scores['exact']:.2f} %; baseline (most frequent transcript) "
        f"CER {100 * scores['baseline_cer']:.2f} %{verdict}"
    )


def fit(args: argparse.Namespace) -> int:
    import random

    import rnnkit
    from rnnkit.tasks.transcription import Transcriber

    if args.fsdd is not None and args.manifest is None:
        train, test = _utterances(args, args.strings, False), _utterances(args, args.test_strings, True)
    else:
        everything = _utterances(args, 0, False)
        random.Random(args.seed).shuffle(everything)
        cut = len(everything) - max(1, len(everything) // 10)
        train, test = everything[:cut], everything[cut:]
    print(f"data: {len(train):,} utterances to train, {len(test):,} held out")
    rnnkit.seed(args.seed)
    chosen = {"speeds": tuple(args.speeds) if args.speeds else None, "normalize": args.normalize}
    transcriber = Transcriber(
        cell=args.cell, units=args.units, layers=args.layers, spec_augment=args.spec_augment, conv=args.conv,
        batch_size=args.batch, learning_rate=args.lr,
        epochs=args.epochs, beam_width=args.beam, **{k: v for k, v in chosen.items() if v is not None},
    )  # fmt: skip
    transcriber.fit(train, minutes=args.minutes, echo=print, seed=args.seed, callbacks=backup_callbacks(args))
    transcriber.save(args.out)
    print(_report("held out", transcriber.evaluate(test)))
    if args.fsdd is not None and args.manifest is None:
        print(_report("single test clips", transcriber.evaluate(_single_clips(args.fsdd))))
    print(f"trained in {transcriber.seconds:.1f} s; model in {args.out}")
    return 0


def _single_clips(path: str) -> list[Any]:
    from rnnkit.data.speech import Utterance, fsdd_clips

    return [Utterance(c.samples, c.rate, str(c.digit), c.speaker) for c in fsdd_clips(path) if c.take < 5]


def files(args: argparse.Namespace) -> int:
    from rnnkit.data.audio import read_wav
    from rnnkit.data.speech import Utterance
    from rnnkit.tasks.transcription import Transcriber

    transcriber = Transcriber.load(args.model)
    utterances = [Utterance(*read_wav(path), text="") for path in args.files]
    for path, text in zip(args.files, transcriber.transcribe(utterances, args.beam)):
        print(text if len(args.files) == 1 else f"{path}\t{text}")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from rnnkit.tasks.transcription import Transcriber

    transcriber = Transcriber.load(args.model)
    print(_report("evaluation", transcriber.evaluate(_utterances(args, args.test_strings, True), args.beam)))
    return 0


def make_data(args: argparse.Namespace) -> int:
    import wave
    from pathlib import Path

    import numpy as np

    from rnnkit.data.speech import digit_strings, fsdd_clips, synthesize_digit_strings
    from rnnkit.data.tables import write_rows
    from rnnkit.errors import ConfigError

    if (args.fsdd is None) == (not args.espeak):
        raise ConfigError("give --fsdd ZIP or --espeak (one of the two)")
    if args.espeak:
        utterances = synthesize_digit_strings(args.count, seed=args.seed)
    else:
        clips = [c for c in fsdd_clips(args.fsdd) if (c.take < 5) == args.test]
        utterances = digit_strings(clips, args.count, seed=args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, utterance in enumerate(utterances):
        name = f"{i:05d}_{utterance.speaker}.wav"
        pcm = (np.clip(utterance.samples, -1.0, 1.0) * 32767).astype("<i2")
        with wave.open(str(out / name), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(utterance.rate)
            w.writeframes(pcm.tobytes())
        rows.append([name, utterance.text])
    write_rows(out / "manifest.csv", ["path", "text"], rows)
    print(f"{len(rows):,} utterances and manifest.csv written to {out}")
    return 0
