"""Tables of backups: one row per run of a backup target (the record of every backup, kept)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "failed", "interrupted")


class BackupRun(SQLModel, table=True):
    """A backup run: who or what started it, when, and what came of it.

    ``run_key`` is set for scheduled runs (customer:target:period:attempt) and is unique, so one replica
    runs each scheduled period; manual runs leave it empty.
    """

    __tablename__ = "backup_run"
    __table_args__ = (
        UniqueConstraint("run_key", name="uq_backup_run_key"),
        Index("ix_backup_run_target", "customer_id", "target_id", "id"),
        Index("ix_backup_run_status", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(max_length=32)
    target_id: str = Field(max_length=48)
    driver: str = Field(max_length=16)
    trigger: str = Field(max_length=16)  # "person" | "schedule"
    requested_by: str = Field(max_length=64)  # the person's id, or "schedule"
    run_key: str | None = Field(default=None, max_length=200)
    attempt: int = 1
    status: str = Field(default="queued", max_length=16)  # queued | running | succeeded | failed | interrupted
    queued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # A run still active after this is taken as lost (its process died) and marked interrupted.
    deadline_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    owner: str = Field(default="", max_length=128)  # the process that runs it (host:pid)
    size: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    sha256: str | None = Field(default=None, max_length=64)
    location: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    changed: bool | None = None  # text configurations: whether this run stored a new version
    commit: str | None = Field(default=None, max_length=40)
    pruned: bool = False  # the artifacts were deleted by the retention policy
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
