"""Which chat transports this process runs, from the environment (secrets never live in the config)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, cast

from bot.app import App
from commands.domain.config import Config
from integrations.chat.base import Transport

# Where the inbound endpoints listen unless the environment says otherwise: this host only, behind the
# reverse proxy or router that terminates TLS (docs/security.md).
LOOPBACK = "127.0.0.1"


# Every transport this code has: the chat adapters built below, the console, the HTTP intake (api) and the
# paging gateways. The configuration may name only these (in identities, channels and paging orders):
# a typo ("slak") is refused when the file is read. A new chat platform adds its name here.
TRANSPORT_NAMES = frozenset({"slack", "telegram", "console", "api", "sms", "email"})


def unknown_transports(config: Config) -> list[str]:
    """The transports the configuration names that this code does not have."""
    return sorted(config.transport_names() - TRANSPORT_NAMES)


class TransportError(Exception):
    """A transport is half-configured (e.g. a bot token without the app token Socket Mode needs)."""


def build_transports(app: App, environ: Mapping[str, str]) -> list[Transport]:
    transports: list[Transport] = []
    if environ.get("SLACK_BOT_TOKEN"):
        from integrations.chat.slack import SlackTransport

        mode = environ.get("SLACK_MODE", "socket")
        if mode not in ("socket", "http"):
            raise TransportError(f"SLACK_MODE is socket or http, not {mode!r}")
        try:
            transports.append(SlackTransport(
                app.desk, app.db, app.config, bot_token=environ["SLACK_BOT_TOKEN"],
                app_token=environ.get("SLACK_APP_TOKEN"), signing_secret=environ.get("SLACK_SIGNING_SECRET"),
                mode=cast(Literal["socket", "http"], mode), base_url=environ.get("SLACK_API_URL"),
                http_host=environ.get("SLACK_HTTP_HOST", "").strip() or LOOPBACK,  # behind a proxy Slack reaches
                http_port=int(environ.get("SLACK_HTTP_PORT", "3000")),
            ))
        except ValueError as exc:
            raise TransportError(str(exc)) from None
    if environ.get("TELEGRAM_BOT_TOKEN"):
        from integrations.chat.telegram import TelegramTransport

        tg_mode = environ.get("TELEGRAM_MODE", "polling")
        if tg_mode not in ("polling", "webhook"):
            raise TransportError(f"TELEGRAM_MODE is polling or webhook, not {tg_mode!r}")
        try:
            transports.append(TelegramTransport(
                app.desk, app.db, app.config, token=environ["TELEGRAM_BOT_TOKEN"],
                base_url=environ.get("TELEGRAM_API_BASE_URL"), mode=cast(Literal["polling", "webhook"], tg_mode),
                webhook_secret=environ.get("TELEGRAM_WEBHOOK_SECRET"), webhook_url=environ.get("TELEGRAM_WEBHOOK_URL"),
                webhook_host=environ.get("TELEGRAM_WEBHOOK_HOST", "").strip() or LOOPBACK,
                webhook_port=int(environ.get("TELEGRAM_WEBHOOK_PORT", "8443")),
                webhook_path=environ.get("TELEGRAM_WEBHOOK_PATH", "/telegram/webhook"),
                delete_webhook=environ.get("TELEGRAM_DELETE_WEBHOOK", "").strip().lower() in ("1", "true", "yes"),
            ))
        except ValueError as exc:
            raise TransportError(str(exc)) from None
    if app.config.desk.email is not None or any(c.email and c.email.mailbox for c in app.config.customers.values()):
        transports.append(mail_channel(app, environ))
    return transports


def mail_channel(app: App, environ: Mapping[str, str]) -> Transport:
    """The e-mail channel (docs/email.md): the mailboxes of ``[desk.email]`` and ``[customers.<id>.email]``,
    answered through ``[desk.smtp]``."""
    from integrations.gateways.email import EmailNotifier
    from integrations.mail.channel import MailChannel

    smtp = app.config.desk.smtp
    if smtp is None:
        raise TransportError("a mailbox is configured (desk.email or customers.<id>.email.mailbox) but desk.smtp "
                             "is not: the desk could not answer the mail it reads")
    for box in [app.config.desk.email, *(c.email.mailbox for c in app.config.customers.values() if c.email)]:
        if box is None:
            continue
        needed = [box.password_env] if box.auth == "password" else [box.client_id_env, box.client_secret_env]
        missing = [name for name in needed if name and not environ.get(name)]
        if missing:
            raise TransportError(f"mailbox {box.address}: set {', '.join(missing)} in the environment")
    return MailChannel(app.desk, app.services, EmailNotifier(app.config, smtp, environ), environ)
