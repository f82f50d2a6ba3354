"""The database: engines, migrations, and the group-committing writer.

Every change to the register goes through ``Database.write(unit)``. A single writer thread takes the
units waiting in its queue, runs each inside its own SAVEPOINT of one transaction, commits once, and only
then answers every caller. Concurrent reports therefore share one fsync (group commit) while each keeps
all-or-nothing semantics: a unit that raises is rolled back to its savepoint — including the control
number it allocated — and the others still commit. Nobody is answered before the commit.

A unit may also come as one item of a bulk handler (``write(..., bulk=(handler, item))``): on the fast
path, consecutive jobs of the same handler run as one call with all their items, so a batch of reports
costs one statement per table instead of one per report and table (bench/intake.py).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from storage.db_errors import is_transient
from storage.outbox_notify import NOTIFY
from storage.retry import Backoff

log = logging.getLogger(__name__)
T = TypeVar("T")
# Runs several jobs' items in one go and returns one result per item, in order.
BulkHandler = Callable[[Session, list[Any]], list[Any]]
DEFAULT_URL = "sqlite:///dutydesk.db"


def normalise_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)
    _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    # Instants come back in the session's time zone. In UTC, psycopg gives them datetime.UTC, which our
    # UTC columns take as they are (storage/types.py); in the server's default (often 'Etc/UTC' or a local
    # zone) each value would be converted, 0.6 µs apiece: a monthly protocol reads ~600,000. No query of
    # ours depends on the session's zone. SET is transactional: committed, or the pool's rollback undoes it.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
        dbapi_conn.commit()


def _configure_sqlite(engine: Engine) -> None:
    # WAL lets readers run beside the writer; synchronous=FULL makes every commit durable across power
    # loss, not only across a crash of the process: the register is evidence. BEGIN IMMEDIATE takes the
    # write lock at the start of a transaction, so the counter read-modify-write cannot interleave.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's events below issue BEGIN
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


_FAST = "dutydesk_fast_path"
_QUEUED = "dutydesk_outbox_queued"


def note_queued(session: Session) -> None:
    """Tell the writer that this transaction puts messages in the outbox: after its commit the
    writer wakes whoever listens (``Database.on_queued``: the dispatcher), so they leave at once."""
    session.info[_QUEUED] = True


def on_fast_path(session: Session) -> bool:
    """True in the writer's first attempt at a batch, where a unit may leave a rare case (a repeated
    delivery id) to a constraint: its violation makes the writer redo the batch the careful way."""
    return bool(session.info.get(_FAST, False))


class Refused(Exception):
    """A unit of work declined to do anything (bad input, not allowed): roll back just that unit."""


@dataclass
class _Job:
    unit: Callable[[Session], Any]
    future: concurrent.futures.Future[Any] | None = None  # a thread waits on this...
    waiter: asyncio.Future[Any] | None = None  # ...or a coroutine on this
    savepoint: bool = True  # False: the unit never refuses after writing, the fast path may skip it
    bulk: tuple[BulkHandler, Any] | None = None  # the same work as ``unit``, as an item of a handler


def _settle(outcomes: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for fut, ok, value in outcomes:
        if fut.cancelled():
            continue
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)


class _Stop:
    pass


def _bulk_group(batch: list[_Job], start: int) -> list[_Job]:
    """The jobs from ``start`` on that share its bulk handler, without a job of another kind between."""
    handler = _handler(batch[start])
    end = start + 1
    while end < len(batch) and _handler(batch[end]) is handler:
        end += 1
    return batch[start:end]


def _handler(job: _Job) -> BulkHandler | None:
    return job.bulk[0] if job.bulk is not None else None


class Database:
    """Owns the engine, the writer thread and a pool of readers."""

    def __init__(self, url: str = DEFAULT_URL, *, batch_max: int = 256, reader_threads: int = 2,
                 retry: Backoff | None = None) -> None:
        self.url = normalise_url(url)
        # a batch the database refused for a passing reason is tried again after a wait (storage/retry.py);
        # still failing, its callers get the error (the desk then keeps a report in its journal)
        self.retry = retry or Backoff()
        self.engine = make_engine(self.url)
        self.batch_max = batch_max
        self.reader_threads = reader_threads
        self._readers: concurrent.futures.ThreadPoolExecutor | None = None
        self._queue: queue.Queue[_Job | _Stop] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        self.commits = 0  # how many transactions the writer committed (for the benchmarks)
        # called in the writer thread after a commit that queued outbox messages (note_queued)
        self._queued_listeners: list[Callable[[], None]] = []
        self.units = 0
        self._connection: Connection | None = None  # the writer's own, held between its transactions
        self._reader = threading.local()  # PostgreSQL: each reader thread's connection, held between reads
        self._held: list[Connection] = []  # those connections, closed with the database

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- schema ---------------------------------------------------------------------------------
    def upgrade(self) -> None:
        from storage.migrate import upgrade

        upgrade(self.engine)

    # -- writing --------------------------------------------------------------------------------
    def start_writer(self) -> None:
        """Start the writer thread now rather than at the first write (so readiness can watch it)."""
        self._ensure_writer()

    @property
    def writer_alive(self) -> bool:
        return self._writer is not None and self._writer.is_alive()

    def _ensure_writer(self) -> None:
        writer = self._writer
        if writer is not None and writer.is_alive():  # every write asks: no lock for the usual answer
            return
        with self._lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_loop, name="dutydesk-writer", daemon=True)
                self._writer.start()

    def on_queued(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (in the writer thread, so it must only hand over, e.g. with
        ``loop.call_soon_threadsafe``) after each commit that put messages in the outbox; returns
        the function that removes it."""
        self._queued_listeners.append(listener)
        return lambda: self._queued_listeners.remove(listener) if listener in self._queued_listeners else None

    def _tell_queued(self) -> None:
        for listener in list(self._queued_listeners):
            try:
                listener()
            except Exception:  # a listener gone wrong must not stop the writer
                log.exception("writer: an outbox listener failed")

    def submit(self, unit: Callable[[Session], T], *, savepoint: bool = False,
               bulk: tuple[BulkHandler, Any] | None = None) -> concurrent.futures.Future[T]:
        """``write`` for a thread: the future is set after the commit."""
        self._ensure_writer()
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._queue.put(_Job(unit, future=fut, savepoint=savepoint and bulk is None, bulk=bulk))
        return fut

    async def write(self, unit: Callable[[Session], T], *, savepoint: bool = False,
                    bulk: tuple[BulkHandler, Any] | None = None) -> T:
        """Run ``unit`` in the writer's next transaction. ``savepoint=True``: the unit may refuse
        (``Refused``) after it wrote something, and the fast path wraps it in a SAVEPOINT so that the
        refusal rolls back alone. Without it, any failure of the unit, a refusal too, sends the batch
        the careful way (every unit in its own savepoint): as safe, and cheaper for units that do not
        refuse — a savepoint is two round trips to PostgreSQL per unit.

        ``bulk=(handler, item)``: ``handler(session, [item])[0]`` does what ``unit`` does, and the
        fast path runs the items of consecutive jobs with the same handler in one call. It implies
        ``savepoint=False``: any failure of the call sends the whole batch the careful way, where
        every job runs its ``unit`` alone in its savepoint."""
        self._ensure_writer()
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put(_Job(unit, waiter=waiter, savepoint=savepoint and bulk is None, bulk=bulk))
        return await waiter

    def write_sync(self, unit: Callable[[Session], T]) -> T:
        return self.submit(unit).result()

    def _write_loop(self) -> None:
        try:
            self._write_jobs()
        finally:
            self._drop_connection(invalidate=False)

    def _writer_connection(self) -> Connection:
        """The writer's connection, kept from one transaction to the next: checking one out of the pool
        for every batch cost a ping and a reset, four round trips on PostgreSQL (a round trip costs the
        writer the interpreter too: bench/latency.py). A batch that fails drops it, so the next one checks
        out a fresh connection, pinged (``pool_pre_ping``) as every other."""
        if self._connection is None or self._connection.closed or self._connection.invalidated:
            self._connection = self.engine.connect()
        return self._connection

    def _drop_connection(self, *, invalidate: bool) -> None:
        conn, self._connection = self._connection, None
        if conn is None:
            return
        try:
            if invalidate:  # it may be broken: not back to the pool
                conn.invalidate()
            conn.close()
        except Exception:  # already unusable: nothing to hand back
            log.debug("writer: dropping the connection failed", exc_info=True)

    def _write_jobs(self) -> None:
        while True:
            first = self._queue.get()
            if isinstance(first, _Stop):
                return
            batch = [first]
            stop = False
            while len(batch) < self.batch_max:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(nxt, _Stop):
                    stop = True
                    break
                batch.append(nxt)
            self._run_batch(batch)
            if stop:
                return

    def _run_batch(self, batch: list[_Job]) -> None:
        attempts = max(1, self.retry.attempts)
        for attempt in range(attempts):
            try:
                results, queued = self._attempt(batch, fast=True)
                if results is None:  # a unit failed inside the database: redo with ORM savepoints
                    results, queued = self._attempt(batch, fast=False)
                    assert results is not None
                self.commits += 1
                self.units += len(batch)
            except Exception as exc:  # the commit itself failed: nobody's unit is stored
                self._drop_connection(invalidate=True)
                if is_transient(exc):
                    # Lost a race for the database (another process holds the lock, or a serialization
                    # failure on PostgreSQL): nothing of this batch was committed, so it can run again.
                    log.warning("write batch failed (attempt %d of %d): %s", attempt + 1, attempts, exc)
                    if attempt < attempts - 1:
                        self.retry.wait(attempt + 1)
                        continue
                self._answer([(job, False, exc) for job in batch])
                return
            if queued:  # committed: the dispatcher looks now, not at its next tick
                self._tell_queued()
            self._answer(results)
            return

    def _attempt(self, batch: list[_Job], *, fast: bool) -> tuple[list[tuple[_Job, bool, Any]] | None, bool]:
        """Run the batch in one transaction, each unit in a savepoint, and commit.

        The fast way issues SAVEPOINT/RELEASE on the cursor (the ORM's nested transactions cost more
        than a whole report); it handles a ``Refused`` unit, which raises before it writes anything
        the session still holds. Any other failure returns None without committing, and the batch is
        run again the careful way, with the ORM's ``begin_nested`` around each unit. The flag says
        whether the transaction put messages in the outbox (``note_queued``).
        """
        results: list[tuple[_Job, bool, Any]] = []
        with Session(self._writer_connection(), expire_on_commit=False) as session, session.begin():
            session.info[_FAST] = fast
            cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            skip_to = 0
            for index, job in enumerate(batch):
                if index < skip_to:  # ran in the bulk call of an earlier job
                    continue
                if fast and job.bulk is not None:
                    group = _bulk_group(batch, index)
                    try:
                        values = job.bulk[0](session, [j.bulk[1] for j in group if j.bulk is not None])
                        session.flush()
                    except Exception:
                        session.rollback()
                        return None, False
                    results.extend((j, True, v) for j, v in zip(group, values, strict=True))
                    skip_to = index + len(group)
                    continue
                if not fast:
                    try:
                        with session.begin_nested():
                            results.append((job, True, job.unit(session)))
                    except Exception as exc:  # the unit is rolled back to its savepoint alone...
                        if is_transient(exc):  # ...unless the database failed it: the batch is tried again
                            raise
                        results.append((job, False, exc))
                    continue
                if not job.savepoint:  # no statement spent on a savepoint (the report path)
                    try:
                        value = job.unit(session)
                        session.flush()
                    except Exception:  # even a refusal: redo the batch the careful way
                        session.rollback()
                        return None, False
                    results.append((job, True, value))
                    continue
                cursor.execute("SAVEPOINT unit")
                try:
                    value = job.unit(session)
                    session.flush()
                except Refused as exc:
                    cursor.execute("ROLLBACK TO SAVEPOINT unit")
                    cursor.execute("RELEASE SAVEPOINT unit")
                    session.expunge_all()  # forget what the refused unit loaded or touched
                    results.append((job, False, exc))
                    continue
                except Exception:
                    session.rollback()
                    return None, False
                cursor.execute("RELEASE SAVEPOINT unit")
                results.append((job, True, value))
            queued = bool(session.info.get(_QUEUED, False))
            if queued and self.dialect == "postgresql":  # delivered to the other replicas on commit only
                cursor.execute(NOTIFY)
        return results, queued

    @staticmethod
    def _answer(results: list[tuple[_Job, bool, Any]]) -> None:
        """Wake the waiters after the commit: one call into each event loop per batch, not per job
        (a cross-thread wake-up costs a syscall)."""
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
        for job, ok, value in results:
            if job.future is not None:
                if ok:
                    job.future.set_result(value)
                else:
                    job.future.set_exception(value)
            elif job.waiter is not None:
                by_loop.setdefault(job.waiter.get_loop(), []).append((job.waiter, ok, value))
        for loop, outcomes in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, outcomes)
            except RuntimeError:  # the loop is closed: its callers are gone
                log.warning("writer: %d answers for a closed event loop dropped", len(outcomes))

    # -- reading --------------------------------------------------------------------------------
    def read_sync(self, query: Callable[[Session], T]) -> T:
        with Session(self.engine, expire_on_commit=False) as session:
            if self.dialect == "sqlite":  # readers must not take the write lock
                session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            return query(session)

    async def read(self, query: Callable[[Session], T]) -> T:
        """Run ``query`` on one of a few reader threads. Few on purpose: every thread competes with the
        writer for the interpreter, and on PostgreSQL the writer gives it up at each of a report's round
        trips — with the default pool (six threads here) reports waited 2–4 s under load, with two they
        wait tens of milliseconds and reads go faster too (bench/load.py, docs/performance.md)."""
        with self._lock:
            if self._readers is None:
                self._readers = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self.reader_threads, thread_name_prefix="dutydesk-reader")
        run = self._read_held if self.dialect == "postgresql" else self.read_sync
        return await asyncio.get_running_loop().run_in_executor(self._readers, run, query)

    def _read_held(self, query: Callable[[Session], T]) -> T:
        """``read_sync`` on a reader thread's own connection, kept from one read to the next: a checkout
        from the pool pings the server first (three round trips on PostgreSQL) and resets it after. The
        session still ends its transaction (a ROLLBACK: no snapshot is held between reads). A held
        connection the server dropped (a restart, a failover) is found by the read itself: SQLAlchemy
        invalidates it, and the read — it changes nothing — runs again once on a freshly checked-out,
        pinged connection."""
        for retry in (False, True):
            conn: Connection | None = getattr(self._reader, "connection", None)
            fresh = conn is None or conn.closed or conn.invalidated
            if conn is None or fresh:
                conn = self._reader.connection = self.engine.connect()
                with self._lock:
                    self._held = [c for c in self._held if not c.closed] + [conn]
            try:
                with Session(conn, expire_on_commit=False) as session:
                    return query(session)
            except DBAPIError as exc:
                if fresh or retry or not exc.connection_invalidated:
                    raise
                self._reader.connection = None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self._readers is not None:
            self._readers.shutdown(wait=True)
        with self._lock:
            held, self._held = self._held, []
        for conn in held:  # the reader threads have ended
            try:
                conn.close()
            except Exception:  # already unusable: nothing to hand back
                log.debug("closing a reader's connection failed", exc_info=True)
        if self._writer is not None and self._writer.is_alive():
            self._queue.put(_Stop())
            self._writer.join(timeout=30)
        self.engine.dispose()


def sqlite_path(url: str) -> Path | None:
    url = normalise_url(url)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///") :])
    return None
