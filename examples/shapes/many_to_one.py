"""Many to one: the last 20 values of a noisy sine wave → the next value."""

import numpy as np

import rnnkit
from rnnkit.models import many_to_one

rnnkit.seed(0)
wave = np.sin(np.arange(2100) * 0.1) + 0.05 * np.random.default_rng(0).standard_normal(2100)
x = np.stack([wave[i : i + 20] for i in range(2080)])[..., None].astype("float32")  # (2080, 20, 1)
y = wave[20:2100, None].astype("float32")
model = many_to_one(input_shape=(20, 1), units=32, outputs=1, cell="lstm")
model.compile("adam", "mse")
model.fit(x[:1600], y[:1600], epochs=15, verbose=0)
mse = model.evaluate(x[1600:], y[1600:], verbose=0)
naive = float(np.mean((x[1600:, -1, 0] - y[1600:, 0]) ** 2))  # tomorrow = today
print(f"held-out MSE {mse:.4f}, last-value baseline {naive:.4f}")
