"""Telegram: the desk in customers' groups and people's private chats, through python-telegram-bot's
Application in the bot's one event loop (initialize/start and the updater, never ``run_polling``).

Inbound, a command (``/ack NOI-2026-00001``, ``/ack@dutydesk_bot ...``), a pressed inline button (its
callback data is the command) or a reply to one of the desk's prompts becomes one desk command. Delivery
ids make repeats harmless: a message is ``msg:<chat>:<message id>`` (update ids are not safe: Telegram
picks them at random again after a quiet week), a button press is ``cb:<chat>:<message>:<its last edit>:
<data>:<user>`` — a double press sends two callback queries with different ids but is one action, while
the same button shown again after a later edit is a new one. The desk records the id with the change, so
a re-delivered update (a webhook retry, a lost polling offset, a restart) changes nothing; recently seen
update ids are also dropped before any work so the answer is not sent twice.

Outbound (the outbox dispatcher): the incident card is posted once per chat, then edited in place, and
each event is sent as a reply to it; pages go to the person's private chat with an Acknowledge button.
Telegram's limits are kept per chat (telegram_limits.py), and updates of different chats are handled side
by side, one chat's in order (telegram_lanes.py), so a busy group holds up only itself. What cannot be
sent soon (a chat's turn is more than DELIVERY_PATIENCE away, Telegram down) raises, so the outbox keeps
the message and retries it later.

A group upgraded to a supergroup is followed to its new id (telegram_moves.py).

A photo or a file a person sends is kept with the incident its caption's command is about, or whose card
it answers in a group (integrations/chat/uploads.py: after the desk ran the command; telegram_files.py:
fetching it; telegram_albums.py: several sent together). docs/telegram.md, "Files".

Long polling by default, started only when the bot's updates are free (no webhook set, no other process
polling: TransportRefused otherwise); a webhook (Starlette under uvicorn) as an option, where the secret
token header must match (403 otherwise, before anything is parsed), and an update whose handling failed
for a passing reason is answered 503 so Telegram delivers it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Literal

from starlette.requests import Request as HttpRequest
from starlette.responses import Response
from telegram import (
    Bot,
    Chat,
    ForceReply,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from commands.desk.registry import COMMANDS
from commands.desk.reply import Form, Reply
from commands.domain.i18n.catalog import LOCALES, t
from commands.incidents.attachments import Refused
from commands.incidents.domain.attachments import clean_filename
from integrations.chat import telegram_files, uploads
from integrations.chat import telegram_render as render
from integrations.chat.base import TransportRefused
from integrations.chat.card_core import ChatTransport, Config, Database, Desk, Destination, Meta
from integrations.chat.http_body import read_bounded
from integrations.chat.telegram_albums import Albums
from integrations.chat.telegram_files import Incoming, NotFetched, download_limit, files_of
from integrations.chat.telegram_guide import IncidentGuide
from integrations.chat.telegram_lanes import ChatLanes
from integrations.chat.telegram_limits import PATIENCE, ChatRateLimiter
from integrations.chat.telegram_moves import GroupMoves
from storage.chat_refs import ChatRefs
from storage.db_errors import is_transient
from storage.models import OutboxMessage
from storage.register import Register

log = logging.getLogger(__name__)
Mode = Literal["polling", "webhook"]
TELEGRAM = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
HTML = ParseMode.HTML
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# 400 answers no retry can fix (https://core.telegram.org/bots/api#making-requests): the chat is gone or
# the bot is not in it; the text cannot be parsed or is too long (a defect, reported rather than looped).
PERMANENT_BAD_REQUESTS = ("chat not found", "user not found", "group chat was deactivated", "peer_id_invalid",
                          "have no rights to send", "not enough rights", "can't parse entities",
                          "message is too long", "message text is empty")
# The outbox dispatcher waits this long at most for a chat's turn under Telegram's limits; a longer wait
# fails the attempt at once (RetryAfter) and the outbox tries again later, so one busy group does not
# hold up a dispatcher tick's other messages.
DELIVERY_PATIENCE = 5.0
# What a person may send for the desk to keep (a message carries one of them; a photo in several sizes).
FILES = filters.PHOTO | filters.Document.ALL | filters.VIDEO | filters.AUDIO | filters.VOICE
# How long a file of an album waits for the album's captioned message (telegram_albums.py).
ALBUM_WAIT = 3.0


class _Recent:
    """Keys seen in the last ``ttl`` seconds (bounded memory; a restart forgets them, the desk does not)."""

    def __init__(self, ttl: float = 3600.0) -> None:
        self.ttl = ttl
        self._seen: dict[object, float] = {}

    def add(self, key: object) -> bool:
        """Remember the key; False if it was seen already."""
        now = time.monotonic()
        if len(self._seen) > 10_000:
            self._seen = {k: at for k, at in self._seen.items() if now - at < self.ttl}
        at = self._seen.get(key)
        if at is not None and now - at < self.ttl:
            return False
        self._seen[key] = now
        return True

    def forget(self, key: object) -> None:
        """Take the key back: its delivery was not handled, and the repeat must be."""
        self._seen.pop(key, None)


def _polling_error(exc: TelegramError) -> None:
    """PTB's polling loop retries after an error (backing off up to 30 s); say clearly what a 409 means."""
    if isinstance(exc, Conflict):
        log.error("Telegram refused getUpdates (409 Conflict: %s): another process polls with this bot's token, or "
                  "a webhook was set; each gets only part of the updates until one of them stops", exc)
    else:
        log.warning("polling Telegram failed (retried): %s: %s", type(exc).__name__, exc)


def _chat_id(chat_id: str) -> int | str:
    """Config keeps chat ids as strings; the API wants numbers (or "@channelname")."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


class TelegramTransport(ChatTransport):
    name = TELEGRAM  # Telegram cannot list a chat's messages: an in-doubt post is posted again (can_look False)

    def __init__(self, desk: Desk, db: Database, config: Config, *, token: str, base_url: str | None = None,
                 mode: Mode = "polling", webhook_secret: str | None = None, webhook_url: str | None = None,
                 webhook_host: str = "127.0.0.1", webhook_port: int = 8443, webhook_path: str = "/telegram/webhook",
                 poll_interval: float = 0.0, poll_timeout: float = 10.0, poll_probe: float = 2.5,
                 delete_webhook: bool = False, file_url: str | None = None,
                 rate_limiter: BaseRateLimiter[Any] | None = None, album_wait: float = ALBUM_WAIT,
                 album_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if mode == "webhook" and not webhook_secret:
            raise ValueError("Telegram webhook mode needs a secret token (TELEGRAM_WEBHOOK_SECRET)")
        super().__init__(desk, db, config)
        self.mode = mode
        builder = (Application.builder().token(token).rate_limiter(rate_limiter or ChatRateLimiter())
                   .concurrent_updates(ChatLanes()))
        if base_url:  # a local Bot API server or the tests' fake: "http://host:port/bot" (the token is appended)
            builder = builder.base_url(base_url).base_file_url(base_url.removesuffix("bot") + "file/bot")
        if file_url:  # where files are downloaded from, when not beside the API: "http://host:port/file/bot"
            builder = builder.base_file_url(file_url)
        if mode == "webhook":
            builder = builder.updater(None)
        self.app = builder.build()
        self._secret = webhook_secret or ""
        self._webhook = (webhook_url, webhook_host, webhook_port, webhook_path)
        self._polling = (poll_interval, poll_timeout)
        self._probe, self._delete_webhook = poll_probe, delete_webhook
        self._updates = _Recent()
        self._unhandled: set[int] = set()  # webhook updates that failed for a passing reason: not answered 2XX
        self._prompts = _Recent(ttl=60.0)
        self._albums: Albums[Update] = Albums()
        self._album_wait, self._album_sleep = album_wait, album_sleep
        self._album_waits: set[asyncio.Task[None]] = set()
        self._chats = self.directory.served_channels(TELEGRAM)  # the customers' and the contractor's
        self.moves = GroupMoves(desk.services, self._chats)  # groups upgraded to supergroups (a new id)
        self.guide = IncidentGuide(self.directory, self._command, self._form_customer)
        self._register()

    @property
    def bot(self) -> Bot:
        return self.app.bot

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        try:
            moved = await self.moves.load()
        except Exception as exc:  # started while the database is away: reports go to the desk's journal
            if not is_transient(exc):
                raise
            log.warning("Telegram group upgrades not loaded, the database does not answer (until restart, a "
                        "group's new id is not followed): %s", exc)
            moved = {}
        for old, new in moved.items():
            log.warning("Telegram group %s is the supergroup %s since an upgrade: the desk follows it; replace %s "
                        "with %s in the configuration", old, new, old, new)
        await self.app.initialize()  # getMe: the bot's username, so /ack@other_bot is not ours
        if self.mode == "polling":
            try:
                await self._check_polling_is_free()
            except BaseException:
                await self.app.shutdown()
                raise
        await self.set_commands()
        await self.app.start()
        url, host, port, path = self._webhook
        if self.mode == "polling":
            assert self.app.updater is not None
            interval, timeout = self._polling
            await self.app.updater.start_polling(poll_interval=interval, timeout=timedelta(seconds=timeout),
                                                 allowed_updates=ALLOWED_UPDATES, error_callback=_polling_error)
            return
        if url:
            await self.bot.set_webhook(url=url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES)
        await self.serve(path, self._webhook_endpoint, host, port)

    async def _check_polling_is_free(self) -> None:
        """Refuse to poll where the updates are someone else's: a webhook is set (getUpdates would be
        refused, and PTB would delete it silently), or another process polls with this token (the two
        would end each other's getUpdates with 409 Conflict, and each get part of the updates).

        Another poller shows itself by ending our waiting getUpdates within a second or two (it polls
        again at once, or a second after its own 409); the probe never confirms an update."""
        info = await self.bot.get_webhook_info()
        if info.url:
            if not self._delete_webhook:
                raise TransportRefused(
                    f"a webhook is set for this bot ({info.url}): Telegram sends the updates there and refuses "
                    "getUpdates. Run the desk with TELEGRAM_MODE=webhook, or delete that webhook, or set "
                    "TELEGRAM_DELETE_WEBHOOK=1 to have the desk delete it and poll")
            log.warning("deleting the bot's webhook %s (TELEGRAM_DELETE_WEBHOOK is set): polling instead", info.url)
            await self.bot.delete_webhook()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._probe
        while (left := deadline - loop.time()) > 0:
            try:
                updates = await self.bot.get_updates(timeout=max(1, math.ceil(left)), allowed_updates=ALLOWED_UPDATES)
            except Conflict as exc:
                raise TransportRefused(
                    f"another process is polling Telegram with this bot's token ({exc}). Stop it (or give this "
                    "desk another bot), then start again; two pollers would each get part of the updates") from None
            if updates:  # pending updates come back at once (left unconfirmed for the updater): ask again
                await asyncio.sleep(min(0.5, left))

    async def stop_receiving(self) -> None:
        """Fetch no new updates (stop polling, or the webhook); the bot still sends and edits."""
        await self.stop_serving()
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()

    async def stop(self) -> None:
        await self.stop_receiving()
        for task in list(self._album_waits):
            task.cancel()
        if self.app.running:  # processes the updates already fetched, then stops
            await self.app.stop()
        await self.app.shutdown()

    async def set_commands(self) -> None:
        """The command menu in each language the desk speaks (English also as the default)."""
        try:
            await self.bot.set_my_commands(render.menu("en"))
            for locale in LOCALES:
                await self.bot.set_my_commands(render.menu(locale), language_code=locale)
        except Exception:  # a menu is a convenience: the desk works without it
            log.exception("could not set the Telegram command menu")

    async def _webhook_endpoint(self, request: HttpRequest) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            return Response(status_code=403)
        body = await read_bounded(request)
        if body is None:
            return Response(status_code=413)
        try:
            update = Update.de_json(json.loads(body), self.bot)
        except Exception:
            return Response(status_code=400)
        # Processed before answering: a 200 means done. What failed for a passing reason (the database was
        # unreachable) is answered 503, and Telegram sends it again ("In case of an unsuccessful request
        # ... we will repeat the request", https://core.telegram.org/bots/api#setwebhook).
        await self.app.update_processor.process_update(update, self.app.process_update(update))  # its chat's lane
        if update.update_id in self._unhandled:
            self._unhandled.discard(update.update_id)
            self._updates.forget(update.update_id)  # the repeat is not a duplicate: nothing was done
            return Response(status_code=503)
        return Response(status_code=200)

    # -- inbound --------------------------------------------------------------------------------
    def _register(self) -> None:
        new = filters.UpdateType.MESSAGE  # edits of old messages are not new commands
        self.app.add_handler(TypeHandler(Update, self._once), group=-1)
        self.app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        self.app.add_handler(self.guide.handler())
        self.app.add_handler(CommandHandler([*COMMANDS, "start"], self._on_command, filters=new))
        self.app.add_handler(CallbackQueryHandler(self._on_button))
        self.app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, self._on_text))
        self.app.add_handler(MessageHandler(new & filters.COMMAND & filters.ChatType.PRIVATE, self._on_command))
        self.app.add_handler(MessageHandler(new & FILES, self._on_file))
        self.app.add_error_handler(self._on_error)

    async def _once(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self._updates.add(update.update_id):
            log.info("update %s was delivered again: ignored", update.update_id)
            raise ApplicationHandlerStop
        chat = update.effective_chat
        if chat is not None and not self._known_chat(chat.id, chat.type):
            await self.moves.load()  # another replica may have followed this group's upgrade

    # -- a group upgraded to a supergroup (telegram_moves.py) ---------------------------------------
    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The service messages of an upgrade: ``migrate_to_chat_id`` in the old group,
        ``migrate_from_chat_id`` in the new supergroup (https://core.telegram.org/bots/api#message)."""
        msg = update.effective_message
        if msg is None:
            return
        if msg.migrate_to_chat_id:
            await self.moves.follow(str(msg.chat_id), str(msg.migrate_to_chat_id), "service message")
        elif msg.migrate_from_chat_id:
            await self.moves.follow(str(msg.migrate_from_chat_id), str(msg.chat_id), "service message")

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed: %r", update, exc_info=context.error)
        if isinstance(update, Update) and context.error is not None and is_transient(context.error):
            self._keep(update)

    def _keep(self, update: Update) -> bool:
        """In webhook mode, leave an update whose handling failed for a passing reason to Telegram's
        re-delivery instead of answering it now (polling has confirmed it already: the person is told)."""
        if self.mode != "webhook":
            return False
        log.warning("update %s failed for a passing reason: Telegram will deliver it again", update.update_id)
        self._unhandled.add(update.update_id)
        return True

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        assert msg is not None and msg.text is not None
        head, _, rest = msg.text.partition(" ")
        line = f"/help {rest}".strip() if head.split("@")[0] == "/start" else msg.text
        await self._command(update, line)

    async def _command(self, update: Update, line: str, form: Form | None = None) -> None:
        """Run one line (or the fields a guide or a prompt separated) as the message's sender and answer
        in the chat, as a reply to the message."""
        msg, user = update.effective_message, update.effective_user
        if msg is None or user is None:
            return
        reply = await self._run(line, user, msg.chat, f"msg:{msg.chat_id}:{msg.message_id}", form)
        if reply.transient and self._keep(update):
            return
        await self._send_reply(msg.chat_id, reply, reply_to=msg.message_id)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to one of the desk's prompts completes its command; in a private chat a line without
        the slash is a command too ("ack NOI-2026-00001"). Anything else is people talking."""
        msg = update.effective_message
        if msg is None or not msg.text:
            return
        asked = msg.reply_to_message
        if asked is not None and asked.from_user is not None and asked.from_user.id == self.bot.id:
            command = render.prompted_command(asked.text)
            if command is not None:  # "/resolve NOI-2026-00001": the answer is its text, as typed
                verb, _, number = command.lstrip("/").partition(" ")
                await self._command(update, f"/{verb}", Form(verb, (number,), msg.text.strip()))
                return
        if msg.chat.type == ChatType.PRIVATE:
            await self._command(update, f"/{msg.text.strip()}")

    # -- files (docs/telegram.md, "Files") -------------------------------------------------------
    async def _on_file(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo or a file: its caption's command runs through the desk as a typed one would, or, as an
        answer to an incident's card, it is a note on that incident; the file is kept with the incident the
        desk's answer is about. In an album, the files without a caption go with the captioned one's."""
        msg, user = update.effective_message, update.effective_user
        if msg is None or user is None or not files_of(msg):
            return
        chat = msg.chat
        album = (chat.id, f"{msg.media_group_id}:{user.id}") if msg.media_group_id else None
        if album is not None and not msg.caption:
            state = self._albums.get(album)
            if state is not None and state.closed:
                await self._album_file(update, state.number)
                return
        line = await self._file_command(msg, user)
        if line is None:
            if album is not None:  # the album's caption may come in the next message: wait for it
                if self._albums.hold(album, update):
                    self._wait_for_album(album)
            elif chat.type == ChatType.PRIVATE:
                await self._send_reply(chat.id, self._which_incident(user, chat), reply_to=msg.message_id)
            return  # a group's chatter: not every photo is the desk's
        reply = await self._run(line, user, chat, f"msg:{chat.id}:{msg.message_id}")
        if reply.transient and self._keep(update):
            return
        number = reply.control_number if not reply.is_error else None
        state = self._albums.get(album) if album is not None else None
        held = list(state.held) if state is not None and not state.closed else []  # came before the caption
        if number is not None:
            files = [f for u in (update, *held) if u.effective_message for f in files_of(u.effective_message)]
            kept = await self._keep_files(update, reply, files)
            if kept is None:
                return  # Telegram delivers it again (the album's files held stay held for it)
            reply = kept
        elif not reply.is_error:  # "/help" with a photo: answered, and the file's fate said
            reply = uploads.with_lines(reply, [self._which_incident(user, chat).text])
        if album is not None:
            self._albums.close(album, number)
        await self._send_reply(chat.id, reply, reply_to=msg.message_id)

    async def _file_command(self, msg: Message, user: User) -> str | None:
        """The command a message with a file stands for: its caption's (``/note NOI-2026-00001 logs``; in a
        private chat also without the slash, as typed text is), else a note on the incident whose card it
        answers; None when it names none (or is another bot's command)."""
        caption = (msg.caption or "").strip()
        private = msg.chat.type == ChatType.PRIVATE
        if caption.startswith("/"):
            head, *rest = caption.split(maxsplit=1)
            verb, _, bot = head[1:].partition("@")
            if bot and bot.lower() != (self.bot.username or "").lower():
                return None
            if verb == "start":
                return f"/help {' '.join(rest)}".strip()
            return caption if private or verb in COMMANDS else None
        number = await self._card_number(msg)
        if number is not None:
            return uploads.thread_note(number, caption, self._locale(user.id, msg.chat_id, f"/note {number}"))
        return uploads.command_of(caption) if private else None

    async def _card_number(self, msg: Message) -> str | None:
        """The control number of the incident whose card the message answers, if it does."""
        asked = msg.reply_to_message
        if asked is None or asked.from_user is None or asked.from_user.id != self.bot.id:
            return None
        chat, ref = str(msg.chat_id), str(asked.message_id)

        def lookup(session: Any) -> str | None:
            iid = ChatRefs(session).incident_of(TELEGRAM, chat, ref)
            inc = Register(session).by_id(iid) if iid is not None else None
            return inc.control_number if inc is not None else None

        number: str | None = await self.db.read(lookup)
        return number

    async def _keep_files(self, update: Update, reply: Reply, files: list[Incoming]) -> Reply | None:
        """``reply`` with a line per file fetched and kept with its incident by the message's sender (or why
        not: uploads.py); None when a passing failure to fetch leaves the update to Telegram's re-delivery
        (webhook: the command's repeat is answered as the first was, and the files are fetched again)."""
        msg, user = update.effective_message, update.effective_user
        assert msg is not None and user is not None
        limits = self.config.desk.attachments

        async def fetch() -> uploads.Fetched:
            try:
                got, refused = await telegram_files.fetch(self.bot, files, limits.max_bytes)
            except NotFetched as err:
                if self.mode == "webhook":
                    raise
                log.warning("Telegram files of message %s not fetched: %s", msg.message_id, err)
                got, refused = [], [Refused(clean_filename(f.filename), uploads.UNAVAILABLE) for f in files]
            return uploads.Fetched(got, refused)

        try:
            return await uploads.keep_with_reply(self, reply, fetch, user=str(user.id),
                                                 channel=self.moves.configured(msg.chat_id),
                                                 limit=download_limit(limits.max_bytes))
        except NotFetched:
            self._keep(update)
            return None

    async def _album_file(self, update: Update, number: str | None) -> None:
        """A file of an album whose captioned message resolved: kept with its incident without an answer
        (the captioned message's answered), unless it was refused; dropped when the album's command was."""
        msg, user = update.effective_message, update.effective_user
        if number is None or msg is None or user is None:
            return
        locale = self._locale(user.id, msg.chat_id, f"/note {number}")
        kept = await self._keep_files(update, Reply(text="", locale=locale, control_number=number), files_of(msg))
        refusals = [line for line in kept.lines if not line.startswith(self._kept_prefix(locale))] if kept else []
        if not refusals:
            return
        first, *refusals = refusals
        await self._send_reply(msg.chat_id, Reply(text=first, lines=tuple(refusals), kind="error",
                                                  locale=locale, control_number=number), reply_to=msg.message_id)

    @staticmethod
    def _kept_prefix(locale: str) -> str:
        return t(locale, "mail.files_kept", names="")

    def _wait_for_album(self, album: tuple[int, str]) -> None:
        async def wait() -> None:
            await self._album_sleep(self._album_wait)
            state = self._albums.get(album)
            if state is None or state.closed:
                return
            held = self._albums.close(album, None)  # no caption came: one answer for the album
            first = held[0].effective_message if held else None
            user = held[0].effective_user if held else None
            if first is not None and user is not None and first.chat.type == ChatType.PRIVATE:
                await self._send_reply(first.chat_id, self._which_incident(user, first.chat),
                                       reply_to=first.message_id)

        task = asyncio.get_running_loop().create_task(wait())
        self._album_waits.add(task)
        task.add_done_callback(self._album_waits.discard)

    def _which_incident(self, user: User, chat: Chat) -> Reply:
        """The polite answer to files that name no incident, in the person's language."""
        return uploads.which_incident(self, str(user.id), self.moves.configured(chat.id))

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        data, user, msg = query.data or "", query.from_user, query.message
        if msg is None or not isinstance(msg, Message):  # too old to be shown: nothing to act on
            await query.answer()
            return
        chat = msg.chat
        stamp = int((msg.edit_date or msg.date).timestamp())
        press = f"{chat.id}:{msg.message_id}:{stamp}:{data}:{user.id}"
        bare = render.bare_text_command(data)
        if bare is not None and self.ask.may(str(user.id), self.moves.configured(chat.id), data):
            await query.answer()
            if self._prompts.add(press):  # a double press asks once
                await self._prompt(chat.id, user, *bare)
            return
        reply = await self._run(data, user, chat, f"cb:{press}")
        if reply.transient and self._keep(update):
            return  # answered when Telegram delivers the press again
        try:
            await query.answer(render.answer_text(reply), show_alert=reply.is_error)
        except Exception:  # an expired query: the action is done and the card shows it
            log.warning("could not answer callback query %s", query.id, exc_info=True)
        if chat.type == ChatType.PRIVATE and not reply.is_error:
            # A page becomes the next step's controls (acknowledged → on site / remote ...).
            with contextlib.suppress(TelegramError):
                await msg.edit_reply_markup(render.keyboard(reply))

    async def _prompt(self, chat_id: int, user: User, verb: str, number: str) -> None:
        locale = self._locale(user.id, chat_id, f"/{verb} {number}")
        text = render.prompt_html(verb, number, locale, user.id, user.full_name)
        markup = ForceReply(selective=True, input_field_placeholder=t(locale, "telegram.prompt.placeholder")[:64])
        await self.bot.send_message(chat_id, text, parse_mode=HTML, reply_markup=markup)

    async def _run(self, line: str, user: User, chat: Chat, delivery_id: str, form: Form | None = None) -> Reply:
        return await self.run(line, str(user.id), self.moves.configured(chat.id), delivery_id, form,
                              served=self._known_chat(chat.id, chat.type),
                              unknown=("telegram.unknown_chat", {"chat": chat.id}))

    def _known_chat(self, chat_id: int, chat_type: str) -> bool:
        # A private chat belongs to the person; groups must be configured for a customer (or be one's
        # group under its new id after an upgrade).
        return chat_type == ChatType.PRIVATE or str(chat_id) in self._chats or self.moves.moved_here(chat_id)

    def _locale(self, user_id: int, chat_id: int, command: str = "") -> str:
        """The language of this transport's own sentences: the desk's (``Asker``), in the chat the config knows."""
        return self.ask.locale(str(user_id), self.moves.configured(chat_id), command)

    def _form_customer(self, user_id: int, chat_id: int, chat_type: str) -> tuple[str, str] | None:
        """(customer, locale) of the guided /incident in this chat, or None (the desk answers instead)."""
        if not self._known_chat(chat_id, chat_type):
            return None
        return self.ask.form_customer(str(user_id), self.moves.configured(chat_id))

    async def _send_reply(self, chat_id: int, reply: Reply, *, reply_to: int | None = None) -> None:
        """The answer to a command: HTML, split if long, the buttons under the last part."""
        try:
            try:
                await self._send(chat_id, reply, reply_to=reply_to)
            except ChatMigrated as moved:  # the group was upgraded meanwhile: answer in the supergroup
                await self.moves.follow(str(chat_id), str(moved.new_chat_id), "error")
                await self._send(moved.new_chat_id, reply, reply_to=reply_to)
        except Exception:  # the work is done and recorded; only the courtesy answer is lost
            log.exception("could not answer in Telegram chat %s", chat_id)

    async def _send(self, chat_id: int | str, reply: Reply, *, reply_to: int | None = None) -> Message:
        parts = render.chunks(reply)
        sent: Message | None = None
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            sent = await self.bot.send_message(
                chat_id, part, parse_mode=HTML, reply_markup=render.keyboard(reply) if last else None,
                reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None and i == 0 else None,
                link_preview_options=NO_PREVIEW)
        if reply.attachment is not None:
            att = reply.attachment
            await self.bot.send_document(chat_id, InputFile(att.content, filename=att.filename))
        assert sent is not None
        return sent

    # -- outbound: the platform's calls under the transport core (card_core.py) ------------------
    async def _deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        patience = PATIENCE.set(DELIVERY_PATIENCE)
        try:
            try:
                await super()._deliver(destination, reply, message)
            except ChatMigrated as moved:  # a group upgraded to a supergroup: follow it, send there
                await self.moves.follow(self.moves.current(destination.chat_id), str(moved.new_chat_id), "error")
                await super()._deliver(destination, reply, message)
        finally:
            PATIENCE.reset(patience)

    async def chat_for(self, destination: Destination) -> str:
        return self.moves.current(destination.chat_id)  # after an upgrade, the supergroup: a card there is new

    async def post(self, chat: str, reply: Reply, *, card: bool, meta: Meta) -> str:
        """A card is one message (clipped to the limit); anything else is split at the limit."""
        if not card:
            return str((await self._send(_chat_id(chat), reply)).message_id)
        posted = await self.bot.send_message(_chat_id(chat), render.card_html(reply), parse_mode=HTML,
                                             reply_markup=render.keyboard(reply), link_preview_options=NO_PREVIEW)
        return str(posted.message_id)

    async def post_line(self, chat: str, text: str, *, thread: str, meta: Meta) -> str:
        posted = await self.bot.send_message(_chat_id(chat), render.escape(text), parse_mode=HTML,
                                             reply_parameters=ReplyParameters(int(thread),
                                                                              allow_sending_without_reply=True))
        return str(posted.message_id)

    async def edit(self, chat: str, ref: str, reply: Reply, *, card: bool) -> bool:
        try:
            await self.bot.edit_message_text(render.card_html(reply), chat_id=_chat_id(chat), message_id=int(ref),
                                             parse_mode=HTML, reply_markup=render.keyboard(reply),
                                             link_preview_options=NO_PREVIEW)
        except BadRequest as err:
            problem = str(err).lower()
            if "not modified" in problem:
                return True  # a retry after the edit went through
            if "not found" in problem or "can't be edited" in problem:
                return False  # someone deleted it
            raise
        return True

    def refusal(self, error: Exception) -> str | None:
        # 403: "bot was blocked by the user", "bot can't initiate conversation with a user" (they never
        # pressed Start: https://core.telegram.org/bots#how-are-bots-different-from-users), "bot was
        # kicked from the group chat": no retry helps until a person acts
        if isinstance(error, Forbidden):
            return str(error)
        if isinstance(error, BadRequest) and any(p in str(error).lower() for p in PERMANENT_BAD_REQUESTS):
            return str(error)
        return None
