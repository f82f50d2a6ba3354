"""Files a person sends in Telegram are kept with the incident: the real PTB Application against the fake
Bot API (getFile and the file download included), the real desk and database (docs/telegram.md, "Files")."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from commands.domain.config import Config
from commands.incidents.attachments import Kept, file_content, files
from commands.incidents.domain.attachments import AttachmentsConfig
from integrations.chat.telegram import SECRET_HEADER
from storage.register import Register
from tests.fakes.fake_time import FakeTime
from tests.fakes.telegram_api import TOKEN, Sent
from tests.integrations.chat.telegram_rig import IVANA, NOI_GROUP, NUMBER, SARA, SECRET, Rig, telegram_rig
from tests.two_customers import two_customer_config

LOG = b"2026-11-23 10:01:07 ERROR SIP trunk 2 down: 503 Service Unavailable\n"
MB = 1024 * 1024


def jpeg(n: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + bytes([n]) * (100 * n)


@pytest.fixture
async def rig(noi_config: Config, db_url: str) -> AsyncIterator[Rig]:
    async with telegram_rig(noi_config, db_url) as r:
        yield r


def stored(rig: Rig, number: str = NUMBER) -> list[tuple[Kept, bytes]]:
    def query(session: Any) -> list[tuple[Kept, bytes]]:
        inc = Register(session).by_number(number)
        if inc is None or inc.id is None:
            return []
        out = []
        for kept in files(session, inc.id):
            found = file_content(session, kept.id)
            assert found is not None
            out.append((kept, found[1]))
        return out

    return rig.desk.db.read_sync(query)


async def answer_to(rig: Rig, update: dict[str, Any]) -> Sent:
    msg = update["message"]
    return await rig.fake.wait_message(msg["chat"]["id"], lambda m: m.reply_to == msg["message_id"])


async def settled(rig: Rig, chat: int, user: int = IVANA) -> None:
    """Every earlier update of the chat is handled (one chat's updates are handled in order)."""
    await rig.say(user, chat, "/help")


async def report(rig: Rig) -> None:
    answer = await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
    assert answer.plain.startswith(NUMBER)


# -- a private chat: the caption is the command --------------------------------------------------------

async def test_a_document_sent_privately_with_a_note_is_kept_with_that_incident(rig: Rig) -> None:
    await report(rig)
    update = rig.fake.document(IVANA, IVANA, LOG, file_name="call.log", caption=f"/note {NUMBER} logs")
    answer = await answer_to(rig, update)
    assert "call.log" in answer.plain and "Файлове към инцидента" in answer.plain, answer.plain
    [(kept, content)] = stored(rig)
    assert (kept.filename, content, kept.source, kept.added_by) == ("call.log", LOG, "telegram", "ivana")
    [event] = rig.events("attachment")
    assert "call.log" in event.text
    [note] = rig.events("note")
    assert note.text == "logs"


async def test_a_photo_with_an_incident_caption_registers_it_and_keeps_the_largest_size_only(rig: Rig) -> None:
    update = rig.fake.photo(IVANA, IVANA, [jpeg(1), jpeg(2), jpeg(3)], caption="/incident urgent cucm calls fail")
    answer = await answer_to(rig, update)
    assert answer.plain.startswith(NUMBER), answer.plain
    [incident] = rig.incidents()
    assert incident.description == "calls fail"
    [(kept, content)] = stored(rig)
    largest = update["message"]["photo"][-1]
    assert content == jpeg(3) and kept.filename == f"photo-{largest['file_unique_id']}.jpg"
    assert kept.content_type == "image/jpeg" and kept.filename in answer.plain
    assert [a["file_id"] for a in rig.fake.calls_to("getFile")] == [largest["file_id"]]
    assert len(rig.fake.downloads) == 1


async def test_a_caption_without_the_slash_is_a_command_in_a_private_chat(rig: Rig) -> None:
    await report(rig)
    update = rig.fake.document(IVANA, IVANA, LOG, file_name="trace.txt", caption=f"note {NUMBER} трасе")
    answer = await answer_to(rig, update)
    assert "trace.txt" in answer.plain
    assert [k.filename for k, _ in stored(rig)] == ["trace.txt"]


@pytest.mark.parametrize(("user", "words"), [(IVANA, "Файловете не са запазени"), (SARA, "پرونده‌های شما")])
async def test_a_file_without_a_caption_is_answered_politely_in_the_persons_language_and_not_kept(
        noi_config: Config, db_url: str, user: int, words: str) -> None:
    async with telegram_rig(two_customer_config(), db_url) as rig:
        await report(rig)
        update = rig.fake.document(user, user, LOG, file_name="call.log")
        answer = await answer_to(rig, update)
        assert words in answer.plain, answer.plain
        prefix = "NOI" if user == IVANA else "HGP"
        assert f"{prefix}-2026-00001" in answer.plain
        assert stored(rig) == [] and rig.fake.calls_to("getFile") == []


async def test_a_voice_note_is_refused_by_its_kind_without_being_downloaded(rig: Rig) -> None:
    await report(rig)
    update = rig.fake.voice(IVANA, IVANA, b"OggS" + b"\0" * 500, caption=f"/note {NUMBER} listen")
    answer = await answer_to(rig, update)
    assert "voice-" in answer.plain and "не е запазен" in answer.plain, answer.plain
    assert stored(rig) == [] and rig.fake.calls_to("getFile") == [] and rig.fake.downloads == []
    [note] = rig.events("note")  # the note itself is taken; only the recording is not
    assert note.text == "listen"


async def test_a_command_without_an_incident_answers_and_says_the_file_was_not_kept(rig: Rig) -> None:
    update = rig.fake.document(IVANA, IVANA, LOG, file_name="call.log", caption="/help")
    answer = await answer_to(rig, update)
    assert "Файловете не са запазени" in answer.plain
    assert rig.fake.calls_to("getFile") == []


# -- a customer's group: an answer to the incident's card is a note on it ------------------------------

async def test_a_file_answering_the_card_in_the_group_is_a_note_and_another_customers_person_is_refused(
        db_url: str) -> None:
    async with telegram_rig(two_customer_config(), db_url) as rig:
        await report(rig)
        await rig.dispatch()
        card = rig.card()
        update = rig.fake.document(IVANA, NOI_GROUP, LOG, file_name="call.log", reply_to=card)
        answer = await answer_to(rig, update)
        assert "call.log" in answer.plain, answer.plain
        [(kept, content)] = stored(rig)
        assert kept.filename == "call.log" and content == LOG
        [note] = rig.events("note")
        assert note.text == "(само файлове)"

        # a person of another customer: the desk's usual refusal, nothing kept, nothing fetched
        fetched = len(rig.fake.calls_to("getFile"))
        other = rig.fake.document(SARA, NOI_GROUP, b"x" * 10, file_name="other.txt", reply_to=card,
                                  caption="mine")
        refused = await answer_to(rig, other)
        assert "other.txt" not in refused.plain
        private = rig.fake.document(SARA, SARA, b"y" * 10, file_name="other.txt", caption=f"/note {NUMBER} mine")
        await answer_to(rig, private)
        assert [k.filename for k, _ in stored(rig)] == ["call.log"] and len(rig.events("note")) == 1
        assert len(rig.fake.calls_to("getFile")) == fetched


async def test_a_file_in_the_group_that_names_no_incident_is_not_answered(rig: Rig) -> None:
    update = rig.fake.photo(IVANA, NOI_GROUP, [jpeg(1)], caption="our new office")
    await settled(rig, NOI_GROUP)
    mid = update["message"]["message_id"]
    assert not [m for m in rig.fake.chat_messages(NOI_GROUP) if m.reply_to == mid]
    assert rig.fake.calls_to("getFile") == []


# -- limits and hostile input --------------------------------------------------------------------------

async def test_files_over_the_limits_or_of_a_kind_the_desk_does_not_keep_are_refused_politely(rig: Rig) -> None:
    await report(rig)
    declared = rig.fake.document(IVANA, IVANA, LOG, file_name="huge.log", file_size=11 * MB,
                                 caption=f"/note {NUMBER} huge")
    answer = await answer_to(rig, declared)
    assert "huge.log не е запазен: по-голям от 10 MB" in answer.plain, answer.plain
    assert rig.fake.calls_to("getFile") == [] and rig.fake.failed_calls("getFile") == []

    # no size declared: getFile itself refuses what is over 20 MB ("file is too big")
    big = rig.fake.document(IVANA, IVANA, b"a" * (25 * MB), file_name="dump.txt", file_size=None,
                            caption=f"/note {NUMBER} dump")
    answer = await answer_to(rig, big)
    assert "dump.txt не е запазен: по-голям от 10 MB" in answer.plain, answer.plain
    [refusal] = rig.fake.failed_calls("getFile")
    assert refusal.status == 400

    exe = rig.fake.document(IVANA, IVANA, b"MZ\x90\x00\x03" + b"\x00" * 200, file_name="screenshot.png",
                            mime_type="image/png", caption=f"/note {NUMBER} screenshot")
    answer = await answer_to(rig, exe)
    assert "screenshot.png не е запазен: пазят се само изображения" in answer.plain, answer.plain
    assert stored(rig) == [] and rig.events("attachment") == []


async def test_a_hostile_file_name_and_caption_are_escaped_in_the_answer(rig: Rig) -> None:
    await report(rig)
    name = "<i>x &amp; &<>\u200f\nevil.txt"  # an unclosed tag, an entity, a right-to-left mark, a newline
    words = "<b>x</b> &<> \u200f\n" + "я" * 3900
    update = rig.fake.document(IVANA, IVANA, LOG, file_name=name, caption=f"/note {NUMBER} {words}")
    answer = await answer_to(rig, update)  # the fake refuses HTML Telegram would not parse
    assert "<i>x &amp; &<>evil.txt" in answer.plain, answer.plain
    assert "&lt;i&gt;x &amp;amp; &amp;&lt;&gt;evil.txt" in answer.text
    [(kept, _)] = stored(rig)
    assert kept.filename == "<i>x &amp; &<>evil.txt"
    [note] = rig.events("note")
    assert note.text.startswith("<b>x</b> &<>")


# -- albums ----------------------------------------------------------------------------------------------

async def test_an_album_with_the_caption_on_the_first_photo_keeps_all_three_and_answers_once(rig: Rig) -> None:
    await report(rig)
    first = rig.fake.photo(IVANA, IVANA, [jpeg(1), jpeg(11)], caption=f"/note {NUMBER} screenshots",
                           media_group_id="13579")
    others = [rig.fake.photo(IVANA, IVANA, [jpeg(2), jpeg(n)], media_group_id="13579") for n in (12, 13)]
    answer = await answer_to(rig, first)
    await settled(rig, IVANA)
    assert sorted(c for _, c in stored(rig)) == sorted([jpeg(11), jpeg(12), jpeg(13)])
    ids = {u["message"]["message_id"] for u in (first, *others)}
    assert [m.message_id for m in rig.fake.chat_messages(IVANA) if m.reply_to in ids] == [answer.message_id]
    assert len(rig.events("note")) == 1 and len(rig.events("attachment")) == 3


async def test_an_album_whose_caption_comes_last_keeps_the_files_held_before_it(rig: Rig) -> None:
    await report(rig)
    early = [rig.fake.document(IVANA, IVANA, LOG + bytes([n]), file_name=f"part{n}.log", media_group_id="2468")
             for n in (1, 2)]
    last = rig.fake.document(IVANA, IVANA, LOG + b"3", file_name="part3.log", media_group_id="2468",
                             caption=f"/note {NUMBER} logs")
    answer = await answer_to(rig, last)
    assert all(f"part{n}.log" in answer.plain for n in (1, 2, 3)), answer.plain
    assert sorted(k.filename for k, _ in stored(rig)) == ["part1.log", "part2.log", "part3.log"]
    ids = {u["message"]["message_id"] for u in (*early, last)}
    assert [m for m in rig.fake.chat_messages(IVANA) if m.reply_to in ids] == [answer]


async def test_an_album_without_any_caption_is_answered_once(noi_config: Config, db_url: str) -> None:
    time = FakeTime(autoadvance=True)  # the wait for the album's caption passes at once
    async with telegram_rig(noi_config, db_url, time=time, album_sleep=time.sleep) as rig:
        updates = [rig.fake.photo(IVANA, IVANA, [jpeg(n)], media_group_id="97531") for n in (1, 2, 3)]
        ids = {u["message"]["message_id"] for u in updates}
        await rig.fake.wait_message(IVANA, lambda m: m.reply_to in ids)
        await settled(rig, IVANA)
        [answer] = [m for m in rig.fake.chat_messages(IVANA) if m.reply_to in ids]
        assert "Файловете не са запазени" in answer.plain
        assert rig.fake.calls_to("getFile") == []


# -- a delivery again ------------------------------------------------------------------------------------

async def test_an_update_delivered_again_keeps_the_file_once(noi_config: Config, db_url: str) -> None:
    async with telegram_rig(noi_config, db_url, mode="webhook") as rig:
        headers = {SECRET_HEADER: SECRET}
        async with httpx.AsyncClient(timeout=30) as http:
            opened = rig.fake.message(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail", queue=False)
            url = f"http://127.0.0.1:{rig.tg.port}/telegram/webhook"
            assert (await http.post(url, json=opened, headers=headers)).status_code == 200
            update = rig.fake.document(IVANA, IVANA, LOG, file_name="call.log", caption=f"/note {NUMBER} logs",
                                       queue=False)
            body = json.dumps(update, ensure_ascii=False).encode()
            assert (await http.post(url, content=body, headers=headers)).status_code == 200
            # a restarted process (its memory of update ids gone) gets the same update again
            again = rig.transport(mode="webhook")
            await again.start()
            try:
                url = f"http://127.0.0.1:{again.port}/telegram/webhook"
                assert (await http.post(url, content=body, headers=headers)).status_code == 200
            finally:
                await again.stop()
        assert [k.filename for k, _ in stored(rig)] == ["call.log"]
        assert len(rig.events("attachment")) == 1 and len(rig.events("note")) == 1
        mid = update["message"]["message_id"]
        answers = [m for m in rig.fake.chat_messages(IVANA) if m.reply_to == mid]
        assert len(answers) == 2 and all("call.log" in a.plain for a in answers)


# -- Telegram failing to hand a file over ------------------------------------------------------------------

async def test_a_file_telegram_cannot_hand_over_now_is_said_with_polling(rig: Rig) -> None:
    await report(rig)
    rig.fake.fail("getFile", 502)
    update = rig.fake.document(IVANA, IVANA, LOG, file_name="call.log", caption=f"/note {NUMBER} logs")
    answer = await answer_to(rig, update)
    assert "call.log не е запазен: бюрото не можа да го изтегли" in answer.plain, answer.plain
    assert stored(rig) == []


async def test_a_file_telegram_cannot_hand_over_now_is_left_to_the_webhooks_repeat(
        noi_config: Config, db_url: str) -> None:
    async with telegram_rig(noi_config, db_url, mode="webhook") as rig:
        headers = {SECRET_HEADER: SECRET}
        url = f"http://127.0.0.1:{rig.tg.port}/telegram/webhook"
        async with httpx.AsyncClient(timeout=30) as http:
            opened = rig.fake.message(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail", queue=False)
            assert (await http.post(url, json=opened, headers=headers)).status_code == 200
            update = rig.fake.document(IVANA, IVANA, LOG, file_name="call.log", caption=f"/note {NUMBER} logs",
                                       queue=False)
            rig.fake.fail("getFile", 502)
            assert (await http.post(url, json=update, headers=headers)).status_code == 503
            mid = update["message"]["message_id"]
            assert [m for m in rig.fake.chat_messages(IVANA) if m.reply_to == mid] == []
            assert (await http.post(url, json=update, headers=headers)).status_code == 200  # Telegram's repeat
        [answer] = [m for m in rig.fake.chat_messages(IVANA) if m.reply_to == mid]
        assert "call.log" in answer.plain and [k.filename for k, _ in stored(rig)] == ["call.log"]
        assert len(rig.events("note")) == 1


async def test_the_fake_refuses_an_unknown_file_and_a_wrong_token_as_telegram_does(rig: Rig) -> None:
    update = rig.fake.document(IVANA, IVANA, LOG, file_name="call.log", queue=False)
    file_id = update["message"]["document"]["file_id"]
    base = f"http://127.0.0.1:{rig.fake.port}"
    async with httpx.AsyncClient() as http:
        unknown = await http.post(f"{base}/bot{TOKEN}/getFile", data={"file_id": "nope"})
        assert unknown.status_code == 400 and unknown.json()["description"] == "Bad Request: invalid file_id"
        described = (await http.post(f"{base}/bot{TOKEN}/getFile", data={"file_id": file_id})).json()["result"]
        path = described["file_path"]
        assert (await http.get(f"{base}/file/bot{TOKEN}/{path}")).content == LOG
        assert (await http.get(f"{base}/file/bot123456:wrong/{path}")).status_code == 404


async def test_above_telegrams_20_mb_a_file_is_refused_whatever_the_desk_would_keep(
        noi_config: Config, db_url: str) -> None:
    roomy = AttachmentsConfig(max_bytes=50 * MB)
    config = noi_config.model_copy(update={"desk": noi_config.desk.model_copy(update={"attachments": roomy})})
    async with telegram_rig(config, db_url) as rig:
        await report(rig)
        update = rig.fake.document(IVANA, IVANA, LOG, file_name="core.dump", file_size=25 * MB,
                                   caption=f"/note {NUMBER} core")
        answer = await answer_to(rig, update)
        assert "core.dump не е запазен: по-голям от 20 MB" in answer.plain, answer.plain
        assert rig.fake.calls_to("getFile") == [] and stored(rig) == []
