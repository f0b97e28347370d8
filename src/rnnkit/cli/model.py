"""``rnnkit summary`` and ``rnnkit predict``: inspect and use a saved model folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.


def register(commands: Any) -> None:
    p = commands.add_parser(
        "summary",
        help="print the layer table of a saved model",
        description="Load a model folder (config.json + model.safetensors) and print its summary.",
    )
    p.add_argument("model", help="model folder written by model.save()")
    p.set_defaults(handler=summary)

    p = commands.add_parser(
        "predict",
        help="run a saved model on a .npy array",
        description="Load a model folder, predict on a .npy array of shape "
        "(samples, time steps, features) and write or print the predictions.",
    )
    p.add_argument("model", help="model folder written by model.save()")
    p.add_argument("--input", required=True, help="input .npy file")
    p.add_argument("--output", help="write predictions to this .npy file (default: print them)")
    p.add_argument("--batch-size", type=int, default=32, help="batch size (default 32)")
    p.set_defaults(handler=predict)


def summary(args: argparse.Namespace) -> int:
    from rnnkit.models import load_model

    load_model(args.model, compile=False).summary()
    return 0


def predict(args: argparse.Namespace) -> int:
    import numpy as np

    from rnnkit.errors import DataError
    from rnnkit.models import load_model

    model = load_model(args.model, compile=False)
    path = Path(args.input)
    if not path.is_file():
        raise DataError(f"--input {path} does not exist")
    try:
        x = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"--input {path} is not a readable .npy array: {exc}") from exc
    y = model.predict(x, batch_size=args.batch_size, verbose=0)
    if args.output:
        np.save(args.output, y)
        print(f"wrote predictions of shape {y.shape} to {args.output}")
    else:
        np.savetxt(__import__("sys").stdout, y.reshape(len(y), -1), fmt="%.6g")
    return 0
