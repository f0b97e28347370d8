"""Sequence to sequence: English→French with and without attention, greedy vs beam search; the
built-in dates task; one-to-many digit captions.

* ``fra``: ``../shared/data/fra-eng.zip`` filtered as the PyTorch seq2seq tutorial does (its
  normalisation: lowercase, accents stripped, letters and .!? only; fewer than 10 words on both sides;
  English starting "i am / he is / she is / you are / we are / they are" or the contracted forms),
  seeded 90/10 split. rnnkit's Translator reads the raw pairs and tokenizes both sides its own way
  (lowercase, accents stripped, words and each punctuation mark or apostrophe a token: ``j ' ai froid .``);
  BLEU (sacreBLEU's definition, ``tokenize='none'``) and chrF are computed on those tokens against the
  pair's own reference; "all references" also counts every other French translation the filtered set
  holds for the same English sentence.
  Each variant trains for at most ``--minutes`` (early stopping on a 5 % validation part of the 90 %),
  with label smoothing ``--label-smoothing``. A variant names the attention score (``none``, ``additive``,
  ``dot``, ``general``), then optionally ``/luong`` (attend after the decoder's cell: Luong's order; the
  default is Bahdanau's), ``/bf16`` (mixed-precision training) and ``*N``: an ensemble of N networks
  (``Translator(ensemble=N)``) given N times the minutes, one share each.
* ``dates``: ``rnnkit.datasets.dates`` (written dates → ISO), 20,000 pairs to train, 2,000 held out.
* ``digits``: scikit-learn's 8×8 digits (1,797 images) captioned with the digit's name spelled letter by
  letter ("seven"), ``VectorToSequence``; seeded 80/20 split. Skipped, saying so, without scikit-learn.

    python benchmarks/translate.py [--tasks fra,dates,digits] [--minutes 10] \
        [--variants none,dot,additive,dot/luong,additive/luong,additive/bf16,additive*2]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np

import rnnkit
from rnnkit.data.pairs import read_pairs
from rnnkit.datasets.dates import date_pairs
from rnnkit.tasks.translation import Translator
from rnnkit.tasks.translation_metrics import corpus_bleu

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PREFIXES = ("i am ", "i m ", "he is", "he s ", "she is", "she s ", "you are", "you re ", "we are", "we re ",
            "they are", "they re ")  # fmt: skip


def tutorial_normalize(s: str) -> str:
    """The PyTorch seq2seq tutorial's normalizeString (used here only to select the same pairs)."""
    s = "".join(c for c in unicodedata.normalize("NFD", s.lower().strip()) if unicodedata.category(c) != "Mn")
    s = re.sub(r"([.!?])", r" \1", s)
    return re.sub(r"[^a-zA-Z!?]+", r" ", s).strip()


def load_fra(seed: int) -> tuple[list[str], list[str], list[str], list[list[str]]] | None:
    """Train sources and targets, test sources and, per test source, every French translation of it in
    the filtered set (its own reference first)."""
    path = DATA / "fra-eng.zip"
    if not path.is_file():
        return None
    sources, targets = read_pairs(path)
    keep = []
    for i, (en, fr) in enumerate(zip(sources, targets)):
        e, f = tutorial_normalize(en), tutorial_normalize(fr)
        if len(e.split(" ")) < 10 and len(f.split(" ")) < 10 and e.startswith(PREFIXES):
            keep.append(i)
    order = np.random.default_rng(seed).permutation(keep)
    cut = len(order) - len(order) // 10
    train, test = order[:cut], order[cut:]
    translations: dict[str, list[str]] = {}
    for i in keep:
        translations.setdefault(sources[i], []).append(targets[i])
    references = [[targets[i], *(t for t in translations[sources[i]] if t != targets[i])] for i in test]
    return [sources[i] for i in train], [targets[i] for i in train], [sources[i] for i in test], references


FLAG_NAMES = {"luong": "Luong's order", "bf16": "bf16"}


def run_fra(args: argparse.Namespace) -> None:
    data = load_fra(args.seed)
    if data is None:
        print(f"fra: skipped, {DATA / 'fra-eng.zip'} is absent")
        return
    train_src, train_tgt, test_src, test_refs = data
    test_tgt = [refs[0] for refs in test_refs]
    several = sum(len(r) > 1 for r in test_refs)
    print(f"fra: {len(train_src) + len(test_src):,} pairs after the tutorial's filter; {len(train_src):,} train, "
          f"{len(test_src):,} test ({several} with several translations in the set); budget {args.minutes} min "
          f"per network, units {args.units}, dropout {args.dropout}, learning rate {args.learning_rate}, label smoothing {args.label_smoothing}")  # fmt: skip
    rows = []
    for variant in args.variants.split(","):
        spec, _, networks = variant.partition("*")
        attention, *flags = spec.split("/")
        if set(flags) - FLAG_NAMES.keys():
            raise SystemExit(f"variant {variant!r}: flags after '/' are {', '.join(FLAG_NAMES)}")
        ensemble = int(networks or 1)
        rnnkit.seed(args.seed)
        translator = Translator(
            units=args.units, attention=None if attention == "none" else attention, dropout=args.dropout,
            learning_rate=args.learning_rate,
            epochs=1000, patience=args.patience, batch_size=args.batch, label_smoothing=args.label_smoothing,
            ensemble=ensemble, attention_style="luong" if "luong" in flags else "bahdanau",
            mixed_precision="bf16" if "bf16" in flags else None,
        )  # fmt: skip
        translator.fit(
            train_src, train_tgt, minutes=args.minutes * ensemble, echo=print if args.verbose else None, seed=args.seed
        )
        for beam in (1, 5):
            start = time.perf_counter()
            scores = translator.evaluate(test_src, test_tgt, beam_width=beam)
            decode = time.perf_counter() - start
            multi = translator.evaluate(test_src, test_refs, beam_width=beam)
            name = ", ".join([attention, *(FLAG_NAMES[f] for f in flags)])
            name += "" if ensemble == 1 else f", {ensemble} networks"
            rows.append((name, "greedy" if beam == 1 else f"beam {beam}", scores, multi, translator.seconds, decode))
            print(f"  {name:<9} {rows[-1][1]:<7} BLEU {scores['bleu']:5.2f}  chrF {scores['chrf']:5.2f}  "
                  f"exact {scores['exact']:5.1f} %  multi-ref BLEU {multi['bleu']:5.2f}  train {translator.seconds:6.0f} s  "
                  f"decode {decode:5.1f} s", flush=True)  # fmt: skip
        examples = test_src[:4]
        for source, output, reference in zip(examples, translator.translate(examples), test_tgt[:4]):
            print(f"    {source}  →  {output}   (reference: {reference})")
    print()
    print(what_one_reference_allows(translator, train_src, train_tgt, test_src, test_refs))
    print("| attention | decoding | BLEU | chrF | exact % | BLEU, all references | train s | decode s |")
    print("|---|---|---|---|---|---|---|---|")
    for attention, decoding, s, m, train_s, decode_s in rows:
        print(
            f"| {attention} | {decoding} | {s['bleu']:.2f} | {s['chrf']:.2f} | {s['exact']:.1f} | {m['bleu']:.2f} "
            f"| {train_s:.0f} | {decode_s:.1f} |"
        )
    print()


def what_one_reference_allows(
    translator: Translator, train_src: list[str], train_tgt: list[str], test_src: list[str], test_refs: list[list[str]]
) -> str:
    """How far single-reference BLEU can go on this split, and where the last model stands: the BLEU
    of another human translation from the set against the reference; on test sentences whose English is
    also in the training part (with other translations there: a pair seldom appears twice), a lookup
    that answers with the sentence's most frequent training translation, and the model (beam 5) on
    those sentences and on the rest."""
    assert translator.source_tokenizer is not None
    source_key = lambda s: " ".join(translator.source_tokenizer.split(s))  # noqa: E731
    target_key = lambda s: translator.reference_tokens([s])[0]  # noqa: E731
    seen: dict[str, Counter[str]] = {}
    for s, t in zip(train_src, train_tgt):
        seen.setdefault(source_key(s), Counter())[target_key(t)] += 1
    own = [target_key(refs[0]) for refs in test_refs]
    several = [i for i, refs in enumerate(test_refs) if len(refs) > 1]
    human = corpus_bleu([target_key(test_refs[i][1]) for i in several], [own[i] for i in several])
    outputs = translator.translate(test_src, beam_width=5)
    keys = [source_key(s) for s in test_src]
    known = [i for i, key in enumerate(keys) if key in seen]
    new = [i for i, key in enumerate(keys) if key not in seen]
    lookup = corpus_bleu([seen[keys[i]].most_common(1)[0][0] for i in known], [own[i] for i in known])
    copied = [i for i in known if outputs[i] in seen[keys[i]]]
    right = sum(outputs[i] == own[i] for i in copied)
    bleu = lambda rows: corpus_bleu([outputs[i] for i in rows], [own[i] for i in rows])  # noqa: E731
    return (
        f"one reference: on the {len(several)} test sentences with another translation in the set, that other "
        f"human translation scores {human:.2f} BLEU against the reference.\n"
        f"on the {len(known)} test sentences whose English is also in the training part, a lookup of its most "
        f"frequent training translation scores {lookup:.2f}; the last model, beam 5, {bleu(known):.2f} "
        f"({len(copied)} outputs repeat a training translation of it, {right} of them the reference); "
        f"on the other {len(new)}, the model scores {bleu(new):.2f}.\n"
    )


def run_dates(args: argparse.Namespace) -> None:
    sources, targets = date_pairs(22_000, seed=args.seed)
    rnnkit.seed(args.seed)
    translator = Translator(units=128, target_tokens="char", dropout=0.0, epochs=1000, patience=3)
    translator.fit(sources[:20_000], targets[:20_000], minutes=args.dates_minutes, seed=args.seed)
    for beam in (1, 5):
        s = translator.evaluate(sources[20_000:], targets[20_000:], beam_width=beam)
        print(f"dates: 2,000 held-out written dates → ISO, beam {beam}: exact {s['exact']:.2f} %, "
              f"char BLEU {s['bleu']:.2f}; trained {translator.seconds:.0f} s")  # fmt: skip
    wrong = [
        (a, b, c)
        for a, b, c in zip(sources[20_000:], translator.translate(sources[20_000:]), targets[20_000:])
        if b != c
    ]
    for source, output, truth in wrong[:5]:
        print(f"    wrong: {source!r} → {output} (truth {truth})")
    print()


NAMES = "zero one two three four five six seven eight nine".split()


def run_digits(args: argparse.Namespace) -> None:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        print("digits: skipped, scikit-learn is not importable (install it in the benchmark venv)")
        return
    from rnnkit.models import VectorToSequence
    from rnnkit.train.losses import SparseCategoricalCrossentropy

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # (1797, 64)
    letters = sorted(set("".join(NAMES)))
    ids = {c: i + 3 for i, c in enumerate(letters)}  # 0 pad, 1 <sos>, 2 <eos>
    width = max(len(n) for n in NAMES) + 2
    target = np.zeros((len(x), width), np.int64)
    for i, label in enumerate(digits.target):
        row = [1, *(ids[c] for c in NAMES[label]), 2]
        target[i, : len(row)] = row
    order = np.random.default_rng(args.seed).permutation(len(x))
    train, test = order[: len(x) * 4 // 5], order[len(x) * 4 // 5 :]
    rnnkit.seed(args.seed)
    model = VectorToSequence(64, len(letters) + 3, units=64)
    model.compile("adam", SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    start = time.perf_counter()
    model.fit([x[train], target[train, :-1]], target[train, 1:], epochs=60, batch_size=32, verbose=0)
    seconds = time.perf_counter() - start
    words = ["".join(letters[t - 3] for t in out) for out in model.generate(x[test], max_length=width)]
    exact = np.mean([w == NAMES[label] for w, label in zip(words, digits.target[test])])
    print(f"digits: {len(test)} held-out 8×8 images captioned exactly: {100 * exact:.2f} % (trained {seconds:.0f} s)")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default="fra,dates,digits")
    parser.add_argument("--minutes", type=float, default=10.0, help="training budget per fra model")
    parser.add_argument("--dates-minutes", type=float, default=3.0)
    parser.add_argument("--variants", default="none,additive,dot,additive*2", help="attention[*networks], ...")
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}"
    )
    tasks = args.tasks.split(",")
    for name, run in (("dates", run_dates), ("digits", run_digits), ("fra", run_fra)):
        if name in tasks:
            run(args)


if __name__ == "__main__":
    main()
