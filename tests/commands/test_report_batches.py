"""Reports that reach the writer together are registered in one go (commands.incidents.actions.register_reports):
every number, row, clock, event, card, page and escalation still belongs to the right report."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from sqlmodel import Session, select

from commands.desk.desk import only_what_they_may
from commands.desk.reply import Reply
from storage.models import Delivery, Escalation, Incident, OutboxMessage, SlaClock, TimelineEvent
from tests.conftest import utc
from tests.harness import DeskHarness

CASES = {  # customer config fixture → (reporter, category, component, engineers paged when there is no policy)
    "noi_config": ("ivana", "urgent", "cucm", set()),  # NOI has escalation policies
    "hgp_config": ("sara", "critical", "crm", {"reza", "nima"}),  # HGP pages every engineer once
}


async def _held_writer(h: DeskHarness, said: list[asyncio.Task[Reply]]) -> list[Reply]:
    """Hold the writer until every report is queued, so they share one batch; then let it go."""
    gate = threading.Event()
    blocker = h.db.submit(lambda s: gate.wait(10))
    await asyncio.sleep(0.05)  # the tasks run up to their write and queue behind the blocker
    commits = h.db.commits
    gate.set()
    replies = await asyncio.gather(*said)
    blocker.result(10)
    assert h.db.commits - commits <= 2  # the blocker's transaction and, at most, one more
    return replies


@pytest.mark.parametrize("config_name", list(CASES))
async def test_a_batch_of_reports_keeps_each_reports_rows_together(
        config_name: str, db_url: str, request: pytest.FixtureRequest) -> None:
    config = request.getfixturevalue(config_name).without_rate_limits()
    reporter, category, component, engineers = CASES[config_name]
    h = DeskHarness(config, db_url, utc(2026, 11, 23, 8, 4))
    try:
        said = [asyncio.create_task(h.say(reporter, f"/incident {category} {component} Report number {i}",
                                          delivery_id=f"batch-{i}")) for i in range(30)]
        replies = await _held_writer(h, said)
        assert [r.text for r in replies if r.is_error] == []

        def stored(s: Session) -> tuple[list[Incident], list[SlaClock], list[TimelineEvent], list[OutboxMessage],
                                        list[Escalation], list[Delivery]]:
            return (list(s.exec(select(Incident))), list(s.exec(select(SlaClock))),
                    list(s.exec(select(TimelineEvent))), list(s.exec(select(OutboxMessage))),
                    list(s.exec(select(Escalation))), list(s.exec(select(Delivery))))

        incidents, clocks, events, messages, escalations, deliveries = h.db.read_sync(stored)
        by_number = {inc.control_number: inc for inc in incidents}
        prefix = config.customers[next(iter(config.customers))].prefix
        assert sorted(by_number) == [f"{prefix}-2026-{n:05d}" for n in range(1, 31)]  # gapless
        for i, reply in enumerate(replies):
            inc = by_number[reply.control_number or ""]
            assert inc.description == f"Report number {i}"  # the reply names this report's incident
            assert reply.control_number in reply.text
            assert all(reply.control_number in b.command for b in reply.buttons)
            assert inc.seq == int(inc.control_number[-5:])
        ids = {inc.id: inc for inc in incidents}
        names: dict[int, set[str]] = {}
        for c in clocks:
            names.setdefault(c.incident_id, set()).add(c.name)
        assert names.keys() == ids.keys()  # every incident has its clocks...
        assert len({frozenset(n) for n in names.values()}) == 1  # ...the category's, once each
        assert len(clocks) == 30 * len(next(iter(names.values())))
        for ev in events:
            assert ev.kind == "registered" and ev.text == ids[ev.incident_id].description
        cards = [m for m in messages if m.kind == "incident.card"]
        assert len(cards) == 30
        event_of = {ev.incident_id: ev.id for ev in events}
        for card in cards:
            payload = json.loads(card.payload)
            assert card.incident_id is not None
            assert payload["incident_id"] == card.incident_id
            assert payload["control_number"] == ids[card.incident_id].control_number
            assert card.dedupe_key == f"card:{event_of[card.incident_id]}"
        pages = [m for m in messages if m.kind == "page"]
        if engineers:
            assert escalations == []
            assert len(pages) == 30 * len(engineers)
            for page in pages:
                payload = json.loads(page.payload)
                assert page.incident_id is not None
                assert payload["control_number"] == ids[page.incident_id].control_number
                assert page.audience.removeprefix("person:") in engineers
        else:
            assert sorted(e.incident_id for e in escalations) == sorted(ids)
        kept = {d.delivery_id: Reply.from_dict(json.loads(d.reply)) for d in deliveries}
        for i, reply in enumerate(replies):  # the reporter is shown the stored reply less the engineers' buttons
            first = kept[f"batch-{i}"]
            assert [b.command for b in first.buttons] == [f"/ack {reply.control_number}"]
            assert only_what_they_may(first, config.people[reporter].roles[by_number[reply.control_number or ''].customer_id]) == reply
    finally:
        h.close()


async def test_a_repeated_delivery_in_the_same_batch_gets_the_first_reply(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """A transport's retry that lands next to the original: the unique key catches it and the batch is
    redone the careful way, which looks the delivery up: one incident, the same reply twice."""
    h = DeskHarness(noi_config.without_rate_limits(), db_url, utc(2026, 11, 23, 8, 4))
    try:
        texts = ["/incident urgent cucm First", "/incident urgent cucm First", "/incident other crm Second"]
        ids = ["same", "same", "other"]
        said = [asyncio.create_task(h.say("ivana", t, delivery_id=d)) for t, d in zip(texts, ids, strict=True)]
        first, repeat, second = await _held_writer(h, said)
        assert first == repeat
        assert {first.control_number, second.control_number} == {"NOI-2026-00001", "NOI-2026-00002"}
        count = h.db.read_sync(lambda s: len(list(s.exec(select(Incident)))))
        assert count == 2
    finally:
        h.close()


async def test_one_batch_numbers_each_customer_and_year_on_its_own(noi_config, hgp_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """New Year's Eve 21:00 UTC: already 2027 in Tehran (HGP), still 2026 in Sofia (NOI)."""
    config = noi_config.model_copy(update={"customers": {**noi_config.customers, **hgp_config.customers},
                                           "people": {**noi_config.people, **hgp_config.people}})
    h = DeskHarness(config.without_rate_limits(), db_url, utc(2026, 12, 31, 21, 0))
    try:
        said = []
        for i in range(10):  # interleaved, so the batch mixes the customers (each person has only one)
            said.append(asyncio.create_task(h.say("ivana", f"/incident urgent cucm NOI report {i}", channel="dm")))
            said.append(asyncio.create_task(h.say("sara", f"/incident critical crm HGP report {i}", channel="dm")))
        replies = await _held_writer(h, said)
        assert [r.text for r in replies if r.is_error] == []
        noi = [r.control_number for r in replies[0::2]]
        hgp = [r.control_number for r in replies[1::2]]
        assert sorted(noi) == [f"NOI-2026-{n:05d}" for n in range(1, 11)]  # type: ignore[type-var]
        assert sorted(hgp) == [f"HGP-2027-{n:05d}" for n in range(1, 11)]  # type: ignore[type-var]
        rows = h.db.read_sync(lambda s: {i.control_number: i for i in s.exec(select(Incident))})
        for reply in replies:
            inc = rows[reply.control_number or ""]
            assert inc.customer_id == (reply.control_number or "")[:3].lower()
            assert inc.description.startswith(inc.customer_id.upper())
    finally:
        h.close()
