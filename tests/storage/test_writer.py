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


@pytest.mark.parametrize("savepoint", [True, False])
def test_a_unit_that_refuses_after_writing_is_rolled_back_alone(db_url: str, savepoint: bool) -> None:
    db = Database(db_url)
    db.upgrade()
    gate = threading.Event()
    try:
        blocker = db.submit(lambda s: gate.wait(10))  # holds the writer so that the next three queue up
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
