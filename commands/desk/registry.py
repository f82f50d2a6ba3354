"""Every desk command in one place: its name, who may run it, and its handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from commands.backups import backup as backup_cmd
from commands.desk import help as help_cmd
from commands.desk import web_link
from commands.desk.context import Context, Outcome
from commands.desk.parse import Parsed
from commands.health import health
from commands.incidents import incident, sla_commands
from commands.oncall import oncall
from commands.preventive import chat as preventive_chat
from commands.reports import report

ALL_ROLES = ("reporter", "engineer", "admin")
STAFF = ("engineer", "admin")


@dataclass(frozen=True)
class CommandSpec:
    name: str
    roles: tuple[str, ...]
    handler: Callable[[Context, Parsed], Outcome]
    takes_number: bool = False  # the first word is a control number (it also tells the customer)


COMMANDS: Mapping[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec("incident", ALL_ROLES, incident.file_incident),
        CommandSpec("ack", STAFF, incident.ack, takes_number=True),
        CommandSpec("arrive", STAFF, incident.arrive, takes_number=True),
        CommandSpec("resolve", STAFF, incident.resolve, takes_number=True),
        CommandSpec("confirm", ALL_ROLES, incident.confirm, takes_number=True),
        CommandSpec("reopen", ALL_ROLES, incident.reopen, takes_number=True),
        CommandSpec("cancel", ("admin",), incident.cancel, takes_number=True),
        CommandSpec("note", ALL_ROLES, incident.note, takes_number=True),
        CommandSpec("status", ALL_ROLES, incident.status, takes_number=True),
        CommandSpec("incidents", ALL_ROLES, incident.incidents),
        CommandSpec("pause", STAFF, sla_commands.pause, takes_number=True),
        CommandSpec("resume", STAFF, sla_commands.resume, takes_number=True),
        CommandSpec("category", STAFF, sla_commands.recategorise, takes_number=True),
        CommandSpec("received", STAFF, sla_commands.received, takes_number=True),
        CommandSpec("sla", ALL_ROLES, sla_commands.sla_preview),
        CommandSpec("oncall", ALL_ROLES, oncall.oncall),
        CommandSpec("page", STAFF, oncall.page),
        CommandSpec("handover", STAFF, oncall.handover, takes_number=True),
        CommandSpec("health", ALL_ROLES, health.health),
        CommandSpec("maintenance", STAFF, health.maintenance),
        CommandSpec("report", ALL_ROLES, report.report),
        CommandSpec("backup", STAFF, backup_cmd.backup),
        CommandSpec("backups", ALL_ROLES, backup_cmd.backups),
        CommandSpec("tasks", ALL_ROLES, preventive_chat.list_tasks),
        CommandSpec("task", STAFF, preventive_chat.task),
        CommandSpec("help", ALL_ROLES, help_cmd.show_help),
        CommandSpec("web", ALL_ROLES, web_link.web_link),
    )
}
# Help lists the commands in this order (the lifecycle's order, then reading).
HELP_ORDER = ("incident", "ack", "arrive", "resolve", "confirm", "reopen", "cancel", "note", "status",
              "incidents", "pause", "resume", "category", "received", "sla", "oncall", "page", "handover",
              "health", "maintenance", "report", "backup", "backups", "web", "help")


def may_run(command: str, roles: Sequence[str]) -> bool:
    """Whether someone with ``roles`` may run ``command`` ("/ack NOI-2026-00001", "ack"): what buttons and
    hints offer a reader. A command the registry does not know is not ours to judge: True."""
    name = (command.strip().lstrip("/").split(None, 1) or [""])[0].lower()
    spec = COMMANDS.get(name)
    return spec is None or bool(set(spec.roles) & set(roles))
