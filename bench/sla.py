"""Benchmark of SLA deadline computation, and a cross-check against ``businesstimedelta``.

Run as ``.venv/bin/python bench/sla.py``. It builds 10,000 mixed cases (random 2026 starts with a
fixed seed, every target kind of both contracts), times ``commands.incidents.domain.sla.deadline`` on them, then
recomputes the business-duration cases with ``businesstimedelta`` (the nearest Python peer) and lists
where the two disagree.

A second part measures the SLA sweeper: the cost of ONE tick with 100 due incidents among 1,000 open
incidents vs. among 100,000 (one database each), on temporary SQLite files and, when
``DUTYDESK_TEST_PG`` (or ``--pg URL``) is set, in fresh schemas of that PostgreSQL database. Incidents of
customer noi (urgent: reaction 30m, arrival 1h, resolution 4h) are bulk-inserted into ``incident`` and
``sla_clock``; the due ones are 16 minutes old with ``next_check_at`` at their 50% reaction instant, the
others are reported a day later than "now", so their next check lies in the future. One tick warns the
due ones (2 outbox messages each). The tick time is the median of 5 ticks (after one untimed warm-up
tick; the two sizes' ticks alternate), the due set reset before each. The ratio 100,000 / 1,000 should
stay near 1, since a tick claims due rows through the index on ``incident.next_check_at``.
Flags: ``--skip-deadlines``, ``--skip-sweep``, ``--pg URL``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from the repo root

from commands.domain.calendar import BusinessCalendar
from commands.incidents.domain.sla import BusinessDuration, Target, deadline, describe_target, parse_target
from tests.pgschema import temporary_schema

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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="SLA deadline and sweeper benchmarks")
    ap.add_argument("--skip-deadlines", action="store_true", help="skip the deadline computation part")
    ap.add_argument("--skip-sweep", action="store_true", help="skip the sweeper part")
    ap.add_argument("--pg", default=os.environ.get("DUTYDESK_TEST_PG"),
                    help="also run the sweeper part on this PostgreSQL URL (default: $DUTYDESK_TEST_PG)")
    args = ap.parse_args(argv)
    if not args.skip_deadlines:
        deadlines()
    if not args.skip_sweep:
        if not args.skip_deadlines:
            print()
        sweeper(args.pg)


def deadlines() -> None:
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



# -- the sweeper: one tick with 100 due incidents among 1,000 vs. 100,000 open ones ----------------------

SWEEP_SIZES = (1_000, 100_000)
SWEEP_DUE = 100
SWEEP_TICKS = 5
SWEEP_CHUNK = 5_000
SWEEP_NOW = datetime(2026, 11, 23, 8, 16, tzinfo=UTC)  # a Monday; "now" for every tick
DUE_REPORTED = SWEEP_NOW - timedelta(minutes=16)  # 50% of the 30m reaction passed a minute ago
LATER_REPORTED = SWEEP_NOW + timedelta(days=1)  # not due: next check a day and 15 minutes away
FIRST_WARNING = timedelta(minutes=15)  # 50% of the 30m reaction clock
SLA_CLOCKS = (("reaction", "30m", timedelta(minutes=30)), ("arrival", "1h", timedelta(hours=1)),
              ("resolution", "4h", timedelta(hours=4)))
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "noi.toml"


def seed_incidents(engine: Any, first: int, last: int, due: int) -> None:
    """Incidents ``first..last`` (ids and sequence numbers) with their three clocks, by executemany;
    ids up to ``due`` are due at ``SWEEP_NOW``."""
    import sqlalchemy as sa

    from storage.models import Incident, SlaClock

    inc, clk = Incident.__table__, SlaClock.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for start in range(first, last + 1, SWEEP_CHUNK):
            incidents, clocks = [], []
            for i in range(start, min(last, start + SWEEP_CHUNK - 1) + 1):
                reported = DUE_REPORTED if i <= due else LATER_REPORTED
                incidents.append({
                    "id": i, "control_number": f"NOI-2026-{i:05d}", "customer_id": "noi", "year": 2026, "seq": i,
                    "category": "urgent", "component": "cucm", "description": f"bench incident {i}: CUCM down",
                    "reporter": "ivana", "source": "console:console", "state": "registered",
                    "reported_at": reported, "registered_at": reported,
                    "next_check_at": reported + FIRST_WARNING,
                })
                for name, target, length in SLA_CLOCKS:
                    clocks.append({"incident_id": i, "name": name, "target": target, "started_at": reported,
                                   "deadline": reported + length, "warned": "", "breach_sent": False, "rev": 0})
            conn.execute(sa.insert(inc), incidents)
            conn.execute(sa.insert(clk), clocks)
        conn.exec_driver_sql("ANALYZE")  # fresh statistics, as autovacuum / a routine ANALYZE would leave


def reset_due(engine: Any, due: int) -> None:
    """Put the due set back as it was before a tick: next check in the past, nothing warned or queued."""
    import sqlalchemy as sa

    from storage.models import Incident, OutboxMessage, SlaClock

    inc, clk = Incident.__table__, SlaClock.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(sa.delete(OutboxMessage.__table__))  # type: ignore[attr-defined]
        conn.execute(sa.update(inc).where(inc.c.id <= due).values(next_check_at=DUE_REPORTED + FIRST_WARNING))
        conn.execute(sa.update(clk).where(clk.c.incident_id <= due).values(warned="", breach_sent=False))


def claim_plan(engine: Any) -> str:
    """How the database runs the tick's claim query (the sweeper's select, without the row lock)."""
    import sqlalchemy as sa

    from storage.types import UTCDateTime

    sql = ("SELECT * FROM incident WHERE next_check_at IS NOT NULL AND next_check_at <= :now "
           "ORDER BY next_check_at LIMIT 500")
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            stmt = sa.text("EXPLAIN QUERY PLAN " + sql).bindparams(sa.bindparam("now", type_=UTCDateTime()))
            return "; ".join(str(row[-1]) for row in conn.execute(stmt, {"now": SWEEP_NOW}))
        stmt = sa.text("EXPLAIN (COSTS OFF) " + sql).bindparams(sa.bindparam("now", type_=UTCDateTime()))
        return "; ".join(str(row[0]).strip().removeprefix("->  ") for row in conn.execute(stmt, {"now": SWEEP_NOW}))


def one_tick(app: Any, due: int) -> tuple[float, int]:
    """Reset the due set, run one tick; its wall time (seconds) and the messages it queued."""
    from commands.incidents.sweep import sweep_unit

    reset_due(app.db.engine, due)
    began = clock.perf_counter()
    result = app.db.write_sync(sweep_unit(app.services, SWEEP_NOW))
    elapsed = clock.perf_counter() - began
    assert result.incidents == due, result
    assert result.messages > 0, result  # the due ones really were warned
    return elapsed, result.messages


def sweep_database(urls: list[str], label: str) -> None:
    """One database per size in ``SWEEP_SIZES``; after an untimed warm-up tick on each, the timed ticks
    alternate between them (in turn first and last), so load from elsewhere on the machine hits every
    size alike and the ratio compares like with like."""
    from bot.app import build_app
    from bot.settings import load_config
    from commands.domain.clock import FakeClock

    config = load_config(EXAMPLE)
    apps = [build_app(config, url, clock=FakeClock(SWEEP_NOW)) for url in urls]
    try:
        seeding = []
        for app, size in zip(apps, SWEEP_SIZES, strict=True):
            began = clock.perf_counter()
            seed_incidents(app.db.engine, 1, size, SWEEP_DUE)
            seeding.append(clock.perf_counter() - began)
            one_tick(app, SWEEP_DUE)  # warm-up: connections, compiled statements, calendar caches
        times: list[list[float]] = [[] for _ in apps]
        messages = [0] * len(apps)
        for round_ in range(SWEEP_TICKS):
            order = list(range(len(apps)))
            for k in order if round_ % 2 == 0 else order[::-1]:
                elapsed, messages[k] = one_tick(apps[k], SWEEP_DUE)
                times[k].append(elapsed)
        ticks = [statistics.median(t) for t in times]
        print(f"sweeper, {label}:")
        print(f"  {'open incidents':>14}  {'due':>4}  {'tick ms (median of 5)':>21}  {'messages':>8}  seeding")
        for size, tick, sent, seeded in zip(SWEEP_SIZES, ticks, messages, seeding, strict=True):
            print(f"  {size:>14,}  {SWEEP_DUE:>4}  {tick * 1000:>21.1f}  {sent:>8}  {seeded:.1f} s")
        print(f"  ratio {SWEEP_SIZES[-1]:,} / {SWEEP_SIZES[0]:,} open: {ticks[-1] / ticks[0]:.2f}")
        print(f"  claim query plan ({SWEEP_SIZES[-1]:,} open): {claim_plan(apps[-1].db.engine)}")
    finally:
        for app in apps:
            app.close()


def sweeper(pg_url: str | None) -> None:
    print(f"SLA sweeper: one tick with {SWEEP_DUE} due incidents among {SWEEP_SIZES[0]:,} vs. "
          f"{SWEEP_SIZES[-1]:,} open (noi, urgent; each due one gets its 50% reaction warning)")
    with tempfile.TemporaryDirectory() as tmp:
        sweep_database([f"sqlite:///{tmp}/sweep_{size}.db" for size in SWEEP_SIZES], "sqlite (temp files)")
    if not pg_url:
        print("postgresql: skipped (set DUTYDESK_TEST_PG or pass --pg URL)")
        return
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(temporary_schema(pg_url, f"bench_sweep_{size}")) for size in SWEEP_SIZES]
        sweep_database(urls, "postgresql (a temporary schema per size)")


if __name__ == "__main__":
    main()
