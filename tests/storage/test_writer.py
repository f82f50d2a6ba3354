"""The group-committing writer: one transaction per batch, each unit all-or-nothing."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from storage.db import Database, Refused
from storage.models import ControlCounter


def _add(customer: str, *, refuse: bool = False):  # type: ignore[no-untyped-def]
    def unit(session: Session) -> str:
        session.add(ControlCounter(customer_id=customer, year=2026, last=1))
        session.flush()
        if refuse:
            raise Refused(customer)
        return customer

    return unit


def _hold_the_writer(db: Database):  # type: ignore[no-untyped-def]
    """A job that holds the writer until the gate opens, returned once the writer runs it: jobs submitted
    after this call queue up behind it (not beside it in its own batch, a race on a slow machine)."""
    gate, running = threading.Event(), threading.Event()

    def hold(session: Session) -> bool:
        running.set()
        return gate.wait(10)

    blocker = db.submit(hold)
    assert running.wait(10), "the writer never ran the blocker"
    return gate, blocker


@pytest.mark.parametrize("savepoint", [True, False])
def test_a_unit_that_refuses_after_writing_is_rolled_back_alone(db_url: str, savepoint: bool) -> None:
    db = Database(db_url)
    db.upgrade()
    try:
        gate, blocker = _hold_the_writer(db)  # so that the next three queue up behind it
        a = db.submit(_add("a"))
        b = db.submit(_add("b", refuse=True), savepoint=savepoint)  # breaks its promise when savepoint=False
        c = db.submit(_add("c"))
        gate.set()
        blocker.result(10)
        assert (a.result(10), c.result(10)) == ("a", "c")
        with pytest.raises(Refused):
            b.result(10)
        stored = db.read_sync(lambda s: sorted(r.customer_id for r in s.exec(select(ControlCounter))))
        assert stored == ["a", "c"]
        assert db.commits <= 2  # a, b and c shared a transaction (with the blocker, or right after it)
    finally:
        db.close()


def _counted(calls: list[list[str]]):  # type: ignore[no-untyped-def]
    """A bulk handler that stores one counter row per item and notes how its items were grouped."""

    def handler(session: Session, items: list[str]) -> list[str]:
        calls.append(list(items))
        for item in items:
            if item.startswith("bad"):
                raise ValueError(item)
            session.add(ControlCounter(customer_id=item, year=2026, last=1))
        session.flush()
        return [item.upper() for item in items]

    return handler


def _queue_bulk(db: Database, handler, item: str):  # type: ignore[no-untyped-def]
    return db.submit(lambda s: handler(s, [item])[0], bulk=(handler, item))


def _queued_together(db: Database, queue):  # type: ignore[no-untyped-def]
    """What ``queue()`` submits, held behind a blocker so that it reaches the writer as one batch."""
    gate, blocker = _hold_the_writer(db)
    jobs = queue()
    gate.set()
    blocker.result(10)
    return jobs


def _counters(db: Database) -> list[str]:
    return db.read_sync(lambda s: sorted(r.customer_id for r in s.exec(select(ControlCounter))))


def test_consecutive_bulk_jobs_run_as_one_call(db: Database) -> None:
    calls: list[list[str]] = []
    handler = _counted(calls)
    jobs = _queued_together(db, lambda: [_queue_bulk(db, handler, "a"), _queue_bulk(db, handler, "b"),
                                         db.submit(_add("c")), _queue_bulk(db, handler, "d")])
    assert [j.result(10) for j in jobs] == ["A", "B", "c", "D"]
    assert calls == [["a", "b"], ["d"]]  # a plain job between them splits the group
    assert _counters(db) == ["a", "b", "c", "d"]


def test_a_failing_bulk_call_sends_the_batch_the_careful_way(db: Database) -> None:
    """One bad item fails the whole call; the batch is redone job by job, and only that job fails."""
    calls: list[list[str]] = []
    handler = _counted(calls)
    a, bad, c = _queued_together(db, lambda: [_queue_bulk(db, handler, x) for x in ("a", "bad", "c")])
    assert (a.result(10), c.result(10)) == ("A", "C")
    with pytest.raises(ValueError):
        bad.result(10)
    assert calls == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]  # together first, then one unit at a time
    assert _counters(db) == ["a", "c"]
