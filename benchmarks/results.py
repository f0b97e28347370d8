"""Benchmark records: each benchmark writes its latest run as JSON under ``benchmarks/results/``, and the
documentation's benchmark page is rendered from those records (``docs/hooks.py``), one section per record.

A record says what ran and where: the command, the date, the machine, the versions, then the tables
(medians and ratios, as the script printed them) and notes. A new run of the same benchmark and variant
replaces its record: the page shows the latest run, not a history.

    from results import Table, write_record
    write_record("parallel_rnn", "Parallel recurrence: one training step", [Table("T = 1024", ["row", "ms"], rows)])
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

import rnnkit
from rnnkit.native import available

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Table:
    """One table of a record: a title, column names, and rows of cells (numbers or text)."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """The machine a benchmark ran on: processor, cores, system, and whether a GPU was used."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"cpu": _cpu(), "cores": os.cpu_count(), "system": platform.platform(terse=True), "gpu": gpu}


def versions(**extra: str) -> dict[str, str]:
    """Python, PyTorch and rnnkit versions, plus any rival's (``keras="3.15.1"``)."""
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "rnnkit": rnnkit.__version__,
        "native kernels": "built" if available() else "not built",
        **extra,
    }


def write_record(name: str, title: str, tables: list[Table], notes: list[str] | None = None,
                 extra_versions: dict[str, str] | None = None, folder: Path = RESULTS) -> Path:  # fmt: skip
    """Write ``<folder>/<name>.json`` atomically (temp file + rename) and return its path. The environment
    variable ``RNNKIT_BENCH_NOTE`` adds a note of the run's circumstances (``"another job shared the
    cores"``)."""
    record = {
        "benchmark": name,
        "title": title,
        "command": " ".join(["python", *sys.argv]),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(**(extra_versions or {})),
        "tables": [asdict(t) for t in tables],
        "notes": [*(notes or []), *filter(None, [os.environ.get("RNNKIT_BENCH_NOTE")])],
    }
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value).replace("|", "\\|")


def markdown_row(cells: list[Any], cell: Callable[[Any], str] = str) -> str:
    """One Markdown table row: ``| a | b |``."""
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def markdown_table(columns: list[str], rows: list[list[Any]], cell: Callable[[Any], str] = str) -> str:
    """A Markdown table: the header, its rule, one line per row (``cell`` turns a value into text).

    >>> print(markdown_table(["a", "b"], [[1, 2.5]]))
    | a | b |
    |---|---|
    | 1 | 2.5 |
    """
    return "\n".join([markdown_row(columns), "|" + "---|" * len(columns), *(markdown_row(r, cell) for r in rows)])


def render(record: dict[str, Any], level: int = 2) -> str:
    """One record as Markdown: its heading (at ``level``), what ran where, its tables and notes."""
    m, v = record["machine"], record["versions"]
    where = f"{m['cpu']}, {m['cores']} cores" + (f", GPU {m['gpu']}" if m.get("gpu") else ", no GPU")
    lines = [
        f"{'#' * level} {record['title']}",
        "",
        f"`{record['command']}` · {record['date']} · {where} · " + ", ".join(f"{k} {val}" for k, val in v.items()),
        "",
    ]
    for table in record["tables"]:
        lines += [f"**{table['title']}**", "", markdown_table(table["columns"], table["rows"], _cell), ""]
    lines += [f"- {note}" for note in record["notes"]]
    return "\n".join(lines) + "\n"


def render_all(folder: Path = RESULTS) -> str:
    """Every record in ``folder``, by benchmark name; a line saying so when there is none."""
    records = sorted(folder.glob("*.json"))
    if not records:
        return "No benchmark has written a record yet.\n"
    return "\n".join(render(json.loads(p.read_text(encoding="utf-8"))) for p in records)


def render_named(name: str, folder: Path = RESULTS, level: int = 2) -> str:
    """The record ``<folder>/<name>.json`` as Markdown; a :class:`FileNotFoundError` names a missing one."""
    path = folder / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no benchmark record {path}: run the benchmark that writes it")
    return render(json.loads(path.read_text(encoding="utf-8")), level)
