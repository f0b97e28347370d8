"""Labelled numeric series from the files time-series classification users have: the UEA/UCR archive's
``.ts`` format and wide CSV (one row per series), as lists of ``(T_i, D)`` float arrays and their labels.

The ``.ts`` format (sktime/aeon, the UEA & UCR archive): ``#`` or ``%`` comments, ``@`` header lines
(``@problemName``, ``@timeStamps false``, ``@missing``, ``@univariate``, ``@dimensions``,
``@equalLength``, ``@seriesLength``, ``@classLabel true a b c``), then ``@data`` and one series per line::

    1.0,2.0,3.0:4.0,5.0,6.0:walk        # two dimensions of three steps, class 'walk'

Dimensions are separated by ``:``, values by ``,``; the class label, when ``@classLabel true``, comes last.
``?`` or ``NaN`` marks a missing value. Series may differ in length; steps missing in every dimension at
the end of a series are padding (archive files pad unequal series with ``NaN``) and are dropped.

Wide CSV: one series per row, its label in one column (the first, by default, as the archive's own CSV
and TSV files), the values in the others; rows may end early (empty cells) for shorter series.

Missing values inside a series: ``missing="interpolate"`` (the default) fills them linearly between the
nearest observed values of that dimension (the nearest value at either end); ``"keep"`` leaves ``NaN``;
``"error"`` refuses the file. The numbers filled are counted in the result.

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.ts")
    >>> _ = open(path, "w").write("@problemName toy\\n@classLabel true a b\\n@data\\n1,2,3:4,5,6:a\\n7,?,9:1,1,1:b\\n")
    >>> data = read_ts(path)
    >>> [s.shape for s in data.sequences], data.labels, data.filled
    ([(3, 2), (3, 2)], ['a', 'b'], 1)
    >>> data.sequences[1][:, 0].tolist()
    [7.0, 8.0, 9.0]
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnkit.data.tables import decode_text, dialect
from rnnkit.errors import ConfigError, DataError

__all__ = ["LabelledSeries", "read_ts", "read_wide_csv", "read_series_file"]

MISSING = {"?", "nan", ""}
POLICIES = ("interpolate", "keep", "error")


@dataclass
class LabelledSeries:
    """Series read from a file: ``sequences`` (each ``(T_i, D)`` float64), ``labels`` (``None`` when the
    file has none), and ``filled``, how many missing values were interpolated."""

    sequences: list[np.ndarray]
    labels: list[str] | None
    filled: int = 0


def _number(text: str, where: str) -> float:
    cell = text.strip()
    if cell.lower() in MISSING:
        return math.nan
    try:
        value = float(cell)
    except ValueError:
        raise DataError(f"{where}: expected a number or '?' for a missing value, got {cell!r:.30}") from None
    if math.isinf(value):
        raise DataError(f"{where}: infinite value {cell!r}")
    return value


def _drop_padding(series: np.ndarray) -> np.ndarray:
    """Drop trailing steps that are missing in every dimension (the archive's padding of short series)."""
    observed = ~np.isnan(series).all(axis=1)
    return series[: int(np.flatnonzero(observed)[-1]) + 1] if observed.any() else series[:0]


def _fill(series: np.ndarray, where: str) -> tuple[np.ndarray, int]:
    """Linear interpolation of NaNs in each column, the nearest observed value at the ends."""
    gaps = np.isnan(series)
    if not gaps.any():
        return series, 0
    out = series.copy()
    steps = np.arange(len(series))
    for d in range(series.shape[1]):
        missing = gaps[:, d]
        if missing.all():
            raise DataError(f"{where}: dimension {d} has no observed value to interpolate from")
        if missing.any():
            out[missing, d] = np.interp(steps[missing], steps[~missing], series[~missing, d])
    return out, int(gaps.sum())


def _finish(rows: list[np.ndarray], labels: list[str] | None, missing: str, file: Path) -> LabelledSeries:
    if not rows:
        raise DataError(f"{file}: no series found")
    sequences, filled = [], 0
    for i, row in enumerate(rows):
        where = f"{file}, series {i + 1}"
        series = _drop_padding(row)
        if len(series) == 0:
            raise DataError(f"{where}: every value is missing")
        if missing == "error" and np.isnan(series).any():
            raise DataError(f"{where}: {int(np.isnan(series).sum())} missing value(s) and missing='error'")
        if missing == "interpolate":
            series, count = _fill(series, where)
            filled += count
        sequences.append(series)
    return LabelledSeries(sequences, labels, filled)


def _check_policy(missing: str) -> None:
    if missing not in POLICIES:
        raise ConfigError(f"missing must be one of {list(POLICIES)}, got {missing!r}")


def _read(path: str | os.PathLike[str], wanted: str) -> tuple[Path, str]:
    file = Path(path)
    if not file.is_file():
        raise DataError(f"{file}: no such file")
    return file, decode_text(file.read_bytes(), str(file), wanted)


def read_ts(path: str | os.PathLike[str], missing: str = "interpolate") -> LabelledSeries:
    """Read a ``.ts`` file of the UEA/UCR archive: its series and, when ``@classLabel true``, labels."""
    _check_policy(missing)
    file, text = _read(path, "a .ts file (UEA/UCR time-series archive)")
    header: dict[str, list[str]] = {}
    rows: list[np.ndarray] = []
    labels: list[str] = []
    in_data = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "%")):
            continue
        where = f"{file}, line {number}"
        if not in_data:
            if not line.startswith("@"):
                raise DataError(f"{where}: expected an @ header line or @data before the series, got {line!r:.40}")
            key, *values = line[1:].split()
            header[key.lower()] = values
            if key.lower() == "data":
                in_data = True
                if (header.get("timestamps") or ["false"])[0].lower() == "true":
                    raise DataError(f"{file}: @timeStamps true is not supported; give the values without timestamps")
            continue
        has_label = (header.get("classlabel") or header.get("targetlabel") or ["false"])[0].lower() == "true"
        parts = line.split(":")
        if has_label:
            labels.append(parts.pop().strip())
        if not parts:
            raise DataError(f"{where}: a series needs at least one dimension before its label")
        dims = [[_number(v, where) for v in part.split(",")] for part in parts]
        lengths = {len(d) for d in dims}
        if len(lengths) != 1:
            raise DataError(f"{where}: the dimensions of one series must have one length, got {sorted(lengths)}")
        rows.append(np.array(dims, dtype=np.float64).T)  # (T, D)
    if not in_data:
        raise DataError(f"{file}: no @data line: is this a .ts file of the UEA/UCR archive?")
    if len({r.shape[1] for r in rows}) > 1:
        raise DataError(f"{file}: series have different numbers of dimensions: {sorted({r.shape[1] for r in rows})}")
    declared = header.get("dimensions")
    if declared and rows and declared[0].isdigit() and int(declared[0]) != rows[0].shape[1]:
        raise DataError(f"{file}: @dimensions says {declared[0]}, the series have {rows[0].shape[1]}")
    known = (header.get("classlabel") or [])[1:]
    if known and labels:
        unknown = sorted(set(labels) - set(known))
        if unknown:
            raise DataError(f"{file}: labels {unknown[:5]} are not among @classLabel's {known}")
    return _finish(rows, labels or None, missing, file)


def _looks_like_header(row: list[str], label: int | None) -> bool:
    for i, cell in enumerate(row):
        if i == label or cell.strip().lower() in MISSING:
            continue
        try:
            float(cell)
        except ValueError:
            return True
    return False


def read_wide_csv(
    path: str | os.PathLike[str],
    label_column: int | str | None = 0,
    header: bool | None = None,
    missing: str = "interpolate",
) -> LabelledSeries:
    """Read one univariate series per row (``.tsv``/``.txt``: tab-separated, else comma-separated).

    Args:
        label_column: the label's column, by 0-based position or header name; ``None``: no labels.
        header: whether the first row names the columns; ``None`` guesses it (a word among the values).
        missing: ``'interpolate'``, ``'keep'`` or ``'error'`` for missing values inside a series.
    """
    _check_policy(missing)
    file, text = _read(path, "a CSV or TSV file with one series per row")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), **dialect(file))  # type: ignore[arg-type]
        table = [row for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise DataError(f"{file}: not a readable CSV/TSV: {exc}") from exc
    if not table:
        raise DataError(f"{file}: the file is empty")
    position: int | None
    if isinstance(label_column, str):
        names = [c.strip() for c in table[0]]
        if label_column not in names:
            raise DataError(f"{file}: no column {label_column!r} in the header {names[:8]}")
        position, header = names.index(label_column), True
    else:
        position = label_column
    if header is None:
        header = _looks_like_header(table[0], position)
    rows, labels = [], []
    for number, row in enumerate(table[1:] if header else table, start=2 if header else 1):
        where = f"{file}, row {number}"
        if position is not None:
            if position >= len(row):
                raise DataError(f"{where}: no label column {position} in a row of {len(row)} cells")
            labels.append(row[position].strip())
            row = row[:position] + row[position + 1 :]
        while row and not row[-1].strip():  # a shorter series: its row ends early
            row = row[:-1]
        if not row:
            raise DataError(f"{where}: no values")
        rows.append(np.array([[_number(v, where)] for v in row], dtype=np.float64))
    return _finish(rows, labels if position is not None else None, missing, file)


def read_series_file(
    path: str | os.PathLike[str], label_column: int | str | None = 0, header: bool | None = None,
    missing: str = "interpolate",
) -> LabelledSeries:  # fmt: skip
    """``read_ts`` for ``.ts`` files, ``read_wide_csv`` for anything else."""
    if Path(path).suffix.lower() == ".ts":
        return read_ts(path, missing)
    return read_wide_csv(path, label_column, header, missing)
