"""The on-call calendar a person imports (``/oncall ics``): RFC 5545, built with the ``icalendar``
library, which escapes text (``;``, ``,``, ``\\``, newlines) and folds lines at 75 octets without
splitting a character.

Each shift is one event with its real start and end (not cut to the export's window) and a UID made of
what identifies the shift — schedule, person, real start — so importing a later export updates the
same events instead of adding copies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from icalendar import Calendar, Event, vText

from commands.oncall.domain.rotation import Shift

PRODID = "-//dutydesk//on-call//EN"


def shift_uid(schedule: str, shift: Shift) -> str:
    """Stable across exports: the same shift always gets the same UID."""
    return f"{schedule}-{shift.person}-{shift.start.astimezone(UTC):%Y%m%dT%H%M%SZ}@dutydesk"


def calendar_file(shifts: Sequence[tuple[str, Shift]], now: datetime, *, name: str,
                  summary: Callable[[str, Shift], str], description: Callable[[str, Shift], str]) -> bytes:
    """The calendar (UTF-8, CRLF) of ``shifts`` (schedule, shift), stamped ``now``; ``summary`` and
    ``description`` give each event's text in the reader's language."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", vText(name))  # an X- property has no known type: say it is text, escaped
    for schedule, shift in shifts:
        event = Event()
        event.add("uid", shift_uid(schedule, shift))
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", shift.start.astimezone(UTC))
        event.add("dtend", shift.end.astimezone(UTC))
        event.add("summary", summary(schedule, shift))
        event.add("description", description(schedule, shift))
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
