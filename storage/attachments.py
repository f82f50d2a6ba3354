"""The attachment store's tables (storage/models_mail.py says where the bytes live and why there).

Storage only: whether a file may be kept is the use case's question (commands/incidents/attachments.py, which
every channel calls). ``put`` stores the bytes once per content and names them for the incident; putting
the same file (name and content) for the same incident again returns the first row, so a mail read
twice, a webhook delivered twice, keeps one copy. ``list(incident_id)`` and ``content(id)`` read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models_mail import Attachment, AttachmentBlob


@dataclass(frozen=True)
class Kept:
    id: int
    incident_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    source: str
    added_by: str
    added_at: datetime
    fresh: bool = False  # added by this call (not the same file added before)


def _kept(row: Attachment, fresh: bool = False) -> Kept:
    assert row.id is not None
    return Kept(row.id, row.incident_id, row.filename, row.content_type, row.size, row.sha256, row.source,
                row.added_by, row.added_at, fresh)


class Attachments:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, incident_id: int, filename: str, content: bytes) -> Kept | None:
        """The same file (name and bytes) already kept for the incident, if any."""
        digest = hashlib.sha256(content).hexdigest()
        row = self.session.exec(select(Attachment).where(
            Attachment.incident_id == incident_id, Attachment.sha256 == digest, Attachment.filename == filename)).first()
        return _kept(row) if row is not None else None

    def put(self, incident_id: int, *, filename: str, content_type: str, content: bytes, source: str, added_by: str,
            now: datetime) -> Kept:
        same = self.find(incident_id, filename, content)
        if same is not None:
            return same
        digest = hashlib.sha256(content).hexdigest()
        if self.session.get(AttachmentBlob, digest) is None:
            self.session.add(AttachmentBlob(sha256=digest, size=len(content), content=content))
            self.session.flush()
        row = Attachment(incident_id=incident_id, filename=filename[:255], content_type=content_type[:128],
                         size=len(content), sha256=digest, source=source[:32], added_by=added_by[:64], added_at=now)
        self.session.add(row)
        self.session.flush()
        return _kept(row, fresh=True)

    def count(self, incident_id: int) -> int:
        return int(self.session.exec(select(func.count()).select_from(Attachment)
                                     .where(Attachment.incident_id == incident_id)).one())

    def list(self, incident_id: int) -> list[Kept]:
        rows = self.session.exec(select(Attachment).where(Attachment.incident_id == incident_id)
                                 .order_by(col(Attachment.added_at), col(Attachment.id)))
        return [_kept(r) for r in rows]

    def content(self, attachment_id: int) -> tuple[Kept, bytes] | None:
        row = self.session.get(Attachment, attachment_id)
        if row is None:
            return None
        blob = self.session.get(AttachmentBlob, row.sha256)
        if blob is None:  # the foreign key keeps this from happening
            return None
        return _kept(row), bytes(blob.content)
