"""Every Python block of the documentation runs, so no page shows code that does not work.

The blocks of one page run in order in one fresh process (a later block may use what an earlier one made),
in an empty working folder. A block that is exactly an ``examples/`` program is run by
``tests/test_examples.py`` instead, which also checks its results; this test checks that it is one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _program(path: Path) -> str:
    """An example's code after its docstring: what a page shows."""
    code = path.read_text(encoding="utf-8")
    return code.split('"""', 2)[2].strip() if code.startswith('"""') else code.strip()


#: examples/ programs a page may show as they are (tests/test_examples.py runs them and checks results)
RUN_AS_EXAMPLES = {_program(p) for p in EXAMPLES.rglob("*.py")}


def _pages() -> list[Path]:
    return sorted(p for p in [*DOCS.rglob("*.md"), ROOT / "README.md"] if BLOCK.search(p.read_text(encoding="utf-8")))


def _blocks(page: Path) -> list[str]:
    return [b for b in BLOCK.findall(page.read_text(encoding="utf-8")) if b.strip() not in RUN_AS_EXAMPLES]


def test_the_docs_have_python_blocks_to_run() -> None:
    pages = {p.relative_to(ROOT).as_posix() for p in _pages()}
    assert {"README.md", "docs/getting-started.md", "docs/guides/forecasting.md"} <= pages


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_blocks_run(page: Path, tmp_path: Path) -> None:
    blocks = _blocks(page)
    if not blocks:  # every block is an examples/ program, run by tests/test_examples.py
        return
    script = "\n\n".join(f"# --- block {i + 1} of {page.name}\n{b}" for i, b in enumerate(blocks))
    (tmp_path / "page.py").write_text(script, encoding="utf-8")
    result = subprocess.run([sys.executable, "page.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "MPLBACKEND": "Agg"})  # fmt: skip
    assert result.returncode == 0, f"{page.relative_to(ROOT)}:\n{result.stderr[-3000:]}"

