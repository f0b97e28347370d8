"""CSV/TSV columns: quoting, headerless files, Unicode line breaks inside fields, and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.tables import read_columns, sequences_from_rows, write_rows
from rnnkit.errors import DataError


def test_tsv_keeps_quotes_and_unicode_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text('He said "wow\u0085 great"\t1\nBad.\t0\n', encoding="utf-8")
    assert read_columns(path, [0, 1], header=False) == [['He said "wow\u0085 great"', "Bad."], ["1", "0"]]


def test_csv_quoted_fields_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('label,text\npos,"a, b\nc"\n\nneg,d\n', encoding="utf-8")
    assert read_columns(path, ["text", "label"]) == [["a, b\nc", "d"], ["pos", "neg"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"text,label\n", "no data rows"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"text,label\x00\n", "binary"),
        (b"text,label\nok,1\nshort\n", "data row 3: 1 field"),
        (b"words,label\nok,1\n", "no column 'text'; its columns are: 'words', 'label'"),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_columns(path, ["text", "label"])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no file"):
        read_columns(tmp_path / "none.csv", ["text"])


def test_long_format_rows_become_sequences() -> None:
    names, seqs, labels = sequences_from_rows(["a", "b", "a"], [["1", "2", "3"]], ["x", "y", "x"], ["v"])
    assert names == ["a", "b"] and labels == ["x", "y"]
    np.testing.assert_array_equal(seqs[0], [[1.0], [3.0]])
    with pytest.raises(DataError, match="several labels"):
        sequences_from_rows(["a", "a"], [["1", "2"]], ["x", "y"], ["v"])
    with pytest.raises(DataError, match="must hold numbers"):
        sequences_from_rows(["a"], [["one"]], None, ["v"])


def test_write_rows_atomically_or_to_text(tmp_path: Path) -> None:
    assert write_rows(None, ["a", "b"], [[1, "x,y"]]) == 'a,b\n1,"x,y"\n'
    write_rows(tmp_path / "o.csv", ["a"], [[1]])
    assert (tmp_path / "o.csv").read_text() == "a\n1\n" and len(list(tmp_path.iterdir())) == 1
