"""Whether the process should get traffic: the database answers, its schema is the code's, every chat
transport started, the writer thread lives, and no shutdown has begun.

A database outage alone does not take a desk with a journal out of traffic: it still takes every new
report (kept, the number following when the database is back) and answers every other command politely,
where a load balancer that dropped every replica would leave the reporters with a connection error (and
Slack's HTTP mode and Telegram's webhook with nowhere to deliver). Such a desk is *degraded*: ``/readyz``
answers 200 and names the problem; without a journal, or with a journal that is (nearly) full, it is
not ready (503)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import Session

from storage.db import Database
from storage.journal import Journal

log = logging.getLogger(__name__)
# A journal with less room than this is as good as full: the largest report (a 4,000-character
# description, JSON-escaped) takes up to ~25 KB
JOURNAL_ROOM = 64 * 1024


@dataclass
class Readiness:
    db: Database
    timeout: float = 3.0  # a database slower than this to say "1" is not ready
    expected_transports: list[str] = field(default_factory=list)
    started: set[str] = field(default_factory=set)
    shutting_down: bool = False
    journal: Journal | None = None  # reports kept while the database was away (said, not a refusal)
    # more of what is not ready, asked at each check: e.g. the e-mail channel's mailboxes (name → why)
    checks: list[Callable[[], dict[str, str]]] = field(default_factory=list)
    _scripts: ScriptDirectory | None = None

    async def verdict(self) -> tuple[str, dict[str, str]]:
        """"ready", "degraded" (only the database is away, and the journal takes the reports meanwhile) or
        "not ready", with what is not ready by name."""
        problems = await self.check()
        if not problems:
            return "ready", problems
        if (self.journal is not None and "database" in problems and set(problems) <= {"database", "journal"}
                and self.journal.room() >= JOURNAL_ROOM):
            return "degraded", problems
        return "not ready", problems

    async def check(self) -> dict[str, str]:
        """What is not ready, by name (empty = ready)."""
        problems: dict[str, str] = {}
        if self.shutting_down:
            problems["shutdown"] = "shutting down"
        try:
            current = await asyncio.wait_for(self.db.read(_select_one_and_revisions), self.timeout)
        except TimeoutError:
            problems["database"] = f"database unavailable (no answer within {self.timeout:g}s)"
        except Exception as exc:  # the driver's text names hosts and ports: the log has it, not the page
            log.warning("readiness: the database does not answer: %s: %s", type(exc).__name__, exc)
            problems["database"] = "database unavailable"
            if self.journal is not None and self.journal.pending():
                problems["journal"] = f"{self.journal.pending()} report(s) kept, waiting for the database"
        else:
            behind = self.schema_problem(current)
            if behind:
                problems["schema"] = behind
        missing = [name for name in self.expected_transports if name not in self.started]
        if missing:
            problems["transports"] = "not started: " + ", ".join(missing)
        if not self.db.writer_alive:
            problems["writer"] = "the writer thread is not running"
        for more in self.checks:
            problems.update(more())
        return problems

    def schema_problem(self, current: frozenset[str]) -> str | None:
        """Why the database's revisions are not the code's newest, or None. Areas' branches depend on
        the register's root, so "at head" means every revision of the scripts is applied, not that the
        stored heads equal the scripts' heads."""
        script = self._script()
        try:
            applied = {rev.revision for rev in script.revision_map.iterate_revisions(tuple(current), "base")}
        except Exception:  # a revision this code does not know: the database is newer than the code
            return f"unknown revision(s) {', '.join(sorted(current))}"
        missing = {rev.revision for rev in script.walk_revisions()} - applied
        return f"migrations not applied: {', '.join(sorted(missing))}" if missing else None

    def _script(self) -> ScriptDirectory:
        if self._scripts is None:  # read once: the code does not change while it runs
            from storage.migrate import alembic_config

            self._scripts = ScriptDirectory.from_config(alembic_config(self.db.engine))
        return self._scripts


def _select_one_and_revisions(session: Session) -> frozenset[str]:
    from alembic.runtime.migration import MigrationContext

    session.execute(text("SELECT 1")).one()
    return frozenset(MigrationContext.configure(session.connection()).get_current_heads())
