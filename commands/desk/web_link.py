"""/web: a one-time link that signs the person in to the web application, sent to them by direct message
(through the outbox, like every DM), never shown in the channel the command was typed in."""

from __future__ import annotations

from sqlmodel import Session

from commands.desk.context import Context, Outcome, Write
from commands.desk.parse import Parsed
from commands.desk.reply import Reply
from commands.domain.i18n.catalog import t
from storage.outbox import Outbox
from storage.web_auth import LINK_LIFETIME, WebAuth, digest, new_secret

SIGNIN_PATH = "/signin/"


def signin_url(base: str, secret: str) -> str:
    return f"{base.rstrip('/')}{SIGNIN_PATH}{secret}"


def web_link(ctx: Context, p: Parsed) -> Outcome:
    base = ctx.services.web_url
    if not base:
        ctx.fail("web.not_served")
    person = ctx.actor.person_id
    locale = ctx.actor.person.locale or ctx.locale
    secret, now = new_secret(), ctx.now
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    dm = Reply(text=t(locale, "web.link", minutes=minutes), lines=(signin_url(base, secret),), locale=locale,
               kind="info")

    def unit(session: Session) -> Reply:
        WebAuth(session).issue_link(secret, person, "chat", now)
        Outbox(session).put(dedupe_key=f"web.link:{digest(secret)}", customer_id=ctx.customer_id, kind="web.link",
                            audience=f"person:{person}", payload=dm.to_dict(), now=now)
        return ctx.reply(ctx.t("web.link_sent", minutes=minutes))

    return Write(unit)
