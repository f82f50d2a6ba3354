"""What goes to the customer's channel about an incident also goes to its mail thread: the dispatcher
delivers the outbox through the e-mail channel's notifier, answering the thread's first mail; never to
the person whose own action it reports, and only for customers that ask for it."""

from __future__ import annotations

from sqlmodel import select

from bot.dispatcher import Dispatcher
from storage.models import Incident
from tests.integrations.email import fixtures as f
from tests.integrations.email.conftest import MailRig


async def test_state_changes_reach_the_thread_and_the_authors_own_note_does_not(rig: MailRig) -> None:
    channel = await rig.start_desk()
    assert rig.harness is not None
    dispatcher = Dispatcher(rig.harness.db, rig.harness.clock, [channel], rig.config)
    rig.deliver(f.outlook("ivana@noi.bg", "[urgent] Calls fail", "since 8:00", msgid="<root@noi.bg>"))
    [first] = await rig.until(lambda: rig.smtp.messages)
    [inc] = rig.harness.db.read_sync(lambda s: list(s.exec(select(Incident))))
    rig.deliver(f.gmail("ivana@noi.bg", f"Re: [{inc.control_number}] Calls fail", "it is floor 3 only",
                        msgid="<note@noi.bg>", in_reply_to=str(first["Message-ID"])))
    await rig.until(lambda: channel.states[0].taken == 2)
    await dispatcher.tick()
    assert len(rig.smtp.messages) == 2  # the registration and her own note: answered, not echoed
    ack = await rig.harness.say("maria", f"/ack {inc.control_number}")
    assert not ack.is_error, ack.text
    await dispatcher.tick()
    [update] = rig.smtp.messages[2:]
    assert str(update["To"]) == "ivana@noi.bg"
    assert update["In-Reply-To"] == "<root@noi.bg>" and update["References"] == "<root@noi.bg>"
    assert str(update["Subject"]).startswith(f"Re: [{inc.control_number}]")
    assert update["Auto-Submitted"] == "auto-replied"
    assert "Мария Димитрова" in update.get_content()  # the event, in the customer's language
    await dispatcher.tick()
    assert len(rig.smtp.messages) == 3  # delivered once


async def test_a_customer_without_thread_updates_gets_none(rig: MailRig) -> None:
    raw = rig.config.model_dump()
    raw["customers"]["noi"]["email"]["thread_updates"] = False
    rig.config = type(rig.config).model_validate(raw)
    channel = await rig.start_desk()
    assert channel.destinations("customer:noi") == [] and channel.destinations("customer:hgp") != []
    assert channel.destinations("person:maria") == []
