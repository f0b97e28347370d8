"""One to many: a noisy code of a number 0–99 → its English name, letter by letter ("forty-two")."""

import numpy as np

import rnnkit
from rnnkit.datasets.dates import spell_number
from rnnkit.models import one_to_many
from rnnkit.train.losses import SparseCategoricalCrossentropy

rnnkit.seed(0)
rng = np.random.default_rng(0)
numbers = rng.integers(0, 100, 3000)
x = np.concatenate([np.eye(10)[numbers // 10], np.eye(10)[numbers % 10]], 1)  # (3000, 20): tens, ones
x = (x + 0.1 * rng.standard_normal(x.shape)).astype("float32")
letters = sorted(set("".join(spell_number(n) for n in range(100))))
names = [[1, *(letters.index(c) + 3 for c in spell_number(n)), 2] for n in numbers]  # <sos> … <eos>
target = np.array([row + [0] * (16 - len(row)) for row in names])
model = one_to_many(input_dim=20, target_vocab=len(letters) + 3, units=64)
model.compile("adam", SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
model.fit([x[:2500], target[:2500, :-1]], target[:2500, 1:], epochs=25, verbose=0)
written = ["".join(letters[t - 3] for t in ids) for ids in model.generate(x[2500:], max_length=16)]
exact = np.mean([w == spell_number(n) for w, n in zip(written, numbers[2500:])])
print(f"held-out names spelled exactly: {exact:.3f}; e.g. {numbers[2500]} → {written[0]!r}")
