"""Issue 24: the resolution clock stops when the fix is in place (provisionally), the customer's confirmation
makes that stop final, a reopen resumes it as if it had never stopped; ``resolution_stops = "confirmed"``
keeps the stop at the confirmation. Literal instants: an urgent noi incident reported Monday 2026-11-23
10:00 Sofia (08:00 UTC), resolution due 14:00."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from commands.domain.config import Config
from commands.incidents.sweep import sweep_unit
from storage.models import Incident, OutboxMessage, SlaClock, TimelineEvent
from tests.conftest import utc
from tests.harness import DeskHarness

MONDAY_1000_SOFIA = utc(2026, 11, 23, 8, 0)


def with_noi(config: Config, **update: Any) -> Config:
    """The example configuration with customer noi's settings changed."""
    noi = config.customers["noi"].model_copy(update=update)
    return config.model_copy(update={"customers": {**config.customers, "noi": noi}})


def with_category(config: Config, category: str, **update: Any) -> Config:
    noi = config.customers["noi"]
    cat = noi.categories[category].model_copy(update=update)
    return with_noi(config, categories={**noi.categories, category: cat})


@pytest.fixture
def desk(noi_config: Config, db_url: str) -> Iterator[DeskHarness]:
    h = DeskHarness(noi_config, db_url, MONDAY_1000_SOFIA)
    yield h
    h.close()


def at(h: DeskHarness, hour: int, minute: int = 0) -> None:
    """Move the desk's clock to hh:mm Sofia on Monday 2026-11-23 (UTC+2)."""
    target = utc(2026, 11, 23, hour - 2, minute)
    assert target >= h.clock.now()
    h.clock.advance(target - h.clock.now())


def tick(h: DeskHarness) -> list[tuple[str, str]]:
    """One sweep; the SLA messages it queued, as (kind, text) of the customer's channel."""
    before = {m.id for m in sla_messages(h)}
    h.db.write_sync(sweep_unit(h.app.services, h.clock.now()))
    return [(m.kind, json.loads(m.payload)["text"]) for m in sla_messages(h)
            if m.id not in before and m.audience == "customer:noi"]


def sla_messages(h: DeskHarness) -> list[OutboxMessage]:
    rows = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id))))
    return [m for m in rows if m.kind.startswith("sla.")]


def resolution(h: DeskHarness) -> SlaClock:
    return h.db.read_sync(lambda s: s.exec(select(SlaClock).where(SlaClock.name == "resolution")).one())


async def report_and_work(h: DeskHarness) -> str:
    n = (await h.say("ivana", "/incident urgent cucm Inbound calls fail for all operators")).control_number
    at(h, 10, 10)
    assert not (await h.say("georgi", f"/ack {n}")).is_error
    at(h, 10, 30)
    assert not (await h.say("georgi", f"/arrive {n} remote")).is_error
    return n


async def test_resolved_at_13_confirmed_at_15_is_met_by_an_hour(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 13)
    resolved = await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    assert "Решаване: спазено 13:00 (резерв 1 ч 00 мин) — очаква потвърждение" in resolved.lines
    clock = resolution(desk)
    assert (clock.stopped_at, clock.final_at, clock.met, clock.margin_seconds) == (
        utc(2026, 11, 23, 11, 0), None, True, 3600)

    at(desk, 15)
    confirmed = await desk.say("ivana", f"/confirm {n}")
    assert not confirmed.is_error, confirmed.text
    clock = resolution(desk)
    assert (clock.stopped_at, clock.final_at, clock.met, clock.margin_seconds) == (
        utc(2026, 11, 23, 11, 0), utc(2026, 11, 23, 13, 0), True, 3600)
    status = (await desk.say("ivana", f"/status {n}")).as_text()
    assert "Решаване: спазено 13:00 (резерв 1 ч 00 мин); потвърдено 15:00" in status
    # the timeline shows both instants: the fix and the confirmation
    assert "2026-11-23 13:00 · решен" in status and "2026-11-23 15:00 · потвърден" in status


async def test_no_warning_or_breach_while_awaiting_confirmation(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 12)
    assert [k for k, _ in tick(desk)] == ["sla.warning"]  # 50% of the resolution time, while it runs
    at(desk, 13)
    await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    inc = desk.db.read_sync(lambda s: s.exec(select(Incident)).one())
    assert inc.next_check_at is None  # nothing for the sweeper while the fix awaits confirmation
    for hh, mm in ((13, 12), (13, 30), (14, 0), (14, 1), (14, 30), (14, 59)):  # 80% is 13:12, the deadline 14:00
        at(desk, hh, mm)
        assert tick(desk) == []
    at(desk, 15)
    await desk.say("ivana", f"/confirm {n}")
    assert tick(desk) == []
    assert [m.kind for m in sla_messages(desk) if m.audience == "customer:noi"] == ["sla.warning"]


async def test_reopened_it_runs_as_if_it_had_never_stopped(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 11)
    await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    assert tick(desk) == []
    at(desk, 12)
    reopened = await desk.say("ivana", f"/reopen {n} Calls drop again")
    assert not reopened.is_error, reopened.text
    assert "Решаване до 14:00 (остават 2 ч 00 мин)" in reopened.lines  # the hour it stood counts
    assert tick(desk) == []  # 50% fell at 12:00, the reopen's own moment: not announced after the fact
    at(desk, 13, 12)
    assert tick(desk) == [("sla.warning", f"{n}: изтекли са 80% от времето за решаване — срок 2026-11-23 14:00 "
                                          "(остават 48 мин)")]
    at(desk, 14)
    assert tick(desk) == [("sla.breach", f"{n}: срокът за решаване 2026-11-23 14:00 е изтекъл")]
    at(desk, 15)
    resolved = await desk.say("georgi", f"/resolve {n} Replaced the publisher's power supply")
    assert "Решаване: нарушено 15:00 (закъснение 1 ч 00 мин) — очаква потвърждение" in resolved.lines
    at(desk, 15, 30)
    await desk.say("ivana", f"/confirm {n}")
    clock = resolution(desk)
    assert (clock.stopped_at, clock.final_at, clock.met, clock.margin_seconds) == (
        utc(2026, 11, 23, 13, 0), utc(2026, 11, 23, 13, 30), False, -3600)
    status = (await desk.say("ivana", f"/status {n}")).as_text()
    assert "Решаване: нарушено 15:00 (закъснение 1 ч 00 мин); потвърдено 15:30" in status
    kinds = desk.db.read_sync(lambda s: [e.kind for e in s.exec(select(TimelineEvent).order_by(TimelineEvent.id))])
    assert [k for k in kinds if k in ("resolved", "reopened", "confirmed")] == [
        "resolved", "reopened", "resolved", "confirmed"]


async def test_a_deadline_that_passed_while_it_stood_is_announced_once_at_the_reopen(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 12)
    tick(desk)  # 50%
    at(desk, 13)
    await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    at(desk, 14, 30)
    assert tick(desk) == []
    await desk.say("ivana", f"/reopen {n} Calls drop again")
    breach = [m for m in sla_messages(desk) if m.kind == "sla.breach"]
    assert [m.audience for m in breach] == ["customer:noi", "person:georgi"]
    assert all(not m.late for m in breach)  # the desk was running: nothing was sent late
    assert json.loads(breach[0].payload)["text"] == f"{n}: срокът за решаване 2026-11-23 14:00 е изтекъл"
    assert tick(desk) == []  # the 80% of 13:12 is a moment already gone; the breach is not repeated
    at(desk, 16)
    assert tick(desk) == []


async def test_paused_time_still_does_not_count(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 11)
    await desk.say("georgi", f"/pause {n} Waiting for the customer's maintenance window")
    at(desk, 12)
    await desk.say("georgi", f"/resume {n}")  # the deadline moves by the hour: 15:00
    at(desk, 14, 30)
    resolved = await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    assert "Решаване: спазено 14:30 (резерв 30 мин) — очаква потвърждение" in resolved.lines
    at(desk, 15, 30)
    reopened = await desk.say("ivana", f"/reopen {n} Calls drop again")
    assert "Решаване до 15:00 (просрочено с 30 мин)" in reopened.lines


async def test_resolved_while_paused_stops_with_the_pause_counted(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 13)
    await desk.say("georgi", f"/pause {n} Waiting for the customer's maintenance window")
    at(desk, 14, 30)
    resolved = await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    # paused 13:00-14:30: the deadline is 15:30, the fix at 14:30 is an hour early
    assert "Решаване: спазено 14:30 (резерв 1 ч 00 мин) — очаква потвърждение" in resolved.lines


async def test_resolution_stops_confirmed_keeps_the_stop_at_the_confirmation(noi_config: Config,
                                                                              db_url: str) -> None:
    h = DeskHarness(with_noi(noi_config, resolution_stops="confirmed"), db_url, MONDAY_1000_SOFIA)
    try:
        n = await report_and_work(h)
        at(h, 13)
        resolved = await h.say("georgi", f"/resolve {n} Restarted the CallManager service")
        assert "Решаване до 14:00 (остават 1 ч 00 мин)" in resolved.lines
        at(h, 13, 12)
        assert [k for k, _ in tick(h)] == ["sla.warning", "sla.warning"]  # 50% and 80%: the clock runs
        at(h, 14)
        assert [k for k, _ in tick(h)] == ["sla.breach"]
        at(h, 15)
        await h.say("ivana", f"/confirm {n}")
        clock = resolution(h)
        assert (clock.stopped_at, clock.final_at, clock.met, clock.margin_seconds) == (
            utc(2026, 11, 23, 13, 0), utc(2026, 11, 23, 13, 0), False, -3600)
        status = (await h.say("ivana", f"/status {n}")).as_text()
        assert "Решаване: нарушено 15:00 (закъснение 1 ч 00 мин)" in status
        assert "потвърдено 15:00" not in status
    finally:
        h.close()


async def test_a_category_may_say_otherwise_than_its_customer(noi_config: Config, db_url: str) -> None:
    config = with_category(with_noi(noi_config, resolution_stops="confirmed"), "urgent", resolution_stops="resolved")
    h = DeskHarness(config, db_url, MONDAY_1000_SOFIA)
    try:
        assert config.customers["noi"].resolution_stops_for("urgent") == "resolved"
        assert config.customers["noi"].resolution_stops_for("other") == "confirmed"
        n = await report_and_work(h)
        at(h, 13)
        await h.say("georgi", f"/resolve {n} Restarted the CallManager service")
        at(h, 15)
        await h.say("ivana", f"/confirm {n}")
        assert resolution(h).met is True
    finally:
        h.close()


def test_every_sentence_of_the_issue_is_in_english_bulgarian_and_persian_with_the_same_placeholders() -> None:
    import string

    from commands.domain.i18n.messages_resolution import MESSAGES

    for key, entry in MESSAGES.items():
        assert set(entry) == {"en", "bg", "fa"}, key
        fields = {loc: {f for _, f, _, _ in string.Formatter().parse(text) if f} for loc, text in entry.items()}
        assert fields["bg"] == fields["en"] == fields["fa"], key


def test_english_and_persian_say_awaiting_confirmation() -> None:
    from commands.domain.i18n.catalog import t

    assert t("en", "clock.awaiting", line="Resolution: met 13:00 (1h to spare)") == (
        "Resolution: met 13:00 (1h to spare) — awaiting confirmation")
    assert t("fa", "clock.awaiting", line="x") == "x — در انتظار تأیید"
    assert t("en", "clock.final", line="L", when="15:00") == "L; confirmed 15:00"


async def test_a_setting_changed_while_a_fix_awaits_is_honoured_at_the_confirmation(noi_config: Config,
                                                                                   db_url: str) -> None:
    """A fix resolved under "confirmed" (its clock still running) and confirmed under "resolved" stops at
    the fix; a provisional stop confirmed under "confirmed" stops at the confirmation, as the contract
    then says (the same holds for incidents the upgrade carried over: storage/migrations 0002)."""
    confirmed_cfg = with_noi(noi_config, resolution_stops="confirmed")
    h = DeskHarness(confirmed_cfg, db_url, MONDAY_1000_SOFIA)
    n = await report_and_work(h)
    at(h, 13)
    await h.say("georgi", f"/resolve {n} Restarted the CallManager service")
    now = h.clock.now()
    h.close()
    h = DeskHarness(noi_config, db_url, now)
    h._ids = itertools.count(100)  # a new process: new platform delivery ids
    try:
        at(h, 15)
        reply = await h.say("ivana", f"/confirm {n}")
        assert not reply.is_error, reply.text
        clock = resolution(h)
        assert (clock.stopped_at, clock.final_at, clock.met) == (utc(2026, 11, 23, 11, 0), utc(2026, 11, 23, 13, 0), True)
        at(h, 15, 10)
        await h.say("ivana", f"/reopen {n} Calls drop again")
        at(h, 15, 20)
        await h.say("georgi", f"/resolve {n} Replaced the power supply")
        now = h.clock.now()
    finally:
        h.close()
    h = DeskHarness(confirmed_cfg, db_url, now)
    h._ids = itertools.count(200)
    try:
        at(h, 15, 40)
        await h.say("ivana", f"/confirm {n}")
        clock = resolution(h)
        assert (clock.stopped_at, clock.final_at, clock.met) == (utc(2026, 11, 23, 13, 40), utc(2026, 11, 23, 13, 40), False)
    finally:
        h.close()


# -- tacit acceptance: Tuesday 2026-12-22, before Christmas (Bulgarian holidays 24, 25, 26 and 28 Dec) -----
TUESDAY_22_DEC_1000 = utc(2026, 12, 22, 8, 0)


def on(h: DeskHarness, day: int, hour: int, minute: int = 0) -> None:
    """Move the desk's clock to hh:mm Sofia on ``day`` December 2026 (UTC+2)."""
    target = utc(2026, 12, day, hour - 2, minute)
    assert target >= h.clock.now()
    h.clock.advance(target - h.clock.now())


def confirm_messages(h: DeskHarness) -> list[OutboxMessage]:
    rows = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id))))
    return [m for m in rows if m.kind.startswith("confirm.")]


def incident(h: DeskHarness) -> Incident:
    return h.db.read_sync(lambda s: s.exec(select(Incident)).one())


async def resolved_before_christmas(h: DeskHarness) -> str:
    n = (await h.say("ivana", "/incident urgent cucm Inbound calls fail for all operators")).control_number
    on(h, 22, 10, 10)
    await h.say("georgi", f"/ack {n}")
    on(h, 22, 10, 30)
    await h.say("georgi", f"/arrive {n} remote")
    on(h, 22, 13)
    resolved = await h.say("georgi", f"/resolve {n} Restarted the CallManager service")
    assert not resolved.is_error, resolved.text
    accepted = {"3 working days": "2026-12-30 17:30", "1 working day": "2026-12-23 17:30"}
    policy = h.app.services.config.customers["noi"].confirm_after
    assert policy is not None
    assert resolved.lines[-1] == f"Без отговор решението се счита за прието {accepted[policy]}"
    return n


async def test_tacit_acceptance_after_three_working_days_across_christmas(noi_config: Config, db_url: str) -> None:
    """Resolved Tue 22 Dec 13:00; working days after it: Wed 23 (1st), then Christmas Eve, Christmas, a
    weekend and the observed Christmas on Monday 28, Tue 29 (2nd), Wed 30 (3rd): accepted at its close,
    17:30, reminded one working day before, Tue 29 at 17:30."""
    h = DeskHarness(with_noi(noi_config, confirm_after="3 working days"), db_url, TUESDAY_22_DEC_1000)
    try:
        n = await resolved_before_christmas(h)
        assert incident(h).next_check_at == utc(2026, 12, 29, 15, 30)  # the reminder, for the sweeper
        for day, hour in ((22, 17), (23, 17), (24, 12), (25, 18), (26, 12), (28, 17), (29, 17)):
            on(h, day, hour, 29)
            assert tick(h) == [] and confirm_messages(h) == []
        on(h, 29, 17, 30)
        tick(h)
        [reminder] = confirm_messages(h)
        assert (reminder.kind, reminder.audience) == ("confirm.reminder", "person:ivana")
        text = json.loads(reminder.payload)["text"]
        assert text.startswith(f"{n}: решението ще се счита за прието 2026-12-30 17:30, ако не отговорите")
        assert json.loads(reminder.payload)["lines"] == ["Какво е направено: Restarted the CallManager service"]
        tick(h)
        assert len(confirm_messages(h)) == 1  # once
        assert incident(h).next_check_at == utc(2026, 12, 30, 15, 30)
        on(h, 30, 17, 29)
        tick(h)
        assert incident(h).state == "resolved"
        on(h, 30, 17, 30)
        tick(h)
        inc = incident(h)
        assert (inc.state, inc.confirmed_at, inc.next_check_at) == ("confirmed", utc(2026, 12, 30, 15, 30), None)
        clock = resolution(h)
        assert (clock.stopped_at, clock.final_at, clock.met, clock.margin_seconds) == (
            utc(2026, 12, 22, 11, 0), utc(2026, 12, 30, 15, 30), True, 3600)
        tick(h)
        assert [m.kind for m in confirm_messages(h)] == ["confirm.reminder", "confirm.accepted"]
        accepted = json.loads(confirm_messages(h)[1].payload)["text"]
        assert accepted == f"{n}: решението е прието мълчаливо — без отговор в 3 работни дни; инцидентът е приключен"
        status = (await h.say("ivana", f"/status {n}")).as_text()
        assert "Решаване: спазено 2026-12-22 13:00 (резерв 1 ч 00 мин); потвърдено 17:30" in status  # today
        assert "2026-12-29 17:30 · напомняне за мълчаливо приемане" in status
        assert "2026-12-30 17:30 · прието мълчаливо (без отговор в срок)" in status
        assert not [m for m in sla_messages(h) if m.kind == "sla.breach"]
    finally:
        h.close()


async def test_a_desk_that_was_down_accepts_at_the_instant_and_skips_the_stale_reminder(noi_config: Config,
                                                                                        db_url: str) -> None:
    h = DeskHarness(with_noi(noi_config, confirm_after="3 working days"), db_url, TUESDAY_22_DEC_1000)
    try:
        await resolved_before_christmas(h)
        on(h, 31, 9)  # nobody swept since Tuesday 22
        tick(h)
        assert [m.kind for m in confirm_messages(h)] == ["confirm.accepted"]
        assert incident(h).confirmed_at == utc(2026, 12, 30, 15, 30)
    finally:
        h.close()


async def test_an_answer_or_a_reopen_comes_before_tacit_acceptance(noi_config: Config, db_url: str) -> None:
    h = DeskHarness(with_noi(noi_config, confirm_after="3 working days", confirm_reminder="none"), db_url,
                    TUESDAY_22_DEC_1000)
    try:
        n = await resolved_before_christmas(h)
        assert incident(h).next_check_at == utc(2026, 12, 30, 15, 30)  # no reminder: straight to acceptance
        on(h, 23, 9)
        await h.say("ivana", f"/reopen {n} Calls drop again")
        on(h, 29, 11)
        await h.say("georgi", f"/resolve {n} Replaced the power supply")  # the 3 working days start again
        assert incident(h).next_check_at == utc(2027, 1, 4, 15, 30)  # 30, 31 Dec; New Year's Day; Mon 4 Jan
        on(h, 30, 10)
        await h.say("ivana", f"/confirm {n}")
        assert incident(h).next_check_at is None
        on(h, 31, 12)
        h.clock.advance(utc(2027, 1, 5, 12, 0) - h.clock.now())
        tick(h)
        assert confirm_messages(h) == []
        assert incident(h).confirmed_at == utc(2026, 12, 30, 8, 0)
    finally:
        h.close()


async def test_tacit_acceptance_under_confirmed_stops_the_clock_at_the_acceptance(noi_config: Config,
                                                                                  db_url: str) -> None:
    config = with_noi(noi_config, confirm_after="1 working day", resolution_stops="confirmed")
    h = DeskHarness(config, db_url, TUESDAY_22_DEC_1000)
    try:
        await resolved_before_christmas(h)
        assert incident(h).next_check_at == utc(2026, 12, 22, 10, 0)  # its 50% warning: the clock runs
        on(h, 23, 17, 30)  # one working day: no reminder by default
        tick(h)
        assert [m.kind for m in confirm_messages(h)] == ["confirm.accepted"]
        clock = resolution(h)
        assert (clock.stopped_at, clock.final_at, clock.met) == (utc(2026, 12, 23, 15, 30),) * 2 + (False,)
    finally:
        h.close()


@pytest.mark.parametrize(("keys", "error"), [
    ({"confirm_after": "5 days"}, "'5 days' is not a count of working days such as '5 working days'"),
    ({"confirm_after": "0 working days"}, "is not a count of working days"),
    ({"confirm_after": "2 working days", "confirm_reminder": "2 working days before"}, "fewer working days"),
    ({"confirm_after": "2 working days", "confirm_reminder": "tomorrow"}, "is not a reminder such as"),
    ({"confirm_reminder": "1 working day before"}, "confirm_reminder needs confirm_after"),
    ({"resolution_stops": "answered"}, "resolution_stops"),
])
def test_bad_settings_are_refused_naming_the_key(tmp_path, keys: dict[str, str], error: str) -> None:  # type: ignore[no-untyped-def]
    from bot.settings import ConfigError, load_config
    from tests.conftest import EXAMPLES

    text = (EXAMPLES / "noi.toml").read_text(encoding="utf-8")
    extra = "".join(f'{k} = "{v}"\n' for k, v in {"resolution_stops": "resolved", **keys}.items())
    assert 'resolution_stops = "resolved"' in text
    text = text.replace('resolution_stops = "resolved"', extra, 1)
    path = tmp_path / "noi.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert error in str(info.value)


async def test_the_daily_summary_counts_a_tacit_acceptance_as_a_confirmation(noi_config: Config, db_url: str) -> None:
    from datetime import date

    from commands.reports.report import daily_summary

    h = DeskHarness(with_noi(noi_config, confirm_after="3 working days"), db_url, TUESDAY_22_DEC_1000)
    try:
        n = await resolved_before_christmas(h)
        on(h, 30, 17, 30)
        tick(h)
        on(h, 31, 9)
        services, now = h.app.services, h.clock.now()
        lines = h.db.read_sync(lambda s: list(daily_summary(s, services, "noi", date(2026, 12, 31), now).lines))
        assert any(line.startswith("От ") and "1 потвърдени" in line for line in lines)
        assert f"• 2026-12-30 17:30 · {n} · прието мълчаливо" in lines
    finally:
        h.close()


async def test_a_pause_open_across_the_fix_and_the_reopen_still_does_not_count(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 12)
    assert [k for k, _ in tick(desk)] == ["sla.warning"]  # 50%
    at(desk, 13)
    await desk.say("georgi", f"/pause {n} Waiting for the customer's maintenance window")
    at(desk, 14, 30)
    resolved = await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    assert "Решаване: спазено 14:30 (резерв 1 ч 00 мин) — очаква потвърждение" in resolved.lines
    at(desk, 15)
    reopened = await desk.say("ivana", f"/reopen {n} Calls drop again")  # still paused since 13:00
    assert "Решаване до 16:00 (остават 1 ч 00 мин)" in reopened.lines
    assert tick(desk) == []  # a paused clock says nothing
    at(desk, 15, 30)
    resumed = await desk.say("georgi", f"/resume {n}")
    assert "Решаване до 16:30 (остават 1 ч 00 мин)" in resumed.lines  # 14:00 + the 2 h 30 min pause
    at(desk, 15, 41)
    assert tick(desk) == []
    at(desk, 15, 43)  # 80% of the 4 h: 10:00-13:00 and 15:30-15:42, the pause left out (found to the second)
    assert [k for k, _ in tick(desk)] == ["sla.warning"]
    at(desk, 16, 30)
    assert tick(desk) == [("sla.breach", f"{n}: срокът за решаване 2026-11-23 16:30 е изтекъл")]


async def test_in_persian_the_fix_awaits_confirmation_and_then_is_confirmed(hgp_config: Config, db_url: str) -> None:
    h = DeskHarness(hgp_config, db_url, utc(2026, 11, 22, 7, 0))  # Sunday 10:30 Tehran, a working day
    try:
        n = (await h.say("sara", "/incident critical crm CRM down")).control_number
        h.advance(minutes=20)
        await h.say("reza", f"/ack {n}")
        h.advance(minutes=40)
        resolved = await h.say("reza", f"/resolve {n} سرویس دوباره راه‌اندازی شد")
        [line] = [x for x in resolved.lines if x.startswith("رفع:")]
        assert line.endswith("— در انتظار تأیید")
        h.advance(hours=2)
        await h.say("sara", f"/confirm {n}")
        status = (await h.say("sara", f"/status {n}")).as_text()
        [line] = [x for x in status.splitlines() if x.startswith("رفع:")]
        assert "در انتظار تأیید" not in line and "؛ تأیید " in line
    finally:
        h.close()
