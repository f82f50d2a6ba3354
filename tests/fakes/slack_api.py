"""A fake Slack for tests and benchmarks: a real HTTP server on 127.0.0.1 (port 0), because slack_sdk's
async clients use aiohttp and no httpx mock would see them.

- ``/api/<method>``: the Web API. Records every call (method, arguments, token) and answers like Slack
  (``auth.test``, ``chat.postMessage`` with a fresh ``ts``, ``views.open`` with a view id, ...). Faults can
  be queued per method: ``fail("chat.postMessage", 429, retry_after=1)`` or ``fail(..., 500, times=3)``.
- Messages are kept per conversation as Slack keeps them: ``chat.postMessage`` (with its ``metadata``),
  ``chat.update`` edits, ``conversations.history`` answers newest first, top-level messages only, after
  ``oldest`` (exclusive unless ``inclusive``), paged by ``limit``/``cursor``, with each message's
  metadata only when ``include_all_metadata`` is set; ``conversations.replies`` gives a thread oldest
  first; ``conversations.open`` gives a user's DM channel (a post to ``U...`` lands in ``D...``). A ts
  is the real time of the post, unique and increasing, as Slack's are.
- Membership as Slack enforces it: history and replies only in channels the bot joined
  (``conversations.join``) or was invited to (``invite``); a private channel cannot be joined and does not
  exist for a bot that is not in it; ``chat.update`` wants the conversation id, never a user id;
  ``archive(channel)`` refuses posts with ``is_archived``.
- ``/respond/<name>``: a response_url; what the app posts there is recorded like a call. It serves 5
  answers within 30 minutes of ``response_url(name)`` by the fake's ``clock``, then answers 404
  ``used_url`` / ``expired_url`` as Slack does.
- Every message, block and view is checked as Slack checks it (slack_limits.py): what Slack refuses is
  refused (``msg_too_long``, ``invalid_blocks``, ``invalid_arguments``).
- Files people share (https://api.slack.com/types/file): ``share_file`` keeps a file's bytes and gives
  the ``files[]`` item of a ``file_share`` message event (``file_share_event``, sent as an ``events_api``
  envelope by ``send_event``); ``/files-pri/...`` serves the bytes only with the bot token, as Slack does.
- ``/link``: the Socket Mode websocket (``apps.connections.open`` returns its ws:// URL). It says hello,
  sends the envelopes given to ``send_envelope`` and records what the app sends back (the acks).

``SlackSigner`` builds requests as Slack signs them (HTTP mode), with slack_sdk's own SignatureVerifier.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_limits import message_error, view_error

RESPONSE_URL_SECONDS = 30 * 60
RESPONSE_URL_USES = 5


@dataclass
class Call:
    method: str  # "chat.postMessage", or "respond:<name>" for a response_url
    args: dict[str, Any]
    token: str | None = None
    result: dict[str, Any] = field(default_factory=dict)  # what the fake answered


@dataclass
class _Fault:
    status: int
    times: int
    retry_after: int | None = None


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    socket_received: list[dict[str, Any]] = field(default_factory=list)
    _faults: dict[str, list[_Fault]] = field(default_factory=dict)
    _errors: dict[str, list[str]] = field(default_factory=dict)
    _lost: list[str] = field(default_factory=list)  # channels whose next post is taken, its answer lost
    archived: set[str] = field(default_factory=set)  # channels that refuse every post and edit
    members: set[str] = field(default_factory=set)  # channels the bot is a member of (conversations.join)
    private: set[str] = field(default_factory=set)  # private channels: the bot must be invited (invite())
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    conversations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # id → messages, oldest first
    _last_ts: float = 0.0
    _runner: web.AppRunner | None = None
    _ws: web.WebSocketResponse | None = None  # the newest Socket Mode connection
    connections: int = 0  # Socket Mode connections opened so far
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    redelivered: list[str] = field(default_factory=list)  # envelope ids sent again after a lost connection
    _unacked: dict[str, dict[str, Any]] = field(default_factory=dict)  # envelope id → envelope not yet acked
    _sent_on: dict[str, web.WebSocketResponse] = field(default_factory=dict)  # envelope id → where it went
    # The fake's time, for what Slack times (a response_url's 30 minutes): a test points it at its clock.
    clock: Callable[[], float] = time.time
    _issued: dict[str, list[float]] = field(default_factory=dict)  # response_url name → [issued at, uses]
    _changed: asyncio.Condition | None = None
    port: int = 0
    bot_token: str = "xoxb-test"  # the token a file download must carry
    shared: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # file id → (bytes, mimetype)

    async def start(self) -> FakeSlack:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads (conversations.history) with GET
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_get("/link", self._link)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{team_file}/download/{name}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        for ws in self._sockets:
            if not ws.closed:
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"  # slack_sdk joins method names: it must end with "/"

    def response_url(self, name: str) -> str:
        """A response_url, issued now (by ``clock``), as Slack puts one in a command or an interaction."""
        self._issued.setdefault(name, [self.clock(), 0])
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    # -- inspection -----------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        """chat.postMessage calls with the ts the fake gave each message (None: refused)."""
        return [{**c.args, "ts": c.result.get("ts")} for c in self.calls
                if c.method == "chat.postMessage" and channel in (None, c.args.get("channel"))]

    def fail(self, method: str, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        self._faults.setdefault(method, []).append(_Fault(status, times, retry_after))

    def recover(self, method: str) -> None:
        """``method`` answers normally again: the failures ``fail`` still had in store are dropped."""
        self._faults.pop(method, None)

    def lose_answer(self, channel: str) -> None:
        """The next chat.postMessage to ``channel`` is taken (it is in the channel) but answered with
        HTTP 500, as when Slack fails after storing the message: the sender cannot tell it arrived."""
        self._lost.append(channel)

    def invite(self, channel: str) -> None:
        """A person invited the bot (``/invite @dutydesk``): the only way into a private channel."""
        self.members.add(channel)

    def archive(self, channel: str) -> None:
        """The channel is archived: https://api.slack.com/methods/chat.postMessage#errors ``is_archived``
        ("Channel has been archived"), for every post and edit from now on."""
        self.archived.add(channel)

    def answer_error(self, method: str, error: str) -> None:
        """The next call of ``method`` gets HTTP 200 with {"ok": false, "error": error}, as Slack answers."""
        self._errors.setdefault(method, []).append(error)

    async def wait_for(self, predicate: Callable[[FakeSlack], bool], timeout: float = 5.0) -> None:
        """Wait (bounded) until the app has made the calls the predicate looks for."""
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self)), timeout)

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        await self.wait_for(lambda f: len(f.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    async def _record(self, call: Call | None = None, received: dict[str, Any] | None = None) -> None:
        assert self._changed is not None
        async with self._changed:
            if call is not None:
                self.calls.append(call)
            if received is not None:
                self.socket_received.append(received)
            self._changed.notify_all()

    # -- the Web API ------------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or args.get("token")
        faults = self._faults.get(method)
        if faults:
            fault = faults[0]
            fault.times -= 1
            if fault.times <= 0:
                faults.pop(0)
            await self._record(Call(f"{method}!{fault.status}", args, token))
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            body = {"ok": False, "error": "ratelimited" if fault.status == 429 else "internal_error"}
            return web.json_response(body, status=fault.status, headers=headers)
        errors = self._errors.get(method)
        refused = self._channel_refusal(method, args) or _refusal(method, args)
        if errors:
            result = {"ok": False, "error": errors.pop(0)}
        elif refused is not None:
            result = {"ok": False, "error": refused}
        else:
            result = self._answer(method, args)
        if method == "chat.postMessage" and args.get("channel") in self._lost:
            self._lost.remove(args["channel"])
            await self._record(Call(method, args, token, result))  # it is in the channel...
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)  # ...but who knows
        await self._record(Call(method, args, token, result))
        return web.json_response(result)

    def _channel_refusal(self, method: str, args: dict[str, Any]) -> str | None:
        """An error Slack answers whatever the content: the rules of the channel, not of the message."""
        channel = str(args.get("channel") or "")
        if method in ("chat.postMessage", "chat.update", "conversations.join") and channel in self.archived:
            return "is_archived"  # https://api.slack.com/methods/chat.postMessage#errors
        if method in ("chat.update", "conversations.history", "conversations.replies") and channel[:1] in ("U", "W"):
            # https://api.slack.com/methods/chat.update: "channel: Channel containing the message to be
            # updated" — a conversation id; a user id is not one (a DM is edited, and read with
            # https://api.slack.com/methods/conversations.history, by its D… id, which conversations.open
            # or the post's answer gives)
            return "channel_not_found"
        if method == "conversations.join" and channel in self.private:
            # https://api.slack.com/methods/conversations.join: "method_not_supported_for_channel_type";
            # a bot enters a private channel only when a member invites it
            return "method_not_supported_for_channel_type"
        if channel in self.private and channel not in self.members and method != "conversations.join":
            return "channel_not_found"  # a private channel the bot is not in does not exist for it
        if (method in ("conversations.history", "conversations.replies") and channel[:1] in ("C", "G")
                and channel not in self.members):
            # https://api.slack.com/methods/conversations.history: a bot reads only the conversations it
            # is a member of ("not_in_channel"); chat:write.public lets it post, never read
            return "not_in_channel"
        return None

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return {**ok, "url": "https://fake.slack.com/", "team": "Fake", "team_id": "T0FAKE",
                    "user": "dutydesk", "user_id": "U0BOT", "bot_id": "B0BOT"}
        if method == "chat.postMessage":
            ts = self._next_ts()
            message = {"type": "message", "user": "U0BOT", "bot_id": "B0BOT", "text": args.get("text"), "ts": ts}
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            metadata = args.get("metadata")
            if isinstance(metadata, str):  # a form-encoded call sends it as JSON text
                metadata = json.loads(metadata)
            if metadata:
                message["metadata"] = metadata
            self.conversations.setdefault(conversation_of(str(args.get("channel"))), []).append(message)
            return {**ok, "channel": conversation_of(str(args.get("channel"))), "ts": ts,
                    "message": {"text": args.get("text"), "ts": ts, "thread_ts": args.get("thread_ts")}}
        if method == "chat.update":
            for message in self.conversations.get(conversation_of(str(args.get("channel"))), []):
                if message["ts"] == args.get("ts"):
                    message["text"] = args.get("text")
            return {**ok, "channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text")}
        if method == "conversations.join":  # https://api.slack.com/methods/conversations.join
            channel = str(args.get("channel"))
            self.members.add(channel)
            return {**ok, "channel": {"id": channel, "is_channel": True, "is_member": True}}
        if method == "conversations.open":
            return {**ok, "channel": {"id": conversation_of(str(args.get("users")))}}
        if method in ("conversations.history", "conversations.replies"):
            return {**ok, **self._history(method, args)}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": f"{1_790_000_000 + next(self._ts)}.000200"}
        if method in ("views.open", "views.update", "views.push"):
            n = next(self._ts)
            return {**ok, "view": {**(args.get("view") or {}), "id": f"V{n:08d}", "hash": f"{n}.hash"}}
        if method == "apps.connections.open":
            return {**ok, "url": f"ws://127.0.0.1:{self.port}/link?ticket=fake"}
        if method == "files.getUploadURLExternal":  # files_upload_v2, step 1: where to send the bytes
            n = next(self._ts)
            return {**ok, "upload_url": f"http://127.0.0.1:{self.port}/upload/F{n:08d}", "file_id": f"F{n:08d}"}
        if method == "files.completeUploadExternal":
            return {**ok, "files": [{"id": f["id"], "title": f.get("title", "")}
                                    for f in json.loads(args.get("files", "[]"))]}
        return ok

    def _next_ts(self) -> str:
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _history(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.history (newest first, no thread replies) or .replies (a thread, oldest first)."""
        messages = self.conversations.get(str(args.get("channel")), [])
        oldest, inclusive = float(args.get("oldest") or 0), _flag(args.get("inclusive"))
        latest = float(args.get("latest") or "inf")
        if method == "conversations.history":
            picked = [m for m in reversed(messages) if m.get("thread_ts") in (None, m["ts"])]
        else:
            parent = str(args.get("ts"))
            picked = [m for m in messages if m["ts"] == parent or m.get("thread_ts") == parent]
        picked = [m for m in picked if (float(m["ts"]) >= oldest if inclusive else float(m["ts"]) > oldest)
                  and float(m["ts"]) < latest]
        start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
        page, more = picked[start:start + limit], start + limit < len(picked)
        if not _flag(args.get("include_all_metadata")):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        return {"messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def posts_by_key(self) -> dict[tuple[str, str], int]:
        """How many messages each (conversation, outbox metadata payload as JSON) got."""
        count: dict[tuple[str, str], int] = {}
        for conv, messages in self.conversations.items():
            for m in messages:
                meta = m.get("metadata") or {}
                if meta.get("event_type") == "dutydesk_outbox":
                    k = (conv, json.dumps(meta.get("event_payload"), sort_keys=True))
                    count[k] = count.get(k, 0) + 1
        return count

    async def _upload(self, request: web.Request) -> web.Response:
        """files_upload_v2, step 2: the file's bytes (recorded as the call "upload:<file id>")."""
        body = await request.read()
        await self._record(Call(f"upload:{request.match_info['file_id']}", {
            "size": len(body), "head": body[:64].decode("latin-1"),
            "content": body.decode("utf-8", "replace")}))  # what a test may search for what must not leak
        return web.Response(text="OK - uploaded")

    # -- files people share -------------------------------------------------------------------------
    def share_file(self, name: str, content: bytes, mimetype: str, *, size: int | None = None,
                   mode: str = "hosted", url: str | None = None) -> dict[str, Any]:
        """A file a person shared: its ``files[]`` item as a message event carries it
        (https://api.slack.com/types/file). ``size`` may lie (the declared size); ``mode`` "external" or
        "tombstone" (deleted) or "hidden_by_limit" has no download URL and no bytes here, as in Slack;
        ``url`` replaces the download URL (a crafted event)."""
        file_id = f"F{next(self._ts):08d}"
        item: dict[str, Any] = {"id": file_id, "mode": mode}
        if mode == "tombstone":  # a deleted file: only its id and mode are left
            return item
        item.update({"name": name, "title": name, "mimetype": mimetype, "filetype": name.rpartition(".")[2],
                     "size": len(content) if size is None else size, "is_external": mode == "external"})
        if mode in ("external", "hidden_by_limit"):  # a link elsewhere, or beyond the plan's history
            return item
        self.shared[file_id] = (content, mimetype)
        quoted = urllib.parse.quote(name, safe="")
        item["url_private"] = f"http://127.0.0.1:{self.port}/files-pri/T0FAKE-{file_id}/{quoted}"
        item["url_private_download"] = url or f"http://127.0.0.1:{self.port}/files-pri/T0FAKE-{file_id}/download/{quoted}"
        return item

    def downloads(self) -> list[Call]:
        """Every request for a shared file's bytes (with or without the token)."""
        return [c for c in self.calls if c.method.startswith("download:")]

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """A file's bytes. https://api.slack.com/types/file#auth: "url_private ... require[s] an
        authorization header with a bot or user token" — without it (or with another token) Slack does not
        refuse with an error status: it answers 200 with its sign-in page in HTML, which an app that does
        not check would store as the file. So does the fake."""
        file_id = request.match_info["team_file"].rpartition("-")[2]
        token = request.headers.get("Authorization", "")
        await self._record(Call(f"download:{file_id}", {"authorization": token}, token.removeprefix("Bearer ")))
        if token != f"Bearer {self.bot_token}":
            return web.Response(text="<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to "
                                     "your workspace</body></html>", content_type="text/html")
        if file_id not in self.shared:
            return web.Response(status=404, text="file_not_found")
        content, mimetype = self.shared[file_id]
        return web.Response(body=content, content_type=mimetype)

    async def send_event(self, envelope_id: str, event_id: str, event: dict[str, Any], **kw: Any) -> None:
        """An Events API event through Socket Mode (https://api.slack.com/apis/socket-mode: an
        ``events_api`` envelope whose payload is the event callback)."""
        payload = {"token": "legacy", "team_id": "T0FAKE", "api_app_id": "A0FAKE", "type": "event_callback",
                   "event_id": event_id, "event_time": int(time.time()), "event": event,
                   "authorizations": [{"team_id": "T0FAKE", "user_id": "U0BOT", "is_bot": True}]}
        await self.send_envelope({"envelope_id": envelope_id, "type": "events_api", "accepts_response_payload": False,
                                  "payload": payload}, **kw)

    async def _respond(self, request: web.Request) -> web.Response:
        args, name = await _arguments(request), request.match_info["name"]
        issued = self._issued.setdefault(name, [self.clock(), 0])
        # https://api.slack.com/interactivity/handling#message_responses: a response_url may be used "up
        # to 5 times within 30 minutes"; after that Slack answers HTTP 404 expired_url or used_url.
        gone = ("expired_url" if self.clock() - issued[0] > RESPONSE_URL_SECONDS
                else "used_url" if issued[1] >= RESPONSE_URL_USES else None)
        if gone is not None:
            await self._record(Call(f"respond:{name}!404", args, result={"error": gone}))
            return web.Response(status=404, text=gone)
        issued[1] += 1
        refused = message_error(args)
        # https://api.slack.com/messaging/webhooks#handling_errors: a response_url answers like an
        # incoming webhook, an error as HTTP 400 with the error code as the body.
        if refused is not None:
            await self._record(Call(f"respond:{name}!400", args, result={"error": refused}))
            return web.Response(status=400, text=refused)
        await self._record(Call(f"respond:{name}", args))
        return web.Response(text="ok")

    # -- Socket Mode ------------------------------------------------------------------------------
    # https://api.slack.com/apis/socket-mode: Slack refreshes connections regularly — it sends
    # {"type": "disconnect", "reason": "warning"} ~10 s before, or "refresh_requested" when the app should
    # reconnect now — and may also simply drop one. An envelope not acknowledged is sent again, with
    # "retry_attempt" and "retry_reason", on a connection that is open.
    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._ws = ws
        self._sockets.append(ws)
        self.connections += 1
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                            "connection_info": {"app_id": "A0FAKE"}})
        for envelope_id, envelope in list(self._unacked.items()):  # not acked where it was sent: again
            if envelope_id in self._sent_on:  # sent on a connection now left: a retry
                envelope = {**envelope, "retry_attempt": int(envelope.get("retry_attempt", 0)) + 1,
                            "retry_reason": "timeout"}
                self._unacked[envelope_id] = envelope
            await self._send(ws, envelope)
        await self._record()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                received = json.loads(msg.data)
                self._unacked.pop(str(received.get("envelope_id")), None)  # an ack counts on any connection
                await self._record(received=received)
        return ws

    async def _send(self, ws: web.WebSocketResponse, envelope: dict[str, Any]) -> None:
        envelope_id = str(envelope["envelope_id"])
        retry = envelope_id in self._sent_on
        self._sent_on[envelope_id] = ws
        try:
            if ws.closed:
                raise ConnectionResetError("the connection was left")
            await ws.send_json(envelope)
        except ConnectionError:  # it went away: unacked, so sent again on the open connection, if any
            if self._ws is not None and self._ws is not ws and not self._ws.closed:
                again = {**envelope, "retry_attempt": int(envelope.get("retry_attempt", 0)) + 1,
                         "retry_reason": "timeout"}
                self._unacked[envelope_id] = again
                await self._send(self._ws, again)
            return
        if retry:
            self.redelivered.append(envelope_id)

    @property
    def linked(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def send_envelope(self, envelope: dict[str, Any], timeout: float = 5.0, *, queue: bool = False) -> None:
        """Send an envelope on the open connection. With ``queue``, an envelope given while no connection
        is open (the app is reconnecting) waits and goes on the next one, as Slack's does."""
        self._unacked[str(envelope["envelope_id"])] = envelope
        if queue and not self.linked:
            return
        await self.wait_for(lambda f: f.linked, timeout)
        assert self._ws is not None
        await self._send(self._ws, envelope)

    async def disconnect(self, reason: str) -> web.WebSocketResponse:
        """Tell the app to reconnect ("warning" or "refresh_requested"); returns the connection told, which
        stays open until the app leaves it (``envelope_on`` can still deliver there)."""
        await self.wait_for(lambda f: f.linked)
        assert self._ws is not None
        old = self._ws
        await old.send_json({"type": "disconnect", "reason": reason,
                             "debug_info": {"host": "fake"}})
        return old

    async def envelope_on(self, ws: web.WebSocketResponse, envelope: dict[str, Any]) -> None:
        """An envelope on a given connection (e.g. one being left): if the app does not ack it there,
        it goes again on the next connection."""
        self._unacked[str(envelope["envelope_id"])] = envelope
        await self._send(ws, envelope)

    async def drop(self) -> None:
        """Close the open connection without warning, as Slack does now and then."""
        await self.wait_for(lambda f: f.linked)
        assert self._ws is not None
        await self._ws.close()

    async def wait_socket_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        await self.wait_for(lambda f: any(m.get("envelope_id") == envelope_id for m in f.socket_received), timeout)
        return next(m for m in self.socket_received if m.get("envelope_id") == envelope_id)


def _refusal(method: str, args: dict[str, Any]) -> str | None:
    """What Slack refuses before doing anything (slack_limits.py names the rules)."""
    if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
        return message_error(args)
    if method in ("views.open", "views.update", "views.push"):
        return view_error(args.get("view"))
    return None


def conversation_of(channel: str) -> str:
    """Where a post to ``channel`` lands: a user's DM channel (``U0PETAR`` → ``D0PETAR``) or the channel."""
    return "D" + channel[1:] if channel[:1] in ("U", "W") else channel


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Web API arguments, whether sent as JSON or as a form (where blocks and views are JSON strings)."""
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        args.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str) and key in ("blocks", "view", "attachments") and value[:1] in "[{":
                args[key] = json.loads(value)
            else:
                args[key] = value
    return args


# -- requests as Slack signs them ---------------------------------------------------------------------

class SlackSigner:
    def __init__(self, secret: str) -> None:
        self.verifier = SignatureVerifier(secret)

    def headers(self, body: str, *, timestamp: int | None = None, retry_num: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": self.verifier.generate_signature(timestamp=ts, body=body)}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return headers


def file_share_event(files: list[dict[str, Any]], *, user: str, channel: str, text: str = "",
                     thread_ts: str | None = None, ts: str = "1790000000.000100") -> dict[str, Any]:
    """A ``message`` event with files (https://api.slack.com/events/message/file_share), in a direct
    message to the app (``D…``: channel_type "im") or in a channel (``C…``), optionally in a thread."""
    event: dict[str, Any] = {
        "type": "message", "subtype": "file_share", "text": text, "user": user, "channel": channel, "ts": ts,
        "channel_type": "im" if channel.startswith("D") else "channel", "files": files, "upload": False,
        "display_as_bot": False, "event_ts": ts}
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def slash_body(command: str, text: str, *, user: str, channel: str, trigger_id: str, response_url: str) -> str:
    return urllib.parse.urlencode({
        "token": "legacy", "team_id": "T0FAKE", "team_domain": "fake", "channel_id": channel,
        "channel_name": "desk", "user_id": user, "user_name": user.lower(), "command": command, "text": text,
        "api_app_id": "A0FAKE", "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": trigger_id,
    })


def block_action(value: str, *, user: str, channel: str, message_ts: str, action_ts: str, trigger_id: str,
                 response_url: str, action_id: str = "desk:0") -> dict[str, Any]:
    return {
        "type": "block_actions", "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0FAKE"}, "api_app_id": "A0FAKE",
        "token": "legacy", "trigger_id": trigger_id, "response_url": response_url,
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "channel": {"id": channel, "name": "desk"}, "message": {"ts": message_ts, "text": "card"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "desk_actions", "value": value,
                     "text": {"type": "plain_text", "text": "button"}, "action_ts": action_ts}],
    }


def view_submission(view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str,
                    view_id: str = "V0SUBMIT", view_hash: str = "1.hash") -> dict[str, Any]:
    """A submission of ``view`` (as the app opened it) with ``values``: {block_id: {"value": ...}} for
    text inputs or {block_id: {"selected": ...}} for selects."""
    state: dict[str, Any] = {}
    for block_id, v in values.items():
        if "selected" in v:
            state[block_id] = {"value": {"type": "static_select", "selected_option": {"value": v["selected"]}}}
        else:
            state[block_id] = {"value": {"type": "plain_text_input", "value": v["value"]}}
    return {
        "type": "view_submission", "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0FAKE"}, "api_app_id": "A0FAKE",
        "token": "legacy", "trigger_id": "trig-view",
        "view": {**view, "id": view_id, "hash": view_hash, "team_id": "T0FAKE", "state": {"values": state}},
    }


def payload_body(payload: dict[str, Any]) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})
