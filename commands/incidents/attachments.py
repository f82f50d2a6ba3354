"""Keeping a file with an incident: the one use case every channel calls (a mail's attachments today;
Slack and Telegram uploads and the web application's next).

``keep_file(session, config, incident_id, Upload(...), source=..., added_by=..., now=...)`` runs inside the
caller's unit of work: it judges the file (commands/incidents/domain/attachments.py: size, count, the kind its bytes
show), stores it (storage/attachments.py: the bytes in the database, once per content) and puts it on
the incident's timeline (``attachment`` event, listed by /status). It returns what was kept, or why not;
the same file kept twice is one file and one timeline line.

``attach(session, config, number, uploads, ...)`` is what a channel calls after a person's command on an
incident succeeded: the files kept with that incident, never with one of a customer the person does not
serve; ``file_lines(locale, results, limits)`` are the reply's lines about them, in the person's language.

``files(session, incident_id)`` lists what an incident holds; ``file_content(session, id)`` reads one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands.domain.i18n.catalog import t
from commands.incidents.domain.attachments import AttachmentsConfig, clean_filename, judge
from storage.attachments import Attachments, Kept
from storage.register import Register

__all__ = ["Kept", "Refused", "Upload", "attach", "file_content", "file_lines", "files", "keep_file"]


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str  # as the sender declared it; the bytes are judged
    content: bytes


@dataclass(frozen=True)
class Refused:
    filename: str
    reason: str  # "too_big", "too_many", "type", "empty"


def keep_file(session: Session, config: AttachmentsConfig, incident_id: int, upload: Upload, *, source: str,
              added_by: str, channel: str, now: datetime) -> Kept | Refused:
    store = Attachments(session)
    name = clean_filename(upload.filename)
    same = store.find(incident_id, name, upload.content)
    if same is not None:
        return same
    verdict = judge(upload.content, upload.content_type, store.count(incident_id), config)
    if verdict.content_type is None:
        return Refused(name, verdict.reason)
    kept = store.put(incident_id, filename=name, content_type=verdict.content_type, content=upload.content,
                     source=source, added_by=added_by, now=now)
    Register(session).record(incident_id, at=now, actor=added_by, kind="attachment", channel=channel[:128],
                             text=f"{kept.filename} ({kept.content_type}, {kept.size} B)",
                             data={"attachment_id": kept.id, "sha256": kept.sha256})
    return kept


def attach(session: Session, config: AttachmentsConfig, number: str, uploads: Sequence[Upload], *, person: str,
           customers: Collection[str], source: str, channel: str, now: datetime) -> list[Kept | Refused]:
    """Each upload kept with incident ``number`` (or why not), added by ``person``, who serves
    ``customers``; nothing when the number is unknown or the incident is another customer's."""
    if not uploads:
        return []
    inc = Register(session).by_number(number)
    if inc is None or inc.id is None or inc.customer_id not in customers:
        return []
    return [keep_file(session, config, inc.id, u, source=source, added_by=person, channel=channel, now=now)
            for u in uploads]


def file_lines(locale: str, results: Sequence[Kept | Refused], limits: AttachmentsConfig) -> list[str]:
    """A reply's lines about the files: the names of those kept in one line, then a line per file refused
    saying why (the limit it went over)."""
    lines: list[str] = []
    kept = [r.filename for r in results if isinstance(r, Kept)]
    if kept:
        lines.append(t(locale, "mail.files_kept", names=", ".join(kept)))
    for r in results:
        if isinstance(r, Refused):
            limit = megabytes(limits.max_bytes) if r.reason == "too_big" else str(limits.max_per_incident)
            lines.append(t(locale, f"mail.file_refused.{r.reason}", name=r.filename, limit=limit))
    return lines


def megabytes(size: int) -> str:
    return f"{size / 1048576:.0f} MB" if size >= 1048576 else f"{size // 1024} KB"


def files(session: Session, incident_id: int) -> list[Kept]:
    return Attachments(session).list(incident_id)


def file_content(session: Session, attachment_id: int) -> tuple[Kept, bytes] | None:
    return Attachments(session).content(attachment_id)
