"""``/report incident <number> [pdf]`` and ``/report task <task>[#n] [pdf]``: the service protocol of an
incident and the maintenance protocol of a planned task, as PDF files in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from commands.desk.context import Context, Outcome, Read
from commands.desk.reply import Attachment, Reply
from commands.incidents.incident import check_number
from commands.preventive.chat import _load, _parse_ref
from commands.preventive.protocol import maintenance_protocol, service_protocol
from commands.reports.documents import Document
from storage.models_maintenance import OPEN

PDF = "application/pdf"


def _attach(ctx: Context, document: Document, text: str) -> Reply:
    render = ctx.services.render_document
    if render is None:
        raise RuntimeError("no document renderer is wired (bot.app.build_app sets Services.render_document)")
    return ctx.reply(text, kind="info", attachment=Attachment(document.filename, render(document), PDF))


def _format(ctx: Context, words: Sequence[str]) -> None:
    for w in words:
        if w.casefold() != "pdf":
            ctx.fail("report.error.bad_format", value=w, choices="pdf")


def incident_paper(ctx: Context, words: Sequence[str]) -> Outcome:
    if not words:
        ctx.fail("error.usage", usage=ctx.t("help.report"))
    number = check_number(ctx, words[0])
    _format(ctx, words[1:])
    services, cid, now, loc = ctx.services, ctx.customer_id, ctx.now, ctx.locale

    def query(session: Session) -> Reply:
        document = service_protocol(session, services, cid, number, loc, now)
        if document is None:
            ctx.fail("error.no_such_incident", number=number)
        return _attach(ctx, document, ctx.t("doc.service.reply", number=number))

    return Read(query)


def task_paper(ctx: Context, words: Sequence[str]) -> Outcome:
    if not words:
        ctx.fail("error.usage", usage=ctx.t("help.report"))
    ref, seq = _parse_ref(ctx, words[0])
    _format(ctx, words[1:])
    services, now, loc = ctx.services, ctx.now, ctx.locale

    def query(session: Session) -> Reply:
        row = _load(ctx, session, ref, seq)
        if row.state in OPEN:
            ctx.fail("pm.error.not_done", ref=f"{row.task_id}#{row.seq}")
        document = maintenance_protocol(session, services, row, loc, now)
        return _attach(ctx, document, ctx.t("doc.maintenance.reply", ref=f"{row.task_id}#{row.seq}"))

    return Read(query)
