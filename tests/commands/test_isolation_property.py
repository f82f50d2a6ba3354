"""Customers never meet, as a property (issue 22).

One desk serves both example customers with the schedule ``primary`` shared (tests/two_customers.py). Each
customer has an incident, a note, people and files of its own. Hypothesis then tries every command of the
registry — bare, with arguments naming the other customer's numbers, people, schedules and options, and
the attacks the issue found — as every person of one customer (each role), from every kind of channel
(the customer's, its engineers', the other customer's and its engineers', the contractor's, a direct
message), on every transport the person has. After each command the sweeper and the dispatcher run, and
nothing the desk answered (text, buttons, file name and content), queued (the outbox) or delivered names
the other customer's control number, description, notes, people, or protocol; every message to a person
goes to someone with a role with the customer it concerns; and the other customer's register gains no
change by the attacker.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot.dispatcher import Dispatcher
from commands.desk.registry import COMMANDS
from commands.desk.reply import Reply
from commands.incidents.sweep import sweep_unit
from integrations.chat.routing import Destination
from storage.models import Incident, OutboxMessage, TimelineEvent
from tests.commands.conftest import MONDAY_1004_SOFIA
from tests.harness import DeskHarness
from tests.two_customers import (
    DESK_SLACK,
    HGP_ENG_SLACK,
    HGP_ENG_TG,
    HGP_TG,
    NOI_ENG_SLACK,
    NOI_ENG_TG,
    NOI_SLACK,
    NOI_TG,
    two_customer_config,
)

EXAMPLES = 200  # about 4 s on SQLite, 6 s on PostgreSQL


@dataclass(frozen=True)
class Side:
    customer: str
    number: str
    people: tuple[str, ...]  # people of this customer only (georgi and petar serve both)
    secrets: tuple[str, ...]  # what the other customer must never see
    channels: dict[str, dict[str, str]]  # kind → transport → channel id


NOI = Side("noi", "NOI-2026-00001", ("ivana", "maria"),
           ("NOI-2026-00001", "Zebra-7731", "Quokka-5521", "Ивана Петрова", "Мария Димитрова",
            "НОИ — контактен център", "protocol-noi", "Cisco Unified Communications Manager (IP PBX)",
            "oncall-ivana", "oncall-maria"),
           {"own": {"slack": NOI_SLACK, "telegram": NOI_TG, "console": "noi-console"},
            "engineers": {"slack": NOI_ENG_SLACK, "telegram": NOI_ENG_TG}})
HGP = Side("hgp", "HGP-2026-00001", ("sara", "reza", "nima"),
           ("HGP-2026-00001", "Walrus-4410", "Okapi-9902", "سارا احمدی", "رضا کریمی", "نیما رستمی",
            "هومن ژن پارس", "protocol-hgp", "SQL Server Reporting Services", "oncall-sara", "oncall-reza",
            "oncall-nima"),
           {"own": {"telegram": HGP_TG, "console": "hgp-console"},
            "engineers": {"slack": HGP_ENG_SLACK, "telegram": HGP_ENG_TG}})


@dataclass(frozen=True)
class Seat:
    """An attacker: a person of one side, on one transport, in one kind of channel."""

    person: str
    attacker: Side
    victim: Side
    transport: str
    user_id: str
    channel: str
    kind: str


def _seats() -> list[Seat]:
    config = two_customer_config()
    seats = []
    for attacker, victim in ((HGP, NOI), (NOI, HGP)):
        for pid in attacker.people:
            for identity in config.people[pid].identities:
                transport, _, uid = identity.partition(":")
                if transport == "api":
                    continue
                dm = {"slack": f"D0{uid}", "telegram": uid, "console": "console"}[transport]
                kinds = {"own": attacker.channels["own"].get(transport),
                         "own engineers": attacker.channels["engineers"].get(transport),
                         "other customer": victim.channels["own"].get(transport),
                         "other engineers": victim.channels["engineers"].get(transport),
                         "contractor": DESK_SLACK if transport == "slack" else None, "direct": dm}
                seats += [Seat(pid, attacker, victim, transport, uid, chan, kind)
                          for kind, chan in kinds.items() if chan is not None]
    return seats


SEATS = _seats()


def _fragments(seat: Seat) -> list[str]:
    v, a = seat.victim, seat.attacker
    return [v.number, v.number.lower(), a.number, *v.people, *a.people, "georgi", "petar", "primary", "secondary",
            "ics", "schedule", "override", "daily", "monthly 2026-11 md", "monthly 2026-11 csv", "open", "all",
            "remote", "onsite", "history", "urgent cucm", "critical crm", "other", "--customer noi",
            "--customer hgp", "--schedule primary", "--schedule secondary", '--from "in 1 minute"',
            '--to "in 5 hours"', "look at this", "2026-11-23"]


def _attacks(seat: Seat) -> list[str]:
    """The ways the customers met (issue 22), aimed at the victim."""
    v = seat.victim
    return [f'/oncall override {seat.person} --from "in 1 minute" --to "in 5 hours" --schedule primary',
            f"/page {v.people[0]} call me", "/page primary call me", "/page secondary call me",
            f"/oncall ics {v.people[0]}", "/oncall ics nosuchperson", "/oncall", "/oncall schedule 14",
            "/report monthly 2026-11 md", "/report monthly 2026-11 csv", "/report daily",
            f"/report monthly 2026-11 md --customer {v.customer}", "/incident urgent cucm Calls fail",
            "/incident critical crm CRM down", f"/status {v.number}", f"/note {v.number} hello",
            f"/ack {v.number}", f"/handover {v.number} {seat.person}", f"/cancel {v.number} dup",
            f"/incidents all --customer {v.customer}", "/incidents all", "/health", "/backups", "/help"]


@st.composite
def attempts(draw: st.DrawFn) -> tuple[Seat, str]:
    seat = draw(st.sampled_from(SEATS))
    if draw(st.booleans()):
        line = draw(st.sampled_from(_attacks(seat)))
    else:
        words = draw(st.lists(st.sampled_from(_fragments(seat)), max_size=5))
        line = " ".join([f"/{draw(st.sampled_from(sorted(COMMANDS)))}", *words])
    return seat, line


class Catch:
    """Stands for every transport and gateway: reaches every audience, keeps what it was given."""

    name = "slack"

    def __init__(self) -> None:
        self.delivered: list[tuple[OutboxMessage, Reply]] = []

    def destinations(self, audience: str) -> list[Destination]:
        kind, _, ident = audience.partition(":")
        return [Destination(audience, kind == "person", ident if kind == "person" else None)]

    async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        self.delivered.append((message, reply))


def _reply_text(reply: Reply) -> str:
    parts = [reply.text, *reply.lines, *(b.label + " " + b.command for b in reply.buttons)]
    if reply.attachment is not None:
        parts += [reply.attachment.filename, reply.attachment.content.decode("utf-8", "replace")]
    return "\n".join(parts)


def _leaks(text: str, side: Side, typed: str) -> list[str]:
    """The side's secrets in ``text``, except what the attacker typed (an error may quote it back)."""
    return [s for s in side.secrets if s in text and s.casefold() not in typed.casefold()]


def _seed(h: DeskHarness, loop: asyncio.AbstractEventLoop) -> None:
    for user, channel, line in (
            ("ivana", "noi-console", "/incident urgent cucm Zebra-7731 the contact center is down"),
            ("ivana", "noi-console", "/note NOI-2026-00001 Quokka-5521 called back"),
            ("georgi", "noi-console", '/oncall override maria --from "in 1 hour" --to "in 3 hours" '
                                      "--schedule secondary"),
            ("sara", "hgp-console", "/incident critical crm Walrus-4410 the CRM is unreachable"),
            ("sara", "hgp-console", "/note HGP-2026-00001 Okapi-9902 still down")):
        reply = loop.run_until_complete(h.say(user, line, channel=channel))
        assert not reply.is_error, (line, reply.text)


def test_no_command_from_any_seat_shows_one_customer_anything_of_the_other(db_url: str) -> None:
    h = DeskHarness(two_customer_config().without_rate_limits(), db_url, MONDAY_1004_SOFIA)
    loop = asyncio.new_event_loop()
    catch = Catch()
    dispatcher = Dispatcher(h.db, h.clock, [catch], h.app.config)
    config = h.app.config
    seen: set[str] = set()  # the commands tried (the property must not hold only because nothing ran)
    try:
        _seed(h, loop)
        h.db.write_sync(sweep_unit(h.app.services, h.clock.now()))
        loop.run_until_complete(dispatcher.tick(limit=1000))

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(attempts())
        def check(attempt: tuple[Seat, str]) -> None:
            seat, line = attempt
            seen.add(line.split()[0])
            h.advance(seconds=5)
            last = h.db.read_sync(lambda s: s.exec(sa.select(sa.func.max(col(OutboxMessage.id)))).one()[0]) or 0
            reply = loop.run_until_complete(h.say(seat.user_id, line, transport=seat.transport,
                                                  channel=seat.channel))
            where = f"{seat.person} via {seat.transport} in {seat.kind} ({seat.channel}): {line!r}"
            assert _leaks(_reply_text(reply), seat.victim, line) == [], (where, reply.as_text())

            h.db.write_sync(sweep_unit(h.app.services, h.clock.now()))
            queued = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(col(OutboxMessage.id) > last))))
            catch.delivered.clear()
            loop.run_until_complete(dispatcher.tick(limit=1000))
            for message in queued:
                kind, _, pid = message.audience.partition(":")
                if kind == "person":
                    assert config.people[pid].roles.get(message.customer_id), (where, message.audience)
                else:
                    assert pid == message.customer_id, (where, message.audience)
                if message.customer_id != seat.victim.customer:
                    assert _leaks(message.payload, seat.victim, line) == [], (where, message.payload)
            for message, delivered in catch.delivered:
                if message.customer_id != seat.victim.customer:
                    text = _reply_text(delivered) + json.dumps(json.loads(message.payload), ensure_ascii=False)
                    assert _leaks(text, seat.victim, line) == [], (where, text)

            def touched(s: Any) -> list[TimelineEvent]:
                return list(s.exec(select(TimelineEvent).join(Incident, col(Incident.id) == TimelineEvent.incident_id)
                                   .where(Incident.customer_id == seat.victim.customer,
                                          col(TimelineEvent.actor).in_(seat.attacker.people))))

            assert h.db.read_sync(touched) == [], where

        check()
        assert len(seen) >= len(COMMANDS) // 2, sorted(seen)
    finally:
        h.close()
        loop.close()
