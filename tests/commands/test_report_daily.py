"""The daily summary: its content, /report daily, and once per customer and day across two replicas
(two desks on one database, each with its own dispatcher) and after a restart."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.dispatcher import Dispatcher
from bot.report_jobs import run_daily_summary, schedule_report_jobs
from commands.desk.reply import Reply
from integrations.chat.routing import Destination
from storage import reports as q
from storage.models import OutboxMessage
from storage.outbox import Outbox
from tests.harness import DeskHarness
from tests.integrations.reports.seed import SOFIA

TUESDAY_0830 = datetime(2026, 11, 24, 8, 30, tzinfo=SOFIA).astimezone(UTC)


class Recorder:
    name = "console"

    def __init__(self) -> None:
        self.got: list[tuple[str, Reply]] = []

    def destinations(self, audience: str) -> list[Destination]:
        return [Destination(audience, False)]

    async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        await asyncio.sleep(0)  # let the other dispatcher run meanwhile
        self.got.append((message.audience, reply))


async def _monday(desk: DeskHarness) -> None:
    """Monday 23 Nov: an urgent report nobody takes (all three clocks breach the same day), an other
    report taken at once; the summary runs on Tuesday at 08:30."""
    await desk.say("ivana", "/incident urgent cucm Calls fail")  # NOI-2026-00001 at 10:04
    await desk.say("ivana", "/incident other crm Export slow")  # NOI-2026-00002
    await desk.say("georgi", "/ack NOI-2026-00002")
    desk.clock.set(TUESDAY_0830)


def _daily(h: DeskHarness) -> list[OutboxMessage]:
    return list(h.db.read_sync(lambda s: Outbox(s).all(kind="report.daily")))


async def test_the_summary_has_open_incidents_breaches_changes_and_who_is_on_call(desk: DeskHarness) -> None:
    await _monday(desk)
    assert await run_daily_summary(desk.app.services, "noi")
    messages = _daily(desk)
    assert sorted(m.audience for m in messages) == ["customer:noi", "engineers:noi"]
    payload = json.loads(messages[0].payload)
    text = "\n".join([payload["text"], *payload["lines"]])
    assert payload["text"] == "Дневна справка · НОИ — контактен център · 2026-11-24"
    assert "Отворени инциденти: 2" in text
    assert "• NOI-2026-00001 · регистриран · спешен · CUCM · Calls fail" in text
    assert "Реакция до 2026-11-23 10:34 (просрочено с 21 ч 56 мин)" in text
    # Since Monday 08:30: all three clocks of 00001 breached; two new, nothing closed.
    assert "Нарушени срокове от 2026-11-23 08:30: 3" in text
    assert "• NOI-2026-00001 · Решаване · срок 2026-11-23 14:04" in text
    assert "От 2026-11-23 08:30: 2 нови, 0 решени, 0 потвърдени, 0 отворени отново, 0 анулирани" in text
    assert "Дежурни днес: primary: Петър Стоянов 00:00–24:00; secondary: Георги Иванов 00:00–24:00" in text


async def test_once_a_day_across_two_replicas_two_dispatchers_and_a_restart(desk: DeskHarness, noi_config,  # type: ignore[no-untyped-def]
                                                                             db_url: str) -> None:
    await _monday(desk)
    replica = DeskHarness(noi_config, db_url, TUESDAY_0830)
    try:
        results = await asyncio.gather(run_daily_summary(desk.app.services, "noi"),
                                       run_daily_summary(replica.app.services, "noi"))
        assert sorted(results) == [False, True]
        assert len(_daily(desk)) == 2
        runs = desk.db.read_sync(lambda s: q.runs(s, "daily", "noi"))
        assert [(period, n) for period, _at, n in runs] == [("2026-11-24", 2)]
        # Each replica runs its dispatcher; every message reaches the chat exactly once between them.
        a, b = Recorder(), Recorder()
        d1 = Dispatcher(desk.db, desk.clock, [a], noi_config)
        d2 = Dispatcher(replica.db, replica.clock, [b], noi_config)
        await asyncio.gather(d1.tick(), d2.tick())
        await asyncio.gather(d1.tick(), d2.tick())
        delivered = sorted(aud for aud, reply in a.got + b.got if reply.text.startswith("Дневна справка"))
        assert delivered == ["customer:noi", "engineers:noi"]
        # Later the same day, the cron job fires again on both (a misfire, a catch-up): nothing new.
        desk.advance(hours=3)
        replica.advance(hours=3)
        assert not await run_daily_summary(replica.app.services, "noi")
    finally:
        replica.close()
    desk.close()
    restarted = DeskHarness(noi_config, db_url, TUESDAY_0830)  # the process restarts and catches up
    try:
        assert not await run_daily_summary(restarted.app.services, "noi")
        assert len(_daily(restarted)) == 2
        restarted.clock.set(datetime(2026, 11, 25, 8, 30, tzinfo=SOFIA).astimezone(UTC))
        assert await run_daily_summary(restarted.app.services, "noi")  # the next day is a new period
        assert len(_daily(restarted)) == 4
    finally:
        restarted.close()


async def test_not_before_its_time_nor_on_days_off(desk: DeskHarness) -> None:
    services = desk.app.services
    desk.clock.set(datetime(2026, 11, 24, 8, 29, tzinfo=SOFIA).astimezone(UTC))
    assert not await run_daily_summary(services, "noi")
    desk.clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=SOFIA).astimezone(UTC))  # Saturday
    assert not await run_daily_summary(services, "noi")
    assert _daily(desk) == []


async def test_report_daily_in_chat_shows_the_same(desk: DeskHarness) -> None:
    await _monday(desk)
    reply = await desk.say("ivana", "/report daily")
    assert not reply.is_error, reply.as_text()
    assert reply.text == "Дневна справка · НОИ — контактен център · 2026-11-24"
    assert "Нарушени срокове от 2026-11-23 08:30: 3" in reply.lines
    before = await desk.say("georgi", "/report daily вчера")
    assert before.text.endswith("2026-11-23")
    assert "Няма отворени инциденти" in before.lines  # at Monday 08:30 nothing had been reported yet
    bad = await desk.say("georgi", "/report daily 2026-02-30")
    assert bad.is_error and "2026-02-30" in bad.text


async def test_a_cron_job_per_customer_at_its_local_time(desk: DeskHarness) -> None:
    scheduler = AsyncIOScheduler(timezone=UTC)
    assert schedule_report_jobs(scheduler, desk.app.services) == 1
    job = scheduler.get_job("report:daily:noi")
    assert job is not None
    assert (job.trigger.schedule.text, str(job.trigger.timezone)) == ("30 8 * * *", "Europe/Sofia")
    assert scheduler.get_job("report:daily:noi:catch-up") is not None
