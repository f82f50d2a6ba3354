"""Control numbers: unique and gapless under concurrent reports, per customer and year."""

from __future__ import annotations

import asyncio
import threading

from sqlmodel import select

from commands.desk.reply import Request
from storage.models import Incident
from tests.conftest import utc
from tests.harness import DeskHarness


async def test_200_concurrent_reports_get_200_gapless_numbers(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config.without_rate_limits(), db_url, utc(2026, 11, 23, 8, 4))  # one person, 200 at once
    try:
        replies = await asyncio.gather(
            *(h.say("ivana", f"/incident urgent cucm Report {i}", delivery_id=f"c{i}") for i in range(200))
        )
        numbers = sorted(r.control_number or "" for r in replies)
        assert [r for r in replies if r.is_error] == []
        assert numbers == [f"NOI-2026-{i:05d}" for i in range(1, 201)]
        rows = h.db.read_sync(lambda s: list(s.exec(select(Incident.seq))))
        assert sorted(rows) == list(range(1, 201))
    finally:
        h.close()


def test_two_processes_worth_of_desks_share_one_sequence(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """Two Database objects (as two replicas would have) allocate from the same counter row."""
    a = DeskHarness(noi_config.without_rate_limits(), db_url, utc(2026, 11, 23, 8, 4))
    b = DeskHarness(noi_config.without_rate_limits(), db_url, utc(2026, 11, 23, 8, 4))
    results: list[str] = []
    lock = threading.Lock()

    def fire(h: DeskHarness, tag: str) -> None:
        async def run() -> list[str]:
            replies = await asyncio.gather(*(
                h.app.desk.handle(Request(text=f"/incident other crm {tag}{i}", transport="console",
                                          user_id="ivana", channel_id="console", delivery_id=f"{tag}{i}"))
                for i in range(50)))
            return [r.control_number or r.text for r in replies]

        got = asyncio.run(run())
        with lock:
            results.extend(got)

    try:
        threads = [threading.Thread(target=fire, args=(h, tag)) for h, tag in ((a, "a"), (b, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [f"NOI-2026-{i:05d}" for i in range(1, 101)]
    finally:
        a.close()
        b.close()


async def test_a_new_year_starts_at_one_in_the_customers_time_zone(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    # 2026-12-31 22:30 UTC is already 2027-01-01 00:30 in Sofia.
    h = DeskHarness(noi_config, db_url, utc(2026, 12, 31, 21, 30))
    try:
        assert (await h.say("ivana", "/incident urgent cucm Old year")).control_number == "NOI-2026-00001"
        h.advance(hours=1)
        assert (await h.say("ivana", "/incident urgent cucm New year")).control_number == "NOI-2027-00001"
    finally:
        h.close()


async def test_a_refused_report_does_not_use_up_a_number(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4))
    try:
        assert (await h.say("ivana", "/incident urgent cucm First")).control_number == "NOI-2026-00001"
        assert (await h.say("ivana", "/incident urgent nothing Bad")).is_error
        assert (await h.say("ivana", "/incident urgent cucm Second")).control_number == "NOI-2026-00002"
    finally:
        h.close()
