"""PNG figures of the gradient through time: norm per step (log scale), and a step × epoch heatmap."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnkit.diagnostics.flow import GradientFlow
from rnnkit.errors import ConfigError

__all__ = ["plot_gradient_flow", "plot_gradient_heatmap"]


def _pyplot() -> Any:
    import matplotlib  # heavy: loaded only to draw

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_gradient_flow(flow: GradientFlow, path: str | os.PathLike[str], title: str | None = None) -> None:
    """‖∂L/∂h_t‖ against the time step, one line per recurrent layer (log scale)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    many = len(flow.hidden) > 10  # past the default cycle's ten colours: twenty, and dashes for the second ten
    colors = plt.get_cmap("tab20").colors
    for i, (name, norms) in enumerate(flow.hidden.items()):
        kind = flow.kinds.get(name)
        style = {"color": colors[2 * i if i < 10 else 2 * (i - 10) + 1], "ls": "-" if i < 10 else "--"} if many else {}
        ax.semilogy(np.arange(1, len(norms) + 1), np.maximum(norms, 1e-30), lw=1.5,
                    label=f"{name} ({kind})" if kind else name, **style)  # fmt: skip
    ax.set_xlabel("time step t (reading order; the loss sits at the last step)")
    ax.set_ylabel("‖∂L/∂h_t‖")
    ax.set_title(title or "Gradient flowing back through time")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_gradient_heatmap(
    records: Sequence[tuple[int, GradientFlow]], path: str | os.PathLike[str], layer: str | None = None
) -> None:
    """log10 ‖∂L/∂h_t‖ for each recorded epoch (rows) and time step (columns) of one layer."""
    if not records:
        raise ConfigError("no gradient records to plot; run fit with a GradientMonitor first")
    name = layer or next(iter(records[0][1].hidden))
    grid = np.log10(np.maximum([flow.hidden[name] for _, flow in records], 1e-30))  # (epochs, T)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(records) + 2))
    image = ax.imshow(
        grid,
        aspect="auto",
        cmap="viridis",
        interpolation="nearest",
        extent=(0.5, grid.shape[1] + 0.5, len(records) - 0.5, -0.5),
    )
    rows = np.unique(np.linspace(0, len(records) - 1, min(len(records), 10)).round().astype(int))
    ax.set_yticks(rows, [str(records[i][0] + 1) for i in rows])  # one row per recorded epoch
    fig.colorbar(image, ax=ax, label="log10 ‖∂L/∂h_t‖")
    ax.set_xlabel("time step t")
    ax.set_ylabel("epoch")
    ax.set_title(f"Gradient through time during training: {name}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
