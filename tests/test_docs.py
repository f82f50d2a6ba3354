"""The README and docs/*.md name only things that exist: every repository path (``commands/desk/desk.py``,
``integrations/simulators/``), every dotted module of ours (``commands.incidents.actions.register_reports``) and
every relative Markdown link. A module moved or removed without its docs fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
TOP = ("bot", "commands", "integrations", "storage", "tests", "bench", "docs", "examples", "deploy", "bin")

# A path of the repository: starts with one of its top folders (or .ci), names a file (with its extension,
# a glob allowed) or a folder (ending in "/"); "commands/s" in a rate is neither.
_TOPS = "|".join(TOP)
PATH = re.compile(rf"(?<![\w./~<{{-])(?:\./)?((?:{_TOPS}|\.ci)/[\w./*-]*[\w/*])")
# A dotted name of our code: commands.incidents.actions.register_reports, storage.outbox.in_doubt_since.
DOTTED = re.compile(r"(?<![\w./-])((?:bot|commands|integrations|storage)(?:\.[A-Za-z_]\w*)+)")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _text(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


def _missing_paths(text: str) -> list[str]:
    missing = []
    for match in PATH.finditer(text):
        path = match.group(1).rstrip(".")
        if not (path.endswith("/") or "." in path.rsplit("/", 1)[-1] or path in ("bin/test", "bin/dutydesk", ".ci/run")):
            continue
        if not ((ROOT / path).exists() if "*" not in path else any(ROOT.glob(path))):
            missing.append(path)
    return missing


def _resolves(dotted: str) -> bool:
    """Whether the first two or more parts name a module or package of ours, and the next part, if any, a
    name that module defines (a function, a class, an assignment) or imports."""
    parts = dotted.split(".")
    for n in range(len(parts), 1, -1):
        base = ROOT.joinpath(*parts[:n])
        module = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if module.is_file():
            if n == len(parts):
                return True
            name, source = parts[n], module.read_text(encoding="utf-8")
            return _defines(source, name) or re.search(rf"^class {name}\b|^from \S+ import .*\b{name}\b",
                                                       source, re.M) is not None
    return False


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_a_doc_names_exists(doc: Path) -> None:
    assert _missing_paths(_text(doc)) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_a_doc_names_exists(doc: Path) -> None:
    assert [d for d in DOTTED.findall(_text(doc)) if not _resolves(d)] == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_of_a_doc_exists(doc: Path) -> None:
    targets = [t.split("#")[0] for t in LINK.findall(_text(doc)) if not re.match(r"[a-z]+:", t)]
    assert [t for t in targets if t and not (doc.parent / t).exists()] == []


def test_the_checks_catch_a_moved_module() -> None:
    """The checks themselves: a path, a module and a link that do not exist are found."""
    assert _missing_paths("see `commands/no_such_module.py` and `integrations/chat/`") == ["commands/no_such_module.py"]
    assert _missing_paths("`bot/no_such_dir/`, `tests/integrations/chat/test_nothing_*.py`, 20 commands/s") == [
        "bot/no_such_dir/", "tests/integrations/chat/test_nothing_*.py"]
    assert not _resolves("commands.no_such_module.function")
    assert _resolves("commands.domain.calendar.local_to_utc")
    assert not _resolves("commands.domain.calendar.no_such_function")
    assert _missing_paths("`/etc/dutydesk/env`, `~/.pgpass`, `<data_dir>/backups/x`, https://example.com/bot/x") == []
    assert _has_member("Desk", "handle") and not _has_member("Desk", "no_such_method")


_CODE = [p for top in ("bot", "commands", "integrations", "storage") for p in (ROOT / top).rglob("*.py")]
MEMBER = re.compile(r"`([A-Z]\w*)\.([a-z_]\w*)`")
FUNCTION = re.compile(r"`([a-z_]\w*)\.([a-z_]\w*)`")


def _defines(source: str, name: str) -> bool:
    return re.search(rf"^\s*(?:async\s+)?def {name}\b|^\s*{name}\s*[:=]|self\.{name}\s*[:=]", source, re.M) is not None


def _has_member(cls: str, member: str) -> bool:
    """Whether some module of ours defines class ``cls`` with ``member`` (a method or an attribute)."""
    for path in _CODE:
        source = path.read_text(encoding="utf-8")
        if re.search(rf"^class {cls}\b", source, re.M) and _defines(source, member):
            return True
    return False


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_class_member_a_doc_names_exists(doc: Path) -> None:
    """`Desk.handle`, `Outbox.put_many`: the class is ours and has that method or attribute."""
    named = set(MEMBER.findall(_text(doc)))
    ours = {(c, m) for c, m in named if any(re.search(rf"^class {c}\b", p.read_text(encoding="utf-8"), re.M)
                                            for p in _CODE)}
    assert sorted(f"{c}.{m}" for c, m in ours if not _has_member(c, m)) == []


def test_every_function_the_architecture_names_exists() -> None:
    """`notify.card_message`, `escalation.advance`: a module of that name defines that function."""
    missing = []
    for module, function in FUNCTION.findall(_text(ROOT / "docs" / "architecture.md")):
        if module == "py" or function == "py":
            continue
        files = [p for p in _CODE if p.stem == module]
        if files and not any(_defines(p.read_text(encoding="utf-8"), function) for p in files):
            missing.append(f"{module}.{function}")
    assert missing == []


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    """The README's quick start gives two commands; CI (.ci/run) runs the test one, exactly."""
    readme = _text(ROOT / "README.md")
    block = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["./bin/dutydesk demo", "./bin/test"]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))]
    assert ci == [commands[1]]
