"""Which failures of the database may pass (``is_transient``): the same work tried again later may
succeed, so a transport whose platform re-delivers (Telegram's webhook) refuses the delivery instead of
answering it, and the writer tries a batch again.

Transient: the database could not be reached or the connection dropped (PostgreSQL refusing or
terminating connections, an administrator's or a crash's shutdown, too many connections), a race lost
to another transaction (serialization failure, deadlock, a lock not available; SQLite's "database is
locked"), or the machine under it failing for a while (SQLite's "disk I/O error", a full disk, the file
that cannot be opened or written: a read-only mount or file). Not transient: everything else, above all a schema or a statement the database
does not know (no such table or column, a syntax error): trying again only delays the error.
"""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy.exc import DBAPIError

# SQLite's primary result codes that may pass (https://www.sqlite.org/rescode.html); an extended code
# (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT...) carries its primary code in the low 8 bits.
_SQLITE_TRANSIENT = frozenset({
    5,   # SQLITE_BUSY: another connection holds the lock ("database is locked")
    6,   # SQLITE_LOCKED: a table is locked ("database table is locked")
    7,   # SQLITE_NOMEM
    8,   # SQLITE_READONLY: "attempt to write a readonly database" (a read-only mount or file, until fixed)
    10,  # SQLITE_IOERR: "disk I/O error"
    13,  # SQLITE_FULL: "database or disk is full"
    14,  # SQLITE_CANTOPEN: "unable to open database file" (the opening of a connection)
    15,  # SQLITE_PROTOCOL: "locking protocol"
})
# The same codes' messages (sqlite3_errstr), for an exception made without its code.
_SQLITE_TRANSIENT_TEXTS = ("database is locked", "attempt to write a readonly database", "database table is locked",
                           "out of memory", "disk I/O error",
                           "database or disk is full", "unable to open database file", "locking protocol")

# PostgreSQL's SQLSTATE classes and codes that may pass (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_PG_TRANSIENT_CLASSES = ("08",  # connection exception
                         "40",  # transaction rollback: serialization failure 40001, deadlock detected 40P01
                         "53",  # insufficient resources: disk full, out of memory, too many connections
                         "57",  # operator intervention: admin/crash shutdown, cannot connect now, query canceled
                         "58")  # system error: I/O error
_PG_TRANSIENT_CODES = frozenset({"55P03"})  # lock not available
_PG_LASTING_CODES = frozenset({"57P04"})  # database dropped


def is_transient(exc: BaseException) -> bool:
    """A failure of the database that may pass (see the module). Nothing of the work was committed, so
    the same work may succeed when tried again. An error raised while handling such a failure counts too:
    SQLite rolls the whole transaction back on a full disk, and the savepoint's rollback that follows
    fails with "no such savepoint"."""
    seen: BaseException | None = exc
    for _ in range(5):  # the exception, what it was raised from or during, and so on
        if seen is None:
            return False
        if _transient(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if isinstance(exc.orig, BaseException) else exc
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF in _SQLITE_TRANSIENT
        return any(text in str(exc) for text in _SQLITE_TRANSIENT_TEXTS)
    return _pg_transient(exc)


def _pg_transient(exc: BaseException) -> bool:
    if not isinstance(exc, psycopg.Error):
        return False
    state = exc.sqlstate
    if state is None:  # the client's own: the connection was refused, timed out or closed under it
        return isinstance(exc, psycopg.OperationalError)
    if state in _PG_LASTING_CODES:
        return False
    return state in _PG_TRANSIENT_CODES or state[:2] in _PG_TRANSIENT_CLASSES
