"""The process's Prometheus metrics: in-process counters (commands, delivery attempts) and a collector
that reads the database at scrape time (incidents, SLA breaches, outbox, health, backups).

Everything lives in the app's own ``CollectorRegistry``, never the global one, so several desks in one
process (the tests) do not collide.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from commands.incidents.domain.lifecycle import STATES
from storage.db import Database
from storage.ops_stats import OpsStats, read_stats

log = logging.getLogger(__name__)
HEALTH_STATES = ("pending", "up", "degraded", "down")


class OpsMetrics:
    def __init__(self, db: Database, now: Callable[[], datetime], customers: Iterable[str]) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter("dutydesk_commands", "Commands handled, by command and outcome (ok, refused, failed)",
                                ["command", "outcome"], registry=self.registry)
        self.deliveries = Counter("dutydesk_delivery_attempts",
                                  "Outbox delivery attempts, by transport and outcome (ok, failed, refused, gave_up, "
                                  "unroutable)",
                                  ["transport", "outcome"], registry=self.registry)
        self._children: dict[tuple[str, str, str], Counter] = {}  # labels() takes a lock; cache the children
        self.dispatcher_ticks: Callable[[], int] = lambda: 0
        self.journal_pending: Callable[[], int] = lambda: 0  # reports kept while the database is away
        self.registry.register(DatabaseCollector(db, now, tuple(customers), lambda: self.dispatcher_ticks(),
                                                 lambda: self.journal_pending()))

    def command(self, command: str, outcome: str) -> None:
        self._child(self.commands, "c", command, outcome).inc()

    def delivery(self, transport: str, outcome: str) -> None:
        self._child(self.deliveries, "d", transport, outcome).inc()

    def _child(self, parent: Counter, kind: str, a: str, b: str) -> Counter:
        key = (kind, a, b)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = parent.labels(a, b)
        return child

    def render(self) -> bytes:
        """The text exposition (blocking: it reads the database; call it off the event loop)."""
        return generate_latest(self.registry)


class DatabaseCollector:
    """Reads the register at scrape time; a database that does not answer gives ``dutydesk_database_up 0``."""

    def __init__(self, db: Database, now: Callable[[], datetime], customers: tuple[str, ...],
                 ticks: Callable[[], int], kept: Callable[[], int] = lambda: 0) -> None:
        self.db, self.now, self.customers, self.ticks, self.kept = db, now, customers, ticks, kept

    def collect(self) -> Iterable[Metric]:
        ticks = CounterMetricFamily("dutydesk_dispatcher_ticks", "Completed outbox dispatcher ticks")
        ticks.add_metric([], self.ticks())
        yield ticks
        yield GaugeMetricFamily("dutydesk_journal_pending", "Reports kept in the journal while the database was "
                                "away, not registered yet (this process's)", value=self.kept())
        up = GaugeMetricFamily("dutydesk_database_up", "Whether the database answered this scrape")
        now = self.now()
        try:
            stats = self.db.read_sync(lambda s: read_stats(s, now))
        except Exception:
            log.exception("metrics: the database did not answer")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from self._register(stats, now)
        yield from self._health(stats)
        yield from self._backups(stats)

    def _register(self, stats: OpsStats, now: datetime) -> Iterable[Metric]:
        incidents = GaugeMetricFamily("dutydesk_incidents", "Incidents in the register, by customer and state",
                                      labels=["customer", "state"])
        counts = {**{(c, s): 0 for c in self.customers for s in STATES}, **stats.incidents}
        for (customer, state), n in sorted(counts.items()):
            incidents.add_metric([customer, state], n)
        yield incidents
        breaches = GaugeMetricFamily(
            "dutydesk_sla_breaches", "SLA clocks breached (stopped late, or announced as breached while running)",
            labels=["customer", "clock"])
        for (customer, clock), n in sorted(stats.breaches.items()):
            breaches.add_metric([customer, clock], n)
        yield breaches
        yield GaugeMetricFamily("dutydesk_outbox_pending", "Outbox messages not delivered yet",
                                value=stats.outbox_pending)
        yield GaugeMetricFamily("dutydesk_outbox_due", "Undelivered outbox messages due for delivery now",
                                value=stats.outbox_due)
        lag = (now - stats.outbox_oldest_due).total_seconds() if stats.outbox_oldest_due else 0.0
        yield GaugeMetricFamily("dutydesk_outbox_lag_seconds", "Age of the oldest undelivered message that is due",
                                value=max(lag, 0.0))
        yield GaugeMetricFamily("dutydesk_outbox_failing", "Undelivered outbox messages whose delivery failed before",
                                value=stats.outbox_failing)
        failed = GaugeMetricFamily(
            "dutydesk_deliveries_failed", "Destinations that never got a message: refused for good or still failing "
            "at the attempt cap (each is reported to the engineers)", labels=["customer", "transport"])
        for (customer, transport), n in sorted(stats.deliveries_failed.items()):
            failed.add_metric([customer, transport], n)
        yield failed

    def _health(self, stats: OpsStats) -> Iterable[Metric]:
        state = GaugeMetricFamily("dutydesk_health_check_state", "Health check state (1 for the current one)",
                                  labels=["customer", "check", "component", "state"])
        latency = GaugeMetricFamily("dutydesk_health_check_latency_seconds", "Latency of the last probe",
                                    labels=["customer", "check", "component"])
        for row in stats.health:
            for s in HEALTH_STATES:
                state.add_metric([row.customer, row.check, row.component, s], 1 if row.state == s else 0)
            if row.latency_ms is not None:
                latency.add_metric([row.customer, row.check, row.component], row.latency_ms / 1000)
        yield state
        yield latency

    def _backups(self, stats: OpsStats) -> Iterable[Metric]:
        runs = GaugeMetricFamily("dutydesk_backup_runs", "Backup runs recorded, by target and status",
                                 labels=["customer", "target", "status"])
        for (customer, target, status), n in sorted(stats.backup_runs.items()):
            runs.add_metric([customer, target, status], n)
        yield runs
        last = GaugeMetricFamily("dutydesk_backup_last_status", "Status of the last finished backup run (1)",
                                 labels=["customer", "target", "status"])
        for row in stats.backup_last:
            last.add_metric([row.customer, row.target, row.status], 1)
        yield last
        ok = GaugeMetricFamily("dutydesk_backup_last_success_timestamp_seconds",
                               "When the last successful backup finished (Unix time)", labels=["customer", "target"])
        for (customer, target), at in sorted(stats.backup_last_success.items()):
            ok.add_metric([customer, target], at.timestamp())
        yield ok
