"""The one crontab parser (commands/domain/cron.py), by crontab(5) and cron(8) of Vixie/ISC cron.

The year-long comparison with croniter over every schedule the process sets up is in
tests/bot/test_schedules.py; here are the rules one by one, the refusals, and the two places where
croniter departs from cron: a day-of-month field that starts with ``*`` (``*/2``) makes cron AND the
day fields, and a fixed-time job runs once in a repeated hour.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from pydantic import ValidationError

from commands.domain.config import Config
from commands.domain.cron import CronError, cron_schedule, parse_crontab
from tests.conftest import EXAMPLES

SOFIA, TEHRAN = ZoneInfo("Europe/Sofia"), ZoneInfo("Asia/Tehran")


def _local(line: str, tz: ZoneInfo, start: datetime, end: datetime) -> list[str]:
    out = []
    for at in cron_schedule(line, tz).fire_times(start):
        if at >= end:
            break
        out.append(at.astimezone(tz).strftime("%a %d.%m %H:%M%z"))
    return out


@pytest.mark.parametrize(("line", "weekdays"), [
    ("0 2 * * 0", {0}), ("0 2 * * 7", {0}), ("0 2 * * 1-5", {1, 2, 3, 4, 5}), ("0 2 * * 5-7", {5, 6, 0}),
    ("0 2 * * 0-7", set(range(7))), ("0 2 * * MON-FRI", {1, 2, 3, 4, 5}), ("0 2 * * sun,Sat", {0, 6}),
    ("0 2 * * */2", {0, 2, 4, 6}), ("0 2 * * 1/2", {1, 3, 5}), ("0 2 * * 1-7/2", {1, 3, 5, 0}),
    ("0 2 * * mon-sun", set(range(7))), ("0 2 * * sun-tue", {0, 1, 2}), ("0 2 * * fri-sun", {5, 6, 0}),
])
def test_weekdays_are_crontabs(line: str, weekdays: set[int]) -> None:
    assert parse_crontab(line).weekdays == weekdays


def test_fields_ranges_steps_names_and_nicknames() -> None:
    tab = parse_crontab("  */15 9-17/4 1,15 jan-mar,DEC *  ")
    assert tab.minutes == {0, 15, 30, 45} and tab.hours == {9, 13, 17}
    assert tab.days == {1, 15} and tab.months == {1, 2, 3, 12} and tab.weekdays == set(range(7))
    assert tab.text == "*/15 9-17/4 1,15 jan-mar,DEC *"
    assert parse_crontab("5/20 * * * *").minutes == {5, 25, 45}  # a/n: from a to the end
    assert parse_crontab("@weekly") == parse_crontab("0 0 * * 0").__class__(
        **{**vars(parse_crontab("0 0 * * 0")), "text": "@weekly"})
    assert parse_crontab("@hourly").wildcard_time and not parse_crontab("@daily").wildcard_time


@pytest.mark.parametrize(("line", "says"), [
    ("0 2 * * 8", "day of week 8 is out of range 0-7 (0 and 7 are Sunday)"),
    ("60 * * * *", "minute 60 is out of range 0-59"),
    ("0 24 * * *", "hour 24 is out of range 0-23"),
    ("0 0 0 * *", "day of month 0 is out of range 1-31"),
    ("0 0 * 13 *", "month 13 is out of range 1-12"),
    ("0 0 * * fri-mon", "goes backwards"),
    ("0 0 * * 7-1", "goes backwards"),
    ("*/0 * * * *", "the step /0"),
    ("0 0 * *", "has 4 field(s); a crontab line has five"),
    ("0 0 0 * * *", "has 6 field(s)"),
    ("", "has 0 field(s)"),
    ("@reboot", "the @ forms are"),
    ("0 0 30 2 *", "never runs"),
    ("0 0 31 4,6,9,11 *", "never runs"),
    ("? * * * *", "is not *, a number"),
    ("0 2 * * monday", "'monday' is not a number; names: sun, mon"),
    ("0 2 * * 1#2", "is not *, a number"),
    ("0 2 L * *", "is not a number"),
    ("٣ 2 * * *", "is not *, a number"),  # Arabic-Indic digit: not what cron reads
    ("0 2 * * 1-", "is not *, a number"),
    ("0 2 * * 1,,2", "is not *, a number"),
    ("1 " * 150, "at most 200 characters"),
])
def test_what_is_not_a_crontab_line_is_refused_saying_why(line: str, says: str) -> None:
    with pytest.raises(CronError) as caught:
        parse_crontab(line)
    assert says in str(caught.value)


def test_both_day_fields_restricted_means_either_and_a_star_field_means_both() -> None:
    """crontab(5): "If both fields are restricted (i.e., don't start with *), the command will be run
    when either field matches the current time" — and when one starts with "*" (``*/2`` too), both."""
    start, end = datetime(2026, 6, 1, tzinfo=SOFIA), datetime(2026, 6, 16, tzinfo=SOFIA)
    assert _local("0 0 1,15 * mon", SOFIA, start - timedelta(seconds=1), end) == [
        "Mon 01.06 00:00+0300", "Mon 08.06 00:00+0300", "Mon 15.06 00:00+0300"]
    assert _local("0 0 2,10 * fri", SOFIA, start, end) == [
        "Tue 02.06 00:00+0300", "Fri 05.06 00:00+0300", "Wed 10.06 00:00+0300", "Fri 12.06 00:00+0300"]
    # "*/2" starts with "*": odd days that are also Mondays (croniter ORs them; cron does not)
    ours = _local("0 0 */2 * mon", SOFIA, datetime(2026, 6, 1, tzinfo=SOFIA), datetime(2026, 9, 1, tzinfo=SOFIA))
    assert ours == ["Mon 15.06 00:00+0300", "Mon 29.06 00:00+0300", "Mon 13.07 00:00+0300", "Mon 27.07 00:00+0300",
                    "Mon 03.08 00:00+0300", "Mon 17.08 00:00+0300", "Mon 31.08 00:00+0300"]
    it = croniter("0 0 */2 * mon", datetime(2026, 6, 1, tzinfo=SOFIA))
    assert it.get_next(datetime).strftime("%a %d") == "Wed 03"  # the reference's own reading differs here
    assert _local("0 0 29 2 *", SOFIA, datetime(2026, 1, 1, tzinfo=SOFIA), datetime(2030, 1, 1, tzinfo=SOFIA)) == [
        "Tue 29.02 00:00+0200"]  # a leap day is a day: every fourth year


@pytest.mark.parametrize(("line", "tz", "start", "expected"), [
    # Sofia, 29 March 2026: 03:00 EET becomes 04:00 EEST
    ("30 3 * * *", SOFIA, datetime(2026, 3, 29, tzinfo=SOFIA), ["Sun 29.03 04:00+0300", "Mon 30.03 03:30+0300"]),
    ("0,30 3 * * *", SOFIA, datetime(2026, 3, 29, tzinfo=SOFIA), ["Sun 29.03 04:00+0300", "Mon 30.03 03:00+0300"]),
    ("*/30 3 * * *", SOFIA, datetime(2026, 3, 29, tzinfo=SOFIA), ["Mon 30.03 03:00+0300", "Mon 30.03 03:30+0300"]),
    ("30 * * * *", SOFIA, datetime(2026, 3, 29, 1, tzinfo=SOFIA),
     ["Sun 29.03 01:30+0200", "Sun 29.03 02:30+0200", "Sun 29.03 04:30+0300"]),
    # Sofia, 25 October 2026: 04:00 EEST becomes 03:00 EET, 03:00-04:00 twice
    ("30 3 * * *", SOFIA, datetime(2026, 10, 25, tzinfo=SOFIA), ["Sun 25.10 03:30+0300", "Mon 26.10 03:30+0200"]),
    ("30 * * * *", SOFIA, datetime(2026, 10, 25, 2, 45, tzinfo=SOFIA),
     ["Sun 25.10 03:30+0300", "Sun 25.10 03:30+0200", "Sun 25.10 04:30+0200"]),
    # Tehran, 22 March 2021: midnight becomes 01:00; 22 September 2021: midnight becomes 23:00 again
    ("0 0 * * *", TEHRAN, datetime(2021, 3, 21, 12, tzinfo=TEHRAN), ["Mon 22.03 01:00+0430", "Tue 23.03 00:00+0430"]),
    ("30 23 * * *", TEHRAN, datetime(2021, 9, 21, 12, tzinfo=TEHRAN), ["Tue 21.09 23:30+0430", "Wed 22.09 23:30+0330"]),
])
def test_dst_nights_follow_cron8(line: str, tz: ZoneInfo, start: datetime, expected: list[str]) -> None:
    """cron(8): a fixed-time job in the skipped hour runs right after the change, in the repeated hour
    once; a wildcard job runs by the new time (not in the skipped hour, twice in the repeated one)."""
    assert _local(line, tz, start, start + timedelta(days=2))[:len(expected)] == expected


def test_fire_times_are_utc_strictly_after_and_the_latest_period() -> None:
    sched = cron_schedule("0 2 * * 1-5", "Europe/Sofia")
    monday_0200 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert sched.next_after(monday_0200) == monday_0200 + timedelta(days=1)
    assert sched.next_after(monday_0200 - timedelta(microseconds=1)) == monday_0200
    assert sched.latest(monday_0200 + timedelta(minutes=5), timedelta(hours=1)) == monday_0200
    assert sched.latest(monday_0200 + timedelta(hours=2), timedelta(hours=1)) is None
    with pytest.raises(ValueError, match="aware"):
        sched.next_after(datetime(2026, 11, 23))


def test_the_config_refuses_a_bad_schedule_naming_the_key_and_the_rule() -> None:
    raw: dict[str, Any] = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    raw["customers"]["noi"].pop("preventive", None)  # its tasks name the example's backup targets
    raw["customers"]["noi"]["backups"] = {"t": {"driver": "command", "argv": ["/bin/true"], "schedule": "0 2 * * 8"}}
    with pytest.raises(ValidationError) as caught:
        Config.model_validate(raw)
    text = str(caught.value)
    assert "customers.noi.backups.t" in text and "schedule" in text and "(0 and 7 are Sunday)" in text
