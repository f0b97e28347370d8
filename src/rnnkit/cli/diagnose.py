"""``rnnkit diagnose``: the gradient flowing back through time in a saved model, as a report and plots."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.


def register(commands: Any) -> None:
    p = commands.add_parser(
        "diagnose",
        help="measure vanishing/exploding gradients and effective memory of a saved model",
        description="Load a model folder and an .npz file with arrays x and y, measure the gradient norm "
        "at every time step of every recurrent layer and how many steps back the output still listens, "
        "print a report and write plots.",
    )
    p.add_argument("model", help="model folder written by model.save()")
    p.add_argument("--data", required=True, help=".npz file with arrays x (samples, time, features) and y")
    p.add_argument("--loss", help="loss name when the model was saved without compile settings (e.g. mse)")
    p.add_argument("--samples", type=int, default=256, help="samples to measure on (default 256)")
    p.add_argument("--plots", metavar="DIR", help="write gradient_flow.png into this folder")
    p.add_argument("--json", metavar="FILE", help="also write the measurements as JSON")
    p.set_defaults(handler=diagnose)


def _load_npz(path: Path) -> tuple[Any, Any]:
    import zipfile

    import numpy as np

    from rnnkit.errors import DataError

    if not path.is_file():
        raise DataError(f"--data {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = {"x", "y"} - set(data.files)
            if missing:
                raise DataError(
                    f"--data {path} must hold arrays 'x' and 'y'; missing {sorted(missing)}, has {data.files}"
                )
            return data["x"], data["y"]
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise DataError(f"--data {path} is not a readable .npz file: {exc}") from exc


def diagnose(args: argparse.Namespace) -> int:
    import json

    from rnnkit.diagnostics import effective_memory, format_report, gradient_flow, plot_gradient_flow
    from rnnkit.errors import ConfigError
    from rnnkit.models import load_model
    from rnnkit.train.losses import get_loss

    if args.samples < 1:
        raise ConfigError(f"--samples must be at least 1, got {args.samples}")
    model = load_model(args.model)
    x, y = _load_npz(Path(args.data))
    x, y = x[: args.samples], y[: args.samples]
    loss = get_loss(args.loss) if args.loss else None
    if loss is None and getattr(model, "loss", None) is None:
        raise ConfigError("the saved model has no loss; pass --loss (e.g. --loss mse)")
    flow = gradient_flow(model, x, y, loss=loss)
    memory = effective_memory(model, x)
    print(format_report(flow, memory))
    if args.plots:
        folder = Path(args.plots)
        folder.mkdir(parents=True, exist_ok=True)
        plot_gradient_flow(flow, folder / "gradient_flow.png")
        print(f"wrote {folder / 'gradient_flow.png'}")
    if args.json:
        Path(args.json).write_text(json.dumps({"flow": flow.to_dict(), "memory": memory.to_dict()}))
        print(f"wrote {args.json}")
    return 0
