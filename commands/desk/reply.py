"""What a command answers, independent of the chat it came from.

Each transport renders a ``Reply`` its own way (plain text, Block Kit, Telegram HTML). A ``Button`` is
just a command string: pressing it re-enters the desk as if the user had typed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ReplyKind = Literal["ok", "error", "info"]


@dataclass(frozen=True)
class Button:
    label: str
    command: str  # e.g. "/ack NOI-2026-00042"
    style: Literal["primary", "danger", "default"] = "default"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    text: str  # the first line: what happened, already localised
    lines: tuple[str, ...] = ()
    kind: ReplyKind = "ok"
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None
    locale: str = "en"
    # Set when the reply is about one incident, so transports can thread or update its card.
    control_number: str | None = None
    # Set on a rate-limit refusal: whole seconds until the desk takes the next command (HTTP Retry-After).
    retry_after: int | None = None
    # Nothing was done because of a passing failure (the database was unreachable): the same request may
    # succeed later. Never stored; a transport whose platform delivers again may refuse the delivery.
    transient: bool = False
    # A new report the register could not take now, kept in the desk's journal: the reporter is told it is
    # received (with its first notification); the control number follows (commands/desk/journaled.py). Never stored.
    kept: bool = False

    @property
    def is_error(self) -> bool:
        return self.kind == "error"

    def as_text(self) -> str:
        return "\n".join((self.text, *self.lines))

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "lines": list(self.lines),
            "kind": self.kind,
            "buttons": [{"label": b.label, "command": b.command, "style": b.style} for b in self.buttons],
            "locale": self.locale,
            "control_number": self.control_number,
        }

    def filled(self, slot: str, value: str) -> Reply:
        """This reply with ``slot`` replaced by ``value`` everywhere (text, lines, buttons, number):
        a reply rendered before its control number existed."""
        # Built directly, not with dataclasses.replace: this runs in the writer for every report.
        return Reply(
            text=self.text.replace(slot, value), lines=tuple([x.replace(slot, value) for x in self.lines]),
            kind=self.kind,
            buttons=tuple([Button(b.label.replace(slot, value), b.command.replace(slot, value), b.style)
                           for b in self.buttons]),
            attachment=self.attachment, locale=self.locale,
            control_number=self.control_number.replace(slot, value) if self.control_number else None,
        )

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Reply:
        buttons = data.get("buttons") or []
        assert isinstance(buttons, list)
        lines = data.get("lines") or []
        assert isinstance(lines, list)
        kind = str(data.get("kind", "ok"))
        assert kind in ("ok", "error", "info")
        cn = data.get("control_number")
        return cls(
            text=str(data["text"]),
            lines=tuple(str(x) for x in lines),
            kind=kind,  # type: ignore[arg-type]
            buttons=tuple(
                Button(label=str(b["label"]), command=str(b["command"]), style=b.get("style", "default"))
                for b in buttons
            ),
            locale=str(data.get("locale", "en")),
            control_number=str(cn) if cn is not None else None,
        )


@dataclass(frozen=True)
class Form:
    """A command whose fields a form already separated (a Slack modal; a web page or an e-mail later).

    The desk takes the fields as they are: the free text is never parsed for options, so a description
    may say "--force" or "--reported" and it stays part of the description.
    """

    command: str  # "incident", "resolve", ... (without "/")
    fields: tuple[str, ...] = ()  # the positional values, one word each: category and component, or a number
    text: str = ""  # the free text (a description, what was done), verbatim
    options: Mapping[str, str] = field(default_factory=dict)  # named values, e.g. {"reported": "today 08:55"}


@dataclass(frozen=True)
class Request:
    """One command as a transport hands it to the desk: typed (``text``) or from a form (``form``)."""

    text: str  # what the user typed (or the command a button carries); for a form, "/<command>"
    transport: str  # "console" | "slack" | "telegram"
    user_id: str  # the transport's user id: "alice", "U123", "456"
    channel_id: str  # the transport's channel/chat id ("console" for the console desk)
    delivery_id: str | None = None  # the platform's id for this delivery; repeats are answered once
    form: Form | None = None  # the fields of a submitted form: then ``text`` is not parsed
    # When the desk received it, for a report kept in the journal while the register was unavailable and
    # registered later: its first notification (None: now).
    received_at: datetime | None = None

    @property
    def identity(self) -> str:
        return f"{self.transport}:{self.user_id}"

    @property
    def channel(self) -> str:
        return f"{self.transport}:{self.channel_id}"
