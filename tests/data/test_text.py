"""Character vocabulary, corpus reading and parallel streams."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.data.text import CharVocabulary, builtin_corpus, parallel_streams, read_corpus
from rnnkit.errors import DataError


def test_vocabulary_round_trip_and_unknown_characters() -> None:
    vocab = CharVocabulary.from_text("to be or not")
    assert vocab.decode(vocab.encode("not to be")) == "not to be"
    with pytest.raises(DataError, match="1 character\\(s\\) the model never saw: 'x'"):
        vocab.encode("box")
    lenient = CharVocabulary.from_text("abc", replacement="?")
    assert lenient.decode(lenient.encode("abz")) == "ab?"
    assert CharVocabulary.from_dict(lenient.to_dict()) == lenient
    with pytest.raises(DataError):
        CharVocabulary.from_dict({"chars": "aa"})


def test_corpus_files_are_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ok.txt").write_text("héllo\n", encoding="utf-8")
    assert read_corpus(tmp_path / "ok.txt") == "héllo\n"
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "bin.dat").write_bytes(b"\x00\x01\x02abc")
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    for name, message in [("empty.txt", "is empty"), ("bin.dat", "looks binary"), ("latin1.txt", "not UTF-8"),
                          ("missing.txt", "does not exist")]:  # fmt: skip
        with pytest.raises(DataError, match=message):
            read_corpus(tmp_path / name)
    assert len(builtin_corpus()) > 100_000


def test_parallel_streams_are_contiguous_stretches() -> None:
    ids = np.arange(23)
    x, y = parallel_streams(ids, 4)
    assert x.shape == y.shape == (4, 5)
    assert x[1].tolist() == [5, 6, 7, 8, 9] and y[1].tolist() == [6, 7, 8, 9, 10]
    with pytest.raises(DataError, match="too short"):
        parallel_streams(np.arange(3), 4)
