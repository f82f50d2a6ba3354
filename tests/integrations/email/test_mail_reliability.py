"""Exactly once, whatever fails: the desk dies between the register's commit and the mailbox's flag; the
mailbox goes away and comes back; XOAUTH2 with a client-credentials token (a local token endpoint that
Dovecot's oauth2 passdb asks too); a sender who writes faster than the rate limit; hostile headers."""

from __future__ import annotations

import base64
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from sqlmodel import select

from bot.readiness import Readiness
from storage.models import Incident
from tests.integrations.email import fixtures as f
from tests.integrations.email.conftest import RECEIVED, MailRig, Pki
from tests.mailpeers import TokenEndpoint


class Killed(BaseException):
    """The process dies here: nothing after it runs (not an error anything could catch and handle)."""


def _incidents(rig: MailRig) -> list[Incident]:
    assert rig.harness is not None
    return rig.harness.db.read_sync(lambda s: list(s.exec(select(Incident))))


async def test_killed_between_the_commit_and_the_flag_the_mail_is_read_again_and_registered_once(rig: MailRig) -> None:
    died: list[str] = []

    def crash(delivery_id: str) -> None:
        died.append(delivery_id)
        raise Killed(delivery_id)

    rig._after_commit = crash  # type: ignore[method-assign]
    await rig.start_desk()
    rig.deliver(f.outlook("ivana@noi.bg", "Calls fail", "since 8:00", msgid="<crash1@noi.bg>"))
    await rig.until(lambda: died)
    assert len(_incidents(rig)) == 1  # committed
    assert rig.smtp.messages == []  # never answered
    assert rig.dovecot.flags("desk") == [("<crash1@noi.bg>", ())]  # never marked
    await rig.stop_desk()
    rig._after_commit = lambda delivery_id: None  # type: ignore[method-assign]
    channel = await rig.start_desk()  # the restarted desk, on the same register and mailbox
    await rig.until(lambda: channel.states[0].taken == 1)
    [inc] = _incidents(rig)
    [reply] = rig.smtp.messages
    assert inc.control_number in str(reply["Subject"])
    assert rig.dovecot.flags("desk") == [("<crash1@noi.bg>", ("\\Seen",))]


async def test_an_unreachable_mailbox_is_said_by_readyz_and_metrics_and_nothing_is_lost(rig: MailRig) -> None:
    channel = await rig.start_desk()
    assert rig.harness is not None
    await rig.until(lambda: channel.states[0].up)
    readiness = Readiness(rig.harness.db, checks=[channel.problems])

    async def mailboxes() -> dict[str, str]:  # the harness runs no writer thread: the rest is not this test's
        return {k: v for k, v in (await readiness.check()).items() if k.startswith("mailbox")}

    registry = CollectorRegistry()
    registry.register(channel.collector())
    assert await mailboxes() == {}
    assert b'dutydesk_mailbox_up{mailbox="desk@contractor.example"} 1.0' in generate_latest(registry)
    rig.dovecot.stop()
    channel.poke()
    await rig.until(lambda: not channel.states[0].up)
    problems = await mailboxes()
    assert list(problems) == ["mailbox desk@contractor.example"]
    assert "127.0.0.1" not in problems["mailbox desk@contractor.example"]  # the log names the host, not the page
    assert b'dutydesk_mailbox_up{mailbox="desk@contractor.example"} 0.0' in generate_latest(registry)
    rig.dovecot.start()  # back, with a mail that came meanwhile
    rig.deliver(f.gmail("ivana@noi.bg", "Back?", "the mailbox was away", msgid="<back@noi.bg>"))
    await rig.until(lambda: channel.states[0].taken == 1)
    assert len(_incidents(rig)) == 1 and await mailboxes() == {}


async def test_xoauth2_with_a_client_credentials_token(tmp_path: Path, pki: Pki, db_url: str,
                                                      token_endpoint: TokenEndpoint) -> None:
    rig = MailRig(tmp_path, pki, db_url, token=token_endpoint, auth="xoauth2", password_env=None,
                  token_url=token_endpoint.token_url, client_id_env="DESK_CLIENT_ID",
                  client_secret_env="DESK_CLIENT_SECRET", scope="https://outlook.office365.com/.default")
    rig.start_peers()
    try:
        channel = await rig.start_desk()
        rig.deliver(f.outlook("ivana@noi.bg", "OAuth", "token login", msgid="<oauth@noi.bg>"))
        await rig.until(lambda: channel.states[0].taken == 1)
        assert token_endpoint.issued >= 1 and len(_incidents(rig)) == 1
        assert "method=XOAUTH2" in rig.dovecot.log()
        await rig.stop_desk()
        rig.environ["DESK_CLIENT_SECRET"] = "wrong"
        channel = await rig.start_desk()
        await rig.until(lambda: channel.states[0].last_error)
        assert channel.problems() == {"mailbox desk@contractor.example": "not readable: TokenError"}
    finally:
        await rig.stop_desk()
        rig.stop_peers()


async def test_hostile_headers_cannot_add_recipients_and_a_flood_waits_for_the_rate_limit(rig: MailRig) -> None:
    channel = await rig.start_desk()
    assert rig.harness is not None
    evil = "=?utf-8?b?" + base64.b64encode(b"Calls fail\r\nBcc: thief@evil.example").decode() + "?="
    raw = f.gmail("ivana@noi.bg", "x", "<!channel> =HYPERLINK(\"http://evil\") \u202e", msgid="<evil@noi.bg>")
    raw = raw.replace(b"Subject: =?utf-8?q?x?=", b"Subject: " + evil.encode())
    rig.deliver(raw)
    [reply] = await rig.until(lambda: rig.smtp.messages)
    assert reply["Bcc"] is None and str(reply["To"]) == "ivana@noi.bg"
    assert "\n" not in str(reply["Subject"]) and "Bcc: thief@evil.example" in str(reply["Subject"])
    # a reporter's limit (desk.rate_limits): the mails beyond it wait in the mailbox, unanswered, unmarked
    limit = rig.config.desk.rate_limits
    rig.deliver(*[f.gmail("ivana@noi.bg", f"Flood {n}", "again", msgid=f"<flood{n}@noi.bg>") for n in range(40)])
    await rig.until(lambda: channel.states[0].taken > 1 and channel.states[0].last_error.startswith("TryLater"))
    rounds = channel.states[0].rounds
    await rig.until(lambda: channel.states[0].rounds > rounds + 2)  # read again, and again held back
    registered = len(_incidents(rig))
    assert channel.states[0].taken == registered
    assert registered < 41, limit
    flags = dict(rig.dovecot.flags("desk"))
    assert sum(1 for v in flags.values() if not v) == 41 - registered  # nothing lost: they wait
    assert len(rig.smtp.messages) == registered
    [first] = [i for i in _incidents(rig) if i.description.startswith("Calls fail")]
    assert first.description == 'Calls fail Bcc: thief@evil.example\n\n<!channel> =HYPERLINK("http://evil")'


async def test_without_idle_the_mailbox_is_polled_and_handled_mail_can_be_moved(tmp_path: Path, pki: Pki,
                                                                                 db_url: str) -> None:
    rig = MailRig(tmp_path, pki, db_url, idle=False, poll_seconds=1, after="move", done_folder="Dutydesk")
    rig.start_peers()
    try:
        channel = await rig.start_desk()
        await rig.until(lambda: channel.states[0].rounds >= 1)
        assert rig.dovecot.flags("desk") == []
        rig.dovecot.deliver("desk", [(f.gmail("ivana@noi.bg", "Polled", "no IDLE here", msgid="<poll@noi.bg>"),
                                      RECEIVED)])  # not poked: the next poll finds it
        await rig.until(lambda: channel.states[0].taken == 1)
        assert rig.dovecot.flags("desk") == []
        assert [mid for mid, _ in rig.dovecot.flags("desk", "Dutydesk")] == ["<poll@noi.bg>"]
        assert len(_incidents(rig)) == 1
    finally:
        await rig.stop_desk()
        rig.stop_peers()


async def test_imap_over_tls_is_verified_and_a_private_ca_is_trusted_only_when_configured(tmp_path: Path, pki: Pki,
                                                                                          db_url: str) -> None:
    rig = MailRig(tmp_path, pki, db_url, imaps=True, tls="implicit", ca_file=str(pki.ca_file))
    rig.start_peers()
    try:
        channel = await rig.start_desk()
        rig.deliver(f.gmail("ivana@noi.bg", "Over TLS", "imaps", msgid="<tls@noi.bg>"))
        await rig.until(lambda: channel.states[0].taken == 1)
        assert "TLS" in rig.dovecot.log() or "secured" in rig.dovecot.log()
        await rig.stop_desk()
        raw = rig.config.model_dump()
        raw["desk"]["email"]["ca_file"] = None  # the system's CAs do not know the test's private CA
        rig.config = type(rig.config).model_validate(raw)
        channel = await rig.start_desk()
        await rig.until(lambda: channel.states[0].last_error)
        assert "CERTIFICATE_VERIFY_FAILED" in channel.states[0].last_error or \
            "certificate verify failed" in channel.states[0].last_error
        assert channel.problems() == {"mailbox desk@contractor.example": "not readable: SSLCertVerificationError"}
    finally:
        await rig.stop_desk()
        rig.stop_peers()


async def test_a_report_mailed_while_the_database_is_away_stays_unread_and_is_answered_with_its_number(
        rig: MailRig, tmp_path: Path) -> None:
    """The desk keeps the report in its journal (issue 25), but a mail is not answered "the number follows":
    it stays unread in the mailbox (the mail's own store and forward) and, once the journal's report is
    registered, is read again and answered with the control number — one incident, one answer."""
    from commands.desk.journaled import Replayer, ReportJournal
    from storage.journal import Journal
    from storage.retry import Backoff
    from tests.db_outage import database_outage

    channel = await rig.start_desk()
    assert rig.harness is not None
    app = rig.harness.app
    app.db.retry = Backoff(sleep=lambda _: None)
    journal = app.desk.journal = ReportJournal(Journal(tmp_path / "journal"), app.services)
    with database_outage(app.db.engine):
        rig.deliver(f.outlook("ivana@noi.bg", "Calls fail", "since 8:00", msgid="<outage1@noi.bg>"))
        await rig.until(lambda: channel.states[0].rounds > 2 and channel.states[0].last_error.startswith("TryLater"))
        assert journal.pending() == 1  # read again and again, kept once
        assert rig.smtp.messages == []  # no promise by mail
        assert rig.dovecot.flags("desk") == [("<outage1@noi.bg>", ())]  # left unread
    assert await Replayer(app.desk, journal).once()
    [inc] = _incidents(rig)
    channel.poke()
    await rig.until(lambda: channel.states[0].taken >= 1 and rig.smtp.messages)
    [reply] = rig.smtp.messages
    assert inc.control_number in str(reply["Subject"])
    assert len(_incidents(rig)) == 1
    assert rig.dovecot.flags("desk") == [("<outage1@noi.bg>", ("\\Seen",))]
