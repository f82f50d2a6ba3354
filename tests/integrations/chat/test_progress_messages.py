"""A backup run's progress is one chat message per channel, edited in place; a late older state is skipped."""

from __future__ import annotations

from commands.domain.config import Config
from storage.outbox import Outbox
from tests.commands.conftest import MONDAY_1004_SOFIA
from tests.harness import DeskHarness
from tests.integrations.chat import slack_rig
from tests.integrations.chat.test_telegram import telegram_rig


def _progress(h: DeskHarness, state: str, seq: int) -> None:
    payload = {"text": f"Backup #7 of gw1: {state}", "lines": [], "kind": "info", "locale": "en",
               "backup_run_id": 7, "state": state, "update_key": "backup:7", "update_seq": seq}
    h.db.write_sync(lambda s: Outbox(s).put(dedupe_key=f"backup:7:{state}", customer_id="noi",
                                            kind="backup.progress", audience="engineers:noi", payload=payload,
                                            now=MONDAY_1004_SOFIA))


async def test_slack_edits_the_progress_message(noi_config: Config, db_url: str) -> None:
    async with slack_rig(noi_config, db_url) as rig:
        _progress(rig.desk, "queued", 0)
        await rig.dispatch()
        _progress(rig.desk, "succeeded", 2)
        await rig.dispatch()
        _progress(rig.desk, "running", 1)  # delivered late: must not replace "succeeded"
        await rig.dispatch()
        posts = [c for c in rig.fake.calls_to("chat.postMessage") if c.get("channel") == "C0NOIENG"]
        updates = [c for c in rig.fake.calls_to("chat.update") if c.get("channel") == "C0NOIENG"]
        assert [p["text"] for p in posts] == ["Backup #7 of gw1: queued"]
        assert [u["text"] for u in updates] == ["Backup #7 of gw1: succeeded"]


async def test_telegram_edits_the_progress_message(noi_config: Config, db_url: str) -> None:
    async with telegram_rig(noi_config, db_url) as rig:
        _progress(rig.desk, "queued", 0)
        await rig.dispatch()
        _progress(rig.desk, "succeeded", 2)
        await rig.dispatch()
        _progress(rig.desk, "running", 1)
        await rig.dispatch()
        georgi = [m for m in rig.fake.chat_messages(1002) if "Backup #7" in m.plain]
        assert len(georgi) == 1 and georgi[0].plain.startswith("Backup #7 of gw1: succeeded") and georgi[0].edits == 1
