"""The mail the desk sends in a thread: its reply to a report or a note, and the incident's updates.

Every header is built by the standard library's ``EmailMessage`` under the SMTP policy, which refuses a
header with a line break; what a person typed reaches a header only through ``one_line`` (control
characters and line breaks become spaces), so a subject cannot smuggle in a Bcc. Marked
``Auto-Submitted: auto-replied`` (RFC 3834 §5) so that well-behaved robots do not answer it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime as rfc2822_date

from commands.desk.reply import Reply
from commands.domain.i18n.catalog import t
from integrations.gateways.email import one_line

MAX_REFERENCES = 20  # the newest ids kept in References (RFC 5322 §3.6.4 lets a client trim)


def message_id(number: str | None, seed: str, domain: str) -> str:
    """A Message-ID the desk can recognise in a reply: ``<NOI-2026-00042.3f2a…@desk.example>``. The
    same seed gives the same id, so a mail sent twice after a crash is one message to the mail client."""
    digest = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return f"<{number or 'desk'}.{digest}@{domain}>"


def thread_subject(number: str | None, title: str) -> str:
    title = one_line(title, 180)
    return f"[{number}] {title}" if number else title


def body(reply: Reply, locale: str, *, hint: bool) -> str:
    lines = [reply.text, *reply.lines]
    if hint:
        lines += ["", t(locale, "mail.hint")]
    return "\n".join(lines) + "\n"


def compose(*, sender: str, to: Sequence[str], subject: str, text: str, msg_id: str, now: datetime,
            in_reply_to: str | None = None, references: Sequence[str] = ()) -> EmailMessage:
    mail = EmailMessage(policy=SMTP_POLICY)
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Subject"] = one_line(subject)
    mail["Date"] = rfc2822_date(now)
    mail["Message-ID"] = msg_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    refs = [r for r in references if r][-MAX_REFERENCES:]
    if refs:
        mail["References"] = " ".join(refs)
    mail["Auto-Submitted"] = "auto-replied"
    mail["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office answers to the desk
    mail.set_content(text)
    return mail
