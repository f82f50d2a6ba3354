"""``/maintenance`` in every shape it may be typed (issue 16 §6): the start and the end positional or
as ``--from``/``--to`` in any mix, with or without a reason, with ``--every``; each word of the reason
is kept and the end is read from the right word. Bad shapes are refused with the usage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.health import HealthRepo
from tests.conftest import utc
from tests.harness import DeskHarness

MONDAY_1004_SOFIA = utc(2026, 11, 23, 8, 4)
AT_2200, AT_2300 = utc(2026, 11, 23, 20, 0), utc(2026, 11, 23, 21, 0)  # 22:00 and 23:00 in Sofia (EET)


@pytest.fixture
def desk(noi_config, db_url: str) -> Iterator[DeskHarness]:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, MONDAY_1004_SOFIA)
    yield h
    h.close()


SHAPES = [
    ('"today 22:00" "today 23:00" reason words', "reason words", None),
    ('"today 22:00" 23:00 reason words', "reason words", None),
    ('"today 22:00" reason words --to 23:00', "reason words", None),
    ('"today 22:00" --to "23:00" reason words', "reason words", None),
    ('--from "today 22:00" 23:00 reason words', "reason words", None),
    ('--from "today 22:00" "today 23:00" reason words', "reason words", None),
    ('reason words --from "today 22:00" --to 23:00', "reason words", None),
    ('--from "today 22:00" --to "23:00" reason words', "reason words", None),
    ('--to 23:00 --from "today 22:00"', "", None),
    ('"today 22:00" "today 23:00"', "", None),
    ('"today 22:00" --to 23:00', "", None),
    ('--from "today 22:00" 23:00', "", None),
    ('"today 22:00" "today 23:00" weekly restart --every week', "weekly restart", "week"),
    ('"today 22:00" weekly restart --to "23:00" --every day', "weekly restart", "day"),
    ('--every week --from "today 22:00" weekly restart --to 23:00', "weekly restart", "week"),
    ('"today 22:00" "today 23:00" "quoted reason" and more', "quoted reason and more", None),
]


@pytest.mark.parametrize(("shape", "reason", "every"), SHAPES)
async def test_every_shape_keeps_the_window_and_every_word_of_the_reason(
        desk: DeskHarness, shape: str, reason: str, every: str | None) -> None:
    reply = await desk.say("georgi", f"/maintenance cucm {shape}")
    assert not reply.is_error, reply.text
    [window] = desk.db.read_sync(lambda s: HealthRepo(s).windows("noi", MONDAY_1004_SOFIA))
    assert (window.component, window.reason, window.every) == ("cucm", reason, every)
    assert (window.starts_at.astimezone(AT_2200.tzinfo), window.ends_at.astimezone(AT_2200.tzinfo)) == (AT_2200, AT_2300)


@pytest.mark.parametrize("shape", [
    '"today 22:00"',  # no end
    '--from "today 22:00"',
    "--to 23:00",  # no start
    "",  # only the component
    '"today 22:00" --to',  # an option without its value
    '--from --to 23:00 "today 22:00"',
    '"today 22:00" "today 23:00" --until 23:30',  # an option /maintenance does not have
])
async def test_a_shape_without_both_times_or_with_a_strange_option_is_refused(desk: DeskHarness, shape: str) -> None:
    reply = await desk.say("georgi", f"/maintenance cucm {shape}")
    assert reply.is_error
    assert "/maintenance" in reply.text  # the usage, in the person's language
    assert desk.db.read_sync(lambda s: HealthRepo(s).windows("noi", MONDAY_1004_SOFIA)) == []


@pytest.mark.parametrize(("shape", "start", "end"), [
    ("22:00 02:00", utc(2026, 11, 23, 20, 0), utc(2026, 11, 24, 0, 0)),  # across midnight: ends tomorrow
    ('--from 22:00 --to "02:00"', utc(2026, 11, 23, 20, 0), utc(2026, 11, 24, 0, 0)),
    ("09:00 10:30", utc(2026, 11, 23, 7, 0), utc(2026, 11, 23, 8, 30)),  # this morning's: under way now
    ('"в 22 ч" "в 23 ч"', AT_2200, AT_2300),
    ('"утре 01:00" 03:00', utc(2026, 11, 23, 23, 0), utc(2026, 11, 24, 1, 0)),  # after the start's day
])
async def test_a_time_alone_is_todays_start_and_the_first_such_end_after_it(
        desk: DeskHarness, shape: str, start: object, end: object) -> None:
    reply = await desk.say("georgi", f"/maintenance cucm {shape} night work")
    assert not reply.is_error, reply.text
    [window] = desk.db.read_sync(lambda s: HealthRepo(s).windows("noi", MONDAY_1004_SOFIA))
    assert (window.starts_at.astimezone(AT_2200.tzinfo), window.ends_at.astimezone(AT_2200.tzinfo)) == (start, end)
    assert window.reason == "night work"
