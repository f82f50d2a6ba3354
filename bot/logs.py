"""Log output: one JSON object per line for ``dutydesk run`` (log collectors parse it), text elsewhere.

Every line written while code is about an incident carries its control number (``"incident"``), read
from the ContextVar the desk, the sweeper and the dispatcher set (``commands.desk.log_context``). A JSON line
also carries every field a caller passed with ``extra={...}`` (secrets masked like the rest), without
terminal escape codes: uvicorn's ``color_message`` (its message again, coloured for a terminal) is left
out, and ANSI escapes are taken out of every other field's text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, date, datetime, time
from typing import Literal

from commands.desk.log_context import INCIDENT

Format = Literal["json", "text"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class IncidentFilter(logging.Filter):
    """Stamps each record with the incident of the context it was logged in (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "incident"):  # a caller may name it explicitly with extra={"incident": ...}
            record.incident = INCIDENT.get()
        return True


# What every LogRecord has of its own; anything else on a record came from a caller's ``extra``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime",
                                                                                         "taskName"}


# Fields that only repeat the message for a terminal: uvicorn's ``extra={"color_message": ...}``.
_TERMINAL_ONLY = frozenset({"color_message"})

# ANSI escapes (ECMA-48): CSI sequences (colours, cursor moves: ``ESC [ ... final``), OSC strings (a
# terminal's title: ``ESC ] ... BEL`` or ``ESC ] ... ESC \``) and the two-character escapes.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def _jsonable(value: object, depth: int = 0) -> object:
    """A value json.dumps writes: JSON's own types as they are (text without terminal escapes),
    containers walked, times in ISO 8601, anything else as its text. Raises when an object cannot give
    its text."""
    if isinstance(value, str):
        return _ANSI.sub("", value) if "\x1b" in value else value
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if depth < 8 and isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if depth < 8 and isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v, depth + 1) for v in value]
    return _jsonable(str(value))


def extra_fields(record: logging.LogRecord) -> dict[str, object]:
    """The caller's ``extra`` fields of a record that can be written (secrets were masked by the
    redaction filter, bot/log_redaction.py); an empty ``incident`` and uvicorn's ``color_message`` are
    left out."""
    fields: dict[str, object] = {}
    for key, value in vars(record).items():
        if (key in _RECORD_ATTRIBUTES or key in _TERMINAL_ONLY or key.startswith("_")
                or (key == "incident" and not value)):
            continue
        try:
            fields[key] = _jsonable(value)
        except Exception:  # an object whose text cannot be made is left out, not the line
            continue
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            **extra_fields(record),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The plain format, with ``[NOI-2026-00042]`` after the logger when a line is about an incident."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        incident = getattr(record, "incident", None)
        if incident:
            head, sep, rest = line.partition(f"{record.name}: ")
            line = f"{head}{record.name} [{incident}]: {rest}" if sep else line
        return line


def setup_logging(fmt: Format, level: int) -> None:
    """One handler on stderr in the given format. Like ``logging.basicConfig``, a root logger that
    already has handlers (an embedding program, pytest's capture) is left as it is."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(IncidentFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)


def log_format(value: str | None, default: Format) -> Format:
    if value is None or value == "":
        return default
    if value not in ("json", "text"):
        raise ValueError(f"DUTYDESK_LOG_FORMAT is json or text, not {value!r}")
    return "json" if value == "json" else "text"
