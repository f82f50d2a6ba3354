"""Files a person shares in Slack are kept with the incident, end to end: ``file_share`` message events
through Socket Mode into the real Bolt app, the files fetched from the fake's file URLs with the bot
token, kept in the register (commands/incidents/attachments.py), and the answer the fake received."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from commands.incidents.attachments import file_content, files
from storage.chat_refs import ChatRefs
from tests.fakes.slack_api import FakeSlack, file_share_event
from tests.integrations.chat import SlackRig, slack_rig
from tests.two_customers import NOI_SLACK, two_customer_config, two_customer_raw

NUMBER = "NOI-2026-00001"
MAX_BYTES = 64 * 1024  # desk.attachments.max_bytes in these tests
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(100)
_ids = itertools.count(1)


@pytest.fixture
async def rig(db_url: str) -> AsyncIterator[SlackRig]:
    raw = two_customer_raw()
    raw["desk"]["attachments"] = {"max_bytes": MAX_BYTES}
    async with slack_rig(two_customer_config(raw), db_url, mode="socket") as r:
        yield r


async def event(rig: SlackRig, body: dict[str, Any], event_id: str | None = None) -> None:
    n = next(_ids)
    await rig.fake.send_event(f"env-{n}", event_id or f"Ev{n:04d}", body)


async def dm(rig: SlackRig, text: str, files_: list[dict[str, Any]] | None = None, *, user: str = "U0IVANA",
             event_id: str | None = None) -> dict[str, Any]:
    """A direct message to the desk (with files: a file_share); returns the desk's answer there."""
    channel = "D" + user[1:]
    before = len(rig.fake.posts(channel))
    if files_ is None:
        body: dict[str, Any] = {"type": "message", "channel_type": "im", "channel": channel, "user": user,
                                "text": text, "ts": f"1790000000.{next(_ids):06d}"}
    else:
        body = file_share_event(files_, user=user, channel=channel, text=text)
    await event(rig, body, event_id)
    await rig.fake.wait_for(lambda f: len(f.posts(channel)) > before)
    return rig.fake.posts(channel)[-1]


def kept(rig: SlackRig, number: str = NUMBER) -> list[tuple[str, str, bytes]]:
    def q(s: Any) -> list[tuple[str, str, bytes]]:
        inc = next(i for i in rig.incidents() if i.control_number == number)
        out = []
        for k in files(s, inc.id):
            got = file_content(s, k.id)
            assert got is not None
            out.append((k.filename, k.content_type, got[1]))
        return out

    return rig.desk.db.read_sync(q)


def everything(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False)


async def report(rig: SlackRig) -> None:
    answer = await dm(rig, "incident urgent cucm Calls fail")
    assert NUMBER in answer["text"]


async def test_a_screenshot_in_a_dm_with_a_note_is_kept_with_that_incident(rig: SlackRig) -> None:
    await report(rig)
    answer = await dm(rig, f"note {NUMBER} screenshot", [rig.fake.share_file("screen.png", PNG, "image/png")])
    assert kept(rig) == [("screen.png", "image/png", PNG)]
    [line] = [e.text for e in rig.events("attachment")]
    assert line.startswith("screen.png (image/png")
    assert "screen.png" in answer["text"] and "Файлове към инцидента" in answer["text"]
    assert [e.text for e in rig.events("note")] == ["screenshot"]
    [download] = rig.fake.downloads()
    assert download.args["authorization"] == "Bearer xoxb-test"


async def test_a_new_report_with_a_pdf_keeps_the_pdf_with_the_new_incident(rig: SlackRig) -> None:
    answer = await dm(rig, "/incident urgent cucm calls fail", [rig.fake.share_file("trace.pdf", PDF, "application/pdf")])
    assert [i.control_number for i in rig.incidents()] == [NUMBER]
    assert kept(rig) == [("trace.pdf", "application/pdf", PDF)]
    assert NUMBER in answer["text"] and "trace.pdf" in answer["text"]


async def card_ts(rig: SlackRig) -> str:
    await report(rig)
    await rig.dispatch()  # the outbox posts the card in the customer's channel
    incident_id = rig.incidents()[0].id
    assert incident_id is not None
    ts = rig.desk.db.read_sync(lambda s: ChatRefs(s).get(incident_id, "slack", NOI_SLACK))
    assert ts
    return ts


async def in_thread(rig: SlackRig, thread: str, files_: list[dict[str, Any]], *, user: str,
                    text: str = "") -> dict[str, Any]:
    """Files posted in the card's thread; returns the ephemeral answer to the sender."""
    before = len(rig.fake.calls_to("chat.postEphemeral"))
    await event(rig, file_share_event(files_, user=user, channel=NOI_SLACK, text=text, thread_ts=thread,
                                      ts=f"1790000001.{next(_ids):06d}"))
    answers = await rig.fake.wait_calls("chat.postEphemeral", before + 1)
    return answers[-1]


async def test_files_in_the_cards_thread_are_a_note_on_that_incident(rig: SlackRig) -> None:
    thread = await card_ts(rig)
    answer = await in_thread(rig, thread, [rig.fake.share_file("log.txt", b"12:00 ERROR trunk down\n", "text/plain")],
                             user="U0IVANA")
    assert answer["channel"] == NOI_SLACK and answer["user"] == "U0IVANA" and answer["thread_ts"] == thread
    assert "log.txt" in answer["text"]
    assert [(n, c) for n, c, _ in kept(rig)] == [("log.txt", "text/plain; charset=utf-8")]
    assert [e.text for e in rig.events("note")] == ["(само файлове)"]  # files without words: the note says so


async def test_a_person_of_another_customer_posting_files_in_the_thread_keeps_nothing(rig: SlackRig) -> None:
    thread = await card_ts(rig)
    answer = await in_thread(rig, thread, [rig.fake.share_file("x.png", PNG, "image/png")], user="U0REZA",
                             text="mine now")
    assert answer["user"] == "U0REZA"
    assert kept(rig) == [] and rig.events("note") == [] and rig.events("attachment") == []
    assert rig.fake.downloads() == []  # refused by the desk first: nothing fetched


async def test_plain_chatter_in_the_thread_is_not_a_note(rig: SlackRig) -> None:
    thread = await card_ts(rig)
    await event(rig, {"type": "message", "channel_type": "channel", "channel": NOI_SLACK, "user": "U0IVANA",
                      "text": "thanks, looking", "ts": "1790000002.000001", "thread_ts": thread})
    await dm(rig, "help")  # an event after it has been handled in order: the chatter was handled too
    assert rig.events("note") == [] and rig.fake.calls_to("chat.postEphemeral") == []


async def test_files_without_words_get_the_which_incident_answer_in_the_persons_language(rig: SlackRig) -> None:
    await report(rig)
    answer = await dm(rig, "", [rig.fake.share_file("screen.png", PNG, "image/png")])
    assert "Файловете не са запазени" in answer["text"] and "NOI-2026-00001" in answer["text"]
    assert kept(rig) == [] and rig.fake.downloads() == []


async def test_files_with_a_command_that_names_no_incident_are_not_kept_and_the_answer_says_so(rig: SlackRig) -> None:
    await report(rig)
    answer = await dm(rig, "help", [rig.fake.share_file("screen.png", PNG, "image/png")])
    assert "/note" in answer["text"] and "Файловете не са запазени" in answer["text"]
    refused = await dm(rig, "note NOI-2026-00099 look", [rig.fake.share_file("screen.png", PNG, "image/png")])
    assert "NOI-2026-00099" in refused["text"] and "Файловете не са запазени" in refused["text"]
    assert kept(rig) == [] and rig.fake.downloads() == []


async def test_files_from_someone_the_desk_does_not_know_name_no_customer(rig: SlackRig) -> None:
    answer = await dm(rig, "", [rig.fake.share_file("screen.png", PNG, "image/png")], user="U0STRANGER")
    assert "U0STRANGER" in answer["text"] and "NOI" not in answer["text"]
    assert rig.fake.downloads() == []


async def test_too_big_by_declared_size_is_refused_without_a_download(rig: SlackRig) -> None:
    await report(rig)
    big = rig.fake.share_file("dump.zip", b"PK\x03\x04", "application/zip", size=1024**3)
    answer = await dm(rig, f"note {NUMBER} dump", [big])
    assert "dump.zip" in answer["text"] and "64 KB" in answer["text"]
    assert rig.fake.downloads() == [] and kept(rig) == []


async def test_a_declared_size_that_lies_stops_the_download_at_the_limit(rig: SlackRig) -> None:
    await report(rig)
    liar = rig.fake.share_file("small.log", b"x" * (MAX_BYTES * 4), "text/plain", size=100)
    answer = await dm(rig, f"note {NUMBER} log", [liar])
    assert "small.log" in answer["text"] and "64 KB" in answer["text"]
    assert kept(rig) == []


async def test_a_program_is_refused_by_its_bytes(rig: SlackRig) -> None:
    await report(rig)
    answer = await dm(rig, f"note {NUMBER} tool", [rig.fake.share_file("tool.exe", EXE, "application/x-msdownload"),
                                                   rig.fake.share_file("fine.png", PNG, "image/png")])
    assert "tool.exe" in answer["text"] and "PDF" in answer["text"]  # "keeps images, PDF, text ... only"
    assert [n for n, _, _ in kept(rig)] == ["fine.png"]


async def test_a_hostile_file_name_is_escaped_in_the_answer(rig: SlackRig) -> None:
    await report(rig)
    name = "<!channel> &<>\u202egnp.exe\nx.png"
    answer = await dm(rig, f"note {NUMBER} look", [rig.fake.share_file(name, PNG, "image/png")])
    sent = everything(answer)
    assert "<!channel>" not in sent and "&lt;!channel&gt; &amp;&lt;&gt;" in sent
    assert "\u202e" not in sent
    [(stored, _, _)] = kept(rig)
    assert stored == "<!channel> &<>gnp.exex.png"  # kept as typed, without the controls


@pytest.mark.parametrize("mode", ["external", "tombstone", "hidden_by_limit"])
async def test_a_file_slack_does_not_serve_is_refused_clearly(rig: SlackRig, mode: str) -> None:
    await report(rig)
    answer = await dm(rig, f"note {NUMBER} see", [rig.fake.share_file("gone.png", PNG, "image/png", mode=mode)])
    assert "не е запазен" in answer["text"] and rig.fake.downloads() == [] and kept(rig) == []


async def test_a_url_off_the_slack_host_is_never_fetched(rig: SlackRig) -> None:
    await report(rig)
    elsewhere = await FakeSlack().start()
    try:
        theirs = elsewhere.share_file("x.png", PNG, "image/png")
        crafted = rig.fake.share_file("x.png", PNG, "image/png", url=theirs["url_private_download"])
        answer = await dm(rig, f"note {NUMBER} see", [crafted])
        assert "x.png" in answer["text"] and "не е запазен" in answer["text"]
        assert elsewhere.downloads() == [] and elsewhere.calls == []  # no request, no token
        assert kept(rig) == []
    finally:
        await elsewhere.close()


async def test_the_sign_in_page_slack_answers_without_the_right_token_is_never_kept(rig: SlackRig) -> None:
    await report(rig)
    rig.fake.bot_token = "xoxb-rotated"  # the desk's token is no longer Slack's
    answer = await dm(rig, f"note {NUMBER} see", [rig.fake.share_file("shot.png", PNG, "image/png")])
    assert len(rig.fake.downloads()) == 1 and "не е запазен" in answer["text"]
    assert kept(rig) == []


async def test_a_redelivered_event_keeps_the_file_once(rig: SlackRig) -> None:
    await report(rig)
    shot = rig.fake.share_file("screen.png", PNG, "image/png")
    first = await dm(rig, f"note {NUMBER} screenshot", [shot], event_id="EvSAME")
    again = await dm(rig, f"note {NUMBER} screenshot", [shot], event_id="EvSAME")
    assert "screen.png" in first["text"] and "screen.png" in again["text"]
    assert len(kept(rig)) == 1 and len(rig.events("attachment")) == 1 and len(rig.events("note")) == 1


def test_the_manifest_asks_for_files_and_the_channel_message_events() -> None:
    manifest = (Path(__file__).resolve().parents[3] / "integrations" / "slack_manifest.yml").read_text()
    for line in ("- files:read", "- message.im", "- message.channels", "- message.groups"):
        assert re.search(rf"^\s+{re.escape(line)}\b", manifest, re.M), line
