"""Sign-in links and sessions of the web application: issue, use once, look up, revoke.

Every method runs inside the caller's transaction. Secrets are never stored: a link's and a cookie's
secret are kept as their SHA-256 digests, so reading the database does not sign anybody in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from storage.models_web import WebSession, WebSignIn

LINK_LIFETIME = timedelta(minutes=15)
OIDC_LIFETIME = timedelta(minutes=10)  # from the redirect to the identity provider until its answer
OIDC = "oidc"  # ``via`` of a pending OpenID Connect sign-in: its ``state``, spent once; never a link
SESSION_LIFETIME = timedelta(hours=12)
# An ended link or session is kept this long after it ended (a person asking why a link did not work
# finds it used or expired), then deleted: otherwise every /web and every sign-in adds a row for good.
KEEP_ENDED = timedelta(days=7)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret() -> str:
    """32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class SignedIn:
    person_id: str
    csrf: str
    expires_at: datetime


class WebAuth:
    def __init__(self, session: Session) -> None:
        self.session = session

    def issue_link(self, secret: str, person_id: str, via: str, now: datetime) -> None:
        self.session.add(WebSignIn(token_hash=digest(secret), person_id=person_id, via=via, created_at=now,
                                   expires_at=now + LINK_LIFETIME))
        self.session.flush()

    def use_link(self, secret: str, session_secret: str, csrf: str, now: datetime) -> str | None:
        """The link's person, with a new session for them, or None: unknown, expired or used already. The
        link is spent by one conditional UPDATE, so two browsers opening it at once get one session."""
        spent = self.session.execute(
            update(WebSignIn)
            .where(col(WebSignIn.token_hash) == digest(secret), col(WebSignIn.used_at).is_(None),
                   col(WebSignIn.expires_at) > now, col(WebSignIn.via) != OIDC)
            .values(used_at=now))
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            return None
        link = self.session.get(WebSignIn, digest(secret))
        assert link is not None
        self.open_session(link.person_id, session_secret, csrf, now)
        return link.person_id

    def open_session(self, person_id: str, session_secret: str, csrf: str, now: datetime) -> None:
        """A new session of the person's (a used link, or an identity provider's answer)."""
        self.session.add(WebSession(id_hash=digest(session_secret), person_id=person_id, csrf=csrf,
                                    created_at=now, expires_at=now + SESSION_LIFETIME))
        self.session.flush()

    def begin_oidc(self, state_key: str, now: datetime) -> None:
        """Remember a redirect to an identity provider: ``state_key`` (the state with the provider's id)
        may come back once, within OIDC_LIFETIME."""
        self.session.add(WebSignIn(token_hash=digest(state_key), person_id="", via=OIDC, created_at=now,
                                   expires_at=now + OIDC_LIFETIME))
        self.session.flush()

    def spend_oidc(self, state_key: str, now: datetime) -> bool:
        """True once for a state begun within OIDC_LIFETIME; False when unknown, expired or used already
        (one conditional UPDATE: a replayed callback finds it spent)."""
        spent = self.session.execute(
            update(WebSignIn)
            .where(col(WebSignIn.token_hash) == digest(state_key), col(WebSignIn.via) == OIDC,
                   col(WebSignIn.used_at).is_(None), col(WebSignIn.expires_at) > now)
            .values(used_at=now))
        return bool(spent.rowcount == 1)  # type: ignore[attr-defined]

    def signed_in(self, session_secret: str, now: datetime) -> SignedIn | None:
        row = self.session.exec(select(WebSession).where(col(WebSession.id_hash) == digest(session_secret))).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        return SignedIn(row.person_id, row.csrf, row.expires_at)

    def revoke(self, session_secret: str, now: datetime) -> None:
        self.session.execute(update(WebSession).where(col(WebSession.id_hash) == digest(session_secret),
                                                      col(WebSession.revoked_at).is_(None)).values(revoked_at=now))

    def revoke_person(self, person_id: str, now: datetime) -> int:
        """Sign a person out everywhere (every session of theirs ends now)."""
        done = self.session.execute(update(WebSession).where(col(WebSession.person_id) == person_id,
                                                             col(WebSession.revoked_at).is_(None))
                                    .values(revoked_at=now))
        return int(done.rowcount)  # type: ignore[attr-defined]

    def purge(self, now: datetime, keep: timedelta = KEEP_ENDED) -> tuple[int, int]:
        """Delete the links and sessions that ended (expired, used, revoked) more than ``keep`` before
        ``now``; returns how many links and sessions went. Neither is a record of the register: a session
        signs nobody in once it has ended, and a link is spent or expired."""
        before = now - keep
        links = self.session.execute(delete(WebSignIn).where(
            or_(col(WebSignIn.expires_at) <= before, col(WebSignIn.used_at) <= before)))
        sessions = self.session.execute(delete(WebSession).where(
            or_(col(WebSession.expires_at) <= before, col(WebSession.revoked_at) <= before)))
        return int(links.rowcount), int(sessions.rowcount)  # type: ignore[attr-defined]
