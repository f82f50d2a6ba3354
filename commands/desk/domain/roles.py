"""Who may run which desk command: the one table of roles per command, read by the registry (which
refuses), by /help (which lists) and by the replies (which offer only the buttons the reader may press)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

ALL_ROLES = ("reporter", "engineer", "admin")
STAFF = ("engineer", "admin")

COMMAND_ROLES: Mapping[str, tuple[str, ...]] = {
    "incident": ALL_ROLES,
    "ack": STAFF,
    "arrive": STAFF,
    "resolve": STAFF,
    "confirm": ALL_ROLES,
    "reopen": ALL_ROLES,
    "cancel": ("admin",),
    "note": ALL_ROLES,
    "status": ALL_ROLES,
    "incidents": ALL_ROLES,
    "pause": STAFF,
    "resume": STAFF,
    "category": STAFF,
    "received": STAFF,
    "sla": ALL_ROLES,
    "oncall": ALL_ROLES,
    "page": STAFF,
    "handover": STAFF,
    "health": ALL_ROLES,
    "maintenance": STAFF,
    "report": ALL_ROLES,
    "backup": STAFF,
    "backups": ALL_ROLES,
    "tasks": ALL_ROLES,
    "task": STAFF,
    "web": ALL_ROLES,
    "help": ALL_ROLES,
}

# /help (and Telegram's command menu) list these, in this order: the lifecycle's, then reading.
HELP_ORDER = ("incident", "ack", "arrive", "resolve", "confirm", "reopen", "cancel", "note", "status",
              "incidents", "pause", "resume", "category", "received", "sla", "oncall", "page", "handover",
              "health", "maintenance", "report", "backup", "backups", "web", "help")


def may_run(command: str, roles: Sequence[str]) -> bool:
    """Whether someone with ``roles`` may run ``command`` ("/ack NOI-2026-00001", "ack"): what buttons and
    hints offer a reader. A command the table does not know is not ours to judge: True."""
    name = (command.strip().lstrip("/").split(None, 1) or [""])[0].lower()
    allowed = COMMAND_ROLES.get(name)
    return allowed is None or bool(set(allowed) & set(roles))
