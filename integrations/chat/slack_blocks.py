"""Block Kit for the desk: a Reply as a message, the incident modal, the "what was done" modal, and the
commands their submissions stand for. Pure functions (no I/O), so they are easy to test and to read.

Every button's value is the desk command it stands for; pressing it re-enters the desk as that command.
"""

from __future__ import annotations

import json
from typing import Any

from commands.desk.reply import Form, Reply
from commands.domain.config import CustomerConfig
from commands.domain.i18n.catalog import t
from commands.incidents.views import category_title
from integrations.chat import slack_text

ACTION_PREFIX = "desk:"  # action_id of every desk button: "desk:0", "desk:1", ... (unique per block)
INCIDENT_VIEW = "desk_incident"
TEXT_VIEW = "desk_text"
# Commands whose text is required after the number: a bare button of one of these opens a text modal.
NEEDS_TEXT = ("resolve", "reopen", "cancel", "note", "pause")

Block = dict[str, Any]

# Slack's limits (https://api.slack.com/reference/block-kit/blocks): a message holds at most 50 blocks,
# a section's text at most 3000 characters, a header's 150; a message's text is cut by Slack after
# 40,000 characters (https://api.slack.com/methods/chat.postMessage#truncating) and is refused as
# msg_too_long beyond; as a notification, 3000 are plenty.
MAX_BLOCKS = 50
SECTION_MAX = 3000
HEADER_MAX = 150
NOTIFICATION_MAX = 3000
# https://api.slack.com/reference/block-kit/block-elements#input: a plain_text_input's max_length is at
# most 3000; a longer text the desk accepts is asked for in more than one box.
INPUT_MAX = 3000
MAX_BOXES = 6  # boxes of one text at most (the desk takes at most 16,000 characters of one message)


def _plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object (not parsed by Slack: the desk's own words and the config's names only)."""
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…", "emoji": True}


def fallback_text(reply: Reply) -> str:
    """The message's ``text``: the notification (and what screen readers and old clients show),
    escaped like every mrkdwn field and cut, with "…", to ``NOTIFICATION_MAX``."""
    return slack_text.clip(reply.as_text(), NOTIFICATION_MAX)


def message_text(line: str) -> str:
    """A message that is only text (a card's thread event): escaped, within Slack's text limit."""
    return slack_text.clip(line, NOTIFICATION_MAX)


def reply_blocks(reply: Reply, *, header: bool = False) -> list[Block]:
    """A Reply as blocks: its first line (a header for incident cards), its lines, its buttons.

    The text goes into as many sections as it needs (each at most ``SECTION_MAX``, cut between typed
    characters); if even ``MAX_BLOCKS`` blocks cannot hold it, the last block says how much is not shown.
    """
    blocks: list[Block] = []
    lines: list[str] = []
    if header:
        blocks.append({"type": "header", "text": _plain(reply.text, HEADER_MAX)})
    else:
        first = slack_text.escape(reply.text)
        lines.append(slack_text.bold(first) if reply.lines else first)
    lines.extend(slack_text.escape(x) for x in reply.lines)
    actions = _actions(reply)
    room = MAX_BLOCKS - len(blocks) - (1 if actions else 0)
    sections = slack_text.chunks(lines, SECTION_MAX, max_pieces=room)
    if len(sections) > room:
        sections = sections[: room - 1]
        shown = sum(len(slack_text.unescape(x)) for x in sections)
        hidden = max(1, len(reply.as_text()) - shown)
        note = t(reply.locale, "slack.cut", count=hidden)
        blocks.extend({"type": "section", "text": {"type": "mrkdwn", "text": x}} for x in sections)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"{slack_text.ELLIPSIS} {note}"}]})
    else:
        blocks.extend({"type": "section", "text": {"type": "mrkdwn", "text": x}} for x in sections)
    if actions:
        blocks.append(actions)
    return blocks


def _actions(reply: Reply) -> Block | None:
    if not reply.buttons:
        return None
    elements = []
    for i, button in enumerate(reply.buttons[:25]):
        element: dict[str, Any] = {"type": "button", "action_id": f"{ACTION_PREFIX}{i}",
                                   "text": _plain(button.label, 75), "value": button.command[:2000]}
        if button.style in ("primary", "danger"):
            element["style"] = button.style
        elements.append(element)
    return {"type": "actions", "block_id": "desk_actions", "elements": elements}


# -- modals ----------------------------------------------------------------------------------------

def _options(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"text": _plain(label, 75), "value": value} for value, label in pairs[:100]]


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False,
           hint: str | None = None) -> Block:
    block = {"type": "input", "block_id": block_id, "label": _plain(label, 2000), "optional": optional,
             "element": element}
    if hint:
        block["hint"] = _plain(hint, 2000)
    return block


def _box_ids(block_id: str, limit: int) -> list[str]:
    """The block ids of a long text's boxes: "description", "description_2", ... (one per 3000)."""
    count = min(MAX_BOXES, max(1, -(-limit // INPUT_MAX)))
    return [block_id, *(f"{block_id}_{n}" for n in range(2, count + 1))]


def _long_text(block_id: str, label: str, locale: str, limit: int) -> list[Block]:
    """A text the desk accepts up to ``limit`` characters, in boxes of at most 3000 (Slack's limit of a
    text input): the first says the limit; each further box, optional, continues the text."""
    ids = _box_ids(block_id, limit)
    hint = (t(locale, "slack.modal.limit", limit=limit) if len(ids) == 1
            else t(locale, "slack.modal.limit_split", limit=limit, first=INPUT_MAX))
    blocks, left = [], limit
    for n, box in enumerate(ids):
        element = {"type": "plain_text_input", "action_id": "value", "multiline": True,
                   "max_length": min(left, INPUT_MAX)}
        left -= INPUT_MAX
        if n == 0:
            blocks.append(_input(box, label, element, hint=hint))
        else:
            blocks.append(_input(box, t(locale, "slack.modal.continued", label=label), element, optional=True,
                                 hint=t(locale, "slack.modal.continued_hint")))
    return blocks


def incident_modal(customer: CustomerConfig, locale: str, metadata: dict[str, str], max_description: int) -> Block:
    """The modal of a bare /incident: category, component, description, optional reported time."""
    categories = [(key, category_title(customer, key, locale)) for key in customer.categories]
    components = [(key, f"{c.label or key.upper()} — {c.name}") for key, c in customer.components.items()]
    return {
        "type": "modal",
        "callback_id": INCIDENT_VIEW,
        "private_metadata": json.dumps(metadata),
        "title": _plain(t(locale, "slack.modal.incident"), 24),
        "submit": _plain(t(locale, "slack.modal.register"), 24),
        "close": _plain(t(locale, "slack.modal.close"), 24),
        "blocks": [
            _input("category", t(locale, "slack.modal.category"),
                   {"type": "static_select", "action_id": "value", "options": _options(categories)}),
            _input("component", t(locale, "slack.modal.component"),
                   {"type": "static_select", "action_id": "value", "options": _options(components)}),
            *_long_text("description", t(locale, "slack.modal.description"), locale, max_description),
            _input("reported", t(locale, "slack.modal.reported"),
                   {"type": "plain_text_input", "action_id": "value", "max_length": 100,
                    "placeholder": _plain(t(locale, "slack.modal.reported_hint"), 150)}, optional=True),
        ],
    }


def text_modal(command: str, number: str, locale: str, metadata: dict[str, str], limit: int) -> Block:
    """Asks for the text a bare button command needs ("/resolve N" → what was done)."""
    return {
        "type": "modal",
        "callback_id": TEXT_VIEW,
        "private_metadata": json.dumps({**metadata, "cmd": command, "n": number}),
        "title": _plain(t(locale, f"slack.modal.{command}"), 24),
        "submit": _plain(t(locale, "slack.modal.send"), 24),
        "close": _plain(t(locale, "slack.modal.close"), 24),
        "blocks": _long_text("text", t(locale, f"slack.modal.{command}.label", number=number), locale, limit),
    }


def _raw(view: dict[str, Any], block_id: str) -> str | None:
    field = view.get("state", {}).get("values", {}).get(block_id, {}).get("value") or {}
    if field.get("type") == "static_select":
        selected = field.get("selected_option") or {}
        return str(selected.get("value") or "")
    value = field.get("value")
    return None if value is None else str(value)


def _value(view: dict[str, Any], block_id: str) -> str:
    return (_raw(view, block_id) or "").strip()


def long_value(view: dict[str, Any], block_id: str) -> str:
    """A long text's boxes as one text: a box that was full runs on into the next; after a box that was
    not full, the next one starts a new line."""
    text, previous_full = "", False
    for box in _box_ids(block_id, INPUT_MAX * MAX_BOXES):
        raw = _raw(view, box) or ""
        full = len(raw) >= INPUT_MAX
        if raw.strip():
            piece = raw if previous_full else raw.lstrip()
            piece = piece if full else piece.rstrip()
            text = f"{text}{piece}" if previous_full or not text else f"{text}\n{piece}"
        previous_full = full
    return text.strip()


def long_value_errors(view: dict[str, Any], block_id: str, limit: int, locale: str) -> dict[str, str]:
    """Slack's inline errors ({block id: message}) when the boxes together exceed ``limit``."""
    length = len(long_value(view, block_id))
    if length <= limit:
        return {}
    filled = [b for b in _box_ids(block_id, limit) if _value(view, b)]
    return {filled[-1] if filled else block_id: t(locale, "error.too_long", length=length, limit=limit)}


def incident_form(view: dict[str, Any]) -> Form:
    """What a submitted incident modal says, field by field (nothing in it is parsed again)."""
    reported = _value(view, "reported")
    return Form("incident", fields=(_value(view, "category"), _value(view, "component")),
                text=long_value(view, "description"), options={"reported": reported} if reported else {})


def text_form(view: dict[str, Any], metadata: dict[str, str]) -> Form:
    """What a submitted text modal says: the command of its button, the number, the typed text."""
    command, number = metadata["cmd"], metadata.get("n", "")
    if not number:  # a modal opened before the number was kept on its own: "cmd" is "/resolve N"
        command, _, number = command.lstrip("/").partition(" ")
    return Form(command.lstrip("/"), fields=(number.strip(),), text=long_value(view, "text"))


def bare_text_command(command: str) -> tuple[str, str] | None:
    """("resolve", "NOI-2026-00001") when a button command lacks the text it needs, else None."""
    words = command.split()
    if len(words) == 2 and words[0].startswith("/") and words[0][1:] in NEEDS_TEXT:
        return words[0][1:], words[1]
    return None
