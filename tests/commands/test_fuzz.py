"""Fuzzing the grammar and the desk: whatever people type, the desk answers in words, never with a crash.

Arbitrary unicode (RTL and direction overrides, combining marks, NUL and other control characters, huge
tokens, straight/typographic/unbalanced quotes, ``--option`` forms, Persian digits, emoji) goes through
``commands.desk.parse.parse`` and through ``Desk.handle`` against a real database, as a reporter and as an
engineer. No exception escapes, no reply is the internal-error reply, and an error reply writes nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import SQLModel

from commands.desk.parse import Parsed, ParseError, parse
from commands.desk.registry import COMMANDS
from commands.domain.i18n.catalog import LOCALES, t
from tests.commands.conftest import MONDAY_1004_SOFIA
from tests.harness import DeskHarness

INTERNAL = {t(locale, "error.internal") for locale in LOCALES}
EXAMPLES = 300

_WORDS = [
    "urgent", "critical", "other", "cucm", "callrec", "crm", "uccx", "спешен", "بحرانی", "1", "0", "-1",
    "NOI-2026-00001", "NOI-2026-00002", "noi-2026-00001", "NOI-2026-99999", "NOI-9999-00001", "HGP-2026-00001",
    "NOI-", "NOI-2026-", "open", "all", "daily", "monthly", "2026-11", "2026-13", "pdf", "xlsx", "csv", "md",
    "chart", "override", "schedule", "ics", "cancel", "history", "diff", "onsite", "remote", "primary", "petar",
    "maria", "georgi", "schedule:primary", "today", "tomorrow", "yesterday 14:30", "вчера 14:30",
    "дneс 08:55", "دیروز ساعت ۱۴:۳۰", "۱۴۰۵/۰۹/۰۲", "۱۴:۳۰", "۲۰۲۶-۱۱", "25:99", "2026-02-30 10:00",
    "9999-12-31 23:59", "0001-01-01", "1e309", "NaN", "∞", "365d", "99999999999999999999", "--", "---", "-",
    "—reported", "–at", "@dutydesk_bot", "/ack", "//", "/", "\\", "{", "}", "{number}", "{0}", "%s", "%(x)s",
    "<b>", "&amp;", "`", "```", "*bold*", "<@U0GEORGI>", "<!channel>", "📞", "🔥", "👍🏽", "🏳️‍🌈",
    "e\u0301\u0301\u0301", "\u0627\u064b\u064b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202e", "\u2066",
    "²", "⁵", "9999-12-31", "0001-01-01", '"9999-12-31 23:59"', '"0001-01-01 00:00"', "99999999 hours ago",
    "99999999999999999999999", "#99999999999999999999", "\u00a0", "\u2028", "\u3000", "\ufeff", "\x00", "\x07", "\x1b[31m", "\r", "\ud83d", "\udfff",
]
_OPTIONS = ["--reported", "--at", "--customer", "--from", "--to", "--schedule", "--every", "--x", "--REPORTED",
            "--customer noi", "--customer hgp", "--customer ../../etc", "--every day", "--every fortnight"]
_QUOTES = ['"', "'", "“", "”", "„", "«", "»", '"unbalanced', "'it's'", "«»", '""', "„a“"]
_SEPARATORS = [" ", "  ", "\n", "\t", "", " \n "]


# Valid commands of every kind, which the fuzzer then bends: so most examples reach the handlers, not only
# the grammar's refusals.
_TEMPLATES = [
    "/incident urgent cucm Inbound calls fail", '/incident other crm Slow --reported "today 08:55"',
    '/incident спешен callmanager Няма връзка --reported "вчера 14:30"', "/ack NOI-2026-00001 on my way",
    "/arrive NOI-2026-00001 remote", "/resolve NOI-2026-00001 restarted the service", "/confirm NOI-2026-00001",
    "/reopen NOI-2026-00001 back again", "/cancel NOI-2026-00002 duplicate", "/note NOI-2026-00001 called them",
    "/status NOI-2026-00001", "/incidents open cucm", "/incidents all", "/pause NOI-2026-00001 waiting",
    "/resume NOI-2026-00001", "/category NOI-2026-00001 other", '/received NOI-2026-00001 --at "today 09:00"',
    '/sla urgent --at "2026-11-23 10:00"', "/oncall", "/oncall schedule 3", "/oncall ics petar",
    '/oncall override maria --from "today 18:00" --to "tomorrow 09:00" --schedule primary',
    "/page petar the CUCM is down", "/page primary help", "/handover NOI-2026-00001 petar", "/health cucm",
    "/health history", '/maintenance cucm "today 20:00" "today 22:00" upgrade --every week',
    "/maintenance cancel 1", "/backup all", "/backup diff gw1", "/backups", "/report daily",
    "/report daily 2026-11-20", "/report monthly 2026-11 csv", "/report monthly 2026-11 md", "/help incident",
]


def _tokens() -> st.SearchStrategy[str]:
    plain = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])
    return st.one_of(
        st.sampled_from(_WORDS), st.sampled_from(_WORDS), st.sampled_from(_OPTIONS), st.sampled_from(_QUOTES),
        st.text(alphabet=plain, max_size=12),
        st.text(max_size=8),  # any code point (controls included), refused as a whole
        st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩-:/.", min_size=1, max_size=12),
        st.builds(lambda c, n: c * n, st.sampled_from(["a", "ж", "ب", "🔥", "-", '"', " "]),
                  st.sampled_from([100, 3_999, 4_001, 16_001])),  # huge tokens around the limits
    )


@st.composite
def _bent_template(draw: st.DrawFn) -> list[str]:
    words = draw(st.sampled_from(_TEMPLATES)).split(" ")
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(words)))
        match draw(st.sampled_from(["insert", "replace", "delete", "append"])):
            case "insert":
                words.insert(i, draw(_tokens()))
            case "replace" if i < len(words) and i > 0:
                words[i] = draw(_tokens())
            case "delete" if i < len(words) and i > 0:
                del words[i]
            case "append" if i < len(words):
                words[i] += draw(_tokens())
    return words


@st.composite
def command_lines(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.text(max_size=200))  # anything at all, slash or not
    if kind <= 6:
        words = draw(_bent_template())
    else:
        name = draw(st.one_of(
            st.sampled_from([*COMMANDS, "start", "ACK", "Incident", "ack@dutydesk_bot", "status@other_bot", "/"]),
            st.text(max_size=8)))
        words = ["/" + name, *draw(st.lists(_tokens(), max_size=10))]
    text = words[0]
    for word in words[1:]:
        text += draw(st.sampled_from(_SEPARATORS)) + word
    return draw(st.sampled_from(["", "", "", " ", "\n", "\u200f"])) + text


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(command_lines())
def test_the_parser_splits_anything_or_says_why_not(text: str) -> None:
    try:
        parsed = parse(text)
    except ParseError as err:
        assert err.code == "not_a_command"
        assert not text.strip().startswith("/")
        return
    assert isinstance(parsed, Parsed)
    assert parsed.args == parsed.args.strip()
    assert all(name and name[0].isalpha() for name in parsed.options)
    words, rest = parsed.words(2)  # what handlers do with it
    assert len(words) <= 2 and rest == rest.strip()


def _row_counts(h: DeskHarness) -> dict[str, int]:
    tables = SQLModel.metadata.sorted_tables

    def count(session: Any) -> dict[str, int]:
        return {tb.name: int(session.exec(sa.select(sa.func.count()).select_from(tb)).one()[0]) for tb in tables}

    return h.db.read_sync(count)  # type: ignore[no-any-return]


def _fuzz_desk(noi_config: Any, db_url: str, user: str) -> None:
    h = DeskHarness(noi_config, db_url, MONDAY_1004_SOFIA)
    loop = asyncio.new_event_loop()
    try:
        for line in ("/incident urgent cucm Inbound calls fail", "/incident other crm Export slow"):
            assert not loop.run_until_complete(h.say("ivana", line)).is_error
        assert not loop.run_until_complete(h.say("georgi", "/ack NOI-2026-00001")).is_error

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(command_lines())
        def check(text: str) -> None:
            h.advance(seconds=5)  # stay within the rate limits: this test is about the commands
            before = _row_counts(h)
            reply = loop.run_until_complete(h.say(user, text))
            assert reply.text not in INTERNAL, text
            assert reply.text.strip(), text
            if reply.is_error:
                assert _row_counts(h) == before, (text, reply.text)

        check()
    finally:
        h.close()
        loop.close()


def test_the_desk_answers_anything_a_reporter_types(noi_config: Any, db_url: str) -> None:
    _fuzz_desk(noi_config, db_url, "ivana")


def test_the_desk_answers_anything_an_engineer_types(noi_config: Any, db_url: str) -> None:
    _fuzz_desk(noi_config, db_url, "georgi")


# -- what fuzzing found ----------------------------------------------------------------------------------
def test_the_command_word_ends_at_any_whitespace_and_direction_marks_are_not_part_of_it() -> None:
    for text in ("/ack\tNOI-2026-00001", "/ack\u00a0NOI-2026-00001", "/ack\u3000NOI-2026-00001",
                 "\u200f/ack NOI-2026-00001", "/\u200fack\u200f NOI-2026-00001", "/ACK\nNOI-2026-00001"):
        parsed = parse(text)
        assert (parsed.command, parsed.args) == ("ack", "NOI-2026-00001"), text


async def test_an_error_quotes_at_most_a_few_hundred_characters_of_what_was_typed(desk: DeskHarness) -> None:
    huge = "ж" * 15_000
    for text in (f"/incident {huge} cucm Down", f"/{huge}", f"/ack {huge}"):
        reply = await desk.say("georgi", text)
        assert reply.is_error and len(reply.as_text()) < 1_000, reply.text[:80]
        assert "ж" * 299 in reply.text and "ж…" in reply.text


@pytest.mark.parametrize(("user", "text", "expected"), [
    # times at the ends of the calendar overflowed converting to UTC or adding a deadline
    ("ivana", '/sla urgent --at "9999-12-31 23:59"', "Не разбирам времето"),
    ("ivana", '/sla other --at "9999-12-30 10:00"', "Не разбирам времето"),
    ("ivana", '/sla urgent --at "0001-01-01 00:00"', "Не разбирам времето"),
    ("ivana", "/sla urgent --at 99999999 hours ago", "Не разбирам времето"),
    ("ivana", "/sla urgent --at ۹۹۹۹۹۹۹۹۹۹۹ روز پیش", "Не разбирам времето"),
    ("maria", '/incident urgent cucm Down --reported "0001-01-01 00:00"', "Не разбирам времето"),
    ("georgi", '/received NOI-2026-00001 --at "0001-01-01 00:00"', "Не разбирам времето"),
    ("georgi", '/maintenance cucm "0001-01-01 00:00" "today 22:00" upgrade', "Не разбирам времето"),
    # a daily summary for 9999-12-31 has no next day to end on; year 1 was read as a Jalali year
    ("georgi", "/report daily 9999-12-31", "не е дата"),
    ("georgi", "/report daily 0001-01-01", "не е дата"),
    # "²" is isdigit() but int() cannot read it; 23 digits overflow the database's integer
    ("georgi", "/maintenance cancel ²", "Употреба: /maintenance"),
    ("georgi", "/maintenance cancel 99999999999999999999999", "Употреба: /maintenance"),
])
async def test_found_by_fuzzing_refused_in_words(desk: DeskHarness, user: str, text: str, expected: str) -> None:
    await desk.say("ivana", "/incident urgent cucm Down")
    before = _row_counts(desk)
    reply = await desk.say(user, text)
    assert reply.is_error and expected in reply.text, reply.text
    assert _row_counts(desk) == before


async def test_superscript_digits_are_not_a_number_of_days(desk: DeskHarness) -> None:
    assert "7 дни" in (await desk.say("georgi", "/oncall schedule ²")).text
    assert "5 дни" in (await desk.say("georgi", "/oncall schedule ۵")).text  # Persian digits are


def test_times_more_than_a_century_away_are_out_of_range() -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from commands.domain.timeparse import TimeParseError, parse_time

    now = MONDAY_1004_SOFIA
    sofia = ZoneInfo("Europe/Sofia")
    assert parse_time("1990-01-01 10:00", locale="en", tz=sofia, now=now).year == 1990
    for text in ("2200-01-01 10:00", "0001-01-01 00:00", "9999-12-31 23:59", "99999999 hours ago"):
        with pytest.raises(TimeParseError) as err:
            parse_time(text, locale="en", tz=sofia, now=now)
        assert err.value.code == "out_of_range", text
    assert abs(parse_time("99 years ago", locale="en", tz=sofia, now=now) - now) < timedelta(days=100 * 366)
