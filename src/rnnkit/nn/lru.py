"""The Linear Recurrent Unit (Orvieto et al. 2023, "Resurrecting Recurrent Neural Networks for Long
Sequences"): a diagonal complex linear recurrence with real inputs and outputs.

Per step, with ``N`` complex state channels and ``H`` outputs::

    x_t = λ ⊙ x_{t−1} + γ ⊙ (B u_t)          λ, γ ∈ ℂᴺ (diagonal), B ∈ ℂ^{N×F}
    y_t = Re(C x_t) + D u_t                   C ∈ ℂ^{H×N}, D ∈ ℝ^{H×F}

The paper's stable exponential parameterisation keeps ``|λ| < 1`` whatever the optimiser does:
``λ = exp(−exp(ν) + i·exp(θ))``, trained through ``ν`` and ``θ``; it starts ``|λ|`` uniform on the ring
``[r_min, r_max]`` (by area) and the phase in ``[0, max_phase]``. The normalisation ``γ = √(1 − |λ|²)``
(trained from there through ``log γ``) keeps the state's variance that of the input at the start.

Two paths, one math. ``LRUCell.forward`` is one step (the state is the real and imaginary parts, two
``(B, N)`` tensors: the cell contract of ``rnnkit.nn.cells``). ``LRUCell.sequence`` runs a whole sequence:
``B u_t`` for every step in one matrix product, then the scan, then ``C`` in one product. On a CPU the scan
is one native pass forward and one backward (``rnnkit.native.diagonal_scan``, its backward a reverse scan
derived in ``diagonal_scan.cpp``); elsewhere it is ``diagonal_scan`` here, in PyTorch.

``diagonal_scan`` computes ``x_t = λ^{c_t − c_s}``-weighted sums in chunks. With ``c_t`` the number of real
(unmasked) steps up to t inside the chunk and ``b_s = 0`` on masked steps::

    x_t = λ^{c_t} ⊙ (Σ_{s ≤ t} λ^{−c_s} ⊙ b_s) + λ^{c_t} ⊙ x_{start}

a cumulative sum per chunk, and one step per chunk carries ``x`` from chunk to chunk (the powers of λ come
from one float64 table of ``λ^c``, c = 0..L: ``c·θ`` reaches hundreds of radians, where float32 keeps only
1e-4). A masked step has
``c_t = c_{t−1}`` and ``b_t = 0``, so it keeps the state, as the loop does. The chunk length keeps
``|λ|^{−c}`` below ``e^8`` (float32 keeps its precision); the work is O(B·T·N), memory O(B·T·N), and
autograd gives the backward (complex PyTorch ops, on any device).

Example:
    >>> import torch
    >>> cell = LRUCell(3, 8, state_size=16)
    >>> y, (re, im) = cell.sequence(torch.randn(2, 50, 3), cell.zero_state(2))
    >>> tuple(y.shape), tuple(re.shape), sum(p.numel() for p in cell.parameters())
    ((2, 50, 8), (2, 16), 424)
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError
from rnnkit.native import diagonal_scan as native_diagonal_scan
from rnnkit.nn.scan import carry_through_chunks, diagonal_loop, scripted

__all__ = ["LRUCell", "diagonal_scan"]

#: the largest exponent ``c · (−log|λ|)`` a chunk may reach. The gradient of λ is the difference of two terms
#: as large as e^{this}: at e^8 ≈ 3000 the float32 gradients stay within 2e-6 of float64's (at e^20, 2.4e-5),
#: and a chunk still spans ~76 steps when |λ| ≥ 0.9
_MAX_EXPONENT = 8.0


def _chunk_length(log_lambda: Tensor, longest: int = 256) -> int:
    decay = float((-log_lambda.detach().real).max().clamp_min(1e-6))
    return max(1, min(longest, int(_MAX_EXPONENT / decay)))


def diagonal_scan(b: Tensor, log_lambda: Tensor, x0: Tensor, mask: Tensor | None = None) -> Tensor:
    """All states of ``x_t = λ ⊙ x_{t−1} + b_t`` (a masked step keeps the state), ``λ = exp(log_lambda)``.

    Args:
        b: ``(B, T, N)`` complex inputs of every step. log_lambda: ``(N,)`` complex, real part < 0.
        x0: ``(B, N)`` complex initial state. mask: ``(B, T)``, True on real steps.

    Returns: ``(B, T, N)`` complex states.
    """
    B, T, N = b.shape
    if mask is not None:
        b = b * mask.unsqueeze(-1).to(b.real.dtype)
    L = _chunk_length(log_lambda)
    chunks = -(-T // L)
    pad = chunks * L - T
    if pad:  # zero inputs past the end: they change no state up to T
        b = nn.functional.pad(b, (0, 0, 0, pad))
    # λ^c and λ^{−c} for c = 0..L: c·θ reaches hundreds of radians, where float32 keeps only 1e-4, so the
    # powers are taken in float64, once per call (every row and chunk reads the same table)
    exponent = torch.arange(L + 1, dtype=torch.float64, device=b.device)[:, None] * log_lambda.to(torch.complex128)
    powers, inverse = torch.exp(exponent).to(b.dtype), torch.exp(-exponent).to(b.dtype)  # (L + 1, N)
    if mask is None:  # every step counts: the chunk's t-th step has c = t + 1
        grow, shrink = powers[1:], inverse[1:]
    else:  # c = the real steps so far in the chunk (padding steps are not real)
        steps = nn.functional.pad(mask.to(torch.long), (0, pad)).view(B, chunks, L).cumsum(dim=2)
        grow, shrink = powers[steps], inverse[steps]  # (B, C, L, N)
    local = grow * torch.cumsum(b.view(B, chunks, L, N) * shrink, dim=2)  # the chunk's own inputs
    states = carry_through_chunks(local, grow, x0)
    return states.reshape(B, chunks * L, N)[:, :T]


class LRUCell(nn.Module):
    """One LRU step, and the whole sequence (see the module).

    Args:
        input_size: F. hidden_size: H, the outputs. state_size: N complex channels (default H).
        r_min, r_max: the ring ``|λ|`` starts on (the paper's 0.9 and 0.999 keep memory long).
        max_phase: the largest starting phase of λ (the paper: 2π; π/10 on its long-range tasks).

    Weights: ``nu_log``, ``theta_log``, ``gamma_log`` ``(N,)``; ``B_re``, ``B_im`` ``(N, F)``; ``C_re``,
    ``C_im`` ``(H, N)``; ``D`` ``(H, F)``. Parameters: ``3N + 2NF + 2HN + HF``.
    """

    def __init__(self, input_size: int, hidden_size: int, *, state_size: int | None = None, r_min: float = 0.9,
                 r_max: float = 0.999, max_phase: float = 2 * math.pi) -> None:  # fmt: skip
        super().__init__()
        N = state_size or hidden_size
        if min(input_size, hidden_size, N) < 1:
            raise ConfigError(f"LRU sizes must be positive, got input {input_size}, units {hidden_size}, state {N}")
        if not 0.0 <= r_min < r_max < 1.0 or max_phase <= 0:
            raise ConfigError(f"LRU needs 0 <= r_min < r_max < 1 and max_phase > 0, got {r_min}, {r_max}, {max_phase}")
        self.input_size, self.hidden_size, self.n_state = input_size, hidden_size, N
        self.r_min, self.r_max, self.max_phase = r_min, r_max, max_phase
        u1, u2 = torch.rand(N), torch.rand(N)
        self.nu_log = nn.Parameter(torch.log(-0.5 * torch.log(u1 * (r_max**2 - r_min**2) + r_min**2)))
        self.theta_log = nn.Parameter(torch.log(max_phase * u2))
        modulus = torch.exp(-torch.exp(self.nu_log.detach()))
        self.gamma_log = nn.Parameter(torch.log(torch.sqrt(1 - modulus**2)))
        self.B_re = nn.Parameter(torch.randn(N, input_size) / math.sqrt(2 * input_size))
        self.B_im = nn.Parameter(torch.randn(N, input_size) / math.sqrt(2 * input_size))
        self.C_re = nn.Parameter(torch.randn(hidden_size, N) / math.sqrt(N))
        self.C_im = nn.Parameter(torch.randn(hidden_size, N) / math.sqrt(N))
        self.D = nn.Parameter(torch.randn(hidden_size, input_size) / math.sqrt(input_size))

    #: the names of the two state tensors (ONNX export's inputs and outputs)
    state_names = ("re", "im")

    @property
    def state_size(self) -> tuple[int, int]:
        return (self.n_state, self.n_state)

    @property
    def output_size(self) -> int:
        return self.hidden_size

    def zero_state(self, batch: int) -> tuple[Tensor, Tensor]:
        z = self.B_re.new_zeros(batch, self.n_state)
        return z, z.clone()

    def log_lambda(self) -> Tensor:
        """``log λ = −exp(ν) + i·exp(θ)`` (complex ``(N,)``)."""
        return torch.complex(-torch.exp(self.nu_log), torch.exp(self.theta_log))

    def lambda_parts(self) -> tuple[Tensor, Tensor]:
        """λ's real and imaginary parts ``(N,)``: ``exp(−exp(ν))·(cos, sin)(exp(θ))``."""
        modulus, phase = torch.exp(-torch.exp(self.nu_log)), torch.exp(self.theta_log)
        return modulus * torch.cos(phase), modulus * torch.sin(phase)

    def input_weights(self) -> tuple[Tensor, Tensor]:
        """``γ ⊙ B`` in real and imaginary parts ``(N, F)``: γ folded into the (small) weight, so the
        (large) product with the inputs needs no second pass."""
        gamma = torch.exp(self.gamma_log)[:, None]
        return self.B_re * gamma, self.B_im * gamma

    def forward(self, u: Tensor, state: tuple[Tensor, ...], h_mask: Tensor | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if h_mask is not None:
            raise ConfigError("LRU's recurrence has no weights to drop: recurrent dropout does not apply")
        re, im = state
        lam_re, lam_im = self.lambda_parts()
        w_re, w_im = self.input_weights()
        bu_re, bu_im = u @ w_re.t(), u @ w_im.t()
        re, im = lam_re * re - lam_im * im + bu_re, lam_re * im + lam_im * re + bu_im
        y = re @ self.C_re.t() - im @ self.C_im.t() + u @ self.D.t()
        return y, (re, im)

    def sequence(self, u: Tensor, state: tuple[Tensor, ...], mask: Tensor | None = None,
                 go_backwards: bool = False) -> tuple[Tensor, tuple[Tensor, Tensor]]:  # fmt: skip
        """The whole sequence: ``u`` ``(B, T, F)`` → outputs ``(B, T, H)`` in reading order and the final
        state; what stepping the cell gives (``rnnkit.nn.recurrent.unroll``): a masked step keeps the
        state and outputs the last real output (zeros before the first)."""
        if go_backwards:
            u = u.flip(1)
            mask = mask.flip(1) if mask is not None else None
        B, T, _ = u.shape
        N, H = self.n_state, self.hidden_size
        # one product for every step's γ ⊙ (B u_t), its rows interleaved (re, im): (B, T, N, 2) real pairs
        w_in = torch.stack(self.input_weights(), dim=1).reshape(2 * N, -1)
        b = (u @ w_in.t()).view(B, T, N, 2)
        lam = torch.stack(self.lambda_parts(), dim=-1)  # (N, 2)
        x0 = torch.stack([state[0], state[1]], dim=-1)
        xs = native_diagonal_scan(b, lam, x0, mask.bool() if mask is not None else None)  # one native pass
        if xs is None:  # elsewhere (a GPU, autocast, no kernels): the chunked scan in PyTorch
            states = diagonal_scan(torch.view_as_complex(b), self.log_lambda(), torch.view_as_complex(x0), mask)
            xs = torch.view_as_real(states)
        # Re(C x) = C_re·Re(x) − C_im·Im(x): one product over x's interleaved parts, D u added in place
        w_out = torch.stack([self.C_re, -self.C_im], dim=2).reshape(H, 2 * N)
        y = torch.addmm(
            nn.functional.linear(u, self.D).reshape(B * T, H), xs.reshape(B * T, 2 * N), w_out.t()
        ).view(B, T, H)
        if mask is not None:  # a masked step repeats the last real output: index of that step, -1 before any
            last = torch.where(mask.bool(), torch.arange(T, device=u.device), -1).cummax(dim=1).values
            y = y.gather(1, last.clamp_min(0).unsqueeze(-1).expand_as(y)) * (last >= 0).unsqueeze(-1).to(y.dtype)
        final = xs[:, -1]
        return y, (final[..., 0].contiguous(), final[..., 1].contiguous())

    def export_sequence(self, u: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """``sequence`` for ONNX and TorchScript export (no mask): real pairs and a scripted loop over time
        (``rnnkit.nn.scan.diagonal_loop``), which export keeps as a loop of any length."""
        w_re, w_im = self.input_weights()
        re, im = scripted(diagonal_loop)(u @ w_re.t(), u @ w_im.t(), *self.lambda_parts(), state[0], state[1])
        y = re @ self.C_re.t() - im @ self.C_im.t() + u @ self.D.t()
        return y, (re[:, -1], im[:, -1])

    def get_config(self) -> dict[str, Any]:
        return {"state_size": self.n_state, "r_min": self.r_min, "r_max": self.r_max, "max_phase": self.max_phase}

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, state_size={self.n_state}"
