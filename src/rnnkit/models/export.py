"""A trained ``Sequential`` out of Python: ONNX (for ONNX Runtime and friends) or TorchScript, with the
recurrent state passed in and out explicitly.

The exported graph is ``(x, *states) → (y, *final_states)``: one ``(B, H)`` tensor per state entry of
each recurrent layer, in layer order (``{layer}_h``, and ``{layer}_c`` for an LSTM). Zeros give the
ordinary forward pass; feeding back the final states continues a stream, so a long sequence can be run in
chunks — or one step at a time (``T = 1``) — and gives what the whole sequence gives. Batch and time are
dynamic axes. Recurrent layers become ONNX's own RNN/GRU/LSTM operators (PyTorch's kernels are traced,
never rnnkit's C++ ones); the parallel layers (MinGRU, MinLSTM, LRU), whose scans have no ONNX operator,
become an ONNX ``Loop`` over time (a scripted loop, ``rnnkit.nn.scan``), with their state in and out
(``{layer}_h``; the LRU's ``{layer}_re`` and ``{layer}_im``). The network only: a task's preprocessing
(scaling, vocabularies) stays in rnnkit.

Exportable layers: SimpleRNN, LSTM, GRU, MinGRU, MinLSTM, LRU (any direction, with or without
``return_sequences``), Dense, Activation, Dropout (a no-op in inference), TimeDistributed, RepeatVector,
Reshape, Embedding without ``mask_zero``, global average and max pooling. Masks (``Masking``, ``mask_zero``) and ``Bidirectional``
are refused with a clear error.

Example::

    model = rnnkit.models.load_model("forecaster_dir")
    export_onnx(model, "forecaster.onnx")
    session = onnxruntime.InferenceSession("forecaster.onnx")
    y, h = session.run(None, {"x": x, "gru_h": np.zeros((len(x), 32), np.float32)})
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, NotBuiltError
from rnnkit.layers import core, pooling
from rnnkit.layers.recurrent import RNN, Bidirectional
from rnnkit.native import switched_off
from rnnkit.nn.recurrent import run_recurrent

__all__ = ["ExplicitState", "export_onnx", "export_torchscript", "state_names"]

_STATELESS = (core.Input, core.Dense, core.Activation, core.Dropout, core.TimeDistributed, core.RepeatVector,
              core.Reshape, pooling.GlobalAveragePooling1D, pooling.GlobalMaxPooling1D)  # fmt: skip


def state_names(model: Any) -> list[str]:
    """The names of the state inputs (and, with ``_out``, outputs) of ``model``'s export, in order."""
    names = []
    for layer in model._stack():
        if isinstance(layer, RNN):
            parts = getattr(layer.cell, "state_names", ("h", "c"))
            names += [f"{layer.name}_{part}" for part in parts[: len(layer.cell.state_size)]]
    return names


class ExplicitState(nn.Module):
    """``model`` as ``forward(x, *states) -> (y, *final_states)`` (inference mode)."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        model._require_built()
        for layer in model._stack():
            if isinstance(layer, Bidirectional):
                raise ConfigError(f"{layer.name!r}: Bidirectional layers cannot be exported yet")
            if isinstance(layer, (core.Masking, pooling.AttentionPooling)) or getattr(layer, "mask_zero", False):
                raise ConfigError(
                    f"{layer.name!r}: masks are not exported; export a model that takes unpadded sequences"
                )
            cell = getattr(layer, "cell", None)
            exportable = getattr(cell, "fused_mode", None) is not None or hasattr(cell, "export_sequence")
            if isinstance(layer, RNN) and not exportable:
                raise ConfigError(
                    f"{layer.name!r}: only SimpleRNN (tanh/relu), LSTM, GRU, MinGRU, MinLSTM and LRU layers can be "
                    "exported"
                )
            if not isinstance(layer, (RNN, core.Embedding, *_STATELESS)):
                raise ConfigError(f"{layer.name!r}: {type(layer).__name__} layers cannot be exported yet")
        self.model = model.eval()
        self.sizes = [layer.cell.state_size for layer in model._stack() if isinstance(layer, RNN)]

    def forward(self, x: Tensor, *states: Tensor) -> tuple[Tensor, ...]:
        given = list(states)
        finals: list[Tensor] = []
        for layer in self.model._stack():
            if not isinstance(layer, RNN):
                x = layer(x)
                continue
            n = len(layer.cell.state_size)
            state, given = tuple(given[:n]), given[n:]
            if hasattr(layer.cell, "export_sequence"):  # a parallel layer: its scan as a scripted loop
                outputs, final = layer.cell.export_sequence(x.flip(1) if layer.go_backwards else x, state)
            else:
                outputs, final = run_recurrent(
                    layer.cell, x, state, go_backwards=layer.go_backwards, implementation="fused"
                )
            x = outputs if layer.return_sequences else outputs[:, -1]
            finals += list(final)
        return (x, *finals)

    def example(self, batch: int = 2, steps: int = 3) -> tuple[Tensor, ...]:
        """Inputs of the right kinds and sizes (zeros) for tracing."""
        first = self.model.layers[0]  # the first real layer (an Input only declares the shape)
        like = next(self.model.parameters())
        if isinstance(first, core.Embedding):
            x = torch.zeros(batch, steps, dtype=torch.long)
        else:
            features = getattr(getattr(first, "cell", None), "input_size", None) or first.weight.shape[1]
            x = torch.zeros(batch, steps, features, dtype=like.dtype)
        return (x, *(torch.zeros(batch, n, dtype=like.dtype) for size in self.sizes for n in size))


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporters' warnings that do not apply here: the states are inputs (the batch-size
    warning's own remedy); the tensors turned into Python values while tracing only feed rnnkit's input
    checks, which hold for the example; and the deprecation notices of TorchScript and of the
    TorchScript-based ONNX exporter (the newer exporter fails on recurrent layers with a dynamic batch)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Exporting a model to ONNX with a batch_size other than 1")
        warnings.filterwarnings("ignore", message="You are using the legacy TorchScript-based ONNX export")
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.")
        yield


def _atomic_write(path: str | os.PathLike[str], write: Any) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def export_onnx(model: Any, path: str | os.PathLike[str], opset: int = 17) -> Path:
    """Write ``model`` as an ONNX graph ``(x, *states) → (y, *final_states)`` (atomically); the graph's
    metadata ``rnnkit`` holds the input, state and output names as JSON."""
    try:
        import onnx  # optional: pip install rnnkit[export]
    except ImportError as exc:
        raise ConfigError("exporting to ONNX needs the onnx package: pip install 'rnnkit[export]'") from exc
    if not model.built:
        raise NotBuiltError("the model has no weights yet: train or load it before exporting")
    wrapper = ExplicitState(model)
    states = state_names(model)
    inputs, outputs = ["x", *states], ["y", *[f"{s}_out" for s in states]]
    axes = {"x": {0: "batch", 1: "time"}, "y": {0: "batch"}}
    axes.update({name: {0: "batch"} for name in [*states, *outputs[1:]]})
    if any(isinstance(layer, RNN) and layer.return_sequences for layer in model._stack()[-1:]) or isinstance(
        model._stack()[-1], core.TimeDistributed
    ):
        axes["y"][1] = "time"

    def write(tmp: str) -> None:
        with switched_off(), torch.no_grad(), _quiet():
            torch.onnx.export(wrapper, wrapper.example(), tmp, dynamo=False, opset_version=opset, input_names=inputs,
                              output_names=outputs, dynamic_axes=axes)  # fmt: skip
        graph = onnx.load(tmp)
        entry = graph.metadata_props.add()
        entry.key, entry.value = "rnnkit", json.dumps({"inputs": inputs, "outputs": outputs, "states": states})
        onnx.save(graph, tmp)

    return _atomic_write(path, write)


def export_torchscript(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` as a traced TorchScript module ``(x, *states) → (y, *final_states)`` (atomically);
    load it with ``torch.jit.load`` (no rnnkit needed)."""
    if not model.built:
        raise NotBuiltError("the model has no weights yet: train or load it before exporting")
    wrapper = ExplicitState(model)

    def write(tmp: str) -> None:
        with switched_off(), torch.no_grad(), _quiet():
            traced = torch.jit.trace(wrapper, wrapper.example(), check_trace=False)
            torch.jit.save(traced, tmp)

    return _atomic_write(path, write)
