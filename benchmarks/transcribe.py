"""Speech to text on the Free Spoken Digit Dataset: digit strings, single clips, and a new voice.

* Strings: utterances of 2–7 digits built by joining clips of one speaker with 50–250 ms gaps and
  background noise (``rnnkit.data.speech.digit_strings``); training strings (1–7 digits, so single digits
  are seen too) only from the training takes 5–49, test strings only from the test takes 0–4.
* Single clips: the 300 official test clips (takes 0–4), each one digit.
* Leave one speaker out: train on five speakers' training takes, test on strings of the sixth speaker's
  test takes (the honest figure for a voice never heard).
* Baseline: always answer the most frequent training transcript.

rnnkit's Transcriber (log-mel 40 × 3 stacked frames, 2 × BiLSTM, CTC, greedy decoding unless said) is
trained for at most ``--minutes`` per model, best epoch on a 10 % validation part of its training strings.

    python benchmarks/transcribe.py [--strings 3000] [--minutes 15] [--loso-minutes 4] [--loso-speakers all]

Writes ``benchmarks/results/transcribe.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from results import Table, markdown_row, markdown_table, write_record

import rnnkit
from rnnkit.data.speech import Utterance, digit_strings, fsdd_clips
from rnnkit.tasks.transcription import Transcriber

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd_recordings.zip"


COLUMNS = ["test set", "utterances", "CER %", "WER %", "exact %", "baseline CER %", "baseline exact %", "train s"]


def row(name: str, scores: dict[str, float], seconds: float) -> list[object]:
    percent = [round(100 * scores[k], 2) for k in ("cer", "wer", "exact", "baseline_cer", "baseline_exact")]
    return [name, int(scores["utterances"]), *percent, round(seconds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strings", type=int, default=3000)
    parser.add_argument("--test-strings", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--loso-minutes", type=float, default=4.0)
    parser.add_argument("--loso-speakers", default="all", help="'all', 'none' or comma-separated names")
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--spec-augment", action="store_true")
    parser.add_argument(
        "--options",
        type=json.loads,
        default={},
        help='more Transcriber options as JSON: \'{"normalize": "utterance"}\'',
    )
    parser.add_argument("--no-seen", action="store_true", help="only the left-out speakers (no seen-speaker model)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    import torch

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}"
    )
    if not DATA.is_file():
        print(f"skipped: the FSDD recordings are not at {DATA}")
        return
    clips = fsdd_clips(DATA)
    train_clips, test_clips = [c for c in clips if c.take >= 5], [c for c in clips if c.take < 5]
    train = digit_strings(train_clips, args.strings, seed=args.seed, digits=(1, 7))
    test = digit_strings(test_clips, args.test_strings, seed=args.seed + 1)
    singles = [Utterance(c.samples, c.rate, str(c.digit), c.speaker) for c in test_clips]
    echo = print if args.verbose else None
    rows = []

    options = {"units": args.units, "spec_augment": args.spec_augment, **args.options}
    print(f"Transcriber options: {options}")
    if not args.no_seen:
        rnnkit.seed(args.seed)
        transcriber = Transcriber(**options).fit(train, minutes=args.minutes, echo=echo, seed=args.seed)
        for name, data, beam in (("test strings, greedy", test, 1), ("test strings, beam 8", test, 8),
                                 ("300 single test clips", singles, 1)):  # fmt: skip
            start = time.perf_counter()
            scores = transcriber.evaluate(data, beam_width=beam)
            rows.append(row(name, scores, transcriber.seconds))
            print(markdown_row(rows[-1]), f"(decoded in {time.perf_counter() - start:.1f} s)", flush=True)
        for u, said in zip(test[:3], transcriber.transcribe(test[:3])):
            print(f"    said {u.text}, heard {said} ({u.speaker})")

    speakers = sorted({c.speaker for c in clips})
    chosen = {"all": speakers, "none": []}.get(args.loso_speakers, args.loso_speakers.split(","))
    loso: list[dict[str, float]] = []
    loso_seconds: list[float] = []
    for speaker in chosen:
        others = [c for c in train_clips if c.speaker != speaker]
        heard = digit_strings(others, args.strings, seed=args.seed, digits=(1, 7))
        new_voice = digit_strings([c for c in test_clips if c.speaker == speaker], 200, seed=args.seed + 2)
        rnnkit.seed(args.seed)
        model = Transcriber(**options).fit(heard, minutes=args.loso_minutes, echo=echo, seed=args.seed)
        scores = model.evaluate(new_voice)
        loso.append(scores)
        loso_seconds.append(model.seconds)
        rows.append(row(f"new voice: {speaker}", scores, model.seconds))
        print(markdown_row(rows[-1]), flush=True)
    if len(loso) > 1:
        mean = {k: float(np.mean([s[k] for s in loso])) for k in loso[0]}
        rows.append(row(f"new voice: mean of the {len(loso)}", mean, float(np.mean(loso_seconds))))
        print(markdown_row(rows[-1]), flush=True)
    print()
    print(markdown_table(COLUMNS, rows))
    if args.options or args.no_seen or args.loso_speakers not in ("all", "none"):
        print("(other options, or a part of the runs: no record written)")
        return
    write_record("transcribe", "Speech to text: spoken digit strings, seen and unseen voices", [Table(
        f"FSDD, {args.strings} training strings, {args.minutes:g} min ({args.loso_minutes:g} min per left-out speaker); "
        f"2 × BiLSTM {args.units}, CTC" + (", SpecAugment" if args.spec_augment else ""), COLUMNS, rows)],
        ["new voice: trained on the other speakers, tested on strings of that speaker's test takes"])  # fmt: skip


if __name__ == "__main__":
    main()
