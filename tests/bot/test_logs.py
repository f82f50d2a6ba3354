"""Log lines: one JSON object each, with the control number on every line about an incident."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.cli import run as cli
from bot.dispatcher import Dispatcher
from bot.logs import TEXT_FORMAT, IncidentFilter, JsonFormatter, TextFormatter
from commands.desk.log_context import INCIDENT
from tests.bot.test_dispatcher import Recorder
from tests.conftest import EXAMPLES, utc
from tests.harness import DeskHarness


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The JSON lines the desk's loggers write while the test runs."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(IncidentFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _records(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_line_logged_about_an_incident_names_it_and_others_do_not(json_lines: io.StringIO) -> None:
    log = logging.getLogger("dutydesk.test")
    log.warning("before")
    token = INCIDENT.set("NOI-2026-00042")
    try:
        log.warning("about %s", "it")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("it failed")
    finally:
        INCIDENT.reset(token)
    log.warning("after")
    before, about, failed, after = _records(json_lines)
    assert "incident" not in before and "incident" not in after
    assert about["incident"] == failed["incident"] == "NOI-2026-00042"
    assert (about["level"], about["logger"], about["message"]) == ("WARNING", "dutydesk.test", "about it")
    assert about["time"].endswith("+00:00")  # type: ignore[union-attr]
    assert "Traceback" in str(failed["exception"]) and "ValueError: boom" in str(failed["exception"])
    assert "exception" not in about


def test_the_text_format_shows_the_incident_too() -> None:
    record = logging.LogRecord("bot.dispatcher", logging.WARNING, __file__, 1, "delivery failed", None, None)
    record.incident = "NOI-2026-00007"
    assert "bot.dispatcher [NOI-2026-00007]: delivery failed" in TextFormatter(TEXT_FORMAT).format(record)


async def test_the_dispatchers_lines_about_a_message_carry_its_incident(noi_config, db_url: str,  # type: ignore[no-untyped-def]
                                                                        json_lines: io.StringIO) -> None:
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4))
    try:
        first = await h.say("ivana", "/incident urgent cucm Down")
        second = await h.say("ivana", "/incident other crm Slow")
        failing = Recorder({"customer:noi"}, fail_times=2)
        INCIDENT.set(None)  # the desk left the test's task about the last report
        await Dispatcher(h.db, h.clock, [failing], noi_config).tick()
        failures = [r for r in _records(json_lines) if "delivery of outbox" in str(r["message"])]
        # incidents are delivered side by side (one lane each): the order of their lines may vary
        assert sorted(r["incident"] for r in failures) == sorted([first.control_number, second.control_number])
        assert INCIDENT.get() is None  # nothing leaks past the message it was about
    finally:
        h.close()


async def test_after_a_command_the_task_is_about_its_incident(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4))
    try:
        reply = await h.say("ivana", "/incident urgent cucm Down")
        assert INCIDENT.get() == reply.control_number  # what the transport logs next names it
        await h.say("ivana", "/incidents")
        assert INCIDENT.get() is None  # the next request starts afresh
    finally:
        h.close()


def test_a_wrong_log_format_is_refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DUTYDESK_LOG_FORMAT", "xml")
    assert cli(["check-config", str(EXAMPLES / "noi.toml")]) == 2
    assert "DUTYDESK_LOG_FORMAT is json or text" in capsys.readouterr().err


def test_every_extra_field_is_written_and_its_secrets_masked() -> None:
    """issue 16 §6: the JSON line carries every ``extra`` field a caller gave (not only ``incident``),
    nested values included, with the process's secrets masked as the redaction filter masks them."""
    from datetime import timedelta

    from bot.log_redaction import RedactingFilter
    from commands.desk.redact import MASK, Secrets

    secret = "xoxb-2222-extra-field-secret"
    secrets = Secrets()
    secrets.add(secret)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter(secrets))
    handler.addFilter(IncidentFilter())
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("tests.logs.extra")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)

    class Opaque:
        def __str__(self) -> str:
            return f"opaque with {secret}"

    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no text")

    try:
        log.warning("delivery failed", extra={
            "customer": "noi", "attempt": 3, "ratio": 0.5, "ok": False, "nothing": None,
            "transport": f"slack token={secret}",
            "payload": {"text": "Calls fail", "headers": {"Authorization": f"Bearer {secret}"}, "ids": [1, 2, secret]},
            "targets": ("cucm", "uccx"), "at": utc(2026, 11, 23, 8, 4), "took": timedelta(seconds=2),
            "opaque": Opaque(), "broken": Broken(), "level": "not the level", "logger": "not the logger",
        })
    finally:
        log.removeHandler(handler)
    line = out.getvalue()
    assert secret not in line
    entry = json.loads(line)
    assert (entry["message"], entry["level"], entry["logger"]) == ("delivery failed", "WARNING", "tests.logs.extra")
    assert entry["customer"] == "noi" and entry["attempt"] == 3 and entry["ratio"] == 0.5 and entry["ok"] is False
    assert entry["nothing"] is None
    assert entry["transport"] == f"slack token={MASK}"
    assert entry["payload"] == {"text": "Calls fail", "headers": {"Authorization": f"Bearer {MASK}"}, "ids": [1, 2, MASK]}
    assert entry["targets"] == ["cucm", "uccx"]
    assert entry["at"] == "2026-11-23T08:04:00+00:00" and entry["took"] == "0:00:02"
    assert entry["opaque"] == f"opaque with {MASK}"
    assert "broken" not in entry  # cannot be written: left out, the line is still written
    assert "incident" not in entry  # no incident in this context: no empty field


@pytest.fixture
def uvicorn_json_lines() -> Iterator[io.StringIO]:
    """The JSON lines uvicorn's own logger writes while the test runs."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("uvicorn.error")
    level, propagate = log.level, log.propagate
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        yield out
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate


def test_uvicorns_colour_copy_of_a_message_is_not_written(uvicorn_json_lines: io.StringIO) -> None:
    """uvicorn logs "Uvicorn running on ..." with ``extra={"color_message": ...}``, the same text with
    terminal colour codes for its own coloured formatter: a JSON line carries the message once, and no
    escape codes."""
    import uvicorn

    config = uvicorn.Config(lambda: None, host="127.0.0.1", port=0, log_config=None)  # as the desk runs it
    config.bind_socket().close()  # the real uvicorn logs its line with its colour copy
    [entry] = _records(uvicorn_json_lines)
    assert str(entry["message"]).startswith("Uvicorn running on http://127.0.0.1:")
    assert "color_message" not in entry
    assert "\x1b" not in uvicorn_json_lines.getvalue() and "\\u001b" not in uvicorn_json_lines.getvalue()


def test_terminal_escape_codes_are_taken_out_of_extra_fields() -> None:
    """A caller's ``extra`` text with ANSI escapes (colour, cursor moves, a terminal title) is written
    without them, nested values included; the rest of the text stays as it was."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("tests.logs.ansi")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        log.warning("probe failed", extra={
            "output": "\x1b[31mERROR\x1b[0m disk \x1b[1;33m95%\x1b[m full",
            "nested": {"lines": ["\x1b[2K\x1b[1Gdone", "\x1b]0;title\x07plain"]},
            "plain": "no escapes & <here>",
        })
    finally:
        log.removeHandler(handler)
    entry = json.loads(out.getvalue())
    assert entry["output"] == "ERROR disk 95% full"
    assert entry["nested"] == {"lines": ["done", "plain"]}
    assert entry["plain"] == "no escapes & <here>"
    assert "\\u001b" not in out.getvalue()
