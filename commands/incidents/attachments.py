"""Keeping a file with an incident: the one use case every channel calls (a mail's attachments today;
Slack and Telegram uploads and the web application's next).

``keep_file(session, config, incident_id, Upload(...), source=..., added_by=..., now=...)`` runs inside the
caller's unit of work: it judges the file (commands/incidents/domain/attachments.py: size, count, the kind its bytes
show), stores it (storage/attachments.py: the bytes in the database, once per content) and puts it on
the incident's timeline (``attachment`` event, listed by /status). It returns what was kept, or why not;
the same file kept twice is one file and one timeline line.

``files(session, incident_id)`` lists what an incident holds; ``file_content(session, id)`` reads one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands.incidents.domain.attachments import AttachmentsConfig, clean_filename, judge
from storage.attachments import Attachments, Kept
from storage.register import Register

__all__ = ["Kept", "Refused", "Upload", "file_content", "files", "keep_file"]


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


def files(session: Session, incident_id: int) -> list[Kept]:
    return Attachments(session).list(incident_id)


def file_content(session: Session, attachment_id: int) -> tuple[Kept, bytes] | None:
    return Attachments(session).content(attachment_id)
