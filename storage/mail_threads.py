"""Who takes part in an incident's mail thread (storage/models_mail.MailThread)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models_mail import MailThread


class MailThreads:
    def __init__(self, session: Session) -> None:
        self.session = session

    def join(self, incident_id: int, address: str, *, person: str, locale: str, root_message_id: str,
             updates: bool, now: datetime) -> MailThread:
        """The address's place in the thread (added once; a second join returns the first)."""
        row = self.session.exec(select(MailThread).where(
            MailThread.incident_id == incident_id, MailThread.address == address)).first()
        if row is None:
            row = MailThread(incident_id=incident_id, address=address[:254], person=person[:64], locale=locale[:8],
                             root_message_id=root_message_id[:998], updates=updates, joined_at=now)
            self.session.add(row)
            self.session.flush()
        return row

    def of(self, incident_id: int) -> list[MailThread]:
        return list(self.session.exec(select(MailThread).where(MailThread.incident_id == incident_id)
                                      .order_by(col(MailThread.joined_at), col(MailThread.id))))

    def root(self, incident_id: int) -> str | None:
        """The thread's first message (the report): every later mail answers it."""
        rows = self.of(incident_id)
        return rows[0].root_message_id if rows else None

    def incident_of(self, message_ids: tuple[str, ...]) -> int | None:
        """The incident whose thread began with one of ``message_ids`` (a reply to the report itself)."""
        if not message_ids:
            return None
        row = self.session.exec(select(MailThread).where(col(MailThread.root_message_id).in_(message_ids))).first()
        return row.incident_id if row else None
