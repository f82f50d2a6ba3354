"""The console desk: a person types commands in the terminal (or a script pipes them in)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Mapping, Sequence
from typing import TextIO

from commands.desk.desk import Desk, only_what_they_may
from commands.desk.reply import Reply, Request
from commands.domain.i18n.catalog import t
from integrations.chat.routing import Destination


def render(reply: Reply) -> str:
    """Plain text: the reply's lines, then its buttons as the commands they would run."""
    out = [reply.text, *reply.lines]
    if reply.buttons:
        out.append("  ".join(f"[{b.label}: {b.command}]" for b in reply.buttons))
    if reply.attachment is not None:
        a = reply.attachment
        out.append(f"[file {a.filename}, {len(a.content)} bytes, {a.mime_type}]")
        if a.mime_type.startswith("text/"):  # a terminal can show it; binary files are only announced
            out.append(a.content.decode("utf-8", "replace").replace("\r\n", "\n").rstrip("\n"))
    return "\n".join(out)


def where(audience: str, locale: str, names: Mapping[str, str]) -> str:
    """Where a message went, in the reader's language: "to the engineers", "до Георги Иванов"."""
    kind, _, who = audience.partition(":")
    if kind == "person":
        return t(locale, "console.to.person", person=names.get(who, who))
    if kind in ("customer", "engineers"):
        return t(locale, f"console.to.{kind}")
    return audience


class ConsoleNotifier:
    """Prints, between commands, what the desk has to tell the console's customer or person, each message
    under where it went in the reader's language (``audiences=None``: every audience, as the demo shows).
    ``roles`` (the reader's, per customer): the console is read by its person alone, so a message shows
    only the buttons they may use — a reporter is not offered /ack under the card of their own report."""

    name = "console"

    def __init__(self, audiences: set[str] | None, stdout: TextIO, *, locale: str = "en",
                 names: Mapping[str, str] | None = None, roles: Mapping[str, Sequence[str]] | None = None) -> None:
        self.audiences = audiences
        self.roles = roles
        self.stdout = stdout
        self.locale = locale
        self.names = dict(names or {})

    def destinations(self, audience: str) -> list[Destination]:
        reached = self.audiences is None or audience in self.audiences
        return [Destination(audience, False)] if reached else []

    async def deliver(self, destination: Destination, reply: Reply, message: object) -> None:
        label = where(destination.chat_id, self.locale, self.names)
        if self.roles is not None:
            reply = only_what_they_may(reply, self.roles.get(str(getattr(message, "customer_id", "")), ()))
        self.stdout.write(f"[{label}] " + render(reply).replace("\n", "\n  ") + "\n")
        self.stdout.flush()


async def run_console(desk: Desk, user: str, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
                      channel: str = "console") -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    session = uuid.uuid4().hex[:12]
    n = 0
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return 0
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        n += 1
        if not interactive:
            stdout.write(f"> {line}\n")
        request = Request(text=line, transport="console", user_id=user, channel_id=channel,
                          delivery_id=f"{session}:{n}")
        reply = await desk.handle(request)
        stdout.write(render(reply) + "\n")
        stdout.flush()
