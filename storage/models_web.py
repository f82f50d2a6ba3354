"""The web application's sign-in links and sessions (integrations/web): server-side rows, so a session can
be revoked and a link used once. Only digests of the secrets are stored; the secrets travel in the link
and the cookie alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class WebSignIn(SQLModel, table=True):
    """A one-time sign-in link: sent by chat DM (/web) or e-mail, valid until ``expires_at``, used once."""

    __tablename__ = "web_signin"
    token_hash: str = Field(primary_key=True, max_length=64)  # sha256 hex of the link's secret
    person_id: str = Field(max_length=64, index=True)
    via: str = Field(max_length=16)  # "chat" | "email"
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie carries the secret whose digest is the key."""

    __tablename__ = "web_session"
    id_hash: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(max_length=64, index=True)
    csrf: str = Field(max_length=64)  # the token every form of this session carries
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
