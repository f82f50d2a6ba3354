"""Every bad input gets a clear error in the user's language and writes nothing."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import func, select

from storage.models import Delivery, Incident, TimelineEvent
from tests.conftest import utc
from tests.harness import DeskHarness


def _counts(desk: DeskHarness) -> tuple[int, int, int]:
    def q(s):  # type: ignore[no-untyped-def]
        return tuple(s.exec(select(func.count()).select_from(t)).one() for t in (Incident, TimelineEvent, Delivery))

    return desk.db.read_sync(q)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("user", "text", "expected"),
    [
        ("ivana", "/incident catastrophic cucm Down", "Непозната категория catastrophic"),
        ("ivana", "/incident urgent toaster Down", "Непознат компонент toaster"),
        ("ivana", "/incident urgent cucm", "Моля, опишете проблема"),
        ("ivana", "/incident urgent cucm " + "x" * 100_000, "твърде дълъг"),
        ("ivana", "/incident urgent cucm Calls \x07 fail", "управляващи символи"),
        ("ivana", "/incident urgent cucm Calls \u202e fail", "управляващи символи"),
        ("ivana", '/incident urgent cucm Down --reported "when pigs fly"', "Не разбирам времето"),
        ("ivana", '/incident urgent cucm Down --reported "tomorrow 09:00"', "в бъдещето"),
        ("ivana", '/incident urgent cucm Down --reported "2026-10-01 09:00"', "преди повече от"),
        ("ivana", "/incident urgent cucm Down --priority high", "Непозната опция --priority"),
        ("ivana", "/ack NOI-2026-00001", "изисква роля"),
        ("georgi", "/ack HGP-2026-00001", "Няма инцидент HGP-2026-00001"),
        ("georgi", "/ack 42", "не е контролен номер"),
        ("georgi", "/ack NOI-2026-00099", "Няма инцидент NOI-2026-00099"),
        ("ivana", "/frobnicate", "няма команда /frobnicate"),
        ("ivana", "hello", "Командите започват с /"),
        ("mallory", "/incident urgent cucm Down", "не ви познавам (console:mallory)"),
    ],
)
async def test_refused_and_nothing_written(desk: DeskHarness, user: str, text: str, expected: str) -> None:
    before = _counts(desk)
    reply = await desk.say(user, text)
    assert reply.is_error
    assert expected in reply.text
    assert _counts(desk) == before


async def test_persian_errors_for_the_persian_customer(hgp_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(hgp_config, db_url, utc(2026, 11, 23, 8, 4))
    try:
        reply = await h.say("sara", "/incident urgent crm سامانه کار نمی‌کند")
        assert reply.is_error and reply.text.startswith("دستهٔ ناشناخته urgent")
        ok = await h.say("sara", "/incident بحرانی crm سامانه کار نمی‌کند")  # ZWNJ is fine
        assert not ok.is_error, ok.text
        assert ok.control_number == "HGP-2026-00001"
    finally:
        h.close()


async def test_a_repeat_delivered_into_the_same_commit_gets_the_first_reply(desk: DeskHarness) -> None:
    # Both land in one writer batch: the repeat's delivery row collides, the batch is redone carefully.
    replies = await asyncio.gather(*(desk.say("ivana", "/incident urgent cucm Down", delivery_id="retry-2")
                                     for _ in range(3)), desk.say("ivana", "/incident other crm Slow"))
    assert replies[0] == replies[1] == replies[2] and not replies[0].is_error
    assert {r.control_number for r in replies} == {"NOI-2026-00001", "NOI-2026-00002"}
    assert _counts(desk)[0] == 2


async def test_a_repeated_delivery_returns_the_first_reply_and_changes_nothing(desk: DeskHarness) -> None:
    first = await desk.say("ivana", "/incident urgent cucm Down", delivery_id="slack-retry-1")
    again = await desk.say("ivana", "/incident urgent cucm Down", delivery_id="slack-retry-1")
    assert again == first
    assert _counts(desk)[0] == 1
    ack1 = await desk.say("georgi", f"/ack {first.control_number}", delivery_id="press-7")
    ack2 = await desk.say("georgi", f"/ack {first.control_number}", delivery_id="press-7")
    assert ack1 == ack2 and not ack2.is_error
    assert _counts(desk)[1] == 2  # registered and one acknowledged


@pytest.mark.parametrize("text", [
    "/note NOI-2026-00001 " + "ж" * 4_001,
    "/resolve NOI-2026-00001 " + "ж" * 4_001,
    "/reopen NOI-2026-00001 " + "ж" * 4_001,
    "/pause NOI-2026-00001 " + "ж" * 4_001,
    "/page petar " + "ж" * 4_001,
    '/maintenance cucm "today 20:00" "today 22:00" ' + "ж" * 4_001,
])
async def test_every_free_text_the_register_keeps_is_bounded(desk: DeskHarness, text: str) -> None:
    await desk.say("ivana", "/incident urgent cucm Down")
    before = _counts(desk)
    reply = await desk.say("maria", text)
    assert reply.is_error and "(4001 знака; ограничението е 4000)" in reply.text, reply.text
    assert _counts(desk) == before


async def test_a_delivery_id_longer_than_its_column_is_kept_as_a_digest(desk: DeskHarness) -> None:
    long_id = "cb:-1001000000001:42:1763888888:" + "x" * 300  # e.g. built from a platform's own fields
    first = await desk.say("ivana", "/incident urgent cucm Down", delivery_id=long_id)
    assert not first.is_error, first.text
    assert await desk.say("ivana", "/incident urgent cucm Down", delivery_id=long_id) == first
    assert _counts(desk)[0] == 1
