"""MinGRU and MinLSTM: the papers' equations, the whole-sequence scan equal to the step-by-step loop
(outputs, states, gradients), masks, streaming, saving; the scan's backward against a NumPy reference."""

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError
from rnnkit.layers import LRU, Bidirectional, Dense, MinGRU, MinLSTM
from rnnkit.models import Sequential, load_model
from rnnkit.native import switched_off
from rnnkit.nn.scan import chunked_gated_scan, gated_scan


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def _reference(kind: str, x: np.ndarray, w: np.ndarray, b: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The papers' recurrences step by step in NumPy; w (G·H, F) and b in the cells' gate order."""
    H = h.shape[1]
    out = []
    for t in range(x.shape[1]):
        pre = x[:, t] @ w.T + b
        if kind == "gru":
            z, cand = _sigmoid(pre[:, :H]), pre[:, H:]
            h = (1 - z) * h + z * cand
        else:
            f, i, cand = _sigmoid(pre[:, :H]), _sigmoid(pre[:, H : 2 * H]), pre[:, 2 * H :]
            h = f / (f + i) * h + i / (f + i) * cand
        out.append(h)
    return np.stack(out, axis=1)


@pytest.mark.parametrize("layer_class,kind", [(MinGRU, "gru"), (MinLSTM, "lstm")])
def test_outputs_follow_the_papers_equations(layer_class, kind: str) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    layer = layer_class(4, return_sequences=True)
    x = torch.randn(3, 7, 2, dtype=torch.float64)
    layer(x.float())  # built in float32, then moved to float64
    layer.double()
    h0 = torch.randn(3, 4, dtype=torch.float64)
    w, b = layer.cell.weight_ih.detach().numpy(), layer.cell.bias_ih.detach().numpy()
    expected = _reference(kind, x.numpy(), w, b, h0.numpy())
    np.testing.assert_allclose(layer(x, initial_state=[h0]).detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    gates = 2 if kind == "gru" else 3
    assert [a.shape for a in layer.get_weights()] == [(2, gates * 4), (gates * 4,)]
    assert sum(p.numel() for p in layer.parameters()) == gates * (4 * 2 + 4)


@pytest.mark.parametrize("layer_class", [MinGRU, MinLSTM])
@pytest.mark.parametrize("native", [True, False])
def test_the_scan_equals_the_step_by_step_loop_with_gradients(layer_class, native: bool) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(1)
    scan = layer_class(5, return_sequences=True, return_state=True)
    loop = layer_class(5, return_sequences=True, return_state=True, implementation="unrolled")
    x = torch.randn(4, 9, 3, dtype=torch.float64, requires_grad=True)
    for layer in (scan, loop):
        layer(x.detach().float())
        layer.double()
    loop.set_weights(scan.get_weights())
    h0 = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    runs = []
    for layer in (scan, loop):
        if native:
            out, h = layer(x, initial_state=[h0])
        else:
            with switched_off():
                out, h = layer(x, initial_state=[h0])
        loss = (out * torch.linspace(-1, 1, 5, dtype=torch.float64)).sum() + (h**2).sum()
        grads = torch.autograd.grad(loss, [x, h0, layer.cell.weight_ih, layer.cell.bias_ih])
        runs.append((out, h, grads))
    torch.testing.assert_close(runs[0][0], runs[1][0], rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(runs[0][1], runs[1][1], rtol=1e-10, atol=1e-10)
    for a, b in zip(runs[0][2], runs[1][2]):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


def test_the_scan_backward_equals_the_reverse_scan_derived_by_hand() -> None:
    rng = np.random.default_rng(2)
    u, v, h0, g = rng.random((2, 6, 3)), rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 6, 3))
    ut, vt, h0t = (torch.tensor(a, requires_grad=True) for a in (u, v, h0))
    hs = gated_scan(ut, vt, h0t)
    du, dv, dh0 = torch.autograd.grad(hs, [ut, vt, h0t], torch.tensor(g))
    states = hs.detach().numpy()
    carry = np.zeros((2, 3))
    ref_du, ref_dv = np.zeros_like(u), np.zeros_like(v)
    for t in range(5, -1, -1):  # c_t = g_t + (1 − u_{t+1}) c_{t+1}; du = c (v − h_{t−1}); dv = c u
        c = g[:, t] + carry
        prev = states[:, t - 1] if t > 0 else h0
        ref_du[:, t], ref_dv[:, t] = c * (v[:, t] - prev), c * u[:, t]
        carry = c * (1 - u[:, t])
    np.testing.assert_allclose(du.numpy(), ref_du, rtol=1e-12)
    np.testing.assert_allclose(dv.numpy(), ref_dv, rtol=1e-12)
    np.testing.assert_allclose(dh0.numpy(), carry, rtol=1e-12)
    assert torch.autograd.gradcheck(gated_scan, (ut, vt, h0t))


@pytest.mark.parametrize("layer_class", [MinGRU, MinLSTM, LRU])
def test_padding_changes_nothing_and_backwards_reads_the_reversed_sequence(layer_class) -> None:  # type: ignore[no-untyped-def]
    """Every parallel layer (the LRU's other tests are in test_lru.py)."""
    torch.manual_seed(3)
    layer = layer_class(4, return_sequences=True)
    x = torch.randn(1, 5, 2)
    alone = layer(x)
    padded = torch.cat([x, torch.randn(1, 3, 2)], dim=1)
    mask = torch.tensor([[True] * 5 + [False] * 3])
    out = layer(padded, mask=mask)
    torch.testing.assert_close(out[:, :5], alone)
    torch.testing.assert_close(out[:, 5:], alone[:, -1:].expand(1, 3, 4))  # the last output carried on
    left = torch.cat([torch.randn(1, 2, 2), x], dim=1)
    out = layer(left, mask=torch.tensor([[False, False] + [True] * 5]))
    torch.testing.assert_close(out[:, 2:], alone)
    assert bool((out[:, :2] == 0).all())  # as the loop: zeros before the first real step
    backwards = layer_class(4, go_backwards=True)
    backwards(x)
    backwards.cell.load_state_dict(layer.cell.state_dict())
    last = layer_class(4)
    last(x)
    last.cell.load_state_dict(layer.cell.state_dict())
    torch.testing.assert_close(backwards(x), last(x.flip(1)))
    both = Bidirectional(layer_class(3, return_sequences=True))
    torch.testing.assert_close(both(padded, mask=mask)[:, :5], both(x))


def test_streaming_saving_and_options(tmp_path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(4)
    model = Sequential([MinGRU(6, return_sequences=True, input_shape=(None, 2)), MinLSTM(4), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(5).random((8, 10, 2)).astype(np.float32)
    model.fit(x, x.sum(axis=(1, 2))[:, None], epochs=2, verbose=0)
    full = model.predict(x[:1], verbose=0)
    state = model.initial_state(batch=1)
    for t in range(10):
        y, state = model.step(x[:1, t], state)
    np.testing.assert_allclose(y.numpy(), full, rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "m")
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    with pytest.raises(ConfigError, match="recurrent_dropout"):
        MinGRU(4, recurrent_dropout=0.1)


@pytest.mark.parametrize("gates,width", [("min_gru", 2), ("min_lstm", 3)])
def test_the_fused_gate_scan_equals_gates_then_scan_with_gradients(gates: str, width: int) -> None:
    from rnnkit.native import gate_scan, kernels
    from rnnkit.nn.functional import min_gru_gates, min_lstm_gates

    if kernels() is None:
        pytest.skip("the native kernels are not built here (rnnkit native build); the PyTorch path is tested above")
    torch.manual_seed(6)
    pre = torch.randn(3, 8, width * 4, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    keep = torch.tensor([[1.0] * 8, [1.0] * 5 + [0.0] * 3, [0.0, 0.0] + [1.0] * 6], dtype=torch.float64)
    fused = gate_scan(pre, h0, keep, gates)
    u, v = (min_gru_gates if gates == "min_gru" else min_lstm_gates)(pre)
    plain = gated_scan(u * keep.unsqueeze(-1), v, h0)
    weights = torch.randn(3, 8, 4, dtype=torch.float64)
    torch.testing.assert_close(fused, plain, rtol=1e-12, atol=1e-12)
    for a, b in zip(torch.autograd.grad((fused * weights).sum(), [pre, h0]), torch.autograd.grad((plain * weights).sum(), [pre, h0])):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)
    assert torch.autograd.gradcheck(lambda p, h: gate_scan(p, h, keep, gates), (pre, h0))


def test_the_chunked_scan_equals_the_loop_with_gradients_and_saturated_gates() -> None:
    """The PyTorch scan (a GPU, no kernels built): chunks of 4 over 11 steps, a gate of exactly 1 included."""
    torch.manual_seed(6)
    z = torch.randn(3, 11, 4, dtype=torch.float64) * 3
    z[0, 5] = 40.0  # σ(40) is 1.0 in float64: the state is replaced outright
    z[1, 2:4] = -800.0  # σ = 0: the state is kept, as on a masked step
    v, h0 = torch.randn(3, 11, 4, dtype=torch.float64), torch.randn(3, 4, dtype=torch.float64)
    leaves = [t.clone().requires_grad_() for t in (z, v, h0)]
    u = torch.sigmoid(leaves[0])
    assert bool((u[0, 5] == 1.0).all()) and bool((u[1, 2:4] == 0.0).all())
    ours = chunked_gated_scan(u, leaves[1], leaves[2], chunk=4)
    h, ref = leaves[2], []
    for t in range(11):
        h = h + u[:, t] * (leaves[1][:, t] - h)
        ref.append(h)
    reference = torch.stack(ref, dim=1)
    torch.testing.assert_close(ours, reference, rtol=1e-12, atol=1e-12)
    g = torch.randn_like(ours)
    for a, b in zip(torch.autograd.grad(ours, leaves, g, retain_graph=True), torch.autograd.grad(reference, leaves, g)):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("layer_class", [MinGRU, MinLSTM])
def test_chrono_initialisation_keeps_the_state_for_about_its_horizon(layer_class, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """At zero bias a unit forgets about half its state every step; with chrono=T the share kept per step,
    1 − u, starts at about 1 − 1/τ for τ log-uniform on [1, T]: the state lasts up to about T steps."""
    torch.manual_seed(7)
    plain, chrono = layer_class(64), layer_class(64, chrono=1000)
    x = torch.zeros(1, 1, 3)
    for layer in (plain, chrono):
        layer(x)
    u_plain, _ = plain.cell.gate_values(plain.cell.bias_ih)
    u_chrono, _ = chrono.cell.gate_values(chrono.cell.bias_ih)
    assert torch.allclose(u_plain, torch.full_like(u_plain, 0.5))
    memory = 1 / u_chrono  # steps a unit keeps its state
    assert 1.0 <= float(memory.min()) and float(memory.max()) <= 1000.0 and float(memory.median()) > 10.0
    model = Sequential([layer_class(4, chrono=50, input_shape=(None, 3)), Dense(1)])
    model.build((None, 5, 3))
    model.save(tmp_path / "m")
    assert load_model(tmp_path / "m").layers[0].chrono == 50
    with pytest.raises(ConfigError, match="chrono"):
        layer_class(4, chrono=2)(x)
