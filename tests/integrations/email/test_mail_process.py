"""The e-mail channel in a real ``dutydesk run`` process: the composition root starts it from the
configuration and the environment, a mail becomes an incident and is answered, and when the mailbox goes
away /readyz and /metrics say so until it comes back."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import httpx
import tomli_w

from tests.bot.ops_helpers import samples, start_desk, value
from tests.conftest import PROCESS_T0
from tests.integrations.email import fixtures as f
from tests.integrations.email.conftest import PASSWORD, MailRig, Pki


async def test_a_dutydesk_process_reads_the_mailbox_and_says_when_it_cannot(tmp_path: Path, pki: Pki) -> None:
    rig = MailRig(tmp_path / "peers", pki, "sqlite://")  # the process keeps its own register (start_desk)
    rig.start_peers()
    config = tmp_path / "desk.toml"
    raw = rig.config.model_dump(mode="json", exclude_defaults=True)
    config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    desk = await start_desk(tmp_path, {"DESK_IMAP_PASSWORD": PASSWORD}, config=str(config))
    try:
        rig.deliver(f.outlook("ivana@noi.bg", "[urgent] Calls fail", "since 7:50", msgid="<proc@noi.bg>"),
                    received=PROCESS_T0 - dt.timedelta(minutes=5))
        [reply] = await rig.until(lambda: [m for m in rig.smtp.messages if "ivana@noi.bg" in str(m["To"])],
                                  seconds=60)
        assert str(reply["Subject"]).startswith("Re: [NOI-2026-00001]")
        async with httpx.AsyncClient(base_url=desk.base_url) as http:
            assert (await http.get("/readyz")).status_code == 200
            rig.dovecot.stop()

            answer = await _readyz(http, 503)
            assert "mailbox desk@contractor.example" in answer.text
            metrics = samples((await http.get("/metrics")).text)
            assert value(metrics, "dutydesk_mailbox_up", mailbox="desk@contractor.example") == 0
            rig.dovecot.start()
            await _readyz(http, 200)
    finally:
        await desk.stop()
        rig.stop_peers()


async def _readyz(http: httpx.AsyncClient, status: int) -> httpx.Response:
    """/readyz once it answers ``status`` (bounded: a hang fails the test; nothing is timed)."""
    async def poll() -> httpx.Response:
        while True:
            got = await http.get("/readyz")
            if got.status_code == status:
                return got
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(poll(), 60)
