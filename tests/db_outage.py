"""A database that stops answering for a while, injected where the driver meets SQLAlchemy.

While ``database_outage(engine)`` is active, every transaction the engine begins fails with the
``OperationalError`` SQLAlchemy raises when the server has gone away (PostgreSQL restarting, a dropped
connection) or SQLite's file is locked by another process — so the desk's writer retries, gives up, and
the command fails as it would in production. Nothing of our own code is replaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError


@contextmanager
def database_outage(engine: Engine) -> Iterator[list[str]]:
    """Yields the list of refused transaction starts (one entry each), to show the outage was hit."""
    refused: list[str] = []
    driver = engine.dialect.loaded_dbapi
    reason = ("database is locked" if engine.dialect.name == "sqlite"
              else "server closed the connection unexpectedly")

    def refuse(conn: Any) -> None:
        refused.append(reason)
        raise OperationalError("BEGIN", None, driver.OperationalError(reason))

    event.listen(engine, "begin", refuse, insert=True)
    try:
        yield refused
    finally:
        event.remove(engine, "begin", refuse)
