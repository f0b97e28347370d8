"""EncoderDecoder and VectorToSequence: attention earns its place, padding changes nothing, saving keeps all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError, ShapeError
from rnnkit.models import EncoderDecoder, VectorToSequence, load_model
from rnnkit.train.losses import SparseCategoricalCrossentropy

V = 10  # tokens 3..9; 0 pad, 1 <sos>, 2 <eos>


def _reversal(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Source: 3–8 random tokens; target: the same tokens reversed, framed by <sos> … <eos>."""
    rng = np.random.default_rng(seed)
    source, target = np.zeros((n, 8), np.int64), np.zeros((n, 10), np.int64)
    for i in range(n):
        tokens = rng.integers(3, V, rng.integers(3, 9))
        source[i, : len(tokens)] = tokens
        target[i, : len(tokens) + 2] = [1, *tokens[::-1], 2]
    return source, target


def _exact(model: EncoderDecoder, source: np.ndarray, target: np.ndarray, beam: int = 1) -> float:
    out = model.generate(source, max_length=12, beam_width=beam)
    truth = [[int(t) for t in row if t > 2] for row in target]
    return float(np.mean([o == t for o, t in zip(out, truth)]))


def _trained(attention: str | None, epochs: int = 8) -> EncoderDecoder:
    rnnkit.seed(0)
    source, target = _reversal(3000, seed=1)
    model = EncoderDecoder(V, V, units=32, attention=attention)
    model.compile("adam", SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    model.fit([source, target[:, :-1]], target[:, 1:], epochs=epochs, batch_size=64, verbose=0)
    return model


def test_attention_learns_reversal_that_a_fixed_context_cannot() -> None:
    """Reversing 3–8 tokens: with attention nearly every held-out sequence is exact; without it (one
    vector carries the whole source) far fewer after the same training."""
    source, target = _reversal(300, seed=2)
    with_attention = _exact(_trained("additive"), source, target)
    without = _exact(_trained(None), source, target)
    assert with_attention >= 0.9
    assert with_attention > without + 0.4


@pytest.mark.parametrize("score", ["additive", "dot", "general"])
def test_luong_decoder_trained_all_steps_at_once_equals_stepping(score: str) -> None:
    """In Luong's order teacher forcing runs the cell over every step, then attends for all of them in
    one product; the logits and attention equal the one-step function that search uses."""
    torch.manual_seed(0)
    model = EncoderDecoder(V, V, units=8, attention=score, attention_style="luong", cell="lstm").eval()
    source = torch.tensor([[4, 5, 6, 7, 0], [3, 9, 0, 0, 0]])
    target_in = torch.tensor([[1, 7, 8, 3], [1, 3, 4, 5]])
    logits = model(source, target_in)
    step, state = model.search_start(source)
    for t in range(target_in.shape[1]):
        log_probs, state = step(target_in[:, t], state)
        torch.testing.assert_close(log_probs, torch.log_softmax(logits[:, t], -1), atol=1e-5, rtol=1e-5)
    weights = model.attention_weights(source, target_in)
    assert weights.shape == (2, 4, 5) and float(np.abs(weights[1, :, 2:]).sum()) == 0.0


def test_luong_attention_learns_reversal() -> None:
    source, target = _reversal(300, seed=2)
    rnnkit.seed(0)
    train_source, train_target = _reversal(3000, seed=1)
    model = EncoderDecoder(V, V, units=32, attention="general", attention_style="luong")
    model.compile("adam", SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    model.fit([train_source, train_target[:, :-1]], train_target[:, 1:], epochs=8, batch_size=64, verbose=0)
    assert _exact(model, source, target) >= 0.9


def test_padding_and_batching_do_not_change_the_output() -> None:
    torch.manual_seed(0)
    model = EncoderDecoder(V, V, units=8, attention="general", encoder_layers=2).eval()
    short = torch.tensor([[4, 5, 6]])
    batch = torch.tensor([[4, 5, 6, 0, 0, 0], [3, 4, 5, 6, 7, 8]])
    target_in = torch.tensor([[1, 7, 8], [1, 3, 3]])
    alone = model(short, target_in[:1])
    padded = model(batch, target_in)
    torch.testing.assert_close(alone[0], padded[0], atol=1e-5, rtol=1e-5)
    assert model.generate(short, max_length=5) == model.generate(batch, max_length=5)[:1]
    assert model.generate(short, 5, beam_width=3) == model.generate(batch, 5, beam_width=3)[:1]


def test_scheduled_sampling_feeds_back_the_models_own_guess() -> None:
    """teacher_forcing=0 while training: each step reads the previous step's argmax, so the logits equal
    greedy decoding's, whatever target is given."""
    torch.manual_seed(0)
    model = EncoderDecoder(V, V, units=8, attention="dot", teacher_forcing=0.0)
    source = torch.tensor([[4, 5, 6, 7]])
    guesses = model(source, torch.tensor([[1, 3, 3, 3, 3]]), training=True).argmax(-1)[0].tolist()
    other = model(source, torch.tensor([[1, 9, 9, 9, 9]]), training=True).argmax(-1)[0].tolist()
    greedy = model.generate(source, max_length=5)[0]
    assert guesses == other
    assert guesses[: len(greedy)] == greedy


@pytest.mark.parametrize("style", ["bahdanau", "luong"])
def test_save_and_load_rebuild_the_same_model(tmp_path: Path, style: str) -> None:
    torch.manual_seed(0)
    model = EncoderDecoder(V, V, units=8, cell="lstm", attention="additive", bidirectional=True, attention_style=style)
    model.compile("adam", SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    source, target = _reversal(64, seed=3)
    model.fit([source, target[:, :-1]], target[:, 1:], epochs=1, verbose=0)
    model.save(tmp_path / "m")
    same = load_model(tmp_path / "m")
    assert isinstance(same, EncoderDecoder)
    np.testing.assert_allclose(
        same.predict([source, target[:, :-1]], verbose=0), model.predict([source, target[:, :-1]], verbose=0), atol=1e-6
    )
    assert same.generate(source[:5], 8, beam_width=2) == model.generate(source[:5], 8, beam_width=2)
    weights = same.attention_weights(source[:2], target[:2, :-1])
    assert weights.shape == (2, 9, 8)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)


def test_vector_to_sequence_spells_the_class_of_a_vector() -> None:
    """One-to-many: a noisy one-hot vector of 5 classes → that class's 2–4 token "name"."""
    rng = np.random.default_rng(0)
    names = [[3, 4], [5, 6, 7], [3, 3, 8, 9], [9, 8], [4, 5, 6, 7]]
    labels = rng.integers(0, 5, 1200)
    x = np.eye(5, dtype=np.float32)[labels] + 0.2 * rng.standard_normal((1200, 5)).astype(np.float32)
    target = np.zeros((1200, 7), np.int64)
    for i, c in enumerate(labels):
        target[i, : len(names[c]) + 2] = [1, *names[c], 2]
    rnnkit.seed(0)
    model = VectorToSequence(5, V, units=24)
    model.compile("adam", SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    model.fit([x[:1000], target[:1000, :-1]], target[:1000, 1:], epochs=12, batch_size=32, verbose=0)
    out = model.generate(x[1000:], max_length=6)
    assert np.mean([o == names[c] for o, c in zip(out, labels[1000:])]) >= 0.95


def test_bad_settings_and_ids_get_clear_errors() -> None:
    with pytest.raises(ConfigError, match="cell must be one of"):
        EncoderDecoder(V, V, cell="transformer")
    with pytest.raises(ConfigError, match="attention must be one of"):
        EncoderDecoder(V, V, attention="cosine")
    with pytest.raises(ConfigError, match="teacher_forcing"):
        EncoderDecoder(V, V, teacher_forcing=1.5)
    with pytest.raises(ConfigError, match="attention_style must be one of bahdanau, luong"):
        EncoderDecoder(V, V, attention_style="vaswani")
    model = EncoderDecoder(V, V, units=4)
    with pytest.raises(ShapeError, match="vocabulary has ids 0..9"):
        model.generate(np.array([[3, 12]]))
    with pytest.raises(ShapeError, match="all padding"):
        model.generate(np.array([[0, 0]]))
    with pytest.raises(ShapeError, match=r"\(samples, 5\)"):
        VectorToSequence(5, V).generate(np.zeros((2, 3)))


def test_summary_lists_encoder_and_decoder() -> None:
    model = EncoderDecoder(V, V, units=4, encoder_layers=2)
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    table = lines[0]
    assert "source_embedding (Embedding)" in table and "encoder_1 (Bidirectional)" in table
    assert "decoder (Decoder)" in table and f"Total params: {model.count_params():,}" in table
