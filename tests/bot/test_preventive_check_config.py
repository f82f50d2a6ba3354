"""``dutydesk check-config`` shows each planned task's rule and its next due days, as the sweeper computes them."""

from __future__ import annotations

from bot.schedules_cli import schedule_report
from commands.domain.config import Config
from tests.conftest import utc


def test_the_plan_of_noi_is_shown_with_its_first_due_day_across_christmas(noi_config: Config) -> None:
    lines = schedule_report(noi_config, utc(2026, 11, 23, 8, 0), 3)
    at = lines.index("  preventive noi/config-archive: 10 working days after contract start (2026-12-14), then every "
                     "month on the 2nd working day; schedule:primary (Europe/Sofia)")
    assert lines[at + 1:at + 4] == ["      #1 due Thu 2026-12-31 17:30 +02:00", "      #2 due Tue 2027-01-05 17:30 +02:00",
                                    "      #3 due Tue 2027-02-02 17:30 +02:00"]


def test_past_due_days_are_not_listed(hgp_config: Config) -> None:
    lines = schedule_report(hgp_config, utc(2027, 1, 10, 8, 0), 2)
    at = next(i for i, line in enumerate(lines) if line.startswith("  preventive hgp/backup-restore:"))
    assert lines[at + 1:at + 3] == ["      #2 due Sun 2027-04-04 17:30 +03:30", "      #3 due Sat 2027-07-03 17:30 +03:30"]
