"""The metrics collector reads exactly what the database holds at scrape time; the in-process counters
count commands and delivery attempts."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.dispatcher import Dispatcher
from bot.metrics import OpsMetrics
from storage.db import Database
from storage.models import Incident, OutboxMessage, SlaClock
from storage.models_backup import BackupRun
from storage.models_health import HealthCheckState
from tests.bot.ops_helpers import samples, value
from tests.bot.test_dispatcher import Recorder
from tests.conftest import utc
from tests.harness import DeskHarness

NOW = utc(2026, 11, 23, 12, 0)


def _incident(n: int, customer: str, state: str) -> Incident:
    prefix = customer.upper()
    return Incident(control_number=f"{prefix}-2026-{n:05d}", customer_id=customer, year=2026, seq=n, category="urgent",
                    component="cucm", description="x", reporter="ivana", source="console:console", state=state,
                    reported_at=NOW, registered_at=NOW)


def _outbox(key: str, *, created: datetime, due: datetime, sent: bool = False, attempts: int = 0) -> OutboxMessage:
    return OutboxMessage(dedupe_key=key, customer_id="noi", kind="sla.breach", audience="customer:noi", payload="{}",
                         created_at=created, next_attempt_at=due, attempts=attempts,
                         sent_at=created if sent else None)


def _seed(db: Database) -> None:
    def unit(session):  # type: ignore[no-untyped-def]
        incidents = [_incident(1, "noi", "registered"), _incident(2, "noi", "registered"),
                     _incident(3, "noi", "confirmed"), _incident(1, "hgp", "acknowledged")]
        session.add_all(incidents)
        session.flush()
        i1, i2, i3, h1 = (i.id for i in incidents)
        session.add_all([
            SlaClock(incident_id=i1, name="reaction", target="30m", met=False, stopped_at=NOW),  # stopped late
            SlaClock(incident_id=i2, name="reaction", target="30m", breach_sent=True),  # running, announced
            SlaClock(incident_id=i3, name="reaction", target="30m", met=True, stopped_at=NOW),  # met
            SlaClock(incident_id=i3, name="resolution", target="4h", met=False, breach_sent=True, stopped_at=NOW),
            SlaClock(incident_id=i1, name="resolution", target="4h"),  # running, fine
            SlaClock(incident_id=h1, name="arrival", target="1h", met=False, stopped_at=NOW),
        ])
        session.add_all([
            _outbox("sent", created=NOW - timedelta(hours=1), due=NOW - timedelta(hours=1), sent=True),
            _outbox("due-old", created=NOW - timedelta(seconds=90), due=NOW - timedelta(seconds=5)),
            _outbox("due-failing", created=NOW - timedelta(seconds=30), due=NOW, attempts=2),
            _outbox("later", created=NOW - timedelta(hours=2), due=NOW + timedelta(minutes=5), attempts=1),
        ])
        session.add_all([
            HealthCheckState(customer_id="noi", check_id="cucm-axl", component="cucm", state="down",
                             last_latency_ms=250.0),
            HealthCheckState(customer_id="noi", check_id="crm-http", component="crm", state="up"),
        ])
        for status, hours in (("succeeded", 30), ("failed", 20), ("succeeded", 10), ("failed", 2), ("running", 1)):
            session.add(BackupRun(customer_id="noi", target_id="gw1", driver="ssh", trigger="schedule",
                                  requested_by="schedule", status=status, queued_at=NOW - timedelta(hours=hours),
                                  finished_at=None if status == "running" else NOW - timedelta(hours=hours)))
        session.add(BackupRun(customer_id="noi", target_id="cucm", driver="ssh", trigger="person", requested_by="maria",
                              status="succeeded", queued_at=NOW, finished_at=NOW - timedelta(minutes=1)))

    db.write_sync(unit)


def test_the_collector_reports_the_rows_of_the_database(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    try:
        _seed(db)
        metrics = OpsMetrics(db, lambda: NOW, ["noi", "hgp"])
        m = samples(metrics.render().decode())
        assert value(m, "dutydesk_database_up") == 1.0
        assert value(m, "dutydesk_incidents", customer="noi", state="registered") == 2.0
        assert value(m, "dutydesk_incidents", customer="noi", state="confirmed") == 1.0
        assert value(m, "dutydesk_incidents", customer="hgp", state="acknowledged") == 1.0
        assert value(m, "dutydesk_incidents", customer="hgp", state="registered") == 0.0  # every state is shown
        assert value(m, "dutydesk_sla_breaches", customer="noi", clock="reaction") == 2.0
        assert value(m, "dutydesk_sla_breaches", customer="noi", clock="resolution") == 1.0
        assert value(m, "dutydesk_sla_breaches", customer="hgp", clock="arrival") == 1.0
        assert value(m, "dutydesk_outbox_pending") == 3.0
        assert value(m, "dutydesk_outbox_due") == 2.0
        assert value(m, "dutydesk_outbox_lag_seconds") == 90.0  # the oldest due one, not the later one
        assert value(m, "dutydesk_outbox_failing") == 2.0
        assert value(m, "dutydesk_health_check_state", customer="noi", check="cucm-axl", component="cucm",
                     state="down") == 1.0
        assert value(m, "dutydesk_health_check_state", customer="noi", check="cucm-axl", component="cucm",
                     state="up") == 0.0
        assert value(m, "dutydesk_health_check_state", customer="noi", check="crm-http", component="crm",
                     state="up") == 1.0
        assert value(m, "dutydesk_health_check_latency_seconds", customer="noi", check="cucm-axl",
                     component="cucm") == 0.25
        assert value(m, "dutydesk_backup_runs", customer="noi", target="gw1", status="succeeded") == 2.0
        assert value(m, "dutydesk_backup_runs", customer="noi", target="gw1", status="failed") == 2.0
        assert value(m, "dutydesk_backup_runs", customer="noi", target="gw1", status="running") == 1.0
        # the last finished run of gw1 failed (the running one has not finished)
        assert value(m, "dutydesk_backup_last_status", customer="noi", target="gw1", status="failed") == 1.0
        assert value(m, "dutydesk_backup_last_status", customer="noi", target="gw1", status="succeeded") is None
        assert value(m, "dutydesk_backup_last_status", customer="noi", target="cucm", status="succeeded") == 1.0
        assert value(m, "dutydesk_backup_last_success_timestamp_seconds", customer="noi",
                     target="gw1") == (NOW - timedelta(hours=10)).timestamp()
    finally:
        db.close()


def test_a_database_that_does_not_answer_is_a_metric_not_an_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'never-migrated.db'}")  # no tables: every query fails
    try:
        m = samples(OpsMetrics(db, lambda: NOW, ["noi"]).render().decode())
        assert value(m, "dutydesk_database_up") == 0.0
        assert value(m, "dutydesk_incidents", customer="noi", state="registered") is None
    finally:
        db.close()


async def test_commands_and_delivery_attempts_are_counted(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4))
    try:
        metrics = OpsMetrics(h.db, h.clock.now, noi_config.customers)
        h.app.desk.observe = metrics.command
        await h.say("ivana", "/incident urgent cucm Down")
        await h.say("ivana", "/incident nonsense cucm Down")
        await h.say("ivana", "/frobnicate")
        await h.say("ivana", "/incidents")
        customer = Recorder({"customer:noi"}, fail_times=1)
        dispatcher = Dispatcher(h.db, h.clock, [customer], noi_config, observe=metrics.delivery)
        metrics.dispatcher_ticks = lambda: dispatcher.ticks
        await dispatcher.tick()  # the card fails once
        h.advance(seconds=10)
        await dispatcher.tick()  # and is delivered
        m = samples(metrics.render().decode())
        assert value(m, "dutydesk_commands_total", command="incident", outcome="ok") == 1.0
        assert value(m, "dutydesk_commands_total", command="incident", outcome="refused") == 1.0
        assert value(m, "dutydesk_commands_total", command="other", outcome="refused") == 1.0
        assert value(m, "dutydesk_commands_total", command="incidents", outcome="ok") == 1.0
        assert value(m, "dutydesk_delivery_attempts_total", transport="slack", outcome="failed") == 1.0
        assert value(m, "dutydesk_delivery_attempts_total", transport="slack", outcome="ok") == 1.0
        assert value(m, "dutydesk_dispatcher_ticks_total") == 2.0
    finally:
        h.close()
