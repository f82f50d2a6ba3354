"""Block Kit for the desk: a Reply as a message, the incident modal, the "what was done" modal, and the
commands their submissions stand for. Pure functions (no I/O), so they are easy to test and to read.

Every button's value is the desk command it stands for; pressing it re-enters the desk as that command.
"""

from __future__ import annotations

import json
from typing import Any

from commands.domain.config import CustomerConfig
from commands.domain.i18n.catalog import t
from commands.reply import Reply
from commands.views import category_title
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
    sections = slack_text.chunks(lines, SECTION_MAX)
    room = MAX_BLOCKS - len(blocks) - (1 if actions else 0)
    if len(sections) > room:
        shown, rest = sections[: room - 1], sections[room - 1 :]
        hidden = sum(len(slack_text.unescape(x)) for x in rest)
        sections = shown
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


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> Block:
    return {"type": "input", "block_id": block_id, "label": _plain(label, 2000), "optional": optional,
            "element": element}


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
            _input("description", t(locale, "slack.modal.description"),
                   {"type": "plain_text_input", "action_id": "value", "multiline": True,
                    "max_length": min(max_description, 3000)}),
            _input("reported", t(locale, "slack.modal.reported"),
                   {"type": "plain_text_input", "action_id": "value", "max_length": 100,
                    "placeholder": _plain(t(locale, "slack.modal.reported_hint"), 150)}, optional=True),
        ],
    }


def text_modal(command: str, number: str, locale: str, metadata: dict[str, str]) -> Block:
    """Asks for the text a bare button command needs ("/resolve N" → what was done)."""
    return {
        "type": "modal",
        "callback_id": TEXT_VIEW,
        "private_metadata": json.dumps({**metadata, "cmd": f"/{command} {number}"}),
        "title": _plain(t(locale, f"slack.modal.{command}"), 24),
        "submit": _plain(t(locale, "slack.modal.send"), 24),
        "close": _plain(t(locale, "slack.modal.close"), 24),
        "blocks": [_input("text", t(locale, f"slack.modal.{command}.label", number=number),
                          {"type": "plain_text_input", "action_id": "value", "multiline": True,
                           "max_length": 3000})],
    }


def _value(view: dict[str, Any], block_id: str) -> str:
    field = view.get("state", {}).get("values", {}).get(block_id, {}).get("value") or {}
    if field.get("type") == "static_select":
        selected = field.get("selected_option") or {}
        return str(selected.get("value") or "")
    return str(field.get("value") or "").strip()


def incident_command(view: dict[str, Any]) -> str:
    """The /incident line a submitted incident modal stands for."""
    parts = ["/incident", _value(view, "category"), _value(view, "component"),
             _value(view, "description")]
    reported = _value(view, "reported").replace('"', "")
    line = " ".join(p for p in parts if p)
    return f'{line} --reported "{reported}"' if reported else line


def text_command(view: dict[str, Any], metadata: dict[str, str]) -> str:
    return f"{metadata['cmd']} {_value(view, 'text')}".strip()


def bare_text_command(command: str) -> tuple[str, str] | None:
    """("resolve", "NOI-2026-00001") when a button command lacks the text it needs, else None."""
    words = command.split()
    if len(words) == 2 and words[0].startswith("/") and words[0][1:] in NEEDS_TEXT:
        return words[0][1:], words[1]
    return None
