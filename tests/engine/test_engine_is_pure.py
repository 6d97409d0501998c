"""The engine is pure Python in subpackages: no Django or Channels import, no import cycle, no
module past about 400 lines, and only the use-case modules at its top (DESIGN.md, STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "sandbox" / "engine"
FORBIDDEN = ("django", "channels", "daphne", "asgiref", "lessons", "sandbox.consumers")
TOP_MODULES = {"__init__", "simulator", "objects", "problems", "world", "trace", "units", "goals",
               "hints", "paste", "evaluation"}
MAX_LINES = 400


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            names.extend(a.value for a in node.args if isinstance(a, ast.Constant)
                         and isinstance(a.value, str))
    return names


MODULES = sorted(ENGINE.rglob("*.py"))


def _name(path: Path) -> str:
    """`sandbox.engine.kubelet.puller` for kubelet/puller.py; a package for its __init__.py."""
    parts = list(path.relative_to(ENGINE.parent.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_engine_has_modules_in_subpackages() -> None:
    assert len(MODULES) > 60
    assert len({p.parent for p in MODULES}) > 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_module_imports_neither_django_nor_channels(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    bad = [name for name in _imports(tree)
           if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)]
    assert bad == [], f"{path.name} imports {bad}: the engine must stay framework-free"


def test_purity_check_catches_a_django_import() -> None:
    tree = ast.parse("import os\nfrom django.conf import settings\n")
    assert "django.conf" in _imports(tree)


def test_only_the_use_case_modules_sit_at_the_top_of_the_engine() -> None:
    top = {p.stem for p in ENGINE.glob("*.py")}
    assert top - TOP_MODULES == set(), "place these modules in a subpackage"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_module_stays_under_400_lines(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= MAX_LINES, "split it by what its parts do"


# --- import cycles ------------------------------------------------------------------------------


def _runs_at_import(tree: ast.Module) -> list[ast.ImportFrom | ast.Import]:
    """The imports a module executes when it is imported: not those inside functions or under
    `if TYPE_CHECKING:`, which cannot take part in an import-time cycle."""
    found: list[ast.ImportFrom | ast.Import] = []

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)

    visit(tree.body)
    return found


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Module -> the engine modules it imports at import time. `sources` maps a module's dotted
    name to (its text, whether it is a package's __init__). Importing `a.b` from outside `a`
    also runs `a`'s __init__ first, so that counts as an edge too; `from . import x` inside a
    package does not re-enter the package, which is already being initialized."""
    graph: dict[str, set[str]] = {}
    for module, (text, is_package) in sources.items():
        package = module if is_package else module.rpartition(".")[0]
        edges: set[str] = set()
        for node in _runs_at_import(ast.parse(text)):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                if target not in sources or module.startswith(target + "."):
                    continue  # an ancestor package is already running its __init__
                edges.add(target)
                parent = target.rpartition(".")[0]
                while parent in sources and not module.startswith(parent + "."):
                    if parent != module:
                        edges.add(parent)
                    parent = parent.rpartition(".")[0]
        edges.discard(module)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_engine_has_no_import_cycle() -> None:
    sources = {_name(p): (p.read_text(), p.name == "__init__.py") for p in MODULES}
    graph = import_graph(sources)
    assert sum(len(edges) for edges in graph.values()) > 100  # the graph really was read
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_through_a_package_front() -> None:
    sources = {
        "e": ("", True),
        "e.a": ("from ..b import thing\n", True),
        "e.a.one": ("x = 1\n", False),
        "e.b": ("from .a.one import x\nthing = x\n", False),
        "e.c": ("def late():\n    from .a import thing\n", False),
    }
    assert cycles(import_graph(sources)) == [["e.a", "e.b"]]
