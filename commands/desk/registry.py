"""Every desk command in one place: its name, who may run it, and its handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from commands.backups import backup as backup_cmd
from commands.desk import help as help_cmd
from commands.desk import web_link
from commands.desk.context import Context, Outcome
from commands.desk.domain.roles import COMMAND_ROLES
from commands.desk.parse import Parsed
from commands.health import health
from commands.incidents import incident, sla_commands
from commands.oncall import oncall
from commands.preventive import chat as preventive_chat
from commands.reports import report


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: Callable[[Context, Parsed], Outcome]
    takes_number: bool = False  # the first word is a control number (it also tells the customer)
    personal: bool = False  # about the person, not one customer (/web): where none is named, their first

    @property
    def roles(self) -> tuple[str, ...]:
        return COMMAND_ROLES[self.name]


COMMANDS: Mapping[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec("incident", incident.file_incident),
        CommandSpec("ack", incident.ack, takes_number=True),
        CommandSpec("arrive", incident.arrive, takes_number=True),
        CommandSpec("resolve", incident.resolve, takes_number=True),
        CommandSpec("confirm", incident.confirm, takes_number=True),
        CommandSpec("reopen", incident.reopen, takes_number=True),
        CommandSpec("cancel", incident.cancel, takes_number=True),
        CommandSpec("note", incident.note, takes_number=True),
        CommandSpec("status", incident.status, takes_number=True),
        CommandSpec("incidents", incident.incidents),
        CommandSpec("pause", sla_commands.pause, takes_number=True),
        CommandSpec("resume", sla_commands.resume, takes_number=True),
        CommandSpec("category", sla_commands.recategorise, takes_number=True),
        CommandSpec("received", sla_commands.received, takes_number=True),
        CommandSpec("sla", sla_commands.sla_preview),
        CommandSpec("oncall", oncall.oncall),
        CommandSpec("page", oncall.page),
        CommandSpec("handover", oncall.handover, takes_number=True),
        CommandSpec("health", health.health),
        CommandSpec("maintenance", health.maintenance),
        CommandSpec("report", report.report),
        CommandSpec("backup", backup_cmd.backup),
        CommandSpec("backups", backup_cmd.backups),
        CommandSpec("tasks", preventive_chat.list_tasks),
        CommandSpec("task", preventive_chat.task),
        CommandSpec("help", help_cmd.show_help),
        CommandSpec("web", web_link.web_link, personal=True),
    )
}
if set(COMMANDS) != set(COMMAND_ROLES):  # one table of roles (commands/desk/domain/roles.py), one of handlers
    raise RuntimeError(f"commands without roles or roles without a command: {set(COMMANDS) ^ set(COMMAND_ROLES)}")
