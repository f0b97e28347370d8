"""rnnkit's native kernels (``rnnkit.native``) against PyTorch's own: outputs, final states and every
gradient, in float64 (1e-10) and float32 (1e-5); and the layers that use them against the unrolled loop.

These tests need the kernels built (``rnnkit native build``; ``make test`` builds them) and skip, saying
so, when they are not."""

from __future__ import annotations

import pytest
import torch

from rnnkit import native
from rnnkit.layers import GRU, LSTM, SimpleRNN

pytestmark = pytest.mark.skipif(
    not native.available(), reason="rnnkit's native kernels are not built here (run: rnnkit native build)"
)

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def _torch(mode: str, x: torch.Tensor, state: tuple[torch.Tensor, ...], w: list[torch.Tensor]) -> tuple:
    hx = [s.unsqueeze(0) for s in state]
    if mode == "lstm":
        out, h, c = torch._VF.lstm(x, hx, w, True, 1, 0.0, False, False, True)
        return out, h[0], c[0]
    kernel = {"gru": torch._VF.gru, "rnn_tanh": torch._VF.rnn_tanh, "rnn_relu": torch._VF.rnn_relu}[mode]
    out, h = kernel(x, hx[0], w, True, 1, 0.0, False, False, True)
    return out, h[0]


# small calls run on one thread; from 2^22 multiply-adds on (the other sizes) the batch rows are split
# between the threads, 37 rows as 19 + 18; at 200 units each thread's per-step product goes to MKL
SIZES = {
    "small": (5, 9, 3, 6),
    "rows split between threads": (37, 40, 64, 64),
    "per-step products in MKL": (37, 12, 48, 200),
}


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("mode", list(GATES))
@pytest.mark.parametrize("size", list(SIZES))
def test_outputs_and_gradients_equal_pytorchs_kernels(mode: str, dtype: torch.dtype, size: str) -> None:
    g = torch.Generator().manual_seed(0)
    (B, T, F, H), G = SIZES[size], GATES[mode]
    x = torch.randn(B, T, F, dtype=dtype, generator=g, requires_grad=True)
    state = tuple(
        torch.randn(B, H, dtype=dtype, generator=g, requires_grad=True) for _ in range(2 if mode == "lstm" else 1)
    )
    shapes = [(G * H, F), (G * H, H), (G * H,), (G * H,)]
    # the larger layers' weights scaled by 0.8 / sqrt(H): gates out of saturation, and relu states that
    # neither explode nor vanish over the steps (float32 would then compare rounding, not kernels)
    scale = 0.7 if size == "small" else 0.8 / H**0.5
    w = [(scale * torch.randn(*s, dtype=dtype, generator=g)).requires_grad_() for s in shapes]
    mine, theirs = native.run_sequence(mode, x, state, w), _torch(mode, x, state, w)
    assert mine is not None
    tol = {"rtol": 1e-10, "atol": 1e-10} if dtype == torch.float64 else {"rtol": 1e-5, "atol": 1e-5}
    if size != "small" and dtype == torch.float32:  # sums of 128-248 terms over the steps, in another order
        tol["atol"] = 1e-4
    for a, b in zip(mine, theirs):
        torch.testing.assert_close(a, b, **tol)
    # a loss that weighs every output step and the final state(s) differently
    weights = [torch.randn(t.shape, dtype=dtype, generator=g) for t in theirs]
    inputs = [x, *state, *w]
    ga = torch.autograd.grad(sum((o * v).sum() for o, v in zip(mine, weights)), inputs)
    gb = torch.autograd.grad(sum((o * v).sum() for o, v in zip(theirs, weights)), inputs)
    for a, b in zip(ga, gb):
        torch.testing.assert_close(a, b, **tol)


@pytest.mark.parametrize("layer", [SimpleRNN, LSTM, GRU])
def test_layers_on_the_native_path_equal_the_unrolled_loop(layer: type) -> None:
    torch.manual_seed(0)
    x = torch.randn(4, 12, 3, dtype=torch.float64)
    fast, loop = layer(5, return_sequences=True), layer(5, return_sequences=True, implementation="unrolled")
    fast(x.float()), loop(x.float())  # build
    loop.load_state_dict(fast.state_dict())
    fast.double(), loop.double()
    out_fast, out_loop = fast(x), loop(x)
    torch.testing.assert_close(out_fast, out_loop, rtol=1e-10, atol=1e-10)
    # only the last step feeds the loss: the other outputs' gradients are absent, not zero tensors
    grads = [
        torch.autograd.grad(o[:, -1].pow(2).sum(), list(m.parameters()))
        for o, m in ((out_fast, fast), (out_loop, loop))
    ]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)


def test_inference_without_gradients_and_thread_count_restored() -> None:
    threads = torch.get_num_threads()
    x, h = torch.randn(2, 4, 3), (torch.zeros(2, 5),)
    w = [torch.randn(15, 3), torch.randn(15, 5), torch.zeros(15), torch.zeros(15)]
    with torch.no_grad():
        out = native.run_sequence("gru", x, h, w)
    assert out is not None and out[0].shape == (2, 4, 5) and not out[0].requires_grad
    assert torch.get_num_threads() == threads
    assert native.run_sequence("gru", x.half(), h, w) is None  # not covered: PyTorch's kernels run
