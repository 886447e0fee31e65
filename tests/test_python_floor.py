"""The Python the package declares is the Python its code needs: requires-python's floor is the oldest
grammar every module parses with and no module imports a standard-library module newer than it
(``tomllib``, 3.11, was imported while the CLI parser was built under a ``>=3.10`` declaration)."""

from __future__ import annotations

import ast
import configparser
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "backend" / "facexai"

#: standard-library modules and the Python that added them (since 3.9, the oldest still in use)
STDLIB_ADDED = {"zoneinfo": (3, 9), "graphlib": (3, 9), "tomllib": (3, 11), "wsgiref.types": (3, 11)}


def declared_floor() -> tuple[int, int]:
    spec = tomllib.loads((REPO / "backend" / "pyproject.toml").read_text())["project"]["requires-python"]
    match = re.fullmatch(r">=\s*3\.(\d+)", spec)
    assert match, f"requires-python {spec!r} is not a plain '>=3.N' floor"
    return (3, int(match.group(1)))


def imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_every_module_parses_and_imports_at_the_declared_floor():
    floor = declared_floor()
    assert floor <= sys.version_info[:2], "the tests run on a Python older than the one declared"
    too_new = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path), feature_version=floor)
        too_new += [
            f"{path.relative_to(REPO)}: {name} needs {'.'.join(map(str, STDLIB_ADDED[name]))}"
            for name in sorted(imported_modules(tree))
            if STDLIB_ADDED.get(name, floor) > floor
        ]
    assert not too_new, too_new


def test_the_tools_check_for_the_declared_floor():
    floor = declared_floor()
    ruff = tomllib.loads((REPO / "ruff.toml").read_text())["target-version"]
    mypy = configparser.ConfigParser()
    mypy.read(REPO / "mypy.ini")
    assert ruff == f"py{floor[0]}{floor[1]}"
    assert mypy["mypy"]["python_version"] == f"{floor[0]}.{floor[1]}"
    assert f"Python {floor[0]}.{floor[1]}+" in (REPO / "README.md").read_text()
