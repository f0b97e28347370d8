"""Optimizers follow Keras's update rules (checked against the formulas in NumPy) and match torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError, UnknownNameError
from rnnkit.train.loop import clip_gradients
from rnnkit.train.optimizers import SGD, Adam, AdamW, RMSprop, get_optimizer


def _run(opt, grads: list[np.ndarray]) -> np.ndarray:  # type: ignore[no-untyped-def]
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))
    opt.build([w])
    for g in grads:
        w.grad = torch.tensor(g)
        opt.step()
    return w.detach().numpy()


GRADS = [np.array([0.1, -0.3, 2.0]), np.array([-0.5, 0.2, 1.0]), np.array([0.05, 0.0, -1.0])]


def test_adam_is_kerass_formula() -> None:
    w, m, v = np.array([1.0, -2.0, 0.5]), np.zeros(3), np.zeros(3)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        w = w - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
    np.testing.assert_allclose(_run(Adam(learning_rate=lr), GRADS), w, rtol=1e-12)


def test_adamw_and_sgd_match_torch_optim() -> None:
    for ours, theirs in [
        (SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        (SGD(0.1, momentum=0.9, nesterov=True), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
        (SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    ]:
        w = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))
        ref = theirs([w])
        for g in GRADS:
            w.grad = torch.tensor(g)
            ref.step()
        np.testing.assert_allclose(_run(ours, GRADS), w.detach().numpy(), rtol=1e-12)
    # AdamW = decay by lr·wd, then Adam
    decayed = _run(AdamW(learning_rate=0.01, weight_decay=0.1), GRADS[:1])
    plain = _run(Adam(learning_rate=0.01), GRADS[:1])
    np.testing.assert_allclose(decayed, plain - 0.01 * 0.1 * np.array([1.0, -2.0, 0.5]), rtol=1e-12)


def test_rmsprop_is_kerass_formula() -> None:
    w, v = np.array([1.0, -2.0, 0.5]), np.zeros(3)
    for g in GRADS:
        v = 0.9 * v + 0.1 * g**2
        w = w - 0.001 * g / np.sqrt(v + 1e-7)
    np.testing.assert_allclose(_run(RMSprop(), GRADS), w, rtol=1e-12)


def test_clip_by_global_norm_and_value() -> None:
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
    a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])  # global norm 5
    clip_gradients([a, b], clipnorm=1.0, clipvalue=None)
    torch.testing.assert_close(torch.cat([a.grad, b.grad]), torch.tensor([0.6, 0.0, 0.8]), rtol=0, atol=1e-6)
    a.grad = torch.tensor([3.0, -0.2])
    clip_gradients([a], clipnorm=None, clipvalue=0.5)
    torch.testing.assert_close(a.grad, torch.tensor([0.5, -0.2]))


def test_names_and_torch_optimizers_resolve() -> None:
    assert isinstance(get_optimizer("Adam"), Adam)
    with pytest.raises(UnknownNameError, match="adam, adamw, rmsprop, sgd"):
        get_optimizer("adagrad2")
    with pytest.raises(ConfigError):
        Adam(learning_rate=0)
    w = torch.nn.Parameter(torch.ones(1))
    wrapped = get_optimizer(torch.optim.SGD([w], lr=0.5))
    w.grad = torch.ones(1)
    wrapped.step()
    assert w.item() == pytest.approx(0.5)
    wrapped.learning_rate = 0.1
    assert wrapped.torch_optimizer.param_groups[0]["lr"] == 0.1


def test_adam_import_does_not_pull_in_dynamo() -> None:
    import subprocess
    import sys

    code = (
        "import sys, torch; from rnnkit.train.optimizers import Adam; o = Adam(); "
        "p = torch.nn.Parameter(torch.ones(2)); o.build([p]); p.grad = torch.ones(2); o.step(); "
        "print('torch._dynamo' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_adam_reading_its_step_size_from_a_device_tensor_updates_as_with_a_number() -> None:
    """The form a replayed CUDA graph uses (``Adam.rate``, rnnkit.train.cuda_graph), checked on the CPU."""
    from rnnkit import native

    g = torch.Generator().manual_seed(0)
    start = [torch.randn(3, 4, generator=g, dtype=torch.float64), torch.randn(5, generator=g, dtype=torch.float64)]
    grads = [[torch.randn(t.shape, generator=g, dtype=torch.float64) for t in start] for _ in range(5)]
    finals = []
    for with_rate in (False, True):
        params = [torch.nn.Parameter(t.clone()) for t in start]
        opt = Adam(learning_rate=0.1)
        opt.build(params)
        opt.rate = torch.zeros((), dtype=torch.float64) if with_rate else None
        with native.switched_off():
            for step in grads:
                for p, grad in zip(params, step):
                    p.grad = grad.clone()
                opt.step()
        finals.append([p.detach() for p in params])
        if with_rate:
            assert float(opt.rate) == -opt.step_size(5)  # filled before each eager step
    for a, b in zip(*finals):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
    assert not torch.allclose(finals[0][0], start[0])
