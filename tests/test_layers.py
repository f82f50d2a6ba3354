"""The layers import downwards only: bot → integrations → commands → storage (the domain knows no SQL,
no chat, no process). A forbidden import anywhere in a module (even inside a function) fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "storage": {"commands", "integrations", "bot"},
    "commands": {"integrations", "bot"},
    "integrations": {"bot"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_does_not_import_the_layers_above_it(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if _imports(path) & FORBIDDEN[package]
    }
    assert offenders == {}


@pytest.mark.parametrize("package", [*sorted(FORBIDDEN), "bot"])
def test_the_package_never_imports_the_tests(package: str) -> None:
    """The demo runs the simulated systems from the package (integrations/simulators/); the tests may use
    them, never the other way round."""
    assert [str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py") if "tests" in _imports(p)] == []
