"""The engine is pure Python: it must not import Django or Channels (DESIGN.md, STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "sandbox" / "engine"
FORBIDDEN = ("django", "channels", "daphne", "asgiref", "lessons", "sandbox.consumers")


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


MODULES = sorted(ENGINE.glob("*.py"))


def test_engine_has_modules() -> None:
    assert len(MODULES) > 5


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_engine_module_imports_neither_django_nor_channels(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    bad = [name for name in _imports(tree)
           if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)]
    assert bad == [], f"{path.name} imports {bad}: the engine must stay framework-free"


def test_purity_check_catches_a_django_import() -> None:
    tree = ast.parse("import os\nfrom django.conf import settings\n")
    assert "django.conf" in _imports(tree)
