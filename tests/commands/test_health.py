"""Scheduled checks through the desk: alerts to the engineers via the outbox, flap damping, recovery,
maintenance windows, dependencies, automatic incidents, /health and /health history — with scripted
probes and the fake clock (no waiting)."""

from __future__ import annotations

import asyncio
import json
import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel import select

from commands.domain.config import Config
from commands.health.health import run_check
from commands.health.runtime import HealthRuntime, ProbeLike, Result, ResultLike
from storage.models import Incident, OutboxMessage
from storage.outbox import Outbox
from tests.conftest import EXAMPLES, utc
from tests.harness import DeskHarness

MONDAY_1004_SOFIA = utc(2026, 11, 23, 8, 4)
CHECKS: dict[str, dict[str, Any]] = {
    "cucm_axl": {"component": "cucm", "type": "cucm_axl", "url": "https://10.1.2.3:8443", "username": "axl",
                 "incident": "urgent", "interval": "1m", "reminder": "30m"},
    "uccx_api": {"component": "uccx", "type": "uccx", "url": "https://10.1.2.5", "depends_on": ["cucm"],
                 "interval": "1m"},
    "phones": {"component": "phones", "type": "risport", "url": "https://10.1.2.3:8443", "expected": 22,
               "depends_on": ["cucm"], "interval": "1m"},
    "gw1_sip": {"component": "gw1", "type": "sip", "host": "10.1.2.11", "interval": "1m", "failure_threshold": 2},
}


def noi_with_checks(checks: dict[str, dict[str, Any]] = CHECKS) -> Config:
    raw = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    raw["customers"]["noi"]["checks"] = checks
    return Config.model_validate(raw)


@dataclass
class Scripted:
    """A probe that answers what the test says (or hangs)."""

    status: str = "up"
    reason: str = "OK"
    timeout: float = 1.0
    hang: bool = False
    calls: int = 0

    async def check(self) -> ResultLike:
        self.calls += 1
        if self.hang:
            await asyncio.sleep(3600)
        return Result(self.status, self.reason, 12.0)


@dataclass
class Fakes:
    probes: dict[str, Scripted] = field(default_factory=dict)

    def build(self, _cid: str, check_id: str) -> ProbeLike:
        return self.probes.setdefault(check_id, Scripted())


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[tuple[DeskHarness, HealthRuntime, Fakes]]:
    h = DeskHarness(noi_with_checks(), db_url, MONDAY_1004_SOFIA)
    fakes = Fakes()
    runtime = h.app.services.health = HealthRuntime(build=fakes.build, total_timeout=0.5)
    yield h, runtime, fakes
    h.close()


async def tick(h: DeskHarness, rt: HealthRuntime, *checks: str) -> dict[str, Any]:
    """One scheduled period: every named check runs once, then a minute passes."""
    out = {c: await run_check(h.app.services, rt, "noi", c) for c in checks}
    h.advance(minutes=1)
    return out


def health_messages(h: DeskHarness) -> list[OutboxMessage]:
    return [m for m in h.db.read_sync(lambda s: Outbox(s).all()) if m.kind.startswith("health.")]


def set_(fakes: Fakes, check: str, status: str, reason: str = "") -> None:
    p = fakes.probes.setdefault(check, Scripted())
    p.status, p.reason = status, reason or status


async def test_down_after_three_failures_alerts_the_engineers_once_and_opens_one_urgent_incident(desk) -> None:  # type: ignore[no-untyped-def]
    h, rt, fakes = desk
    await tick(h, rt, "cucm_axl")
    first_failure = h.clock.now()
    set_(fakes, "cucm_axl", "down", "no answer within 10s")
    runs = [await tick(h, rt, "cucm_axl") for _ in range(5)]
    assert [r["cucm_axl"].state for r in runs] == ["up", "up", "down", "down", "down"]
    assert runs[2]["cucm_axl"].alert == "down" and runs[2]["cucm_axl"].incident == "NOI-2026-00001"
    msgs = health_messages(h)
    assert [(m.kind, m.audience) for m in msgs] == [("health.down", "engineers:noi")]  # not the reporters
    payload = json.loads(msgs[0].payload)
    assert "CUCM" in payload["text"] and "no answer within 10s" in payload["text"]
    assert "NOI-2026-00001" in " ".join(payload["lines"])
    incidents = h.db.read_sync(lambda s: list(s.exec(select(Incident))))
    assert len(incidents) == 1
    inc = incidents[0]
    assert (inc.category, inc.component, inc.reporter) == ("urgent", "cucm", "monitor")
    assert inc.reported_at == first_failure  # the first failure is the first notification
    reply = await h.say("georgi", "/status NOI-2026-00001")
    assert "NOI-2026-00001" in reply.text


async def test_flapping_check_stays_quiet(desk) -> None:  # type: ignore[no-untyped-def]
    h, rt, fakes = desk
    for n in range(12):
        set_(fakes, "gw1_sip", "down" if n % 2 else "up")
        await tick(h, rt, "gw1_sip")
    assert health_messages(h) == []


async def test_recovery_is_announced_and_noted_on_the_incident(desk) -> None:  # type: ignore[no-untyped-def]
    h, rt, fakes = desk
    set_(fakes, "cucm_axl", "down", "HTTP 503")
    for _ in range(3):
        await tick(h, rt, "cucm_axl")
    set_(fakes, "cucm_axl", "up", "CUCM 12.5.1 (AXL 12.5)")
    r1, r2 = (await tick(h, rt, "cucm_axl"))["cucm_axl"], (await tick(h, rt, "cucm_axl"))["cucm_axl"]
    assert r1.alert is None and r2.alert == "up" and r2.incident == "NOI-2026-00001"
    kinds = [m.kind for m in health_messages(h)]
    assert kinds == ["health.down", "health.up"]
    up = json.loads(health_messages(h)[-1].payload)
    assert "CUCM" in up["text"] and up["kind"] == "info"
    status = await h.say("georgi", "/status NOI-2026-00001")
    assert any("CUCM" in line and "2" in line for line in status.lines)


async def test_reminders_while_down_and_the_incident_is_not_opened_twice(desk) -> None:  # type: ignore[no-untyped-def]
    h, rt, fakes = desk
    set_(fakes, "cucm_axl", "down")
    for _ in range(3 + 65):
        await tick(h, rt, "cucm_axl")
    kinds = [m.kind for m in health_messages(h)]
    assert kinds == ["health.down", "health.reminder", "health.reminder"]  # every 30 minutes
    # Down again later while the incident is still open: linked, not a second incident.
    set_(fakes, "cucm_axl", "up")
    for _ in range(2):
        await tick(h, rt, "cucm_axl")
    set_(fakes, "cucm_axl", "down")
    runs = [await tick(h, rt, "cucm_axl") for _ in range(3)]
    assert runs[-1]["cucm_axl"].incident == "NOI-2026-00001"
    count = h.db.read_sync(lambda s: len(list(s.exec(select(Incident)))))
    assert count == 1


async def test_maintenance_window_silences_and_what_remains_is_announced_after(desk) -> None:  # type: ignore[no-untyped-def]
    h, rt, fakes = desk
    reply = await h.say("georgi", '/maintenance gw1 "today 10:05" "today 10:30" firmware upgrade')
    assert not reply.is_error, reply.text
    assert "#1" in reply.text
    listed = await h.say("georgi", "/maintenance")
    assert any("firmware upgrade" in line for line in listed.lines)
    refused = await h.say("ivana", "/maintenance gw1 10:05 10:30")
    assert refused.is_error
    set_(fakes, "gw1_sip", "down", "SIP 503 Service Unavailable")
    for _ in range(20):  # 10:04 .. 10:23: inside the window
        await tick(h, rt, "gw1_sip")
    assert health_messages(h) == []
    for _ in range(10):  # the window ends at 10:30 and the gateway is still down
        await tick(h, rt, "gw1_sip")
    assert [m.kind for m in health_messages(h)] == ["health.down"]
    history = await h.say("georgi", "/health history gw1")
    assert any("SIP 503" in line for line in history.lines)


async def test_phones_and_uccx_alerts_are_folded_into_cucm(desk) -> None:  # type: ignore[no-untyped-def]
    h, rt, fakes = desk
    await tick(h, rt, "cucm_axl", "uccx_api", "phones")
    for c in ("cucm_axl", "uccx_api", "phones"):
        set_(fakes, c, "down")
    for _ in range(5):
        await tick(h, rt, "cucm_axl", "uccx_api", "phones")
    assert [json.loads(m.payload)["component"] for m in health_messages(h)] == ["cucm"]
    # CUCM comes back, UCCX stays down: now UCCX's own outage is news.
    set_(fakes, "cucm_axl", "up")
    set_(fakes, "phones", "up")
    for _ in range(3):
        await tick(h, rt, "cucm_axl", "uccx_api", "phones")
    comps = [(json.loads(m.payload)["component"], m.kind) for m in health_messages(h)]
    assert comps == [("cucm", "health.down"), ("cucm", "health.up"), ("uccx", "health.down")]


async def test_one_replica_per_period(desk) -> None:  # type: ignore[no-untyped-def]
    h, rt, fakes = desk
    first = await run_check(h.app.services, rt, "noi", "gw1_sip")
    second = await run_check(h.app.services, rt, "noi", "gw1_sip")
    assert first is not None and second is None and fakes.probes["gw1_sip"].calls == 1


async def test_health_table_is_bounded_by_the_total_timeout(desk) -> None:  # type: ignore[no-untyped-def]
    h, _rt, fakes = desk
    set_(fakes, "gw1_sip", "down", "SIP 503 Service Unavailable")
    fakes.probes["uccx_api"] = Scripted(hang=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    reply = await h.say("ivana", "/health")
    assert loop.time() - started < 2
    text = reply.as_text()
    assert "CUCM/cucm_axl" in text and "SIP 503 Service Unavailable" in text
    assert "0.5s" in text  # the hanging one
    assert reply.text.startswith("Състояние на") and "2/4" in reply.text
    one = await h.say("georgi", "/health gw1")
    assert len(one.lines) == 2 and "VGW-1/gw1_sip" in one.lines[1]
    none = await h.say("georgi", "/health crm")
    assert none.is_error


async def test_health_without_probes_wired_says_so(db_url: str) -> None:
    h = DeskHarness(noi_with_checks(), db_url, MONDAY_1004_SOFIA)
    try:
        reply = await h.say("georgi", "/health")
        assert reply.is_error and "проверки" in reply.text.lower()
    finally:
        h.close()


def test_config_errors_name_the_key() -> None:
    from pydantic import ValidationError

    bad = {"x": {"component": "nope", "type": "tcp", "host": "h", "port": 1}}
    with pytest.raises(ValidationError) as err:
        noi_with_checks(bad)
    assert "customers.noi.checks" in str(err.value).replace("\n", " ").replace(" ", ".") or "checks" in str(err.value)
    assert "x.component: 'nope' is not a component" in str(err.value)
    with pytest.raises(ValidationError) as err:
        noi_with_checks({"r": {"component": "callrec", "type": "freshness", "max_age": "30m"}})
    assert "needs sql_url_env + query, or url + json_path" in str(err.value)
    with pytest.raises(ValidationError) as err:
        noi_with_checks({"s": {"component": "gw1", "type": "sip", "host": "h", "interval": "soon"}})
    assert "interval" in str(err.value) and "not a duration" in str(err.value)


def test_examples_configure_the_acceptance_checks(noi_config, hgp_config) -> None:  # type: ignore[no-untyped-def]
    noi = noi_config.customers["noi"]
    assert {c.component for c in noi.checks.values()} == set(noi.components)
    hgp = hgp_config.customers["hgp"]
    assert {c.component for c in hgp.checks.values()} >= {"crm", "sql", "reporting", "sms"}
    assert noi.checks["callrec_recording"].type == "freshness" and noi.checks["phones"].expected == 22  # type: ignore[union-attr]


async def test_a_run_a_crash_cut_off_is_marked_interrupted_once_on_the_history(desk) -> None:  # type: ignore[no-untyped-def]
    from commands.health.recovery import mark_interrupted
    from storage.health import HealthRepo

    h, rt, fakes = desk
    await tick(h, rt, "gw1_sip", "cucm_axl")  # finished runs: nothing to mark
    slot = int(h.clock.now().timestamp() // 60)  # a process claimed gw1_sip's period, then died mid-probe
    assert h.db.write_sync(lambda s: HealthRepo(s).claim_slot("noi", "gw1_sip", "gw1", slot))

    def mark() -> list[tuple[str, str]]:
        return h.db.write_sync(lambda s: mark_interrupted(h.app.services, rt.total_timeout, s))

    assert mark() == []  # another replica could still be probing it
    h.advance(minutes=2)
    assert mark() == [("noi", "gw1_sip")]
    assert mark() == []  # once
    history = await h.say("georgi", "/health history gw1")
    assert "gw1_sip: проверката е прекъсната" in history.as_text(), history.as_text()
    assert fakes.probes["gw1_sip"].calls == 1
    assert await run_check(h.app.services, rt, "noi", "gw1_sip") is not None  # its next period runs as usual
