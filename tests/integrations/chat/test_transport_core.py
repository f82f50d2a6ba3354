"""The transport core (integrations/chat/card_core.py) serves a platform it has never heard of: a third
chat platform is a subclass with its platform's calls (here an in-memory one, "pigeon"), a name in the
configuration, and its place in the composition root — nothing else (docs/architecture.md, "What a new
transport implements"). The configuration may name only the transports this desk has."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from bot.dispatcher import Dispatcher
from bot.settings import ConfigError, load_config
from commands.desk.reply import Reply
from commands.domain.config import Config
from commands.domain.i18n.catalog import t
from integrations.chat.card_core import ChatTransport, Meta
from tests.conftest import EXAMPLES
from tests.harness import DeskHarness
from tests.integrations.chat import MONDAY_1004_SOFIA

ROOM = "!noi-room"


class Pigeon(ChatTransport):
    """A chat platform kept in memory: messages by id, threads, edits."""

    name = "pigeon"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.messages: dict[str, dict[str, Any]] = {}

    async def post(self, chat: str, reply: Reply, *, card: bool, meta: Meta) -> str:
        ref = str(len(self.messages) + 1)
        self.messages[ref] = {"chat": chat, "text": reply.as_text(), "card": card, "thread": None, "edits": 0}
        return ref

    async def post_line(self, chat: str, text: str, *, thread: str, meta: Meta) -> str:
        ref = str(len(self.messages) + 1)
        self.messages[ref] = {"chat": chat, "text": text, "card": False, "thread": thread, "edits": 0}
        return ref

    async def edit(self, chat: str, ref: str, reply: Reply, *, card: bool) -> bool:
        if ref not in self.messages:
            return False
        self.messages[ref].update(text=reply.as_text(), edits=self.messages[ref]["edits"] + 1)
        return True

    async def find(self, chat: str, meta: Meta, since: datetime, *, thread: str | None = None) -> str | None:
        return None


def _raw() -> dict[str, Any]:
    raw = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    raw["customers"]["noi"]["channels"]["pigeon"] = [ROOM]
    return raw


async def test_a_third_platform_gets_the_card_rules_from_the_core(db_url: str) -> None:
    config = Config.model_validate(_raw())
    desk = DeskHarness(config, db_url, MONDAY_1004_SOFIA)
    try:
        pigeon = Pigeon(desk.app.desk, desk.db, config)
        assert [d.chat_id for d in pigeon.destinations("customer:noi")] == [ROOM]
        reply = await desk.say("ivana", "/incident urgent cucm Calls fail")
        number = reply.control_number
        assert number is not None
        await Dispatcher(desk.db, desk.clock, [pigeon], config).tick()
        [card] = [m for m in pigeon.messages.values() if m["card"]]
        assert card["chat"] == ROOM and number in card["text"]
        await desk.say("georgi", f"/ack {number}")
        await Dispatcher(desk.db, desk.clock, [pigeon], config).tick()
        [card_ref] = [ref for ref, m in pigeon.messages.items() if m["card"]]
        assert pigeon.messages[card_ref]["edits"] == 1  # edited in place, not posted again
        assert [m["thread"] for m in pigeon.messages.values() if not m["card"]] == [card_ref]  # the event
    finally:
        desk.close()


def test_the_configuration_may_name_only_the_transports_this_desk_has(tmp_path: Path) -> None:
    raw = _raw()
    raw["customers"]["noi"]["channels"].pop("pigeon")
    raw["people"]["ivana"]["identities"].append("slak:U0IVANA")  # a typo
    path = tmp_path / "desk.toml"
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown transport.*slak"):
        load_config(path)
    raw["people"]["ivana"]["identities"].pop()
    raw["people"]["ivana"]["paging"] = ["telegram", "smss"]
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown transport.*smss"):
        load_config(path)
    raw["people"]["ivana"].pop("paging")
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    assert load_config(path).people["ivana"].identities[0] == "console:ivana"


async def test_a_third_platform_hands_commands_to_the_desk_and_refuses_unserved_conversations(db_url: str) -> None:
    raw = _raw()
    raw["people"]["ivana"]["identities"].append("pigeon:ivana")
    config = Config.model_validate(raw)
    desk = DeskHarness(config, db_url, MONDAY_1004_SOFIA)
    try:
        pigeon = Pigeon(desk.app.desk, desk.db, config)
        filed = await pigeon.run("/incident urgent cucm Calls fail", "ivana", ROOM, "p1", served=True)
        assert filed.control_number == "NOI-2026-00001", filed.as_text()
        refused = await pigeon.run("/help", "ivana", "!elsewhere", "p2", served=False)
        assert refused.is_error and refused.locale == "bg"
        assert refused.text == t("bg", "chat.unknown_channel", channel="!elsewhere", transport="pigeon")
        assert "channels.pigeon" in refused.text
    finally:
        desk.close()
