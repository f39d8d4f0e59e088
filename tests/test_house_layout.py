"""The layout of the house, read from the source: imports only point down the floors, no module
imports itself back through others, and every module is named in a README of its folder."""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The floors, bottom to top (also stated in README.md «Как устроен код»). A package may import
# its own modules and those of a LOWER floor only: packages on one floor do not import each other.
FLOORS: dict[str, int] = {
    "ejournal": 0,  # settings, access, formatting: imports nothing of the project
    "warehouse": 1,  # models and the queries every figure comes from
    "pipelines": 2,  # reading, validating, loading (builds the models after a load)
    "report_templates": 2,  # documents: contexts shape warehouse rows, templates render them
    "data_samples": 3,  # the sample generator (writes exports the pipelines read)
    "dashboards": 3,  # Streamlit pages
    "cli": 4,  # the `ejournal` command
    "bench": 5,  # measurements: may use anything, nothing uses them
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in FLOORS:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The project module an imported name lives in (a.b.c → a.b when c is a name in a.b)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """Every project module ``module`` imports, at the top or inside a function."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_resolve(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([node.module] if node.module else [])])
            found.update(_resolve(f"{base}.{alias.name}") for alias in node.names)
    found.discard(None)
    found.discard(module)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_the_floors_cover_every_package_of_the_project():
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(FLOORS), "a new top package needs its floor in FLOORS and in README.md"


def test_imports_only_point_down():
    upward = sorted(
        f"{module} → {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if (a := module.split(".")[0]) != (b := target.split(".")[0]) and FLOORS[b] >= FLOORS[a]
    )
    assert upward == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_through_others():
    assert _cycles() == []


def test_the_graph_reader_sees_a_circle_and_an_upward_import():
    """The checks above can fail: the reader resolves relative, nested and from-imports."""
    assert "warehouse.db" in GRAPH["pipelines.ingest"]
    assert "ejournal.settings" in GRAPH["warehouse.objectivity_norms"]
    assert "cli.console" in GRAPH["cli.main"]


def _named_in_readme(path: Path) -> bool:
    """Some README.md in the module's folder or above it (inside its top package) names it by its
    path relative to that README, e.g. `canonical/reader.py`, or by a pattern such as `*/context.py`."""
    folder = path.parent
    while True:
        readme = folder / "README.md"
        if readme.exists():
            relative = path.relative_to(folder).as_posix()
            text = readme.read_text(encoding="utf-8")
            names = set(re.findall(r"`([^`\s]+\.py)`", text))
            if relative in names or any("*" in name and fnmatch.fnmatch(relative, name) for name in names):
                return True
        if folder.parent == ROOT:
            return False
        folder = folder.parent


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_every_module_is_named_in_a_readme_of_its_folder(package):
    assert (ROOT / package / "README.md").exists()
    unnamed = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / package).rglob("*.py")
        if path.name not in {"__init__.py", "__main__.py"} and not _named_in_readme(path)
    )
    assert unnamed == []


SQL_CALL = re.compile(r"\.(execute|executemany|sql|query)\(")


@pytest.mark.parametrize("package", ["dashboards", "report_templates"])
def test_pages_and_documents_query_the_warehouse_only_through_its_modules(package):
    """A figure is computed once, in warehouse/: pages and documents shape the rows its modules give."""
    calling = sorted(
        f"{path.relative_to(ROOT).as_posix()}:{number}"
        for path in (ROOT / package).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SQL_CALL.search(line)
    )
    assert calling == []


def test_the_sql_check_sees_a_query():
    assert SQL_CALL.search('rows = con.execute("select 1").fetchall()')
    assert SQL_CALL.search("con.sql(text)") and not SQL_CALL.search("frame.select(pl.col('a'))")
