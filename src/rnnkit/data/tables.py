"""Columns from a CSV, TSV or Parquet file, with clear errors for the ways such files go wrong.

``.tsv`` and ``.txt`` files are split on tabs with no quoting (text may hold ``"``); ``.parquet`` files
are read with pyarrow (``pip install rnnkit[parquet]``), their values as text like a CSV's (missing values
as empty cells); other files are read as CSV (comma, double-quote quoting). Columns are named by their header, or by 0-based position
(``header=False`` for files without one, as the UCI sentiment files).

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "reviews.csv")
    >>> _ = open(path, "w").write('text,label\\n"Great, really",pos\\nDull,neg\\n')
    >>> read_columns(path, ["text", "label"])
    [['Great, really', 'Dull'], ['pos', 'neg']]
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rnnkit.errors import DataError

__all__ = ["read_columns", "decode_text", "dialect", "write_rows", "to_numbers", "sequences_from_rows"]

Column = str | int


def dialect(path: Path) -> dict[str, object]:
    """The ``csv.reader`` options for ``path``: tab-separated without quoting for ``.tsv``/``.txt``/``.tab``,
    else comma-separated."""
    if path.suffix.lower() in (".tsv", ".txt", ".tab"):
        return {"delimiter": "\t", "quoting": csv.QUOTE_NONE}
    return {"delimiter": ","}


def decode_text(data: bytes, where: str, wanted: str) -> str:
    """``data`` as UTF-8 text (a byte-order mark dropped); ``DataError`` naming ``where`` for other bytes."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{where} is not UTF-8 text (byte {exc.start}): give {wanted}") from exc
    if "\x00" in text:
        raise DataError(f"{where} looks binary (it holds NUL bytes); give {wanted}")
    return text


def read_columns(path: str | os.PathLike[str], columns: Sequence[Column], header: bool = True) -> list[list[str]]:
    """The values of ``columns`` (names or 0-based positions), one list per column, rows in file order.

    Raises ``DataError`` for a missing, empty, binary or non-UTF-8 file, an unknown column (listing
    the file's columns) or a row too short to hold a requested column (naming its line).
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(f"no file at {file}")
    if file.suffix.lower() in (".parquet", ".pq"):
        return _parquet_columns(file, columns)
    text = decode_text(file.read_bytes(), str(file), "a UTF-8 CSV/TSV file")
    # a StringIO splits lines on \n and \r only: text fields may hold other Unicode line breaks
    # (U+0085 in the UCI sentiment files), and quoted CSV fields may span lines
    reader = csv.reader(io.StringIO(text, newline=""), **dialect(file))  # type: ignore[arg-type]
    rows = [r for r in reader if any(cell.strip() for cell in r)]
    if not rows:
        raise DataError(f"{file} is empty")
    names = rows[0] if header else []
    data = rows[1:] if header else rows
    if not data:
        raise DataError(f"{file} has a header but no data rows")
    positions = [_position(c, names, file) for c in columns]
    for line, row in enumerate(data, start=2 if header else 1):
        if len(row) <= max(positions):
            raise DataError(
                f"{file}, data row {line}: {len(row)} field(s), but column {max(positions)} (0-based) was asked for"
            )
    return [[row[p] for row in data] for p in positions]


def _parquet_columns(file: Path, columns: Sequence[Column]) -> list[list[str]]:
    try:
        import pyarrow.parquet as pq  # optional: pip install rnnkit[parquet]
    except ImportError as exc:
        raise DataError(f"{file}: reading Parquet needs pyarrow: pip install 'rnnkit[parquet]'") from exc
    try:
        table = pq.read_table(file)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid/OSError for corrupt files
        raise DataError(f"{file} is not a readable Parquet file: {exc}") from exc
    if table.num_rows == 0:
        raise DataError(f"{file} has no data rows")
    names = list(table.column_names)
    positions = [_position(c, names, file) for c in columns]
    return [["" if v is None else str(v) for v in table.column(p).to_pylist()] for p in positions]


def _position(column: Column, names: list[str], file: Path) -> int:
    if isinstance(column, int) or (isinstance(column, str) and column.isdigit() and column not in names):
        return int(column)
    if column not in names:
        shown = ", ".join(repr(n) for n in names) if names else "none (the file has no header)"
        raise DataError(f"{file} has no column {column!r}; its columns are: {shown}")
    return names.index(column)


def write_rows(path: str | os.PathLike[str] | None, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Write CSV rows to ``path`` (atomically) or, with ``path`` None, return them as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if path is None:
        return buffer.getvalue()
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent if str(target.parent) else ".")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(buffer.getvalue())
    os.replace(tmp, target)
    return ""


MISSING = frozenset({"", "na", "nan", "null", "none", "n/a", "#n/a"})


def to_numbers(columns: Sequence[Sequence[str]], names: Sequence[str]) -> np.ndarray:
    """Text columns (as ``read_columns`` returns them) → a ``(rows, len(columns))`` float array; empty
    cells and ``NA``/``NaN``/``null`` become NaN (the caller decides what a gap means)."""
    try:
        return np.array(
            [[np.nan if v.strip().lower() in MISSING else float(v) for v in column] for column in columns],
            dtype=np.float64,
        ).T
    except ValueError as exc:
        raise DataError(f"columns {', '.join(names)} must hold numbers: {exc}") from exc


def sequences_from_rows(
    ids: Sequence[str], values: Sequence[Sequence[str]], labels: Sequence[str] | None, names: Sequence[str]
) -> tuple[list[str], list[np.ndarray], list[str] | None]:
    """Long-format rows (one per time step) → one ``(T, F)`` array per sequence id, in first-seen order.

    ``values`` holds one list per feature column (named ``names``). A sequence's label must be the same
    on all of its rows. Returns ``(ids, sequences, labels or None)``.
    """
    order: dict[str, list[int]] = {}
    for row, key in enumerate(ids):
        order.setdefault(key, []).append(row)
    table = to_numbers(values, names)
    sequences = [table[rows] for rows in order.values()]
    if labels is None:
        return list(order), sequences, None
    sequence_labels = []
    for key, rows in order.items():
        seen = {labels[r] for r in rows}
        if len(seen) != 1:
            raise DataError(
                f"sequence {key!r} has several labels ({', '.join(sorted(seen))}); expected one per sequence"
            )
        sequence_labels.append(seen.pop())
    return list(order), sequences, sequence_labels
