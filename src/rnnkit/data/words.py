"""Word-level text for sequence classification: a tokenizer with a bounded vocabulary, and padding.

``WordTokenizer`` lowercases (optionally), strips accents (optionally), splits text into words and
punctuation (or characters, with ``char_level=True``), and keeps the ``max_words`` most frequent words
seen at least ``min_count`` times in the training texts. The first ids are its ``specials``: by default
0 padding (so ``Embedding(mask_zero=True)`` hides it) and 1 the out-of-vocabulary token (always the last
special); real words follow. ``pad_sequences`` makes a rectangular ``(N, T)`` array from lists of ids,
as Keras's does.

Example:
    >>> tok = WordTokenizer().fit(["The film was great.", "The plot was thin."])
    >>> ids = tok.encode(["the film was dull"])
    >>> ids, tok.decode(ids[0])
    ([[2, 5, 3, 1]], 'the film was <oov>')
    >>> pad_sequences(ids + [[4]], maxlen=3, padding="post").tolist()
    [[5, 3, 1], [4, 0, 0]]
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from rnnkit.errors import ConfigError, DataError

__all__ = ["WordTokenizer", "pad_sequences", "strip_accents", "PAD", "OOV"]

PAD, OOV = 0, 1
#: Words (apostrophes kept inside: "don't") and single punctuation marks.
TOKEN_PATTERN = r"[\w']+|[^\w\s]"
# a quantified group with a quantifier inside, such as (a+)+ or (\w*x)*: patterns that can backtrack
# for ever, refused when a token_pattern comes from a model file
NESTED_QUANTIFIER = re.compile(r"\([^()]*[*+}][^()]*\)[*+{]")


def strip_accents(text: str) -> str:
    """``"Été à Noël"`` → ``"Ete a Noel"``: Unicode decomposition, combining marks dropped."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


class WordTokenizer:
    r"""Words → ids with a vocabulary learned from training texts.

    Args:
        max_words: keep at most this many distinct words (the most frequent; ties by first appearance).
        min_count: drop words seen fewer times.
        lower: lowercase before splitting.
        char_level: every character is a token (Keras's ``char_level``), spaces included.
        accents: ``False`` maps accented letters to plain ones (``strip_accents``).
        specials: names of the reserved first ids; the first is padding, the last the OOV token
            (e.g. ``("<pad>", "<sos>", "<eos>", "<unk>")`` for a decoder's targets).
        token_pattern: regular expression of one token (as scikit-learn's ``CountVectorizer``);
            ``r"\w+|[^\w\s]"`` makes apostrophes tokens of their own (``j ' ai``).
    """

    def __init__(
        self,
        max_words: int | None = 20_000,
        min_count: int = 1,
        lower: bool = True,
        char_level: bool = False,
        accents: bool = True,
        specials: Sequence[str] = ("<pad>", "<oov>"),
        token_pattern: str = TOKEN_PATTERN,
    ) -> None:
        if max_words is not None and max_words < 1:
            raise ConfigError(f"max_words must be positive or None, got {max_words}")
        if min_count < 1:
            raise ConfigError(f"min_count must be at least 1, got {min_count}")
        if len(specials) < 2 or len(set(specials)) != len(specials):
            raise ConfigError(f"specials must name at least padding and OOV, all different, got {list(specials)}")
        self.max_words, self.min_count, self.lower, self.char_level = max_words, min_count, lower, char_level
        self.accents, self.specials = accents, tuple(specials)
        try:
            self.token_pattern, self._token = token_pattern, re.compile(token_pattern)
        except re.error as exc:
            raise ConfigError(f"token_pattern is not a valid regular expression: {exc}") from exc
        self.oov = len(self.specials) - 1
        self.words: list[str] = []

    def normalize(self, text: str) -> str:
        """The text as the tokenizer sees it (lowercased, accents stripped, as configured)."""
        text = text.lower() if self.lower else text
        return text if self.accents else strip_accents(text)

    def split(self, text: str) -> list[str]:
        text = self.normalize(text)
        return list(text) if self.char_level else self._token.findall(text)

    def fit(self, texts: Iterable[str]) -> WordTokenizer:
        counts: Counter[str] = Counter()
        for text in texts:
            if not isinstance(text, str):
                raise DataError(f"texts must be strings, got {type(text).__name__}")
            counts.update(self.split(text))
        kept = [w for w, n in counts.most_common(self.max_words) if n >= self.min_count]
        if not kept:
            raise DataError("no words to learn: the texts are empty or every word is below min_count")
        self.words = kept
        return self

    @property
    def vocabulary_size(self) -> int:
        """Ids in use, specials included: the ``input_dim`` of the Embedding."""
        return len(self.words) + len(self.specials)

    def encode(self, texts: Iterable[str]) -> list[list[int]]:
        if not self.words:
            raise ConfigError("the tokenizer has no vocabulary yet: call fit(texts) first")
        first = len(self.specials)
        index = {w: i + first for i, w in enumerate(self.words)}
        return [[index.get(w, self.oov) for w in self.split(text)] for text in texts]

    def tokens(self, ids: Iterable[int]) -> list[str]:
        """The token of each id (padding dropped)."""
        names = [*self.specials, *self.words]
        return [names[int(i)] for i in ids if int(i) != PAD]

    def decode(self, ids: Iterable[int]) -> str:
        return ("" if self.char_level else " ").join(self.tokens(ids))

    def to_dict(self) -> dict[str, object]:
        return {"words": self.words, "max_words": self.max_words, "min_count": self.min_count, "lower": self.lower,
                "char_level": self.char_level, "accents": self.accents, "specials": list(self.specials),
                "token_pattern": self.token_pattern}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> WordTokenizer:
        if not isinstance(data, dict):
            raise DataError(f"a saved word vocabulary must be a JSON object, got {data!r:.40}")
        words = data.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words) or len(set(words)) != len(words):
            raise DataError("a saved word vocabulary must be a list of distinct strings")
        max_words, min_count = data.get("max_words"), data.get("min_count", 1)
        if not (max_words is None or isinstance(max_words, int)) or not isinstance(min_count, int):
            raise DataError("a saved word vocabulary has malformed max_words/min_count")
        pattern = data.get("token_pattern", TOKEN_PATTERN)
        if not isinstance(pattern, str) or len(pattern) > 200 or NESTED_QUANTIFIER.search(pattern):
            raise DataError(
                "a saved token_pattern must be a regular expression of at most 200 characters without a "
                f"repeated group that repeats inside (it could take forever to match), got {pattern!r:.60}"
            )
        specials = data.get("specials", ["<pad>", "<oov>"])
        if not isinstance(specials, list) or not all(isinstance(w, str) for w in specials):
            raise DataError("a saved word vocabulary has malformed specials")
        tok = cls(max_words, min_count, bool(data.get("lower", True)), bool(data.get("char_level", False)),
                  bool(data.get("accents", True)), specials, pattern)  # fmt: skip
        tok.words = list(words)
        return tok


def pad_sequences(
    sequences: Sequence[Sequence[int]],
    maxlen: int | None = None,
    padding: str = "pre",
    truncating: str = "pre",
    value: int = PAD,
) -> np.ndarray:
    """``(N, T)`` int64 from lists of ids, with Keras's arguments and defaults.

    ``padding``/``truncating``: ``"pre"`` (Keras's default) pads or cuts at the start, ``"post"`` at the
    end. Prefer ``padding="post"``: right-padded batches run on the fused kernels, left-padded ones on
    the per-step loop (same results, slower).
    """
    for name, where in (("padding", padding), ("truncating", truncating)):
        if where not in ("pre", "post"):
            raise ConfigError(f"{name} must be 'pre' or 'post', got {where!r}")
    if maxlen is not None and maxlen < 1:
        raise ConfigError(f"maxlen must be positive, got {maxlen}")
    rows = [list(s) for s in sequences]
    width = maxlen if maxlen is not None else max((len(r) for r in rows), default=0)
    out = np.full((len(rows), width), value, dtype=np.int64)
    for i, r in enumerate(rows):
        r = r[-width:] if truncating == "pre" else r[:width]
        if r:
            if padding == "post":
                out[i, : len(r)] = r
            else:
                out[i, width - len(r) :] = r
    return out
