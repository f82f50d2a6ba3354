"""Which action may follow which state of an incident.

registered → acknowledged → in_progress (on site or remote) → resolved → confirmed (closed);
reopen brings a resolved or confirmed incident back to work; an admin may cancel anything not closed.
"""

from __future__ import annotations

from collections.abc import Mapping

STATES = ("registered", "acknowledged", "in_progress", "resolved", "confirmed", "cancelled")
OPEN_STATES = ("registered", "acknowledged", "in_progress", "resolved")

# action → the states it may be taken from
ALLOWED_FROM: Mapping[str, tuple[str, ...]] = {
    "ack": ("registered",),
    "arrive": ("registered", "acknowledged"),
    "resolve": ("acknowledged", "in_progress"),
    "confirm": ("resolved",),
    "reopen": ("resolved", "confirmed"),
    "cancel": ("registered", "acknowledged", "in_progress", "resolved"),
    "note": STATES,
}

RESULT: Mapping[str, str] = {
    "ack": "acknowledged",
    "arrive": "in_progress",
    "resolve": "resolved",
    "confirm": "confirmed",
    "reopen": "in_progress",
    "cancel": "cancelled",
}


def can(action: str, state: str) -> bool:
    return state in ALLOWED_FROM.get(action, ())


def allowed_actions(state: str) -> list[str]:
    """Actions that change the state and are possible now, in lifecycle order."""
    return [a for a in RESULT if can(a, state)]


def next_state(action: str, state: str) -> str:
    if not can(action, state):
        raise ValueError(f"{action} is not possible from {state}")
    return RESULT.get(action, state)
