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


# -- pure rules and import cycles -------------------------------------------------------------------
OURS = ("bot", "commands", "integrations", "storage")
# Outside libraries a pure rule may never reach: the database, HTTP, the chat platforms' SDKs.
IMPURE_LIBRARIES = {"sqlalchemy", "sqlmodel", "psycopg", "alembic", "httpx", "aiohttp", "slack_bolt",
                    "slack_sdk", "telegram"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _targets(path: Path) -> set[str]:
    """Every module of ours that ``path`` imports, anywhere in it (top, function, TYPE_CHECKING), and the
    top-level names of the outside libraries it imports."""
    here = _module_name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*here[: len(here) - node.level + 1], *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if base.split(".")[0] in OURS and _is_module(sub) else base)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for top in OURS for p in (ROOT / top).rglob("*.py")}
    return {name: _targets(path) for name, path in modules.items()}


def _is_pure(module: str) -> bool:
    """Pure rules live in ``commands/domain/`` (shared) and each capability's ``domain/``."""
    parts = module.split(".")
    return parts[0] == "commands" and "domain" in parts[1:]


def test_pure_rules_import_no_database_http_chat_or_use_case() -> None:
    """A pure rule imports no database, HTTP or chat library, and of our own modules only other pure ones
    (so it reaches none of them indirectly either)."""
    offenders: dict[str, list[str]] = {}
    for module, targets in _graph().items():
        if not _is_pure(module):
            continue
        bad = [t for t in targets if t.split(".")[0] in IMPURE_LIBRARIES
               or (t.split(".")[0] in OURS and not _is_pure(t) and t not in ("commands", "commands.domain"))]
        if bad:
            offenders[module] = sorted(bad)
    assert offenders == {}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
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


def test_no_import_cycles_among_our_modules() -> None:
    """Counted are all imports, also those inside a function or under TYPE_CHECKING: a circle hidden there
    is still a circle a reader has to untangle."""
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
