"""The one transition table (commands/incidents/domain/lifecycle.py): what each state allows."""

from __future__ import annotations

import pytest

from commands.incidents.domain.lifecycle import (
    CLOSED_STATES,
    OPEN_STATES,
    STATES,
    TRANSITIONS,
    allowed_actions,
    can,
    is_closed,
    next_state,
)


def test_the_states_are_open_or_closed() -> None:
    assert set(OPEN_STATES) | set(CLOSED_STATES) == set(STATES)
    assert not set(OPEN_STATES) & set(CLOSED_STATES)
    assert [s for s in STATES if is_closed(s)] == ["confirmed", "cancelled"]


@pytest.mark.parametrize(("state", "actions"), [
    ("registered", ["ack", "arrive", "cancel"]),
    ("acknowledged", ["arrive", "resolve", "cancel"]),
    ("in_progress", ["resolve", "cancel"]),
    ("resolved", ["confirm", "reopen", "cancel"]),
    ("confirmed", ["reopen"]),
    ("cancelled", []),
])
def test_what_each_state_allows(state: str, actions: list[str]) -> None:
    assert allowed_actions(state) == actions
    assert can("note", state)  # a note in any state, and it changes none
    assert next_state("note", state) == state


@pytest.mark.parametrize(("action", "state", "after"), [
    ("ack", "registered", "acknowledged"),
    ("arrive", "registered", "in_progress"),
    ("arrive", "acknowledged", "in_progress"),
    ("resolve", "in_progress", "resolved"),
    ("confirm", "resolved", "confirmed"),
    ("reopen", "confirmed", "in_progress"),
    ("cancel", "resolved", "cancelled"),
])
def test_where_an_action_leads(action: str, state: str, after: str) -> None:
    assert next_state(action, state) == after


def test_an_action_not_allowed_is_refused() -> None:
    assert not can("confirm", "registered")
    assert not can("nonsense", "registered")
    with pytest.raises(ValueError, match="confirm is not possible from registered"):
        next_state("confirm", "registered")


def test_the_texts_an_action_needs() -> None:
    assert {a: t.needs for a, t in TRANSITIONS.items() if t.needs} == {
        "resolve": "resolution", "reopen": "reason", "cancel": "reason", "note": "note"}
