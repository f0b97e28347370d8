"""``split_by_source``: every translation of a source sentence on one side of the split."""

from __future__ import annotations

import numpy as np

from rnnkit.data.pairs import split_by_source


def test_every_translation_of_a_sentence_stays_on_one_side() -> None:
    rng = np.random.default_rng(0)
    sources = [f"sentence {k}" for k in rng.integers(0, 300, 2000)]  # about 7 translations each
    kept, held = split_by_source(sources, 0.1, seed=3)
    assert sorted(kept + held) == list(range(len(sources)))
    assert not {sources[i] for i in kept} & {sources[i] for i in held}
    distinct = len(set(sources))
    assert len({sources[i] for i in held}) == round(0.1 * distinct)
    assert split_by_source(sources, 0.1, seed=3) == (kept, held)  # seeded
    assert split_by_source(sources, 0.1, seed=4) != (kept, held)


def test_tiny_inputs_keep_one_sentence_on_each_side_when_they_can() -> None:
    assert split_by_source(["a", "b"], 0.01) in (([0], [1]), ([1], [0]))
    assert split_by_source(["a", "b"], 0.99) in (([0], [1]), ([1], [0]))
    assert split_by_source(["a", "a", "a"], 0.5) == ([], [0, 1, 2])  # one sentence: nothing to keep
