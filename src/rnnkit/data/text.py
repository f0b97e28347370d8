"""Text for character-level models: reading a corpus, the character vocabulary, parallel streams.

The corpus is one long string. ``CharVocabulary`` maps each distinct character to an id (sorted, so the
mapping does not depend on the order of the text) and is saved with the model. ``parallel_streams``
cuts the id sequence into B contiguous streams, char-rnn style: row b of the result is one stretch of
the text, so reading the rows chunk by chunk with the state carried reads B stretches in parallel.

Example:
    >>> vocab = CharVocabulary.from_text("hello")
    >>> vocab.chars, vocab.encode("hole").tolist()
    (('e', 'h', 'l', 'o'), [1, 3, 2, 0])
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnkit.errors import DataError

__all__ = ["CharVocabulary", "read_corpus", "builtin_corpus", "parallel_streams"]


@dataclass(frozen=True)
class CharVocabulary:
    """Characters ↔ ids. ``replacement``: the character unknown input maps to (None: unknown is an error)."""

    chars: tuple[str, ...]
    replacement: str | None = None

    @classmethod
    def from_text(cls, text: str, replacement: str | None = None) -> CharVocabulary:
        if not text:
            raise DataError("cannot build a vocabulary from empty text")
        if replacement is not None and replacement not in text:
            text = text + replacement
        return cls(tuple(sorted(set(text))), replacement)

    def __len__(self) -> int:
        return len(self.chars)

    @property
    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.chars)}

    def encode(self, text: str) -> np.ndarray:
        """Ids ``(len(text),)``; unknown characters raise, or map to ``replacement``."""
        index = self.index
        unknown = sorted({c for c in text if c not in index})
        if unknown and self.replacement is None:
            shown = "".join(unknown[:20])
            raise DataError(
                f"text has {len(unknown)} character(s) the model never saw: {shown!r}; "
                f"known characters: {''.join(self.chars)!r}"
            )
        fallback = index.get(self.replacement, 0) if self.replacement is not None else 0
        return np.fromiter((index.get(c, fallback) for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids: np.ndarray | list[int]) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def to_dict(self) -> dict[str, object]:
        return {"chars": "".join(self.chars), "replacement": self.replacement}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> CharVocabulary:
        if not isinstance(data, dict):
            raise DataError(f"a saved vocabulary must be a JSON object, got {data!r:.40}")
        chars = data.get("chars")
        if not isinstance(chars, str) or not chars or len(set(chars)) != len(chars):
            raise DataError("a saved vocabulary must be a string of distinct characters")
        replacement = data.get("replacement")
        return cls(tuple(chars), replacement if isinstance(replacement, str) else None)


def read_corpus(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file; refuse missing, empty, binary and non-UTF-8 files with a clear message."""
    file = Path(path)
    if not file.is_file():
        raise DataError(f"corpus {file} does not exist or is not a file")
    raw = file.read_bytes()
    if not raw.strip():
        raise DataError(f"corpus {file} is empty")
    if b"\x00" in raw[:65536]:
        raise DataError(f"corpus {file} looks binary (it contains NUL bytes); expected UTF-8 text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"corpus {file} is not UTF-8 text: byte {exc.start} cannot be decoded") from exc


def builtin_corpus() -> str:
    """A corpus every Python install carries: CPython's documentation topics (``pydoc_data``, ~465k chars)."""
    from pydoc_data.topics import topics  # ~0.5 MB of text: loaded only when asked for

    return "\n\n".join(topics[key] for key in sorted(topics))


def parallel_streams(ids: np.ndarray, streams: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and next-character targets ``(streams, L)`` from one id sequence, cut into contiguous rows.

    The tail that does not fill all rows is dropped (fewer than ``streams`` characters).
    """
    length = (len(ids) - 1) // streams
    if length < 1:
        raise DataError(f"text of {len(ids)} characters is too short for {streams} parallel streams")
    x = ids[: streams * length].reshape(streams, length)
    y = ids[1 : streams * length + 1].reshape(streams, length)
    return x, y
