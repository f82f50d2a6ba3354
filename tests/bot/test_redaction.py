"""The redaction of secrets: every part of a log record, printed text, and the desk's replies."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.log_redaction import RedactingFilter, RedactingStream, config_secrets, environment_secrets
from bot.settings import load_config
from commands.desk.redact import MASK, SECRETS, Secrets
from commands.desk.reply import Reply
from tests.conftest import EXAMPLES
from tests.harness import DeskHarness

TG = "7012345678:AAH-very-secret_token"
SLACK = "xoxb-1111-2222-verysecret"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    secrets = Secrets()
    secrets.add(TG, SLACK, "pg-pass/word")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s %(peer)s"))
    handler.addFilter(RedactingFilter(secrets))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger, out
    logger.removeHandler(handler)


def test_every_part_of_a_record_is_masked(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = logged
    logger.debug("HTTP Request: POST https://api.telegram.org/bot%s/getUpdates", TG, extra={"peer": "-"})
    logger.debug("encoded https://api.telegram.org/bot7012345678%%3AAAH-very-secret_token/x", extra={"peer": "-"})
    logger.info("headers %r", {"Authorization": f"Bearer {SLACK}"}, extra={"peer": f"token={SLACK}"})
    try:
        raise ConnectionError(f"cannot reach postgresql://desk:pg-pass/word@db/desk with {TG}")
    except ConnectionError:
        logger.exception("database down", extra={"peer": "-"})
    logger.warning("stack", stack_info=True, extra={"peer": TG})
    text = out.getvalue()
    for secret in (TG, SLACK, "pg-pass/word", "7012345678%3AAAH-very-secret_token"):
        assert secret not in text
    assert text.count(MASK) >= 7
    assert "ConnectionError: cannot reach postgresql://desk:[redacted]@db/desk" in text  # the traceback stays


def test_a_record_without_secrets_is_left_as_it_was() -> None:
    secrets = Secrets()
    secrets.add(TG)
    record = logging.getLogger("x").makeRecord("x", logging.INFO, __file__, 1, '%s - "%s %s"',
                                               ("1.2.3.4", "GET", "/x"), None)
    RedactingFilter(secrets).filter(record)
    assert record.args == ("1.2.3.4", "GET", "/x")  # uvicorn's access formatter unpacks these


def test_printed_text_is_masked() -> None:
    secrets = Secrets()
    secrets.add(TG)
    out = io.StringIO()
    stream = RedactingStream(out, secrets)  # type: ignore[arg-type]
    print(f"dutydesk: cannot start telegram: InvalidToken: {TG} was rejected", file=stream)  # type: ignore[arg-type]
    assert TG not in out.getvalue() and MASK in out.getvalue()


def test_the_secrets_come_from_the_environment_and_the_configs_env_keys(tmp_path: pytest.TempPathFactory) -> None:
    environ = {"SLACK_BOT_TOKEN": SLACK, "TELEGRAM_BOT_TOKEN": TG, "HOME": "/home/desk", "LANG": "bg_BG.UTF-8",
               "SMS_GATEWAY_AUTH": "Basic c21zOnNlY3JldA==", "DATABASE_URL": "postgresql://desk:pg-pass@db/desk",
               "SMTP_PASS_FOR_PAGES": "mail-secret-1", "VENDOR_APIKEY": "k-123456789"}
    found = environment_secrets(environ, ["postgresql+psycopg://other:cli-pass@db/x", "sqlite:///x.db", None])
    assert set(found) >= {SLACK, TG, "Basic c21zOnNlY3JldA==", "pg-pass", "cli-pass", "mail-secret-1", "k-123456789"}
    assert "/home/desk" not in found and "bg_BG.UTF-8" not in found

    text = (EXAMPLES / "noi.toml").read_text(encoding="utf-8")
    path = tmp_path / "c.toml"  # type: ignore[operator]
    path.write_text(text + '\n[desk.smtp]\nhost = "127.0.0.1"\nsender = "desk@example.org"\nstarttls = true\n'
                    'username_env = "MAIL_LOGIN"\npassword_env = "MAIL_WORD"\n', encoding="utf-8")
    config = load_config(path)
    env = {"MAIL_LOGIN": "pager-account", "MAIL_WORD": "w0rd-of-mail", "NOI_AXL_PASSWORD": "axl-secret",
           "NOI_CALLREC_DB_URL": "postgresql://callrec:rec-pass-9@10.1.2.7/callrec", "NOI_GW_BACKUP_PASSWORD": "",
           "PATH": "/usr/bin"}
    assert set(config_secrets(config, env)) == {"pager-account", "w0rd-of-mail", "axl-secret", "rec-pass-9",
                                                 "postgresql://callrec:rec-pass-9@10.1.2.7/callrec"}


def test_percent_encoded_and_whole_secrets_are_masked_longest_first() -> None:
    secrets = Secrets()
    secrets.add("abcdef", "abcdef-longer", None, "", "12345")
    assert secrets.redact("x abcdef-longer y abcdef z 12345") == f"x {MASK} y {MASK} z 12345"
    reply = Reply(text="error: abcdef", lines=("fine", "abcdef-longer"))
    masked = secrets.redact_reply(reply)
    assert masked.text == f"error: {MASK}" and masked.lines == ("fine", MASK)
    clean = Reply(text="nothing here")
    assert secrets.redact_reply(clean) is clean


async def test_a_reply_never_carries_a_secret_of_the_process(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tests.commands.conftest import MONDAY_1004_SOFIA

    SECRETS.add(TG)
    h = DeskHarness(noi_config, db_url, MONDAY_1004_SOFIA)
    try:
        reply = await h.say("georgi", f"/ack {TG}")  # an error quotes what was typed
        assert reply.is_error and TG not in reply.as_text() and MASK in reply.text
    finally:
        h.close()
        SECRETS.clear()
