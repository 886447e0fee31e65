"""The package's layers, read from the source with ``ast`` (nothing is imported): evaluation never
reaches into training, and only the web app and the command line know about the web app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "backend" / "facexai"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (also inside functions and TYPE_CHECKING)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - (node.level - 1)])
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from facexai import api`
    return found


def imports() -> dict[str, set[str]]:
    modules = {module_name(p): imported(p) for p in sorted(PACKAGE.rglob("*.py"))}
    assert len(modules) > 20 and "facexai.evaluation.evaluate" in modules  # the walk found the package
    return modules


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def offenders(importer: str, target: str, allowed: tuple[str, ...] = ()) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in imports().items()
        if within(module, importer) and not any(within(module, a) for a in allowed)
        for name in names
        if within(name, target)
    )


def test_the_walk_sees_imports_inside_functions() -> None:
    # facexai.commands.evaluate imports facexai.evaluation only inside its run function
    assert "facexai.evaluation.evaluate" in imports()["facexai.commands.evaluate"]


#: every folder of the package and what it may import of facexai besides itself (docs/architecture.md)
LAYERS: dict[str, set[str]] = {
    "facexai.core": set(),
    "facexai.explain": {"facexai.core"},
    "facexai.models": {"facexai.explain", "facexai.core"},
    "facexai.service": {"facexai.models", "facexai.explain", "facexai.core"},
    "facexai.api": {"facexai.service", "facexai.models", "facexai.explain", "facexai.core"},
    "facexai.evaluation": {"facexai.models", "facexai.explain", "facexai.core"},
    "facexai.training": {"facexai.evaluation", "facexai.models", "facexai.explain", "facexai.core"},
    "facexai.commands": {
        "facexai.api",
        "facexai.service",
        "facexai.models",
        "facexai.explain",
        "facexai.core",
        "facexai.evaluation",
        "facexai.training",
    },
}


def layer_of(module: str) -> str | None:
    return next((layer for layer in LAYERS if within(module, layer)), None)


def test_every_module_lives_in_a_layer_folder() -> None:
    """The tree is the map: nothing but the package's own __init__ sits outside the layer folders."""
    outside = sorted(m for m in imports() if m != "facexai" and layer_of(m) is None)
    assert outside == []


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_imports_only_the_layers_below_it(layer: str) -> None:
    allowed = LAYERS[layer] | {layer}
    wrong = sorted(
        f"{module} imports {name}"
        for module, names in imports().items()
        if within(module, layer)
        for name in names
        if within(name, "facexai")
        and name != "facexai"
        and layer_of(name) not in allowed
        and not name.startswith("facexai.__")
    )
    assert wrong == []


def test_the_rules_forbid_what_the_docs_say() -> None:
    """The table itself: nothing imports upwards, the web app is known only to itself and the CLI."""
    assert all("facexai.api" not in deps for layer, deps in LAYERS.items() if layer != "facexai.commands")
    assert "facexai.training" not in LAYERS["facexai.evaluation"]
    assert LAYERS["facexai.core"] == set() and LAYERS["facexai.explain"] == {"facexai.core"}
