"""Length-bucketed batches: every sample once per epoch, each batch cut to its longest sequence."""

from __future__ import annotations

import torch

from rnnkit.data.batching import BucketedBatches
from rnnkit.layers import LSTM, Dense, Embedding
from rnnkit.models import Sequential


def _ragged(n: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 30, (n,), generator=g)
    x = torch.zeros(n, 30, dtype=torch.long)
    for i, n_i in enumerate(lengths.tolist()):
        x[i, :n_i] = torch.randint(1, 9, (n_i,), generator=g)
    return x, lengths


def test_each_sample_once_and_batches_trimmed() -> None:
    x, lengths = _ragged()
    batches = BucketedBatches(x, torch.arange(100), lengths, batch_size=8, shuffle=True, pool=4)
    seen = []
    for xb, yb in batches:
        assert yb is not None
        assert xb.shape[1] == int(lengths[yb].max())  # cut to the longest in the batch
        torch.testing.assert_close(xb, x[yb, : xb.shape[1]])
        seen.extend(yb.tolist())
    assert sorted(seen) == list(range(100)) and len(batches) == 13


def test_buckets_hold_similar_lengths_and_shuffle_between_epochs() -> None:
    x, lengths = _ragged()
    batches = BucketedBatches(x, torch.arange(100), lengths, batch_size=10, shuffle=True, pool=10)
    padding = sum(int(xb.numel() - (xb != 0).sum()) for xb, _ in batches)
    unbucketed = sum(int(lengths[i : i + 10].max()) * len(lengths[i : i + 10]) for i in range(0, 100, 10)) - int(
        lengths.sum()
    )
    assert padding < unbucketed / 3
    first = [yb.tolist() for _, yb in batches]  # type: ignore[union-attr]
    assert first != [yb.tolist() for _, yb in batches]  # type: ignore[union-attr]


def test_model_fit_takes_a_batches_object() -> None:
    torch.manual_seed(0)
    x, lengths = _ragged(64)
    y = (x == 3).any(dim=1).long()  # does token 3 occur?
    model = Sequential([Embedding(10, 8, mask_zero=True), LSTM(16), Dense(2)])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(BucketedBatches(x, y, lengths, 16, shuffle=True), epochs=3, verbose=0,
                        validation_data=BucketedBatches(x, y, lengths, 64))  # fmt: skip
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
