"""Tables of the e-mail channel and the attachment store (migration e0001).

- ``attachment`` / ``attachment_blob``: files kept with an incident (a mail's screenshots and logs; the
  same store takes Slack and Telegram uploads and the web application's). The bytes live in the database,
  once per content (``attachment_blob``, keyed by SHA-256), not in a directory beside it: they commit in
  the same transaction as the rows that name them, every replica of the desk sees them, and the
  database's backup holds them; the size and count are bounded (``desk.attachments``), so the register
  stays a database of records, not a file server.
- ``mail_thread``: who takes part in an incident's mail thread (the reporter and whoever replied), the
  thread's first message id (our replies answer it), and whether they get the incident's updates by mail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class AttachmentBlob(SQLModel, table=True):
    __tablename__ = "attachment_blob"
    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary(), nullable=False))


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("incident_id", "sha256", "filename", name="uq_attachment_incident_file"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=128)
    size: int
    sha256: str = Field(foreign_key="attachment_blob.sha256", max_length=64)
    source: str = Field(max_length=32)  # "email", "slack", "telegram", "web"
    added_by: str = Field(max_length=64)  # a person id, or "guest:<address>"
    added_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class MailThread(SQLModel, table=True):
    __tablename__ = "mail_thread"
    __table_args__ = (UniqueConstraint("incident_id", "address", name="uq_mail_thread_incident_address"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    address: str = Field(max_length=254)
    person: str = Field(max_length=64)
    locale: str = Field(max_length=8)
    root_message_id: str = Field(max_length=998)  # the first mail of the thread (the report)
    updates: bool = True  # gets the incident's changes by mail
    joined_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
