"""Backups of the customers' systems: ``/backup <target|all>``, ``/backup diff <target>``, ``/backups
[target]``, the scheduled run with retries (``run_scheduled``) and the stale-backup alert
(``check_stale``).

Drivers and the artifact store are outbound adapters (integrations/backups) handed in by the process
through a ``BackupRuntime`` (``install``); this module only sees their protocols. Every run is a
``backup_run`` row: queued (in the writer, before anything runs) → running → succeeded | failed, or
interrupted when the process died under it. Progress of a run asked for in chat goes to the engineers'
channel through the outbox, one message per state with the run's id, for the transports to show as one
message edited in place; a changed text configuration posts its masked diff there too.

Nothing typed in chat reaches a driver: the target word must be one of the configured target ids (or
``all``), and everything a driver runs comes from the validated config.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from commands.backups.domain.config import TARGET_ID
from commands.backups.runtime import ArtifactLike, BackupRuntime, VersionLike
from commands.desk.context import Async, Context, Outcome, Read, Services
from commands.desk.parse import Parsed
from commands.desk.reply import Reply
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime, format_duration
from storage.backups import BackupRepo
from storage.models_backup import BackupRun
from storage.outbox import Outbox

log = logging.getLogger(__name__)
GRACE = timedelta(minutes=2)  # beyond a target's timeout before an active run is taken as lost
DIFF_LINES = 40  # lines of a diff posted to the channel (the whole diff: /backup diff)
SCHEDULE = "schedule"


# -- formatting ------------------------------------------------------------------------------------
def human_size(size: int | None) -> str:
    if size is None:
        return "—"
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"  # the largest unit: a 5 TB dump is "5120.0 GB"


def diff_counts(diff: str) -> tuple[int, int]:
    added = sum(1 for x in diff.splitlines() if x.startswith("+") and not x.startswith("+++"))
    removed = sum(1 for x in diff.splitlines() if x.startswith("-") and not x.startswith("---"))
    return added, removed


# -- one run ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    status: str  # succeeded | failed | interrupted
    error: str | None = None
    size: int | None = None
    sha256: str | None = None
    location: str | None = None
    changed: bool | None = None
    diff: str = ""


@dataclass(frozen=True)
class Announce:
    """Where a run's messages go: progress for runs asked for in chat, alerts for scheduled ones."""

    progress: bool
    locale: str
    attempt: int = 1
    attempts: int = 1


def _progress_payload(run_id: int, target_id: str, state: str, locale: str, lines: Sequence[str] = (),
                      **params: object) -> dict[str, Any]:
    text = t(locale, f"backup.progress.{state}", id=run_id, target=target_id, **params)
    kind = {"failed": "error", "interrupted": "error", "succeeded": "ok"}.get(state, "info")
    # One chat message per run, edited in place; update_seq keeps a late state from replacing a newer one.
    seq = {"queued": 0, "running": 1}.get(state, 2)
    return {"text": text, "lines": list(lines), "kind": kind, "locale": locale, "backup_run_id": run_id,
            "state": state, "target": target_id, "update_key": f"backup:{run_id}", "update_seq": seq}


def _put_progress(session: Session, customer_id: str, run_id: int, target_id: str, state: str, locale: str,
                  now: datetime, lines: Sequence[str] = (), **params: object) -> None:
    Outbox(session).put(dedupe_key=f"backup:{run_id}:{state}", customer_id=customer_id, kind="backup.progress",
                        audience=f"engineers:{customer_id}",
                        payload=_progress_payload(run_id, target_id, state, locale, lines, **params), now=now)


def queue_run(session: Session, services: Services, runtime: BackupRuntime, customer_id: str, target_id: str,
              *, trigger: str, requested_by: str, now: datetime, run_key: str | None = None,
              attempt: int = 1) -> BackupRun | None:
    cfg = services.config.customers[customer_id].backups[target_id]
    return BackupRepo(session).queue(
        customer_id=customer_id, target_id=target_id, driver=cfg.driver, trigger=trigger,
        requested_by=requested_by, now=now, deadline=now + timedelta(seconds=cfg.timeout_seconds) + GRACE,
        owner=runtime.owner, run_key=run_key, attempt=attempt)


async def execute(services: Services, runtime: BackupRuntime, run_id: int, customer_id: str, target_id: str,
                  announce: Announce) -> RunOutcome:
    """Run a queued backup to its end and record the outcome (with the messages it causes)."""
    customer = services.config.customers[customer_id]
    cfg = customer.backups[target_id]
    db, store = services.db, runtime.store
    locale = announce.locale
    started = services.clock.now()
    deadline = started + timedelta(seconds=cfg.timeout_seconds) + GRACE

    def start(session: Session) -> BackupRun | None:
        run = BackupRepo(session).start(run_id, started, deadline)
        if run is not None and announce.progress:
            _put_progress(session, customer_id, run_id, target_id, "running", locale, started)
        return run

    if await db.write(start) is None:
        return RunOutcome(run_id, "interrupted", "the run was no longer queued")
    error: str | None = None
    artifact: ArtifactLike | None = None
    version: VersionLike | None = None
    note = ""
    workdir: Path | None = None
    try:
        driver = runtime.build(customer_id, target_id)
        workdir = await asyncio.to_thread(store.workdir, customer_id, target_id, run_id, cfg.directory)

        async def progress(text: str) -> None:
            log.debug("backup #%s %s/%s: %s", run_id, customer_id, target_id, text)

        # The driver keeps its own timeout; this one is the backstop for a driver that does not.
        produced = await asyncio.wait_for(driver.run(workdir, progress), driver.timeout + 30)
        note = produced.note
        finished = services.clock.now()
        artifact = await asyncio.to_thread(store.keep, workdir, finished, run_id)
        if produced.text is not None:
            text = produced.text
            version = await asyncio.to_thread(
                lambda: store.version(customer_id, target_id, text, at=finished,
                                      message=f"{target_id}: backup #{run_id}", secret_patterns=cfg.secret_patterns))
    except asyncio.CancelledError:
        if workdir is not None:
            await asyncio.to_thread(store.discard, workdir)
        raise
    except TimeoutError:
        error = f"no outcome after {cfg.timeout_seconds:g}s"
    except Exception as exc:
        expected = isinstance(exc, runtime.failures)
        error = str(exc) if expected else f"{type(exc).__name__}: {exc}"
        if not expected:
            log.exception("backup #%s %s/%s failed unexpectedly", run_id, customer_id, target_id)
    if error is not None and workdir is not None:
        await asyncio.to_thread(store.discard, workdir)
    pruned: list[int] = []
    if artifact is not None:
        try:
            pruned = await asyncio.to_thread(lambda: store.prune(
                customer_id, target_id, services.clock.now(), keep_last=cfg.keep_last, keep_days=cfg.keep_days,
                directory=cfg.directory))
        except OSError as exc:
            log.warning("retention of %s/%s failed: %s", customer_id, target_id, exc)
    finished = services.clock.now()
    outcome = RunOutcome(
        run_id, "failed" if error else "succeeded", error, artifact.size if artifact else None,
        artifact.sha256 if artifact else None, artifact.location if artifact else None,
        version.changed if version else None, version.diff if version else "")

    def finish(session: Session) -> RunOutcome:
        repo = BackupRepo(session)
        row = repo.finish(run_id, finished, status=outcome.status, size=outcome.size, sha256=outcome.sha256,
                          location=outcome.location, note=note, changed=outcome.changed,
                          commit=version.commit if version else None, error=error)
        repo.mark_pruned(customer_id, target_id, [r for r in pruned if r != run_id])
        if row is None:  # marked interrupted meanwhile (the desk was restarted under it): keep that
            return RunOutcome(run_id, "interrupted", "the run was interrupted")
        lines = _result_lines(locale, outcome, version, note, len(pruned))
        if announce.progress:
            if error is None:
                _put_progress(session, customer_id, run_id, target_id, "succeeded", locale, finished, lines,
                              size=human_size(outcome.size), sha=outcome.sha256)
            else:
                _put_progress(session, customer_id, run_id, target_id, "failed", locale, finished, error=error)
        elif error is not None:
            _put_failure_alert(session, customer_id, target_id, cfg.retry_delay_seconds, run_id, error, announce,
                               finished)
        if version is not None and version.changed and not version.first:
            _put_diff(session, customer_id, target_id, run_id, version, locale, finished)
        return outcome

    return await db.write(finish)


def _result_lines(locale: str, outcome: RunOutcome, version: VersionLike | None, note: str,
                  pruned: int) -> list[str]:
    lines = []
    if version is not None:
        short = version.commit[:10]
        if version.first:
            lines.append(t(locale, "backup.line.first", commit=short))
        elif version.changed:
            added, removed = diff_counts(version.diff)
            lines.append(t(locale, "backup.line.changed", added=added, removed=removed, commit=short))
        else:
            lines.append(t(locale, "backup.line.unchanged", commit=short))
    if outcome.location:
        lines.append(t(locale, "backup.line.location", location=outcome.location))
    if note:
        lines.append(t(locale, "backup.line.note", note=note))
    if pruned:
        lines.append(t(locale, "backup.line.pruned", count=pruned))
    return lines


def _put_diff(session: Session, customer_id: str, target_id: str, run_id: int, version: VersionLike, locale: str,
              now: datetime) -> None:
    added, removed = diff_counts(version.diff)
    all_lines = version.diff.splitlines()
    lines = all_lines[:DIFF_LINES]
    if len(all_lines) > DIFF_LINES:
        lines.append(t(locale, "backup.diff.more", count=len(all_lines) - DIFF_LINES, target=target_id))
    Outbox(session).put(
        dedupe_key=f"backup:{run_id}:diff", customer_id=customer_id, kind="backup.diff",
        audience=f"engineers:{customer_id}", now=now,
        payload={"text": t(locale, "backup.diff.title", target=target_id, added=added, removed=removed, id=run_id),
                 "lines": lines, "kind": "info", "locale": locale, "backup_run_id": run_id, "state": "diff",
                 "target": target_id, "commit": version.commit})


def _put_failure_alert(session: Session, customer_id: str, target_id: str, retry_delay: float, run_id: int,
                       error: str, announce: Announce, now: datetime) -> None:
    locale = announce.locale
    text = t(locale, "backup.alert.failed", target=target_id, attempt=announce.attempt, attempts=announce.attempts,
             error=error)
    if announce.attempt < announce.attempts:
        lines = [t(locale, "backup.alert.retry", delay=format_duration(timedelta(seconds=retry_delay), locale))]
    else:
        lines = [t(locale, "backup.alert.gave_up", target=target_id)]
    Outbox(session).put(
        dedupe_key=f"backup:{run_id}:alert", customer_id=customer_id, kind="backup.failed",
        audience=f"engineers:{customer_id}", now=now,
        payload={"text": text, "lines": lines, "kind": "error", "locale": locale, "backup_run_id": run_id,
                 "state": "failed", "target": target_id})


# -- scheduled runs --------------------------------------------------------------------------------
async def run_scheduled(services: Services, runtime: BackupRuntime, customer_id: str, target_id: str,
                        period: datetime) -> RunOutcome | None:
    """The scheduled backup of ``period`` (the cron fire time): claimed by one replica through the run
    key, retried per config; None when another replica has it."""
    customer = services.config.customers[customer_id]
    cfg = customer.backups[target_id]
    if not cfg.enabled:
        return None
    attempts = cfg.retries + 1
    outcome: RunOutcome | None = None
    base_key = f"{customer_id}:{target_id}:{period.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    for attempt in range(1, attempts + 1):
        now = services.clock.now()
        key = f"{base_key}:{attempt}"

        def claim(session: Session, key: str = key, attempt: int = attempt, now: datetime = now) -> BackupRun | None:
            return queue_run(session, services, runtime, customer_id, target_id, trigger="schedule",
                             requested_by=SCHEDULE, now=now, run_key=key, attempt=attempt)

        run = await services.db.write(claim)
        if run is None or run.id is None:
            return outcome  # another replica runs this period (or this attempt)
        outcome = await execute(services, runtime, run.id, customer_id, target_id,
                                Announce(progress=False, locale=customer.locale, attempt=attempt, attempts=attempts))
        if outcome.status != "failed":
            return outcome
        if attempt < attempts:
            await runtime.sleep(cfg.retry_delay_seconds)
    return outcome


# -- stale backups ---------------------------------------------------------------------------------
def check_stale_unit(services: Services, now: datetime) -> Callable[[Session], int]:
    """Mark lost runs interrupted and queue an alert for each target whose last successful backup is
    older than its ``max_age`` (once per ``max_age`` while it stays so). Returns the alerts queued."""

    def unit(session: Session) -> int:
        repo = BackupRepo(session)
        repo.interrupt_overdue(now)
        outbox = Outbox(session)
        queued = 0
        for customer_id, customer in services.config.customers.items():
            for target_id, cfg in customer.backups.items():
                limit = cfg.max_age_td
                if not cfg.enabled or limit is None:
                    continue
                last = repo.last_success(customer_id, target_id)
                at = last.finished_at if last is not None else None
                if at is not None and now - at <= limit:
                    continue
                locale, step = customer.locale, max(1, int(limit.total_seconds()))
                if at is None:
                    key = f"never:{int(now.timestamp()) // step}"
                    text = t(locale, "backup.alert.never", target=target_id, limit=format_duration(limit, locale))
                    lines: list[str] = []
                else:
                    key = f"{at.isoformat()}:{int((now - at).total_seconds()) // step}"
                    text = t(locale, "backup.alert.stale", target=target_id,
                             age=format_duration(now - at, locale), limit=format_duration(limit, locale))
                    lines = [t(locale, "backup.line.last_success",
                               when=format_datetime(at, customer.tz, locale, with_tz=True))]
                if outbox.put(dedupe_key=f"backup:stale:{customer_id}:{target_id}:{key}", customer_id=customer_id,
                              kind="backup.stale", audience=f"engineers:{customer_id}", now=now,
                              payload={"text": text, "lines": lines, "kind": "error", "locale": locale,
                                       "target": target_id}):
                    queued += 1
        return queued

    return unit


def active_owners_unit(session: Session) -> set[str]:
    """The processes that hold queued or running backups (to find the dead ones among them)."""
    return BackupRepo(session).active_owners()


def interrupt_unfinished_unit(now: datetime, owners: Collection[str] | None = None) -> Callable[[Session], list[int]]:
    """For start-up: runs the dead processes ``owners`` left queued or running become "interrupted"
    (every unfinished run when None)."""
    return lambda session: BackupRepo(session).interrupt_unfinished(now, owners)


# -- chat commands ---------------------------------------------------------------------------------
def _targets(ctx: Context, word: str, *, allow_all: bool) -> list[str]:
    backups = ctx.customer.backups
    if not backups:
        ctx.fail("backup.no_targets", customer=ctx.customer.name)
    folded = word.casefold()
    if allow_all and folded == "all":
        return [k for k, c in backups.items() if c.enabled]
    if TARGET_ID.match(folded) and folded in backups:
        return [folded]
    shown = word if len(word) <= 40 else word[:40] + "…"
    ctx.fail("backup.unknown_target", value=repr(shown), customer=ctx.customer.name, choices=", ".join(backups))


def backup(ctx: Context, p: Parsed) -> Outcome:
    """``/backup <target|all>`` and ``/backup diff <target>``."""
    words = p.args.split()
    if p.options or not words or len(words) > 2 or (len(words) == 2 and words[0].casefold() != "diff"):
        ctx.fail("error.usage", usage=ctx.t("help.backup"))
    if words[0].casefold() == "diff":
        if len(words) != 2:
            ctx.fail("error.usage", usage=ctx.t("help.backup"))
        return _diff(ctx, _targets(ctx, words[1], allow_all=False)[0])
    targets = _targets(ctx, words[0], allow_all=True)
    runtime = ctx.services.backups
    if runtime is None:
        ctx.fail("backup.not_running")
    services, customer_id, locale, now = ctx.services, ctx.customer_id, ctx.locale, ctx.now
    person = ctx.actor.person_id
    customer = ctx.customer

    def queue(session: Session) -> tuple[list[tuple[str, int]], list[tuple[str, BackupRun]]]:
        repo = BackupRepo(session)
        new: list[tuple[str, int]] = []
        busy: list[tuple[str, BackupRun]] = []
        for target_id in targets:
            active = repo.active(customer_id, target_id)
            if active is not None:
                busy.append((target_id, active))
                continue
            run = queue_run(session, services, runtime, customer_id, target_id, trigger="person",
                            requested_by=person, now=now)
            assert run is not None and run.id is not None
            _put_progress(session, customer_id, run.id, target_id, "queued", locale, now)
            new.append((target_id, run.id))
        return new, busy

    async def run() -> Reply:
        new, busy = await services.db.write(queue)
        for target_id, run_id in new:
            runtime.spawn(execute(services, runtime, run_id, customer_id, target_id,
                                  Announce(progress=True, locale=locale)))
        lines = [t(locale, "backup.line.queued", id=run_id, target=target_id) for target_id, run_id in new]
        lines += [t(locale, "backup.line.busy", target=target_id, id=r.id, state=t(locale, f"backup.state.{r.status}"))
                  for target_id, r in busy]
        return Reply(text=t(locale, "backup.started", customer=customer.name, count=len(new)), lines=tuple(lines),
                     kind="ok" if new else "info", locale=locale)

    return Async(run)


def _diff(ctx: Context, target_id: str) -> Outcome:
    cfg = ctx.customer.backups[target_id]
    if not cfg.versioned:
        ctx.fail("backup.not_versioned", target=target_id)
    runtime = ctx.services.backups
    if runtime is None:
        ctx.fail("backup.not_running")
    customer, customer_id, locale = ctx.customer, ctx.customer_id, ctx.locale

    async def run() -> Reply:
        change = await asyncio.to_thread(runtime.store.last_change, customer_id, target_id, cfg.secret_patterns)
        if change is None:
            return Reply(text=t(locale, "backup.diff.none", target=target_id), kind="info", locale=locale)
        title = t(locale, "backup.diff.last", target=target_id, commit=change.commit[:10],
                  when=format_datetime(change.at, customer.tz, locale, with_tz=True))
        if change.first:
            return Reply(text=title, lines=(t(locale, "backup.diff.first"),), kind="info", locale=locale)
        return Reply(text=title, lines=tuple(change.diff.splitlines()), kind="info", locale=locale)

    return Async(run)


def backups(ctx: Context, p: Parsed) -> Outcome:
    """``/backups [target]``: the recent runs."""
    words = p.args.split()
    if len(words) > 1 or p.options:
        ctx.fail("error.usage", usage=ctx.t("help.backups"))
    target_id = _targets(ctx, words[0], allow_all=False)[0] if words else None
    if not ctx.customer.backups:
        ctx.fail("backup.no_targets", customer=ctx.customer.name)
    customer, customer_id, locale = ctx.customer, ctx.customer_id, ctx.locale
    people = ctx.services.config.people

    def query(session: Session) -> Reply:
        runs = BackupRepo(session).recent(customer_id, target_id, limit=10 if target_id is None else 15)
        title = t(locale, "backup.list.title", customer=customer.name) + (f" · {target_id}" if target_id else "")
        if not runs:
            return Reply(text=title, lines=(t(locale, "backup.list.empty"),), kind="info", locale=locale)
        return Reply(text=title, lines=tuple(run_line(r, customer.tz, locale, people) for r in runs), kind="info",
                     locale=locale)

    return Read(query)


def run_line(run: BackupRun, tz: Any, locale: str, people: dict[str, Any]) -> str:
    when = format_datetime(run.started_at or run.queued_at, tz, locale)
    if run.trigger == "schedule":
        who = t(locale, "backup.trigger.schedule")
    else:
        person = people.get(run.requested_by)
        who = t(locale, "backup.trigger.person", person=person.name if person is not None else run.requested_by)
    parts = [f"#{run.id} {run.target_id}", when, t(locale, f"backup.state.{run.status}")]
    if run.status == "succeeded":
        parts += [human_size(run.size), f"SHA-256 {(run.sha256 or '')[:12]}…"]
        if run.changed is not None and run.commit:
            parts.append(f"git {run.commit[:10]}" + (" ±" if run.changed else ""))
        if run.pruned:
            parts.append(t(locale, "backup.word.pruned"))
        elif run.location:
            parts.append(run.location)
    elif run.error:
        parts.append(run.error[:200])
    if run.finished_at and run.started_at:
        parts.append(format_duration(run.finished_at - run.started_at, locale))
    parts.append(who)
    return " · ".join(parts)
