"""Benchmark records (``benchmarks/results.py``): written atomically, rendered as the docs show them, and
every committed record is one the benchmark page can render."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from results import RESULTS, Table, render, render_all, render_named, write_record  # noqa: E402


def test_a_record_is_written_whole_and_renders_its_tables(tmp_path: Path) -> None:
    rows = [["MinGRU", 122.4, "1.42×"], ["torch.nn.LSTM", 644.5, "5.3×"]]
    path = write_record("demo", "One training step", [Table("T = 4096", ["layer", "ms", "ratio"], rows)],
                        notes=["one run"], folder=tmp_path)  # fmt: skip
    assert [p.name for p in tmp_path.iterdir()] == ["demo.json"]  # no temporary file left behind
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["benchmark"] == "demo" and record["machine"]["cores"] >= 1 and "torch" in record["versions"]
    page = render(record, level=3)
    assert page.startswith("### One training step\n")
    assert "| layer | ms | ratio |" in page and "| MinGRU | 122.4 | 1.42× |" in page and "| torch.nn.LSTM | 644.5 |" in page
    assert page.rstrip().endswith("- one run")
    assert render_named("demo", tmp_path, level=3) == page


def test_a_new_run_replaces_the_record_and_a_missing_one_is_named(tmp_path: Path) -> None:
    write_record("demo", "first", [Table("t", ["a"], [[1]])], folder=tmp_path)
    write_record("demo", "second", [Table("t", ["a"], [[2]])], folder=tmp_path)
    assert "## second" in render_all(tmp_path) and "first" not in render_all(tmp_path)
    with pytest.raises(FileNotFoundError, match="nothing.json"):
        render_named("nothing", tmp_path)
    assert render_all(tmp_path / "empty") == "No benchmark has written a record yet.\n"


def test_a_run_can_say_what_it_shared_the_machine_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNKIT_BENCH_NOTE", "the test suite ran beside it")
    path = write_record("demo", "t", [Table("t", ["a"], [[1]])], notes=["one run"], folder=tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["notes"] == ["one run", "the test suite ran beside it"]


@pytest.mark.parametrize("path", sorted(RESULTS.glob("*.json")), ids=lambda p: p.name)
def test_committed_records_render(path: Path) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["benchmark"] == path.stem
    page = render(record)
    for table in record["tables"]:
        assert all(len(row) == len(table["columns"]) for row in table["rows"]), table["title"]
        assert f"**{table['title']}**" in page
