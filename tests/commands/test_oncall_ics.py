"""``/oncall ics`` as a calendar reads it (issue 16 §3), parsed with the ``icalendar`` library: whole
shifts with stable UIDs, so two exports hours apart describe the same events (a calendar that imports
both shows each shift once); RFC 5545 text escaping and lines of at most 75 octets (RFC 5545 3.1) for
Bulgarian, Persian and hostile names."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from commands.domain.config import Config
from tests.conftest import EXAMPLES, utc
from tests.harness import DeskHarness

MONDAY_1004_SOFIA = utc(2026, 11, 23, 8, 4)
SOFIA = ZoneInfo("Europe/Sofia")


def _config(*, name: str | None = None, locale: str | None = None) -> Config:
    raw: dict[str, Any] = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    if name is not None:
        raw["people"]["georgi"]["name"] = name
    if locale is not None:
        raw["people"]["georgi"]["locale"] = locale
    return Config.model_validate(raw)


@pytest.fixture
def desk(db_url: str) -> Iterator[DeskHarness]:
    h = DeskHarness(_config(), db_url, MONDAY_1004_SOFIA)
    yield h
    h.close()


async def _export(desk: DeskHarness, who: str = "georgi", text: str = "/oncall ics") -> tuple[bytes, Calendar]:
    reply = await desk.say(who, text)
    assert not reply.is_error and reply.attachment is not None, reply.text
    assert reply.attachment.mime_type == "text/calendar"
    return reply.attachment.content, Calendar.from_ical(reply.attachment.content)


def _events(cal: Calendar) -> dict[str, tuple[datetime, datetime]]:
    return {str(e["UID"]): (e.decoded("DTSTART"), e.decoded("DTEND")) for e in cal.walk("VEVENT")}


async def test_two_exports_hours_apart_agree_on_every_shared_shift(desk: DeskHarness) -> None:
    _, first = await _export(desk)
    desk.advance(hours=5)
    _, second = await _export(desk)
    a, b = _events(first), _events(second)
    assert a and set(a) == set(b)  # no shift began or ended in between: the very same events
    assert a == b
    # Georgi's secondary week began Monday 09:00 (before the export) and ends Monday 09:00 a week later
    ongoing = min(a.values())
    assert ongoing == (datetime(2026, 11, 23, 9, 0, tzinfo=SOFIA), datetime(2026, 11, 30, 9, 0, tzinfo=SOFIA))
    for start, end in a.values():  # real shifts: every one starts and ends at a 09:00 hand-off
        assert start.astimezone(SOFIA).time().isoformat() == end.astimezone(SOFIA).time().isoformat() == "09:00:00"
        assert end - start == timedelta(days=7)
    last_end = max(end for _, end in a.values())
    assert last_end > MONDAY_1004_SOFIA + timedelta(days=60)  # the last shift ends when it ends, not at the cut
    # every shift that overlaps the next 60 days, in both schedules: 9 weeks of the two rotations
    assert len(a) == 9
    events = list(first.walk("VEVENT"))
    assert {str(e["SUMMARY"]) for e in events} == {"Дежурство: primary", "Дежурство: secondary"}
    assert all(e.decoded("DTSTAMP") == MONDAY_1004_SOFIA for e in events)


async def test_a_later_export_keeps_the_uids_of_the_shifts_it_still_shows(desk: DeskHarness) -> None:
    _, first = await _export(desk)
    desk.advance(days=8)  # the first week is over; a new week appears at the end of the window
    _, later = await _export(desk)
    a, b = _events(first), _events(later)
    now = MONDAY_1004_SOFIA + timedelta(days=8)
    assert set(a) - set(b) == {uid for uid, (_, end) in a.items() if end <= now}  # only what is over
    assert len(set(a) - set(b)) == 1 and len(b) > len(set(a) & set(b))  # and a new week at the far end
    assert all(a[uid] == b[uid] for uid in set(a) & set(b))


async def test_an_override_is_its_own_event_and_the_rotation_around_it_keeps_its_times(desk: DeskHarness) -> None:
    made = await desk.say("maria", '/oncall override georgi --from "2026-12-02 18:00" --to "2026-12-03 09:00" '
                                   "--schedule primary")
    assert not made.is_error, made.text
    _, cal = await _export(desk)
    override = [e for e in cal.walk("VEVENT") if "замяна" in str(e["DESCRIPTION"])]
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in override] == [
        (datetime(2026, 12, 2, 18, 0, tzinfo=SOFIA), datetime(2026, 12, 3, 9, 0, tzinfo=SOFIA))]


def _unescape(text: str) -> str:
    """RFC 5545 3.3.11 TEXT: ``\\n`` or ``\\N`` is a line break, ``\\;`` ``\\,`` ``\\\\`` the character."""
    return re.sub(r"\\([nN;,\\])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _lines(content: bytes) -> list[bytes]:
    assert content.endswith(b"\r\n") and b"\n" not in content.replace(b"\r\n", b"")  # CRLF only
    return content.split(b"\r\n")[:-1]


@pytest.mark.parametrize(("name", "locale"), [
    ("Георги Иванов-Стоянов от Сливен, старши инженер по гласови системи", "bg"),
    ("نیما رستمی\u200cزاده، مهندس ارشد سامانه‌های تماس", "fa"),
    ('Evil; "name", with\\backslash <!channel> =HYPERLINK("http://x") \u200fRTL', "en"),
    ("Георги " * 600, "bg"),  # a name of 4,200 characters
])
async def test_text_is_escaped_and_every_line_is_at_most_75_octets(db_url: str, name: str, locale: str) -> None:
    desk = DeskHarness(_config(name=name, locale=locale), db_url, MONDAY_1004_SOFIA)
    try:
        content, cal = await _export(desk)
    finally:
        desk.close()
    lines = _lines(content)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # folding never splits a character
    assert _unescape(str(cal["X-WR-CALNAME"])).endswith(name)  # an X- property is read back raw
    events = list(cal.walk("VEVENT"))
    assert events and all(name in str(e["DESCRIPTION"]) for e in events)
    assert {str(e["SUMMARY"]).rsplit(" ", 1)[-1] for e in events} == {"primary", "secondary"}
    assert all(e.get("UID") and e.get("DTSTAMP") for e in events)  # RFC 5545 3.6.1: both required


async def test_a_name_with_a_line_break_stays_inside_its_property(db_url: str) -> None:
    name = "Георги\nBEGIN:VEVENT\nUID:forged"
    try:
        config = _config(name=name)
    except ValueError:
        pytest.skip("the configuration refuses a line break in a name")
    desk = DeskHarness(config, db_url, MONDAY_1004_SOFIA)
    try:
        content, cal = await _export(desk)
    finally:
        desk.close()
    assert b"\r\nBEGIN:VEVENT\r\nUID:forged" not in content
    assert len(list(cal.walk("VEVENT"))) == 9 and all(name in str(e["DESCRIPTION"]) for e in cal.walk("VEVENT"))
    assert all(str(e["UID"]) != "forged" for e in cal.walk("VEVENT"))
