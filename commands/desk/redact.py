"""The secrets this process knows, so that no log line and no reply ever shows one.

Secrets live in the environment only (chat tokens, the database password, the gateways' credentials
named by the config's ``*_env`` keys). The process registers their values here at start
(bot/log_redaction.py); the logging filter and the desk's replies pass text through ``redact``. Values
shorter than ``MIN_LENGTH`` are not registered: masking every "1234" would ruin the logs and hide nothing
worth hiding (such a password is no secret anyway).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import quote, quote_plus

from commands.desk.reply import Reply

MASK = "[redacted]"
MIN_LENGTH = 6


class Secrets:
    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def __len__(self) -> int:
        return len(self._values)

    def add(self, *values: str | None) -> None:
        """Register secret values (None and short values are ignored), also as they look in a URL."""
        for value in values:
            if value is None or len(value.strip()) < MIN_LENGTH:
                continue
            # a token in a URL path or query may be percent-encoded ("123:ABC" → "123%3AABC")
            self._values.update({value, value.strip(), quote(value, safe=""), quote_plus(value)})
        if self._values:  # longest first, so a secret containing another is masked whole
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def redact(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)

    def redact_reply(self, reply: Reply) -> Reply:
        """The reply with every secret masked, a text file it carries too (the same object when there
        was none)."""
        if self._pattern is None:
            return reply
        text, lines = self.redact(reply.text), tuple(self.redact(x) for x in reply.lines)
        attachment = reply.attachment
        if attachment is not None and _is_text(attachment.mime_type):
            try:
                content = self.redact(attachment.content.decode("utf-8")).encode("utf-8")
            except UnicodeDecodeError:
                content = attachment.content
            if content != attachment.content:
                attachment = dataclasses.replace(attachment, content=content)
        if text == reply.text and lines == reply.lines and attachment is reply.attachment:
            return reply
        return dataclasses.replace(reply, text=text, lines=lines, attachment=attachment)

    def redact_data(self, value: Any) -> Any:
        """A JSON-like value (an outbox payload) with every string in it masked."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self.redact_data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact_data(v) for v in value]
        return value

    def clear(self) -> None:
        self._values.clear()
        self._pattern = None


def _is_text(mime_type: str) -> bool:
    """Files the desk writes as text (csv, md, ics, json): masked like a message. Binary files (pdf, xlsx,
    png) are not rewritten."""
    return mime_type.startswith("text/") or mime_type in ("application/json", "application/csv")


SECRETS = Secrets()  # process-wide, like the logging configuration it serves
