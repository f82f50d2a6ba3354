"""Preventive maintenance plans: the first due date on the SLA grammar, recurrences, reminders, across holidays."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from commands.domain.calendar import BusinessCalendar
from commands.domain.config import Config
from commands.incidents.domain.sla import WorkingDaysAfterEvent
from commands.preventive.domain.config import localized
from commands.preventive.domain.due import (
    Interval,
    NthWorkingDayOfMonth,
    add_months,
    describe_first_due,
    parse_first_due,
    parse_recurrence,
    parse_remind_before,
    previous_working_day,
    task_plan,
)

SOFIA = ZoneInfo("Europe/Sofia")
TEHRAN = ZoneInfo("Asia/Tehran")


def _sofia() -> BusinessCalendar:
    return BusinessCalendar("Europe/Sofia", frozenset(range(5)), {d: ((_t(9), _t(17, 30)),) for d in range(5)},
                            country="BG")


def _tehran() -> BusinessCalendar:
    return BusinessCalendar("Asia/Tehran", frozenset({5, 6, 0, 1, 2}),
                            {d: ((_t(9, 30), _t(17, 30)),) for d in (5, 6, 0, 1, 2)}, country="IR")


def _t(h: int, m: int = 0):  # type: ignore[no-untyped-def]
    from datetime import time

    return time(h, m)


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")


def test_ten_working_days_after_the_contract_start_skip_bulgarian_christmas() -> None:
    # Monday 2026-12-14: 15-18, 21-23 are 7 working days; 24, 25, 26 (Christmas), the weekend and Monday 28
    # (Christmas observed) are off; 29, 30, 31 are the 8th to 10th.
    plan = task_plan("10 working days after contract start", None, date(2026, 12, 14), "3 working days")
    (first,) = plan.until(_sofia(), datetime(2030, 1, 1, tzinfo=SOFIA))
    assert _local(first.due_at, SOFIA) == "Thu 2026-12-31 17:30"
    assert _local(first.opens_at, SOFIA) == "Mon 2026-12-14 00:00"
    # three working days before Thursday 31st: 30th, 29th, then — over the holidays — Wednesday 23rd
    assert first.remind_at is not None and _local(first.remind_at, SOFIA) == "Wed 2026-12-23 09:00"


def test_the_same_words_in_tehran_follow_the_iranian_week_and_holidays() -> None:
    # Saturday 2026-12-19; Wednesday 23rd is a holiday, Thursday and Friday are the weekend.
    plan = task_plan("10 working days after contract start", "every month on the 1st working day",
                     date(2026, 12, 19), "2 working days")
    got = plan.until(_tehran(), datetime(2027, 2, 1, tzinfo=TEHRAN))
    assert [_local(o.due_at, TEHRAN) for o in got] == ["Sun 2027-01-03 17:30", "Mon 2027-02-01 17:30"]
    assert got[0].remind_at is not None and _local(got[0].remind_at, TEHRAN) == "Wed 2026-12-30 09:30"  # Sat 2nd, Wed 30th
    assert got[1].opens_at == got[0].due_at  # each window opens when the previous one is due


def test_every_month_on_the_2nd_working_day_skips_new_year_and_liberation_day() -> None:
    plan = task_plan("10 working days after contract start", "every month on the 2nd working day",
                     date(2026, 12, 14), "none")
    got = plan.until(_sofia(), datetime(2027, 3, 1, tzinfo=SOFIA))  # windows opened by then
    assert [_local(o.due_at, SOFIA) for o in got] == [
        "Thu 2026-12-31 17:30",
        "Tue 2027-01-05 17:30",  # Friday 1st is New Year: Monday 4th, Tuesday 5th
        "Tue 2027-02-02 17:30",
        "Tue 2027-03-02 17:30",  # Wednesday 3rd (Liberation Day) comes after
    ]
    assert all(o.remind_at is None for o in got)
    assert [o.seq for o in got] == [1, 2, 3, 4]


def test_every_3_months_moves_a_day_off_to_the_next_working_day() -> None:
    plan = task_plan("10 working days after contract start", "every 3 months", date(2026, 12, 14), "0 working days")
    got = plan.until(_sofia(), datetime(2028, 1, 1, tzinfo=SOFIA))
    dues = [_local(o.due_at, SOFIA) for o in got]
    # 31 March, 30 June (the 31st does not exist), 30 September, 31 December 2027 (a Friday)
    assert dues[:5] == ["Thu 2026-12-31 17:30", "Wed 2027-03-31 17:30", "Wed 2027-06-30 17:30",
                        "Thu 2027-09-30 17:30", "Fri 2027-12-31 17:30"]
    # remind "0 working days": the opening of the due day itself
    assert _local(got[1].remind_at, SOFIA) == "Wed 2027-03-31 09:00"  # type: ignore[arg-type]


def test_a_due_date_on_a_weekend_moves_forward() -> None:
    plan = task_plan("end of next working day", "every 1 week", date(2026, 12, 16), "none")
    got = plan.until(_sofia(), datetime(2026, 12, 31, 12, tzinfo=SOFIA))
    # first: Thursday 17th; +1 week = Christmas Eve → Tuesday 29th; +2 weeks = Thursday 31st again
    assert [_local(o.due_at, SOFIA) for o in got] == ["Thu 2026-12-17 17:30", "Tue 2026-12-29 17:30",
                                                      "Thu 2026-12-31 17:30"]
    daily = task_plan("end of next working day", "every day", date(2026, 12, 22), "none")
    got = daily.until(_sofia(), datetime(2026, 12, 30, tzinfo=SOFIA))
    # every day lands on the holidays 24-28 → the next working day, each once, strictly later
    dues = [_local(o.due_at, SOFIA) for o in got]
    assert dues[:3] == ["Wed 2026-12-23 17:30", "Tue 2026-12-29 17:30", "Wed 2026-12-30 17:30"]
    assert all(b.due_at > a.due_at for a, b in itertools.pairwise(got))


def test_jalali_months_for_an_iranian_customer() -> None:
    """``every Jalali month on the 1st working day``: the first working day of each Solar Hijri month on
    hgp's calendar (Saturday–Wednesday, Iranian holidays), not of each Gregorian month."""
    jalali = task_plan("5 working days after contract start", "every Jalali month on the 1st working day",
                       date(2026, 12, 1), "none").until(_tehran(), datetime(2027, 5, 1, tzinfo=TEHRAN))
    assert [_local(o.due_at, TEHRAN) for o in jalali] == [
        "Tue 2026-12-08 17:30",  # the first: 5 working days after 1405/09/10
        "Tue 2026-12-22 17:30",  # 1 Dey 1405
        "Sat 2027-01-23 17:30",  # 1 Bahman is a Thursday, the weekend follows: 3 Bahman
        "Sat 2027-02-20 17:30",  # 1 Esfand
        "Sat 2027-03-27 17:30",  # Farvardin 1406: Nowruz (1–4 Farvardin), then Thursday and Friday: 7 Farvardin
        "Wed 2027-04-21 17:30",  # 1 Ordibehesht
        "Sat 2027-05-22 17:30",  # 1 Khordad: its window opened on 1 Ordibehesht
    ]
    gregorian = task_plan("5 working days after contract start", "every month on the 1st working day",
                          date(2026, 12, 1), "none").until(_tehran(), datetime(2027, 5, 1, tzinfo=TEHRAN))
    assert _local(gregorian[1].due_at, TEHRAN) == "Sat 2027-01-02 17:30"  # the Gregorian month's, not Dey's
    # the last working day of every third Jalali month: Esfand 1405 has 29 days, the 29th (Oil
    # Nationalization Day) a holiday and the 27th–28th Thursday and Friday: the 26th
    quarterly = task_plan("5 working days after contract start", "every 3 jalali months on the last working day",
                          date(2026, 12, 1), "none").until(_tehran(), datetime(2027, 6, 1, tzinfo=TEHRAN))
    assert [_local(o.due_at, TEHRAN) for o in quarterly[1:]] == ["Wed 2027-03-17 17:30", "Mon 2027-06-21 17:30"]
    # whole Jalali months from a date: the 31st of Shahrivar becomes the 30th of Mehr; Esfand has 30 days
    # in a leap year (1403) and 29 otherwise (1404)
    assert add_months(date(2026, 9, 22), 1, jalali=True) == date(2026, 10, 22)  # 1405/06/31 → 1405/07/30
    assert add_months(date(2025, 1, 19), 1, jalali=True) == date(2025, 2, 18)  # 1403/10/30 → 1403/11/30
    assert add_months(date(2025, 2, 18), 1, jalali=True) == date(2025, 3, 20)  # 1403/11/30 → 1403/12/30
    assert add_months(date(2026, 2, 19), 1, jalali=True) == date(2026, 3, 20)  # 1404/11/30 → 1404/12/29


def test_the_grammars() -> None:
    assert parse_first_due("10 Working  Days after Contract Start") == WorkingDaysAfterEvent(10, "contract_start")
    assert describe_first_due(parse_first_due("10 working days after contract_start")) == \
        "10 working days after contract start"
    with pytest.raises(ValueError, match="after the contract start"):
        parse_first_due("10 working days after received")
    with pytest.raises(ValueError, match="not a first due date"):
        parse_first_due("soon")
    assert parse_recurrence("every 3 months") == Interval(3, "month")
    assert parse_recurrence("Every month") == Interval(1, "month")
    assert parse_recurrence("every month on the 2nd working day") == NthWorkingDayOfMonth(1, 2)
    assert parse_recurrence("every 3 months on the last working day") == NthWorkingDayOfMonth(3, -1)
    assert parse_recurrence("every Jalali month on the 1st working day") == NthWorkingDayOfMonth(1, 1, jalali=True)
    assert parse_recurrence("every 3 solar hijri months") == Interval(3, "month", jalali=True)
    assert parse_recurrence("every shamsi year") == Interval(1, "year", jalali=True)
    for bad in ("every 0 months", "every month on the 0th working day", "monthly", "every fortnight",
                "every month on the 40th working day", "every jalali week", "every jalali day"):
        with pytest.raises(ValueError):
            parse_recurrence(bad)
    assert parse_remind_before("3 working days before") == 3
    assert parse_remind_before("none") is None
    with pytest.raises(ValueError):
        parse_remind_before("3 days")
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert previous_working_day(date(2027, 1, 4), _sofia()) == date(2026, 12, 31)


def test_localized_text() -> None:
    assert localized({"bg": "Преглед", "en": "Review"}, "bg") == "Преглед"
    assert localized({"bg": "Преглед", "en": "Review"}, "fa") == "Review"
    assert localized({"fa": "پایش"}, "en") == "پایش"
    assert localized("Review", "fa") == "Review"


def _config(noi_config: Config, **task: object) -> dict[str, object]:
    raw = noi_config.model_dump(mode="json")
    raw["customers"]["noi"]["preventive"]["tasks"]["extra"] = {
        "title": "x", "responsible": "schedule:primary", **task}
    return raw  # type: ignore[no-any-return]


@pytest.mark.parametrize(("task", "message"), [
    ({"components": ["nope"]}, "'nope' is not a component"),
    ({"backups": ["nope"]}, "'nope' is not a backup target"),
    ({"responsible": "schedule:nope"}, "unknown schedule 'nope'"),
    ({"responsible": "person:ivana"}, "'ivana' is not an engineer or admin of 'noi'"),
    ({"responsible": "engineers:hgp"}, "its own engineers"),
    ({"responsible": "anyone"}, "responsible is schedule"),
    ({"every": "monthly"}, "not a recurrence"),
    ({"first_due": "10 working days after received"}, "after the contract start"),
    ({"title": {"de": "Wartung"}}, "unknown locale"),
    ({"title": ""}, "needs a text"),
    ({"checklist": ["ok", " "]}, "checklist item 2"),
])
def test_check_config_names_what_is_wrong(noi_config: Config, task: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Config.model_validate(_config(noi_config, **task))


def test_the_examples_carry_the_seeds_tasks(noi_config: Config, hgp_config: Config) -> None:
    noi = noi_config.customers["noi"].preventive
    assert noi is not None and noi.contract_start == date(2026, 12, 14)
    assert set(noi.tasks) == {"config-archive", "review", "logs"}
    assert noi.tasks["config-archive"].backups == ("cucm", "uccx", "gw1", "gw2")
    assert "конфигурации" in localized(noi.tasks["config-archive"].title, "bg")
    hgp = hgp_config.customers["hgp"].preventive
    assert hgp is not None and set(hgp.tasks) == {"monitoring", "backup-restore"}
    assert localized(hgp.tasks["monitoring"].title, "fa").startswith("پایش")
    # nothing in the plan falls before the contract start
    cal = BusinessCalendar.from_config(noi_config.customers["noi"].calendar, "Europe/Sofia")
    for task in noi.tasks.values():
        plan = task_plan(task.first_due, task.every, noi.contract_start, noi.remind_for(task))
        first = next(plan.iter(cal))
        assert first.due_at - first.opens_at > timedelta(days=14)
