"""The resolution clock's stops (issue 24, docs/sla.md) and the tacit acceptance of a fix.

Under ``resolution_stops = "resolved"`` (the default, the tender's reading) /resolve stops the resolution
clock provisionally at the fix, the customer's /confirm — or tacit acceptance after ``confirm_after``
working days — makes that stop final, and /reopen resumes the clock as if it had never stopped. Under
``"confirmed"`` the confirmation stops it. Tacit acceptance and its reminder are found by the sweeper
through ``next_check_at`` like SLA warnings, and queued in the outbox once each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from commands.desk.context import Services
from commands.domain.calendar import BusinessCalendar
from commands.domain.config import CustomerConfig
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime
from commands.incidents.clock_messages import queue_clock_message
from commands.incidents.domain.acceptance import AcceptancePolicy, acceptance_policy
from commands.incidents.domain.sla import deadline, parse_target
from commands.incidents.notify import announce
from commands.incidents.sla import (
    STOPPED_BY,
    awaiting_confirmation,
    finalise_clock,
    pauses_for,
    pending_events,
    resume_clock,
    settle_deadline,
    stop_clock,
)
from commands.incidents.views import excerpt
from storage.models import Incident, SlaClock
from storage.outbox import Outbox
from storage.register import Register

DESK = "desk"  # the actor of what the desk does by itself (tacit acceptance, reminders)


def move_clocks(session: Session, services: Services, inc: Incident, clocks: Sequence[SlaClock],
                events: Sequence[str], at: datetime, *, stops: str, fixed_at: datetime | None) -> None:
    """Stop the clocks the lifecycle ``events`` stop at ``at``. The resolution clock follows ``stops``:
    "resolved" — /resolve stops it provisionally, the confirmation makes that final (a clock still
    running then, e.g. one paused at the upgrade, stops at the fix ``fixed_at``); "confirmed" — the
    confirmation stops it (a provisional stop carried over by the upgrade is replaced)."""
    pauses = Register(session).pauses(inc.id or 0)
    cal = services.calendar(inc.customer_id)

    def stop(c: SlaClock, when: datetime, *, final: bool = True) -> None:
        """A paused clock's deadline first moves by the pause so far; a stopped clock is paused no more."""
        if c.stopped_at is None:
            settle_deadline(c, cal, pauses, when)
            stop_clock(c, when, final=final)
            c.paused_since = None

    for event in events:
        for c in clocks:
            if c.name == "resolution" and event in ("resolved", "confirmed"):
                if event == "resolved" and stops == "resolved":
                    stop(c, at, final=False)
                elif event == "confirmed" and stops == "resolved":
                    if fixed_at is not None:
                        stop(c, fixed_at, final=False)
                    finalise_clock(c, at)
                elif event == "confirmed":
                    if awaiting_confirmation(c):
                        resume_clock(c)
                    stop(c, at)
                else:
                    continue
            elif STOPPED_BY[c.name] == event:
                stop(c, at)
            else:
                continue
            session.add(c)


def resume_resolution(session: Session, services: Services, inc: Incident, clocks: Sequence[SlaClock],
                      now: datetime) -> None:
    """/reopen: the resolution clock runs again as if it had never stopped. Warnings whose instant passed
    while it stood are not sent for a moment already gone (as for a report typed in late); a deadline that
    passed meanwhile is announced now, once, as a breach — not as a message the desk failed to send."""
    customer = services.config.customers[inc.customer_id]
    category = customer.categories.get(inc.category)
    warn_at = category.warn_at if category else (0.5, 0.8)
    cal = services.calendar(inc.customer_id)
    pauses = Register(session).pauses(inc.id or 0)
    for c in clocks:
        if c.name != "resolution" or c.stopped_at is None:
            continue
        resume_clock(c)
        # paused time does not count, before the stop or after it: the deadline from every pause so far,
        # and a pause still open holds the clock again until /resume
        spans = pauses_for(c, pauses)
        if c.started_at is not None and spans:
            c.deadline = deadline(parse_target(c.target), c.started_at, cal, spans, now)
        still_open = [pz.started_at for pz in pauses if pz.ended_at is None and c.name in pz.clocks.split(",")]
        c.paused_since = min(still_open, default=None)
        if c.started_at is not None and c.deadline is not None and c.paused_since is None:
            passed = [e for e in pending_events(c, warn_at, cal, pauses) if e.at <= now]
            done = {*filter(None, c.warned.split(",")), *(f"{e.fraction:g}" for e in passed if e.kind == "warning")}
            c.warned = ",".join(sorted(done))
            if any(e.kind == "breach" for e in passed):
                queue_clock_message(Outbox(session), inc, customer, c.name, "breach", 1.0, c.deadline, c.rev,
                                    c.deadline, now, late=False)
                c.breach_sent = True
        session.add(c)


# -- tacit acceptance -------------------------------------------------------------------------------
def _policy(customer: CustomerConfig) -> AcceptancePolicy | None:
    return acceptance_policy(customer.confirm_after, customer.confirm_reminder)


def acceptance_next(inc: Incident, customer: CustomerConfig, cal: BusinessCalendar) -> datetime | None:
    """The next instant the sweeper has to look at a resolved incident for tacit acceptance: its reminder
    (until sent), then its acceptance; None when the customer has none or the incident is not resolved."""
    policy = _policy(customer)
    if policy is None or inc.state != "resolved" or inc.resolved_at is None:
        return None
    accept = policy.accept_at(inc.resolved_at, cal)
    remind = policy.remind_at(inc.resolved_at, cal)
    if remind is not None and inc.confirm_reminded_at is None and remind < accept:
        return remind
    return accept


def acceptance_note(inc: Incident, customer: CustomerConfig, cal: BusinessCalendar, locale: str) -> str | None:
    """"Accepted tacitly 2026-12-30 17:30 unless the customer answers" for a resolved incident, or None."""
    policy = _policy(customer)
    if policy is None or inc.state != "resolved" or inc.resolved_at is None:
        return None
    return t(locale, "confirm.until", when=format_datetime(policy.accept_at(inc.resolved_at, cal), customer.tz, locale))


def sweep_acceptance(session: Session, services: Services, inc: Incident, now: datetime) -> int:
    """What tacit acceptance has due for a resolved incident at ``now``: the reminder to the reporter, or
    the acceptance itself (a reminder whose moment passed together with the acceptance's — the desk was
    down — is not sent). Returns the messages queued."""
    customer = services.config.customers[inc.customer_id]
    policy = _policy(customer)
    if policy is None or inc.state != "resolved" or inc.resolved_at is None or inc.id is None:
        return 0
    cal = services.calendar(inc.customer_id)
    accept = policy.accept_at(inc.resolved_at, cal)
    if accept <= now:
        return _accept(session, services, customer, inc, accept, policy, now)
    remind = policy.remind_at(inc.resolved_at, cal)
    if remind is None or remind > now or inc.confirm_reminded_at is not None:
        return 0
    return _remind(session, services, customer, inc, accept, now)


def _stamp(inc: Incident) -> str:
    """Which resolve a message is about: a reopened and again resolved fix gets its own reminder."""
    assert inc.resolved_at is not None
    return str(int(inc.resolved_at.timestamp()))


def _remind(session: Session, services: Services, customer: CustomerConfig, inc: Incident, accept: datetime,
            now: datetime) -> int:
    assert inc.id is not None
    reg = Register(session)
    people = services.config.people
    reporter = inc.reporter if inc.reporter in people else None
    locale = (people[reporter].locale if reporter else None) or customer.locale
    reply = {"text": t(locale, "confirm.reminder", number=inc.control_number,
                       when=format_datetime(accept, customer.tz, locale)),
             "lines": [t(locale, "confirm.resolution", text=excerpt(inc.resolution or "", 500))],
             "control_number": inc.control_number, "locale": locale, "kind": "info"}
    audience = f"person:{reporter}" if reporter else f"customer:{inc.customer_id}"
    queued = Outbox(session).put(dedupe_key=f"confirm:{inc.id}:{_stamp(inc)}:remind", customer_id=inc.customer_id,
                                 kind="confirm.reminder", audience=audience, payload=reply, now=now,
                                 incident_id=inc.id)
    inc.confirm_reminded_at = now
    reg.touch(inc)
    reg.record(inc, at=now, actor=DESK, kind="confirm_reminder", channel=DESK,
               data={"to": audience, "accept_at": accept.isoformat()})
    return queued


def _accept(session: Session, services: Services, customer: CustomerConfig, inc: Incident, accept: datetime,
            policy: AcceptancePolicy, now: datetime) -> int:
    """Confirm the fix at the acceptance instant ``accept`` (also when the desk finds it later)."""
    assert inc.id is not None
    reg = Register(session)
    clocks = reg.clocks(inc.id)
    move_clocks(session, services, inc, clocks, ["confirmed"], accept,
                stops=customer.resolution_stops_for(inc.category), fixed_at=inc.resolved_at)
    inc.confirmed_at, inc.state, inc.next_check_at = accept, "confirmed", None
    reg.touch(inc)
    event_id = reg.record(inc, at=accept, actor=DESK, kind="accepted", channel=DESK,
                          data={"tacit": True, "working_days": policy.days})
    announce(session, services.config, inc, event_id=event_id, kind="accepted", actor=DESK, text="", now=now)
    locale = customer.locale
    payload = {"text": t(locale, "confirm.accepted", number=inc.control_number, days=policy.days),
               "lines": [], "control_number": inc.control_number, "locale": locale, "kind": "info"}
    return Outbox(session).put(dedupe_key=f"confirm:{inc.id}:{_stamp(inc)}:accepted", customer_id=inc.customer_id,
                               kind="confirm.accepted", audience=f"customer:{inc.customer_id}", payload=payload,
                               now=now, incident_id=inc.id)
