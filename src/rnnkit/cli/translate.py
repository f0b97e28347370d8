"""``rnnkit translate``: train, use and score a sequence-to-sequence translator.

::

    rnnkit translate fit [PAIRS.tsv|.zip] --out MODEL_DIR      no file: the built-in dates task
    rnnkit translate MODEL_DIR "I am cold." ...                or --file F / - for stdin, one a line
    rnnkit translate evaluate MODEL_DIR PAIRS.tsv              BLEU, chrF, exact match
    rnnkit translate attention MODEL_DIR "I am cold." --out heat.png
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rnnkit.cli.backup import add_resume_flag, backup_callbacks

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.

SUBCOMMANDS = ("fit", "evaluate", "attention", "sentences")
DEFAULT = "sentences"


def register(commands: Any) -> None:
    translate = commands.add_parser(
        "translate",
        help="sequence to sequence translation (fit, evaluate, attention; or MODEL_DIR SENTENCE...)",
        description="Translate with an encoder-decoder and attention: 'rnnkit translate MODEL_DIR \"I am cold.\"'.",
    )
    sub = translate.add_subparsers(dest="translate_command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "fit",
        help="train a translator on tab-separated sentence pairs",
        description="Train on 'source<TAB>target' lines (a .txt/.tsv file, or a zip holding one). With no "
        "file, train on the built-in task: dates written in words or numbers → ISO dates. The model is "
        "written only when training completes.",
    )
    p.add_argument("data", nargs="?", help="pairs file (.tsv/.txt or .zip); omit for the built-in dates task")
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--limit", type=int, help="use only the first N pairs of the file")
    p.add_argument("--cell", choices=["gru", "lstm", "rnn", "mingru", "minlstm", "lru"], default="gru")
    p.add_argument("--units", type=int, default=256)
    p.add_argument("--layers", type=int, default=1, help="encoder layers")
    p.add_argument("--unidirectional", action="store_true", help="read the source in one direction only")
    p.add_argument("--attention", choices=["additive", "dot", "general", "none"], default="additive")
    p.add_argument(
        "--attention-style",
        choices=["bahdanau", "luong"],
        default="bahdanau",
        help="attend before the decoder's cell with its previous state (bahdanau) or after it with its new "
        "state (luong: trains faster, scores lower on the English-French benchmark)",
    )
    p.add_argument("--dropout", type=float, help="dropout on embeddings and outputs (default: the Translator's, 0.4)")
    p.add_argument("--teacher-forcing", type=float, default=1.0, help="probability of feeding the true token")
    p.add_argument("--source-tokens", choices=["word", "char"], default="word")
    p.add_argument("--target-tokens", choices=["word", "char"], help="default: word (char for the dates task)")
    p.add_argument("--max-length", type=int, default=50, help="tokens kept per sentence (longer: truncated)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, help="Adam's learning rate (default: the Translator's, 3e-3)")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--minutes", type=float, help="training time budget")
    p.add_argument("--patience", type=int, default=5)
    p.add_argument("--label-smoothing", type=float, default=0.1, help="ε of the cross-entropy (0: none)")
    p.add_argument("--bf16", action="store_true", help="train in mixed precision (bfloat16 matrix products)")
    p.add_argument(
        "--ensemble",
        type=int,
        default=1,
        help="train N networks from different seeds (each 1/N of --minutes) that translate together; "
        "such a run cannot be resumed",
    )
    p.add_argument("--beam", type=int, default=5, help="beam width used when translating (1: greedy)")
    p.add_argument("--seed", type=int, default=0)
    add_resume_flag(p)
    p.set_defaults(handler=fit)

    p = sub.add_parser("sentences", help="translate sentences (the default: rnnkit translate MODEL_DIR ...)")
    p.add_argument("model", help="model folder written by 'rnnkit translate fit'")
    p.add_argument("sentences", nargs="*", help="sentences to translate")
    p.add_argument("--file", help="file with one sentence a line ('-': standard input)")
    p.add_argument("--beam", type=int, help="beam width (default: the model's)")
    p.set_defaults(handler=sentences)

    p = sub.add_parser("evaluate", help="BLEU, chrF and exact match on sentence pairs")
    p.add_argument("model", help="model folder written by 'rnnkit translate fit'")
    p.add_argument("data", help="pairs file (.tsv/.txt or .zip)")
    p.add_argument("--beam", type=int, help="beam width (default: the model's)")
    p.add_argument("--limit", type=int, help="score only the first N pairs")
    p.set_defaults(handler=evaluate)

    p = sub.add_parser("attention", help="heatmap (PNG) of the attention while translating one sentence")
    p.add_argument("model", help="model folder written by 'rnnkit translate fit'")
    p.add_argument("sentence")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.set_defaults(handler=attention)


def _pairs(path: str | None, limit: int | None) -> tuple[list[str], list[str]]:
    from rnnkit.errors import ConfigError

    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be a positive number of pairs, got {limit}")
    if path is None:
        from rnnkit.datasets.dates import date_pairs

        return date_pairs(limit or 20_000, seed=0)
    from rnnkit.data.pairs import read_pairs

    sources, targets = read_pairs(path)
    return sources[:limit], targets[:limit]


def fit(args: argparse.Namespace) -> int:
    import rnnkit
    from rnnkit.data.pairs import split_by_source
    from rnnkit.errors import ConfigError, DataError
    from rnnkit.tasks.translation import Translator

    sources, targets = _pairs(args.data, args.limit)
    # a seeded tenth of the distinct source sentences, with all their translations, is the test set
    kept, held = split_by_source(sources, 0.1, args.seed)
    if not kept:
        raise DataError(f"all {len(sources)} pairs share one source sentence: holding out its translations "
                        "leaves nothing to train on")  # fmt: skip
    references: dict[str, list[str]] = {}
    for i in held:
        references.setdefault(sources[i], []).append(targets[i])
    train = [sources[i] for i in kept], [targets[i] for i in kept]
    target_tokens = args.target_tokens or ("char" if args.data is None else "word")
    rnnkit.seed(args.seed)
    translator = Translator(
        cell=args.cell, units=args.units, encoder_layers=args.layers, bidirectional=not args.unidirectional,
        attention=None if args.attention == "none" else args.attention, attention_style=args.attention_style,
        mixed_precision="bf16" if args.bf16 else None,
        teacher_forcing=args.teacher_forcing, source_tokens=args.source_tokens, target_tokens=target_tokens,
        max_length=args.max_length, batch_size=args.batch, epochs=args.epochs,
        patience=args.patience, beam_width=args.beam, label_smoothing=args.label_smoothing, ensemble=args.ensemble,
        **{k: v for k, v in {"dropout": args.dropout, "learning_rate": args.lr}.items() if v is not None},
    )  # fmt: skip
    if args.ensemble > 1 and args.resume:
        raise ConfigError("--resume continues one network; a run with --ensemble above 1 cannot be resumed")
    print(f"data: {args.data or 'built-in dates task'}, {len(train[0]):,} pairs to train, {len(held):,} held out "
          f"({len(references):,} source sentences, none of them in training)")  # fmt: skip
    callbacks = backup_callbacks(args) if args.ensemble == 1 else []
    translator.fit(*train, minutes=args.minutes, echo=print, seed=args.seed, callbacks=callbacks)
    translator.save(args.out)
    held_sources = list(references)
    scores = translator.evaluate(held_sources, list(references.values()))
    print(
        f"held out: BLEU {scores['bleu']:.1f}, chrF {scores['chrf']:.1f}, exact {scores['exact']:.1f} % "
        f"(beam {translator.config.beam_width}, every translation of a sentence a reference); "
        f"trained in {translator.seconds:.1f} s; model in {args.out}"
    )
    for source, output in zip(held_sources[:3], translator.translate(held_sources[:3])):
        print(f"  {source}  →  {output}")
    return 0


def sentences(args: argparse.Namespace) -> int:
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.translation import Translator

    lines = list(args.sentences)
    if args.file is not None:
        stream = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
        with stream:
            try:
                lines += [line.strip() for line in stream if line.strip()]
            except UnicodeDecodeError as exc:
                raise ConfigError(f"{args.file} is not UTF-8 text: {exc}") from exc
    if not lines:
        raise ConfigError("nothing to translate: give sentences, --file FILE, or --file - for standard input")
    translator = Translator.load(args.model)
    unknown = 0
    for line in lines:  # one at a time: each translation appears as soon as it is ready
        print(translator.translate([line], beam_width=args.beam)[0], flush=True)
        unknown += translator.unknown_words
    if unknown:
        print(f"rnnkit: note: {unknown} unknown source word(s) were read as <unk>", file=sys.stderr)
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from rnnkit.tasks.translation import Translator

    translator = Translator.load(args.model)
    sources, targets = _pairs(args.data, args.limit)
    scores = translator.evaluate(sources, targets, beam_width=args.beam)
    beam = args.beam or translator.config.beam_width
    print(f"{int(scores['sentences']):,} pairs, beam {beam}: BLEU {scores['bleu']:.2f}, chrF {scores['chrf']:.2f}, "
          f"exact match {scores['exact']:.2f} %, unknown source words {int(scores['unknown_words']):,}")  # fmt: skip
    return 0


def attention(args: argparse.Namespace) -> int:
    from rnnkit.diagnostics.attention import plot_attention
    from rnnkit.tasks.translation import Translator

    translator = Translator.load(args.model)
    source, target, weights = translator.attention(args.sentence)
    plot_attention(source, target, weights, args.out, title=f"{args.sentence} → {' '.join(target[:-1])}")
    print(f"{' '.join(target[:-1])}\nattention heatmap written to {args.out}")
    return 0
