"""Statements of the report path, compiled once per dialect and run on the DBAPI cursor.

SQLAlchemy's per-execute bookkeeping costs about 0.1 ms a statement, which made the ORM/Core layers —
not the disk — the limit of intake (see bench/intake.py and docs/performance.md). The writer hands a
batch's reports over together (storage/db.py, commands.incidents.actions.register_reports), so each statement
here runs once per batch with all its rows. The SQL text and the column types' bind processors still
come from SQLAlchemy, so values are stored exactly as the rest of the code reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session

from storage.types import UTCDateTime, sqlite_utc_text


def connection(session: Session) -> Connection:
    """The session's connection, looked up once per transaction (the lookup itself costs ~40 µs)."""
    conn = session.info.get("fast_connection")
    if conn is None or conn.closed or not conn.in_transaction():
        conn = session.info["fast_connection"] = session.connection()
    return conn


class Prepared:
    def __init__(self, stmt: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None = None) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self.positional = bool(compiled.positional)
        self.order: list[str] = list(compiled.positiontup or [])
        self.result_processors: list[Callable[[Any], Any] | None] = [
            # dialect_impl: a TypeDecorator's processor for this dialect (SQLite stores datetimes as text)
            col.type.dialect_impl(dialect).result_processor(dialect, None)
            for col in getattr(stmt, "selected_columns", ())
        ]
        self.processors: dict[str, Callable[[Any], Any]] = {}
        self.literals: dict[str, Any] = {}  # values fixed in the statement itself
        for name, bind in compiled.binds.items():
            proc: Callable[[Any], Any] | None = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if isinstance(bind.type, UTCDateTime) and dialect.name == "sqlite":
                proc = sqlite_utc_text  # same text, one call instead of three
            if isinstance(bind.type, Boolean) and dialect.name == "sqlite":
                proc = None  # the driver stores True/False as 1/0 itself, as the processor would
            if proc is not None:
                self.processors[name] = proc
            if bind.value is not None:
                self.literals[name] = bind.effective_value
        # (name, processor or None) in the order of a positional statement's markers
        self._positions = [(k, self.processors.get(k)) for k in self.order]

    def params(self, values: Mapping[str, Any]) -> Any:
        procs = self.processors
        if self.literals:
            values = {**self.literals, **values}
        # NULL needs no conversion (most of an incident's timestamps are still empty)
        if self.positional:
            return tuple([v if (v := values[k]) is None or p is None else p(v) for k, p in self._positions])
        return {k: (procs[k](v) if v is not None and k in procs else v) for k, v in values.items()}

    def run(self, conn: Connection, values: Mapping[str, Any]) -> Any:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(self.sql, self.params(values))
        return cursor

    def rows(self, conn: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run a SELECT; values come back converted by the selected columns' types, as SQLAlchemy would."""
        raw = self.run(conn, values).fetchall()
        procs = self.result_processors
        return [tuple(p(v) if p else v for p, v in zip(procs, row, strict=True)) for row in raw]

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> Any:
        """One ``executemany``; the cursor's ``rowcount`` is the rows changed in all (both drivers). One
        row is one ``execute``: psycopg runs ``executemany`` in pipeline mode, several round trips to the
        server where a single row needs one."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        if len(rows) == 1:
            cursor.execute(self.sql, self.params(rows[0]))
        else:
            cursor.executemany(self.sql, [self.params(r) for r in rows])
        return cursor


class StatementCache:
    """One ``Prepared`` per (statement name, dialect)."""

    def __init__(self, builders: Mapping[str, Callable[[Dialect], Prepared]]) -> None:
        self._builders = builders
        self._prepared: dict[tuple[str, str], Prepared] = {}

    def get(self, name: str, dialect: Dialect) -> Prepared:
        key = (name, dialect.name)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = self._builders[name](dialect)
        return prepared
