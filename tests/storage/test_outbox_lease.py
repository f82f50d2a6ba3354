"""The outbox's delivery lease (real time, the database's clock) and the card's first-post marker: what
lets several dispatchers share one outbox without sending a message twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.chat_refs import ChatRefs, PostInProgress
from storage.db import Database
from storage.outbox import Outbox, in_doubt_since
from tests.conftest import utc

NOW = utc(2026, 11, 23, 8, 0)


def _queue(db: Database, key: str = "k1") -> None:
    db.write_sync(lambda s: Outbox(s).put(dedupe_key=key, customer_id="noi", kind="info", audience="customer:noi",
                                          payload={"text": "hi"}, now=NOW))


def test_a_claimed_message_is_not_claimed_again_however_far_the_desk_clock_jumps(db: Database) -> None:
    _queue(db)
    [first] = db.write_sync(lambda s: Outbox(s).claim_due(NOW, owner="a"))
    assert first.claimed_by == "a" and in_doubt_since(first) is None  # a first attempt: nothing to look for
    later = NOW + timedelta(days=1)  # a fake clock moved on while "a" is still delivering
    assert db.write_sync(lambda s: Outbox(s).claim_due(later, owner="b")) == []


def test_when_the_lease_runs_out_another_dispatcher_claims_it_in_doubt(db: Database) -> None:
    _queue(db)
    db.write_sync(lambda s: Outbox(s).claim_due(NOW, owner="a", lease=timedelta(0)))  # "a" died at once
    [again] = db.write_sync(lambda s: Outbox(s).claim_due(NOW, owner="b"))
    assert again.claimed_by == "b"
    assert in_doubt_since(again) is not None  # "a" may have posted it: look first


def test_a_failed_attempt_frees_the_lease_and_stays_in_doubt(db: Database) -> None:
    _queue(db)
    [m] = db.write_sync(lambda s: Outbox(s).claim_due(NOW, owner="a"))
    db.write_sync(lambda s: Outbox(s).mark_failed(m.id or 0, NOW, "HTTP 500", m.attempts))
    assert db.write_sync(lambda s: Outbox(s).claim_due(NOW + timedelta(seconds=1), owner="b")) == []  # backoff
    [again] = db.write_sync(lambda s: Outbox(s).claim_due(NOW + timedelta(seconds=5), owner="b"))
    assert in_doubt_since(again) is not None
    db.write_sync(lambda s: Outbox(s).mark_sent(again.id or 0, NOW))
    assert db.write_sync(lambda s: Outbox(s).claim_due(NOW + timedelta(days=1), owner="c")) == []


def test_one_replica_posts_a_card_the_others_wait_or_take_over_a_dead_ones(db: Database) -> None:
    from storage.models import Incident

    def incident(s):  # type: ignore[no-untyped-def]
        s.add(Incident(id=1, control_number="NOI-2026-00001", customer_id="noi", year=2026, seq=1, category="urgent",
                       component="cucm", description="x", reporter="ivana", source="slack:C1", state="registered",
                       reported_at=NOW, registered_at=NOW))

    db.write_sync(incident)
    begun = db.write_sync(lambda s: ChatRefs(s).begin_post(1, "slack", "C1", "a"))
    assert begun.message_id is None and begun.in_doubt_since is None  # "a" posts it, no need to look
    with pytest.raises(PostInProgress):
        db.write_sync(lambda s: ChatRefs(s).begin_post(1, "slack", "C1", "b"))
    assert db.read_sync(lambda s: ChatRefs(s).get(1, "slack", "C1")) is None  # not posted yet
    taken = db.write_sync(lambda s: ChatRefs(s).begin_post(1, "slack", "C1", "b", stale_after=timedelta(0)))
    assert taken.message_id is None and taken.in_doubt_since is not None  # "a" died: look, then post
    db.write_sync(lambda s: ChatRefs(s).put(1, "slack", "C1", "1795000000.000100"))
    done = db.write_sync(lambda s: ChatRefs(s).begin_post(1, "slack", "C1", "c"))
    assert done.message_id == "1795000000.000100"  # posted meanwhile: adopt it


def test_a_card_message_leads_back_to_its_incident(db: Database) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        from storage.models import Incident

        inc = Incident(control_number="NOI-2026-00001", customer_id="noi", year=2026, seq=1, category="urgent",
                       component="cucm", description="x", reporter="ivana", source="console:console", state="new",
                       reported_at=NOW, registered_at=NOW)
        s.add(inc)
        s.flush()
        refs = ChatRefs(s)
        refs.put(inc.id, "slack", "C1", "1700000000.000100")
        refs.begin_post(inc.id, "telegram", "-100", owner="a")  # a first post under way: ""
        return inc.id

    iid = db.write_sync(setup)
    assert db.read_sync(lambda s: ChatRefs(s).incident_of("slack", "C1", "1700000000.000100")) == iid
    assert db.read_sync(lambda s: ChatRefs(s).incident_of("slack", "C2", "1700000000.000100")) is None
    assert db.read_sync(lambda s: ChatRefs(s).incident_of("telegram", "C1", "1700000000.000100")) is None
    assert db.read_sync(lambda s: ChatRefs(s).incident_of("telegram", "-100", "")) is None
