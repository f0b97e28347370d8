"""Word tokenizer and Keras-compatible padding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.data.words import OOV, WordTokenizer, pad_sequences
from rnnkit.errors import ConfigError, DataError
from rnnkit.layers import LSTM, Embedding


def test_vocabulary_limits_and_oov() -> None:
    texts = ["a a a b b c", "a b d"]
    tok = WordTokenizer(max_words=2).fit(texts)
    assert tok.words == ["a", "b"] and tok.vocabulary_size == 4
    assert tok.encode(["b c a"]) == [[3, OOV, 2]]
    assert WordTokenizer(min_count=2).fit(texts).words == ["a", "b"]
    assert WordTokenizer(lower=False).fit(["Hi hi"]).words == ["Hi", "hi"]
    assert WordTokenizer().fit(["Don't stop!"]).words == ["don't", "stop", "!"]
    restored = WordTokenizer.from_dict(tok.to_dict())
    assert restored.encode(texts) == tok.encode(texts)
    with pytest.raises(DataError, match="no words"):
        WordTokenizer(min_count=5).fit(texts)
    with pytest.raises(ConfigError, match="fit"):
        WordTokenizer().encode(["x"])


def test_pad_sequences_matches_keras_semantics() -> None:
    seqs = [[1, 2, 3, 4], [5], []]
    assert pad_sequences(seqs).tolist() == [[1, 2, 3, 4], [0, 0, 0, 5], [0, 0, 0, 0]]
    assert pad_sequences(seqs, maxlen=2).tolist() == [[3, 4], [0, 5], [0, 0]]
    assert pad_sequences(seqs, maxlen=2, padding="post", truncating="post").tolist() == [[1, 2], [5, 0], [0, 0]]
    with pytest.raises(ConfigError, match="padding"):
        pad_sequences(seqs, padding="middle")


def test_left_and_right_padding_give_the_same_final_state() -> None:
    tok = WordTokenizer().fit(["good film", "bad plot and bad acting"])
    ids = tok.encode(["good film", "bad plot and bad acting"])
    emb, rnn = Embedding(tok.vocabulary_size, 4, mask_zero=True), LSTM(3)
    outs = []
    for padding in ("pre", "post"):
        x = torch.from_numpy(pad_sequences(ids, padding=padding))
        outs.append(rnn(emb(x), mask=emb.compute_mask(x, None)))
    torch.testing.assert_close(outs[0], outs[1], rtol=0, atol=1e-6)
    assert np.array_equal(
        pad_sequences(ids, padding="post")[0], [2 + tok.words.index("good"), 2 + tok.words.index("film"), 0, 0, 0]
    )
