"""One to one: a point (x, y) → inside the unit circle or not. No time axis: the plain network."""

import numpy as np

import rnnkit
from rnnkit.models import one_to_one

rnnkit.seed(0)
points = np.random.default_rng(0).uniform(-1.5, 1.5, (2000, 2)).astype("float32")
inside = ((points**2).sum(1) < 1).astype("float32")
model = one_to_one(input_dim=2, units=32, outputs=1, activation="sigmoid")
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
model.fit(points[:1500], inside[:1500], epochs=40, verbose=0)
_, accuracy = model.evaluate(points[1500:], inside[1500:], verbose=0)
majority = max(inside[1500:].mean(), 1 - inside[1500:].mean())
print(f"held-out accuracy {accuracy:.3f}, majority class {majority:.3f}")
