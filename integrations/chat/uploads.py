"""Files a person sends in a chat, kept with an incident: what every chat transport does the same way
(Slack today; Telegram can call the same), following the mail channel (integrations/mail/intake.py).

The person's command runs through the desk first (``ChatTransport.run``: the desk checks who may do what);
only when its reply is not an error and names an incident (``control_number``) are the files fetched and
kept with THAT incident (commands/incidents/attachments.py ``attach``), and the reply gains a line per
file kept or refused. A transport supplies how it fetches its platform's files (``Fetch``), and which
files it refused before fetching (too big by the declared size, not fetchable at all).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from commands.desk.reply import Reply
from commands.domain.i18n.catalog import t
from commands.incidents.attachments import Kept, Refused, Upload, attach, file_lines
from integrations.chat.card_core import ChatTransport

__all__ = ["UNAVAILABLE", "Fetched", "command_of", "keep_with_reply", "thread_note", "which_incident", "with_lines"]

# Refused before or while fetching: the platform would not give the bytes (an external or deleted file, a
# URL off the platform's host, a login page instead of the file). file_lines knows the other reasons.
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Fetched:
    uploads: list[Upload]
    refused: list[Refused]  # reasons: "too_big" (declared or read past the limit), UNAVAILABLE


Fetch = Callable[[], Awaitable[Fetched]]


def command_of(text: str) -> str | None:
    """The desk command a direct message with files stands for: its words as a command (the slash is
    optional, as in any direct message to the desk), or None when it has no words."""
    words = text.strip()
    if not words:
        return None
    return words if words.startswith("/") else f"/{words}"


def thread_note(number: str, words: str, locale: str) -> str:
    """The command of files sent in an incident card's thread (or as an answer to the card): a note on
    that incident with the message's words, or "(files only)"."""
    return f"/note {number} {words.strip() or t(locale, 'mail.only_files')}"


def which_incident(transport: ChatTransport, user: str, channel: str) -> Reply:
    """The polite answer to files that name no incident, in the person's language, with an example
    number of their customer's style (``NOI-2026-00001``)."""
    decision = transport.ask.decision(user, channel)
    if decision.actor is None:  # someone the desk does not know hears that, and no customer's numbers
        return Reply(text=t(decision.locale, "error.unknown_person", **decision.params), kind="error",
                     locale=decision.locale)
    customers = decision.actor.customers()
    cid = decision.customer_id or (customers[0] if customers else None)
    prefix = transport.config.customers[cid].prefix if cid is not None else "INC"
    year = transport.desk.services.clock.now().year
    example = f"{prefix}-{year}-00001"
    return Reply(text=t(decision.locale, "chat.files.which_incident", example=example), kind="error",
                 locale=decision.locale)


async def keep_with_reply(transport: ChatTransport, reply: Reply, fetch: Fetch, *, user: str,
                          channel: str, limit: int | None = None) -> Reply:
    """After the desk's ``reply`` to the person's command: the files fetched and kept with the incident it
    names, and the reply with a line per file. A reply that is an error or names no incident keeps
    nothing (and fetches nothing). Idempotent: a repeated delivery keeps each file once. ``limit``: the
    largest file the platform hands over, when below the desk's (Telegram's 20 MB), for the "larger than"
    line."""
    number = reply.control_number
    if reply.is_error or number is None:
        return reply
    actor = transport.directory.actor(f"{transport.name}:{user}")
    if actor is None:  # the desk answered someone it knows; a config reloaded meanwhile keeps nothing
        return reply
    fetched = await fetch()
    limits, now = transport.config.desk.attachments, transport.desk.services.clock.now()
    uploads = fetched.uploads
    results: list[Kept | Refused] = await transport.db.write(lambda s: attach(
        s, limits, number, uploads, person=actor.person_id, customers=actor.customers(), source=transport.name,
        channel=f"{transport.name}:{channel}", now=now)) if uploads else []
    locale = reply.locale
    shown = limits.model_copy(update={"max_bytes": min(limits.max_bytes, limit)}) if limit else limits
    lines = file_lines(locale, [*results, *(r for r in fetched.refused if r.reason != UNAVAILABLE)], shown)
    lines += [t(locale, "chat.files.unavailable", name=r.filename) for r in fetched.refused
              if r.reason == UNAVAILABLE]
    return with_lines(reply, lines)


def with_lines(reply: Reply, lines: Sequence[str]) -> Reply:
    return replace(reply, lines=(*reply.lines, *lines)) if lines else reply
