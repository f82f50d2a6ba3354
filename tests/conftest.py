"""Shared fixtures: a fresh database per test on SQLite and, when reachable, on PostgreSQL."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.file_clock import write_clock_file
from tests.netguard import install as install_netguard
from tests.pgschema import temporary_schema

if TYPE_CHECKING:
    from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PG_URL = os.environ.get("DUTYDESK_TEST_PG")

# The instant every real ``dutydesk`` process under test lives at unless its test moves it: Monday
# 2026-11-23 10:00 in Sofia, the week examples/noi.toml puts petar on call as primary and georgi as secondary.
PROCESS_T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
# The suite's default: every process a test starts and every in-process CLI run (both read the clock from
# DUTYDESK_CLOCK_FILE) lives at PROCESS_T0 unless its test pins another instant, so none can lean on today.
_DEFAULT_CLOCK_DIR = Path(tempfile.mkdtemp(prefix="dutydesk-test-clock-"))
atexit.register(shutil.rmtree, _DEFAULT_CLOCK_DIR, True)
write_clock_file(_DEFAULT_CLOCK_DIR / "clock", PROCESS_T0)
os.environ["DUTYDESK_CLOCK_FILE"] = str(_DEFAULT_CLOCK_DIR / "clock")


# No test contacts an address outside this machine: an audit hook on the test process refuses (and
# records) every socket connect, sendto and name lookup that leaves 127.0.0.0/8 (tests/netguard.py); the
# session fails if anything was recorded, even where a test swallowed the error. Real processes under test
# get the same guard through ``python -m tests.netguard`` where a test asks for it.
_NETGUARD_LOG = _DEFAULT_CLOCK_DIR / "netguard.log"
_NETGUARD_LOG.write_text("", encoding="utf-8")
install_netguard(str(_NETGUARD_LOG))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    tried = _NETGUARD_LOG.read_text(encoding="utf-8") if _NETGUARD_LOG.exists() else ""
    if tried:
        print(f"\nnetguard: tests tried to contact addresses outside 127.0.0.0/8:\n{tried}")
        session.exitstatus = 1


def pinned_clock(tmp_path: Path, at: datetime = PROCESS_T0) -> dict[str, str]:
    """The environment entry that gives a real process under test its own clock file, set to ``at``."""
    path = tmp_path / "process-clock"
    write_clock_file(path, at)
    return {"DUTYDESK_CLOCK_FILE": str(path)}


@pytest.fixture
def pinned_environment_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that run ``bot.cli.run`` or ``build_app`` in the test process: the clock they read from
    the environment is pinned at PROCESS_T0, like a process's."""
    for key, value in pinned_clock(tmp_path).items():
        monkeypatch.setenv(key, value)


def _backends() -> list[object]:
    params: list[object] = ["sqlite"]
    params.append(pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason="PostgreSQL not reachable")))
    return params


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a new SQLite file, or a new schema in the PostgreSQL test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
        return
    with pg_schema() as url:
        yield url


def pg_schema() -> contextlib.AbstractContextManager[str]:
    """A new schema in the PostgreSQL test database, dropped afterwards."""
    assert PG_URL
    return temporary_schema(PG_URL, "t")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A migrated database (SQLite, and PostgreSQL when reachable), closed afterwards."""
    from storage.db import Database

    database = Database(db_url)
    database.upgrade()
    yield database
    database.close()


@pytest.fixture
def noi_config():  # type: ignore[no-untyped-def]
    from bot.settings import load_config

    return load_config(EXAMPLES / "noi.toml")


@pytest.fixture
def hgp_config():  # type: ignore[no-untyped-def]
    from bot.settings import load_config

    return load_config(EXAMPLES / "hgp.toml")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
