"""The service protocol of an incident and the maintenance protocol of a planned task, as PDFs in bg, en and
fa (right to left): asked in chat (and offered on /confirm), every word inside its cell — measured with
pdfplumber's word boxes as for the monthly protocol — with 4,000-character hostile texts."""

from __future__ import annotations

import io
from datetime import timedelta

import pdfplumber
import pytest

from commands.preventive.sweep import preventive_sweep_unit
from storage.models_backup import BackupRun
from tests.conftest import utc
from tests.harness import DeskHarness
from tests.integrations.reports.test_pdf_cells import (
    BG,
    EN,
    FA,
    HOSTILE,
    ONE_WORD,
    assert_no_word_crosses_a_cell,
)

CASES = {  # locale → customer, reporter, engineer, category, component, long text
    "bg": ("noi", "ivana", "georgi", "urgent", "cucm", BG),
    "en": ("noi", "ivana", "georgi", "urgent", "cucm", EN),
    "fa": ("hgp", "sara", "reza", "critical", "crm", FA),
}


def _text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _pages(data: bytes) -> int:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


@pytest.mark.parametrize("locale", ["bg", "en", "fa"])
async def test_the_service_protocol_of_a_fixed_incident(noi_config, hgp_config, tmp_path, locale: str) -> None:  # type: ignore[no-untyped-def]
    customer, reporter, engineer, category, component, long = CASES[locale]
    config = noi_config if customer == "noi" else hgp_config
    h = DeskHarness(config, f"sqlite:///{tmp_path / 'd.db'}", utc(2026, 11, 23, 8, 4))  # a working Monday in both
    try:
        filed = await h.say(reporter, f"/incident {category} {component} {long}")
        number = filed.control_number
        assert number is not None
        h.advance(minutes=10)
        await h.say(engineer, f"/ack {number}")
        await h.say(engineer, f"/arrive {number} remote")
        await h.say(engineer, f"/note {number} {HOSTILE}")
        await h.say(engineer, f"/note {number} {ONE_WORD}")
        h.advance(hours=2)
        await h.say(engineer, f"/resolve {number} {long}")
        confirmed = await h.say(reporter, f"/confirm {number}")
        offered = [b.command for b in confirmed.buttons]
        assert f"/report incident {number} pdf" in offered
        # the customer's own language unless the person has one; here the locale is asked for by the test
        services = h.app.services
        from commands.preventive.protocol import service_protocol

        document = h.db.read_sync(lambda s: service_protocol(s, services, customer, number, locale, h.clock.now()))
        assert document is not None and services.render_document is not None
        data = services.render_document(document)
        assert data.startswith(b"%PDF")
        assert assert_no_word_crosses_a_cell(data) > 1000
        assert _pages(data) >= 3
        text = _text(data)
        assert number in text
        if locale != "fa":  # Latin and Cyrillic extract in reading order
            assert {"bg": "Сервизен протокол", "en": "Service protocol"}[locale] in text
            assert {"bg": "За възложителя", "en": "For the customer"}[locale] in text
        # in chat: the file, named after the number
        reply = await h.say(reporter, f"/report incident {number}")
        assert reply.attachment is not None and reply.attachment.mime_type == "application/pdf"
        assert reply.attachment.filename == f"service-protocol-{number}.pdf"
        other = await h.say(reporter, "/report incident ZZZ-2026-00001")
        assert other.kind == "error"
        bad = await h.say(reporter, f"/report incident {number} docx")
        assert bad.kind == "error"
    finally:
        h.close()


@pytest.mark.parametrize("locale", ["bg", "en", "fa"])
async def test_the_maintenance_protocol_of_a_completed_task(noi_config, hgp_config, tmp_path, locale: str) -> None:  # type: ignore[no-untyped-def]
    customer, _reporter, engineer, category, component, long = CASES[locale]
    config = noi_config if customer == "noi" else hgp_config
    start = utc(2026, 12, 14, 8, 0) if customer == "noi" else utc(2026, 12, 20, 7, 0)
    h = DeskHarness(config, f"sqlite:///{tmp_path / 'd.db'}", start)
    task = "review" if customer == "noi" else "monitoring"
    try:
        services = h.app.services
        h.db.write_sync(preventive_sweep_unit(services, h.clock.now()))
        await h.say(engineer, f"/task {task} start {HOSTILE}")
        filed = await h.say(engineer, f"/task {task} incident {category} {component} {long}")
        assert filed.control_number is not None
        h.advance(hours=3)
        done = await h.say(engineer, f"/task {task} done {long} --check 1,2")
        assert done.kind == "ok", done.as_text()
        open_one = await h.say(engineer, f"/report task {task}#2") if customer == "noi" else None
        assert open_one is None or open_one.kind == "error"
        reply = await h.say(engineer, f"/report task {task}#1 pdf")
        assert reply.attachment is not None, reply.as_text()
        assert reply.attachment.filename == f"maintenance-protocol-{customer}-{task}-1.pdf"
        from commands.preventive.protocol import maintenance_protocol
        from storage.maintenance import of_customer

        row = h.db.read_sync(lambda s: next(r for r in of_customer(s, customer) if r.task_id == task))
        document = h.db.read_sync(lambda s: maintenance_protocol(s, services, row, locale, h.clock.now()))
        assert services.render_document is not None
        data = services.render_document(document)
        assert assert_no_word_crosses_a_cell(data) > 900
        text = _text(data)
        assert filed.control_number in text
        if locale != "fa":
            assert {"bg": "Протокол за профилактика review#1", "en": "Maintenance protocol review#1"}[locale] in text
    finally:
        h.close()


async def test_an_archive_task_done_by_backups_lists_the_runs_and_their_sha256(noi_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, f"sqlite:///{tmp_path / 'd.db'}", utc(2026, 12, 14, 8, 0))
    try:
        services = h.app.services
        h.db.write_sync(preventive_sweep_unit(services, h.clock.now()))
        finished = utc(2026, 12, 20, 2, 0)

        def add(s):  # type: ignore[no-untyped-def]
            for i, target in enumerate(("cucm", "uccx", "gw1", "gw2")):
                s.add(BackupRun(customer_id="noi", target_id=target, driver="ssh", trigger="schedule",
                                requested_by="schedule", status="succeeded", queued_at=finished,
                                finished_at=finished + timedelta(minutes=i), sha256=f"{i}" * 64))

        h.db.write_sync(add)
        h.clock.set(utc(2026, 12, 21, 8, 0))
        h.db.write_sync(preventive_sweep_unit(services, h.clock.now()))
        reply = await h.say("georgi", "/report task config-archive#1")
        assert reply.attachment is not None
        text = _text(reply.attachment.content)
        compact = "".join(text.split())  # a SHA-256 wraps inside its cell
        assert "0" * 64 in compact and "3" * 64 in compact
        assert "чрез архивиранията (автоматично)" in text
        assert assert_no_word_crosses_a_cell(reply.attachment.content) > 50
    finally:
        h.close()


async def test_papers_list_the_incident_s_files_and_the_task_s_health_history(noi_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from commands.incidents.attachments import Upload, keep_file
    from commands.preventive.protocol import maintenance_protocol, service_protocol
    from storage.maintenance import of_customer
    from storage.models import Incident
    from storage.models_health import HealthEvent

    h = DeskHarness(noi_config, f"sqlite:///{tmp_path / 'd.db'}", utc(2026, 12, 14, 8, 0))
    try:
        services = h.app.services
        h.db.write_sync(preventive_sweep_unit(services, h.clock.now()))
        number = (await h.say("ivana", "/incident other callrec Recordings stop at night")).control_number
        assert number is not None
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

        def keep(s):  # type: ignore[no-untyped-def]
            from sqlmodel import select

            inc = s.exec(select(Incident).where(Incident.control_number == number)).one()
            keep_file(s, services.config.desk.attachments, inc.id, Upload("rack <photo>.png", "image/png", png),
                      source="email", added_by="georgi", channel="email", now=h.clock.now())
            s.add(HealthEvent(customer_id="noi", check_id="cucm_axl", component="cucm", at=utc(2026, 12, 15, 9, 0),
                              kind="change", from_state="up", to_state="down", reason="AXL timed out"))
            s.add(HealthEvent(customer_id="noi", check_id="callrec_web", component="crm", at=utc(2026, 12, 15, 9, 0),
                              kind="change", from_state="up", to_state="down", reason="not a component of the review"))

        h.db.write_sync(keep)
        document = h.db.read_sync(lambda s: service_protocol(s, services, "noi", number, "en", h.clock.now()))
        assert document is not None
        files = next(sec for sec in document.sections if sec.title == "Attachments")
        assert len(files.rows) == 1 and files.rows[0][1].startswith("rack") and files.rows[0][2] == "Георги Иванов"
        import hashlib

        assert files.rows[0][3] == hashlib.sha256(png).hexdigest()
        h.clock.set(utc(2026, 12, 16, 8, 0))
        await h.say("georgi", "/task logs done reviewed")
        row = h.db.read_sync(lambda s: next(r for r in of_customer(s, "noi") if r.task_id == "logs"))
        paper = h.db.read_sync(lambda s: maintenance_protocol(s, services, row, "en", h.clock.now()))
        health = next(sec for sec in paper.sections if sec.title == "Health checks of its components in its window")
        assert [r[2] for r in health.rows] == ["cucm_axl"]  # the logs review's components only
        assert assert_no_word_crosses_a_cell(services.render_document(paper)) > 50  # type: ignore[misc]
    finally:
        h.close()
