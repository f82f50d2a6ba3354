"""Which action may follow which state of an incident: the one transition table.

registered → acknowledged → in_progress (on site or remote) → resolved → confirmed (closed);
reopen brings a resolved or confirmed incident back to work; an admin may cancel anything not closed;
a note may be added in any state and changes none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

STATES = ("registered", "acknowledged", "in_progress", "resolved", "confirmed", "cancelled")
OPEN_STATES = ("registered", "acknowledged", "in_progress", "resolved")
CLOSED_STATES = ("confirmed", "cancelled")  # nothing but a note or /reopen (of a confirmed one) moves these


@dataclass(frozen=True, slots=True)
class Transition:
    allowed_from: tuple[str, ...]
    to: str | None  # the state after it; None: the state stays (a note)
    event: str  # the event it records in the timeline (and the message id of its answer)
    needs: str | None = None  # the text it cannot go without: "resolution", "reason", "note"


# action → from which states, to which state, recorded as which event; in lifecycle order
TRANSITIONS: Mapping[str, Transition] = {
    "ack": Transition(("registered",), "acknowledged", "acknowledged"),
    "arrive": Transition(("registered", "acknowledged"), "in_progress", "arrived"),
    "resolve": Transition(("acknowledged", "in_progress"), "resolved", "resolved", "resolution"),
    "confirm": Transition(("resolved",), "confirmed", "confirmed"),
    "reopen": Transition(("resolved", "confirmed"), "in_progress", "reopened", "reason"),
    "cancel": Transition(OPEN_STATES, "cancelled", "cancelled", "reason"),
    "note": Transition(STATES, None, "note", "note"),
}


def can(action: str, state: str) -> bool:
    step = TRANSITIONS.get(action)
    return step is not None and state in step.allowed_from


def is_closed(state: str) -> bool:
    return state in CLOSED_STATES


def allowed_actions(state: str) -> list[str]:
    """Actions that change the state and are possible now, in lifecycle order."""
    return [a for a, step in TRANSITIONS.items() if step.to is not None and state in step.allowed_from]


def next_state(action: str, state: str) -> str:
    if not can(action, state):
        raise ValueError(f"{action} is not possible from {state}")
    return TRANSITIONS[action].to or state
