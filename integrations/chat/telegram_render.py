"""Telegram's view of the desk: a Reply as HTML and an inline keyboard, the command menu per language,
and the "reply to this message" prompts of buttons that need text. Pure functions (no I/O).

Every inline button's callback_data is the desk command it stands for (Telegram allows 64 bytes; a
control number command is about 30), so pressing it re-enters the desk as that command.
"""

from __future__ import annotations

import html
import re

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from commands.desk.domain.roles import HELP_ORDER
from commands.desk.registry import COMMANDS
from commands.desk.reply import Reply
from commands.domain.i18n.catalog import MESSAGES, t
from commands.incidents.incident import NUMBER

MAX_TEXT = 4096  # characters of one message after entity parsing
MAX_CALLBACK_DATA = 64  # bytes
MAX_ANSWER = 200  # characters of a callback query's answer
# Commands whose text is required after the number: their bare button asks for it in a reply.
NEEDS_TEXT = ("resolve", "reopen", "cancel", "note", "pause")
# The command a prompt stands for; it is visible in the prompt, so a reply can be mapped back to it
# without keeping state (prompts survive restarts).
_PROMPTED = re.compile(r"(/(?:" + "|".join(NEEDS_TEXT) + r") [A-Z][A-Z0-9]*-\d{4}-\d+)")


def escape(text: str) -> str:
    """Telegram HTML needs only <, > and & escaped."""
    return html.escape(text, quote=False)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunks(reply: Reply, *, limit: int = MAX_TEXT - 96) -> list[str]:
    """The reply as HTML messages: the first line bold, then its lines; long replies (a register, a
    timeline) are split at line ends so no message passes Telegram's limit."""
    first, *rest = reply.text.split("\n") if reply.text else [""]
    lines = [f"<b>{escape(_clip(first, limit))}</b>", *(escape(_clip(x, limit)) for x in (*rest, *reply.lines))]
    out: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + len(line) + 1 > limit:
            out.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    out.append("\n".join(current))
    return out


def card_html(reply: Reply) -> str:
    """An incident card: one message, clipped to Telegram's limit (a card is normally a few lines)."""
    return chunks(reply, limit=MAX_TEXT - 96)[0]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons in one row (a card has at most two), or None."""
    row = [InlineKeyboardButton(_clip(b.label, 64), callback_data=b.command) for b in reply.buttons
           if len(b.command.encode()) <= MAX_CALLBACK_DATA]
    return InlineKeyboardMarkup([row]) if row else None


def answer_text(reply: Reply) -> str:
    """What a pressed button answers (a toast, or an alert for a refusal)."""
    return _clip(reply.text, MAX_ANSWER)


def bare_text_command(command: str) -> tuple[str, str] | None:
    """("resolve", "NOI-2026-00001") for a button command that still needs its text, else None."""
    words = command.split()
    if len(words) == 2 and words[0].lstrip("/") in NEEDS_TEXT and NUMBER.match(words[1].upper()):
        return words[0].lstrip("/"), words[1]
    return None


def prompt_html(verb: str, number: str, locale: str, user_id: int, user_name: str) -> str:
    """Asks the presser (mentioned, so a selective ForceReply targets them) for the text."""
    mention = f'<a href="tg://user?id={user_id}">{escape(user_name)}</a>'
    question = escape(t(locale, f"telegram.prompt.{verb}", number=number))
    return f"{mention}, {question}\n<code>/{verb} {escape(number)}</code>"


def prompted_command(prompt_text: str | None) -> str | None:
    """The command a prompt asked text for ("/resolve NOI-2026-00001"), read back from its text."""
    m = _PROMPTED.search(prompt_text or "")
    return m.group(1) if m else None


def menu(locale: str) -> list[BotCommand]:
    """The command menu in one language: every desk command with the help text's description."""
    out = []
    for name in HELP_ORDER:
        if name not in COMMANDS or f"help.{name}" not in MESSAGES:
            continue
        usage = t(locale, f"help.{name}")
        description = usage.split(" — ", 1)[1] if " — " in usage else usage
        out.append(BotCommand(name, _clip(description.strip(), 256)))
    return out
