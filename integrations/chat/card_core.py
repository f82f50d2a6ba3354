"""The transport core: what every chat platform's outbound side does the same way, written once.

A chat transport subclasses ``ChatTransport`` and implements only its platform's calls and rendering
(``post``, ``post_line``, ``edit``, ``find``, ``chat_for``, ``refusal``; docs/architecture.md, "What a
new transport implements"). The core owns the rules:

- **routing**: where an outbox audience is on this platform (``destinations``, integrations/chat/routing.py);
- **the incident card**: posted once per channel, then edited in place; each event goes in its thread
  (a reply to the card); a card deleted by someone is posted again;
- **the first post announced**: a card's first post in a channel is announced in the database before it
  is made (storage/chat_refs.py), so one replica posts it, and one that finds a first post left
  unfinished by a dead process looks for it before posting again;
- **in-doubt lookups**: an attempt that may have reached the chat (storage/outbox.py ``in_doubt_since``)
  is looked for with ``find`` before posting again, where the platform can tell (``can_look``);
- **the latest card wins**: an older card delivered late never overwrites a newer state
  (``Outbox.is_latest_card``), and an older state of an updatable message is skipped;
- **permanent refusals**: what the platform says no retry can fix becomes ``PermanentDeliveryError``.

Chunking by the platform's limit is the platform's ``post``: it sends a reply in as many messages as its
limit needs (Telegram: 4096 characters a message, buttons under the last), or in one (Slack: up to 50
blocks, the rest said to be cut).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request as HttpRequest
from starlette.responses import Response
from starlette.routing import Route

from commands.desk.desk import Desk
from commands.desk.directory import Directory
from commands.desk.reply import Form, Reply, Request
from commands.domain.config import Config
from commands.domain.i18n.catalog import t
from integrations.chat.asking import Asker
from integrations.chat.base import PermanentDeliveryError
from integrations.chat.routing import Destination, Routes
from integrations.http_server import HttpServer
from storage.chat_refs import ChatRefs
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import Outbox, in_doubt_since

# What an adapter implements against, in one import (docs/architecture.md, "What a new transport implements").
__all__ = ["ChatTransport", "Config", "Database", "Desk", "Destination", "Endpoint", "Form", "Meta", "Reply",
           "Request"]
log = logging.getLogger(__name__)
Endpoint = Callable[[HttpRequest], Awaitable[Response]]
Meta = Mapping[str, Any]  # what identifies a posted message when it is looked for (the outbox's key, its part)


class ChatTransport:
    """The outbound side of a chat platform (the outbox dispatcher's ``Notifier``), its rules written once."""

    name: str  # "slack", "telegram": the transport's name in identities, channels and the register
    can_look: bool = False  # whether ``find`` can tell that an in-doubt post reached the chat

    def __init__(self, desk: Desk, db: Database, config: Config) -> None:
        self.desk, self.db, self.config = desk, db, config
        self.directory = Directory(config)
        self.ask = Asker(desk, self.name)  # which customer, which language, may they: the desk decides
        self.routes = Routes(config, self.name)
        self._server: HttpServer | None = None  # the platform's endpoint (a webhook), when it has one

    # -- inbound: a command to the desk -------------------------------------------------------------
    async def run(self, line: str, user: str, channel: str, delivery_id: str, form: Form | None = None, *,
                  served: bool, unknown: tuple[str, dict[str, object]] | None = None) -> Reply:
        """Hand one command to the desk (``line``, or the fields of ``form``; ``delivery_id``: the platform's
        id of this delivery, so a repeat is answered once) — or, from a conversation the desk does not
        serve, say so in the person's language (``unknown``: the platform's own sentence, if it has one)."""
        if not served:
            locale = self.ask.locale(user, channel)
            msgid, params = unknown or ("chat.unknown_channel", {"channel": channel, "transport": self.name})
            return Reply(text=t(locale, msgid, **params), kind="error", locale=locale)
        return await self.desk.handle(Request(text=line, transport=self.name, user_id=user, channel_id=channel,
                                              delivery_id=delivery_id, form=form))

    # -- an endpoint the platform calls (Slack's events, Telegram's webhook) -----------------------
    async def serve(self, path: str, endpoint: Endpoint, host: str, port: int) -> None:
        """Listen for the platform's POSTs to ``path``; returns once bound (or raises why not)."""
        server = HttpServer(Starlette(routes=[Route(path, endpoint, methods=["POST"])]), host, port,
                            name=f"the {self.name} endpoint")
        await server.start()
        self._server = server

    @property
    def port(self) -> int:
        """The endpoint's port (useful with port 0)."""
        assert self._server is not None, f"no {self.name} endpoint is listening"
        return self._server.port

    async def stop_serving(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None

    # -- what a platform implements ------------------------------------------------------------
    async def chat_for(self, destination: Destination) -> str:
        """The id to post, edit and read in for a destination (a direct message's conversation, a group's
        id now)."""
        return destination.chat_id

    async def post(self, chat: str, reply: Reply, *, card: bool, meta: Meta) -> str:
        """Send ``reply`` (an incident card when ``card``), in as many messages as the platform's limit
        needs, carrying ``meta`` where the platform keeps it; the id of the message to edit later."""
        raise NotImplementedError

    async def post_line(self, chat: str, text: str, *, thread: str, meta: Meta) -> str:
        """Send one line of text (a card's event) in the thread of message ``thread``."""
        raise NotImplementedError

    async def edit(self, chat: str, ref: str, reply: Reply, *, card: bool) -> bool:
        """Edit message ``ref`` to show ``reply``; False if it is gone (deleted), so it is posted again.
        An edit that changes nothing is done."""
        raise NotImplementedError

    async def find(self, chat: str, meta: Meta, since: datetime, *, thread: str | None = None) -> str | None:
        """The id of a message posted since ``since`` carrying ``meta``, or None (only with ``can_look``)."""
        return None

    def refusal(self, error: Exception) -> str | None:
        """Why the platform refused for good (no retry can fix it), or None for an error worth a retry."""
        return None

    # -- routing and delivery -----------------------------------------------------------------
    def destinations(self, audience: str) -> list[Destination]:
        return self.routes.destinations(audience)

    async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        try:
            await self._deliver(destination, reply, message)
        except Exception as err:
            reason = self.refusal(err)
            if reason is not None:
                raise PermanentDeliveryError(f"{self.name.capitalize()} refused {destination.chat_id}: {reason}") from err
            raise

    async def _deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        payload = json.loads(message.payload)
        chat = await self.chat_for(destination)
        if message.kind == "incident.card" and not destination.direct:
            await self._card(chat, reply, payload, message)
        elif "update_key" in payload:
            await self._updatable(chat, reply, str(payload["update_key"]), int(payload.get("update_seq", 0)),
                                  message)
        else:
            meta = {"key": message.dedupe_key}
            await self._post_once(chat, message, meta, lambda: self.post(chat, reply, card=False, meta=meta))

    async def _post_once(self, chat: str, message: OutboxMessage, meta: Meta, send: Callable[[], Awaitable[str]],
                         *, thread: str | None = None) -> str:
        """``send()``, unless an earlier attempt of ``message`` is in doubt and the platform finds what it
        posted: then that is adopted instead of posted twice."""
        doubt = in_doubt_since(message) if self.can_look else None
        if doubt is not None:
            found = await self.find(chat, meta, doubt, thread=thread)
            if found is not None:
                log.warning("outbox #%s was already posted in %s %s (%s): adopted, not posted again",
                            message.id, self.name, chat, found)
                return found
        return await send()

    # -- the incident card ----------------------------------------------------------------------
    async def _card(self, chat: str, reply: Reply, payload: dict[str, Any], message: OutboxMessage) -> None:
        """Post the incident's card once per channel, then edit it in place; each event goes in its thread."""
        incident_id = int(payload["incident_id"])
        ref = await self.db.read(lambda s: ChatRefs(s).get(incident_id, self.name, chat))
        posted = False
        latest = ref is not None and await self.db.read(lambda s: Outbox(s).is_latest_card(message))
        if ref is not None and latest and not await self.edit(chat, ref, reply, card=True):
            # someone deleted the card: post it again
            meta = self._card_meta(message, incident_id)
            ref = await self._post_once(chat, message, meta, lambda: self.post(chat, reply, card=True, meta=meta))
            await self._keep_card(incident_id, chat, ref)
            posted = True
        if ref is None:
            ref, posted = await self._first_card(chat, incident_id, reply, message), True
        if posted and payload.get("event_kind") == "registered":
            return  # the card itself tells of the registration
        if payload.get("event"):
            line, meta = str(payload["event"]), {"key": message.dedupe_key, "part": "event"}
            await self._post_once(chat, message, meta, lambda: self.post_line(chat, line, thread=ref, meta=meta),
                                  thread=ref)

    async def _first_card(self, chat: str, incident_id: int, reply: Reply, message: OutboxMessage) -> str:
        """The card's first post in a channel, announced in the database before it is made (one replica
        posts it; a first post left unfinished by a dead process is looked for before posting again)."""
        owner = message.claimed_by or "dutydesk"
        begun = await self.db.write(lambda s: ChatRefs(s).begin_post(incident_id, self.name, chat, owner))
        if begun.message_id is not None:
            return begun.message_id
        if begun.in_doubt_since is not None:  # whichever message began it: look for the card itself
            found = (await self.find(chat, {"card": incident_id, "part": "card"}, begun.in_doubt_since)
                     if self.can_look else None)
            if found is not None:
                log.warning("the card of incident %s was already posted in %s %s (%s): adopted", incident_id,
                            self.name, chat, found)
                await self._keep_card(incident_id, chat, found)
                return found
            if not self.can_look:
                log.warning("the card of incident %s in %s %s may have been posted already (since %s); %s "
                            "cannot tell: posting it", incident_id, self.name, chat, begun.in_doubt_since, self.name)
        # Nobody began this card here before (or we just looked for it): post without looking again.
        ref = await self.post(chat, reply, card=True, meta=self._card_meta(message, incident_id))
        await self._keep_card(incident_id, chat, ref)
        return ref

    async def _keep_card(self, incident_id: int, chat: str, ref: str) -> None:
        await self.db.write(lambda s: ChatRefs(s).put(incident_id, self.name, chat, ref))

    @staticmethod
    def _card_meta(message: OutboxMessage, incident_id: int) -> dict[str, Any]:
        return {"key": message.dedupe_key, "part": "card", "card": incident_id}

    # -- a message edited in place (a backup run's progress) ---------------------------------------
    async def _updatable(self, chat: str, reply: Reply, key: str, seq: int, message: OutboxMessage) -> None:
        """One message per key, edited in place; an older state than the one shown is skipped."""
        ref = await self.db.read(lambda s: ChatRefs(s).get_keyed(key, self.name, chat))
        if ref is not None:
            if seq < ref[1]:
                return
            if await self.edit(chat, ref[0], reply, card=False):
                shown = ref[0]
                await self.db.write(lambda s: ChatRefs(s).put_keyed(key, self.name, chat, shown, seq))
                return
        meta = {"key": message.dedupe_key}
        posted = await self._post_once(chat, message, meta, lambda: self.post(chat, reply, card=False, meta=meta))
        await self.db.write(lambda s: ChatRefs(s).put_keyed(key, self.name, chat, posted, seq))
