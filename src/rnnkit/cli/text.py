"""``rnnkit text fit`` and ``rnnkit text generate``: a character-level language model from a text file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rnnkit.cli.backup import add_resume_flag, backup_callbacks, backup_folder

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.


def register(commands: Any) -> None:
    text = commands.add_parser(
        "text",
        help="character-level text generation (train, generate)",
        description="Train a character-level language model and sample text from it.",
    )
    sub = text.add_subparsers(dest="text_command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "fit",
        help="train on a UTF-8 text file (or, with none, on Python's own documentation)",
        description="Train char-rnn style: the corpus cut into parallel streams, truncated BPTT with "
        "the state carried, the last 10%% held out; the folder --out always holds the model with the "
        "best validation loss.",
    )
    p.add_argument("corpus", nargs="?", help="UTF-8 text file (default: CPython's documentation topics)")
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--cell", choices=["lstm", "gru", "rnn", "mingru", "minlstm", "lru"], default="lstm")
    p.add_argument("--units", type=int, help="units per layer (default 256, or 512 when --minutes is 20 or more)")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--embedding", type=int, default=64)
    p.add_argument("--residual", action="store_true",
                   help="residual blocks, each layer followed by a feed-forward one (the minGRU paper's model)")
    p.add_argument("--feed-forward", type=int, default=4, help="with --residual: the feed-forward block's width, × units")
    p.add_argument("--dropout", type=float, help="dropout after each layer (default 0, or 0.3 with the 512-unit model)")
    p.add_argument("--bptt", type=int, default=100, help="characters per truncated-BPTT chunk (default 100)")
    p.add_argument("--batch", type=int, default=64, help="parallel streams (default 64)")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate (default 0.002)")
    p.add_argument("--epochs", type=int, help="passes over the corpus")
    p.add_argument("--minutes", type=float, help="training time budget (default 10 when --epochs is not given)")
    add_resume_flag(p, or_continue=True)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=fit)

    p = sub.add_parser(
        "generate",
        help="sample text from a trained model",
        description="Warm the model up on --prime, then sample one character at a time.",
    )
    p.add_argument("model", help="model folder written by 'rnnkit text fit'")
    p.add_argument("--prime", default="", help="text to start from")
    p.add_argument("--length", type=int, default=500, help="characters to generate (default 500)")
    p.add_argument("--temperature", type=float, default=0.8, help="sampling temperature (default 0.8)")
    p.add_argument("--top-k", type=int, help="sample only among the k most likely characters")
    p.add_argument("--top-p", type=float, help="sample only within the top-p probability mass")
    p.add_argument("--seed", type=int, help="random seed for repeatable samples")
    p.set_defaults(handler=generate)


def fit(args: argparse.Namespace) -> int:
    from pathlib import Path

    import rnnkit
    from rnnkit.data.text import builtin_corpus, read_corpus
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.generation import TextGenerator

    text = read_corpus(args.corpus) if args.corpus else builtin_corpus()
    source = args.corpus or "CPython's documentation topics (pydoc_data)"
    rnnkit.seed(args.seed)
    minutes = args.minutes if args.minutes is not None or args.epochs is not None else 10.0
    units = args.units or (512 if minutes is not None and minutes >= 20 else 256)  # a bigger budget fits a bigger model
    # 2x512 without dropout overfits tiny-shakespeare within 30 minutes (best 1.474 nats/char; 1.443 with 0.3)
    dropout = args.dropout if args.dropout is not None else (0.3 if units >= 512 else 0.0)
    options = dict(cell=args.cell, units=units, layers=args.layers, embedding=args.embedding, dropout=dropout,
                   bptt=args.bptt, batch=args.batch, learning_rate=args.lr, residual=args.residual,
                   feed_forward=args.feed_forward)  # fmt: skip
    if args.resume and backup_folder(args.out).exists():  # an unfinished run: rebuilt as it was, then restored
        generator = TextGenerator(**options)
        if Path(args.out).exists():
            generator.best_val_loss = TextGenerator.load(args.out).best_val_loss
    elif args.resume:
        if not Path(args.out).exists():
            raise ConfigError(f"--resume: no unfinished run ({backup_folder(args.out)}) and no model at {args.out}")
        generator = TextGenerator.load(args.out)
    else:
        generator = TextGenerator(**options)
    print(
        f"corpus: {source}, {len(text):,} characters; training until "
        + (f"{args.epochs} epochs" if args.epochs else f"{minutes:g} minutes")
    )
    generator.fit(text, epochs=args.epochs, minutes=minutes, checkpoint=args.out, callbacks=backup_callbacks(args))
    print(f"best validation loss {generator.best_val_loss:.4f} nats/char; model in {args.out}")
    return 0


def generate(args: argparse.Namespace) -> int:
    from rnnkit.tasks.generation import TextGenerator

    generator = TextGenerator.load(args.model)
    stream = generator.stream(
        args.prime, args.length, temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, seed=args.seed
    )
    first = next(stream, "")  # surfaces bad options and unknown prime characters before printing anything
    sys.stdout.write(args.prime + first)
    for char in stream:
        sys.stdout.write(char)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return 0
