"""A month of incidents for each example customer, driven through the desk with the fake clock, with
the minutes of every step chosen so the protocol's numbers are known exactly (see the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.harness import DeskHarness

SOFIA = ZoneInfo("Europe/Sofia")
TEHRAN = ZoneInfo("Asia/Tehran")
REPORT_AT_NOI = datetime(2026, 12, 1, 10, 0, tzinfo=SOFIA).astimezone(UTC)
REPORT_AT_HGP = datetime(2026, 12, 1, 10, 0, tzinfo=TEHRAN).astimezone(UTC)
URGENT_DAYS = 24  # noi: one urgent incident a day from Monday 2026-11-02


def local(d: date, hh: int, mm: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(hh, mm), tzinfo=tz).astimezone(UTC)


@dataclass
class Script:
    steps: list[tuple[datetime, str, str]] = field(default_factory=list)

    def at(self, when: datetime, user: str, text: str) -> None:
        self.steps.append((when, user, text))

    async def run(self, h: DeskHarness) -> None:
        for when, user, text in sorted(self.steps, key=lambda s: s[0]):  # stable: same instant keeps order
            h.clock.set(when)
            reply = await h.say(user, text)
            assert not reply.is_error, (text, reply.as_text())


def urgent_minutes(i: int) -> tuple[int, int, int]:
    """(ack, arrive, confirm) minutes after the first notification of noi's i-th urgent incident."""
    ack = 10 + 3 * i
    return ack, ack + 20, 120 + 10 * i


async def seed_noi(h: DeskHarness) -> None:
    """NOI-2026-00001 October (23:30 on the 31st, Sofia); 00002 the first minutes of November, cancelled;
    00003..00026 urgent, one a day from 2 Nov at 10:00, all closed; 00027 phones 26 Nov (open, its clock
    waits for the handset); 00028 pressing 27 Nov (acknowledged after 20 min, then left open);
    00029 December."""
    s = Script()
    s.at(local(date(2026, 10, 31), 23, 30, SOFIA), "ivana", "/incident other crm October report")
    s.at(local(date(2026, 11, 1), 0, 10, SOFIA), "ivana", "/incident other crm Just after midnight")
    s.at(local(date(2026, 11, 1), 0, 15, SOFIA), "maria", "/cancel NOI-2026-00002 filed twice")
    for i in range(URGENT_DAYS):
        d = date(2026, 11, 2) + timedelta(days=i)
        t0 = local(d, 10, 0, SOFIA)
        n = f"NOI-2026-{3 + i:05d}"
        ack, arrive, confirm = urgent_minutes(i)
        s.at(t0, "ivana", f"/incident urgent cucm Calls fail {i}")
        s.at(t0 + timedelta(minutes=ack), "georgi", f"/ack {n}")
        s.at(t0 + timedelta(minutes=arrive), "georgi", f"/arrive {n} remote")
        # resolved and confirmed at one instant: the resolution clock stops there under either reading
        # of resolution_stops (tests/commands/test_report_awaiting.py has fixes awaiting confirmation)
        s.at(t0 + timedelta(minutes=confirm), "georgi", f"/resolve {n} restarted the service")
        s.at(t0 + timedelta(minutes=confirm), "ivana", f"/confirm {n}")
    s.at(local(date(2026, 11, 26), 10, 0, SOFIA), "ivana", "/incident phones phones Headset broken")
    t0 = local(date(2026, 11, 27), 10, 0, SOFIA)
    s.at(t0, "ivana", "/incident pressing uccx Some agents cannot log in")
    s.at(t0 + timedelta(minutes=20), "petar", "/ack NOI-2026-00028")
    s.at(local(date(2026, 12, 1), 0, 5, SOFIA), "ivana", "/incident other crm December report")
    await s.run(h)
    h.clock.set(REPORT_AT_NOI)


def hgp_days(h: DeskHarness, count: int = 11) -> list[date]:
    cal = h.app.services.calendar("hgp")
    days, d = [], date(2026, 11, 1)
    while len(days) < count:
        if cal.is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


async def seed_hgp(h: DeskHarness) -> list[date]:
    """HGP-2026-00001..00010 critical, one on each of the first ten working days of November at 10:00
    Tehran, acknowledged after 15 + 6i minutes; even ones confirmed at 14:00 the same day, odd ones at
    10:30 on the next working day. HGP-2026-00011 normal, on the eleventh working day, left open."""
    days = hgp_days(h)
    cal = h.app.services.calendar("hgp")
    s = Script()
    for i, d in enumerate(days[:10]):
        t0 = local(d, 10, 0, TEHRAN)
        n = f"HGP-2026-{1 + i:05d}"
        s.at(t0, "sara", f"/incident critical crm CRM down {i}")
        s.at(t0 + timedelta(minutes=15 + 6 * i), "reza", f"/ack {n}")
        done = local(d, 14, 0, TEHRAN) if i % 2 == 0 else local(cal.next_working_day(d), 10, 30, TEHRAN)
        s.at(done, "reza", f"/resolve {n} fixed")  # resolved and confirmed at one instant
        s.at(done, "sara", f"/confirm {n}")
    s.at(local(days[10], 11, 0, TEHRAN), "sara", "/incident normal powerbi Dashboard slow")
    await s.run(h)
    h.clock.set(REPORT_AT_HGP)
    return days
