"""A customer's group upgraded to a supergroup gets a new chat id. The Bot API then refuses the old id
with ``parameters.migrate_to_chat_id`` (https://core.telegram.org/bots/api#responseparameters; PTB raises
``ChatMigrated``, not a ``BadRequest``) and the group's service messages carry ``migrate_to_chat_id`` /
``migrate_from_chat_id`` (https://core.telegram.org/bots/api#message). The desk follows the group, keeps
serving the customer there, records the move, and tells the contractor to update the config."""

from __future__ import annotations

import tomllib
from datetime import UTC

from sqlmodel import select

from commands.domain.config import Config
from storage.models import ChatMigration, OutboxMessage
from tests.conftest import EXAMPLES
from tests.integrations.chat.telegram_rig import GEORGI, IVANA, MARIA, NUMBER, PETAR, Rig, telegram_rig

OLD, NEW = -400000001, -1001400000001  # a basic group's id, then its supergroup's


def basic_group_config() -> Config:
    noi = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    noi["customers"]["noi"]["channels"]["telegram"] = [str(OLD)]
    return Config.model_validate(noi)


def moves(rig: Rig) -> list[ChatMigration]:
    return rig.desk.db.read_sync(lambda s: list(s.exec(select(ChatMigration))))


def notices(rig: Rig) -> list[OutboxMessage]:
    return rig.desk.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(
        OutboxMessage.kind == "telegram.migrated"))))


async def test_a_card_refused_for_a_migrated_group_goes_to_the_supergroup_and_the_move_is_kept(db_url: str) -> None:
    config = basic_group_config()
    async with telegram_rig(config, db_url) as rig:
        answer = await rig.say(IVANA, OLD, "/incident urgent cucm Calls fail")
        assert answer.plain.startswith(NUMBER)
        await rig.dispatch()
        assert rig.card(OLD)

        rig.fake.migrate(OLD, NEW, by=IVANA, queue=False)  # the service messages never reached the desk
        await rig.say(PETAR, PETAR, f"/ack {NUMBER}")
        result = await rig.dispatch()
        assert (result.failed, result.unroutable) == (0, 0)
        assert rig.fake.failed_calls("editMessageText") or rig.fake.failed_calls("sendMessage")  # the old id refused
        card = rig.card(NEW)  # the card now lives in the supergroup, with the state as it stands
        assert "поет" in card.plain
        assert [m for m in rig.fake.chat_messages(NEW) if m.reply_to == card.message_id]  # and the event under it

        [move] = moves(rig)
        assert (move.transport, move.old_chat_id, move.new_chat_id) == ("telegram", str(OLD), str(NEW))
        assert move.customer_id == "noi" and move.migrated_at == rig.desk.clock.now().astimezone(UTC)
        [notice] = notices(rig)
        assert notice.audience == "engineers:noi"
        await rig.dispatch()
        for engineer in (GEORGI, PETAR, MARIA):  # noi's engineers and admin, in their private chats
            [told] = [m for m in rig.fake.chat_messages(engineer) if str(NEW) in m.plain]
            assert str(OLD) in told.plain and "channels.telegram" in told.plain

        # Commands from the new id are the customer's.
        status = await rig.say(IVANA, NEW, f"/status {NUMBER}")
        assert NUMBER in status.plain and "not connected" not in status.plain and str(NEW) not in status.plain
        second = await rig.say(IVANA, NEW, "/incident other crm Export is slow")
        assert second.plain.startswith("NOI-2026-00002")

    # A restarted desk still knows: the move is in the database, not only in memory.
    async with telegram_rig(config, db_url) as rig:
        rig.fake.migrate(OLD, NEW, by=IVANA, queue=False)  # a new fake server: it learns the upgrade too
        again = await rig.say(IVANA, NEW, "/status NOI-2026-00002")
        assert "NOI-2026-00002" in again.plain
        await rig.say(PETAR, PETAR, "/ack NOI-2026-00002")
        assert (await rig.dispatch()).failed == 0
        assert [c for c in rig.fake.calls if str(c.args.get("chat_id")) == str(OLD)] == []  # straight to NEW
        assert "поет" in rig.card(NEW).plain
        assert len(moves(rig)) == 1 and len(notices(rig)) == 1  # recorded and told once


async def test_the_service_message_of_the_upgrade_moves_the_customer_before_anything_fails(db_url: str) -> None:
    async with telegram_rig(basic_group_config(), db_url) as rig:
        await rig.say(IVANA, OLD, "/incident urgent cucm Calls fail")
        await rig.dispatch()
        rig.fake.migrate(OLD, NEW, by=IVANA)
        status = await rig.say(IVANA, NEW, f"/status {NUMBER}")  # handled after the service messages
        assert NUMBER in status.plain
        [move] = moves(rig)
        assert (move.old_chat_id, move.new_chat_id) == (str(OLD), str(NEW))
        await rig.say(PETAR, PETAR, f"/ack {NUMBER}")
        assert (await rig.dispatch()).failed == 0
        assert "поет" in rig.card(NEW).plain
        assert [c for c in rig.fake.calls if c.status != 200] == []  # straight to the new id


async def test_a_group_the_desk_does_not_serve_is_not_followed(db_url: str) -> None:
    async with telegram_rig(basic_group_config(), db_url) as rig:
        rig.fake.migrate(-400000777, -1001400000777, by=IVANA)
        unknown = await rig.say(IVANA, -1001400000777, "/help")
        assert "-1001400000777" in unknown.plain  # still "not connected"
        assert moves(rig) == [] and notices(rig) == []


async def test_an_answer_refused_because_the_group_was_just_upgraded_goes_to_the_supergroup(db_url: str) -> None:
    async with telegram_rig(basic_group_config(), db_url) as rig:
        rig.fake.migrate(OLD, NEW, by=IVANA, queue=False)  # upgraded while the command was on its way
        rig.fake.message(IVANA, OLD, "/incident urgent cucm Calls fail")
        answer = await rig.fake.wait_message(NEW, lambda m: m.plain.startswith(NUMBER))
        assert answer.plain.startswith(f"{NUMBER} регистриран")
        [move] = moves(rig)
        assert (move.old_chat_id, move.new_chat_id, move.noticed_by) == (str(OLD), str(NEW), "error")
