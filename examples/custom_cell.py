"""Plug your own cell into rnnkit's time loop: a minimal "minimal gated unit" (Zhou et al. 2016).

A cell knows one time step: ``forward(x_t, state) -> (y_t, state)`` with ``state_size``. rnnkit's loop
(``rnnkit.layers.RNN``) steps it over the sequence, handles masks, and backpropagates through time.
"""

import numpy as np
import torch

import rnnkit
from rnnkit.data.synthetic import periodic_series_windows
from rnnkit.layers import RNN, Dense
from rnnkit.models import Sequential


class MinimalGatedCell(torch.nn.Module):
    """f = σ(W_f [x, h] + b_f);  h' = (1 - f) ⊙ h + f ⊙ tanh(W_h [x, f ⊙ h] + b_h)"""

    def __init__(self, input_size: int, units: int) -> None:
        super().__init__()
        self.state_size, self.output_size = (units,), units
        self.gate = torch.nn.Linear(input_size + units, units)
        self.candidate = torch.nn.Linear(input_size + units, units)

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
        (h,) = state
        f = torch.sigmoid(self.gate(torch.cat([x, h], dim=1)))
        h = (1 - f) * h + f * torch.tanh(self.candidate(torch.cat([x, f * h], dim=1)))
        return h, (h,)


rnnkit.seed(0)
x, y = periodic_series_windows(600, 10)
model = Sequential([RNN(MinimalGatedCell(1, 16)), Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x[:480], y[:480], epochs=40, verbose=0)
mse = model.evaluate(x[480:], y[480:], verbose=0)
baseline = float(np.mean((y[480:] - y[:480].mean()) ** 2))
print(f"custom cell: test MSE {mse:.4f}, mean baseline {baseline:.4f}")
