"""A form (a Slack modal today; a web page or an e-mail later) hands the desk its fields as they are:
nothing it separated is parsed again, and it goes through the same checks as a typed command."""

from __future__ import annotations

from sqlmodel import select

from commands.desk.reply import Form, Reply, Request
from storage.models import Incident
from tests.harness import DeskHarness

NUMBER = "NOI-2026-00001"


async def submit(desk: DeskHarness, form: Form, user: str = "ivana", delivery: str = "f1") -> Reply:
    return await desk.app.desk.handle(Request(text=f"/{form.command}", transport="console", user_id=user,
                                              channel_id="console", delivery_id=delivery, form=form))


def incidents(desk: DeskHarness) -> list[Incident]:
    return desk.db.read_sync(lambda s: list(s.exec(select(Incident))))


async def test_a_form_registers_its_fields_and_keeps_option_like_text(desk: DeskHarness) -> None:
    text = "Fails with --force; --reported yesterday 08:00 is what the user typed"
    reply = await submit(desk, Form("incident", ("urgent", "cucm"), text))
    assert reply.control_number == NUMBER, reply.text
    again = await submit(desk, Form("incident", ("urgent", "cucm"), text))  # the same delivery
    assert again.text == reply.text
    [inc] = incidents(desk)
    assert (inc.category, inc.component, inc.description) == ("urgent", "cucm", text)
    assert inc.reported_at == inc.registered_at


async def test_a_form_option_is_checked_like_a_typed_one(desk: DeskHarness) -> None:
    reply = await submit(desk, Form("incident", ("other", "crm"), "Slow", {"reported": "tomorrow 08:00"}))
    assert reply.is_error and "2026-11-24 08:00" in reply.text  # in the future: refused
    assert incidents(desk) == []


async def test_a_form_field_is_one_value(desk: DeskHarness) -> None:
    reply = await submit(desk, Form("incident", ("urgent cucm", ""), "Calls fail"))
    assert reply.is_error and "/incident" in reply.text  # the usage, in the person's language
    too_long = await submit(desk, Form("incident", ("urgent", "cucm"), "x" * 4001), delivery="f2")
    assert too_long.is_error and "4000" in too_long.text
    assert incidents(desk) == []


async def test_a_form_text_for_a_number(desk: DeskHarness) -> None:
    await desk.say("ivana", "/incident urgent cucm Calls fail")
    reply = await submit(desk, Form("note", (NUMBER,), "--force is not an option here"), user="georgi")
    assert not reply.is_error, reply.text
    status = await desk.say("georgi", f"/status {NUMBER}")
    assert "--force is not an option here" in status.as_text()
