"""What the fake Slack refuses, as Slack refuses it: messages over Slack's limits and Block Kit that
Slack's own SDK models reject (slack_sdk.models carries the published limits of every block and view).

Each rule names the documentation it follows; ``message_error`` and ``view_error`` return the error
code Slack answers (``{"ok": false, "error": ...}``), or None for what Slack accepts.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

# https://api.slack.com/methods/chat.postMessage#truncating: "truncate messages containing more than
# 40,000 characters"; the error list: msg_too_long — "Message text is too long".
TEXT_MAX = 40_000
# https://api.slack.com/reference/block-kit/blocks: "You can include up to 50 blocks in each message".
MESSAGE_BLOCKS_MAX = 50
# https://api.slack.com/reference/block-kit/composition-objects#text: text "minimum length is 1".
TEXT_OBJECT_MIN = 1
# https://api.slack.com/reference/block-kit/block-elements#input: plain_text_input min_length 0..3000 and
# max_length 1..3000 ("Acceptable values for this field are between 1 and 3000, inclusive").
INPUT_LENGTH_MAX = 3000


def message_error(args: dict[str, Any]) -> str | None:
    """chat.postMessage, chat.postEphemeral, chat.update and response_url posts."""
    text = args.get("text")
    if isinstance(text, str) and len(text) > TEXT_MAX:
        return "msg_too_long"
    blocks = args.get("blocks")
    if blocks in (None, "", []):
        return None
    if not isinstance(blocks, list) or len(blocks) > MESSAGE_BLOCKS_MAX:
        return "invalid_blocks"
    return None if all(_block_ok(b) for b in blocks) else "invalid_blocks"


def view_error(view: Any) -> str | None:
    """views.open / views.update / views.push: Slack answers invalid_arguments for a view it cannot
    show (https://api.slack.com/methods/views.open#errors)."""
    if not isinstance(view, dict):
        return "invalid_arguments"
    try:
        View(**view).validate_json()  # title ≤ 24, 1..100 blocks, private_metadata ≤ 3000, ...
    except (SlackObjectFormationError, TypeError, KeyError):
        return "invalid_arguments"
    blocks = view.get("blocks") or []
    return None if all(_block_ok(b) for b in blocks) else "invalid_arguments"


def _block_ok(block: Any) -> bool:
    if not isinstance(block, dict):
        return False
    try:
        parsed = Block.parse(block)
        if parsed is None:  # a type Block Kit does not have
            return False
        parsed.validate_json()
    except (SlackObjectFormationError, TypeError, KeyError):
        return False
    return all(_text_ok(t) for t in _text_objects(block)) and all(_input_ok(e) for e in _elements(block))


def _text_objects(node: Any) -> list[dict[str, Any]]:
    """Every text object in a block (a dict with "type" plain_text or mrkdwn)."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
            found.append(node)
        for value in node.values():
            found.extend(_text_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_text_objects(value))
    return found


def _text_ok(obj: dict[str, Any]) -> bool:
    return isinstance(obj["text"], str) and len(obj["text"]) >= TEXT_OBJECT_MIN


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    element = block.get("element")
    return [element] if isinstance(element, dict) else []


def _input_ok(element: dict[str, Any]) -> bool:
    if element.get("type") != "plain_text_input":
        return True
    low, high = element.get("min_length", 0), element.get("max_length", INPUT_LENGTH_MAX)
    return 0 <= low <= INPUT_LENGTH_MAX and 1 <= high <= INPUT_LENGTH_MAX and low <= high
