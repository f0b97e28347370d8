"""LRU: the paper's recurrence in NumPy complex arithmetic, the chunked scan equal to the step-by-step loop
(outputs, states, gradients; float64 to 1e-10, float32 to 1e-5), masked scans, streaming, saving."""

import contextlib

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError
from rnnkit.layers import LRU, Dense
from rnnkit.models import Sequential, load_model
from rnnkit.native import available, switched_off
from rnnkit.native import diagonal_scan as native_diagonal_scan
from rnnkit.nn.lru import LRUCell, diagonal_scan


def _reference(cell: LRUCell, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x_t = λ x_{t−1} + γ (B u_t), y_t = Re(C x_t) + D u_t, with NumPy's complex numbers."""
    p = {k: v.detach().double().numpy() for k, v in cell.named_parameters()}
    lam = np.exp(-np.exp(p["nu_log"]) + 1j * np.exp(p["theta_log"]))
    gamma, B, C = np.exp(p["gamma_log"]), p["B_re"] + 1j * p["B_im"], p["C_re"] + 1j * p["C_im"]
    x = np.zeros((u.shape[0], len(lam)), complex)
    ys = []
    for t in range(u.shape[1]):
        x = lam * x + gamma * (u[:, t] @ B.T)
        ys.append((x @ C.T).real + u[:, t] @ p["D"].T)
    return np.stack(ys, axis=1), x


def test_outputs_follow_the_papers_recurrence_and_initialisation() -> None:
    torch.manual_seed(0)
    cell = LRUCell(3, 4, state_size=6, r_min=0.5, r_max=0.8, max_phase=0.3)
    u = np.random.default_rng(0).normal(size=(2, 40, 3))
    y, (re, im) = cell.sequence(torch.tensor(u, dtype=torch.float32), cell.zero_state(2))
    ref_y, ref_x = _reference(cell, u)
    np.testing.assert_allclose(y.detach().numpy(), ref_y, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(re.detach().numpy() + 1j * im.detach().numpy(), ref_x, rtol=1e-5, atol=1e-5)
    modulus = torch.exp(-torch.exp(cell.nu_log))
    assert bool(((modulus >= 0.5) & (modulus <= 0.8)).all()) and bool((torch.exp(cell.theta_log) <= 0.3).all())
    torch.testing.assert_close(torch.exp(cell.gamma_log), torch.sqrt(1 - modulus**2))  # the normalisation


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_the_scan_equals_the_loop_with_gradients(dtype: torch.dtype, tol: float, native: bool) -> None:
    """Both whole-sequence paths: the native pass (CPU) and the chunked PyTorch scan (elsewhere)."""
    torch.manual_seed(1)
    scan = LRU(5, state_size=7, r_min=0.2, return_sequences=True, return_state=True)
    loop = LRU(5, state_size=7, return_sequences=True, return_state=True, implementation="unrolled")
    T = 700  # many chunks: a chunk is about 8 / max(−log|λ|) steps, here 5 (r_min = 0.2)
    x = torch.randn(3, T, 2, dtype=dtype, requires_grad=True)
    for layer in (scan, loop):
        layer(x.detach().float())
        layer.to(dtype)
    loop.cell.load_state_dict(scan.cell.state_dict())
    h0 = [torch.randn(3, 7, dtype=dtype, requires_grad=True) for _ in range(2)]
    runs = []
    for layer in (scan, loop):
        with contextlib.nullcontext() if native else switched_off():
            out, re, im = layer(x, initial_state=h0)
            loss = (out * torch.linspace(-1, 1, 5, dtype=dtype)).sum() + (re**2).sum() + im.sum()
            grads = torch.autograd.grad(loss, [x, *h0, *layer.cell.parameters()])
        runs.append((out, re, im, grads))
    scale = runs[1][0].abs().max()
    for a, b in zip(runs[0][:3], runs[1][:3]):
        torch.testing.assert_close(a / scale, b / scale, rtol=tol, atol=tol)
    for a, b in zip(runs[0][3], runs[1][3]):
        torch.testing.assert_close(a / b.abs().max(), b / b.abs().max(), rtol=tol, atol=tol)


def test_diagonal_scan_keeps_the_state_on_masked_steps() -> None:
    torch.manual_seed(2)
    log_lambda = torch.complex(-torch.rand(3) * 0.2, torch.rand(3))
    b = torch.randn(2, 9, 3, dtype=torch.complex128)
    mask = torch.tensor([[1, 1, 0, 1, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1, 0, 0]], dtype=torch.bool)
    states = diagonal_scan(b, log_lambda.to(torch.complex128), torch.zeros(2, 3, dtype=torch.complex128), mask)
    lam, x = torch.exp(log_lambda.to(torch.complex128)), torch.zeros(2, 3, dtype=torch.complex128)
    for t in range(9):
        x = torch.where(mask[:, t, None], lam * x + b[:, t], x)
        torch.testing.assert_close(states[:, t], x, rtol=1e-12, atol=1e-12)


def test_streaming_saving_and_options(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """(Padding, go_backwards and Bidirectional: test_min_rnn.py holds every parallel layer to them.)"""
    torch.manual_seed(3)
    x = torch.randn(1, 5, 2)
    model = Sequential([LRU(6, state_size=8, return_sequences=True, input_shape=(None, 2)), LRU(4), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    xs = np.random.default_rng(5).random((8, 10, 2)).astype(np.float32)
    model.fit(xs, xs.sum(axis=(1, 2))[:, None], epochs=2, verbose=0)
    full = model.predict(xs[:1], verbose=0)
    state = model.initial_state(batch=1)
    for t in range(10):
        y, state = model.step(xs[:1, t], state)
    np.testing.assert_allclose(y.numpy(), full, rtol=1e-5, atol=1e-6)
    assert model.layers[0].count_params() == 3 * 8 + 2 * 8 * 2 + 2 * 6 * 8 + 6 * 2
    model.save(tmp_path / "m")
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(xs, verbose=0), model.predict(xs, verbose=0), atol=1e-6)
    with pytest.raises(ConfigError, match="recurrent_dropout"):
        LRU(4, recurrent_dropout=0.1)
    with pytest.raises(ConfigError, match="r_min"):
        LRU(4, r_min=0.99, r_max=0.9)(x)


@pytest.mark.skipif(not available(), reason="the native kernels are not built here (make native builds them)")
def test_the_native_scan_backward_is_the_reverse_scan_autograd_checks() -> None:
    torch.manual_seed(4)
    b = torch.randn(2, 6, 3, 2, dtype=torch.float64, requires_grad=True)
    lam = (torch.rand(3, 2, dtype=torch.float64) * 0.6).requires_grad_()
    x0 = torch.randn(2, 3, 2, dtype=torch.float64, requires_grad=True)
    keep = torch.tensor([[1, 1, 0, 1, 1, 0], [0, 1, 1, 1, 0, 1]], dtype=torch.bool)
    assert torch.autograd.gradcheck(lambda *a: native_diagonal_scan(*a, keep), (b, lam, x0))
    reference = torch.view_as_real(
        diagonal_scan(torch.view_as_complex(b), torch.log(torch.view_as_complex(lam)), torch.view_as_complex(x0), keep)
    )
    torch.testing.assert_close(native_diagonal_scan(b, lam, x0, keep), reference, rtol=1e-12, atol=1e-12)
