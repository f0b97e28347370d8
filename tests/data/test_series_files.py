"""Readers for the UEA/UCR ``.ts`` format and wide CSV: lengths, dimensions, labels and missing values as
the files hold them, and a clear error for each way such a file goes wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.series_files import read_series_file, read_ts, read_wide_csv
from rnnkit.errors import ConfigError, DataError

TS = """# a comment
% the archive's other comment mark
@problemName Toy
@timeStamps false
@missing true
@univariate false
@dimensions 2
@equalLength false
@classLabel true walk run
@data
1,2,3,4:10,20,30,40:walk
5,?,7:1,1,NaN:run
0.5,1.5,NaN,NaN:2,3,NaN,NaN:walk
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_ts_file_keeps_lengths_dimensions_and_labels(tmp_path: Path) -> None:
    data = read_ts(_write(tmp_path, "toy.ts", TS))
    assert [s.shape for s in data.sequences] == [(4, 2), (3, 2), (2, 2)]  # the NaN padding of row 3 dropped
    assert data.labels == ["walk", "run", "walk"]
    np.testing.assert_array_equal(data.sequences[0], [[1, 10], [2, 20], [3, 30], [4, 40]])
    np.testing.assert_array_equal(data.sequences[1], [[5, 1], [6, 1], [7, 1]])  # inside: linear; at the end: nearest
    assert data.filled == 2


def test_missing_values_can_be_kept_or_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "toy.ts", TS)
    kept = read_ts(path, missing="keep")
    assert np.isnan(kept.sequences[1][1, 0]) and np.isnan(kept.sequences[1][2, 1]) and kept.filled == 0
    with pytest.raises(DataError, match="series 2: 2 missing value"):
        read_ts(path, missing="error")
    with pytest.raises(ConfigError, match="missing must be one of"):
        read_ts(path, missing="drop")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@problemName x\n1,2:a\n", "expected an @ header line"),
        ("@problemName x\n@classLabel true a\n", "no @data line"),
        ("@timeStamps true\n@data\n(0,1),(1,2):a\n", "@timeStamps true is not supported"),
        ("@classLabel true a b\n@data\n1,2:c\n", r"labels \['c'\] are not among"),
        ("@classLabel false\n@data\n1,x,3\n", "line 3: expected a number"),
        ("@classLabel true a\n@data\n1,2,3:1,2:a\n", "one length, got \\[2, 3\\]"),
        ("@classLabel true a\n@data\n1,2:a\n1,2:3,4:a\n", "different numbers of dimensions"),
        ("@dimensions 3\n@classLabel true a\n@data\n1,2:a\n", "@dimensions says 3"),
        ("@classLabel false\n@data\n?,?\n", "every value is missing"),
        ("@classLabel false\n@data\n1,inf\n", "infinite value"),
    ],
)
def test_a_malformed_ts_file_is_refused_with_its_place(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_ts(_write(tmp_path, "bad.ts", text))


def test_a_ts_file_without_labels_reads_its_series(tmp_path: Path) -> None:
    data = read_series_file(_write(tmp_path, "x.ts", "@classLabel false\n@data\n1,2,3\n4,5\n"))
    assert data.labels is None and [s.ravel().tolist() for s in data.sequences] == [[1, 2, 3], [4, 5]]


def test_wide_csv_reads_ragged_rows_with_the_label_first(tmp_path: Path) -> None:
    data = read_series_file(_write(tmp_path, "train.csv", "1,0.5,0.6,0.7\n2,1.5,,1.7,1.8\n1,3,4,,\n"))
    assert data.labels == ["1", "2", "1"]
    assert [s.ravel().tolist() for s in data.sequences] == [[0.5, 0.6, 0.7], [1.5, 1.6, 1.7, 1.8], [3.0, 4.0]]
    assert data.filled == 1 and all(s.shape[1] == 1 for s in data.sequences)


def test_wide_tsv_with_a_header_and_the_label_named(tmp_path: Path) -> None:
    data = read_wide_csv(_write(tmp_path, "train.tsv", "t0\tt1\tclass\n1\t2\tup\n3\t?\tdown\n"), label_column="class")
    assert data.labels == ["up", "down"] and [s.ravel().tolist() for s in data.sequences] == [[1, 2], [3]]
    unlabelled = read_wide_csv(_write(tmp_path, "x.csv", "a,b\n1,2\n"), label_column=None)
    assert unlabelled.labels is None and unlabelled.sequences[0].ravel().tolist() == [1, 2]


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("", {}, "empty"),
        ("1,2\n", {"label_column": "class"}, "no column 'class'"),
        ("1,2,x\n3,4,5\n", {"header": False}, "row 1: expected a number"),
        ("a\n", {"header": False, "label_column": 3}, "no label column 3"),
        ("a,,\n", {"header": False}, "row 1: no values"),
    ],
)
def test_a_malformed_wide_csv_is_refused_with_its_place(tmp_path: Path, text: str, options: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_wide_csv(_write(tmp_path, "bad.csv", text), **options)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_ts(tmp_path / "nothing.ts")
