"""The e-mail channel's pure rules: the subject grammar, the thread's commands, the loop rules, whose
Authentication-Results count, what the attachment store takes, and the configuration's checks."""

from __future__ import annotations

import pytest

from commands.desk.domain.email_config import CustomerEmailConfig, MailboxConfig
from commands.domain.config import Config
from commands.incidents.domain.attachments import AttachmentsConfig, clean_filename, judge
from integrations.mail.authresults import vouched
from integrations.mail.grammar import read_subject, thread_command
from integrations.mail.loops import why_silent
from integrations.mail.message import read_mail
from integrations.mail.text import plain, written_part
from tests.integrations.email import fixtures as f


def test_the_subject_names_category_component_and_number_in_any_of_the_customers_words(noi_config: Config) -> None:
    noi = noi_config.customers["noi"]
    def parts(subject: str) -> tuple[str | None, str | None, str]:
        got = read_subject(subject, noi)
        return got.category, got.component, got.title

    assert parts("[urgent] [cucm] Calls fail") == ("urgent", "cucm", "Calls fail")
    assert parts("[спешен] [централа] Не работи") == ("urgent", "cucm", "Не работи")
    assert parts("[cucm] Calls fail") == (None, "cucm", "Calls fail")
    assert parts("[printer] Calls fail") == (None, None, "[printer] Calls fail")
    reply = read_subject("RE: Отг: AW: [NOI-2026-00042] Calls fail", noi)
    assert reply.number == "NOI-2026-00042" and reply.title == "Calls fail"
    assert read_subject("پاسخ: [HGP-2026-00001] سی‌آر‌ام").number == "HGP-2026-00001"


@pytest.mark.parametrize(("first", "command", "text"), [
    ("/confirm", "confirm", ""),
    ("Потвърди", "confirm", ""),
    ("تأیید", "confirm", ""),
    ("تاييد", "confirm", ""),  # with the Arabic yeh, as windows-1256 mail writes it
    ("/reopen still no dial tone", "reopen", "still no dial tone"),
    ("Отвори отново: пак не работи", "reopen", "пак не работи"),
    ("بازگشایی هنوز کار نمی‌کند", "reopen", "هنوز کار نمی‌کند"),
    ("Thanks, confirmed it works", "note", "Thanks, confirmed it works"),
])
def test_the_first_line_of_a_reply_is_its_command(first: str, command: str, text: str) -> None:
    got = thread_command(first)
    assert (got.command, got.text) == (command, text)


def test_loop_rules() -> None:
    desk = {"desk@contractor.example"}
    assert why_silent(read_mail(f.auto_reply("a@noi.bg", msgid="<1@x>", in_reply_to="<2@x>", subject="s")), desk)
    assert why_silent(read_mail(f.bounce(msgid="<b@x>", original_to="x@noi.bg")), desk)
    assert why_silent(read_mail(f.gmail("desk@contractor.example", "s", "t", msgid="<3@x>")), desk)
    person = f.gmail("ivana@noi.bg", "s", "t", msgid="<4@x>")
    assert why_silent(read_mail(person), desk) is None
    assert why_silent(read_mail(person.replace(b"MIME-Version", b"Precedence: bulk\r\nMIME-Version")), desk)
    assert why_silent(read_mail(person.replace(b"MIME-Version", b"Auto-Submitted: auto-generated\r\nMIME-Version")), desk)
    assert why_silent(read_mail(person.replace(b"MIME-Version", b"Auto-Submitted: no\r\nMIME-Version")), desk) is None


def test_only_the_receiving_servers_authentication_results_count() -> None:
    ours = "mx.noi.bg"
    assert vouched(["mx.noi.bg; spf=pass smtp.mailfrom=noi.bg; dkim=pass header.d=noi.bg; dmarc=pass"], ours)
    assert not vouched(["mx.noi.bg; spf=pass; dmarc=fail (p=reject)"], ours)
    assert not vouched(["mx.noi.bg; spf=softfail; dkim=none"], ours)
    assert vouched(["mx.noi.bg; spf=none; dkim=pass header.d=noi.bg"], ours)
    # a header the sender wrote, naming another server (or ours in a comment) does not count
    assert not vouched(["evil.example; spf=pass; dmarc=pass", "(mx.noi.bg) x; dmarc=pass"], ours)
    assert not vouched([], ours)


def test_text_of_a_mail() -> None:
    assert plain("a\u00adb\ufeff\u202ec\u200cd\r\ne") == "abc\u200cd\ne"
    assert written_part("Fixed?\n\nFrom: Desk\nSent: Monday\nTo: Ivana\nSubject: x\n\nold", "en") == "Fixed?"


def test_what_the_attachment_store_takes() -> None:
    cfg = AttachmentsConfig(max_bytes=1000, max_per_incident=2)
    assert judge(f.PNG, "application/octet-stream", 0, cfg).content_type == "image/png"  # the bytes decide
    assert judge(f.EXE, "image/png", 0, cfg).reason == "type"
    assert judge(b"#!/bin/sh\nrm -rf /\n", "text/plain", 0, cfg).reason == "type"
    assert judge("лог".encode("cp1251"), "text/plain", 0, cfg).content_type == "text/plain"
    assert judge(b"x" * 1001, "text/plain", 0, cfg).reason == "too_big"
    assert judge(b"ok", "text/plain", 2, cfg).reason == "too_many"
    assert judge(b"", "text/plain", 0, cfg).reason == "empty"
    assert clean_filename("..\\..\\windows\\evil\u202egnp.exe") == "evilgnp.exe"
    assert clean_filename("/etc/passwd") == "passwd" and clean_filename("...") == "file"


def test_the_configuration_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="password_env"):
        MailboxConfig(address="desk@x.example", host="imap.x.example", username="desk")
    with pytest.raises(ValueError, match="token_url"):
        MailboxConfig(address="desk@x.example", host="outlook.office365.com", username="desk", auth="xoauth2")
    with pytest.raises(ValueError, match="in clear"):
        MailboxConfig(address="desk@x.example", host="imap.x.example", username="d", password_env="P", tls="none")
    with pytest.raises(ValueError, match="needs domains"):
        CustomerEmailConfig(category="other", component="cucm", unknown="guest")
    with pytest.raises(ValueError, match="authserv_id"):
        CustomerEmailConfig(category="other", component="cucm", require_authentication=True)


def test_the_desks_own_addresses_are_the_mailboxes_and_the_smtp_senders_address(noi_config: Config) -> None:
    from commands.oncall.domain.config import SmtpConfig
    from integrations.gateways.email import EmailNotifier
    from integrations.mail.intake import MailIntake

    smtp = SmtpConfig(host="127.0.0.1", port=25, sender="Service Desk <Desk@Contractor.example>")

    class _Services:
        config = noi_config

    intake = MailIntake(None, _Services(), EmailNotifier(noi_config, smtp, {}))  # type: ignore[arg-type]
    assert intake.own == {"desk@contractor.example"} and intake.domain == "contractor.example"
