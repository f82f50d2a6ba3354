"""Across replicas on PostgreSQL: a commit that queued outbox messages sends ``NOTIFY dutydesk_outbox``
(the writer issues it inside the transaction, so PostgreSQL delivers it only if the commit succeeds), and
each process listens on its own connection and wakes its dispatcher. The claim stays what it is
(``FOR UPDATE SKIP LOCKED`` and a lease): a notification only says "look now"; a lost one (a dropped
connection) costs at most the dispatcher's safety-net period."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import URL

log = logging.getLogger(__name__)
CHANNEL = "dutydesk_outbox"
NOTIFY = f"NOTIFY {CHANNEL}"


def libpq_url(url: URL) -> str:
    """The SQLAlchemy URL as psycopg takes it (``postgresql://…``, query options such as a search_path kept)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class OutboxListener:
    """A thread that calls ``wake`` for every notification on ``CHANNEL`` (and once after each
    (re)connection: something may have been queued while it was not listening)."""

    def __init__(self, url: URL, wake: Callable[[], None], *, poll: float = 0.5, retry: float = 2.0) -> None:
        self.dsn = libpq_url(url)
        self.wake = wake
        self.poll, self.retry = poll, retry
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dutydesk-outbox-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.wake()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=self.poll):
                            self.wake()
            except Exception as exc:  # the database restarted, the connection dropped: listen again
                log.warning("outbox listener: %s: %s; listening again in %gs", type(exc).__name__, exc, self.retry)
                self._stop.wait(self.retry)
