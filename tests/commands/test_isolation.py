"""Customers never meet (issue 22): one desk serving noi and hgp with the schedule ``primary`` shared
(tests/two_customers.py). Each test is one way the customers met before, tried through the desk."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.dispatcher import Dispatcher
from commands.desk.reply import Reply
from commands.incidents.sweep import sweep_unit
from integrations.chat.routing import Destination
from storage.models import OncallOverride, OutboxMessage
from storage.outbox import Outbox
from tests.commands.conftest import MONDAY_1004_SOFIA
from tests.harness import DeskHarness
from tests.two_customers import (
    DESK_SLACK,
    HGP_ENG_SLACK,
    two_customer_config,
    two_customer_raw,
    write_toml,
)


@pytest.fixture
async def both(db_url: str) -> AsyncIterator[DeskHarness]:
    h = DeskHarness(two_customer_config(), db_url, MONDAY_1004_SOFIA)
    yield h
    h.close()


async def slack(h: DeskHarness, user: str, text: str, channel: str) -> Reply:
    return await h.say(user, text, transport="slack", channel=channel)


def _pages(h: DeskHarness) -> list[tuple[str, str]]:
    rows = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "page")
                                                .order_by(OutboxMessage.id))))
    return [(m.customer_id, m.audience) for m in rows]


def _tick(h: DeskHarness) -> None:
    h.db.write_sync(sweep_unit(h.app.services, h.clock.now()))


# -- shared schedules -------------------------------------------------------------------------------------
async def test_nobody_is_placed_on_a_shared_schedule_without_a_role_with_each_customer_it_pages(
        both: DeskHarness) -> None:
    reply = await slack(both, "U0REZA", '/oncall override reza --from "in 1 minute" --to "in 5 hours" '
                                        "--schedule primary", HGP_ENG_SLACK)
    assert reply.is_error and "primary" in reply.text
    assert both.db.read_sync(lambda s: list(s.exec(select(OncallOverride)))) == []
    # georgi serves both: he may take primary, but may not put reza on it either
    assert (await slack(both, "U0GEORGI", '/oncall override reza --from "in 1 minute" --to "in 5 hours"',
                        HGP_ENG_SLACK)).is_error
    ok = await slack(both, "U0GEORGI", '/oncall override georgi --from "in 1 minute" --to "in 5 hours"',
                     HGP_ENG_SLACK)
    assert not ok.is_error, ok.text


async def test_an_override_that_got_past_the_rules_still_never_pages_another_customers_incident(
        both: DeskHarness) -> None:
    now = both.clock.now()
    both.db.write_sync(lambda s: s.add(OncallOverride(schedule="primary", person="reza", start=now,
                                                      end=now + timedelta(hours=5), made_by="reza", made_at=now)))
    both.advance(minutes=1)
    n = (await both.say("ivana", "/incident urgent cucm Calls fail", channel="noi-console")).control_number
    assert n and n.startswith("NOI-")
    _tick(both)
    assert _pages(both) == [("noi", "person:petar")]  # the rotation's own person, not reza
    ack = await both.say("petar", f"/ack {n}", channel="noi-console")
    assert not ack.is_error
    # hgp's incidents do use the override: reza is an engineer of hgp
    h = await both.say("sara", "/incident critical crm CRM is down", channel="hgp-console")
    _tick(both)
    assert ("hgp", "person:reza") in _pages(both), h.text


async def test_a_page_to_someone_of_another_customer_is_refused_at_delivery(both: DeskHarness) -> None:
    now = both.clock.now()
    both.db.write_sync(lambda s: Outbox(s).put(dedupe_key="forged", customer_id="noi", kind="page",
                                                audience="person:reza",
                                                payload=Reply(text="NOI-2026-00009 secret").to_dict(), now=now))

    class Catch:
        name = "slack"

        def __init__(self) -> None:
            self.got: list[str] = []

        def destinations(self, audience: str) -> list[Destination]:
            return [Destination(audience, True, audience.partition(":")[2])]

        async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
            self.got.append(message.audience)

    catch = Catch()
    result = await Dispatcher(both.db, both.clock, [catch], both.app.config).tick()
    assert catch.got == [] and result.failed == 0
    [row] = both.db.read_sync(lambda s: list(s.exec(select(OutboxMessage))))
    assert row.sent_at is not None and "refused" in (row.last_error or "")  # done, never retried


async def test_page_reaches_only_the_callers_customers_people(both: DeskHarness) -> None:
    refused = await slack(both, "U0REZA", "/page ivana the CRM is slow", HGP_ENG_SLACK)
    assert refused.is_error
    assert not any(name in refused.text for name in ("maria", "Ивана", "Мария", "secondary"))
    assert _pages(both) == []
    ok = await slack(both, "U0REZA", "/page primary the CRM is slow", HGP_ENG_SLACK)
    assert not ok.is_error and [a for _, a in _pages(both)] == ["person:petar"]
    assert not (await slack(both, "U0REZA", "/page nima please look", HGP_ENG_SLACK)).is_error


def test_check_config_rejects_a_layer_with_someone_lacking_a_role_with_a_customer_it_serves(
        tmp_path: Path) -> None:
    good = subprocess.run([sys.executable, "-m", "bot", "check-config", str(write_toml(tmp_path / "ok.toml"))],
                          capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    raw = two_customer_raw()
    raw["schedules"]["primary"]["layers"][0]["people"].append("reza")
    bad = subprocess.run([sys.executable, "-m", "bot", "check-config", str(write_toml(tmp_path / "bad.toml", raw))],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
    assert "schedules.primary.layers.24x7" in bad.stderr + bad.stdout and "'reza'" in bad.stderr + bad.stdout


# -- channels ---------------------------------------------------------------------------------------------
async def test_a_customers_engineers_channel_acts_for_that_customer_only(both: DeskHarness) -> None:
    refused = await slack(both, "U0IVANA", "/incident urgent cucm Calls fail", HGP_ENG_SLACK)
    assert refused.is_error and "noi" not in refused.text and "НОИ" not in refused.text
    assert _pages(both) == []
    # georgi serves both customers: in hgp's engineers' channel his report is hgp's
    report = await slack(both, "U0GEORGI", "/report monthly 2026-11 md", HGP_ENG_SLACK)
    assert not report.is_error, report.text
    assert report.attachment is not None and "hgp" in report.attachment.filename
    assert "noi" not in report.attachment.filename
    asked = await slack(both, "U0GEORGI", "/report monthly 2026-11 md --customer noi", HGP_ENG_SLACK)
    assert asked.attachment is None or "noi" not in asked.attachment.filename


async def test_the_contractors_own_channel_is_for_its_staff(both: DeskHarness) -> None:
    assert (await slack(both, "U0IVANA", "/incidents", DESK_SLACK)).is_error
    ok = await slack(both, "U0GEORGI", "/incidents --customer hgp", DESK_SLACK)
    assert not ok.is_error, ok.text


# -- the people directory ---------------------------------------------------------------------------------
async def test_errors_and_lists_name_only_the_askers_customers_people(both: DeskHarness) -> None:
    nobody = await slack(both, "U0REZA", "/oncall ics nosuchperson", HGP_ENG_SLACK)
    other = await slack(both, "U0REZA", "/oncall ics ivana", HGP_ENG_SLACK)
    assert nobody.is_error and other.is_error and other.attachment is None
    assert other.text == nobody.text.replace("nosuchperson", "ivana")  # exactly like nobody
    for name in ("ivana", "maria", "Ивана", "Мария"):
        assert name not in nobody.text
    assert "reza" in nobody.text and "sara" in nobody.text


def test_an_escalation_pages_only_its_own_customers_people() -> None:
    raw = two_customer_raw()
    raw["customers"]["hgp"]["escalation"]["default"]["steps"][0]["notify"] = ["engineers:noi"]
    with pytest.raises(ValueError, match=r"customers\.hgp\.escalation\.default\.steps\[0\].*engineers:noi"):
        two_customer_config(raw)
    raw = two_customer_raw()
    raw["customers"]["hgp"]["escalation"]["default"]["steps"][0]["notify"] = ["person:ivana"]
    with pytest.raises(ValueError, match=r"'ivana' has no engineer or admin role with 'hgp'"):
        two_customer_config(raw)
