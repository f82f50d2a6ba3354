"""The rules of the transport core (integrations/chat/card_core.py), proven for every chat platform: each
test runs once against the fake Slack (slack_sdk) and once against the fake Telegram (python-telegram-bot),
with the real desk, outbox and dispatcher. What differs between the platforms is said in ``Side``: how to
read the customer's channel, and whether the platform can look a message up (Slack can; the Bot API
cannot read a chat back, so an in-doubt Telegram post is posted again, as docs/telegram.md says)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from commands.desk.reply import Reply
from integrations.chat.base import PermanentDeliveryError
from integrations.chat.card_core import ChatTransport
from integrations.chat.routing import Destination
from storage.chat_refs import ChatRefs, PostInProgress
from storage.models import OutboxMessage
from storage.outbox import Outbox
from tests.integrations.chat import MONDAY_1004_SOFIA, slack_rig
from tests.integrations.chat.telegram_rig import NOI_GROUP, telegram_rig

NUMBER = "NOI-2026-00001"
HOSTILE = "<!channel> &<> =HYPERLINK(\"http://x\") سلام"


@dataclass
class Card:
    ref: str
    text: str


class Side:
    """One platform under test: its rig, the customer's channel, and how to read and break that channel."""

    name: str
    channel: str  # the customer noi's channel, as the config names it
    can_look: bool
    rig: Any

    @property
    def transport(self) -> ChatTransport:
        raise NotImplementedError

    async def say(self, person: str, text: str) -> Reply:
        """A command from the person's identity on this platform, in the customer's channel."""
        return await self.rig.desk.say(_user(self, person), text, transport=self.name,  # type: ignore[no-any-return]
                                       channel=self.channel)

    async def dispatch(self) -> Any:
        return await self.rig.dispatch()

    def cards(self) -> list[Card]:
        """The desk's top-level messages in the channel: the incident cards (as the platform shows them now)."""
        raise NotImplementedError

    def thread(self, card: Card) -> list[str]:
        """The messages in the card's thread (replies to it)."""
        raise NotImplementedError

    def edits(self) -> int:
        raise NotImplementedError

    def fail_next_post(self) -> None:
        """The next post is refused with a server error (it never reached the chat)."""
        raise NotImplementedError

    def lose_next_post(self) -> None:
        """The next post reaches the channel, but its answer is lost."""
        raise NotImplementedError

    def delete(self, card: Card) -> None:
        raise NotImplementedError

    def remove_bot(self) -> None:
        """The desk may no longer post in the channel (archived, the bot kicked out)."""
        raise NotImplementedError

    def messages_of(self, reply_chat: str) -> list[str]:
        """The texts of the desk's top-level messages in ``reply_chat``, as shown."""
        raise NotImplementedError


class SlackSide(Side):
    name, channel, can_look = "slack", "C0NOIDESK", True

    @property
    def transport(self) -> ChatTransport:
        return self.rig.slack  # type: ignore[no-any-return]

    def _messages(self) -> list[dict[str, Any]]:
        return list(self.rig.fake.conversations.get(self.channel, []))

    def cards(self) -> list[Card]:
        return [Card(m["ts"], str(m["text"])) for m in self._messages() if not m.get("thread_ts")]

    def thread(self, card: Card) -> list[str]:
        return [str(m["text"]) for m in self._messages() if m.get("thread_ts") == card.ref]

    def edits(self) -> int:
        return len(self.rig.fake.calls_to("chat.update"))

    def fail_next_post(self) -> None:
        self.rig.fake.fail("chat.postMessage", 500)

    def lose_next_post(self) -> None:
        self.rig.fake.lose_answer(self.channel)

    def delete(self, card: Card) -> None:
        self.rig.fake.conversations[self.channel] = [m for m in self._messages() if m["ts"] != card.ref]
        self.rig.fake.answer_error("chat.update", "message_not_found")

    def remove_bot(self) -> None:
        self.rig.fake.archive(self.channel)

    def messages_of(self, reply_chat: str) -> list[str]:
        return [str(p["text"]) + json.dumps(p.get("blocks") or "", ensure_ascii=False)
                for p in self.rig.fake.posts(reply_chat)]


class TelegramSide(Side):
    name, channel, can_look = "telegram", str(NOI_GROUP), False

    @property
    def transport(self) -> ChatTransport:
        return self.rig.tg  # type: ignore[no-any-return]

    def cards(self) -> list[Card]:
        return [Card(str(m.message_id), m.plain) for m in self.rig.fake.chat_messages(NOI_GROUP)
                if m.reply_to is None and m.plain.startswith("NOI-")]

    def thread(self, card: Card) -> list[str]:
        return [m.plain for m in self.rig.fake.chat_messages(NOI_GROUP) if m.reply_to == int(card.ref)]

    def edits(self) -> int:
        return len(self.rig.fake.calls_to("editMessageText"))

    def fail_next_post(self) -> None:
        self.rig.fake.fail("sendMessage", 500)

    def lose_next_post(self) -> None:
        self.rig.fake.lose_answer(NOI_GROUP)

    def delete(self, card: Card) -> None:
        del self.rig.fake.messages[(NOI_GROUP, int(card.ref))]

    def remove_bot(self) -> None:
        # https://core.telegram.org/bots/api#making-requests: 403 once the bot was removed from the group
        self.rig.fake.refuse(NOI_GROUP, (403, "Forbidden: bot was kicked from the supergroup chat"))

    def messages_of(self, reply_chat: str) -> list[str]:
        return [m.plain for m in self.rig.fake.chat_messages(int(reply_chat))]


@pytest.fixture(params=["slack", "telegram"])
async def side(request: pytest.FixtureRequest, noi_config: Any, db_url: str) -> AsyncIterator[Side]:
    if request.param == "slack":
        # outbound only; no quick retries inside a call: the outbox's own retry is what is tested
        async with slack_rig(noi_config, db_url, mode="socket", start=False, retry_handlers=[]) as rig:
            await rig.slack.join_channels()  # what start() does: a bot reads history only where it is a member
            s: Side = SlackSide()
            s.rig = rig
            yield s
    else:
        async with telegram_rig(noi_config, db_url) as tg_rig:
            s = TelegramSide()
            s.rig = tg_rig
            yield s


def unsent(side: Side) -> list[str]:
    return [m.kind for m in side.rig.desk.db.read_sync(lambda s: Outbox(s).all()) if m.sent_at is None]


async def _report(side: Side) -> None:
    reply = await side.say("ivana", f"/incident urgent cucm Calls fail {HOSTILE}")
    assert reply.control_number == NUMBER, reply.as_text()


# -- the card: posted once, edited in place, events in its thread --------------------------------------

async def test_the_card_is_posted_once_then_edited_in_place_with_each_event_in_its_thread(side: Side) -> None:
    await _report(side)
    await side.dispatch()
    [card] = side.cards()
    assert NUMBER in card.text and side.thread(card) == []  # the card itself tells of the registration
    await side.say("georgi", f"/ack {NUMBER}")
    await side.dispatch()
    [edited] = side.cards()
    assert edited.ref == card.ref and edited.text != card.text and side.edits() == 1
    assert len(side.thread(card)) == 1 and unsent(side) == []


async def test_a_card_delivered_late_never_overwrites_a_newer_state(side: Side) -> None:
    await _report(side)
    await side.say("georgi", f"/ack {NUMBER}")
    side.fail_next_post()  # the "registered" card fails; the "acknowledged" one goes
    await side.dispatch()
    [card] = side.cards()
    newer = card.text
    side.rig.desk.advance(seconds=10)
    await side.dispatch()  # the older card, late
    assert side.edits() == 0 and [c.text for c in side.cards()] == [newer]
    assert len(side.thread(card)) == 2 and unsent(side) == []  # both events, in order of delivery


async def test_a_deleted_card_is_posted_again(side: Side) -> None:
    await _report(side)
    await side.dispatch()
    [card] = side.cards()
    side.delete(card)
    await side.say("georgi", f"/ack {NUMBER}")
    await side.dispatch()
    [again] = side.cards()
    assert again.ref != card.ref and unsent(side) == []


# -- the first post, announced; in-doubt posts ------------------------------------------------------

async def test_a_first_post_another_replica_announced_is_left_to_it(side: Side) -> None:
    await _report(side)
    await side.rig.desk.db.write(lambda s: ChatRefs(s).begin_post(1, side.name, side.channel, "replica-b"))
    result = await side.dispatch()
    assert result.failed >= 1 and side.cards() == []  # PostInProgress: retried later, never posted twice
    [card] = [m for m in side.rig.desk.db.read_sync(lambda s: Outbox(s).all()) if m.kind == "incident.card"]
    assert card.sent_at is None and PostInProgress.__name__ in (card.last_error or "")


async def test_a_card_whose_answer_was_lost_is_adopted_where_the_platform_can_look(side: Side) -> None:
    await _report(side)
    side.lose_next_post()
    assert (await side.dispatch()).failed == 1  # it is in the channel, but the desk cannot know
    assert len(side.cards()) == 1 and unsent(side) == ["incident.card"]
    side.rig.desk.advance(seconds=10)
    await side.dispatch()
    # Slack finds it by its metadata and adopts it; Telegram cannot read the chat back: it posts again.
    assert len(side.cards()) == (1 if side.can_look else 2) and unsent(side) == []
    kept = side.rig.desk.db.read_sync(lambda s: ChatRefs(s).get(1, side.name, side.channel))
    assert kept == side.cards()[-1 if not side.can_look else 0].ref
    await side.say("georgi", f"/ack {NUMBER}")
    await side.dispatch()
    assert side.edits() == 1 and side.cards()[-1].ref == kept  # the kept card is the one edited


# -- chunking, routing, refusals ---------------------------------------------------------------------

def _plain_message(dedupe: str) -> OutboxMessage:
    return OutboxMessage(dedupe_key=dedupe, customer_id="noi", kind="notice", audience="customer:noi",
                         payload="{}", created_at=MONDAY_1004_SOFIA, next_attempt_at=MONDAY_1004_SOFIA)


async def test_a_long_message_is_cut_to_the_platforms_limit_and_nothing_typed_is_lost(side: Side) -> None:
    lines = tuple(f"{i:03d} {HOSTILE} " + "x" * 90 for i in range(300))  # about 36,000 characters
    reply = Reply(text="Register", lines=lines, locale="en")
    await side.transport.deliver(Destination(side.channel, False), reply, _plain_message("long:1"))
    shown = side.messages_of(side.channel)
    if side.name == "telegram":  # https://core.telegram.org/bots/api#sendmessage: 1-4096 characters
        assert len(shown) > 1 and all(len(m) <= 4096 for m in shown)
    else:  # one message: https://api.slack.com/reference/block-kit/blocks, at most 50 blocks of 3000
        [post] = side.rig.fake.posts(side.channel)
        blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
        assert len(shown) == 1 and len(blocks) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    everything = "\n".join(shown)
    positions = [everything.find(f"{i:03d} ") for i in range(300)]
    assert -1 not in positions and positions == sorted(positions)  # every line, in order


async def test_audiences_are_routed_to_the_platforms_channels_and_people(side: Side) -> None:
    config = side.rig.desk.app.config
    routes = side.transport.destinations
    assert [d.chat_id for d in routes("customer:noi")] == [side.channel]
    engineers = list(getattr(config.customers["noi"].channels, f"engineers_{side.name}"))
    assert [d.chat_id for d in routes("engineers:noi")] == engineers or (
        not engineers and all(d.direct for d in routes("engineers:noi")))
    petar = next(i.partition(":")[2] for i in config.people["petar"].identities if i.startswith(f"{side.name}:"))
    assert routes("person:petar") == [Destination(petar, True, "petar")]
    assert routes("person:nobody") == [] and routes("customer:nobody") == []


async def test_a_channel_the_bot_was_removed_from_is_given_up_at_once(side: Side) -> None:
    side.remove_bot()
    with pytest.raises(PermanentDeliveryError):
        await side.transport.deliver(Destination(side.channel, False), Reply(text="hello"), _plain_message("gone:1"))
    await _report(side)
    result = await side.dispatch()
    assert result.given_up == 1 and result.failed == 0  # the card: no retry helps until a person acts


async def test_refusals_and_their_language_are_the_desks_for_every_platform(side: Side) -> None:
    refused = await side.say("ivana", "/ack NOI-2026-00001")  # a reporter may not take an incident
    assert refused.is_error and refused.locale == "bg"
    assert side.transport.ask.decision(_user(side, "ivana"), side.channel, "/ack NOI-2026-00001").refusal \
        == "error.forbidden"
    assert side.transport.ask.locale(_user(side, "ivana"), side.channel) == "bg"
    unknown = side.transport.ask.decision("U0NOBODY" if side.name == "slack" else "999", side.channel, "/help")
    assert unknown.refusal == "error.unknown_person" and unknown.locale == "bg"  # the channel customer's


def _user(side: Side, person: str) -> str:
    return next(i.partition(":")[2] for i in side.rig.desk.app.config.people[person].identities
                if i.startswith(f"{side.name}:"))
