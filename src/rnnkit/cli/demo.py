"""``rnnkit demo``: the tutorial end to end and what its number means."""

from __future__ import annotations

import argparse
from typing import Any

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.


def register(commands: Any) -> None:
    p = commands.add_parser(
        "demo",
        help="run the SimpleRNN tutorial end to end and compare it with baselines",
        description="Train the classic tutorial model on its random data, compare the test "
        "MSE with always predicting the mean, then train it on a learnable series.",
    )
    p.add_argument("--epochs", type=int, default=20, help="training epochs for each part (default 20)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--verbose", type=int, choices=[0, 1, 2], default=1, help="progress output (default 1)")
    p.add_argument("--plot", metavar="PNG", help="also write a plot of predictions against the truth")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.tutorial import run_tutorial

    if args.epochs < 1:
        raise ConfigError(f"--epochs must be at least 1, got {args.epochs}")
    run_tutorial(epochs=args.epochs, seed=args.seed, verbose=args.verbose, plot=args.plot)
    return 0
