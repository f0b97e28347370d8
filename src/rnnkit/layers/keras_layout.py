"""The weights of a recurrent cell in Keras's order and shapes, for ``get_weights`` / ``set_weights``.

rnnkit's cells (``rnnkit.nn.cells``) keep PyTorch's layout: ``weight_ih (G·H, F)``, ``weight_hh (G·H, H)``
with G gate blocks, and GRU gates in PyTorch's order ``r, z, n``. Keras stores the transposes,
``kernel (F, G·H)`` and ``recurrent_kernel (H, G·H)``, orders GRU gates ``z, r, h``, and gives a GRU of
the reset-after form (its default) one bias array ``(2, 3H)``: the input bias over the recurrent one.
The layers (``LSTM``) and the cells as layers (``LSTMCell``) both get these two functions as methods from
``KerasCellWeights``, so a model built either way takes the other's weights.

Example:
    >>> from rnnkit.nn.cells import GRUCell
    >>> [w.shape for w in cell_weights(GRUCell(3, 4))]
    [(3, 12), (4, 12), (2, 12)]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from rnnkit.errors import ShapeError
from rnnkit.layers.base import Layer
from rnnkit.nn.cells import GRUCell, RecurrentCell

__all__ = ["KerasCellWeights", "cell_weights", "set_cell_weights"]

# Keras orders GRU gates z, r, h; PyTorch (and rnnkit) r, z, n.
_GRU_TO_KERAS = [1, 0, 2]


def _gru_blocks(a: np.ndarray, axis: int) -> np.ndarray:
    blocks = np.split(a, 3, axis=axis)
    return np.concatenate([blocks[i] for i in _GRU_TO_KERAS], axis=axis)  # the swap is its own inverse


def _keras_order(cell: RecurrentCell, a: np.ndarray, axis: int) -> np.ndarray:
    return _gru_blocks(a, axis) if isinstance(cell, GRUCell) else a


def _biases(cell: RecurrentCell) -> list[torch.Tensor]:
    """The trained biases in Keras's count: none (``use_bias=False``), one, or a GRU's two."""
    return [b for b in (cell.bias_ih, cell.bias_hh) if isinstance(b, nn.Parameter)]


def _bias_shape(cell: RecurrentCell) -> tuple[int, ...]:
    biases = _biases(cell)
    width = biases[0].shape[0]
    return (2, width) if len(biases) == 2 else (width,)


def cell_weights(cell: RecurrentCell) -> list[np.ndarray]:
    """``[kernel (F, G·H), recurrent_kernel (H, G·H), bias]`` as Keras gives them (no bias when the cell
    has none)."""

    def keras(w: torch.Tensor, axis: int) -> np.ndarray:
        return np.array(_keras_order(cell, w.detach().cpu().numpy(), axis), order="C")

    out = [keras(cell.weight_ih.t(), 1), keras(cell.weight_hh.t(), 1)]
    biases = _biases(cell)
    if biases:
        out.append(np.stack([keras(b, 0) for b in biases]).reshape(_bias_shape(cell)))
    return out


def set_cell_weights(cell: RecurrentCell, weights: Sequence[np.ndarray], owner: str) -> None:
    """Load ``weights`` in Keras's order and shapes (as ``cell_weights`` gives them) into ``cell``.

    Raises:
        ShapeError: a wrong number of arrays or a wrong shape, naming ``owner`` (the layer) and what it
            expected.
    """
    expected = cell_weights(cell)
    if len(weights) != len(expected):
        names = "kernel, recurrent_kernel" + (", bias" if len(expected) == 3 else "")
        raise ShapeError(f"{owner} expects {len(expected)} weight arrays ({names}), got {len(weights)}")
    arrays = [np.asarray(w, dtype=np.float32) for w in weights]
    for i, (want, got) in enumerate(zip(expected, arrays)):
        if want.shape != got.shape:
            raise ShapeError(f"{owner} weight {i}: expected Keras shape {want.shape}, got {got.shape}")
    with torch.no_grad():
        kernels: list[tuple[torch.Tensor, np.ndarray]] = [(cell.weight_ih, arrays[0]), (cell.weight_hh, arrays[1])]
        for kernel, array in kernels:
            kernel.copy_(torch.from_numpy(np.ascontiguousarray(_keras_order(cell, array, 1).T)))
        if len(arrays) == 3:
            rows = arrays[2].reshape(-1, arrays[2].shape[-1])
            for param, row in zip(_biases(cell), rows):
                param.copy_(torch.from_numpy(np.ascontiguousarray(_keras_order(cell, row, 0))))


class KerasCellWeights(Layer):
    """``get_weights`` / ``set_weights`` in Keras's layout for a layer over one of rnnkit's cells
    (``self.cell``): the recurrent layers (``LSTM``) and the cells as layers (``LSTMCell``) alike."""

    cell: RecurrentCell

    def get_weights(self) -> list[np.ndarray]:
        """Keras's ``[kernel, recurrent_kernel, bias]`` (``cell_weights``)."""
        self._require_built()
        return cell_weights(self.cell)

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        self._require_built()
        set_cell_weights(self.cell, weights, f"{type(self).__name__} {self.name!r}")
