"""Sentence pairs for translation: ``source<TAB>target`` lines from a text file or inside a zip.

The Tatoeba/manythings.org files (``fra.txt`` in ``fra-eng.zip``) are read as they come: a third
column (attribution) is ignored, a zip is read without unpacking (its one ``.txt``/``.tsv`` member, or
the largest one not starting with ``_``).

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "pairs.tsv")
    >>> _ = open(path, "w").write("I am cold.\\tJ'ai froid.\\nGo.\\tVa !\\tCC-BY 2.0\\n")
    >>> read_pairs(path)
    (['I am cold.', 'Go.'], ["J'ai froid.", 'Va !'])
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rnnkit.data.tables import decode_text
from rnnkit.errors import DataError

__all__ = ["read_pairs", "split_by_source"]

_WANTED = "UTF-8 text with one 'source<TAB>target' pair a line"


def _zip_member(file: Path) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(file) as archive:
            members = [
                m
                for m in archive.infolist()
                if not m.is_dir() and m.filename.lower().endswith((".txt", ".tsv"))
                and not Path(m.filename).name.startswith("_")
            ]  # fmt: skip
            if not members:
                raise DataError(f"{file} holds no .txt or .tsv file of sentence pairs")
            member = max(members, key=lambda m: m.file_size)
            return archive.read(member), f"{file}:{member.filename}"
    except zipfile.BadZipFile as exc:
        raise DataError(f"{file} is not a readable zip file: {exc}") from exc


def read_pairs(path: str | os.PathLike[str]) -> tuple[list[str], list[str]]:
    """Sources and targets, in file order; ``DataError`` naming the line for a line without a tab or
    with an empty side, and for empty, binary or non-UTF-8 files."""
    file = Path(path)
    if not file.is_file():
        raise DataError(f"no file at {file}")
    if zipfile.is_zipfile(file):
        data, where = _zip_member(file)
    else:
        data, where = file.read_bytes(), str(file)
    text = decode_text(data, where, _WANTED)
    sources: list[str] = []
    targets: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise DataError(f"{where} line {number} has no tab: expected 'source<TAB>target', got {line[:60]!r}")
        source, target = parts[0].strip(), parts[1].strip()
        if not source or not target:
            side = "source" if not source else "target"
            raise DataError(f"{where} line {number} has an empty {side} side")
        sources.append(source)
        targets.append(target)
    if not sources:
        raise DataError(f"{where} holds no sentence pairs (expected {_WANTED})")
    return sources, targets


def split_by_source(sources: Sequence[str], fraction: float, seed: int = 0) -> tuple[list[int], list[int]]:
    """Indices ``(kept, held_out)`` of the pairs, with a seeded ``fraction`` of the *distinct* source
    sentences held out together with every pair they are in (at least one sentence, never all of them
    when there are two or more). A source sentence translated several ways is then never on both sides,
    so a held-out score measures translation, not recall of a training pair.

    >>> split_by_source(["Go.", "Hi.", "Go.", "Run!"], 0.34, seed=1)   # both pairs of "Go." held out
    ([1, 3], [0, 2])
    """
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(sources):
        groups.setdefault(s, []).append(i)
    keys = list(groups)
    order = np.random.default_rng(seed).permutation(len(keys))
    count = min(max(1, round(len(keys) * fraction)), max(1, len(keys) - 1))
    held = sorted(i for k in order[:count] for i in groups[keys[k]])
    kept = sorted(i for k in order[count:] for i in groups[keys[k]])
    return kept, held
