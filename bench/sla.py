"""Benchmark of SLA deadline computation, and a cross-check against ``businesstimedelta``.

Run as ``.venv/bin/python bench/sla.py``. It builds 10,000 mixed cases (random 2026 starts with a
fixed seed, every target kind of both contracts), times ``commands.domain.sla.deadline`` on them, then
recomputes the business-duration cases with ``businesstimedelta`` (the nearest Python peer) and lists
where the two disagree.
"""

from __future__ import annotations

import random
import sys
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from the repo root

from commands.domain.calendar import BusinessCalendar
from commands.domain.sla import BusinessDuration, Target, deadline, describe_target, parse_target

SEED = 2026
CASES = 10_000
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_SECONDS = 365 * 86400

MON_FRI = frozenset(range(5))
SAT_WED = frozenset({5, 6, 0, 1, 2})


@dataclass(frozen=True)
class Customer:
    name: str
    tz: str
    country: str
    working_days: frozenset[int]
    spans: tuple[tuple[time, time], ...]
    targets: tuple[str, ...]

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(self.tz, self.working_days, {d: self.spans for d in self.working_days}, self.country)


CUSTOMERS = (
    Customer(
        "noi",
        "Europe/Sofia",
        "BG",
        MON_FRI,
        ((time(9), time(17, 30)),),
        (
            "30m",
            "1h",
            "4h",
            "6h",
            "end of next working day",
            "2h business",
            "6h from start of next working day",
            "end of the 2nd next working day",
            "10 working days after received",
        ),
    ),
    Customer(
        "hgp",
        "Asia/Tehran",
        "IR",
        SAT_WED,
        ((time(9, 30), time(17, 30)),),
        ("1h business", "8h business", "4h business", "end of the 2nd next working day"),
    ),
    # Not a contract: noi's hours with a lunch break, so the peer's LunchTimeRule is exercised too.
    Customer(
        "noi-lunch",
        "Europe/Sofia",
        "BG",
        MON_FRI,
        ((time(9), time(12, 30)), (time(13, 30), time(17, 30))),
        ("2h business", "8h business", "end of next working day"),
    ),
)


@dataclass(frozen=True)
class Case:
    customer: Customer
    target: Target
    start: datetime


def build_cases(n: int = CASES, seed: int = SEED) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        customer = rng.choice(CUSTOMERS)
        target = parse_target(rng.choice(customer.targets))
        start = YEAR_START + timedelta(seconds=rng.randrange(YEAR_SECONDS))
        cases.append(Case(customer, target, start))
    return cases


def timed(fn: Callable[[], list[datetime]]) -> tuple[list[datetime], float]:
    began = clock.perf_counter()
    out = fn()
    return out, clock.perf_counter() - began


def ours(cases: list[Case], calendars: dict[str, BusinessCalendar]) -> list[datetime]:
    return [deadline(c.target, c.start, calendars[c.customer.name]) for c in cases]


def peer_rules(customer: Customer, cal: BusinessCalendar) -> Any:
    """The same calendar for ``businesstimedelta``: one working span, lunch gaps, the same days off."""
    import businesstimedelta as btd
    import pytz

    tz = pytz.timezone(customer.tz)
    days = sorted(customer.working_days)
    opens, closes = customer.spans[0][0], customer.spans[-1][1]
    rules: list[Any] = [btd.WorkDayRule(start_time=opens, end_time=closes, working_days=days, tz=tz)]
    for (_, gap_start), (gap_end, _) in zip(customer.spans, customer.spans[1:], strict=False):
        rules.append(btd.LunchTimeRule(start_time=gap_start, end_time=gap_end, working_days=days, tz=tz))
    # Exactly our days off (package holidays on working weekdays), so only the arithmetic is compared.
    day, last = date(2025, 12, 1), date(2028, 1, 31)
    off = set()
    while day <= last:
        if day.weekday() in customer.working_days and not cal.is_working_day(day):
            off.add(day)
        day += timedelta(days=1)
    if off:  # the peer's HolidayRule fails on an empty list
        rules.append(btd.HolidayRule(off, tz=tz))
    return btd.Rules(rules)


def peer(cases: list[Case], rules: dict[str, Any]) -> list[datetime]:
    import businesstimedelta as btd

    out = []
    for c in cases:
        assert isinstance(c.target, BusinessDuration)
        end = c.start + btd.BusinessTimeDelta(rules[c.customer.name], timedelta=c.target.delta)
        out.append(end.astimezone(UTC))
    return out


def main() -> None:
    cases = build_cases()
    print(f"{len(cases)} cases, seed {SEED}: " + ", ".join(f"{c.name} {c.targets}" for c in CUSTOMERS[:2]))

    calendars = {c.name: c.calendar() for c in CUSTOMERS}
    _, cold = timed(lambda: ours(cases, calendars))  # includes building the holiday and day caches
    results, warm = timed(lambda: ours(cases, calendars))
    print(f"ours, all kinds:  {len(cases) / cold:12,.0f} deadlines/s cold (fresh caches), {len(cases) / warm:,.0f} warm")

    business = [(i, c) for i, c in enumerate(cases) if isinstance(c.target, BusinessDuration)]
    subset = [c for _, c in business]
    ours_business, ours_t = timed(lambda: ours(subset, calendars))
    rules = {c.name: peer_rules(c, calendars[c.name]) for c in CUSTOMERS}
    theirs, peer_t = timed(lambda: peer(subset, rules))
    ours_rate, peer_rate = len(subset) / ours_t, len(subset) / peer_t
    print(f"ours, business durations ({len(subset)} cases): {ours_rate:12,.0f} deadlines/s")
    print(f"businesstimedelta, same cases:        {peer_rate:12,.0f} deadlines/s")
    print(f"ratio ours/businesstimedelta: {ours_rate / peer_rate:.1f}x")

    disagreements = [(c, a, b) for c, a, b in zip(subset, ours_business, theirs, strict=True) if a != b]
    assert all(results[i] == ours_business[k] for k, (i, _) in enumerate(business))
    print(f"disagreements: {len(disagreements)} of {len(subset)}")
    for c, a, b in disagreements[:10]:
        local = c.start.astimezone(calendars[c.customer.name].tz)
        print(
            f"  {c.customer.name:9} {describe_target(c.target):13} from {local:%a %Y-%m-%d %H:%M:%S %Z}: "
            f"ours {a:%Y-%m-%d %H:%M:%SZ}, businesstimedelta {b:%Y-%m-%d %H:%M:%SZ}"
        )
    print(
        "note: both sides get the same days off, so differences can only come from the arithmetic. "
        "businesstimedelta localizes wall times with pytz (is_dst=False), which differs from ours only for "
        "hours inside a DST gap or fold; the contracts' hours (09:00-17:30 Sofia, 09:30-17:30 Tehran) never "
        "touch a transition (03:00/04:00 Sofia, none in Tehran since 2022), so none are expected here. "
        "Ours also treats an instant exactly at closing as closed and a deadline that uses up a day ends at "
        "its closing, as the peer does."
    )
    dst_probe()


def dst_probe() -> None:
    """Where the two would part: working hours whose opening falls in a DST gap or fold."""
    probe = Customer("probe", "Europe/Sofia", "", frozenset(range(7)), ((time(3, 30), time(6)),), ())
    cal = BusinessCalendar(probe.tz, probe.working_days, {d: probe.spans for d in range(7)})
    rules = {probe.name: peer_rules(probe, cal)}
    starts = [datetime(2026, m, d, tzinfo=cal.tz) for m, d in ((3, 28), (3, 29), (10, 24), (10, 25))]
    cases = [Case(probe, BusinessDuration(timedelta(hours=1)), s) for s in starts]
    print("DST probe (not a contract: every day 03:30-06:00 Sofia, 1h business from local midnight):")
    for c, a, b in zip(cases, ours(cases, {probe.name: cal}), peer(cases, rules), strict=True):
        mark = "" if a == b else "   <- differs"
        print(f"  from {c.start:%Y-%m-%d %H:%M %Z}: ours {a:%H:%MZ}, businesstimedelta {b:%H:%MZ}{mark}")
    print(
        "  on 2026-03-29 03:30 does not exist: ours opens at the end of the gap (04:00 EEST), pytz's "
        "localize(is_dst=False) reads it as 03:30 EET = 04:30 EEST; on 2026-10-25 03:30 happens twice: "
        "ours takes the first (EEST), pytz the second (EET)."
    )


if __name__ == "__main__":
    main()
