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


async def test_the_daily_summary_goes_to_summary_to_once_and_nothing_else_does(rig: MailRig) -> None:
    from bot.report_jobs import run_daily_summary

    raw = rig.config.model_dump()
    raw["customers"]["noi"]["email"]["thread_updates"] = False  # a customer who reads only the summary by mail
    raw["customers"]["noi"]["email"]["summary_to"] = ["it@noi.bg", " Head@NOI.bg", "it@noi.bg"]
    rig.config = type(rig.config).model_validate(raw)
    assert rig.config.customers["noi"].email is not None
    assert rig.config.customers["noi"].email.summary_to == ("it@noi.bg", "head@noi.bg")
    channel = await rig.start_desk()
    assert rig.harness is not None
    dispatcher = Dispatcher(rig.harness.db, rig.harness.clock, [channel], rig.config)
    desc = "Calls fail <!channel> &<> =HYPERLINK(\"http://x\")\r\nBcc: someone@else.example"
    report = await rig.harness.say("ivana", f"/incident urgent cucm {desc}")
    assert not report.is_error, report.text
    await dispatcher.tick()
    assert rig.smtp.messages == []  # no thread updates, and the card is not the summary
    assert await run_daily_summary(rig.harness.app.services, "noi")
    await dispatcher.tick()
    [mail] = rig.smtp.messages
    assert sorted(a.strip() for a in str(mail["To"]).split(",")) == ["head@noi.bg", "it@noi.bg"]
    assert mail["Bcc"] is None and "someone@else.example" not in str(mail["To"])
    assert str(mail["Subject"]) == "Дневна справка · НОИ — контактен център · 2026-11-23"  # in the customer's language
    assert mail["Auto-Submitted"] == "auto-replied"
    text = mail.get_content()
    assert "Calls fail <!channel> &<>" in text  # plain text: shown as typed, nothing to escape
    assert mail.get_content_type() == "text/plain"
    await dispatcher.tick()
    assert len(rig.smtp.messages) == 1  # once


def test_summary_to_needs_a_summary_for_the_customer() -> None:
    import pytest
    from pydantic import ValidationError

    from commands.domain.config import Config
    from tests.two_customers import two_customer_raw

    raw = two_customer_raw()
    raw["customers"]["noi"]["email"] = {"category": "other", "component": "cucm", "summary_to": ["it@noi.bg"],
                                        "domains": ["noi.bg"]}
    raw["customers"]["noi"].setdefault("reports", {})["daily_to"] = ["engineers"]
    with pytest.raises(ValidationError, match="summary_to"):
        Config.model_validate(raw)
    raw["customers"]["noi"]["email"]["summary_to"] = ["not an address"]
    raw["customers"]["noi"]["reports"]["daily_to"] = ["customer"]
    with pytest.raises(ValidationError, match="not e-mail addresses"):
        Config.model_validate(raw)
