"""The architecture's rules, checked on the source: no import circles among taiyaku's modules,
and no SQL (or ``sqlite3``) outside the storage package (issue 17)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: the folders of the installed package (the repository root is ``taiyaku``)
ROOMS = ("core", "store", "tm", "glossary", "exports", "web")

#: files outside store/ allowed to hold SQL or import sqlite3: the backend's own tests, and
#: tests that check what is on disk with a connection of their own (safety, damage, crashes)
SQL_ALLOWED = (
    "tests/store/",
    "tests/reliability/support.py",  # checkpoint() and row counts read the file directly
    "tests/reliability/test_db_health.py",  # damages and checks files page by page
    "tests/reliability/test_bad_inputs.py",  # a file that is not a taiyaku database
    "tests/reliability/test_concurrency.py",  # a second writer holding SQLite's lock
    "tests/exports/test_output_safety.py",  # two databases compared byte for byte
    # hostile SQL stored as text; rows read on the server with the driver, not through taiyaku
    "tests/test_cli_backends.py",
    "tests/web/test_unavailable.py",  # a driver's error raised in a route, as the driver would
    "tests/benchmarks/bench_dbcheck.py",  # times SQLite's own check
    "tests/benchmarks/bench_pg.py",  # reads the server's statement times (pg_stat_statements)
    "tests/test_architecture.py",  # this file names what it looks for
)
_SQL = re.compile(
    r"\b(?:SELECT\b.*\bFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(?:TABLE|INDEX)|ALTER\s+TABLE|DROP\s+TABLE|PRAGMA\s+\w+|BEGIN\s+IMMEDIATE)\b",
    re.DOTALL,
)


def _python_files() -> Iterator[Path]:
    yield ROOT / "__init__.py"
    yield ROOT / "cli.py"
    for room in (*ROOMS, "tests"):
        yield from sorted((ROOT / room).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["taiyaku", *parts])


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module, module: str, is_package: bool) -> Iterator[str]:
    """The taiyaku modules *module* imports at run time (top level and inside functions;
    ``if TYPE_CHECKING:`` blocks are left out, as they never run)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            yield base
            yield from (f"{base}.{a.name}" for a in node.names)
        stack.extend(ast.iter_child_nodes(node))


def _module_graph() -> dict[str, set[str]]:
    files = [p for p in _python_files() if "tests" not in p.relative_to(ROOT).parts]
    names = {_module_name(p): p for p in files}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # "from pkg import sub" names a module when sub is one, else an attribute of pkg
        graph[name] = {target for target in _imports(tree, name, path.name == "__init__.py")
                       if target in names and target != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    # a check that could never fail checks nothing
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_among_taiyaku_modules() -> None:
    graph = _module_graph()
    assert "taiyaku.tm.search" in graph and "taiyaku.store.sqlite" in graph
    assert "taiyaku.store.interface" in graph["taiyaku.tm.search"]  # edges are seen
    assert _cycles(graph) == []


def _sql_findings(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
                a.name.split(".")[0] == "sqlite3" for a in node.names):
            found.append(f"line {node.lineno}: import sqlite3")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlite3":
            found.append(f"line {node.lineno}: from sqlite3 import")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.search(
                node.value):
            found.append(f"line {node.lineno}: SQL {node.value.strip()[:50]!r}")
        elif isinstance(node, ast.Attribute) and node.attr == "conn" and not path.match(
                "tests/*"):
            found.append(f"line {node.lineno}: uses a store's connection")
    return found


def test_the_sql_finder_finds_sql(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text('import sqlite3\nq = "SELECT id FROM units WHERE ja_hash = ?"\n'
                     'x = "selected from the list"\n', encoding="utf-8")
    assert [f[:10] for f in _sql_findings(probe)] == ["line 1: im", "line 2: SQ"]


def test_no_sql_outside_the_storage_package() -> None:
    offenders = {}
    for path in _python_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("store/") or rel.startswith(SQL_ALLOWED):
            continue
        found = _sql_findings(path)
        if found:
            offenders[rel] = found
    assert offenders == {}
