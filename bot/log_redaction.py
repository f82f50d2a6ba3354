"""Secrets never reach the logs: a filter on the root handlers and on stdout/stderr, installed at start.

Libraries log what they send at debug level, and some of it is secret: the Telegram Bot API puts the
bot token in every URL (``https://api.telegram.org/bot<TOKEN>/getUpdates``, logged by httpx), and an
exception's text may quote a URL or a server's answer. Rather than trusting each library, every record
is rewritten with the known secret values masked before any handler formats it — message, arguments,
exception text, stack, and the extra fields a structured formatter may print. stdout and stderr are
wrapped too, for what is printed rather than logged (a start-up error, a library's own handler).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

from commands.desk.redact import SECRETS, Secrets
from commands.domain.config import Config

# Variables that are secrets by name; the config's *_env keys name the others.
KNOWN = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "TELEGRAM_BOT_TOKEN",
         "TELEGRAM_WEBHOOK_SECRET")
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASS|API_?KEY|PRIVATE_KEY|CREDENTIAL|AUTH", re.IGNORECASE)
# Record attributes that are never secret and may be left alone (names of code, not data).
_PLAIN = frozenset({"name", "levelname", "pathname", "filename", "module", "funcName", "processName",
                    "threadName", "taskName", "asctime"})


def environment_secrets(environ: Mapping[str, str], database_urls: Iterable[str | None] = ()) -> list[str]:
    values = [environ[n] for n in KNOWN if environ.get(n)]
    values += [v for k, v in environ.items() if _SECRET_NAME.search(k) and v]
    values += _api_tokens(environ.get("DUTYDESK_API_TOKENS", ""))  # each token alone, as a client sends it
    passwords = [_password(url) for url in (environ.get("DATABASE_URL"), *database_urls)]
    return [v for v in (*values, *passwords) if v]


def _api_tokens(value: str) -> list[str]:
    """The tokens of ``DUTYDESK_API_TOKENS`` ("name:token,..."), even from a malformed value."""
    return [token.strip() for entry in value.split(",") for token in [entry.partition(":")[2]] if token.strip()]


def config_secrets(config: Config, environ: Mapping[str, str]) -> list[str]:
    """The values of the environment variables the config names in its ``*_env`` keys (SMS gateway
    authorization, SMTP credentials, probe and backup credentials)."""
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.endswith("_env") and isinstance(value, str):
                    names.append(value)
                elif key == "env_from" and isinstance(value, dict):  # a backup command's variables
                    names.extend(str(v) for v in value.values())
                else:
                    walk(value)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(config.model_dump())
    values = [environ[n] for n in names if environ.get(n)]
    # a URL held in a variable (sql_url_env) is masked whole, and its password also where it is quoted alone
    return values + [p for p in map(_password, (v for v in values if "://" in v)) if p]


def _password(url: str | None) -> str | None:
    if not url:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        return None
    return str(password) if password else None


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Secrets = SECRETS) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        """Masks in place; a record without a secret is left exactly as it was (formatters such as
        uvicorn's access log read ``record.args``)."""
        redact = self.secrets.redact
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep its parts, still masked
            message = f"{record.msg} {record.args}"
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if redact(text) != text:  # kept as the text formatters print instead of the live exception
                record.exc_text, record.exc_info = redact(text), None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(vars(record).items()):  # extra fields a JSON formatter would print
            if key in _PLAIN or key in _RECORD_DATA:
                continue
            clean = _masked(value, redact)
            if clean is not value:
                setattr(record, key, clean)
        return True


# Record attributes handled above, or that are the record's own numbers and objects (not extra fields).
_RECORD_DATA = frozenset({"msg", "args", "exc_info", "exc_text", "stack_info", "levelno", "lineno", "created",
                          "msecs", "relativeCreated", "thread", "process"})


def _masked(value: object, redact: Callable[[str], str], depth: int = 0) -> object:
    """``value`` with every secret masked: the same object when it holds none. Strings are masked,
    containers (dict, list, tuple, set) walked; any other object that shows a secret in its text becomes
    that text, masked (what a JSON formatter would write for it anyway)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        masked_text = redact(value)
        return value if masked_text == value else masked_text
    if depth < 8 and isinstance(value, dict):
        pairs = [(k, v, _masked(k, redact, depth + 1), _masked(v, redact, depth + 1)) for k, v in value.items()]
        if all(mk is k and mv is v for k, v, mk, mv in pairs):
            return value
        return {mk: mv for _, _, mk, mv in pairs}
    if depth < 8 and isinstance(value, list | tuple | set | frozenset):
        parts = [_masked(v, redact, depth + 1) for v in value]
        if all(a is b for a, b in zip(parts, value, strict=True)):
            return value
        return parts if not isinstance(value, tuple) else tuple(parts)
    try:
        text = str(value)
    except Exception:  # an object that cannot say what it is shows no secret either
        return value
    masked = redact(text)
    return value if masked == text else masked


class RedactingStream:
    """A text stream that masks secrets in what is written through it (one write at a time)."""

    def __init__(self, stream: TextIO, secrets: Secrets = SECRETS) -> None:
        self._stream = stream
        self._secrets = secrets

    def write(self, text: str) -> int:
        self._stream.write(self._secrets.redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding ...
        return getattr(self._stream, name)


def install(environ: Mapping[str, str], *, database_url: str | None = None, config: Config | None = None) -> None:
    """Register the process's secrets and mask them on every root handler and on stdout/stderr."""
    SECRETS.add(*environment_secrets(environ, [database_url]))
    if config is not None:
        SECRETS.add(*config_secrets(config, environ))
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    # Records are also rewritten as they are made, so handlers added later (uvicorn's, a library's)
    # never see a secret either.
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacting", False):
        redacting_filter = RedactingFilter()

        def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            redacting_filter.filter(record)
            return record

        make.redacting = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(make)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, RedactingStream):
            setattr(sys, name, RedactingStream(stream))
