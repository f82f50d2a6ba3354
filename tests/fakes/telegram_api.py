"""A fake Telegram Bot API for tests: a real HTTP server on 127.0.0.1 (port 0) that the real PTB ``Bot``
talks to through ``base_url`` (``{base_url}{token}/{method}``, form-encoded or multipart, as PTB sends).

- Users' side: ``message(user, chat, text)`` and ``press(user, message, data)`` build updates the way
  Telegram does (a ``bot_command`` entity for commands, the bot's message inside a callback query) and
  queue them for ``getUpdates`` (long polling). As the Bot API does (https://core.telegram.org/bots/api#getupdates),
  an update is confirmed once ``getUpdates`` is called with a higher offset and is never handed out again;
  an unconfirmed one comes again to the next ``getUpdates`` (``redeliver`` refuses a confirmed update). A
  second ``getUpdates`` while one is waiting ends the waiting one with 409 Conflict ("terminated by other
  getUpdates request"), and ``getUpdates`` while a webhook is set is 409 too. ``network_down_after_next_updates``
  cuts the network right after the next updates reach the bot (so they stay unconfirmed). The same dicts
  can be POSTed to a webhook.
- Bot's side: every call is recorded (method, arguments, status); ``sendMessage``/``sendDocument`` store
  the message in its chat, ``editMessageText`` edits it (``message is not modified`` /
  ``message to edit not found`` as Telegram answers). HTML text is checked as strictly as Telegram does
  (an unescaped ``<`` or ``&`` is "can't parse entities") and kept as plain text for assertions.
- Files a user sends (``document``, ``photo``: a caption, a reply, an album's ``media_group_id``) are kept
  here; ``getFile`` and the download URL ``/file/bot<token>/<file_path>`` hand them to the bot as the Bot
  API does (https://core.telegram.org/bots/api#getfile, #file), refusing an unknown file_id, a file over
  20 MB and a wrong token; ``downloads`` lists what was fetched.
- Faults per method: ``fail("sendMessage", 429, retry_after=1)`` or ``fail("sendMessage", 500, times=2)``.
- Telegram's flood limits (tests/fakes/telegram_limits.py): 429 with ``parameters.retry_after`` past 20
  messages a minute in a group, 5 in 5 seconds in one chat, 30 a second overall, on ``clock`` (a
  ``FakeTime``'s ``now`` lets a test step over a minute).
- A group upgraded to a supergroup (``migrate(old, new)``) gets a new id: both service messages go out,
  and every call naming the old id is refused with ``parameters.migrate_to_chat_id``, as the Bot API does.
- Chats that refuse the bot, every time: ``refuse(chat, BLOCKED)`` (a person who blocked the bot),
  ``refuse(chat, NEVER_STARTED)`` (a person who never pressed Start: bots cannot write first),
  ``refuse(chat, CHAT_NOT_FOUND)``, or any (status, description) such as (502, "Bad Gateway").
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.telegram_limits import FloodControl

TOKEN = "123456:TEST-token"
BOT_ID = 999000
BOT_USERNAME = "dutydesk_bot"
NAMES = {1001: "Ивана", 1002: "Георги", 1003: "Мария", 1004: "Петър", 2001: "سارا", 2002: "رضا", 2003: "نیما"}
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "tg-spoiler",
         "blockquote", "span", "tg-emoji"}
_TOKEN_RE = re.compile(r"<(/?)([a-z-]+)((?:\s+[a-z-]+=\"[^\"<>]*\")*)\s*>|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]")


# https://core.telegram.org/bots#how-are-bots-different-from-users: "Bots can't initiate conversations with
# users. A user must either add them to a group or send them a message first"; one who blocked the bot
# cannot be written to either. The Bot API answers these with 403 (and a chat it
# does not know with 400), as documented for errors at https://core.telegram.org/bots/api#making-requests.
BLOCKED = (403, "Forbidden: bot was blocked by the user")
NEVER_STARTED = (403, "Forbidden: bot can't initiate conversation with a user")
CHAT_NOT_FOUND = (400, "Bad Request: chat not found")
# https://core.telegram.org/bots/api#getfile: "bots can download files of up to 20MB in size"; a bigger one
# is refused by getFile itself ("Bad Request: file is too big").
MAX_DOWNLOAD = 20 * 1024 * 1024
_TO_CHAT = ("sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup")


class HtmlError(ValueError):
    pass


def html_to_plain(text: str) -> str:
    """What Telegram shows for an HTML message; raises HtmlError where Telegram would refuse it."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _TOKEN_RE.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        closing, tag, entity = m.group(1), m.group(2), m.group(4)
        if tag is not None:
            if tag not in _TAGS:
                raise HtmlError(f"Unsupported start tag \"{tag}\" at byte offset {m.start()}")
            if closing:
                if not stack or stack.pop() != tag:
                    raise HtmlError(f"Unmatched end tag at byte offset {m.start()}, expected \"</{tag}>\"")
            else:
                stack.append(tag)
        elif entity is not None:
            out.append(html.unescape(m.group(0)))
        else:
            raise HtmlError(f"Unsupported start tag or unescaped {m.group(0)!r} at byte offset {m.start()}")
    if stack:
        raise HtmlError(f"Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    out.append(text[pos:])
    return "".join(out)


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.time)  # when the fake took it (real time: bench/latency.py)


@dataclass
class Sent:
    """A message in a chat, sent by the bot (or a user's message, for replies to point at)."""

    chat_id: int
    message_id: int
    text: str  # as sent (HTML when parse_mode is HTML)
    plain: str  # as shown
    date: int
    from_id: int = BOT_ID
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to: int | None = None
    edit_date: int | None = None
    document: str | None = None  # a sent file's name
    edits: int = 0

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of the inline keyboard."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def button(self, label_or_data_start: str) -> str:
        return next(d for label, d in self.buttons if label == label_or_data_start or d.startswith(label_or_data_start))


@dataclass
class FakeFile:
    """A file a user sent: what getFile describes and the download URL serves."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str


@dataclass
class _Fault:
    status: int
    times: int
    retry_after: int | None = None


@dataclass
class FakeTelegram:
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], Sent] = field(default_factory=dict)
    _faults: dict[str, list[_Fault]] = field(default_factory=dict)
    _pending: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500_000_001))
    _callback_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(7_000_001))
    _message_ids: dict[int, itertools.count[int]] = field(default_factory=dict)
    _now: itertools.count[int] = field(default_factory=lambda: itertools.count(1_795_000_000))
    _changed: asyncio.Condition | None = None
    _runner: web.AppRunner | None = None
    _confirmed: int = 0  # the lowest update id the bot has not confirmed yet
    _poll: int = 0  # which getUpdates call is the current one (a newer call ends an older one)
    _cut_after_updates: bool = False
    network_down: bool = False  # every call fails as if the network between bot and Telegram were cut
    webhook_url: str = ""
    _migrated: dict[int, int] = field(default_factory=dict)  # a group upgraded to a supergroup: old id → new
    refused: dict[int, tuple[int, str]] = field(default_factory=dict)  # chat id → (status, description)
    _lost: list[int] = field(default_factory=list)  # chats whose next sendMessage is kept but answered 502
    clock: Callable[[], float] = time.monotonic  # what the flood limits count in
    flood: FloodControl | None = None
    files: dict[str, FakeFile] = field(default_factory=dict)  # file_id → the file
    downloads: list[str] = field(default_factory=list)  # file_path of each download served
    _file_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    port: int = 0
    long_poll: float = 0.3  # seconds a getUpdates waits at most here, whatever timeout PTB asks for

    async def start(self) -> FakeTelegram:
        self._changed = asyncio.Condition()
        if self.flood is None:
            self.flood = FloodControl(self.clock)
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"  # PTB appends the token

    # -- the users' side --------------------------------------------------------------------------
    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    @staticmethod
    def user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": NAMES.get(user_id, f"User {user_id}"),
                "language_code": "bg" if 1000 < user_id < 2000 else "fa" if 2000 < user_id < 3000 else "en"}

    @staticmethod
    def chat(chat_id: int) -> dict[str, Any]:
        if chat_id < 0:  # supergroups' ids start with -100; a basic group's does not
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}
        return {"id": chat_id, "type": "private", "first_name": NAMES.get(chat_id, f"User {chat_id}")}

    def _message_dict(self, sent: Sent) -> dict[str, Any]:
        who = ({"id": BOT_ID, "is_bot": True, "first_name": "dutydesk", "username": BOT_USERNAME}
               if sent.from_id == BOT_ID else self.user(sent.from_id))
        out: dict[str, Any] = {"message_id": sent.message_id, "date": sent.date, "chat": self.chat(sent.chat_id),
                               "from": who, "text": sent.plain}
        if sent.edit_date is not None:
            out["edit_date"] = sent.edit_date
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            out["reply_markup"] = sent.reply_markup
        if sent.reply_to is not None and (sent.chat_id, sent.reply_to) in self.messages:
            out["reply_to_message"] = self._message_dict(self.messages[(sent.chat_id, sent.reply_to)])
        return out

    def message(self, user_id: int, chat_id: int, text: str, *, reply_to: Sent | None = None,
                queue: bool = True) -> dict[str, Any]:
        """A user writes in a chat (a group, or their private chat with the bot when chat_id == user_id)."""
        sent = Sent(chat_id, self._next_message_id(chat_id), text, text, next(self._now), from_id=user_id,
                    reply_to=reply_to.message_id if reply_to else None)
        self.messages[(chat_id, sent.message_id)] = sent
        msg = self._message_dict(sent)
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._update({"message": msg}, queue)

    def _file(self, content: bytes, folder: str, suffix: str) -> FakeFile:
        n = next(self._file_ids)
        f = FakeFile(f"BQACAgIAAx{n:06d}", f"AgAD{n:06d}", content, f"{folder}/file_{n}{suffix}")
        self.files[f.file_id] = f
        return f

    def _media_message(self, user_id: int, chat_id: int, caption: str | None, reply_to: Sent | None,
                       media_group_id: str | None, media: dict[str, Any], queue: bool) -> dict[str, Any]:
        """A user's message carrying a file: no ``text``, the words in ``caption`` (a command's entity in
        ``caption_entities``), https://core.telegram.org/bots/api#message."""
        sent = Sent(chat_id, self._next_message_id(chat_id), caption or "", caption or "", next(self._now),
                    from_id=user_id, reply_to=reply_to.message_id if reply_to else None)
        self.messages[(chat_id, sent.message_id)] = sent
        msg = self._message_dict(sent)
        del msg["text"]
        if caption:
            msg["caption"] = caption
            if caption.startswith("/"):
                msg["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
        if media_group_id is not None:
            msg["media_group_id"] = media_group_id
        msg.update(media)
        return self._update({"message": msg}, queue)

    def document(self, user_id: int, chat_id: int, content: bytes, *, file_name: str | None = "file.txt",
                 mime_type: str | None = "text/plain", caption: str | None = None, reply_to: Sent | None = None,
                 media_group_id: str | None = None, file_size: int | bool | None = True,
                 queue: bool = True) -> dict[str, Any]:
        """A user sends a file (https://core.telegram.org/bots/api#document). ``file_size``: True declares
        the real size, an int declares that one, None declares none (the field is optional)."""
        extension = re.sub(r"[^A-Za-z0-9]", "", (file_name or "").rpartition(".")[2])[:8]
        f = self._file(content, "documents", f".{extension}" if extension else "")
        doc: dict[str, Any] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if file_name is not None:
            doc["file_name"] = file_name
        if mime_type is not None:
            doc["mime_type"] = mime_type
        if file_size is not None:
            doc["file_size"] = len(content) if file_size is True else int(file_size)
        return self._media_message(user_id, chat_id, caption, reply_to, media_group_id, {"document": doc}, queue)

    def photo(self, user_id: int, chat_id: int, sizes: list[bytes], *, caption: str | None = None,
              reply_to: Sent | None = None, media_group_id: str | None = None, queue: bool = True) -> dict[str, Any]:
        """A user sends a photo: Telegram offers it in several sizes, smallest first, each a file of its own
        (``photo``: an array of PhotoSize, https://core.telegram.org/bots/api#photosize); no file name."""
        photo = []
        for i, content in enumerate(sizes):
            f = self._file(content, "photos", ".jpg")
            side = 90 * 4 ** i
            photo.append({"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": len(content),
                          "width": side, "height": side * 3 // 4})
        return self._media_message(user_id, chat_id, caption, reply_to, media_group_id, {"photo": photo}, queue)

    def voice(self, user_id: int, chat_id: int, content: bytes, *, caption: str | None = None,
              reply_to: Sent | None = None, queue: bool = True) -> dict[str, Any]:
        """A user sends a voice note (https://core.telegram.org/bots/api#voice): OGG/Opus, no file name."""
        f = self._file(content, "voice", ".oga")
        voice = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "duration": 3, "mime_type": "audio/ogg",
                 "file_size": len(content)}
        return self._media_message(user_id, chat_id, caption, reply_to, None, {"voice": voice}, queue)

    def press(self, user_id: int, sent: Sent, data: str, *, queue: bool = True) -> dict[str, Any]:
        """A user presses an inline button of a bot's message (each press is a new callback query)."""
        query = {"id": str(next(self._callback_ids)), "from": self.user(user_id), "chat_instance": f"ci{sent.chat_id}",
                 "message": self._message_dict(sent), "data": data}
        return self._update({"callback_query": query}, queue)

    def migrate(self, old: int, new: int, *, by: int, queue: bool = True) -> list[dict[str, Any]]:
        """An admin (``by``) upgrades the group ``old`` to the supergroup ``new``. Telegram posts a service
        message in each, with ``migrate_to_chat_id`` in the old group and ``migrate_from_chat_id`` in the
        new supergroup (https://core.telegram.org/bots/api#message); from then on the old id is refused.
        Returns the two updates."""
        self._migrated[old] = new
        updates = []
        for chat_id, key, other in ((old, "migrate_to_chat_id", new), (new, "migrate_from_chat_id", old)):
            msg = {"message_id": self._next_message_id(chat_id), "date": next(self._now), "chat": self.chat(chat_id),
                   "from": self.user(by), key: other}
            updates.append(self._update({"message": msg}, queue))
        return updates

    def _update(self, body: dict[str, Any], queue: bool) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **body}
        if queue:
            self._pending.append(update)
            self._notify()
        return update

    def redeliver(self, update: dict[str, Any]) -> None:
        """Hand an update out again. Only an unconfirmed one: the Bot API never returns an update below the
        confirmed offset ("An update is considered confirmed as soon as getUpdates is called with an offset
        higher than its update_id", https://core.telegram.org/bots/api#getupdates)."""
        assert update["update_id"] >= self._confirmed, "Telegram never hands out a confirmed update again"
        if update not in self._pending:
            self._pending.append(update)
            self._pending.sort(key=lambda u: u["update_id"])
        self._notify()

    def network_down_after_next_updates(self) -> None:
        """The network fails right after the next getUpdates answer that carries updates reaches the bot:
        the bot cannot confirm them (a process that dies then leaves them to its successor)."""
        self._cut_after_updates = True

    def _notify(self) -> None:
        async def wake() -> None:
            assert self._changed is not None
            async with self._changed:
                self._changed.notify_all()

        asyncio.get_running_loop().create_task(wake())

    # -- inspection -------------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method and c.status == 200]

    def failed_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status != 200]

    def chat_messages(self, chat_id: int, *, from_bot: bool = True) -> list[Sent]:
        return sorted((m for (c, _), m in self.messages.items() if c == chat_id and (m.from_id == BOT_ID) == from_bot),
                      key=lambda m: m.message_id)

    def fail(self, method: str, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        self._faults.setdefault(method, []).append(_Fault(status, times, retry_after))

    def refuse(self, chat_id: int, answer: tuple[int, str]) -> None:
        """Every message to ``chat_id`` from now on is answered (status, description) — BLOCKED, ..."""
        self.refused[chat_id] = answer

    def lose_answer(self, chat_id: int) -> None:
        """The next sendMessage to ``chat_id`` is taken (it is in the chat) but answered 502 Bad Gateway, as
        when the answer is lost on its way back: the bot cannot tell it arrived (and the Bot API has no
        method to read a chat's messages back: https://core.telegram.org/bots/api#available-methods)."""
        self._lost.append(chat_id)

    def refusals(self, chat_id: int) -> list[Call]:
        return [c for c in self.calls if c.method in _TO_CHAT and c.status != 200
                and str(c.args.get("chat_id")) == str(chat_id)]

    async def wait_for(self, predicate: Callable[[FakeTelegram], object], timeout: float = 5.0) -> None:
        """Wait (bounded) until the bot has made the calls the predicate looks for."""
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: bool(predicate(self))), timeout)

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        await self.wait_for(lambda f: len(f.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    async def wait_message(self, chat_id: int, predicate: Callable[[Sent], bool] = lambda m: True,
                           timeout: float = 5.0) -> Sent:
        await self.wait_for(lambda f: any(predicate(m) for m in f.chat_messages(chat_id)), timeout)
        return next(m for m in self.chat_messages(chat_id) if predicate(m))

    # -- the Bot API ------------------------------------------------------------------------------
    async def _download(self, request: web.Request) -> web.Response:
        """``https://api.telegram.org/file/bot<token>/<file_path>`` (https://core.telegram.org/bots/api#file):
        the file getFile described. Telegram's file server answers a wrong token or path with 404."""
        path = request.match_info["file_path"]
        found = next((f for f in self.files.values() if f.file_path == path), None)
        if request.match_info["token"] != TOKEN or found is None or self.network_down:
            status = 502 if self.network_down else 404
            await self._record(Call("download", {"file_path": path}, status))
            return web.json_response({"ok": False, "error_code": status, "description": "Not Found"}, status=status)
        self.downloads.append(path)
        await self._record(Call("download", {"file_path": path}))
        return web.Response(body=found.content, content_type="application/octet-stream")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        args = await _arguments(request)
        if self.network_down:  # the request never reached Telegram (a proxy in between answers)
            await self._record(Call(method, args, 502))
            return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)
        if method == "getUpdates":
            if self.webhook_url:
                # https://core.telegram.org/bots/api#getupdates: "This method will not work if an outgoing
                # webhook is set up"; the server answers 409.
                return await self._error(method, args, 409, "Conflict: can't use getUpdates method while webhook is "
                                                            "active; use deleteWebhook to delete the webhook first")
            updates = await self._get_updates(args)
            if updates is None:  # https://core.telegram.org/bots/faq: one getUpdates at a time per bot
                return await self._error(method, args, 409, "Conflict: terminated by other getUpdates request; make "
                                                            "sure that only one bot instance is running")
            if updates and self._cut_after_updates:
                self._cut_after_updates, self.network_down = False, True
            return web.json_response({"ok": True, "result": updates})
        moved = self._migrated.get(_int(args.get("chat_id")))
        if moved is not None:
            # https://core.telegram.org/bots/api#responseparameters: "migrate_to_chat_id: The group has been
            # migrated to a supergroup with the specified identifier" — every call naming the old id.
            await self._record(Call(method, args, 400))
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "Bad Request: group chat was upgraded to a supergroup chat",
                                      "parameters": {"migrate_to_chat_id": moved}}, status=400)
        faults = self._faults.get(method)
        if faults:
            fault = faults[0]
            fault.times -= 1
            if fault.times <= 0:
                faults.pop(0)
            return await self._error(method, args, fault.status, _describe(fault.status), fault.retry_after)
        refusal = self.refused.get(_int(args.get("chat_id"))) if method in _TO_CHAT else None
        if refusal is not None:
            return await self._error(method, args, *refusal)
        assert self.flood is not None
        retry_after = self.flood.check(method, args.get("chat_id"))
        if retry_after is not None:
            return await self._error(method, args, 429, f"Too Many Requests: retry after {retry_after}", retry_after)
        try:
            result = self._answer(method, args)
        except _ApiError as err:
            return await self._error(method, args, 400, err.description)
        lost = _int(args.get("chat_id"))
        if method == "sendMessage" and lost in self._lost:
            self._lost.remove(lost)
            return await self._error(method, args, 502, "Bad Gateway")
        await self._record(Call(method, args))
        return web.json_response({"ok": True, "result": result})

    async def _error(self, method: str, args: dict[str, Any], status: int, description: str,
                     retry_after: int | None = None) -> web.Response:
        await self._record(Call(method, args, status))
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    async def _record(self, call: Call) -> None:
        assert self._changed is not None
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _get_updates(self, args: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The updates from the confirmed offset on; None when a newer getUpdates ended this one."""
        offset = int(args.get("offset") or 0)
        timeout = min(float(args.get("timeout") or 0), self.long_poll)
        assert self._changed is not None
        if offset > self._confirmed:  # confirms every update below it, for good
            self._confirmed = offset
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        self._poll += 1
        mine = self._poll

        def due() -> list[dict[str, Any]]:
            return [u for u in self._pending if u["update_id"] >= self._confirmed]

        async with self._changed:
            self._changed.notify_all()  # an older getUpdates still waiting is ended by this one
            if not due() and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(due()) or self._poll != mine), timeout)
            if self._poll != mine:
                return None
            updates = due()
            self.calls.append(Call("getUpdates", args))
            self._changed.notify_all()
        return updates

    def _answer(self, method: str, args: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "dutydesk", "username": BOT_USERNAME,
                    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
        if method in ("sendMessage", "sendDocument"):
            return self._send(method, args)
        if method == "editMessageText":
            return self._edit(args)
        if method == "editMessageReplyMarkup":
            sent = self._find(args)
            if sent.from_id != BOT_ID:
                raise _ApiError("Bad Request: message can't be edited")
            sent.reply_markup = args.get("reply_markup")
            sent.edit_date = next(self._now)
            return self._message_dict(sent)
        if method == "getFile":
            return self._get_file(args)
        if method == "setWebhook":
            self.webhook_url = str(args.get("url") or "")
            return True
        if method == "deleteWebhook":
            self.webhook_url = ""
            if str(args.get("drop_pending_updates")).lower() == "true":
                self._pending = []
            return True
        if method in ("answerCallbackQuery", "setMyCommands", "deleteMyCommands"):
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._pending)}
        raise _ApiError(f"Not Found: method {method} is not faked")

    def _plain(self, args: dict[str, Any]) -> str:
        text = str(args.get("text") or args.get("caption") or "")
        if not text.strip() and "document" not in args:
            raise _ApiError("Bad Request: message text is empty")
        if args.get("parse_mode") == "HTML":
            try:
                text = html_to_plain(text)
            except HtmlError as err:
                raise _ApiError(f"Bad Request: can't parse entities: {err}") from None
        if len(text) > 4096:
            raise _ApiError("Bad Request: message is too long")
        return text

    def _send(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(args["chat_id"])
        plain = self._plain(args)
        reply_to = (args.get("reply_parameters") or {}).get("message_id") or args.get("reply_to_message_id")
        document = args.get("document")
        sent = Sent(chat_id, self._next_message_id(chat_id), str(args.get("text") or args.get("caption") or ""),
                    plain, next(self._now), parse_mode=args.get("parse_mode"), reply_markup=args.get("reply_markup"),
                    reply_to=int(reply_to) if reply_to else None,
                    document=getattr(document, "filename", None) if method == "sendDocument" else None)
        self.messages[(chat_id, sent.message_id)] = sent
        out = self._message_dict(sent)
        if sent.document:
            out["document"] = {"file_id": f"F{sent.message_id}", "file_unique_id": f"U{sent.message_id}",
                               "file_name": sent.document}
        return out

    def _get_file(self, args: dict[str, Any]) -> dict[str, Any]:
        """https://core.telegram.org/bots/api#getfile: "bots can download files of up to 20MB in size"; an
        unknown id is "invalid file_id", a bigger file "file is too big" (both 400)."""
        f = self.files.get(str(args.get("file_id") or ""))
        if f is None:
            raise _ApiError("Bad Request: invalid file_id")
        if len(f.content) > MAX_DOWNLOAD:
            raise _ApiError("Bad Request: file is too big")
        return {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": len(f.content),
                "file_path": f.file_path}

    def _find(self, args: dict[str, Any]) -> Sent:
        key = (int(args["chat_id"]), int(args["message_id"]))
        if key not in self.messages:
            raise _ApiError("Bad Request: message to edit not found")
        return self.messages[key]

    def _edit(self, args: dict[str, Any]) -> dict[str, Any]:
        sent = self._find(args)
        if sent.from_id != BOT_ID:  # https://core.telegram.org/bots/api#editmessagetext: the bot's own messages
            raise _ApiError("Bad Request: message can't be edited")
        plain = self._plain(args)
        markup = args.get("reply_markup")
        if plain == sent.plain and markup == sent.reply_markup:
            raise _ApiError("Bad Request: message is not modified: specified new message content and reply markup "
                            "are exactly the same as a current content and reply markup of the message")
        sent.text, sent.plain, sent.reply_markup = str(args["text"]), plain, markup
        sent.parse_mode, sent.edit_date = args.get("parse_mode"), next(self._now)
        sent.edits += 1
        return self._message_dict(sent)


class _ApiError(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _describe(status: int) -> str:
    return {429: "Too Many Requests: retry after 1", 500: "Internal Server Error", 502: "Bad Gateway"}.get(
        status, f"Error {status}")


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Bot API arguments: PTB sends a form whose complex values (markup, commands) are JSON strings."""
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        args.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str) and key not in ("text", "caption") and value[:1] in "[{":
                args[key] = json.loads(value)
            else:
                args[key] = value
    return args
