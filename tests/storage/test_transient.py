"""``is_transient``: which database failures may pass (the work is tried again: Telegram's webhook
answers 503 so Telegram delivers the update again) and which will not (a schema error: retrying only
delays the error). Every exception here is the real one the driver raises, provoked on a real database
and wrapped by SQLAlchemy as the desk sees it."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from storage.db_errors import is_transient
from tests.conftest import PG_URL, pg_schema

ROOT = Path(__file__).resolve().parents[2]


def _raised(engine: Engine, work: Callable[[Connection], object]) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        work(conn)
    return caught.value


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}", connect_args={"timeout": 0})
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v TEXT)"))
    yield engine
    engine.dispose()


@pytest.mark.parametrize("sql", [
    "SELECT * FROM no_such_table",
    "SELECT no_such_column FROM t",
    "INSERT INTO t (no_such_column) VALUES (1)",
    "SELEC 1",  # a syntax error
])
def test_a_schema_error_on_sqlite_is_not_transient(sqlite: Engine, sql: str) -> None:
    error = _raised(sqlite, lambda conn: conn.execute(text(sql)))
    assert type(error).__name__ == "OperationalError"  # sqlite3 calls all of them operational
    assert not is_transient(error), error
    assert not is_transient(error.orig)  # as the driver's own cursor raises it (storage/fastsql.py)


def test_a_locked_sqlite_database_is_transient(sqlite: Engine) -> None:
    with sqlite.connect() as holder:
        holder.exec_driver_sql("BEGIN IMMEDIATE")  # another process holds the write lock
        holder.exec_driver_sql("INSERT INTO t VALUES ('held')")
        other = create_engine(sqlite.url, connect_args={"timeout": 0})
        try:
            error = _raised(other, lambda conn: conn.execute(text("INSERT INTO t VALUES ('x')")))
        finally:
            other.dispose()
        holder.exec_driver_sql("ROLLBACK")
    assert "database is locked" in str(error.orig)
    assert is_transient(error)
    assert is_transient(error.orig)  # as the driver's own cursor raises it (storage/fastsql.py)


def test_a_full_sqlite_database_is_transient(sqlite: Engine) -> None:
    def fill(conn: Connection) -> None:
        conn.exec_driver_sql("PRAGMA max_page_count = 4")
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "x" * 100_000})

    error = _raised(sqlite, fill)
    assert getattr(error.orig, "sqlite_errorname", "") == "SQLITE_FULL", error
    assert is_transient(error)


IOERR = """
import resource, signal, sys
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from storage.db_errors import is_transient

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
engine = create_engine(f"sqlite:///{sys.argv[1]}")
with engine.begin() as conn:
    conn.execute(text("CREATE TABLE t (v TEXT)"))
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "x" * 200_000})
except DBAPIError as error:
    print(error.orig.sqlite_errorname, str(error.orig), is_transient(error))
"""


def test_a_sqlite_disk_io_error_is_transient(tmp_path: Path) -> None:
    """The file cannot grow (a file size limit, set in a child process so this one keeps its own)."""
    done = subprocess.run([sys.executable, "-c", IOERR, str(tmp_path / "x.db")], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.split(" ", 1) == ["SQLITE_IOERR_WRITE", "disk I/O error True\n"], done.stderr


def test_a_refused_postgresql_connection_is_transient() -> None:
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/test", connect_args={"connect_timeout": 5})
    try:
        error = _raised(engine, lambda conn: conn.execute(text("SELECT 1")))
    finally:
        engine.dispose()
    assert "Connection refused" in str(error.orig)
    assert is_transient(error)


needs_pg = pytest.mark.skipif(not PG_URL, reason="PostgreSQL not reachable")


@pytest.fixture
def pg() -> Iterator[Engine]:
    with pg_schema() as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)"))
            conn.execute(text("INSERT INTO t VALUES (1, 0), (2, 0)"))
        yield engine
        engine.dispose()


@needs_pg
@pytest.mark.parametrize(("sql", "code"), [
    ("SELECT * FROM no_such_table", "42P01"),
    ("SELECT no_such_column FROM t", "42703"),
    ("SELEC 1", "42601"),
])
def test_a_schema_error_on_postgresql_is_not_transient(pg: Engine, sql: str, code: str) -> None:
    error = _raised(pg, lambda conn: conn.execute(text(sql)))
    assert getattr(error.orig, "sqlstate", None) == code
    assert not is_transient(error)


@needs_pg
def test_a_terminated_postgresql_connection_is_transient(pg: Engine) -> None:
    """The server ends the session (an administrator, a restart): 57P01 admin_shutdown."""
    error = _raised(pg, lambda conn: conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())")))
    assert getattr(error.orig, "sqlstate", None) == "57P01"
    assert is_transient(error)


@needs_pg
def test_a_postgresql_serialization_failure_is_transient(pg: Engine) -> None:
    """Write skew between two SERIALIZABLE transactions: the second to commit fails with 40001."""
    serializable = pg.execution_options(isolation_level="SERIALIZABLE")
    with serializable.connect() as a, serializable.connect() as b:
        a.begin()
        b.begin()
        a.execute(text("SELECT sum(v) FROM t"))
        b.execute(text("SELECT sum(v) FROM t"))
        a.execute(text("UPDATE t SET v = 1 WHERE id = 1"))
        b.execute(text("UPDATE t SET v = 1 WHERE id = 2"))
        a.commit()
        with pytest.raises(DBAPIError) as caught:
            b.commit()
    assert getattr(caught.value.orig, "sqlstate", None) == "40001"
    assert is_transient(caught.value)


@needs_pg
def test_a_postgresql_deadlock_is_transient(pg: Engine) -> None:
    """Two transactions each wait for the row the other holds: the server aborts one with 40P01."""
    errors: list[DBAPIError] = []
    both_hold = threading.Barrier(2, timeout=30)

    def take(first: int, second: int) -> None:
        try:
            with pg.begin() as conn:
                conn.execute(text("SET LOCAL deadlock_timeout = '50ms'"))
                conn.execute(text("UPDATE t SET v = v + 1 WHERE id = :id"), {"id": first})
                both_hold.wait()
                conn.execute(text("UPDATE t SET v = v + 1 WHERE id = :id"), {"id": second})
        except DBAPIError as error:
            errors.append(error)

    threads = [threading.Thread(target=take, args=ids) for ids in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    [error] = errors
    assert getattr(error.orig, "sqlstate", None) == "40P01"
    assert is_transient(error)
