"""Slack: the desk in a Slack workspace, through slack-bolt's AsyncApp in the bot's one event loop.

Inbound, every request is acknowledged first and worked on after (Slack wants an answer within 3 s and
the database may be slow): a slash command, a button (block action), a modal submission or a direct
message becomes one desk command, with the platform's own id of that delivery as the delivery id, so a
retried or repeated delivery is answered once and changes nothing (the desk records the id in the same
transaction as the change). Answers are ephemeral, for the person who asked; the public record is the
incident card, which the outbox posts into the customer's channel and edits in place.

Socket Mode by default (only SLACK_BOT_TOKEN and SLACK_APP_TOKEN), or HTTP mode: the Events API and
interactivity on one endpoint served by uvicorn, where Bolt checks Slack's signature (bad or old → 401).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlmodel import Session
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response

from commands.desk.reply import Form, Reply
from integrations.chat import slack_blocks as kit
from integrations.chat import uploads
from integrations.chat.base import waiting_for_platform
from integrations.chat.card_core import ChatTransport, Config, Database, Desk, Destination, Meta
from integrations.chat.http_body import read_bounded
from integrations.chat.slack_files import SlackFiles
from integrations.chat.slack_lookup import conversation_id, find_posted, outbox_metadata
from storage.chat_refs import ChatRefs
from storage.register import Register

# Slash commands that are named differently from the desk command they run; "/desk <anything>" runs
# any desk command (Slack reserves some names, such as /status, for its own commands).
CATCH_ALL = "/desk"
SLACK = "slack"
Mode = Literal["socket", "http"]
log = logging.getLogger(__name__)


# Web API errors no retry can fix (https://api.slack.com/methods/chat.postMessage#errors,
# https://api.slack.com/methods/chat.update#errors): the destination is given up at once and reported.
# A bad token or a missing scope is not among them: the operator fixes those for every destination, and
# the attempt cap (desk.delivery_attempts) leaves time to.
PERMANENT_ERRORS = frozenset({
    "not_in_channel", "is_archived", "channel_not_found", "invalid_blocks", "invalid_blocks_format",
    "msg_too_long", "no_text", "too_many_attachments", "cannot_dm_bot", "user_not_found", "user_disabled",
    "messages_tab_disabled", "invalid_metadata_format", "invalid_metadata_schema", "metadata_too_large",
})


def is_permanent(error: str) -> bool:
    """Whether a Slack Web API error code means the destination will refuse again (``restricted_action``,
    ``restricted_action_read_only_channel``, ``restricted_action_thread_only_channel``... included)."""
    return error in PERMANENT_ERRORS or error.startswith("restricted_action")


class RateLimitWait(AsyncRateLimitErrorRetryHandler):
    """Waits out Slack's Retry-After, saying so first: the outbox's delivery waiting here lets its
    incident's messages to other audiences go meanwhile (``waiting_for_platform``)."""

    async def prepare_for_next_attempt_async(self, *, state: RetryState, request: HttpRequest,
                                             response: HttpResponse | None = None,
                                             error: Exception | None = None) -> None:
        waiting_for_platform()
        await super().prepare_for_next_attempt_async(state=state, request=request, response=response, error=error)


def default_retry_handlers() -> list[AsyncRetryHandler]:
    """Rate limits (waits Retry-After), dropped connections and 5xx: retried once inside the call; what
    still fails raises, and the outbox retries the message later with backoff."""
    return [RateLimitWait(max_retry_count=1), AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncServerErrorRetryHandler(max_retry_count=1)]


def post_retry_handlers() -> list[AsyncRetryHandler]:
    """For posts: only a rate limit is retried inside the call (Slack refused it, so it is not there)."""
    return [RateLimitWait(max_retry_count=1)]


def _plain_timestamp(value: str) -> bool:
    """A Unix time in seconds as Slack sends it: ASCII digits, a sensible length."""
    return 0 < len(value) <= 12 and value.isascii() and value.isdigit()


def card_incident(session: Session, channel: str, ts: str) -> str | None:
    """The control number of the incident whose card is message ``ts`` in ``channel``, or None."""
    incident_id = ChatRefs(session).incident_of(SLACK, channel, ts)
    incident = Register(session).by_id(incident_id) if incident_id is not None else None
    return incident.control_number if incident is not None else None


class SlackTransport(ChatTransport):
    name = SLACK
    can_look = True  # conversations.history finds what an in-doubt attempt posted (slack_lookup.py)

    def __init__(self, desk: Desk, db: Database, config: Config, *, bot_token: str, app_token: str | None = None,
                 signing_secret: str | None = None, mode: Mode = "socket", base_url: str | None = None,
                 http_host: str = "127.0.0.1", http_port: int = 3000, http_path: str = "/slack/events",
                 retry_handlers: list[AsyncRetryHandler] | None = None) -> None:
        if mode == "socket" and not app_token:
            raise ValueError("Slack Socket Mode needs an app-level token (SLACK_APP_TOKEN, xapp-...)")
        if mode == "http" and not signing_secret:
            raise ValueError("Slack HTTP mode needs the signing secret (SLACK_SIGNING_SECRET)")
        super().__init__(desk, db, config)
        self.mode = mode
        self.client = AsyncWebClient(
            token=bot_token, base_url=base_url or "https://slack.com/api/",
            retry_handlers=default_retry_handlers() if retry_handlers is None else retry_handlers)
        # The outbox's posts are not repeated inside the call after a server error or a dropped
        # connection (Slack may have taken the first one); the outbox retries them, looking first.
        self.poster = AsyncWebClient(
            token=bot_token, base_url=base_url or "https://slack.com/api/",
            retry_handlers=post_retry_handlers() if retry_handlers is None else retry_handlers)
        # Socket Mode needs no signature (the websocket is authenticated by the app token).
        self.app = AsyncApp(client=self.client, signing_secret=signing_secret or "",
                            request_verification_enabled=mode == "http")
        self._app_token = app_token
        self._http = (http_host, http_port, http_path)
        self._socket: AsyncSocketModeHandler | None = None
        self._channels = self.directory.served_channels(SLACK)  # the customers' and the contractor's
        self._dms: dict[str, str] = {}  # user id → the id of the desk's direct-message conversation with them
        self._session: aiohttp.ClientSession | None = None  # shared by every call while started
        self._register()

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self.open_session()
        await self.join_channels()
        if self.mode == "socket":
            self._socket = AsyncSocketModeHandler(self.app, self._app_token)
            await self._socket.connect_async()
            return
        host, port, path = self._http
        handler = AsyncSlackRequestHandler(self.app)

        async def endpoint(request: StarletteRequest) -> Response:
            if await read_bounded(request) is None:  # before Bolt reads it to check the signature
                return Response(status_code=413)
            if not _plain_timestamp(request.headers.get("x-slack-request-timestamp", "")):
                # Bolt would raise reading it (a 500 and a traceback per request): refused like any bad
                # signature (https://api.slack.com/authentication/verifying-requests-from-slack)
                return Response(status_code=401)
            return await handler.handle(request)

        await self.serve(path, endpoint, host, port)

    async def join_channels(self) -> None:
        """Join every channel the config names (scope ``channels:join``): posting into a public channel
        needs no membership (``chat:write.public``), but reading its history — how an in-doubt delivery
        is found instead of posted twice — does. A private channel cannot be joined: say so, clearly, so
        that someone invites the bot; nothing else stops the start."""
        for channel in sorted(self._channels):
            if channel[:1] not in ("C", "G"):
                continue
            try:
                await self.client.conversations_join(channel=channel)
            except SlackApiError as err:
                code = err.response.get("error")
                if code in ("method_not_supported_for_channel_type", "channel_not_found"):
                    if await self._reads(channel):
                        continue  # a private channel the bot was invited to: nothing to do
                    log.warning("Slack channel %s is private (or unknown to the bot): invite the bot there with "
                                "/invite @%s, or its cards and alerts cannot be posted or checked", channel,
                                await self._bot_name())
                else:
                    log.warning("Slack channel %s could not be joined (%s): cards there cannot be checked "
                                "after a failed post; fix the channel or the scope channels:join", channel, code)

    async def _reads(self, channel: str) -> bool:
        """Whether the bot may read the channel's history (it is a member): one message, scope
        groups:history for a private channel."""
        try:
            await self.client.conversations_history(channel=channel, limit=1)
        except SlackApiError:
            return False
        return True

    async def _bot_name(self) -> str:
        """The bot user's name, as people type it after /invite @."""
        try:
            return str((await self.client.auth_test()).get("user") or "dutydesk")
        except Exception:  # only a hint in a warning: the manifest's name
            return "dutydesk"

    async def stop_receiving(self) -> None:
        """Take no new commands (leave Socket Mode, or stop listening); the Web API still delivers."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        await self.stop_serving()

    async def stop(self) -> None:
        await self.stop_receiving()
        await self.close_session()

    def open_session(self) -> None:
        """One aiohttp session (its connection pool, keep-alive) for every Web API call and response_url
        answer while the transport runs: without one, slack_sdk opens a session and a TCP connection per
        call (the clients' documented ``session`` parameter, https://docs.slack.dev/tools/python-slack-sdk/
        reference/web/async_base_client.html) — about 15% of the process's CPU under load. Made in the
        running loop (a session belongs to its loop); the timeout is the clients' own (30 s a call)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))
        self.client.session = self.poster.session = self._session

    async def close_session(self) -> None:
        """After the last flush: calls made later open a session of their own again, as before start."""
        session, self._session = self._session, None
        self.client.session = self.poster.session = None
        if session is not None:
            await session.close()

    # -- inbound --------------------------------------------------------------------------------
    def _register(self) -> None:
        self.app.command(re.compile(r"^/.+"))(self._on_command)
        self.app.action(re.compile(f"^{kit.ACTION_PREFIX}"))(self._on_button)
        self.app.view(kit.INCIDENT_VIEW)(self._on_incident_view)
        self.app.view(kit.TEXT_VIEW)(self._on_text_view)
        self.app.event("message")(self._on_message)

    async def _on_command(self, ack: Callable[[], Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        user, channel, text = body["user_id"], body["channel_id"], (body.get("text") or "").strip()
        command = body["command"]
        line = f"/{text}" if command == CATCH_ALL else f"{command} {text}".strip()
        answer = self._answerer(channel, user, body.get("response_url"))
        if line == "/incident" and await self._open_incident_modal(body["trigger_id"], user, channel,
                                                                    body.get("response_url")):
            return
        # Slack retries (X-Slack-Retry-Num) repeat the trigger_id: the desk answers them once.
        await answer(await self._run(line, user, channel, f"cmd:{body['trigger_id']}"))

    async def _on_button(self, ack: Callable[[], Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        command, user = str(action["value"]), body["user"]["id"]
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
        answer = self._answerer(channel, user, body.get("response_url"))
        bare = kit.bare_text_command(command)
        if bare is not None and self.ask.may(user, channel, command):
            locale = self.ask.locale(user, channel, command)
            meta = {"c": channel, "r": body.get("response_url") or ""}
            await self.client.views_open(trigger_id=body["trigger_id"],
                                         view=kit.text_modal(bare[0], bare[1], locale, meta,
                                                             self.config.desk.max_description))
            return
        # One press is one delivery: a repeat of the same interaction has the same message and action ts.
        delivery = f"btn:{container.get('message_ts') or container.get('view_id')}:{action['action_ts']}:{user}"
        await answer(await self._run(command, user, channel, delivery))

    async def _on_incident_view(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await self._on_form(ack, body, kit.incident_form(body["view"]), "description")

    async def _on_text_view(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        await self._on_form(ack, body, kit.text_form(body["view"], meta), "text")

    async def _on_form(self, ack: AsyncAck, body: dict[str, Any], form: Form, text_block: str) -> None:
        """A submitted form goes to the desk as the fields it has (never glued into a command line).
        A text longer than the desk takes is pointed out in the form itself, which stays open."""
        view, user = body["view"], body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        channel = meta.get("c", "")
        errors = kit.long_value_errors(view, text_block, self.config.desk.max_description,
                                       self.ask.locale(user, channel, " ".join((f"/{form.command}", *form.fields))))
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        answer = self._answerer(channel, user, meta.get("r"))
        await answer(await self._run(f"/{form.command}", user, channel, f"view:{view['id']}:{view.get('hash', '')}",
                                     form=form))

    async def _on_message(self, body: dict[str, Any]) -> None:
        """A direct message to the desk is a command too ("ack NOI-2026-00001" works without the slash);
        files come with it as a ``file_share`` message (uploads.py says what becomes of them)."""
        event = body.get("event") or {}
        subtype = event.get("subtype")
        if event.get("bot_id") or subtype not in (None, "file_share") or not event.get("user"):
            return
        files = [f for f in event.get("files") or [] if isinstance(f, dict)]
        delivery = f"evt:{body.get('event_id')}"
        if event.get("channel_type") != "im":
            thread, ts = str(event.get("thread_ts") or ""), str(event.get("ts") or "")
            if files and thread and thread != ts:  # only files make a thread message a note, not chatter
                await self._files_in_thread(event, thread, files, delivery)
            return
        text = (event.get("text") or "").strip()
        user, channel = event["user"], event["channel"]
        if files:
            line = uploads.command_of(text)
            if line is None:
                reply = uploads.which_incident(self, user, channel)
            else:
                ran = await self._run(line, user, channel, delivery)
                reply = await self._keep_files(ran, files, user, channel)
                if ran.is_error or ran.control_number is None:  # "help" + a file: say why it was not kept
                    reply = uploads.with_lines(ran, [uploads.which_incident(self, user, channel).text])
        elif not text:
            return
        else:
            reply = await self._run(text if text.startswith("/") else f"/{text}", user, channel, delivery)
        await self.client.chat_postMessage(channel=channel, text=kit.fallback_text(reply),
                                           blocks=kit.reply_blocks(reply))

    async def _files_in_thread(self, event: dict[str, Any], thread: str, files: list[dict[str, Any]],
                               delivery: str) -> None:
        """Files in the thread of an incident's card: a note on that incident as the person who sent them
        (the desk checks they may act on it), then the files kept with it."""
        channel, user = str(event.get("channel") or ""), str(event["user"])
        number = await self.db.read(lambda s: card_incident(s, channel, thread))
        if number is None:
            return  # a thread of some other message: not the desk's
        locale = self.ask.locale(user, channel, f"/note {number}")
        line = uploads.thread_note(number, event.get("text") or "", locale)
        reply = await self._keep_files(await self._run(line, user, channel, delivery), files, user, channel)
        # Ephemeral, in the thread, for the sender only: the note itself reaches the thread as the card's
        # event (the outbox's public record), and a refusal (another customer's person) or a file's line
        # is for the sender alone — as every command's answer in a channel is.
        await self._answerer(channel, user, None, thread=thread)(reply)

    async def _keep_files(self, reply: Reply, files: list[dict[str, Any]], user: str, channel: str) -> Reply:
        fetcher = SlackFiles(str(self.client.token), self.client.base_url, self.config.desk.attachments.max_bytes)
        return await uploads.keep_with_reply(self, reply, lambda: fetcher.fetch(self._session, files),
                                             user=user, channel=channel)

    async def _run(self, line: str, user: str, channel: str, delivery_id: str, form: Form | None = None) -> Reply:
        return await self.run(line, user, channel, delivery_id, form, served=self._known_channel(channel),
                              unknown=("slack.unknown_channel", {"channel": channel}))

    def _known_channel(self, channel: str) -> bool:
        # Direct messages with the desk (D...) belong to the person; configured channels to a customer.
        return channel in self._channels or channel.startswith("D")

    def _answerer(self, channel: str, user: str, response_url: str | None,
                  thread: str | None = None) -> Callable[[Reply], Awaitable[None]]:
        """Answers only the person who asked: through the interaction's response_url when there is one
        (it works in channels the bot has not joined). A response_url serves 5 answers within 30 minutes
        (https://api.slack.com/interactivity/handling#message_responses); when it is spent, expired (a
        form submitted late) or refused, the answer goes as an ephemeral message in the channel, and
        where that is refused too, as a direct message: the person always gets their control number."""

        async def answer(reply: Reply) -> None:
            text, blocks = kit.fallback_text(reply), kit.reply_blocks(reply)
            answered = bool(response_url) and await self._respond(response_url or "", text, blocks)
            if not answered and channel:
                answered = await self._ephemeral(channel, user, text, blocks, thread)
            if not answered:
                answered = await self._direct(user, text, blocks)
            if not answered:  # the work is done and recorded; only the courtesy answer is lost
                log.error("could not answer %s in %s by any way Slack offers", user, channel)
            if reply.attachment is not None and channel:  # a file (a protocol, a chart, an .ics)
                att = reply.attachment
                try:
                    await self.client.files_upload_v2(channel=channel, file=att.content, filename=att.filename,
                                                      initial_comment=kit.message_text(reply.text))
                except Exception:
                    log.exception("could not send %s to %s in %s", att.filename, user, channel)

        return answer

    async def _respond(self, response_url: str, text: str, blocks: list[dict[str, Any]]) -> bool:
        try:
            sent = await AsyncWebhookClient(response_url, session=self._session).send(text=text, blocks=blocks, response_type="ephemeral",
                                                               replace_original=False)
        except Exception as err:
            log.warning("the response_url could not be reached (%s): answering another way", type(err).__name__)
            return False
        if sent.status_code != 200:  # 404 used_url / expired_url, 400 invalid_blocks, ...
            log.warning("the response_url answered %s %s: answering another way", sent.status_code,
                        (sent.body or "")[:100])
            return False
        return True

    async def _ephemeral(self, channel: str, user: str, text: str, blocks: list[dict[str, Any]],
                         thread: str | None = None) -> bool:
        try:
            await self.client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks,
                                                 thread_ts=thread)
        except SlackApiError as err:  # not_in_channel, channel_not_found, user_not_in_channel, ...
            log.warning("no ephemeral answer in %s (%s): sending a direct message", channel,
                        err.response.get("error"))
            return False
        except Exception:
            log.exception("no ephemeral answer in %s: sending a direct message", channel)
            return False
        return True

    async def _direct(self, user: str, text: str, blocks: list[dict[str, Any]]) -> bool:
        try:
            await self.client.chat_postMessage(channel=user, text=text, blocks=blocks)  # the app's DM
        except Exception:
            log.exception("could not send %s a direct message", user)
            return False
        return True

    async def _open_incident_modal(self, trigger_id: str, user: str, channel: str, response_url: str | None) -> bool:
        """A bare /incident opens the form, when it is clear whose categories to offer."""
        found = self.ask.form_customer(user, channel) if self._known_channel(channel) else None
        if found is None:  # the desk answers the bare command instead
            return False
        customer = self.config.customers[found[0]]
        locale = found[1]
        view = kit.incident_modal(customer, locale, {"c": channel, "r": response_url or ""},
                                  self.config.desk.max_description)
        await self.client.views_open(trigger_id=trigger_id, view=view)
        return True

    # -- outbound: the platform's calls under the transport core (card_core.py) ------------------
    async def chat_for(self, destination: Destination) -> str:
        """The conversation id to post, edit and read in: a direct message's D… id, opened once and kept
        (chat.update and conversations.history take a conversation id, never a user id)."""
        if not destination.direct or destination.chat_id[:1] not in ("U", "W"):
            return destination.chat_id
        known = self._dms.get(destination.chat_id)
        if known is None:
            known = self._dms[destination.chat_id] = await conversation_id(self.client, destination.chat_id)
        return known

    async def post(self, chat: str, reply: Reply, *, card: bool, meta: Meta) -> str:
        """One message: its text goes into as many sections as it needs (slack_blocks.py says what is cut)."""
        posted = await self.poster.chat_postMessage(channel=chat, text=kit.fallback_text(reply),
                                                    blocks=kit.reply_blocks(reply, header=card),
                                                    metadata=outbox_metadata(meta))
        return str(posted["ts"])

    async def post_line(self, chat: str, text: str, *, thread: str, meta: Meta) -> str:
        posted = await self.poster.chat_postMessage(channel=chat, thread_ts=thread, text=kit.message_text(text),
                                                    metadata=outbox_metadata(meta))
        return str(posted["ts"])

    async def edit(self, chat: str, ref: str, reply: Reply, *, card: bool) -> bool:
        try:  # an edit is idempotent: no need to look before repeating it
            await self.client.chat_update(channel=chat, ts=ref, text=kit.fallback_text(reply),
                                          blocks=kit.reply_blocks(reply, header=card))
        except SlackApiError as err:
            if err.response.get("error") in ("message_not_found", "cant_update_message"):
                return False
            raise
        return True

    async def find(self, chat: str, meta: Meta, since: datetime, *, thread: str | None = None) -> str | None:
        return await find_posted(self.client, chat, meta, since, thread_ts=thread)

    def refusal(self, error: Exception) -> str | None:
        if isinstance(error, SlackApiError):
            code = str(error.response.get("error") or "")
            return code if is_permanent(code) else None
        return None
