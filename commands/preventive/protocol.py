"""The papers: a service protocol per incident and a maintenance protocol per completed planned task, as
``commands.reports.documents.Document`` data in the reader's language, for the renderer the process wires
(``Services.render_document``)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from commands.desk.context import Services
from commands.domain.config import CustomerConfig
from commands.domain.i18n.catalog import MESSAGES, t
from commands.domain.i18n.format import format_datetime, format_duration
from commands.incidents.attachments import files
from commands.incidents.views import category_title, component_title
from commands.preventive.domain.config import localized
from commands.preventive.messages import ref_of, status_of
from commands.preventive.plan import task_ref
from commands.reports.documents import Document, Section, Side
from storage import maintenance as store
from storage.models_maintenance import MaintenanceTask
from storage.register import Register
from storage.reports import health_changes


def _labels(locale: str) -> dict[str, str]:
    return {key: t(locale, f"report.sign.{key}") for key in ("name", "title", "signature", "date", "place")} | {
        "page": t(locale, "report.page")}


def _sides(services: Services, customer: CustomerConfig, locale: str) -> tuple[Side, ...]:
    cfg = customer.reports
    return (Side(t(locale, "report.sign.contractor"), cfg.contractor.name or services.config.desk.contractor,
                 cfg.contractor.signatory, cfg.contractor.title),
            Side(t(locale, "report.sign.customer"), cfg.customer.name or customer.name, cfg.customer.signatory,
                 cfg.customer.title))


def _name(services: Services, pid: str | None) -> str:
    if not pid:
        return "—"
    person = services.config.people.get(pid)
    return person.name if person else pid


def _event_label(locale: str, kind: str) -> str:
    return t(locale, f"event.{kind}") if f"event.{kind}" in MESSAGES else kind


def service_protocol(session: Session, services: Services, customer_id: str, number: str, locale: str,
                     now: datetime) -> Document | None:
    """The service protocol of incident ``number`` of this customer (None: no such incident here)."""
    reg = Register(session)
    inc = reg.by_number(number)
    if inc is None or inc.customer_id != customer_id:
        return None
    customer = services.config.customers[customer_id]
    tz = customer.tz

    def when(at: datetime | None) -> str:
        return format_datetime(at, tz, locale) if at is not None else "—"

    def lbl(key: str) -> str:
        return t(locale, f"doc.{key}")

    facts = Section(lbl("section.incident"), (
        (lbl("number"), inc.control_number),
        (lbl("customer"), customer.name),
        (lbl("category"), category_title(customer, inc.category, locale)),
        (lbl("component"), f"{component_title(customer, inc.component)} — {customer.components[inc.component].name}"
         if inc.component in customer.components else inc.component),
        (lbl("reporter"), _name(services, inc.reporter)),
        (lbl("first_notification"), when(inc.reported_at)),
        (lbl("registered"), when(inc.registered_at)),
        (lbl("state"), t(locale, f"state.{inc.state}")),
    ))
    report = Section(lbl("section.report"), ((lbl("description"), inc.description),))
    clocks = []
    for c in reg.clocks(inc.id or 0):
        if c.deadline is None:
            outcome = t(locale, "report.outcome.waiting")
        elif c.stopped_at is None:
            outcome = t(locale, "report.outcome.breached" if now > c.deadline else "report.outcome.running")
        else:
            margin = format_duration(abs(c.deadline - c.stopped_at), locale)
            outcome = f"{t(locale, 'report.outcome.met' if c.met else 'report.outcome.breached')} " \
                      f"({'+' if c.met else '−'}{margin})"
        clocks.append((t(locale, f"clock.{c.name}"), c.target, when(c.deadline), when(c.stopped_at), outcome))
    sla = Section(lbl("section.clocks"), tuple(clocks), headers=(
        lbl("clock"), lbl("target"), lbl("deadline"), lbl("stopped"), lbl("outcome")), weights=(1.2, 2, 1.6, 1.6, 1.6))
    work = []
    for ev in reg.timeline(inc.id or 0):
        if ev.kind in ("page_attempt",):
            continue
        data = json.loads(ev.data or "{}")
        how = t(locale, f"mode.{data['mode']}") if data.get("mode") in ("onsite", "remote") else ""
        work.append((when(ev.at), _event_label(locale, ev.kind), _name(services, ev.actor), how, ev.text))
    attachments = [(when(f.added_at), f"{f.filename} ({f.content_type}, {f.size} B)", _name(services, f.added_by),
                    f.sha256) for f in files(session, inc.id or 0)]
    done = Section(lbl("section.work"), tuple(work), headers=(
        lbl("when"), lbl("what"), lbl("who"), lbl("how"), lbl("text")), weights=(1.5, 1.5, 1.6, 1, 3.4))
    resolution = Section(lbl("section.resolution"), (
        (lbl("resolution"), inc.resolution or "—"),
        (lbl("resolved"), when(inc.resolved_at)),
        (lbl("confirmed"), when(inc.confirmed_at)),
        (lbl("arrival_mode"), t(locale, f"mode.{inc.arrival_mode}") if inc.arrival_mode in ("onsite", "remote") else "—"),
    ))
    kept = Section(lbl("section.attachments"), tuple(attachments),
                   headers=(lbl("when"), lbl("file"), lbl("who"), "SHA-256"), weights=(1.3, 2.4, 1.4, 3),
                   empty=lbl("no_attachments"))
    sections = [facts, report, sla, done, resolution, kept]
    task = store.task_of_incident(session, inc.id or 0)
    if task is not None:
        sections.append(Section(lbl("section.planned"), ((lbl("task"), f"{_isolate(ref_of(task), locale)} · "
                                                          f"{_title(services, task, locale)}"),)))
    return Document(
        locale=locale, filename=f"service-protocol-{inc.control_number}.pdf",
        title=t(locale, "doc.service.title", number=inc.control_number),
        subtitle=(customer.name, customer.contract, t(locale, "doc.made", when=when(now))),
        running=f"{customer.name} · {t(locale, 'doc.service.title', number=inc.control_number)}",
        sections=tuple(sections), signatures=t(locale, "report.section.signatures"),
        sides=_sides(services, customer, locale), labels=_labels(locale), place=customer.reports.place,
        author=customer.reports.contractor.name or services.config.desk.contractor)


def _isolate(text: str, locale: str) -> str:
    """Left-to-right text (``config-archive#2``) inside Persian: isolated (LRI … PDI), so the bidi algorithm
    keeps it whole and in place, as the monthly protocol does with its month."""
    return f"\u2066{text}\u2069" if locale == "fa" else text


def _title(services: Services, task: MaintenanceTask, locale: str) -> str:
    ref = task_ref(services, task.customer_id, task.task_id)
    return ref.title(locale) if ref is not None else task.task_id


def maintenance_protocol(session: Session, services: Services, task: MaintenanceTask, locale: str,
                         now: datetime) -> Document:
    """The maintenance protocol of one occurrence: what was planned, what was done, the checklist, the
    evidence, the incidents filed, the timeline — and both sides' signatures."""
    customer = services.config.customers[task.customer_id]
    tz = customer.tz
    ref = task_ref(services, task.customer_id, task.task_id)

    def when(at: datetime | None) -> str:
        return format_datetime(at, tz, locale) if at is not None else "—"

    def lbl(key: str) -> str:
        return t(locale, f"doc.{key}")

    late = task.closed_at is not None and task.closed_at > task.due_at
    facts = [
        (lbl("task"), f"{_isolate(ref_of(task), locale)} · {_title(services, task, locale)}"),
        (lbl("customer"), customer.name),
        (lbl("window"), f"{when(task.opens_at)} – {when(task.due_at)}"),
        (lbl("state"), t(locale, f"pm.state.{status_of(task, now)}")
         + (f" ({t(locale, 'doc.late', by=format_duration(task.closed_at - task.due_at, locale))})"
            if late and task.closed_at is not None else "")),
        (lbl("started"), f"{when(task.started_at)} · {_name(services, task.started_by)}" if task.started_at else "—"),
        (lbl("closed"), f"{when(task.closed_at)} · " + (
            lbl("by_backups") if task.closed_by == "backup" else _name(services, task.closed_by))
         if task.closed_at else "—"),
    ]
    if ref is not None and ref.config.components:
        facts.append((lbl("components"), ", ".join(
            f"{component_title(customer, c)} — {customer.components[c].name}" for c in ref.config.components)))
    if ref is not None and ref.config.description:
        facts.append((lbl("description"), localized(ref.config.description, locale)))
    if task.notes:
        facts.append((lbl("notes") if task.state == "done" else lbl("skip_reason"), task.notes))
    ticked = set(json.loads(task.checklist or "[]"))
    items = tuple((str(n), localized(item, locale), "✓" if n in ticked else "—")
                  for n, item in enumerate(ref.config.checklist if ref else (), 1))
    checklist = Section(lbl("section.checklist"), items, headers=("№", lbl("item"), lbl("checked")),
                        weights=(0.5, 6, 1))
    evidence = tuple((e["target"], str(e["run_id"]), when(datetime.fromisoformat(e["finished_at"])), e.get("sha256") or "—")
                     for e in json.loads(task.evidence or "[]"))
    backups = Section(lbl("section.evidence"), evidence, headers=(lbl("backup_target"), lbl("run"), lbl("when"), "SHA-256"),
                      weights=(1.2, 0.8, 1.8, 5))
    incidents = tuple((i.control_number, t(locale, f"state.{i.state}"), i.description)
                      for i in store.incidents_of(session, task.id or 0))
    filed = Section(lbl("section.incidents"), incidents, headers=(lbl("number"), lbl("state"), lbl("description")),
                    weights=(1.6, 1.2, 4))
    until = task.closed_at or min(now, task.due_at)
    comps = set(ref.config.components) if ref is not None else set()
    health = tuple((when(h.at), component_title(customer, h.component), h.check_id, f"{h.from_state} → {h.to_state}",
                    h.reason) for h in health_changes(session, task.customer_id, task.opens_at, until)
                   if h.component in comps)
    checks = Section(lbl("section.health"), health, headers=(lbl("when"), lbl("component"), lbl("check"),
                                                             lbl("change"), lbl("text")),
                     weights=(1.5, 1.1, 1.4, 1.6, 3), empty=lbl("no_health_changes"))
    names = [(when(e.at), t(locale, f"pm.event.{e.kind}"), _name(services, e.actor) if e.actor != "desk" else "dutydesk",
              e.text) for e in store.events(session, task.id or 0)]
    timeline = Section(lbl("section.timeline"), tuple(names), headers=(lbl("when"), lbl("what"), lbl("who"), lbl("text")),
                       weights=(1.5, 1.6, 1.6, 3.5))
    title = t(locale, "doc.maintenance.title", ref=ref_of(task))
    return Document(
        locale=locale, filename=f"maintenance-protocol-{task.customer_id}-{task.task_id}-{task.seq}.pdf", title=title,
        subtitle=(customer.name, customer.contract, t(locale, "doc.made", when=when(now))),
        running=f"{customer.name} · {title}",
        sections=(Section(lbl("section.maintenance"), tuple(facts)), checklist, backups, checks, filed, timeline),
        signatures=t(locale, "report.section.signatures"), sides=_sides(services, customer, locale),
        labels=_labels(locale), place=customer.reports.place,
        author=customer.reports.contractor.name or services.config.desk.contractor)
