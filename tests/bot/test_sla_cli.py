"""`dutydesk sla`: the contract's whole SLA table, as configured in examples/, row by row and clock by clock."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES

# Friday 2026-11-27 15:00 in Sofia; Wednesday 2026-11-25 16:00 in Tehran (the last working day of its week).
ROWS = [
    ("noi", "urgent", "2026-11-27T15:00",
     {"reaction": "2026-11-27T15:30:00+02:00", "arrival": "2026-11-27T16:00:00+02:00",
      "resolution": "2026-11-27T19:00:00+02:00"}),
    ("noi", "pressing", "2026-11-27T15:00",
     {"reaction": "2026-11-27T16:00:00+02:00", "arrival": "2026-11-27T21:00:00+02:00",
      "resolution": "2026-11-30T17:30:00+02:00"}),  # end of the next working day: Monday
    ("noi", "other", "2026-11-27T15:00",
     {"reaction": "2026-11-27T17:00:00+02:00",  # 2 business hours
      "arrival": "2026-11-30T15:00:00+02:00",  # 6 h from Monday's opening
      "resolution": "2026-12-01T17:30:00+02:00"}),  # end of the 2nd next working day
    ("noi", "phones", "2026-11-27T15:00",
     {"reaction": None, "arrival": None, "resolution": "2026-12-11T17:30:00+02:00"}),  # 10 working days
    ("hgp", "critical", "2026-11-25T16:00",
     {"reaction": "2026-11-25T17:00:00+03:30", "arrival": None,
      "resolution": "2026-11-28T16:00:00+03:30"}),  # 1.5 h Wednesday + 6.5 h Saturday
    ("hgp", "normal", "2026-11-25T16:00",
     {"reaction": "2026-11-28T12:00:00+03:30", "arrival": None, "resolution": "2026-11-29T17:30:00+03:30"}),
]


@pytest.mark.parametrize(("customer", "category", "at", "expected"), ROWS)
def test_sla_json_per_row_and_clock(customer: str, category: str, at: str, expected: dict[str, str | None]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sla", "--config", str(EXAMPLES / f"{customer}.toml"), "--customer", customer,
         "--category", category, "--at", at, "--json"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


def test_an_unknown_category_is_refused_with_the_known_ones() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sla", "--config", str(EXAMPLES / "noi.toml"), "--customer", "noi",
         "--category", "apocalyptic", "--at", "2026-11-27T15:00"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert "urgent, pressing, other, phones" in result.stderr
