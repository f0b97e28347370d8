"""The package's imports run one way (docs/architecture.md): no file imports another that imports it back,
directly or through others, counting imports inside functions; only the CLI imports rnnkit inside
functions (for its start-up time); any other function-local import says why in a comment.

``make lint`` checks the layer order itself (import-linter, pyproject.toml); this test reads the source
with ``ast`` and needs nothing installed.
"""

import ast
from collections.abc import Callable
from pathlib import Path

import rnnkit

ROOT = Path(rnnkit.__file__).parent


def _module(path: Path) -> str:
    parts = ["rnnkit", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


FILES = {_module(p): p for p in sorted(ROOT.rglob("*.py"))}


def _type_checking(tree: ast.AST) -> set[int]:
    return {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for part in node.body
        for n in ast.walk(part)
    }


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The rnnkit modules an import statement loads (``from a import b`` may name module ``a.b``)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
        names = [f"{base}.{a.name}" for a in node.names] + [base]
    found = []
    for name in names:
        while name and name not in FILES:
            name = name.rpartition(".")[0]
        if name.startswith("rnnkit.") and name != module:
            found.append(name)
    return found


def _imports() -> dict[str, list[tuple[str, ast.stmt, bool]]]:
    """module → (imported rnnkit module or '' for another package, the statement, inside a function)."""
    out: dict[str, list[tuple[str, ast.stmt, bool]]] = {}
    for module, path in FILES.items():
        tree = ast.parse(path.read_text())
        skip = _type_checking(tree)
        local = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                 for n in ast.walk(f) if n is not f}  # fmt: skip
        out[module] = [
            (target, node, id(node) in local)
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skip
            for target in (_targets(node, module, path.name == "__init__.py") or [""])
        ]
    return out


IMPORTS = _imports()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _graph(name: Callable[[str], str]) -> dict[str, set[str]]:
    """The import graph with each module renamed by ``name`` (e.g. to its subpackage)."""
    graph: dict[str, set[str]] = {name(m): set() for m in FILES}
    for module, imports in IMPORTS.items():
        graph[name(module)] |= {name(t) for t, _, _ in imports if t and name(t) != name(module)}
    return graph


def test_no_file_imports_itself_through_others() -> None:
    assert _cycles(_graph(lambda m: m)) == []


def test_no_subpackage_imports_itself_through_others() -> None:
    assert _cycles(_graph(lambda m: ".".join(m.split(".")[:2]))) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_the_cli_imports_rnnkit_inside_functions() -> None:
    hidden = [f"{m} imports {t} (line {n.lineno})" for m, imports in IMPORTS.items() if not m.startswith("rnnkit.cli")
              for t, n, local in imports if t and local]  # fmt: skip
    assert hidden == []


def test_every_other_function_local_import_says_why() -> None:
    silent = []
    for module, path in FILES.items():
        if module.startswith("rnnkit.cli"):
            continue
        lines = path.read_text().splitlines()
        for f in ast.walk(ast.parse("\n".join(lines))):
            first = next((n for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)), None)
            if isinstance(f, ast.FunctionDef) and first is not None:
                if "#" not in lines[first.lineno - 1] and "#" not in lines[first.lineno - 2]:
                    silent.append(f"{module}, line {first.lineno}")
    assert silent == [], "a function-local import needs a comment saying why (an optional or heavy package)"
