"""The package's layers, read from the source with ``ast`` (nothing is imported): evaluation never
reaches into training, and only the web app and the command line know about the web app."""

from __future__ import annotations

import ast
from pathlib import Path

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


def test_evaluation_does_not_import_training() -> None:
    assert offenders("facexai.evaluation", "facexai.training") == []


def test_only_the_web_app_and_the_commands_import_the_web_app() -> None:
    assert offenders("facexai", "facexai.api", allowed=("facexai.api", "facexai.commands")) == []


def test_the_explainers_stand_alone() -> None:
    """facexai.explain knows models only as Keras graphs: not the registry, the service or training."""
    found = {
        f"{module} imports {name}"
        for module, names in imports().items()
        if within(module, "facexai.explain")
        for name in names
        if within(name, "facexai") and not within(name, "facexai.explain")
    }
    assert found == set()


def test_the_domain_does_not_import_the_command_line_or_training() -> None:
    service = ("facexai.analysis", "facexai.registry", "facexai.store", "facexai.pictures", "facexai.comparison")
    for layer in ("facexai.commands", "facexai.training", "facexai.evaluation"):
        assert [o for o in offenders("facexai", layer) if o.split()[0] in service] == [], layer
