"""The fused path: a whole-sequence kernel on a cell's own weights.

rnnkit's native kernels (``rnnkit.native``, when built) run unpadded CPU batches; otherwise
``torch._VF.rnn_tanh / rnn_relu / lstm / gru``, the kernels behind ``torch.nn.RNN/LSTM/GRU``, run the
loop over time in C++ (oneDNN for LSTM on CPU, cuDNN on GPU). All compute exactly the step functions in
``functional.py``; tests hold outputs and gradients equal to the unrolled loop and to each other.

Legend: B batch, T time, F features, H hidden units.
"""

from __future__ import annotations

import functools
import warnings
from typing import cast

import torch
from torch import Tensor
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnkit.native import run_sequence
from rnnkit.nn.cells import LSTMState, RecurrentCell

__all__ = ["fused_sequence"]

# cuDNN wants a layer's weights in one buffer and copies them into one at each call when they are not;
# ``_flatten_for_cudnn`` moves them there once. Should they be moved apart again (a weight replaced by a
# new tensor), the copy costs what benchmarks/gpu.py measures, and PyTorch's warning about it is left out
warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous chunk")

_CUDNN_MODES = {"rnn_tanh": "RNN_TANH", "rnn_relu": "RNN_RELU", "lstm": "LSTM", "gru": "GRU"}


def _flatten_for_cudnn(cell: RecurrentCell, weights: list[Tensor], mode: str) -> None:
    """Put a CUDA cell's weights in one buffer in cuDNN's layout (they become views of it, the same
    tensors), as ``torch.nn.RNN.flatten_parameters`` does; once, until their memory changes. Without it
    cuDNN copies them on every call: 10-44 % of a 128-unit layer's step, measured on an H200."""
    first = weights[0]
    if not first.is_cuda or not torch._use_cudnn_rnn_flatten_weight() or not torch.backends.cudnn.is_acceptable(first):
        return
    pointers = tuple(w.data_ptr() for w in weights)
    if getattr(cell, "_cudnn_flat", None) == pointers or len(set(pointers)) != len(pointers):
        return
    if any(w.dtype != first.dtype or not w.is_cuda for w in weights):
        return
    from torch.backends.cudnn import rnn as cudnn_rnn  # CUDA only: not loaded on the CPU

    with torch.no_grad():
        torch._cudnn_rnn_flatten_weight(
            weights, 4, cell.input_size, cudnn_rnn.get_cudnn_mode(_CUDNN_MODES[mode]), cell.hidden_size, 0, 1,
            True, False,
        )  # fmt: skip
    cell._cudnn_flat = tuple(w.data_ptr() for w in weights)  # type: ignore[assignment]


@functools.cache
def _cpu_lacks_bf16() -> bool:
    """Whether this CPU lacks the bfloat16 instructions oneDNN's LSTM needs (AVX512-BF16/AMX); once."""
    supported = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    return supported is not None and not supported()


def _bf16_lstm_unsupported(x: Tensor) -> bool:
    """Whether autocast would hand oneDNN a bfloat16 LSTM this CPU cannot run (it fails with "could not
    create a primitive descriptor"); the LSTM then runs in float32 under autocast."""
    return torch.is_autocast_enabled("cpu") and x.device.type == "cpu" and _cpu_lacks_bf16()


_KERNELS = {
    "rnn_tanh": torch._VF.rnn_tanh,
    "rnn_relu": torch._VF.rnn_relu,
    "gru": torch._VF.gru,
}


def fused_sequence(
    cell: RecurrentCell, x: Tensor, state: tuple[Tensor, ...], lengths: Tensor | None = None
) -> tuple[Tensor, tuple[Tensor, ...]]:
    """Run ``cell`` over ``x`` with one kernel call.

    Args:
        cell: a built-in cell whose ``fused_mode`` is not None.
        x: ``(B, T, F)``.
        state: the cell's state tuple, each ``(B, H)``.
        lengths: ``(B,)`` int64 on the CPU, valid steps per row of a right-padded batch (all ≥ 1); the
            outputs after a row's end repeat its last valid output, the state stops there.

    Returns:
        outputs ``(B, T, H)`` and the final state.
    """
    mode = cast(str, cell.fused_mode)
    weights = cell.flat_weights()
    if lengths is None:
        native = run_sequence(mode, x, state, weights)
        if native is not None:
            outputs, *ends = native
            return outputs, (LSTMState(*ends) if mode == "lstm" else tuple(ends))
    _flatten_for_cudnn(cell, weights, mode)
    hx = [s.unsqueeze(0) for s in state]  # (1, B, H): PyTorch's (layers·directions, B, H)
    # PyTorch's "train" flag: cuDNN keeps what its backward pass needs only when it is set
    train = torch.is_grad_enabled()
    if mode == "lstm" and _bf16_lstm_unsupported(x):
        with torch.autocast("cpu", enabled=False):
            return fused_sequence(cell, x.float(), tuple(s.float() for s in state), lengths)
    if lengths is None:
        if mode == "lstm":
            out, h, c = torch._VF.lstm(x, hx, weights, True, 1, 0.0, train, False, True)
            return out, LSTMState(h[0], c[0])
        out, h = _KERNELS[mode](x, hx[0], weights, True, 1, 0.0, train, False, True)
        return out, (h[0],)

    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    # packed sequences keep rows sorted by length; the state must follow that order and come back
    order, unorder = cast(Tensor, packed.sorted_indices), cast(Tensor, packed.unsorted_indices)
    hx = [h.index_select(1, order) for h in hx]
    if mode == "lstm":
        data, h, c = torch._VF.lstm(packed.data, packed.batch_sizes, hx, weights, True, 1, 0.0, train, False)
        final: tuple[Tensor, ...] = LSTMState(h[0].index_select(0, unorder), c[0].index_select(0, unorder))
    else:
        data, h = _KERNELS[mode](packed.data, packed.batch_sizes, hx[0], weights, True, 1, 0.0, train, False)
        final = (h[0].index_select(0, unorder),)
    out, _ = pad_packed_sequence(
        packed._replace(data=data), batch_first=True, total_length=x.shape[1]
    )  # (B, T, H), zeros after each row's end
    last = out[torch.arange(x.shape[0]), lengths - 1]  # (B, H)
    valid = torch.arange(x.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)  # (B, T)
    return torch.where(valid.unsqueeze(-1), out, last.unsqueeze(1)), final
