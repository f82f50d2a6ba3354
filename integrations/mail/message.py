"""An incoming mail as the desk needs it: who, what, when, in reply to what, and whether it is a person's.

Charsets are taken as they come (UTF-8, windows-1251, KOI8-R, windows-1256, ISO-8859-5 ... — the
standard library's codecs) and headers' encoded words are decoded; a part in a charset Python does not
know, or with bytes its charset cannot carry, is read with replacement characters rather than refused.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from integrations.mail.text import html_to_text

_MSGID = re.compile(r"<[^<>\s]{1,900}>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u00ad\ufeff\u2060]")


@dataclass(frozen=True)
class MailFile:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class InboundMail:
    message_id: str | None  # "<...@...>" as sent, or None
    sender: str | None  # the From address, lower case (None: none or unreadable)
    sender_name: str
    reply_to: str | None
    to: tuple[str, ...]  # To and Cc addresses, lower case
    subject: str
    text: str  # the body as text (HTML converted), not yet cut
    date: datetime | None  # the sender's Date header
    received_at: datetime | None  # the date of the newest Received header (the last server's stamp)
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    auto_submitted: str  # the header's value, "no" when absent
    precedence: str
    return_path: str | None  # None when absent; "" for the null return path <> of a bounce
    is_report: bool  # multipart/report (a delivery status or read receipt)
    auto_reply_hints: bool  # X-Autoreply, X-Autorespond, X-Auto-Response-Suppress: All/AutoReply ...
    authentication_results: tuple[str, ...]
    attachments: tuple[MailFile, ...]
    raw_size: int

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The message ids this mail answers: In-Reply-To first, then References newest first."""
        seen: list[str] = []
        for mid in (*self.in_reply_to, *reversed(self.references)):
            if mid not in seen:
                seen.append(mid)
        return tuple(seen)


def _header(msg: Message, name: str) -> str:
    value = msg.get(name)
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:  # a header whose encoded words do not decode
        text = str(msg.get(name, failobj=""))
    return " ".join(_CONTROL.sub(" ", text).split())


def _ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value))[:100]


def _address(msg: Message, name: str) -> tuple[str | None, str]:
    value = msg.get(name)
    if value is None:
        return None, ""
    addresses = getattr(value, "addresses", None)
    if addresses:
        first: Address = addresses[0]
        addr = first.addr_spec.strip().lower()
        return (addr if "@" in addr and not _CONTROL.search(addr) else None), str(first.display_name or "")
    pairs = getaddresses([str(value)])
    if pairs and "@" in pairs[0][1]:
        return pairs[0][1].strip().lower(), pairs[0][0]
    return None, ""


def _all_addresses(msg: Message, *names: str) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        for value in msg.get_all(name) or []:
            for _, addr in getaddresses([str(value)]):
                if "@" in addr:
                    out.append(addr.strip().lower())
    return tuple(out)


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "us-ascii"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", errors="replace")


def _body(msg: Message) -> str:
    """The mail's text: its first text/plain part, else its first text/html part as text."""
    plain: str | None = None
    html: str | None = None
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get_content_disposition() == "attachment":
            continue
        subtype = part.get_content_subtype()
        if subtype == "plain" and plain is None:
            plain = _decoded(part)
        elif subtype == "html" and html is None:
            html = _decoded(part)
    if plain is not None and plain.strip():
        return plain
    return html_to_text(html) if html else (plain or "")


def _files(msg: Message, limit: int) -> tuple[MailFile, ...]:
    files: list[MailFile] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if disposition != "attachment" and not (disposition == "inline" and filename and part.get_content_maintype() != "text"):
            continue
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes):
            continue
        name = " ".join(_CONTROL.sub(" ", filename or "attachment").split()) or "attachment"
        files.append(MailFile(name, part.get_content_type(), content))
        if len(files) >= limit:
            break
    return tuple(files)


def _received(msg: Message) -> datetime | None:
    """The instant in the first (newest) Received header: '...; Mon, 23 Nov 2026 10:04:07 +0200'."""
    stamps = msg.get_all("Received") or []
    if not stamps:
        return None
    first = stamps[0]
    _, _, stamp = str(first).rpartition(";")
    try:
        at = parsedate_to_datetime(stamp.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def read_mail(raw: bytes, *, max_files: int = 50) -> InboundMail:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    sender, name = _address(msg, "From")
    reply_to, _ = _address(msg, "Reply-To")
    date: datetime | None = None
    try:
        raw_date = msg.get("Date")
        if raw_date is not None:
            date = parsedate_to_datetime(str(raw_date))
            date = date.replace(tzinfo=UTC) if date.tzinfo is None else date.astimezone(UTC)
    except (TypeError, ValueError, IndexError):
        date = None
    return_path: str | None = None
    if msg.get("Return-Path") is not None:
        return_path = _header(msg, "Return-Path").strip("<> ")
    message_id = next(iter(_ids(_header(msg, "Message-ID"))), None)
    auto_hints = any(msg.get(h) is not None for h in ("X-Autoreply", "X-Autorespond", "X-Autogenerated"))
    suppress = _header(msg, "X-Auto-Response-Suppress").lower()
    auto_hints = auto_hints or any(w in suppress for w in ("all", "autoreply", "oof"))
    return InboundMail(
        message_id=message_id, sender=sender, sender_name=" ".join(_CONTROL.sub(" ", name).split()),
        reply_to=reply_to, to=_all_addresses(msg, "To", "Cc"),
        subject=_header(msg, "Subject"), text=_body(msg), date=date, received_at=_received(msg),
        in_reply_to=_ids(_header(msg, "In-Reply-To")), references=_ids(_header(msg, "References")),
        auto_submitted=(_header(msg, "Auto-Submitted") or "no").split(";")[0].strip().lower(),
        precedence=_header(msg, "Precedence").lower(), return_path=return_path,
        is_report=msg.get_content_type() == "multipart/report", auto_reply_hints=auto_hints,
        authentication_results=tuple(" ".join(_CONTROL.sub(" ", str(h)).split())
                                     for h in msg.get_all("Authentication-Results") or []),
        attachments=_files(msg, max_files), raw_size=len(raw),
    )
