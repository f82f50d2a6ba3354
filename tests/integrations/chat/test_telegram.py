"""The desk in Telegram, end to end: the real PTB Application (polling or webhook) against the fake Bot API
server, the real desk and database, the outbox dispatcher pushing cards and pages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from commands.domain.config import Config
from integrations.chat.telegram import SECRET_HEADER
from tests.fakes.telegram_api import BOT_ID
from tests.integrations.chat.telegram_rig import (
    HGP_GROUP,
    IVANA,
    MONDAY_1004_SOFIA,
    NOI_GROUP,
    NUMBER,
    PETAR,
    SARA,
    SECRET,
    Rig,
    both_customers,
    telegram_rig,
)


@pytest.fixture
async def rig(noi_config: Config, db_url: str) -> AsyncIterator[Rig]:
    async with telegram_rig(noi_config, db_url) as r:
        yield r


# -- scenario 1: report → page → acknowledge → on site → resolve → confirm --------------------------------

async def test_a_group_report_goes_from_page_to_confirmation(rig: Rig) -> None:
    answer = await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
    assert answer.plain.startswith(f"{NUMBER} регистриран 2026-11-23 10:04")
    assert answer.parse_mode == "HTML" and answer.text.startswith(f"<b>{NUMBER}")

    assert (await rig.dispatch()).failed == 0
    card = rig.card()
    assert "спешен" in card.plain and "Calls fail" in card.plain and "Реакция" in card.plain
    assert card.buttons == [("Поемам", f"/ack {NUMBER}")]
    [page] = rig.fake.chat_messages(PETAR)  # petar is on call this week: paged in his private chat
    assert NUMBER in page.plain and page.buttons == [("Поемам", f"/ack {NUMBER}")]

    answered = await rig.press(PETAR, page, f"/ack {NUMBER}")
    assert "поет от Петър Стоянов" in answered["text"] and answered.get("show_alert") in (None, "False", "false")
    assert rig.incidents()[0].state == "acknowledged"
    await rig.fake.wait_calls("editMessageReplyMarkup")  # the page now offers the next step
    assert [d for _, d in rig.fake.messages[(PETAR, page.message_id)].buttons] == [
        f"/arrive {NUMBER} onsite", f"/arrive {NUMBER} remote"]

    await rig.dispatch()
    card = rig.card()
    assert card.edits == 1 and "поет" in card.plain  # edited in place, not posted again
    assert [d for _, d in card.buttons] == [f"/arrive {NUMBER} onsite", f"/arrive {NUMBER} remote"]
    events = [m for m in rig.fake.chat_messages(NOI_GROUP) if m.reply_to == card.message_id]
    assert len(events) == 1 and "Петър Стоянов" in events[0].plain

    await rig.press(PETAR, card, f"/arrive {NUMBER} onsite")
    await rig.dispatch()
    card = rig.card()
    assert [d for _, d in card.buttons] == [f"/resolve {NUMBER}"]

    # Resolve needs "what was done": the button asks for it in a reply (ForceReply, the presser mentioned).
    await rig.press(PETAR, card, f"/resolve {NUMBER}")
    prompt = await rig.fake.wait_message(NOI_GROUP, lambda m: (m.reply_markup or {}).get("force_reply") is True)
    assert f'tg://user?id={PETAR}' in prompt.text and f"/resolve {NUMBER}" in prompt.plain
    assert prompt.reply_markup and prompt.reply_markup.get("selective") is True
    done = await rig.say(PETAR, NOI_GROUP, "Рестартиран CUCM publisher", reply_to=prompt)
    assert "решен от Петър Стоянов" in done.plain
    [resolved] = rig.events("resolved")
    assert "Рестартиран CUCM publisher" in resolved.text

    await rig.dispatch()
    card = rig.card()
    assert [d for _, d in card.buttons] == [f"/confirm {NUMBER}"]
    answered = await rig.press(IVANA, card, f"/confirm {NUMBER}")
    assert "потвърден от Ивана Петрова" in answered["text"]
    await rig.dispatch()
    card = rig.card()
    assert rig.incidents()[0].state == "confirmed" and card.buttons == []
    assert rig.unsent() == []


async def test_commands_addressed_to_the_bot_work_and_others_bots_commands_are_not_ours(rig: Rig) -> None:
    answer = await rig.say(IVANA, NOI_GROUP, "/incident@dutydesk_bot other crm Export is slow")
    assert answer.plain.startswith(NUMBER)
    status = await rig.say(IVANA, NOI_GROUP, f"/status@dutydesk_bot {NUMBER}")
    assert NUMBER in status.plain
    rig.fake.message(IVANA, NOI_GROUP, f"/ack@other_bot {NUMBER}")
    await rig.say(IVANA, NOI_GROUP, "/help")  # processed after the one before: updates are handled in order
    assert rig.incidents()[0].state == "registered"
    assert not any(m.reply_to and "other_bot" in rig.fake.messages[(NOI_GROUP, m.reply_to)].plain
                   for m in rig.fake.chat_messages(NOI_GROUP))


async def test_a_double_pressed_button_acknowledges_once_and_answers_both_presses(rig: Rig) -> None:
    await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
    await rig.dispatch()
    card = rig.card()
    first = rig.fake.press(PETAR, card, f"/ack {NUMBER}")["callback_query"]["id"]
    second = rig.fake.press(PETAR, card, f"/ack {NUMBER}")["callback_query"]["id"]
    await rig.fake.wait_for(lambda f: len(f.calls_to("answerCallbackQuery")) >= 2)
    answers = {a["callback_query_id"]: a for a in rig.fake.calls_to("answerCallbackQuery")}
    assert answers[first]["text"] == answers[second]["text"]  # the second press gets the first's answer
    assert len(rig.events("acknowledged")) == 1


async def test_a_reporter_pressing_acknowledge_is_refused_in_an_alert(rig: Rig) -> None:
    await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
    await rig.dispatch()
    answered = await rig.press(IVANA, rig.card(), f"/ack {NUMBER}")
    assert answered["show_alert"] in (True, "True", "true") and "/ack" in answered["text"]
    assert rig.incidents()[0].state == "registered"


# -- the guided /incident ------------------------------------------------------------------------------

async def test_a_bare_incident_asks_category_component_and_description(rig: Rig) -> None:
    question = await rig.say(IVANA, NOI_GROUP, "/incident")
    keyboard = question.reply_markup or {}
    labels = [b["text"] for row in keyboard["keyboard"] for b in row]
    assert labels[:2] == ["спешен", "неотложен"] and keyboard["selective"] is True
    question = await rig.say(IVANA, NOI_GROUP, "спешен", reply_to=question)
    labels = [b["text"] for row in (question.reply_markup or {})["keyboard"] for b in row]
    assert "CUCM" in labels and "CRM" in labels
    question = await rig.say(IVANA, NOI_GROUP, "нещо друго", reply_to=question)  # not a button: asked again
    question = await rig.say(IVANA, NOI_GROUP, "CUCM", reply_to=question)
    assert (question.reply_markup or {}).get("force_reply") is True
    answer = await rig.say(IVANA, NOI_GROUP, "Няма входящи обаждания", reply_to=question)
    assert answer.plain.startswith(f"{NUMBER} регистриран") and "спешен · CUCM" in answer.plain
    [incident] = rig.incidents()
    assert (incident.category, incident.component, incident.description) == ("urgent", "cucm", "Няма входящи обаждания")


async def test_what_a_guided_step_asked_for_is_taken_as_typed_never_parsed_again(rig: Rig) -> None:
    """The guide and the prompts already separated the fields: options typed into the free text stay text."""
    typed = "Calls fail --force --reported \"yesterday 08:00\" --customer hgp"
    question = await rig.say(IVANA, NOI_GROUP, "/incident")
    question = await rig.say(IVANA, NOI_GROUP, "спешен", reply_to=question)
    question = await rig.say(IVANA, NOI_GROUP, "CUCM", reply_to=question)
    answer = await rig.say(IVANA, NOI_GROUP, typed, reply_to=question)
    assert answer.plain.startswith(f"{NUMBER} регистриран 2026-11-23 10:04"), answer.plain
    [incident] = rig.incidents()
    assert incident.description == typed and incident.reported_at == MONDAY_1004_SOFIA

    await rig.say(PETAR, NOI_GROUP, f"/ack {NUMBER}")
    await rig.say(PETAR, NOI_GROUP, f"/arrive {NUMBER} remote")
    await rig.dispatch()
    await rig.press(PETAR, rig.card(), f"/resolve {NUMBER}")
    prompt = await rig.fake.wait_message(NOI_GROUP, lambda m: f"/resolve {NUMBER}" in m.plain
                                         and (m.reply_markup or {}).get("force_reply") is True)
    done = await rig.say(PETAR, NOI_GROUP, "--force restarted; see --help", reply_to=prompt)
    assert "решен от Петър Стоянов" in done.plain, done.plain
    [resolved] = rig.events("resolved")
    assert "--force restarted; see --help" in resolved.text


async def test_the_guided_incident_can_be_cancelled(rig: Rig) -> None:
    question = await rig.say(IVANA, NOI_GROUP, "/incident")
    await rig.say(IVANA, NOI_GROUP, "спешен", reply_to=question)
    cancelled = await rig.say(IVANA, NOI_GROUP, "/cancel")
    assert "нищо не е регистрирано" in cancelled.plain
    assert (cancelled.reply_markup or {}).get("remove_keyboard") is True
    talk = rig.fake.message(IVANA, NOI_GROUP, "CUCM")  # the conversation is over: just talk in the group
    await rig.say(IVANA, NOI_GROUP, "/help")
    assert not any(m.reply_to == talk["message"]["message_id"] for m in rig.fake.chat_messages(NOI_GROUP))
    assert rig.incidents() == []


# -- scenario 2: a re-delivered update -------------------------------------------------------------------

async def test_an_update_left_unconfirmed_comes_again_after_a_restart_and_changes_nothing(rig: Rig) -> None:
    # The network fails right after the update reaches the desk: it is handled, but the answer and the
    # getUpdates that would confirm it fail, and then the process stops (a crash, a deploy).
    rig.fake.network_down_after_next_updates()
    update = rig.fake.message(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
    await rig.fake.wait_for(lambda f: bool(f.failed_calls("sendMessage")))
    await rig.tg.stop()
    assert len(rig.incidents()) == 1
    rig.fake.network_down = False

    # The next process gets the unconfirmed update again (Telegram keeps it); the desk's delivery ids hold.
    again = rig.transport()
    await again.start()
    try:
        mid = update["message"]["message_id"]
        answer = await rig.fake.wait_message(NOI_GROUP, lambda m: m.reply_to == mid)
        assert answer.plain.startswith(NUMBER)  # the first reply, given again
        await rig.say(IVANA, NOI_GROUP, "/help")  # handled after the repeat
        assert len(rig.incidents()) == 1 and len(rig.events("registered")) == 1
        assert len([m for m in rig.fake.chat_messages(NOI_GROUP) if m.reply_to == mid]) == 1
    finally:
        await again.stop()


# -- scenario 3: the webhook --------------------------------------------------------------------------

async def test_the_webhook_checks_the_secret_and_ignores_a_repeated_update(noi_config: Config, db_url: str) -> None:
    async with telegram_rig(noi_config, db_url, mode="webhook") as rig:
        url = f"http://127.0.0.1:{rig.tg.port}/telegram/webhook"
        update = rig.fake.message(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail", queue=False)
        body = json.dumps(update, ensure_ascii=False).encode()
        async with httpx.AsyncClient() as http:
            missing = await http.post(url, content=body)
            wrong = await http.post(url, content=body, headers={SECRET_HEADER: "guess"})
            assert (missing.status_code, wrong.status_code) == (403, 403)
            assert rig.incidents() == [] and rig.fake.calls_to("sendMessage") == []
            right = await http.post(url, content=body, headers={SECRET_HEADER: SECRET})
            again = await http.post(url, content=body, headers={SECRET_HEADER: SECRET})
            assert (right.status_code, again.status_code) == (200, 200)
            garbage = await http.post(url, content=b"{not json", headers={SECRET_HEADER: SECRET})
            assert garbage.status_code == 400
            huge = await http.post(url, content=b" " * 1_000_001, headers={SECRET_HEADER: SECRET})
            assert huge.status_code == 413  # bounded before it is parsed

            async def stream() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
                for _ in range(20):
                    yield b" " * 100_000

            chunked = await http.post(url, content=stream(), headers={SECRET_HEADER: SECRET})
            assert chunked.status_code == 413
        assert len(rig.incidents()) == 1 and len(rig.events("registered")) == 1
        [answer] = [m for m in rig.fake.chat_messages(NOI_GROUP) if m.reply_to == update["message"]["message_id"]]
        assert answer.plain.startswith(NUMBER)
        assert rig.fake.calls_to("getUpdates") == []  # no polling in webhook mode


# -- scenario 4: who may speak where ----------------------------------------------------------------

async def test_people_and_chats_the_desk_does_not_serve_get_a_clear_answer(db_url: str) -> None:
    async with telegram_rig(both_customers(), db_url) as rig:
        other = await rig.say(SARA, NOI_GROUP, "/incident critical crm سامانه در دسترس نیست")
        # refused in sara's own language, naming no customer (issue 22)
        assert "noi" not in other.plain and "НОИ" not in other.plain and "کانال" in other.plain
        stranger = await rig.say(4242, NOI_GROUP, "/incident urgent cucm Calls fail")
        assert "telegram:4242" in stranger.plain and "администратора" in stranger.plain
        unknown = await rig.say(IVANA, -100555, "/incident urgent cucm Calls fail")
        assert "-100555" in unknown.plain and "channels.telegram" in unknown.plain
        assert rig.incidents() == []
        own = await rig.say(SARA, HGP_GROUP, "/incident critical crm سامانه در دسترس نیست")
        assert own.plain.startswith("HGP-2026-00001")


async def test_a_private_chat_works_for_people_of_one_customer(rig: Rig) -> None:
    welcome = await rig.say(IVANA, IVANA, "/start")
    assert "/incident" in welcome.plain
    answer = await rig.say(IVANA, IVANA, "incident other crm Export is slow")  # no slash needed here
    assert answer.plain.startswith(NUMBER)


# -- scenario 5: rate limits and failures ---------------------------------------------------------------

async def test_a_429_is_waited_out_and_the_card_is_sent_once(rig: Rig) -> None:
    await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
    rig.fake.fail("sendMessage", 429, retry_after=1)
    result = await rig.dispatch()
    assert (result.failed, result.unroutable) == (0, 0)
    assert len(rig.fake.failed_calls("sendMessage")) == 1
    assert rig.card().buttons and rig.unsent() == []
    assert len(rig.fake.chat_messages(PETAR)) == 1


async def test_what_telegram_could_not_take_stays_in_the_outbox_and_goes_out_later(rig: Rig) -> None:
    await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
    rig.fake.fail("sendMessage", 500, times=2)  # the card and the page
    first = await rig.dispatch()
    assert first.failed == 2 and {m.kind for m in rig.unsent()} == {"incident.card", "page"}
    assert rig.fake.chat_messages(PETAR) == []
    assert (await rig.dispatch()).sent == 0  # backing off
    rig.desk.advance(seconds=10)
    assert (await rig.dispatch()).sent == 2
    assert rig.card() and len(rig.fake.chat_messages(PETAR)) == 1 and rig.unsent() == []


async def test_a_retried_card_update_is_not_doubled(rig: Rig) -> None:
    await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
    await rig.dispatch()
    await rig.say(PETAR, NOI_GROUP, f"/ack {NUMBER}")
    rig.fake.fail("sendMessage", 500)  # the edit goes through, the event's reply fails
    assert (await rig.dispatch()).failed == 1
    rig.desk.advance(seconds=10)
    assert (await rig.dispatch()).sent == 1
    card = rig.card()  # one card (edited again on the retry, or "not modified": both are fine) ...
    assert card.edits >= 1 and "поет" in card.plain
    # ... and one event under it
    assert len([m for m in rig.fake.chat_messages(NOI_GROUP) if m.reply_to == card.message_id]) == 1


async def test_a_deleted_card_is_posted_again(rig: Rig) -> None:
    await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
    await rig.dispatch()
    del rig.fake.messages[(NOI_GROUP, rig.card().message_id)]
    await rig.say(PETAR, NOI_GROUP, f"/ack {NUMBER}")
    await rig.dispatch()
    assert "поет" in rig.card().plain and rig.unsent() == []


# -- scenario 6: Persian ------------------------------------------------------------------------------

async def test_persian_round_trips_with_jalali_dates_and_escaped_html(hgp_config: Config, db_url: str) -> None:
    async with telegram_rig(hgp_config, db_url) as rig:
        answer = await rig.say(SARA, HGP_GROUP, "/incident بحرانی crm سامانه در دسترس نیست")
        assert answer.plain.startswith("HGP-2026-00001 ثبت شد ۱۴۰۵/۰۹/۰۲ ۱۱:۳۴")
        assert "واکنش تا ۱۲:۳۴" in answer.plain
        assert answer.buttons == [("می\u200cپذیرم", "/ack HGP-2026-00001")]
        tricky = await rig.say(SARA, HGP_GROUP, "/incident عادی crm خطای <b>500</b> & «ورود» در <script>")
        assert tricky.plain.startswith("HGP-2026-00002")
        await rig.dispatch()
        [card] = [m for m in rig.fake.chat_messages(HGP_GROUP) if m.reply_to is None and "HGP-2026-00002" in m.plain]
        assert "خطای <b>500</b> & «ورود» در <script>" in card.plain  # shown as typed: escaped, not markup
        assert "&lt;b&gt;500&lt;/b&gt; &amp;" in card.text
        [incident] = [i for i in rig.incidents() if i.control_number == "HGP-2026-00002"]
        assert incident.description == "خطای <b>500</b> & «ورود» در <script>"


# -- scenario 7: the command menu ---------------------------------------------------------------------

async def test_the_command_menu_is_set_in_each_language(rig: Rig) -> None:
    menus = {c.get("language_code"): c["commands"] for c in rig.fake.calls_to("setMyCommands")}
    assert set(menus) == {None, "en", "bg", "fa"}
    names = [c["command"] for c in menus["bg"]]
    assert names[:5] == ["incident", "ack", "arrive", "resolve", "confirm"] and "help" in names
    assert {c["command"]: c["description"] for c in menus["bg"]}["ack"] == "поемане на инцидента"
    assert {c["command"]: c["description"] for c in menus["fa"]}["ack"] == "پذیرش رخداد"
    assert all(1 <= len(c["description"]) <= 256 for m in menus.values() for c in m)
    assert rig.fake.calls_to("getMe") and rig.tg.bot.id == BOT_ID
    assert rig.fake.calls_to("deleteWebhook")  # polling: a webhook left from before would block getUpdates
