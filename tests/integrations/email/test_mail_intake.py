"""A mail to the desk's mailbox (a real Dovecot) becomes an incident, and the sender gets the reply by mail
(a real SMTP server over verified TLS): the control number in the subject, threading headers, the
customer's language, the first notification at the instant the mailbox's server received the mail."""

from __future__ import annotations

from email.message import EmailMessage

from sqlmodel import select

from storage.models import Incident, TimelineEvent
from storage.models_mail import Attachment, MailThread
from tests.integrations.email import fixtures as f
from tests.integrations.email.conftest import DESK, RECEIVED, MailRig


def _incidents(rig: MailRig) -> list[Incident]:
    assert rig.harness is not None
    return rig.harness.db.read_sync(lambda s: list(s.exec(select(Incident).order_by(Incident.id))))  # type: ignore[arg-type]


async def _resolve(rig: MailRig, number: str) -> None:
    assert rig.harness is not None
    for command in (f"/ack {number}", f"/resolve {number} replaced the PoE switch"):
        reply = await rig.harness.say("maria", command)
        assert not reply.is_error, reply.text


def _sent_to(rig: MailRig, address: str) -> list[EmailMessage]:
    return [m for m in rig.smtp.messages if address in str(m["To"])]


async def test_an_outlook_mail_becomes_an_incident_and_the_sender_gets_the_number_in_bulgarian(rig: MailRig) -> None:
    channel = await rig.start_desk()
    rig.deliver(f.outlook("ivana@noi.bg", "[urgent] [cucm] Calls fail", "Calls to 1234 fail since 8:00.\n\n"
                          "Поздрави,\nИвана", msgid="<DB9PR01MB1234@noi.bg>"))
    [reply] = await rig.until(lambda: _sent_to(rig, "ivana@noi.bg"))
    [inc] = _incidents(rig)
    assert (inc.category, inc.component, inc.reporter) == ("urgent", "cucm", "ivana")
    assert inc.description == "Calls fail\n\nCalls to 1234 fail since 8:00."  # the signature cut
    assert inc.reported_at == RECEIVED  # the server's INTERNALDATE, not the desk's clock (08:10)
    assert reply["Subject"] == f"Re: [{inc.control_number}] Calls fail"
    assert reply["In-Reply-To"] == "<DB9PR01MB1234@noi.bg>"
    assert "<DB9PR01MB1234@noi.bg>" in reply["References"]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["Message-ID"].startswith(f"<{inc.control_number}.")
    text = reply.get_content()
    assert f"{inc.control_number} регистриран" in text and "спешен" in text and "Първо уведомяване" in text
    await rig.until(lambda: channel.states[0].taken == 1)
    assert rig.dovecot.flags("desk") == [("<DB9PR01MB1234@noi.bg>", ("\\Seen",))]


async def test_replies_in_the_thread_add_notes_and_the_first_line_confirms(rig: MailRig) -> None:
    await rig.start_desk()
    assert rig.harness is not None
    rig.deliver(f.gmail("ivana@noi.bg", "Phones dead on floor 3", "No dial tone.", msgid="<CAfirst@mail.gmail.com>"))
    [first] = await rig.until(lambda: _sent_to(rig, "ivana@noi.bg"))
    [inc] = _incidents(rig)
    assert (inc.category, inc.component) == ("other", "cucm")  # the customer's mail defaults
    # a reply to the desk's reply, Gmail-shaped with the quote
    rig.deliver(f.gmail("ivana@noi.bg", "Re: " + str(first["Subject"]),
                        "Also floor 4.\n\nOn Mon, 23 Nov 2026 at 10:05, Service Desk <desk@contractor.example> wrote:\n"
                        "> old", msgid="<CAsecond@mail.gmail.com>", in_reply_to=str(first["Message-ID"]),
                        references=f"<CAfirst@mail.gmail.com> {first['Message-ID']}"))
    await rig.until(lambda: len(_sent_to(rig, "ivana@noi.bg")) == 2)
    events = rig.harness.db.read_sync(lambda s: list(s.exec(select(TimelineEvent).where(
        TimelineEvent.incident_id == inc.id, TimelineEvent.kind == "note"))))
    assert [e.text for e in events] == ["Also floor 4."]
    await _resolve(rig, inc.control_number)
    # a reply to the report itself, no number in the subject: the thread is known by its first message
    rig.deliver(f.outlook("ivana@noi.bg", "RE: Phones dead on floor 3", "/confirm\n\nthanks",
                          msgid="<DB9third@noi.bg>", in_reply_to="<CAfirst@mail.gmail.com>",
                          references="<CAfirst@mail.gmail.com>"))
    await rig.until(lambda: _incidents(rig)[0].state == "confirmed")
    threads = rig.harness.db.read_sync(lambda s: list(s.exec(select(MailThread))))
    assert [(t.address, t.root_message_id) for t in threads] == [("ivana@noi.bg", "<CAfirst@mail.gmail.com>")]


async def test_an_auto_reply_and_a_bounce_are_read_but_never_answered(rig: MailRig) -> None:
    channel = await rig.start_desk()
    rig.deliver(f.auto_reply("ivana@noi.bg", msgid="<oof1@noi.bg>", in_reply_to="<x@contractor.example>",
                             subject="[NOI-2026-00001] Calls fail"),
                f.bounce(msgid="<bounce1@mx.noi.bg>", original_to="nobody@noi.bg"),
                f.gmail(DESK, "loop", "from ourselves", msgid="<self@contractor.example>"))
    await rig.until(lambda: channel.states[0].taken == 3)
    assert rig.smtp.messages == [] and _incidents(rig) == []
    assert all(flags == ("\\Seen",) for _, flags in rig.dovecot.flags("desk"))


async def test_charsets_as_they_come(rig: MailRig) -> None:
    channel = await rig.start_desk()
    rig.deliver(
        f.thunderbird("ivana@noi.bg", "Не работи записът", "Записът на разговорите спря.", msgid="<tb1@noi.bg>",
                      charset="windows-1251"),
        f.thunderbird("ivana@noi.bg", "Не работает запись", "Запись разговоров остановилась.", msgid="<tb2@noi.bg>",
                      charset="koi8-r"),
        f.thunderbird("ivana@noi.bg", "Няма сигнал", "Телефоните на етаж 2 нямат сигнал.", msgid="<tb3@noi.bg>",
                      charset="iso-8859-5"),
        f.html_only("ivana@noi.bg", "HTML only", "<html><body><p>Line <b>one</b> &amp; two</p>"
                    "<table><tr><td>cell</td></tr></table></body></html>", msgid="<html1@noi.bg>"),
        # windows-1256 has no Persian yeh: Persian mail in it is written with the Arabic one (U+064A)
        f.thunderbird("sara@hgp.ir", "سيستم کار نمي‌کند", "گزارش‌ها باز نمي‌شوند.", msgid="<fa1@hgp.ir>",
                      charset="windows-1256"),
        f.gmail("sara@hgp.ir", "[بحرانی] [crm] سی‌آر‌ام از کار افتاده", "کاربران نمی‌توانند وارد شوند.",
                msgid="<fa2@hgp.ir>"),
    )
    await rig.until(lambda: channel.states[0].taken == 6)
    got = {i.control_number: (i.category, i.component, i.description) for i in _incidents(rig)}
    assert got == {
        "NOI-2026-00001": ("other", "cucm", "Не работи записът\n\nЗаписът на разговорите спря."),
        "NOI-2026-00002": ("other", "cucm", "Не работает запись\n\nЗапись разговоров остановилась."),
        "NOI-2026-00003": ("other", "cucm", "Няма сигнал\n\nТелефоните на етаж 2 нямат сигнал."),
        "NOI-2026-00004": ("other", "cucm", "HTML only\n\nLine one & two\n\ncell"),
        "HGP-2026-00001": ("normal", "crm", "سيستم کار نمي‌کند\n\nگزارش‌ها باز نمي‌شوند."),
        "HGP-2026-00002": ("critical", "crm", "سی‌آر‌ام از کار افتاده\n\nکاربران نمی‌توانند وارد شوند."),
    }
    [fa] = [m for m in _sent_to(rig, "sara@hgp.ir") if "HGP-2026-00002" in str(m["Subject"])]
    assert "ثبت شد" in fa.get_content()  # Persian, with the Jalali date
    assert "۱۴۰۵" in fa.get_content()


async def test_unknown_senders_are_refused_politely_or_taken_as_guests_of_their_domain(rig: MailRig) -> None:
    channel = await rig.start_desk()
    rig.deliver(f.gmail("stranger@example.org", "Hello", "Let me in", msgid="<s1@example.org>"),
                f.gmail("reza.unknown@hgp.ir", "Hello", "سلام", msgid="<s2@hgp.ir>"),
                f.outlook("new.person@noi.bg", "Printer", "The CUCM console is slow", msgid="<g1@noi.bg>"))
    await rig.until(lambda: channel.states[0].taken == 3)
    [inc] = _incidents(rig)
    assert inc.reporter == "guest:new.person@noi.bg"
    [en] = _sent_to(rig, "stranger@example.org")
    assert "is not known" in en.get_content() and en["Auto-Submitted"] == "auto-replied"
    [fa] = _sent_to(rig, "reza.unknown@hgp.ir")
    assert "شناخته‌شده نیست" in fa.get_content()
    [guest] = _sent_to(rig, "new.person@noi.bg")
    assert inc.control_number in str(guest["Subject"])


async def test_a_mail_from_another_customer_cannot_act_on_this_customers_incident(rig: MailRig) -> None:
    channel = await rig.start_desk()
    assert rig.harness is not None
    rig.deliver(f.outlook("ivana@noi.bg", "Calls fail", "since 8", msgid="<n1@noi.bg>"))
    [first] = await rig.until(lambda: _sent_to(rig, "ivana@noi.bg"))
    number = _incidents(rig)[0].control_number
    await _resolve(rig, number)
    rig.deliver(f.gmail("sara@hgp.ir", f"Re: [{number}] Calls fail", "/reopen not fixed",
                        msgid="<h1@hgp.ir>", in_reply_to=str(first["Message-ID"])))
    await rig.until(lambda: channel.states[0].taken == 2)
    [answer] = await rig.until(lambda: _sent_to(rig, "sara@hgp.ir"))
    assert _incidents(rig)[0].state == "resolved"
    assert "noi" not in answer.get_content().lower().replace(number.lower(), "")


async def test_attachments_are_kept_with_the_incident_and_a_program_is_refused(rig: MailRig) -> None:
    channel = await rig.start_desk()
    assert rig.harness is not None
    rig.deliver(f.thunderbird("ivana@noi.bg", "Screenshot", "See attached", msgid="<att1@noi.bg>",
                              files=(("screen.png", "image/png", f.PNG), ("cucm.log", "text/plain", b"ERROR 42\n"),
                                     ("invoice.pdf.exe", "application/pdf", f.EXE))))
    [reply] = await rig.until(lambda: _sent_to(rig, "ivana@noi.bg"))
    await rig.until(lambda: channel.states[0].taken == 1)
    rows = rig.harness.db.read_sync(lambda s: list(s.exec(select(Attachment))))
    assert sorted((a.filename, a.content_type) for a in rows) == [
        ("cucm.log", "text/plain; charset=utf-8"), ("screen.png", "image/png")]
    text = reply.get_content()
    assert "screen.png" in text and "invoice.pdf.exe" in text
    status = await rig.harness.say("ivana", f"/status {_incidents(rig)[0].control_number}")
    assert "screen.png" in status.as_text()


async def test_a_sender_the_receiving_server_did_not_vouch_for_is_not_taken_as_that_person(rig: MailRig) -> None:
    raw = rig.config.model_dump()
    raw["customers"]["noi"]["email"].update(require_authentication=True, authserv_id="mx.noi.bg")
    rig.config = type(rig.config).model_validate(raw)
    channel = await rig.start_desk()
    forged = "Authentication-Results: mx.noi.bg; spf=fail smtp.mailfrom=noi.bg; dmarc=fail (p=none)\r\n" \
             "Authentication-Results: attacker.example; dmarc=pass\r\n"
    good = "Authentication-Results: mx.noi.bg; spf=pass smtp.mailfrom=noi.bg; dkim=pass; dmarc=pass\r\n"
    rig.deliver(f.outlook("ivana@noi.bg", "Forged", "x", msgid="<forged@evil>", extra=forged),
                f.outlook("ivana@noi.bg", "Real", "y", msgid="<real@noi.bg>", extra=good))
    await rig.until(lambda: channel.states[0].taken == 2)
    [inc] = _incidents(rig)
    assert inc.description.startswith("Real")
    refusal = next(m for m in rig.smtp.messages if m["In-Reply-To"] == "<forged@evil>")
    assert "SPF/DKIM/DMARC" in refusal.get_content()


async def test_a_customers_own_mailbox_speaks_for_that_customer(rig: MailRig) -> None:
    raw = rig.config.model_dump()
    raw["customers"]["hgp"]["email"]["mailbox"] = {
        "address": "support@hgp.ir", "host": "127.0.0.1", "port": rig.dovecot.port, "tls": "none",
        "username": "hgp", "password_env": "HGP_IMAP_PASSWORD", "poll_seconds": 5}
    rig.config = type(rig.config).model_validate(raw)
    channel = await rig.start_desk()
    assert [s.address for s in channel.states] == [DESK, "support@hgp.ir"]
    # georgi serves both customers: the mailbox he writes to says which
    rig.dovecot.deliver("hgp", [(f.gmail("georgi@contractor.example", "[sql] Slow", "the reports are slow",
                                         msgid="<g@contractor.example>"), RECEIVED)])
    channel.poke()
    await rig.until(lambda: channel.states[1].taken == 1)
    [inc] = _incidents(rig)
    assert (inc.control_number, inc.component) == ("HGP-2026-00001", "sql")


async def test_a_long_mail_is_cut_to_the_description_limit_and_the_answer_goes_to_the_from_address(
        rig: MailRig) -> None:
    channel = await rig.start_desk()
    long = "\n".join(f"line {n}: " + "x" * 90 for n in range(300))  # about 30,000 characters
    raw = f.gmail("ivana@noi.bg", "Log pasted", long, msgid="<long@noi.bg>")
    rig.deliver(raw.replace(b"MIME-Version", b"Reply-To: thief@evil.example\r\nMIME-Version"))
    await rig.until(lambda: channel.states[0].taken == 1)
    [inc] = _incidents(rig)
    assert len(inc.description) == rig.config.desk.max_description and inc.description.endswith("…")
    [reply] = rig.smtp.messages
    assert str(reply["To"]) == "ivana@noi.bg"
