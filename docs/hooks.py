"""MkDocs hooks: pages that are generated at build time, so they cannot drift from what they describe.

- ``<!-- cli-reference -->`` becomes every command and flag of the ``rnnkit`` parser
  (``rnnkit.cli.reference``).
- ``<!-- benchmark-results -->`` becomes one section per benchmark, from the latest record each benchmark
  wrote under ``benchmarks/results/`` (``benchmarks/results.py`` writes and renders them).
- ``<!-- benchmark: NAME -->`` becomes the record ``benchmarks/results/NAME.json`` alone, so a guide
  quotes a benchmark's latest tables instead of a copy of them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from results import RESULTS, render_all, render_named  # noqa: E402  (benchmarks/results.py: not part of the package)

from rnnkit.cli import build_parser  # noqa: E402
from rnnkit.cli.reference import markdown  # noqa: E402

ONE_RECORD = re.compile(r"<!-- benchmark: ([\w.-]+) -->")


def on_page_markdown(text: str, page: Any, config: Any, files: Any) -> str:
    if "<!-- cli-reference -->" in text:
        text = text.replace("<!-- cli-reference -->", markdown(build_parser(), level=3))
    if "<!-- benchmark-results -->" in text:
        text = text.replace("<!-- benchmark-results -->", render_all(RESULTS))
    return ONE_RECORD.sub(lambda m: render_named(m.group(1), level=3), text)

