"""The character-level generator learns a text, samples from it, and survives a save/load."""

from __future__ import annotations

import math

import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.generation import TextGenerator, sample_next

SENTENCE = "the quick brown fox jumps over the lazy dog.\n"


def _trained(tmp_path=None) -> TextGenerator:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    gen = TextGenerator(units=48, layers=1, embedding=16, batch=8, bptt=30, learning_rate=1e-2)
    gen.fit(SENTENCE * 120, epochs=12, echo=None, checkpoint=tmp_path)
    return gen


@pytest.fixture(scope="module")
def trained(tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("gen") / "model"
    return _trained(folder), folder


def test_it_learns_the_text_and_continues_it(trained) -> None:  # type: ignore[no-untyped-def]
    gen, _ = trained
    assert gen.best_val_loss < 0.2  # nats/char; a uniform guess over the 28 characters costs ln 28 ≈ 3.3
    assert gen.generate("the quick", 35, top_k=1) == "the quick" + " brown fox jumps over the lazy dog.\n"[:35]
    held_out = gen.split(SENTENCE * 120)[1]
    assert gen.evaluate(held_out) == pytest.approx(gen.best_val_loss, rel=1e-4)


def test_sampling_is_repeatable_and_survives_save_and_load(trained) -> None:  # type: ignore[no-untyped-def]
    gen, folder = trained
    a = gen.generate("the", 60, temperature=1.5, seed=7)
    assert a == gen.generate("the", 60, temperature=1.5, seed=7)
    assert a != gen.generate("the", 60, temperature=1.5, seed=8)
    loaded = TextGenerator.load(folder)
    assert loaded.best_val_loss == pytest.approx(gen.best_val_loss)
    assert loaded.vocab == gen.vocab
    assert loaded.generate("the", 60, temperature=1.5, seed=7) == a  # the checkpoint is the last (best) epoch
    with pytest.raises(DataError, match="never saw"):
        loaded.generate("THE", 5)


def test_sample_next_options() -> None:
    logits = torch.tensor([0.0, 2.0, 1.0, -1.0])
    assert {sample_next(logits, top_k=1) for _ in range(20)} == {1}
    assert {sample_next(logits, top_p=0.5) for _ in range(20)} == {1}  # p(1) ≈ 0.61 fills the nucleus alone
    assert {sample_next(logits, top_k=2, generator=torch.Generator().manual_seed(s)) for s in range(50)} == {1, 2}
    cold = [sample_next(logits, temperature=0.01) for _ in range(20)]
    assert set(cold) == {1}
    for bad in ({"temperature": 0}, {"top_k": 0}, {"top_p": 1.5}):
        with pytest.raises(ConfigError):
            sample_next(logits, **bad)  # type: ignore[arg-type]


def test_bad_corpora_and_options() -> None:
    gen = TextGenerator(batch=8, bptt=20)
    with pytest.raises(DataError, match="too short"):
        gen.fit("short text" * 5, epochs=1, echo=None)
    with pytest.raises(DataError, match="empty"):
        gen.fit("", epochs=1, echo=None)
    with pytest.raises(ConfigError, match="cell must be one of"):
        TextGenerator(cell="transformer")
    with pytest.raises(ConfigError, match="not trained"):
        TextGenerator().generate("x", 3)
    assert math.isinf(TextGenerator().best_val_loss)
