"""PNG heatmap of where a decoder looked: one row per output token, one column per source token."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from rnnkit.diagnostics.plots import _pyplot
from rnnkit.errors import ShapeError

__all__ = ["plot_attention"]


def plot_attention(
    source: Sequence[str], target: Sequence[str], weights: np.ndarray, path: str | os.PathLike[str], title: str = ""
) -> None:
    """Attention ``weights`` ``(len(target), len(source))`` as a grid; each row sums to 1."""
    weights = np.asarray(weights)
    if weights.shape != (len(target), len(source)):
        raise ShapeError(
            f"attention weights must be ({len(target)}, {len(source)}) for these tokens, got {weights.shape}"
        )
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(0.45 * len(source) + 2.5, 0.4 * len(target) + 1.8))
    image = ax.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(source)), list(source), rotation=60, ha="right")
    ax.set_yticks(range(len(target)), list(target))
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    fig.colorbar(image, ax=ax, label="attention weight", fraction=0.05)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
