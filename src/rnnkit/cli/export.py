"""``rnnkit export MODEL_DIR --format onnx|torchscript``: the network of a saved model, with its recurrent
state as explicit inputs and outputs (``rnnkit.models.export``)."""

from __future__ import annotations

import argparse
from typing import Any

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.


def register(commands: Any) -> None:
    p = commands.add_parser(
        "export",
        help="write a saved model as ONNX or TorchScript (state passed in and out)",
        description="The exported graph is (x, *states) -> (y, *final_states): zeros for a fresh sequence, "
        "the returned states to continue one (streaming). Batch and time are dynamic. The network only: "
        "a task's preprocessing (scaling, vocabularies) is not part of it.",
    )
    p.add_argument("model", help="model folder (any rnnkit model or task model)")
    p.add_argument("--format", choices=["onnx", "torchscript"], default="onnx")
    p.add_argument("--output", help="file to write (default: MODEL_DIR.onnx or MODEL_DIR.pt beside the folder)")
    p.set_defaults(handler=export)


def export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rnnkit.models import load_model
    from rnnkit.models.export import export_onnx, export_torchscript, state_names

    model = load_model(args.model, compile=False)
    model = _ensemble_as_one_network(model, args.model)
    folder = Path(args.model.rstrip("/"))
    output = args.output or str(folder.with_name(folder.name + (".onnx" if args.format == "onnx" else ".pt")))
    path = (export_onnx if args.format == "onnx" else export_torchscript)(model, output)
    states = state_names(model)
    print(f"{args.format} model written to {path}")
    print(f"  inputs:  x, {', '.join(states)} (each state (batch, units); zeros start a sequence)")
    print(f"  outputs: y, {', '.join(s + '_out' for s in states)} (feed these back to continue it)")
    return 0


def _ensemble_as_one_network(model: Any, path: str) -> Any:
    """A forecaster's ensemble (a grouped network whose groups read the same window) as the one ordinary
    network that averages its members (``mean_of_groups``); any other model as it is."""
    from rnnkit.errors import ConfigError
    from rnnkit.layers import GroupedRecurrent
    from rnnkit.models import load_metadata, mean_of_groups

    if not any(isinstance(layer, GroupedRecurrent) for layer in model.layers):
        return model
    metadata = load_metadata(path)
    if metadata.get("task") != "forecasting":
        raise ConfigError("one model per series reads a different series in each group: it cannot be exported yet")
    if (metadata.get("config") or {}).get("likelihood") == "gaussian":
        raise ConfigError(
            "an ensemble of Gaussian forecasters forecasts a mixture, which no single network outputs: export "
            "a forecaster trained with ensemble=1"
        )
    merged = mean_of_groups(model)
    units = merged.layers[0].units
    print(f"an ensemble of {model.layers[0].groups} networks: written as one network of {units} units that "
          f"averages them")  # fmt: skip
    return merged
