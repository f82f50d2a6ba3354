"""What a command handler gets: the services of the desk and the facts of this one request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from sqlmodel import Session

from commands.backups.runtime import BackupRuntime
from commands.desk.directory import Actor, Directory
from commands.desk.reply import Reply, Request
from commands.domain.clock import Clock
from commands.domain.config import Config, CustomerConfig
from commands.domain.i18n.catalog import t
from commands.health.runtime import HealthRuntime
from storage.db import Refused

if TYPE_CHECKING:
    from commands.domain.calendar import BusinessCalendar
    from commands.oncall.domain.rotation import Schedule
    from commands.reports.documents import Document
    from commands.reports.protocol import MonthlyProtocol
    from storage.db import Database


class DeskError(Refused):
    """A refusal the user should read: a message id of the catalogue and its parameters."""

    def __init__(self, msgid: str, /, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


@dataclass
class Services:
    config: Config
    directory: Directory
    clock: Clock
    db: Database
    # Called after a change that may have made work due now (a new incident's first page): the process
    # wires it to run the sweeper at once; without it (tests, tools) the next tick finds the work.
    wake: Callable[[], None] | None = None
    # Turns a monthly protocol into a file's bytes (pdf, xlsx, csv, md, chart): an outbound adapter
    # (integrations/reports) the composition root hands in, so commands never import integrations.
    render_report: Callable[[MonthlyProtocol, str], bytes] | None = None
    # A service or maintenance protocol (commands/reports/documents.py) as a PDF: integrations/reports/protocol_pdf.py.
    render_document: Callable[[Document], bytes] | None = None
    # Where the web application is reached (DUTYDESK_PUBLIC_URL, e.g. https://desk.example.com): the base
    # of the sign-in links /web sends; None when the process serves no pages.
    web_url: str | None = None
    # The probes of /health and the scheduled checks, the backup drivers and store: built by the composition
    # root (bot/app.py) for a process that runs them; None where they do not run (the console, tools).
    health: HealthRuntime | None = None
    backups: BackupRuntime | None = None
    _calendars: dict[str, BusinessCalendar] = field(default_factory=dict)
    _schedules: dict[str, Schedule] = field(default_factory=dict)

    def schedule(self, name: str) -> Schedule:
        """The configured on-call schedule (built once; overrides are added per lookup)."""
        sched = self._schedules.get(name)
        if sched is None:
            sched = self._schedules[name] = self.config.schedules[name].schedule(name)
        return sched

    def contractor_calendar(self) -> BusinessCalendar:
        """The contractor's own working time: when non-urgent pages may go out."""
        cal = self._calendars.get("")
        if cal is None:
            from commands.domain.calendar import BusinessCalendar

            desk = self.config.desk
            cal = self._calendars[""] = BusinessCalendar.from_config(desk.calendar, desk.timezone)
        return cal

    def calendar(self, customer_id: str) -> BusinessCalendar:
        cal = self._calendars.get(customer_id)
        if cal is None:
            from commands.domain.calendar import BusinessCalendar

            cust = self.config.customers[customer_id]
            cal = BusinessCalendar.from_config(cust.calendar, cust.timezone)
            self._calendars[customer_id] = cal
        return cal


@dataclass
class Caller:
    """Who asks, for which customer, in which language, at which instant and by which channel: all that a
    use case knows of the asker. No chat request: the desk builds a ``Context`` (a Caller with the request)
    for every command of every channel; the health monitor builds a Caller of its own."""

    services: Services
    actor: Actor
    customer_id: str
    locale: str
    now: datetime
    # Where it came from, as the register keeps it with the incident and its events: "<transport>:<channel
    # id>" ("slack:C0123", "email:desk@example.com", "web:alice"), "monitor:health:<check>" for the monitor.
    source: str

    @property
    def customer(self) -> CustomerConfig:
        return self.services.config.customers[self.customer_id]

    @property
    def roles(self) -> tuple[str, ...]:
        return self.actor.roles(self.customer_id)

    def t(self, msgid: str, /, **params: object) -> str:
        return t(self.locale, msgid, **params)

    def fail(self, msgid: str, /, **params: object) -> NoReturn:
        raise DeskError(msgid, **params)

    def reply(self, text: str, *lines: str, **kw: Any) -> Reply:
        return Reply(text=text, lines=tuple(lines), locale=self.locale, **kw)


@dataclass
class Context(Caller):
    """A command that came through the desk: the caller and the request itself (its delivery id, when it
    arrived, the form or text)."""

    request: Request = field(kw_only=True)


@dataclass(frozen=True)
class Write:
    """A unit of work for the writer: runs in one savepoint, returns the reply to send after commit."""

    unit: Callable[[Session], Reply]
    # False when the unit can refuse (raise DeskError) only before its first write: the writer may then
    # run it without a savepoint; if it refuses anyway, the batch is redone with savepoints.
    savepoint: bool = True
    # The same work as an item of a handler that does many at once, ``handler(session, [item])[0] ==
    # unit(session)``: the writer runs the items of a batch's consecutive jobs in one call (storage/db.py).
    bulk: tuple[Callable[[Session, list[Any]], list[Reply]], Any] | None = None


@dataclass(frozen=True)
class Read:
    query: Callable[[Session], Reply]


@dataclass(frozen=True)
class Async:
    """Outbound I/O the desk awaits on its event loop (e.g. /health running probes), then replies."""

    run: Callable[[], Awaitable[Reply]]


Outcome = Reply | Write | Read | Async
