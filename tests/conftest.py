"""Shared fixtures: a fresh database per test on SQLite and, when reachable, on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PG_URL = os.environ.get("DUTYDESK_TEST_PG")


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


@contextlib.contextmanager
def pg_schema() -> Iterator[str]:
    """A new schema in the PostgreSQL test database, dropped afterwards: its URL sets the search_path
    (libpq ``options``), so every connection of every process given the URL works in it."""
    assert PG_URL
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


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
