"""Many to many (aligned): tag each step of a random walk that sets a new record high; series of
20–60 steps, padded with -9 and masked, padded steps' targets ignored (-1)."""

import numpy as np

import rnnkit
from rnnkit.models import many_to_many
from rnnkit.train.losses import SparseCategoricalCrossentropy

rnnkit.seed(0)
rng = np.random.default_rng(0)
x, tags = np.full((1200, 60, 1), -9.0, "float32"), np.full((1200, 60), -1)
for i in range(1200):
    walk = np.cumsum(rng.normal(0, 1, rng.integers(20, 61)))
    x[i, : len(walk), 0] = walk / 4
    tags[i, : len(walk)] = walk >= np.maximum.accumulate(walk)  # a record: above every earlier step
model = many_to_many(input_shape=(None, 1), units=32, outputs=2, cell="gru", mask_value=-9.0)
model.compile("adam", SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1))
model.fit(x[:1000], tags[:1000], epochs=15, verbose=0)
real, truth = tags[1000:] >= 0, tags[1000:] == 1
predicted = model.predict(x[1000:], verbose=0).argmax(-1) == 1
rise = np.diff(x[1000:, :, 0], prepend=-np.inf, axis=1) > 0  # baseline: a record is any rise
f1 = lambda p: 2 * (p & truth)[real].sum() / (p[real].sum() + truth[real].sum())  # noqa: E731
print(f"held-out F1 of record tags {f1(predicted):.3f}, 'any rise' baseline {f1(rise):.3f}")
