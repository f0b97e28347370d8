"""Sequence to sequence: English→French with and without attention, greedy vs beam search; the
built-in dates task; one-to-many digit captions.

* ``fra``: ``../shared/data/fra-eng.zip`` filtered as the PyTorch seq2seq tutorial does (its
  normalisation: lowercase, accents stripped, letters and .!? only; fewer than 10 words on both sides;
  English starting "i am / he is / she is / you are / we are / they are" or the contracted forms), then
  split **by English sentence**, so that every translation of a sentence lies on one side: a seeded 10 %
  of the distinct (normalised) English sentences are the test part, 5 % of the rest the validation part
  that early stopping watches, the rest training. rnnkit's Translator reads the raw pairs and tokenizes
  both sides its own way (lowercase, accents stripped, words and each punctuation mark or apostrophe a
  token: ``j ' ai froid .``). Each test sentence is translated once and scored against every French
  translation the set holds for it: BLEU and chrF by sacreBLEU (``tokenize='none'``, on those tokens;
  rnnkit's own equal implementation when sacreBLEU is not importable); the "one reference" columns
  score against the first translation in file order only. The last lines compare, on test sentences with
  several translations, a human translation and the model against the others.
  Each variant trains for at most ``--minutes``, with label smoothing ``--label-smoothing``. A variant
  names the attention score (``none``, ``additive``, ``dot``, ``general``), then optionally ``/luong``
  (attend after the decoder's cell: Luong's order; the default is Bahdanau's), ``/bf16`` (mixed-precision
  training), ``/lr=X`` and ``/dropout=X`` (instead of ``--learning-rate`` and ``--dropout``), and ``*N``:
  an ensemble of N networks (``Translator(ensemble=N)``) given N times the minutes, one share each.
* ``dates``: ``rnnkit.datasets.dates`` (written dates → ISO), 20,000 pairs to train, 2,000 held out.
* ``digits``: scikit-learn's 8×8 digits (1,797 images) captioned with the digit's name spelled letter by
  letter ("seven"), ``VectorToSequence``; seeded 80/20 split. Skipped, saying so, without scikit-learn.

    python benchmarks/translate.py [--tasks fra,dates,digits] [--minutes 10] \
        [--variants none,dot,additive,dot/luong,additive/luong,additive/bf16,additive/lr=3e-3,additive*2]

Writes ``benchmarks/results/translate.json`` (``--no-record``: not).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from results import Table, markdown_table, write_record

import rnnkit
from rnnkit.data.pairs import read_pairs
from rnnkit.datasets.dates import date_pairs
from rnnkit.models import Ensemble
from rnnkit.tasks.translation import Translator, TranslatorConfig
from rnnkit.tasks.translation_metrics import chrf, corpus_bleu, exact_match

try:
    import sacrebleu
except ImportError:  # rnnkit's own BLEU and chrF then (held equal to sacreBLEU's by the tests)
    sacrebleu = None

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PREFIXES = ("i am ", "i m ", "he is", "he s ", "she is", "she s ", "you are", "you re ", "we are", "we re ",
            "they are", "they re ")  # fmt: skip


def tutorial_normalize(s: str) -> str:
    """The PyTorch seq2seq tutorial's normalizeString (used here only to select the same pairs)."""
    s = "".join(c for c in unicodedata.normalize("NFD", s.lower().strip()) if unicodedata.category(c) != "Mn")
    s = re.sub(r"([.!?])", r" \1", s)
    return re.sub(r"[^a-zA-Z!?]+", r" ", s).strip()


def load_fra(seed: int) -> Split | None:
    """The tutorial's filtered pairs, split by English sentence: every translation of a sentence lies on
    one side. 10 % of the distinct English sentences are the test part, 5 % of the rest validation.
    A test sentence appears once, with every French translation the filtered set holds for it (in file
    order: the first is its single reference)."""
    path = DATA / "fra-eng.zip"
    if not path.is_file():
        return None
    sources, targets = read_pairs(path)
    groups: dict[str, list[int]] = {}
    for i, (en, fr) in enumerate(zip(sources, targets)):
        e, f = tutorial_normalize(en), tutorial_normalize(fr)
        if len(e.split(" ")) < 10 and len(f.split(" ")) < 10 and e.startswith(PREFIXES):
            groups.setdefault(e, []).append(i)
    keys = list(groups)
    order = np.random.default_rng(seed).permutation(len(keys))
    n_test = len(keys) // 10
    n_val = (len(keys) - n_test) // 20
    test = [groups[keys[k]] for k in order[:n_test]]
    val = [i for k in order[n_test : n_test + n_val] for i in groups[keys[k]]]
    train = [i for k in order[n_test + n_val :] for i in groups[keys[k]]]
    return Split(
        [sources[i] for i in train], [targets[i] for i in train], [sources[i] for i in val], [targets[i] for i in val],
        [sources[g[0]] for g in test], [list(dict.fromkeys(targets[i] for i in g)) for g in test],
    )  # fmt: skip


@dataclass
class Split:
    train_src: list[str]
    train_tgt: list[str]
    val_src: list[str]
    val_tgt: list[str]
    test_src: list[str]
    test_refs: list[list[str]]  # every translation of each test sentence, its single reference first


FLAG_NAMES = {"luong": "Luong's order", "bf16": "bf16"}


def scores(translator: Translator, hypotheses: list[str], references: list[list[str]]) -> dict[str, float]:
    """BLEU and chrF on the normalised tokens against all ``references`` of each sentence: sacreBLEU's
    own functions where it is importable (``tokenize='none'``), else rnnkit's (which the tests hold equal
    to sacreBLEU's); and the exact-match percentage against any reference."""
    refs = [translator.reference_tokens(r) for r in references]
    if sacrebleu is None:
        return {
            "bleu": corpus_bleu(hypotheses, refs),
            "chrf": chrf(hypotheses, refs),
            "exact": exact_match(hypotheses, refs),
        }
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(max(map(len, refs)))]
    return {
        "bleu": sacrebleu.corpus_bleu(hypotheses, streams, tokenize="none", force=True).score,
        "chrf": sacrebleu.corpus_chrf(hypotheses, streams).score,
        "exact": exact_match(hypotheses, refs),
    }


def chosen(args: argparse.Namespace, settings: dict[str, str]) -> dict[str, float]:
    """Learning rate and dropout of a variant: its own ``/lr=``, ``/dropout=``, else the command line's,
    else none (the Translator's defaults)."""
    out = {"learning_rate": settings.get("lr", args.learning_rate), "dropout": settings.get("dropout", args.dropout)}
    return {k: float(v) for k, v in out.items() if v is not None}


def run_fra(args: argparse.Namespace) -> list[Table]:
    split = load_fra(args.seed)
    if split is None:
        print(f"fra: skipped, {DATA / 'fra-eng.zip'} is absent")
        return []
    refs = split.test_refs
    several = sum(len(r) > 1 for r in refs)
    base = TranslatorConfig(**chosen(args, {}))
    print(f"fra: split by English sentence: {len(split.train_src):,} train pairs, {len(split.val_src):,} validation "
          f"pairs, {len(split.test_src):,} test sentences ({several} with several translations, "
          f"{sum(map(len, refs)):,} references); BLEU by {'sacreBLEU ' + sacrebleu.__version__ if sacrebleu else 'rnnkit (sacreBLEU not importable)'}; "
          f"budget {args.minutes} min per network, units {args.units}, dropout {base.dropout}, learning rate "
          f"{base.learning_rate}, label smoothing {args.label_smoothing}")  # fmt: skip
    rows = []
    for variant in args.variants.split(","):
        spec, _, networks = variant.partition("*")
        attention, *flags = spec.split("/")
        settings = dict(f.split("=") for f in flags if "=" in f)
        flags = [f for f in flags if "=" not in f]
        if set(flags) - FLAG_NAMES.keys() or set(settings) - {"lr", "dropout"}:
            raise SystemExit(f"variant {variant!r}: flags after '/' are {', '.join(FLAG_NAMES)}, lr=X, dropout=X")
        ensemble = int(networks or 1)
        rnnkit.seed(args.seed)
        translator = Translator(
            units=args.units, attention=None if attention == "none" else attention,
            epochs=1000, patience=args.patience, batch_size=args.batch, label_smoothing=args.label_smoothing,
            ensemble=ensemble, attention_style="luong" if "luong" in flags else "bahdanau",
            mixed_precision="bf16" if "bf16" in flags else None, **chosen(args, settings),
        )  # fmt: skip
        translator.fit(split.train_src, split.train_tgt, validation=(split.val_src, split.val_tgt),
                       minutes=args.minutes * ensemble, echo=print if args.verbose else None, seed=args.seed)  # fmt: skip
        model = translator.model
        members = model.members if isinstance(model, Ensemble) else [model]
        val_loss = float(np.mean([min(m.history.history["val_loss"]) for m in members if m.history]))
        epochs = sum(len(m.history.history["val_loss"]) for m in members if m.history)
        name = ", ".join([attention, *(FLAG_NAMES[f] for f in flags), *(f"{k} {v}" for k, v in settings.items())])
        name += "" if ensemble == 1 else f", {ensemble} networks"
        for beam in (1, 5):
            start = time.perf_counter()
            hypotheses = translator.translate(split.test_src, beam_width=beam)
            decode = time.perf_counter() - start
            multi = scores(translator, hypotheses, refs)
            single = scores(translator, hypotheses, [r[:1] for r in refs])
            rows.append([name, "greedy" if beam == 1 else f"beam {beam}", round(multi["bleu"], 2),
                         round(multi["chrf"], 2), round(single["bleu"], 2), round(single["chrf"], 2),
                         round(multi["exact"], 1), round(val_loss, 4), epochs, round(translator.seconds), round(decode, 1)])  # fmt: skip
            print(f"  {name:<9} {rows[-1][1]:<7} BLEU {multi['bleu']:5.2f}  chrF {multi['chrf']:5.2f}  "
                  f"single-ref BLEU {single['bleu']:5.2f}  exact {multi['exact']:5.1f} %  validation loss {val_loss:.4f} "
                  f"({epochs} epochs)  train {translator.seconds:6.0f} s  decode {decode:5.1f} s", flush=True)  # fmt: skip
        for source, output, reference in zip(split.test_src[:4], hypotheses[:4], refs[:4]):
            print(f"    {source}  →  {output}   (references: {' | '.join(reference)})")
    several, human, machine = human_ceiling(translator, hypotheses, refs)
    print(f"\non the {several} test sentences with two or more translations, against all but the first: the first "
          f"(a human translation) scores {human:.2f} BLEU, the last model (beam 5) {machine:.2f}")  # fmt: skip
    columns = ["attention", "decoding", "BLEU", "chrF", "BLEU, one reference", "chrF, one reference", "exact %",
               "validation loss", "epochs", "train s", "decode s"]  # fmt: skip
    print(markdown_table(columns, rows))
    print()
    title = (f"English→French, split by English sentence: {len(split.train_src):,} train pairs, "
             f"{len(split.test_src):,} test sentences with {sum(map(len, refs)):,} references; GRU {args.units}, "
             f"{args.minutes:g} min per network, learning rate {base.learning_rate:g} and dropout {base.dropout:g} unless said")  # fmt: skip
    ceiling = Table(f"What the references allow: the {several} test sentences with two or more translations, "
                    "scored against all but the first", ["translation", "BLEU"],
                    [["the first (a human translation)", round(human, 2)], [f"{rows[-1][0]}, beam 5", round(machine, 2)]])  # fmt: skip
    return [Table(title, columns, rows), ceiling]


def human_ceiling(translator: Translator, hypotheses: list[str], refs: list[list[str]]) -> tuple[int, float, float]:
    """On the test sentences with two or more translations: how many, the BLEU of one human translation
    (the first) against the others, and the model's against the same others."""
    several = [i for i, r in enumerate(refs) if len(r) > 1]
    others = [refs[i][1:] for i in several]
    human = scores(translator, [translator.reference_tokens(refs[i][:1])[0] for i in several], others)["bleu"]
    return len(several), human, scores(translator, [hypotheses[i] for i in several], others)["bleu"]


def run_dates(args: argparse.Namespace) -> list[Table]:
    sources, targets = date_pairs(22_000, seed=args.seed)
    rnnkit.seed(args.seed)
    translator = Translator(units=128, target_tokens="char", dropout=0.0, epochs=1000, patience=3)
    translator.fit(sources[:20_000], targets[:20_000], minutes=args.dates_minutes, seed=args.seed)
    rows = []
    for beam in (1, 5):
        s = translator.evaluate(sources[20_000:], targets[20_000:], beam_width=beam)
        print(f"dates: 2,000 held-out written dates → ISO, beam {beam}: exact {s['exact']:.2f} %, "
              f"char BLEU {s['bleu']:.2f}; trained {translator.seconds:.0f} s")  # fmt: skip
        rows.append(
            [
                "greedy" if beam == 1 else f"beam {beam}",
                round(s["exact"], 2),
                round(s["bleu"], 2),
                round(translator.seconds),
            ]
        )
    wrong = [
        (a, b, c)
        for a, b, c in zip(sources[20_000:], translator.translate(sources[20_000:]), targets[20_000:])
        if b != c
    ]
    for source, output, truth in wrong[:5]:
        print(f"    wrong: {source!r} → {output} (truth {truth})")
    print()
    return [Table("Dates: 20,000 written dates → ISO to train, 2,000 held out; GRU 128, characters out",
                  ["decoding", "exact %", "char BLEU", "train s"], rows)]  # fmt: skip


NAMES = "zero one two three four five six seven eight nine".split()


def run_digits(args: argparse.Namespace) -> list[Table]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        print("digits: skipped, scikit-learn is not importable (install it in the benchmark venv)")
        return []
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
    return [Table(f"One to many: scikit-learn's 8×8 digits captioned letter by letter, {len(test)} held-out images",
                  ["model", "exact %", "train s"], [["VectorToSequence, GRU 64", round(100 * exact, 2), round(seconds)]])]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default="fra,dates,digits")
    parser.add_argument("--minutes", type=float, default=10.0, help="training budget per fra model")
    parser.add_argument("--dates-minutes", type=float, default=3.0)
    parser.add_argument("--variants", default="none,additive,dot,additive*2", help="attention[*networks], ...")
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--dropout", type=float, help="default: the Translator's")
    parser.add_argument("--learning-rate", type=float, help="default: the Translator's")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--no-record", action="store_true", help="write no record under benchmarks/results/")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}"
    )
    tasks = args.tasks.split(",")
    tables = []
    for name, run in (("dates", run_dates), ("digits", run_digits), ("fra", run_fra)):
        if name in tasks:
            tables += run(args)
    if tables and not args.no_record:
        notes = [] if sacrebleu else ["sacreBLEU was not importable: BLEU and chrF are rnnkit's own"]
        write_record("translate", "Sequence to sequence: translation, dates, captions", tables, notes,
                     {"sacrebleu": sacrebleu.__version__} if sacrebleu else None)  # fmt: skip


if __name__ == "__main__":
    main()
