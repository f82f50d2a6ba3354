"""One IMAP mailbox, through imap-tools (blocking calls: the channel runs them in a thread).

TLS is verified as for SMTP: implicit TLS (993) or STARTTLS (143) with the system's CAs, or only
``ca_file`` for a server a private CA signed; the certificate must name the host. Login by password or
by XOAUTH2 with a token the caller got (Microsoft 365 and Gmail refuse passwords).

What is pending: with ``after = "seen"`` the folder's unseen mail, with ``after = "move"`` every mail still
in the folder. Each comes with its UID, the folder's UIDVALIDITY and its INTERNALDATE — the instant the
receiving server took it, which is the incident's first notification, not the instant the desk read it.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

from commands.desk.domain.email_config import MailboxConfig

_FETCH_HEAD = re.compile(rb"UID (\d+)|INTERNALDATE \"([^\"]+)\"")
MAX_BATCH = 50  # mails read per round; the rest in the next


@dataclass(frozen=True)
class Pending:
    uid: str
    uidvalidity: str
    received: datetime | None  # INTERNALDATE (None: the server gave none the desk could read)
    raw: bytes

    def fallback_id(self, mailbox: str) -> str:
        """The delivery id of a mail without a Message-ID: the mailbox, its UIDVALIDITY and the UID."""
        return f"imap:{mailbox}:{self.uidvalidity}:{self.uid}"


class ImapMailbox:
    def __init__(self, config: MailboxConfig, *, password: str | None = None) -> None:
        self.config = config
        self._password = password
        self.box: BaseMailBox | None = None
        self.idle_supported = False
        self.uidvalidity = ""

    def _context(self) -> ssl.SSLContext:
        return (ssl.create_default_context(cafile=self.config.ca_file) if self.config.ca_file
                else ssl.create_default_context())

    def connect(self, token: str | None = None) -> None:
        cfg = self.config
        box: BaseMailBox
        if cfg.tls == "implicit":
            box = MailBox(cfg.host, cfg.port, timeout=cfg.timeout_seconds, ssl_context=self._context())
        elif cfg.tls == "starttls":
            box = MailBoxStartTls(cfg.host, cfg.port, timeout=cfg.timeout_seconds, ssl_context=self._context())
        else:
            box = MailBoxUnencrypted(cfg.host, cfg.port, timeout=cfg.timeout_seconds)
        try:
            if cfg.auth == "xoauth2":
                assert token is not None
                box.xoauth2(cfg.username, token, initial_folder=None)
            else:
                box.login(cfg.username, self._password or "", initial_folder=None)
            if cfg.after == "move" and not box.folder.exists(cfg.done_folder):
                box.folder.create(cfg.done_folder)
            box.folder.set(cfg.folder)
            status = box.folder.status(cfg.folder, ["UIDVALIDITY"])
            self.uidvalidity = str(status.get("UIDVALIDITY", ""))
        except BaseException:
            _close(box)
            raise
        self.box = box
        self.idle_supported = cfg.idle and "IDLE" in box.client.capabilities

    def pending(self) -> list[Pending]:
        box = self._box()
        criteria = "UNSEEN" if self.config.after == "seen" else "ALL"
        typ, data = box.client.uid("SEARCH", criteria)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"SEARCH {criteria}: {typ} {data!r}")
        uids = (data[0] or b"").split()[:MAX_BATCH]
        out: list[Pending] = []
        for uid in uids:
            typ, parts = box.client.uid("FETCH", uid.decode(), "(UID INTERNALDATE BODY.PEEK[])")
            if typ != "OK":
                raise imaplib.IMAP4.error(f"FETCH {uid!r}: {typ}")
            for part in parts:
                if not isinstance(part, tuple):
                    continue
                head, raw = part
                found_uid, received = uid.decode(), None
                for m in _FETCH_HEAD.finditer(head):
                    if m.group(1):
                        found_uid = m.group(1).decode()
                    elif m.group(2):
                        received = _internaldate(m.group(2).decode())
                out.append(Pending(found_uid, self.uidvalidity, received, bytes(raw)))
        return out

    def done(self, uid: str) -> None:
        """Tell the mailbox the mail is handled (after the register committed)."""
        box = self._box()
        if self.config.after == "move":
            box.move(uid, self.config.done_folder)
        else:
            typ, data = box.client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")
            if typ != "OK":
                raise imaplib.IMAP4.error(f"STORE {uid}: {typ} {data!r}")

    def wait(self, timeout: float) -> None:
        """Until the server says something changed (IDLE) or ``timeout`` seconds passed."""
        box = self._box()
        if self.idle_supported:
            box.idle.wait(timeout=timeout)
        else:
            box.client.noop()  # the connection still stands (a dead one raises here, not at the next read)

    def interrupt(self) -> None:
        """Wake a thread blocked in ``wait`` (stop): its socket is shut down."""
        box = self.box
        sock = getattr(box.client, "sock", None) if box is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        if self.box is not None:
            _close(self.box)
        self.box = None

    def _box(self) -> BaseMailBox:
        if self.box is None:
            raise imaplib.IMAP4.abort("not connected")
        return self.box


def _internaldate(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%d-%b-%Y %H:%M:%S %z").astimezone(UTC)
    except ValueError:
        return None


def _close(box: BaseMailBox) -> None:
    try:
        box.logout()
    except Exception:
        with contextlib.suppress(Exception):
            box.client.shutdown()
